"""``advocate log``: what was sent and what came back, in a local SQLite file."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from advocate.cli import app
from advocate.errors import AdvocateError
from advocate.outcomes.log import LogEntry, apply_entries, read_tally
from advocate.outcomes.store import SCHEMA_VERSION, LogStore
from advocate.reference import letter_reference
from advocate.schema.campaign import load_campaign
from helpers import write

Run = Callable[..., Result]
WORLD = Path(__file__).parents[1] / "fixtures" / "world"
TODAY = date(2026, 1, 15)  # the tests' fixed clock


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world campaign's letters (txt), built once for these tests."""
    out = tmp_path_factory.mktemp("built") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1768435200")
        result = CliRunner().invoke(app, [
            "build", str(WORLD / "campaign.yaml"), "--signers", str(WORLD / "signers.csv"),
            "-o", str(out), "--formats", "txt"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def world(tmp_path: Path, run: Run, built: Path) -> Path:
    """The world campaign in a folder of its own, its built letters recorded in its log."""
    campaign = tmp_path / "world.yaml"
    shutil.copy(WORLD / "campaign.yaml", campaign)
    out = tmp_path / "out"
    shutil.copytree(built, out)
    result = run("log", str(campaign), "--made", str(out))
    assert result.exit_code == 0, result.stderr
    assert "38 new letters recorded" in result.stderr  # 19 signers, 2 targets
    return campaign


def ref(target: str, row: int) -> str:
    return letter_reference("free-press-world", target, row)


def events(campaign: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(campaign.with_name("world.log.sqlite")) as db:
        return list(db.execute("SELECT reference, kind, day, channel, summary FROM events "
                               "ORDER BY reference, kind"))


def test_the_log_sits_beside_the_campaign_with_a_versioned_schema(world: Path) -> None:
    path = world.with_name("world.log.sqlite")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert db.execute("SELECT value FROM meta WHERE key = 'campaign'").fetchone() == \
            ("free-press-world",)
        assert db.execute("SELECT count(*) FROM letters").fetchone() == (38,)
    assert sorted(p.name for p in world.parent.iterdir()) == ["out", "world.log.sqlite",
                                                              "world.yaml"]


def test_sent_then_replied_by_reference_typed_loosely(world: Path, run: Run) -> None:
    r1 = ref("minister", 1)
    typed = r1.lower().replace("-", " ")
    assert run("log", str(world), typed, "--sent", "2026-01-05", "--via", "post").exit_code == 0
    result = run("log", str(world), r1, "--replied", "2026-01-12", "--summary",
                 "Acknowledged; the case is under review")
    assert result.exit_code == 0, result.stderr
    assert events(world) == [(r1, "replied", "2026-01-12", None,
                              "Acknowledged; the case is under review"),
                             (r1, "sent", "2026-01-05", "post", None)]
    listing = run("log", str(world))
    assert f"2026-01-12  {r1}  minister" in listing.stdout


def test_a_whole_batch_by_target(world: Path, run: Run) -> None:
    result = run("log", str(world), "--target", "ambassador", "--sent", "2026-01-06", "--via",
                 "email", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["events"] == {"sent": 19}
    assert set(summary["references"]) == {ref("ambassador", row) for row in range(1, 20)}
    assert run("log", str(world), "--target", "ambassador", "--no-reply", "--on",
               "2026-01-14").exit_code == 0
    assert sum(1 for e in events(world) if e[1] == "no_reply") == 19
    # a reply later replaces "no reply"
    assert run("log", str(world), ref("ambassador", 3), "--replied", "2026-01-15",
               "--summary", "Will forward").exit_code == 0
    kinds = [e[1] for e in events(world) if e[0] == ref("ambassador", 3)]
    assert kinds == ["replied", "sent"]


def test_a_single_letter_is_known_without_a_manifest(tmp_path: Path, run: Run) -> None:
    campaign = tmp_path / "world.yaml"
    shutil.copy(WORLD / "campaign.yaml", campaign)
    single = ref("minister", 0)
    result = run("log", str(campaign), single, "--sent", "2026-01-02", "--via", "hand")
    assert result.exit_code == 0, result.stderr
    assert events(campaign) == [(single, "sent", "2026-01-02", "hand", None)]


@pytest.mark.parametrize(("args", "message"), [
    (["ZZZZZ-ZZZZZ", "--sent", "2026-01-05", "--via", "post"],
     "no letter with the reference ZZZZZ-ZZZZZ in this log"),
    (["not-a-ref", "--sent", "2026-01-05", "--via", "post"], "is not a letter reference"),
    (["--target", "ministr", "--sent", "2026-01-05", "--via", "post"],
     "unknown target 'ministr' (did you mean 'minister'?)"),
    (["--target", "minister", "--sent", "2026-01-05"], "a sent letter needs how it went"),
    (["--target", "minister", "--sent", "2027-01-05", "--via", "fax"], "is in the future"),
    (["--target", "minister", "--sent", "5/1/2026", "--via", "fax"], "is not a date"),
    (["--target", "minister", "--replied", "2026-01-05", "--summary", "ok"],
     "was not logged as sent"),
    (["--target", "minister", "--sent", "2026-01-05", "--via", "fax", "--no-reply"],
     "cannot be logged at once"),
    (["--target", "minister"], "what happened to these letters?"),
])
def test_bad_entries_exit_2_and_write_nothing(world: Path, run: Run, args: list[str],
                                              message: str) -> None:
    before = world.with_name("world.log.sqlite").read_bytes()
    result = run("log", str(world), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert world.with_name("world.log.sqlite").read_bytes() == before


def test_a_reply_before_the_letter_was_sent_is_refused(world: Path, run: Run) -> None:
    r1 = ref("minister", 2)
    assert run("log", str(world), r1, "--sent", "2026-01-10", "--via", "post").exit_code == 0
    result = run("log", str(world), r1, "--replied", "2026-01-03", "--summary", "x")
    assert result.exit_code == 2
    assert f"letter {r1} was sent on 2026-01-10, after 2026-01-03" in result.stderr


def test_a_tally_sheet_is_logged_once_however_often_it_is_read(world: Path, run: Run,
                                                               tmp_path: Path) -> None:
    write(tmp_path / "scans" / "reply from Ms Example.pdf", "%PDF-1.4 scan")
    sheet = write(tmp_path / "tally.csv", "\ufeffReference,Date,Via,Event,Summary,File,Notes\n"
                  f"{ref('minister', 1)},2026-01-05,post,sent,,,first batch\n"
                  f"{ref('minister', 2)},2026-01-05,post,,,,\n"
                  f"{ref('ambassador', 1)},\"Mon, 5 Jan 2026 10:12:00 +0100\",email,sent,,,\n"
                  "\n"
                  f"{ref('minister', 1)},2026-01-13,,replied,\"Meeting offered, 20 Jan\","
                  "scans/reply from Ms Example.pdf,\n")
    for _ in range(2):
        result = run("log", str(world), "--from", str(sheet))
        assert result.exit_code == 0, result.stderr
        assert "column 'Notes' is not read" in result.stderr
    rows = events(world)
    assert len(rows) == 4
    assert (ref("ambassador", 1), "sent", "2026-01-05", "email", None) in rows
    with sqlite3.connect(world.with_name("world.log.sqlite")) as db:
        name, data = db.execute("SELECT name, data FROM reply_files").fetchone()
    assert (name, data) == ("reply.pdf", b"%PDF-1.4 scan")  # the file's own name is not kept


def test_a_bad_tally_sheet_names_each_row_and_column(world: Path, run: Run,
                                                     tmp_path: Path) -> None:
    sheet = write(tmp_path / "tally.csv", "reference,date,via,event\n"
                  f"{ref('minister', 1)},2026-01-05,post,sent\n"
                  f"{ref('minister', 2)},2026-13-05,post,sent\n"
                  f"{ref('minister', 3)},2026-01-05,pigeon,sent\n"
                  f"{ref('minister', 4)},2026-01-05,post,posted\n"
                  ",2026-01-05,post,sent\n")
    before = world.with_name("world.log.sqlite").read_bytes()
    result = run("log", str(world), "--from", str(sheet))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f"{sheet}:3:2: row 2, column 'date': date '2026-13-05' is not a date" in lines[0]
    assert any(f"{sheet}:5:4: row 4, column 'event': unknown event 'posted'" in x for x in lines)
    assert any(f"{sheet}:6:1: row 5, column 'reference': no reference" in x for x in lines)
    assert world.with_name("world.log.sqlite").read_bytes() == before
    # the channel is checked once the rows parse
    sheet.write_text("reference,date,via\n"
                     f"{ref('minister', 3)},2026-01-05,pigeon\n", encoding="utf-8")
    result = run("log", str(world), "--from", str(sheet))
    assert f"{sheet}:2:3: row 1, column 'via': unknown channel 'pigeon'" in result.stderr


def test_a_tally_sheet_without_the_columns_it_needs(tmp_path: Path) -> None:
    sheet = write(tmp_path / "t.csv", "Subject,From\nx,y\n")
    with pytest.raises(AdvocateError, match="no reference or target column") as caught:
        read_tally(sheet)
    assert caught.value.first.location == f"{sheet}:1"


def test_the_log_holds_no_signer_data(world: Path) -> None:
    data = world.with_name("world.log.sqlite").read_bytes()
    for line in (WORLD / "signers.csv").read_text(encoding="utf-8").splitlines()[1:]:
        name, email, city = line.split(",")[:3]
        for value in (name, email, city):
            assert value.encode() not in data


def test_a_log_of_another_campaign_or_a_newer_schema_is_refused(world: Path,
                                                                tmp_path: Path) -> None:
    path = world.with_name("world.log.sqlite")
    with pytest.raises(AdvocateError, match="belongs to campaign 'free-press-world'"):
        LogStore(path, "another-campaign")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(AdvocateError, match="schema version 99"):
        LogStore(path, "free-press-world")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(AdvocateError, match="not an outcomes log"):
        LogStore(other, "free-press-world")
    garbage = write(tmp_path / "garbage.sqlite", "not a database at all" * 100)
    with pytest.raises(AdvocateError, match="not an outcomes log"):
        LogStore(garbage, "free-press-world")


def test_a_first_version_log_is_migrated_and_keeps_its_entries(tmp_path: Path) -> None:
    """A log written before cards were counted (schema 1) opens at the current schema, in
    one transaction, with its letters and events as they were."""
    from advocate.outcomes.store import MIGRATIONS

    path = tmp_path / "old.log.sqlite"
    with sqlite3.connect(path) as db:
        MIGRATIONS[0](db)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO meta VALUES ('campaign', 'free-press-world')")
        db.execute("INSERT INTO letters VALUES (?, 'minister', 'en', '2026-01-02')",
                   (ref("minister", 1),))
        db.execute("INSERT INTO events VALUES (?, 'minister', 'sent', '2026-01-03', 'post', "
                   "NULL, NULL)", (ref("minister", 1),))
    db.close()
    with LogStore(path, "free-press-world") as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [e.kind for e in store.events()] == ["sent"]
        with store.writing() as db:
            store.put_cards(db, "anna", "2026-01-04", 7)
        assert store.cards() == {"anna": 7}


def test_cards_to_someone_the_campaign_does_not_hold_are_named(world: Path, run: Run,
                                                               tmp_path: Path) -> None:
    sheet = write(tmp_path / "tally.csv", "target,date,channel,count\n"
                  "minister,2026-01-05,post,4\n"
                  "nobody,2026-01-05,card,3\n")
    before = world.with_name("world.log.sqlite").read_bytes()
    result = run("log", str(world), "--from", str(sheet))
    assert result.exit_code == 2
    assert f"{sheet}:3:1: row 2, column 'target': cards go to a detainee, and 'nobody'" \
        in result.stderr
    assert world.with_name("world.log.sqlite").read_bytes() == before
    sheet.write_text("target,date,channel,count\nminister,2026-01-05,post,4\n",
                     encoding="utf-8")
    result = run("log", str(world), "--from", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert "4 new letters recorded; logged 4 sent" in result.stderr


_WRITER = """
import sys
from datetime import date
from pathlib import Path
from advocate.outcomes.log import LogEntry, apply_entries
from advocate.reference import letter_reference
from advocate.outcomes.store import LogStore
from advocate.schema.campaign import load_campaign

campaign = load_campaign(Path(sys.argv[1]))
target, day = sys.argv[2], date(2026, 1, 10)
for row in range(1, 20):
    with LogStore(Path(sys.argv[3]), campaign.id) as store:
        ref = letter_reference(campaign.id, target, row)
        apply_entries(store, campaign, [LogEntry("sent", day, [ref], channel="post")], day)
"""


def test_two_writers_at_once_lose_nothing(world: Path, tmp_path: Path) -> None:
    log = world.with_name("world.log.sqlite")
    script = write(tmp_path / "writer.py", _WRITER)
    children = [subprocess.Popen([sys.executable, "-I", str(script), str(world), target,
                                  str(log)], cwd=tmp_path, stderr=subprocess.PIPE)
                for target in ("minister", "ambassador")]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
    rows = events(world)
    assert len(rows) == 38 and {r[1] for r in rows} == {"sent"}


def test_the_library_refuses_a_reply_without_a_summary(world: Path) -> None:
    campaign = load_campaign(world)
    with LogStore(world.with_name("world.log.sqlite"), campaign.id) as store, \
            pytest.raises(AdvocateError, match="a reply needs a one-line summary"):
        apply_entries(store, campaign, [LogEntry("replied", TODAY, [ref("minister", 1)])],
                      TODAY)


def test_a_manifest_of_another_campaign_or_not_a_manifest_is_refused(world: Path, run: Run,
                                                                     tmp_path: Path) -> None:
    other = write(tmp_path / "m" / "manifest.json", '{\n  "advocate": 1,\n  "campaign": '
                  '"kazakhstan-2022",\n  "files": [\n  ]\n}\n')
    result = run("log", str(world), "--made", str(other))
    assert result.exit_code == 2
    assert "this manifest is campaign 'kazakhstan-2022''s, not 'free-press-world'" in \
        result.stderr
    broken = write(tmp_path / "b" / "manifest.json", '{\n  "advocate": 1,\n  "campaign": '
                   '"free-press-world",\n  "files": [\n    {"path": oops}\n  ]\n}\n')
    result = run("log", str(world), "--made", str(broken))
    assert result.exit_code == 2 and "cannot read the manifest" in result.stderr
    result = run("log", str(world), "--made", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no build manifest here" in result.stderr
