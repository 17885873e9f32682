"""``advocate check``: each weakness at its file:line:col, the bundled campaign, the CLI.

The PDF checks render every letter and brief, which takes seconds: each campaign is
checked once per module (``weak``, ``bundled``) and the tests look at the result.
The CLI tests need ``advocate check`` wired into cli.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.campaigns import bundled_folder
from advocate.check import (
    check_campaign,
    exit_code,
    problems_json,
    strictly,
)
from advocate.errors import Problem
from helpers import write

Run = Callable[..., Result]
FIXTURES = Path(__file__).parent / "fixtures" / "check"
WEAK = FIXTURES / "weak.yaml"
BAD_TEMPLATE = FIXTURES / "bad-template" / "campaign.yaml"
KZ = bundled_folder() / "kazakhstan-2022.yaml"
TODAY = date(2026, 1, 15)  # the day SOURCE_DATE_EPOCH is fixed to in conftest.py
POLITE = "a calm, factual tone persuades, as Amnesty's appeal-letter guidance advises"


def summary(problems: list[Problem]) -> list[tuple[str, str, str]]:
    return [(p.location, p.severity, p.message) for p in problems]


@pytest.fixture(scope="module")
def weak() -> list[Problem]:
    return check_campaign(WEAK, today=TODAY)


@pytest.fixture(scope="module")
def bundled() -> list[Problem]:
    return check_campaign(KZ, today=TODAY)


# -- the planted weaknesses ------------------------------------------------------------

def test_weak_campaign_flags_each_weakness_at_its_place(weak: list[Problem]) -> None:
    at = f"{WEAK}:"
    assert summary(weak) == [
        (at + "9:8", "warning", "facts last checked 228 days ago"),
        (at + "11:11", "warning", "facts.0.text: '!!' reads as shouting"),
        (at + "23:11", "error",
         "source 'late-report' is dated 2025-07-01, after as_of (2025-06-01)"),
        (at + "24:9", "warning", "source 'unused-report' is never cited"),
        (at + "29:12", "warning", "asks.0.title: 'RELEASE THEM NOW' reads as shouting"),
        (at + "30:11", "warning", "asks.0.text: 'URGENT' reads as shouting"),
        (at + "34:9", "warning", "ask 'apology' goes to no target"),
        (at + "114:9", "warning", "target 'ambassador' has no address and no email"),
        (at + "114:9", "warning",
         "the letter to 'ambassador' (en) runs to 2 pages (the aim is one)"),
        (at + "119:13", "warning", "background: '?!' reads as shouting"),
        (at + "119:13", "warning",
         "the brief (en) runs to 3 pages (the aim is at most two)"),
    ]


def test_positions_point_at_the_offending_text(weak: list[Problem]) -> None:
    lines = WEAK.read_text(encoding="utf-8").splitlines()

    def text_at(problem: Problem) -> str:
        assert problem.line is not None and problem.column is not None
        return lines[problem.line - 1][problem.column - 1:]

    found = {p.message: text_at(p) for p in weak}
    assert found["facts last checked 228 days ago"] == "2025-06-01"
    assert found["source 'unused-report' is never cited"] == "unused-report"
    assert found["asks.0.title: 'RELEASE THEM NOW' reads as shouting"] == "RELEASE THEM NOW"
    assert found["ask 'apology' goes to no target"] == "apology"
    assert found["target 'ambassador' has no address and no email"] == "ambassador"
    assert found["background: '?!' reads as shouting"] == "|"


def test_weak_campaign_hints_say_how_to_fix(weak: list[Problem]) -> None:
    hints = {p.message: p.hint for p in weak}
    assert hints["facts last checked 228 days ago"] == \
        "check them and update as_of, or pass --max-age"
    assert hints["source 'unused-report' is never cited"] == \
        "cite it from a fact or a quote with `source: unused-report`, or remove it"
    assert hints["source 'late-report' is dated 2025-07-01, after as_of (2025-06-01)"] == \
        "correct the date, or set as_of to the day you last checked the facts"
    assert hints["ask 'apology' goes to no target"] == \
        "add it to a target's `asks:` list, or leave `asks:` out to send every ask"
    assert hints["facts.0.text: '!!' reads as shouting"] == f"one full stop is enough: {POLITE}"
    assert hints["asks.0.text: 'URGENT' reads as shouting"] == \
        f"write it in sentence case: {POLITE}"


def test_only_a_source_after_as_of_is_an_error(weak: list[Problem]) -> None:
    assert [p.message for p in weak if p.severity == "error"] == [
        "source 'late-report' is dated 2025-07-01, after as_of (2025-06-01)"]
    assert exit_code(weak) == 2


def test_max_age_and_the_day_of_checking() -> None:
    def ages(today: date, max_age_days: int = 90) -> list[str]:
        problems = check_campaign(WEAK, today=today, max_age_days=max_age_days,
                                  render_pdfs=False)
        return [p.message for p in problems if p.location.endswith(":9:8")]

    assert ages(today=TODAY) == ["facts last checked 228 days ago"]
    assert ages(today=TODAY, max_age_days=228) == []
    assert ages(today=TODAY, max_age_days=227) == ["facts last checked 228 days ago"]
    assert ages(today=date(2025, 6, 1)) == []
    assert ages(today=date(2025, 5, 31)) == ["as_of (2025-06-01) is in the future"]


def test_today_defaults_to_source_date_epoch() -> None:
    problems = check_campaign(WEAK, render_pdfs=False)
    assert "facts last checked 228 days ago" in [p.message for p in problems]


def test_without_pdfs_the_same_problems_but_page_counts(weak: list[Problem]) -> None:
    quick = check_campaign(WEAK, today=TODAY, render_pdfs=False)
    assert quick == [p for p in weak if "runs to" not in p.message]


def test_a_letter_template_that_breaks_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD_TEMPLATE.parent)  # hints name the template relative to here
    problems = check_campaign(BAD_TEMPLATE, today=TODAY, render_pdfs=False)
    at = f"{BAD_TEMPLATE}:"
    template = "the template templates/en/letter.md.j2"
    assert summary(problems) == [
        (at + "10:7", "error", "no letter template for language 'de'"),
        (at + "24:12", "warning", "the letter to 'minister' (en) leaves out ask 'access'"),
        (at + "27:9", "warning", "the letter to 'minister' (en) does not name its sender"),
        (at + "27:9", "warning", "the letter to 'minister' (en) shouts: PLEASE, RESPOND"),
        (at + "30:17", "warning", "the letter to 'minister' (en) lacks its salutation"),
    ]
    hints = [p.hint for p in problems]
    assert hints[1] == f"{template} must list every ask in target.asks"
    assert hints[2] == (f"{template} must print {{{{ writer.name }}}}: a name and an address "
                        "show that a letter is genuine")
    assert hints[3] == f"{template} writes words in capitals: {POLITE}"
    assert hints[4] == f"{template} must print {{{{ target.salutation }}}}"


def test_a_campaign_that_does_not_validate_gives_its_validation_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", WEAK.read_text(encoding="utf-8").replace(
        "summary:", "sumary:"))
    problems = check_campaign(path, today=TODAY)
    assert summary(problems) == [
        (f"{path}:4:1", "error", "missing required key 'summary'"),
        (f"{path}:7:1", "error", "unknown key 'sumary'"),
    ]


def test_a_target_language_without_text(tmp_path: Path) -> None:
    text = BAD_TEMPLATE.read_text(encoding="utf-8").replace(
        "    email: minister@example.org\n", "    email: minister@example.org\n"
        "    language: fr\n")
    path = write(tmp_path / "campaign.yaml", text)
    problems = check_campaign(path, today=TODAY, render_pdfs=False)
    assert summary(problems) == [
        (f"{path}:10:7", "error", "no letter template for language 'de'"),
        (f"{path}:32:15", "warning",
         "target 'minister': the campaign has no 'fr' text, so its letters are written in "
         "'en'"),
    ]
    assert problems[1].hint == ("add `fr:` under translations: and translate the fields, or "
                                "set this target's language to one of en, de")


# -- the bundled campaign --------------------------------------------------------------

def test_the_bundled_campaign_has_no_errors(bundled: list[Problem]) -> None:
    assert [p for p in bundled if p.severity == "error"] == []
    assert summary(bundled) == [
        (f"{KZ}:18:8", "warning", "facts last checked 1459 days ago"),
        (f"{KZ}:228:9", "warning", "target 'prosecutor-general' has no address and no email"),
        (f"{KZ}:243:9", "warning", "target 'interior-minister' has no address and no email"),
    ]


# -- helpers ---------------------------------------------------------------------------

def test_strict_json_and_exit_codes() -> None:
    warning = Problem("w", "a.yaml", 3, 4, "fix it", "warning")
    assert exit_code([]) == 0
    assert exit_code([warning]) == 0
    assert strictly([warning]) == [Problem("w", "a.yaml", 3, 4, "fix it", "error")]
    assert exit_code(strictly([warning])) == 2
    assert problems_json([warning]) == [{"file": "a.yaml", "line": 3, "column": 4,
                                         "severity": "warning", "code": None, "message": "w",
                                         "hint": "fix it"}]


# -- the command line (needs `advocate check` wired into cli.py) -----------------------

def test_cli_check_lists_every_problem_and_exits_2_on_an_error(run: Run) -> None:
    result = run("check", str(WEAK), "--no-pdf")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (f"advocate: warning: {WEAK}:9:8: facts last checked 228 days ago "
                        "(check them and update as_of, or pass --max-age) [stale-facts]")
    assert (f"advocate: error: {WEAK}:23:11: source 'late-report' is dated 2025-07-01, after "
            "as_of (2025-06-01) (correct the date, or set as_of to the day you last checked "
            "the facts) [source-after-as-of]") in lines
    assert len(lines) == 9  # the nine problems; no "ok" line


def test_cli_check_warnings_exit_0_and_strict_makes_them_errors(run: Run) -> None:
    result = run("check", "kazakhstan-2022", "--no-pdf")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"advocate: warning: {KZ}:18:8: facts last checked 1459 days ago (check them and "
        "update as_of, or pass --max-age) [stale-facts]",
        f"advocate: warning: {KZ}:228:9: target 'prosecutor-general' has no address and no "
        "email (add a postal address, or an email address you have checked, so letters can "
        "reach them) [unreachable-target]",
        f"advocate: warning: {KZ}:243:9: target 'interior-minister' has no address and no "
        "email (add a postal address, or an email address you have checked, so letters can "
        "reach them) [unreachable-target]",
        "advocate: ok: kazakhstan-2022 (3 warnings); different letters per target: "
        "president 13,500, prosecutor-general 13,500, interior-minister 13,500, "
        "un-high-commissioner 10,800",  # the campaign's variants: (text/variants.py)
    ]
    strict = run("check", "kazakhstan-2022", "--no-pdf", "--strict")
    assert strict.exit_code == 2
    assert [line.split(":")[1] for line in strict.stderr.splitlines()] == [" error"] * 3


def test_cli_check_max_age(run: Run) -> None:
    result = run("check", "kazakhstan-2022", "--no-pdf", "--max-age", "5000")
    assert result.exit_code == 0
    assert "last checked" not in result.stderr
    assert "advocate: ok: kazakhstan-2022 (2 warnings); different letters" in result.stderr


def test_cli_check_json_for_scripts(run: Run) -> None:
    result = run("check", str(WEAK), "kazakhstan-2022", "--no-pdf", "--json")
    assert result.exit_code == 2
    assert "advocate: error:" in result.stderr  # the messages stay on stderr
    found = json.loads(result.stdout)
    assert found["schema"] == "check-1.schema.json" and found["ok"] is False
    assert len(found["errors"]) + len(found["warnings"]) == 9 + 3
    assert found["warnings"][0] == {
        "file": str(WEAK), "line": 9, "column": 8, "severity": "warning",
        "code": "stale-facts", "message": "facts last checked 228 days ago",
        "hint": "check them and update as_of, or pass --max-age"}
    assert found["warnings"][-1]["file"] == str(KZ)
    assert [c["campaign"] for c in found["campaigns"]] == [str(WEAK), "kazakhstan-2022"]
    strict = json.loads(run("check", "kazakhstan-2022", "--no-pdf", "--json",
                            "--strict").stdout)
    assert strict["warnings"] == [] and {p["severity"] for p in strict["errors"]} == {"error"}


def test_cli_check_a_missing_file(run: Run, tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.stderr == (f"advocate: error: {tmp_path / 'nope.yaml'}: no such file "
                             "(check the path, or run `advocate list`)\n")


def test_cli_check_help_has_an_example(run: Run) -> None:
    result = run("check", "--help")
    assert result.exit_code == 0
    assert "Example: advocate check" in result.stdout
    for option in ("--max-age", "--strict", "--json", "--no-pdf"):
        assert option in result.stdout
