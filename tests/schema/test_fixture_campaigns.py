"""The test campaigns unlike the bundled one hold: each validates with its signer lists and
passes `check`, so a test that fails on them fails for the feature, not the fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import Result

from campaign_fixtures import CAMPAIGN_FIXTURES, FIXTURE_CAMPAIGNS, FixtureCampaign

IDS = [campaign.id for campaign in FIXTURE_CAMPAIGNS]


def test_every_campaign_folder_is_listed() -> None:
    folders = sorted(p.name for p in CAMPAIGN_FIXTURES.iterdir() if p.is_dir())
    assert folders == sorted(IDS)


@pytest.mark.parametrize("campaign", FIXTURE_CAMPAIGNS, ids=IDS)
def test_each_campaign_validates_with_its_languages_and_signers(
        campaign: FixtureCampaign, run: Callable[..., Result]) -> None:
    for signers in campaign.signer_paths():
        result = run("validate", str(campaign.path), "--signers", str(signers))
        assert result.exit_code == 0, result.stderr
        assert f"({', '.join(campaign.languages)})" in result.stderr
        assert "error" not in result.stderr


@pytest.mark.parametrize("campaign", FIXTURE_CAMPAIGNS, ids=IDS)
def test_each_campaign_passes_check_without_a_warning(
        campaign: FixtureCampaign, run: Callable[..., Result]) -> None:
    result = run("check", str(campaign.path), "--max-age", "100000", "--strict")
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr


def test_no_campaign_gives_a_real_address() -> None:
    for path in CAMPAIGN_FIXTURES.rglob("*"):
        if path.suffix in (".yaml", ".csv"):
            text = path.read_text(encoding="utf-8")
            assert "address:" not in text, path
            for word in text.replace(",", " ").split():
                if "@" in word:
                    domain = word.split("@", 1)[1]
                    assert domain.split(".")[0] == "example", (path, word)
