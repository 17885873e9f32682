"""The committed JSON Schema accepts what ``advocate validate`` accepts, and rejects what
it rejects (where a schema can say so), so an editor never marks a good campaign red."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from advocate.errors import AdvocateError
from advocate.schema.campaign import validate_document
from advocate.schema.load import load_yaml, load_yaml_bytes

ROOT = Path(__file__).parents[1].parent
SCHEMA = json.loads((ROOT / "campaign.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _campaign_files() -> list[Path]:
    found = sorted((ROOT / "campaigns").glob("*.yaml")) + sorted(
        (ROOT / "examples").rglob("*.yaml")) + sorted((ROOT / "tests" / "fixtures").rglob(
            "*.yaml"))
    return [p for p in found if "advocate:" in p.read_text(encoding="utf-8")[:2000]]


def _schema_errors(data: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(data)]


def test_the_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", _campaign_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_schema_and_validate_agree_on_every_campaign_file(path: Path) -> None:
    doc = load_yaml(path)
    try:
        validate_document(doc)
    except AdvocateError:
        assert _schema_errors(doc.data) or True  # references and dates: beyond a schema
        return
    assert _schema_errors(doc.data) == []


BASE = """\
advocate: 1
id: press
title: Free the journalists
summary: Two journalists are held.
as_of: 2024-05-01
facts:
  - text: Two journalists were detained.
    source: report
sources:
  - id: report
    title: A report
    publisher: A publisher
asks:
  - id: release
    title: Release them
    text: Release them now.
targets:
  - id: minister
    name: The Minister
    title: Ministry of Justice
    salutation: "Dear Minister,"
"""

ACCEPTED = {
    "one source id": ("    source: report\n", "    source: report\n"),
    "a list of source ids": ("    source: report\n", "    source: [report]\n"),
    "a bare number as figure": ("    source: report\n", "    figure: 164\n    source: report\n"),
    "a translated figure": ("    source: report\n",
                            "    figure: {en: '2', az: '2'}\n    source: report\n"),
    "a closing": ("as_of:", "closing: {en: Journalism is not a crime.}\nas_of:"),
}
REJECTED = {
    "an unknown key": ("as_of:", "colour: red\nas_of:"),
    "an empty source list": ("    source: report\n", "    source: []\n"),
    "a source id that is not a slug": ("    source: report\n", "    source: Report 1\n"),
    "a figure too long": ("    source: report\n",
                          "    figure: this is far too long a figure\n    source: report\n"),
    "no targets": ("targets:\n  - id: minister\n    name: The Minister\n"
                   "    title: Ministry of Justice\n    salutation: \"Dear Minister,\"\n",
                   "targets: []\n"),
    "format version 2": ("advocate: 1", "advocate: 2"),
}


def _data(old: str, new: str) -> Any:
    assert old in BASE
    return load_yaml_bytes(BASE.replace(old, new, 1).encode(), "<test>")


@pytest.mark.parametrize("case", ACCEPTED)
def test_what_validate_accepts_the_schema_accepts(case: str) -> None:
    doc = _data(*ACCEPTED[case])
    validate_document(doc)
    assert _schema_errors(doc.data) == []


@pytest.mark.parametrize("case", REJECTED)
def test_what_validate_rejects_the_schema_rejects(case: str) -> None:
    doc = _data(*REJECTED[case])
    with pytest.raises(AdvocateError):
        validate_document(doc)
    assert _schema_errors(doc.data)
