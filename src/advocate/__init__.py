"""advocate: campaign files to letters, petitions, email drafts and briefing sheets.

The library API (the CLI is a thin layer over it)::

    from advocate import load_campaign, Renderer, Writer
    campaign = load_campaign(Path("campaign.yaml"))
    renderer = Renderer(campaign)
    letter = renderer.letter("president", Writer(name="A. Writer", city="Berlin"))
    print(renderer.format([letter], "txt"))

Names are imported on first use, so ``import advocate`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "AdvocateError": "advocate.errors",
    "Problem": "advocate.errors",
    "Campaign": "advocate.schema.campaign",
    "load_campaign": "advocate.schema.campaign",
    "load_campaign_checked": "advocate.schema.campaign",
    "campaign_schema": "advocate.schema.campaign",
    "Renderer": "advocate.render.documents",
    "Writer": "advocate.render.documents",
    "Signer": "advocate.signers",
    "read_signers": "advocate.signers",
    "resolve_campaign": "advocate.campaigns",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'advocate' has no attribute {name!r}")
