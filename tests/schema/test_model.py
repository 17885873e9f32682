"""The campaign model: every problem of a file in one pass, each at file:line:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advocate.errors import AdvocateError
from advocate.schema.campaign import campaign_schema, load_campaign, load_campaign_checked
from helpers import write

MINIMAL = """\
advocate: 1
id: test-campaign
title: A title
summary: A summary.
as_of: 2024-05-01
facts:
  - text: Something happened.
    source: report
sources:
  - id: report
    title: The report
    publisher: Someone
asks:
  - id: release
    title: Release them
    text: Release them now.
targets:
  - id: minister
    name: The Minister
    title: Ministry
    salutation: "Dear Minister,"
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path / "campaign.yaml", text)
    with pytest.raises(AdvocateError) as info:
        load_campaign(path)
    prefix = str(tmp_path) + "/"
    return [str(p).removeprefix(prefix) for p in info.value.problems]


def test_minimal_campaign_loads(tmp_path: Path) -> None:
    campaign = load_campaign(write(tmp_path / "c.yaml", MINIMAL))
    assert campaign.id == "test-campaign"
    assert campaign.as_of.isoformat() == "2024-05-01"
    assert campaign.asks_for(campaign.targets[0])[0].id == "release"
    assert campaign.languages == ["en"]


def test_every_problem_in_one_pass(tmp_path: Path) -> None:
    text = (MINIMAL.replace("title: A title", "tittle: A title")
            .replace("as_of: 2024-05-01", "as_of: 2024-13-45")
            .replace("    source: report", "    source: [report, nope]")
            .replace('salutation: "Dear Minister,"', 'salutation: "Dear Minister,"\n'
                     "    asks: [relase]\n    emial: x@example.org"))
    assert problems(tmp_path, text) == [
        "campaign.yaml:1:1: missing required key 'title' (add `title:`)",
        "campaign.yaml:3:1: unknown key 'tittle' (did you mean 'title'?)",
        "campaign.yaml:5:8: as_of: invalid date '2024-13-45' (no such day)",
        "campaign.yaml:8:22: unknown source 'nope' (known sources: report)",
        "campaign.yaml:22:12: unknown ask 'relase' (did you mean 'release'?)",
        "campaign.yaml:23:5: unknown key 'emial' (did you mean 'email'?)",
    ]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("id: test-campaign", "id: Test_Campaign",
     "campaign.yaml:2:5: id: 'Test_Campaign' is not an id: use lowercase letters, digits "
     "and hyphens"),
    ("as_of: 2024-05-01", "as_of: 1714521600",
     "campaign.yaml:5:8: as_of: expected an ISO date like 2022-01-17"),
    ("as_of: 2024-05-01", "as_of: 01/05/2024",
     "campaign.yaml:5:8: as_of: expected an ISO date like 2022-01-17"),
    ("advocate: 1", "advocate: 2",
     "campaign.yaml:1:11: unsupported format version 2 (this version of advocate reads "
     "`advocate: 1`)"),
    ("    source: report", "    source: report\n    figure: 21 characters is too long",
     "campaign.yaml:9:13: figure: at most 20 characters: a figure is a number or a few words"),
    ("advocate: 1\n", "",
     "campaign.yaml:1:1: missing required key 'advocate' (add `advocate: 1`)"),
    ("    title: The report", "    title: " + "x" * 301,
     "campaign.yaml:11:12: title: at most 300 characters (this one has 301)"),
    ("title: A title", "title: {en: A title, english: x}",
     "campaign.yaml:3:8: title: 'english' is not a language code (use e.g. en, ru, kk)"),
    ("summary: A summary.", "summary: ''",
     "campaign.yaml:4:10: summary: text is empty"),
    ("asks:\n  - id: release", "asks:\n  - id: minister",
     "campaign.yaml:14:9: duplicate ask id 'minister' (first used at line 14)"),
])
def test_single_problems(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = MINIMAL.replace(old, new)
    if "duplicate ask" in expected:
        text = text.replace("asks:\n  - id: minister", "asks:\n  - id: minister\n    title: "
                            "A\n    text: B\n  - id: minister")
        expected = "campaign.yaml:17:9: duplicate ask id 'minister' (first used at line 14)"
    found = problems(tmp_path, text)
    assert expected in found, found


def test_duplicate_ids_and_broken_references_together(tmp_path: Path) -> None:
    text = MINIMAL + "  - id: minister\n    name: B\n    title: C\n    salutation: D\n"
    assert problems(tmp_path, text) == [
        "campaign.yaml:22:9: duplicate target id 'minister' (first used at line 18)"]


def test_top_level_list_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, "- a\n- b\n") == [
        "campaign.yaml:1:1: expected a mapping of keys (advocate: 1, id: ..., title: ...) "
        "(a campaign file is a YAML mapping, not a list or a value)"]


