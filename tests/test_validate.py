"""``advocate.validate``: campaigns and a signer list checked by the library alone, every
problem in the report (the command only prints it), on campaigns unlike the bundled one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from advocate.errors import Problem
from advocate.json_output import schema_text
from advocate.signers.source import SignerSource
from advocate.validate import CampaignValidation, validate_campaigns
from helpers import write

CAMPAIGNS = Path(__file__).parent / "fixtures" / "campaigns"
EGYPT = CAMPAIGNS / "egypt-detention" / "egypt-detention.yaml"  # ar, en, fr; right to left
CHINA = CAMPAIGNS / "china-lawyers" / "china-lawyers.yaml"  # en, zh; a CJK target
TURKEY = CAMPAIGNS / "turkey-gezi" / "turkey-gezi.yaml"  # a target in Turkish
SIGNERS = Path(__file__).parent / "fixtures" / "signers"


def conforms(document: dict[str, Any]) -> None:
    schema = json.loads(schema_text("validate"))
    assert sorted(Draft202012Validator(schema).iter_errors(document), key=str) == []


def errors(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems if p.severity == "error"]


def test_every_campaign_is_checked_though_one_of_them_cannot_be_read(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.yaml", "advocate: 1\nid: x\ntitle: t\ntitle: u\n")
    heard: list[CampaignValidation] = []
    report = validate_campaigns([str(EGYPT), str(broken), str(CHINA)],
                                on_campaign=heard.append)
    assert [(p.file, p.line, p.message, p.hint) for p in report.errors] == [
        (str(broken), 4, "duplicate key 'title'", "first defined at line 3")]
    assert [c.name for c in report.campaigns] == [str(EGYPT), str(CHINA)]
    assert heard == report.campaigns  # each heard of as soon as it was checked
    egypt, china = (c.record for c in report.campaigns)
    assert egypt is not None and china is not None
    assert (egypt["id"], egypt["languages"], china["languages"]) == (
        "egypt-detention", ["ar", "en", "fr"], ["en", "zh"])
    assert report.campaigns[0].ok_line == (
        f"ok: {EGYPT}: {egypt['facts']} facts, {egypt['asks']} asks, 3 targets (ar, en, fr)")


def test_a_language_without_wording_is_a_located_error_and_no_ok_line(tmp_path: Path) -> None:
    alone = tmp_path / "turkey-gezi.yaml"  # without the templates/tr/ it ships beside it
    shutil.copy(TURKEY, alone)
    report = validate_campaigns([str(alone)])
    [campaign] = report.campaigns
    assert campaign.record is None and campaign.ok_line is None
    assert campaign.missing == report.errors
    assert [(p.location, p.message) for p in report.errors] == [  # where Turkish is asked
        (f"{alone}:16:7", "no wording templates for language 'tr' (letter, petition, sheet, "
         "brief)")]
    assert validate_campaigns([str(TURKEY)]).errors == []  # with its pack: nothing missing


def test_lang_asks_for_one_more_language(tmp_path: Path) -> None:
    report = validate_campaigns([str(CHINA)], lang="az")
    assert len(report.errors) == 1 and "'az'" in report.errors[0].message
    assert report.envelope()["campaigns"] == []


def test_a_signer_list_is_read_with_its_layout_counts_and_consent() -> None:
    source = SignerSource(CAMPAIGNS / "egypt-detention" / "signers.csv")
    report = validate_campaigns([str(EGYPT)], signers=source)
    assert report.errors == []
    assert report.signers is not None
    record = report.signers.record
    assert record is not None
    rows = len((CAMPAIGNS / "egypt-detention" / "signers.csv").read_text(
        encoding="utf-8").strip().splitlines()) - 1
    assert (record["file"], record["rows"], record["duplicates"]) == (str(source.path), rows, 0)
    assert 0 < record["public"] < record["signers"] == rows  # "oui" read in French too
    assert report.signers.ok_line == f"ok: {source.path}: {report.signers.stats.summary()}"
    conforms(report.envelope())


def test_an_unreadable_signer_list_is_a_problem_in_the_report_not_an_exception() -> None:
    report = validate_campaigns([str(CHINA)], signers=SignerSource(SIGNERS / "dup-column.csv"))
    assert report.signers is None
    assert any("duplicate column" in message for message in errors(report.errors))
    assert [c.ok_line is not None for c in report.campaigns] == [True]  # the campaign is fine
    envelope = report.envelope()
    assert envelope["ok"] is False and envelope["signers"] is None
    conforms(envelope)
