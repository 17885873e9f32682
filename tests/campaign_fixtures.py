"""The test campaigns unlike the bundled one (tests/fixtures/campaigns/README.md): where they
are, their languages and the signer lists that go with them, for every test that runs an
output over all of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CAMPAIGN_FIXTURES = Path(__file__).parent / "fixtures" / "campaigns"


@dataclass(frozen=True)
class FixtureCampaign:
    id: str
    languages: tuple[str, ...]
    signers: tuple[str, ...]

    @property
    def path(self) -> Path:
        return CAMPAIGN_FIXTURES / self.id / f"{self.id}.yaml"

    def signer_paths(self) -> list[Path]:
        return [CAMPAIGN_FIXTURES / self.id / name for name in self.signers]


FIXTURE_CAMPAIGNS = (
    FixtureCampaign("peru-2023", ("es", "en"), ("google-forms-es.csv",)),
    FixtureCampaign("egypt-detention", ("ar", "en", "fr"), ("signers.csv",)),
    FixtureCampaign("china-lawyers", ("en", "zh"), ("signers.csv",)),
    FixtureCampaign("turkey-gezi", ("en", "tr"), ("action-network.csv", "change-org.csv")),
)
