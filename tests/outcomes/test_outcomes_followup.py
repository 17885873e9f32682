"""``advocate followup``: second letters for exactly the targets that did not reply, a
calendar file and the targets as vCards."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from icalendar import Calendar

from advocate.errors import AdvocateError
from advocate.outcomes.followup import _fold, parse_after, vcards
from advocate.outcomes.log import LogEntry, apply_entries
from advocate.outcomes.store import Letter, LogStore
from advocate.reference import letter_reference
from advocate.schema.campaign import load_campaign
from helpers import write

Run = Callable[..., Result]
WORLD = Path(__file__).parents[1] / "fixtures" / "world"
TODAY = date(2026, 1, 15)  # the tests' clock
DEADLINES = """deadlines:
  - date: 2026-03-02
    title: {en: Appeal hearing in Strelsau, ar: جلسة الاستئناف في ستريلساو}
    target: minister
    note: Ask for observers to attend.
  - {date: 2026-06-15, title: UN Human Rights Council session}
"""
THIRD = """  - id: rapporteur
    name: "Special Rapporteur; freedom of expression, UN"
    title: Office of the High Commissioner\\for Human Rights
    salutation: "Dear Special Rapporteur,"
    address: |
      Palais des Nations
      CH-1211 Geneva 10, Switzerland
"""


def ref(target: str, row: int) -> str:
    return letter_reference("free-press-world", target, row)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """The world campaign with deadlines and a third target. Logged: the minister's two
    letters sent on 1 January, no reply; the ambassador's sent on 2 January and answered;
    the rapporteur's sent on 10 January (not due after 10 days until the 20th)."""
    text = (WORLD / "campaign.yaml").read_text(encoding="utf-8")
    campaign = write(tmp_path / "world.yaml", text.rstrip("\n") + "\n" + THIRD + DEADLINES)
    world = load_campaign(campaign)
    with LogStore(tmp_path / "world.log.sqlite", world.id) as store:
        with store.writing() as db:
            store.add_letters(db, [Letter(ref(t, row), t) for t in
                                   ("minister", "ambassador", "rapporteur") for row in (1, 2)])
        d = date.fromisoformat
        apply_entries(store, world, [
            LogEntry("sent", d("2026-01-01"), [ref("minister", 2), ref("minister", 1)],
                     channel="post"),
            LogEntry("sent", d("2026-01-02"), target="ambassador", channel="email"),
            LogEntry("replied", d("2026-01-09"), [ref("ambassador", 2)], summary="Noted"),
            LogEntry("sent", d("2026-01-10"), [ref("rapporteur", 1)], channel="email"),
        ], TODAY)
    return campaign


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("30", 30), ("4w", 28), (" 2W ", 14)])
def test_after_reads_days_and_weeks(text: str, days: int) -> None:
    assert parse_after(text) == days


@pytest.mark.parametrize("text", ["0d", "a month", "-3d", "3m", ""])
def test_after_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(AdvocateError, match="is not a time"):
        parse_after(text)


def test_the_list_names_exactly_the_targets_without_a_reply(world: Path, run: Run) -> None:
    result = run("followup", str(world), "--after", "10d")
    assert result.exit_code == 0, result.stderr
    first = min(ref("minister", 1), ref("minister", 2))  # of two sent the same day
    assert result.stdout.splitlines() == [
        f"minister: no reply since 2026-01-01 (2 letters, first {first}); "
        "follow-up due 2026-01-11",
        f"rapporteur: no reply since 2026-01-10 (1 letter, first {ref('rapporteur', 1)}); "
        "follow-up on 2026-01-20",
    ]


def test_letters_for_the_targets_due_with_a_calendar_and_cards(world: Path, run: Run,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "followup"
    result = run("followup", str(world), "--after", "10d", "-o", str(out),
                 "--formats", "txt,eml")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "followup-minister.eml", "followup-minister.txt", "followup.ics", "followup.json",
        "targets.vcf"]
    first = min(ref("minister", 1), ref("minister", 2))
    letter = (out / "followup-minister.txt").read_text(encoding="utf-8")
    assert "Follow-up: Free the journalists of Ruritania" in letter
    assert f"On 1 January 2026 I wrote to you about Free the journalists of Ruritania, as " \
        f"did 1 other (reference {first}). 14 days later" in " ".join(letter.split())
    assert "1. Release the two journalists." in letter
    assert letter.rstrip().endswith(f"Ref. {first}")
    eml = (out / "followup-minister.eml").read_bytes()
    assert f"X-Advocate-Reference: {first}".encode() in eml
    assert b"To: The Minister of Justice <minister@example.org>" in eml
    summary = json.loads((out / "followup.json").read_text())
    assert [d["target"] for d in summary["due"]] == ["minister"]
    assert [d["target"] for d in summary["coming"]] == ["rapporteur"]

    calendar = Calendar.from_ical((out / "followup.ics").read_bytes())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Follow up: The Minister of Justice (Free the journalists of Ruritania)",
        "Follow up: Special Rapporteur; freedom of expression, UN (Free the journalists of "
        "Ruritania)",
        "Appeal hearing in Strelsau (The Minister of Justice)",
        "UN Human Rights Council session"}
    hearing = events["Appeal hearing in Strelsau (The Minister of Justice)"]
    assert hearing.decoded("dtstart") == date(2026, 3, 2)
    assert hearing.decoded("dtend") == date(2026, 3, 3)
    assert "Ask for observers to attend." in str(hearing["description"])
    assert events["Follow up: The Minister of Justice (Free the journalists of Ruritania)"] \
        .decoded("dtstart") == date(2026, 1, 11)
    assert len({str(e["uid"]) for e in calendar.walk("VEVENT")}) == 4
    raw = (out / "followup.ics").read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))

    again = tmp_path / "again"
    run("followup", str(world), "--after", "10d", "-o", str(again), "--formats", "txt,eml")
    for name in ("followup.ics", "targets.vcf", "followup-minister.eml"):
        assert (again / name).read_bytes() == (out / name).read_bytes()  # same bytes


