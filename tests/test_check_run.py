"""``advocate.check_run``: what ``advocate check`` does over many campaigns, called as a
library (the command only prints the report): options refused early, rules ignored and
counted, strictness, a signer list's notices kept apart from its problems, the JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from advocate.check import check_campaign
from advocate.check_run import (
    CampaignCheck,
    CheckOptions,
    check_campaigns,
    rules_table,
)
from advocate.errors import AdvocateError
from advocate.json_output import schema_text
from advocate.schema.campaign import CHECK_RULES
from advocate.signers.source import SignerSource

WEAK = Path(__file__).parent / "fixtures" / "check" / "weak.yaml"
CAMPAIGNS = Path(__file__).parent / "fixtures" / "campaigns"
PERU = CAMPAIGNS / "peru-2023" / "peru-2023.yaml"  # es, en; a Google Forms list in Spanish
QUICK = CheckOptions(render_pdfs=False)


def conforms(document: dict[str, Any]) -> None:
    schema = json.loads(schema_text("check"))
    assert sorted(Draft202012Validator(schema).iter_errors(document), key=str) == []


def test_a_rule_code_no_rule_has_is_refused_when_the_options_are_made() -> None:
    with pytest.raises(AdvocateError) as caught:
        CheckOptions(ignore=("stale-fact",))
    [problem] = caught.value.problems
    assert problem.message == "no check rule is called 'stale-fact'"
    assert problem.hint == "did you mean 'stale-facts'?"


def test_no_campaign_is_refused() -> None:
    with pytest.raises(AdvocateError, match="needs a campaign file"):
        check_campaigns([], QUICK)


def test_each_campaign_has_the_problems_check_campaign_finds_and_its_record() -> None:
    heard: list[CampaignCheck] = []
    report = check_campaigns([str(WEAK), str(PERU)], QUICK, on_campaign=heard.append)
    assert heard == report.campaigns
    weak, peru = report.campaigns
    assert weak.problems == check_campaign(WEAK, render_pdfs=False)
    assert report.problems == [*weak.problems, *peru.problems]
    errors = sum(1 for p in weak.problems if p.severity == "error")
    assert errors == 1 and weak.ok_line is None and report.exit_code == 2
    assert weak.record == {"campaign": str(WEAK), "file": str(WEAK), "errors": 1,
                           "warnings": len(weak.problems) - 1, "ignored": 0}
    assert peru.ok_line == f"ok: {PERU} (1 warning)"
    assert peru.record["combinations"] == {  # each target's letters: no variants, one each
        "presidencia": 1, "fiscalia": 1, "un-special-rapporteur": 1, "eu-delegation": 1}
    conforms(report.envelope())


def test_ignored_rules_are_left_out_and_counted() -> None:
    everything = check_campaigns([str(WEAK)], QUICK).campaigns[0]
    stale = [p for p in everything.problems if p.code == "stale-facts"]
    assert stale
    quiet = check_campaigns([str(WEAK)], CheckOptions(render_pdfs=False,
                                                      ignore=("stale-facts",))).campaigns[0]
    assert quiet.problems == [p for p in everything.problems if p.code != "stale-facts"]
    assert quiet.ignored == quiet.record["ignored"] == len(stale)


def test_strict_makes_every_warning_an_error() -> None:
    report = check_campaigns([str(PERU)], CheckOptions(render_pdfs=False, strict=True,
                                                       max_age_days=0))
    [peru] = report.campaigns
    assert peru.problems and {p.severity for p in peru.problems} == {"error"}
    assert peru.ok_line is None and report.exit_code == 2
    assert peru.record["warnings"] == 0 and peru.record["errors"] == len(peru.problems)


def test_a_name_that_is_no_campaign_is_in_the_report_not_raised(tmp_path: Path) -> None:
    report = check_campaigns(["no-such-campaign", str(PERU)], QUICK)
    missing, peru = report.campaigns
    assert missing.path is None and missing.record["file"] is None
    assert [p.severity for p in missing.problems] == ["error"]
    assert peru.path == PERU  # the next one is checked all the same
    envelope = report.envelope()
    assert envelope["ok"] is False and len(envelope["campaigns"]) == 2
    conforms(envelope)


def test_a_signer_lists_notices_are_kept_apart_from_its_problems() -> None:
    """The form's time stamp column is said, never counted: no reason for strict to fail."""
    source = SignerSource(CAMPAIGNS / "peru-2023" / "google-forms-es.csv", dedupe="first")
    plain = check_campaigns([str(PERU)], QUICK).campaigns[0]
    [peru] = check_campaigns([str(PERU)], QUICK, signers=source).campaigns
    assert peru.notices  # e.g. the column "Marca temporal" is not read
    assert not any(n in peru.problems for n in peru.notices)
    assert peru.problems[:len(plain.problems)] == plain.problems


def test_the_rules_table_lists_every_code_once() -> None:
    lines = rules_table().splitlines()
    assert [line.split()[0] for line in lines] == list(CHECK_RULES)
    width = max(map(len, CHECK_RULES))
    assert all(line[width:width + 2] == "  " and line[width + 2] != " " for line in lines)
    assert [line[width + 2:] for line in lines] == list(CHECK_RULES.values())
