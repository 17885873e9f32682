"""``advocate.outcomes.log_run``: what ``advocate log`` does, called as a library: its
options made into entries (or refused), written to the log, the log read back, and the
line the command prints."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from advocate.errors import AdvocateError
from advocate.outcomes.log import LogResult
from advocate.outcomes.log_run import LogRequest, log_outcomes
from advocate.reference import letter_reference
from advocate.schema.campaign import Campaign, load_campaign
from helpers import write

TODAY = date(2026, 1, 15)
EGYPT = Path(__file__).parents[1] / "fixtures" / "campaigns" / "egypt-detention" / \
    "egypt-detention.yaml"  # Arabic first, targets with Arabic-only names


@pytest.fixture(scope="module")
def egypt() -> Campaign:
    return load_campaign(EGYPT)


@pytest.mark.parametrize(("request_", "message"), [
    (LogRequest(sent="2026-01-02", returned=True),
     "--sent and --returned cannot be logged at once"),
    (LogRequest(replied="2026-01-02", no_reply=True, references=("X",)),
     "--replied and --no-reply cannot be logged at once"),
    (LogRequest(returned=True, tally=Path("tally.csv")),
     "--returned and --from: the tally sheet says what happened"),
    (LogRequest(references=("H2D3D-Q54G5",)), "what happened to these letters?"),
    (LogRequest(target="public-prosecutor"), "what happened to these letters?"),
])
def test_options_that_contradict_each_other_are_refused(request_: LogRequest,
                                                       message: str) -> None:
    with pytest.raises(AdvocateError) as caught:
        request_.entries(TODAY)
    assert [p.message for p in caught.value.problems] == [message]


def test_one_event_is_one_entry_on_its_own_day_or_today() -> None:
    [sent], warnings = LogRequest(references=("A", "B"), sent="2026-01-02",
                                  via="post").entries(TODAY)
    assert warnings == []
    assert (sent.kind, sent.day, list(sent.references), sent.channel) == (
        "sent", date(2026, 1, 2), ["A", "B"], "post")
    [returned], _ = LogRequest(target="un-wgad", returned=True).entries(TODAY)
    assert (returned.kind, returned.day, returned.target) == ("returned", TODAY, "un-wgad")
    [silent], _ = LogRequest(references=("A",), no_reply=True, on="2026-01-10").entries(TODAY)
    assert (silent.kind, silent.day) == ("no_reply", date(2026, 1, 10))
    [reply], _ = LogRequest(references=("A",), replied="Tue, 13 Jan 2026 09:00:00 +0200",
                            summary="Received.").entries(TODAY)
    assert (reply.kind, reply.day, reply.summary) == ("replied", date(2026, 1, 13), "Received.")
    assert LogRequest().entries(TODAY) == ([], [])


def test_a_date_that_is_no_date_names_its_option_and_the_format() -> None:
    with pytest.raises(AdvocateError) as caught:
        LogRequest(references=("A",), replied="13/01/2026", summary="x").entries(TODAY)
    [problem] = caught.value.problems
    assert problem.message == "replied '13/01/2026' is not a date"
    assert problem.hint == "write dates as YYYY-MM-DD"


def test_a_tally_sheet_gives_its_rows_and_warnings(tmp_path: Path) -> None:
    tally = write(tmp_path / "tally.csv", "target,date,count,remarks\nun-wgad,2026-01-10,3,x\n")
    entries, warnings = LogRequest(tally=tally, via="post").entries(TODAY)
    assert [(e.target, e.count, e.channel) for e in entries] == [("un-wgad", 3, "post")]
    assert [w.message for w in warnings] == ["column 'remarks' is not read"]


def test_letters_made_then_sent_then_the_log_read_back(tmp_path: Path, egypt: Campaign) -> None:
    target = egypt.targets[0].id
    manifest = write(tmp_path / "out" / "manifest.json", json.dumps({
        "campaign": egypt.id, "files": [
            {"kind": "letter", "target": target, "signer_row": row, "lang": "ar",
             "path": f"letters/{row}-{target}.txt"} for row in (1, 2)]}))
    log = tmp_path / "egypt.log.sqlite"
    made = log_outcomes(egypt, LogRequest(made=manifest), log_file=log, today=TODAY)
    assert (made.made, made.events, made.lines) == (2, {}, None)
    assert made.message() == f"{log}: 2 new letters recorded"
    again = log_outcomes(egypt, LogRequest(made=manifest), log_file=log, today=TODAY)
    assert again.message() == f"{log}: 0 new letters recorded"  # said, though none is new
    first = letter_reference(egypt.id, target, 1)
    sent = log_outcomes(egypt, LogRequest(references=(first,), sent="2026-01-05", via="post"),
                        log_file=log, today=TODAY)
    assert (sent.events, sent.references) == ({"sent": 1}, [first])
    assert sent.message() == f"{log}: logged 1 sent"
    assert sent.summary()["events"] == {"sent": 1}
    shown = log_outcomes(egypt, LogRequest(), log_file=log, today=TODAY)
    assert shown.lines is not None and len(shown.lines) == 1
    assert shown.lines[0].startswith(f"2026-01-05  {first}  {target}")
    assert shown.lines[0].endswith("sent      post")


def test_a_bad_entry_writes_nothing(tmp_path: Path, egypt: Campaign) -> None:
    log = tmp_path / "egypt.log.sqlite"
    with pytest.raises(AdvocateError):
        log_outcomes(egypt, LogRequest(target="no-such-target", sent="2026-01-05",
                                       via="post"), log_file=log, today=TODAY)
    assert log_outcomes(egypt, LogRequest(), log_file=log, today=TODAY).lines == []


def test_reading_a_log_that_is_not_there_is_refused(tmp_path: Path, egypt: Campaign) -> None:
    with pytest.raises(AdvocateError, match="no outcomes log yet"):
        log_outcomes(egypt, LogRequest(), log_file=tmp_path / "none.sqlite", today=TODAY)
    assert not (tmp_path / "none.sqlite").exists()


def test_the_message_says_when_nothing_is_new(tmp_path: Path) -> None:
    assert LogResult(tmp_path / "l.sqlite").message() == f"{tmp_path / 'l.sqlite'}: nothing new"
    result = LogResult(tmp_path / "l.sqlite", events={"no_reply": 2}, cards=5)
    assert result.message() == f"{tmp_path / 'l.sqlite'}: logged 2 no reply; 5 cards counted"