def test_the_calendar_imports_into_a_calendar_program(world: Path, run: Run,
                                                     tmp_path: Path) -> None:
    """calcurse (a calendar program Debian ships; `make install` installs it) takes the file
    in as it is: every follow-up and deadline, each on its day, none skipped."""
    out = tmp_path / "followup"
    assert run("followup", str(world), "--after", "10d", "-o", str(out),
               "--formats", "txt").exit_code == 0
    home = tmp_path / "calcurse"
    home.mkdir()
    imported = subprocess.run(["calcurse", "-D", str(home), "-i", str(out / "followup.ics")],
                              capture_output=True, text=True, timeout=60, check=True)
    assert "0 apps / 4 events / 0 todos / 0 skipped" in imported.stdout, imported.stdout
    listing = subprocess.run(["calcurse", "-D", str(home), "-Q", "--from", "01/01/2026",
                              "--days", "365"], capture_output=True, text=True, timeout=60,
                             check=True).stdout
    days: dict[str, list[str]] = {}
    for line in listing.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            day = line[:-1]
        elif line.startswith(" * "):
            days.setdefault(day, []).append(line[3:])
    assert days == {
        "01/11/26": ["Follow up: The Minister of Justice (Free the journalists of Ruritania)"],
        "01/20/26": ["Follow up: Special Rapporteur; freedom of expression, UN (Free the "
                     "journalists of Ruritania)"],
        "03/02/26": ["Appeal hearing in Strelsau (The Minister of Justice)"],
        "06/15/26": ["UN Human Rights Council session"]}


def test_vcards_escape_and_fold_as_the_rfc_says(world: Path) -> None:
    cards = vcards(load_campaign(world))
    assert cards.count("BEGIN:VCARD\r\nVERSION:3.0\r\n") == 3
    assert all(len(line.encode()) <= 75 for line in cards.split("\r\n"))
    unfolded = cards.replace("\r\n ", "")
    assert "FN:Special Rapporteur\\; freedom of expression\\, UN\r\n" in unfolded
    assert "TITLE:Office of the High Commissioner\\\\for Human Rights\r\n" in unfolded
    assert "ADR;TYPE=WORK:;;Palais des Nations\\nCH-1211 Geneva 10\\, Switzerland;;;;" \
        in unfolded
    assert "EMAIL;TYPE=INTERNET,WORK:embassy@example.org\r\n" in unfolded
    assert "FN:سعادة السفير\r\n" in unfolded


def test_folding_never_splits_a_character() -> None:
    line = "NOTE:" + "ж" * 100
    folded = _fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert folded.replace("\r\n ", "").rstrip("\r\n") == line


def test_the_arabic_target_gets_its_follow_up_in_arabic(world: Path, run: Run,
                                                        tmp_path: Path) -> None:
    log = world.with_name("world.log.sqlite")
    with LogStore(log, "free-press-world") as store, store.writing() as db:
        store.drop_event(db, ref("ambassador", 2), "replied")
    out = tmp_path / "ar"
    assert run("followup", str(world), "--after", "5d", "-o", str(out), "--formats",
               "txt,pdf").exit_code == 0
    letter = (out / "followup-ambassador.txt").read_text(encoding="utf-8")
    assert "متابعة" in letter and ref("ambassador", 1) in letter
    assert (out / "followup-ambassador.pdf").read_bytes().startswith(b"%PDF")


def test_a_bad_deadline_is_located(tmp_path: Path, run: Run) -> None:
    text = (WORLD / "campaign.yaml").read_text(encoding="utf-8")
    campaign = write(tmp_path / "c.yaml", text + "deadlines:\n"
                     "  - {date: 2026-02-30, title: Hearing}\n"
                     "  - {date: 2026-03-01, title: Hearing, target: ministr}\n")
    result = run("validate", str(campaign))
    assert result.exit_code == 2
    assert f"{campaign}:49:" in result.stderr
    assert "unknown target 'ministr' (did you mean 'minister'?)" in result.stderr


def test_without_a_log_it_says_so(tmp_path: Path, run: Run) -> None:
    campaign = tmp_path / "world.yaml"
    shutil.copy(WORLD / "campaign.yaml", campaign)
    result = run("followup", str(campaign), "--after", "30d")
    assert result.exit_code == 2 and "no outcomes log yet" in result.stderr