def test_missing_translation_is_a_warning_with_position(tmp_path: Path) -> None:
    text = MINIMAL.replace("as_of:", "translations:\n  ru: {reviewed: false}\nas_of:").replace(
        "title: A title", "title: {en: A title, ru: Заголовок}").replace(
        "summary: A summary.", "summary: {en: A summary.}")
    campaign, warnings = load_campaign_checked(write(tmp_path / "c.yaml", text))
    assert campaign.languages == ["en", "ru"]
    assert [str(w).removeprefix(str(tmp_path) + "/") for w in warnings] == [
        "c.yaml:4:1: summary: no ru text (add `ru:`, or letters in ru fall back to en)"]


def test_bundled_campaign_contract(kz_path: Path) -> None:
    campaign, warnings = load_campaign_checked(kz_path)
    assert warnings == []
    assert campaign.id == "kazakhstan-2022"
    assert [t.id for t in campaign.targets][:4] == [
        "president", "prosecutor-general", "interior-minister", "un-high-commissioner"]
    assert [a.id for a in campaign.asks][:5] == [
        "release", "investigation", "rights", "accountability", "internet"]
    assert set(campaign.languages) >= {"en", "ru", "kk"}
    every_ask = {ask for t in campaign.targets for ask in (t.asks or [])}
    assert every_ask == {a.id for a in campaign.asks}


def test_committed_schema_matches_the_model() -> None:
    committed = Path(__file__).parents[1].parent / "campaign.schema.json"
    assert json.loads(committed.read_text(encoding="utf-8")) == campaign_schema(), \
        "campaign.schema.json is stale: run `advocate schema > campaign.schema.json`"


def test_schema_forbids_unknown_keys_and_names_core_keys() -> None:
    schema = campaign_schema()
    assert schema["additionalProperties"] is False
    assert {"advocate", "id", "title", "summary", "as_of", "facts", "sources", "asks",
            "targets"} <= set(schema["required"])
    assert schema["$defs"]["Target"]["additionalProperties"] is False


@pytest.mark.parametrize("address", ["office@gov..kz", "two@@example.org", "no-at.example.org",
                                     "a b@example.org", "x@under_score.org"])
def test_a_target_email_is_checked_like_a_signer_email(kz_path: Path, tmp_path: Path,
                                                        address: str) -> None:
    """One validator for every address: a bad target email is a located validate error."""
    text = kz_path.read_text(encoding="utf-8")
    text = text.replace("  - id: president\n", f"  - id: president\n    email: '{address}'\n", 1)
    line = text.splitlines().index(f"    email: '{address}'") + 1
    path = write(tmp_path / "c.yaml", text)
    with pytest.raises(AdvocateError) as caught:
        load_campaign(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.message.split(" (")[0]) == (line, "email: not an email address")
    assert address not in str(caught.value)


def test_an_internationalised_target_email_is_accepted(kz_path: Path, tmp_path: Path) -> None:
    text = kz_path.read_text(encoding="utf-8").replace(
        "  - id: president\n", "  - id: president\n    email: 'info@straße.de'\n", 1)
    campaign = load_campaign(write(tmp_path / "c.yaml", text))
    assert campaign.targets[0].email == "info@straße.de"
