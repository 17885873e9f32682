"""advocate: campaign files to letters, petitions, email drafts and briefing sheets.

The library API (the CLI is a thin layer over it); every path may be a ``str`` or a
``pathlib.Path``::

    from advocate import load_campaign, Renderer, Writer
    campaign = load_campaign("campaign.yaml")
    renderer = Renderer(campaign)
    letter = renderer.letter("president", Writer(name="A. Writer", city="Berlin"))
    print(renderer.format([letter], "txt"))
    pdf_bytes = renderer.pdf([letter])

    # every output of a campaign, all or nothing (the library refuses what the CLI refuses)
    from advocate import build_campaigns, check_campaign, read_signers
    result = build_campaigns(["campaign.yaml"], "out", signers=read_signers("s.csv"))
    problems = check_campaign("campaign.yaml")   # evidence and letter quality
    report = verify_build("out")                 # the files against their manifests

Names are imported on first use, so ``import advocate`` stays cheap; type checkers see
them through the imports under ``TYPE_CHECKING`` below (the package ships ``py.typed``).
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
from typing import TYPE_CHECKING, Any

from advocate.version import __version__

if TYPE_CHECKING:  # what a type checker and an editor see; at run time, __getattr__ below
    from advocate.build import BuildOptions, BuildResult
    from advocate.build import build as build_campaigns
    from advocate.campaigns import resolve_campaign
    from advocate.check import check_campaign
    from advocate.check_run import CheckOptions, CheckReport, check_campaigns
    from advocate.errors import AdvocateError, Problem
    from advocate.merge import merge as merge_shards
    from advocate.render.document import Document
    from advocate.render.documents import Renderer, Writer
    from advocate.render.pdf.engine import PdfResult
    from advocate.schema.campaign import (
        Campaign,
        campaign_schema,
        load_campaign,
        load_campaign_checked,
    )
    from advocate.shard import Shard, parse_shard
    from advocate.signers import Signer, read_signers
    from advocate.signers.source import SignerSource
    from advocate.validate import ValidateReport, validate_campaigns
    from advocate.verify import VerifyReport, verify_build

_EXPORTS: dict[str, str | tuple[str, str]] = {
    "AdvocateError": "advocate.errors",
    "Problem": "advocate.errors",
    "Campaign": "advocate.schema.campaign",
    "load_campaign": "advocate.schema.campaign",
    "load_campaign_checked": "advocate.schema.campaign",
    "campaign_schema": "advocate.schema.campaign",
    "Renderer": "advocate.render.documents",
    "Writer": "advocate.render.documents",
    "Document": "advocate.render.document",
    "PdfResult": "advocate.render.pdf.engine",
    "Signer": "advocate.signers",
    "read_signers": "advocate.signers",
    "resolve_campaign": "advocate.campaigns",
    # Not "build": importing the submodule advocate.build would shadow a function of that name.
    "build_campaigns": ("advocate.build", "build"),
    "BuildOptions": "advocate.build",
    "BuildResult": "advocate.build",
    "merge_shards": ("advocate.merge", "merge"),  # joins the output of shard builds
    "Shard": "advocate.shard",
    "parse_shard": "advocate.shard",
    "SignerSource": "advocate.signers.source",
    "check_campaign": "advocate.check",
    "check_campaigns": "advocate.check_run",  # many campaigns, as `advocate check` does
    "CheckOptions": "advocate.check_run",
    "CheckReport": "advocate.check_run",
    "validate_campaigns": "advocate.validate",  # as `advocate validate` does
    "ValidateReport": "advocate.validate",
    "verify_build": "advocate.verify",
    "VerifyReport": "advocate.verify",
}

__all__ = [
    "AdvocateError",
    "BuildOptions",
    "BuildResult",
    "Campaign",
    "CheckOptions",
    "CheckReport",
    "Document",
    "PdfResult",
    "Problem",
    "Renderer",
    "Shard",
    "Signer",
    "SignerSource",
    "ValidateReport",
    "VerifyReport",
    "Writer",
    "__version__",
    "build_campaigns",
    "campaign_schema",
    "check_campaign",
    "check_campaigns",
    "load_campaign",
    "load_campaign_checked",
    "merge_shards",
    "parse_shard",
    "read_signers",
    "resolve_campaign",
    "validate_campaigns",
    "verify_build",
]


if not TYPE_CHECKING:  # hidden from type checkers: with it, any name would type-check

    def __getattr__(name: str) -> Any:
        if name in _EXPORTS:
            where = _EXPORTS[name]
            module, attribute = where if isinstance(where, tuple) else (where, name)
            return getattr(import_module(module), attribute)
        raise AttributeError(f"module 'advocate' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names (``dir(advocate)``, editors, ``pydoc``), not this module's imports."""
    return sorted({*__all__, *(name for name in globals()
                               if name.startswith("__") and name.endswith("__"))})
