"""advocate: campaign files to letters, petitions, email drafts and briefing sheets.

The library API (the CLI is a thin layer over it)::

    from advocate import load_campaign, Renderer, Writer
    campaign = load_campaign(Path("campaign.yaml"))
    renderer = Renderer(campaign)
    letter = renderer.letter("president", Writer(name="A. Writer", city="Berlin"))
    print(renderer.format([letter], "txt"))
    pdf_bytes = renderer.pdf([letter])

    # every output of a campaign, all or nothing (the library refuses what the CLI refuses)
    from advocate import build_campaigns, check_campaign, read_signers
    result = build_campaigns([Path("campaign.yaml")], Path("out"),
                             signers=read_signers(Path("s.csv")))
    problems = check_campaign(Path("campaign.yaml"))   # evidence and letter quality

Names are imported on first use, so ``import advocate`` stays cheap.
"""

from __future__ import annotations

import os as _os
import sys as _sys

if _sys.argv[:1] == ["-m"] and not _sys.flags.safe_path:
    # `python -m advocate` put the working folder first on the import path. Before anything
    # is imported from there (a `json.py` beside a campaign), it goes: advocate's modules
    # and libraries come from where they are installed (advocate.children decides the rest).
    _sys.path[:] = [p for p in _sys.path if p not in ("", ".", _os.getcwd())]

from importlib import import_module
from typing import Any

from advocate.version import __version__

_EXPORTS: dict[str, str | tuple[str, str]] = {
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
    # Not "build": importing the submodule advocate.build would shadow a function of that name.
    "build_campaigns": ("advocate.build", "build"),
    "BuildResult": "advocate.build",
    "merge_shards": ("advocate.merge", "merge"),  # joins the output of build(shard=...)
    "Shard": "advocate.shard",
    "parse_shard": "advocate.shard",
    "SignerSource": "advocate.signers.source",
    "check_campaign": "advocate.check",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        where = _EXPORTS[name]
        module, attribute = where if isinstance(where, tuple) else (where, name)
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'advocate' has no attribute {name!r}")
