"""``advocate report``: per target and over time, as text, JSON, CSV, HTML and a PDF."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from advocate.outcomes.log import LogEntry, apply_entries
from advocate.outcomes.report import make_report, render_report
from advocate.outcomes.store import Letter, LogStore
from advocate.reference import letter_reference
from advocate.schema.campaign import load_campaign

Run = Callable[..., Result]
WORLD = Path(__file__).parents[1] / "fixtures" / "world"
TODAY = date(2026, 1, 15)


def ref(target: str, row: int) -> str:
    return letter_reference("free-press-world", target, row)


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    """The world campaign with ten letters to each target: the minister's all sent on
    1 January (two replies, after 4 and 10 days; one returned), the ambassador's four sent
    on 8 January (one reply after 3 days, one marked no reply)."""
    campaign = tmp_path / "world.yaml"
    shutil.copy(WORLD / "campaign.yaml", campaign)
    world = load_campaign(campaign)
    with LogStore(tmp_path / "world.log.sqlite", world.id) as store:
        with store.writing() as db:
            store.add_letters(db, [Letter(ref(t, row), t, None, "2025-12-30")
                                   for t in ("minister", "ambassador") for row in range(1, 11)])
        d = date.fromisoformat
        apply_entries(store, world, [
            LogEntry("sent", d("2026-01-01"), target="minister", channel="post"),
            LogEntry("sent", d("2026-01-08"), [ref("ambassador", r) for r in (1, 2, 3, 4)],
                     channel="email"),
            LogEntry("replied", d("2026-01-05"), [ref("minister", 1)], summary="Received"),
            LogEntry("replied", d("2026-01-11"), [ref("minister", 2)], summary="Declined"),
            LogEntry("returned", d("2026-01-09"), [ref("minister", 3)]),
            LogEntry("replied", d("2026-01-11"), [ref("ambassador", 1)], summary="Forwarded"),
            LogEntry("no_reply", d("2026-01-14"), [ref("ambassador", 2)]),
        ], TODAY)
    return campaign


def test_the_counts_per_target_and_in_all(logged: Path) -> None:
    world = load_campaign(logged)
    with LogStore(logged.with_name("world.log.sqlite"), world.id) as store:
        report = make_report(store, world, TODAY)
    minister, ambassador = report.targets
    assert (minister.made, minister.sent, minister.returned, minister.replied) == (10, 10, 1, 2)
    assert minister.delivered == 9 and minister.awaiting == 7
    assert minister.reply_rate == pytest.approx(2 / 9)
    assert minister.median_days_to_reply == 7  # 4 and 10 days
    assert (ambassador.sent, ambassador.replied, ambassador.no_reply, ambassador.awaiting) == \
        (4, 1, 1, 2)
    assert ambassador.median_days_to_reply == 3
    assert ambassador.name == "سعادة السفير"
    total = report.total
    assert (total.made, total.sent, total.replied) == (20, 14, 3)
    assert total.median_days_to_reply == 4  # 3, 4 and 10
    assert (total.first_sent, total.last_reply) == ("2026-01-01", "2026-01-11")
    assert report.weeks == [  # weeks start on Monday: 29 Dec, 5 Jan, 12 Jan
        {"week": "2025-12-29", "sent": 10, "returned": 0, "replied": 0},
        {"week": "2026-01-05", "sent": 4, "returned": 1, "replied": 3},
    ]


def test_text_json_and_csv_for_scripts(logged: Path, run: Run) -> None:
    text = run("report", str(logged))
    assert text.exit_code == 0, text.stderr
    assert re.search(r"^minister\s+10\s+10\s+1\s+2\s+0\s+7\s+22%\s+7$", text.stdout, re.M)
    assert re.search(r"^all targets\s+20\s+14\s+1\s+3\s+1\s+9\s+23%\s+4$", text.stdout, re.M)
    data = json.loads(run("report", str(logged), "--format", "json").stdout)
    assert data["total"]["reply_rate"] == round(3 / 13, 4)
    assert [t["id"] for t in data["targets"]] == ["minister", "ambassador"]
    rows = list(csv.DictReader(io.StringIO(run("report", str(logged), "-f", "csv").stdout)))
    assert rows[1]["name"] == "سعادة السفير" and rows[1]["median_days_to_reply"] == "3"
    assert rows[-1]["target"] == "*" and rows[-1]["replied"] == "3"


def test_the_html_has_charts_and_no_script(logged: Path, run: Run) -> None:
    result = run("report", str(logged), "-f", "html")
    html = result.stdout
    assert "<script" not in html and "Content-Security-Policy" in html
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 2
    svgs = [base64.b64decode(i).decode() for i in images]
    for svg in svgs:
        assert "<script" not in svg and "<!--" not in svg
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", svg)  # no random id
        assert "http://pygal" not in svg and "file://" not in svg
    assert ">minister<" in svgs[0] and ">2026-01-05<" in svgs[1]
    assert run("report", str(logged), "-f", "html").stdout == html  # same log, same bytes


def test_the_pdf_is_one_page_with_its_charts(logged: Path, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = run("report", str(logged), "-f", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Outcomes: Free the journalists of Ruritania" in text
    assert "ambassador" in text  # a chart's label, drawn as text
    first = out.read_bytes()
    run("report", str(logged), "-f", "pdf", "-o", str(out), "--force")
    assert out.read_bytes() == first


def test_an_empty_log_reports_zeros(tmp_path: Path) -> None:
    campaign = tmp_path / "world.yaml"
    shutil.copy(WORLD / "campaign.yaml", campaign)
    world = load_campaign(campaign)
    with LogStore(tmp_path / "x.sqlite", world.id) as store:
        report = make_report(store, world, TODAY)
    assert [t.made for t in report.targets] == [0, 0] and report.weeks == []
    assert "<img" not in str(render_report(report, "html"))
    assert "all targets" in str(render_report(report, "txt"))


def test_no_log_yet_is_a_clear_error(tmp_path: Path, run: Run) -> None:
    campaign = tmp_path / "world.yaml"
    shutil.copy(WORLD / "campaign.yaml", campaign)
    result = run("report", str(campaign))
    assert result.exit_code == 2
    assert "world.log.sqlite: no outcomes log yet" in result.stderr
    assert not campaign.with_name("world.log.sqlite").exists()


def test_drawing_charts_leaves_the_import_system_as_it_was(logged: Path) -> None:
    import sys

    world = load_campaign(logged)
    with LogStore(logged.with_name("world.log.sqlite"), world.id) as store:
        report = make_report(store, world, TODAY)
    before = list(sys.meta_path)
    render_report(report, "html")
    assert sys.meta_path == before


def test_sent_letters_export_as_osdi_outreaches(logged: Path, run: Run) -> None:
    result = run("report", str(logged), "--format", "osdi")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    items = data["_embedded"]["osdi:outreaches"]
    assert data["total_records"] == len(items) == 14  # the sent letters only
    first = items[0]
    assert first["identifiers"] == [f"advocate:{first['identifiers'][0].split(':')[1]}"]
    assert first["action_date"] == "2026-01-01T00:00:00Z" and first["type"] == "postal mail"
    assert first["targets"] == [{"title": "Ministry of Justice",
                                 "family_name": "The Minister of Justice"}]
    assert {i["type"] for i in items} == {"postal mail", "email"}
    assert {i["identifiers"][0] for i in items} >= {f"advocate:{ref('ambassador', 1)}"}
