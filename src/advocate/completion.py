"""Shell completion of the values a user types most: campaign ids (and campaign files in
the working folder), a campaign's target ids, and languages. Typer calls these with the
command line parsed so far (``ctx.params``) and the word being typed; they never raise, and
never print: a completion that fails offers nothing."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import typer


def campaigns(incomplete: str) -> list[str]:
    """Bundled campaign ids and ``*.yaml`` files beside the word typed so far."""
    from advocate.campaigns import bundled_ids

    found = [ident for ident in bundled_ids() if ident.startswith(incomplete)]
    folder = Path(incomplete).parent if "/" in incomplete else Path(".")
    try:
        files = sorted(str(p) if "/" in incomplete else p.name for p in folder.iterdir()
                       if p.suffix.lower() in (".yaml", ".yml"))
    except OSError:
        files = []
    return found + [name for name in files if name.startswith(incomplete)]


def _typed_campaign() -> str | None:
    """The campaign as typed: the word after the command name, from the words the shell
    hands over (Typer's completion passes them in _TYPER_COMPLETE_ARGS, or bash's
    COMP_WORDS), when the parsed parameters do not hold it yet."""
    import os
    import shlex

    try:
        words = shlex.split(os.environ.get("_TYPER_COMPLETE_ARGS")
                            or os.environ.get("COMP_WORDS", ""))
    except ValueError:
        return None
    return words[2] if len(words) > 3 and not words[2].startswith("-") else None


def _campaign(ctx: Any) -> Any:
    """The campaign named on the command line so far, or None."""
    from advocate.campaigns import resolve_campaign
    from advocate.errors import AdvocateError
    from advocate.schema.campaign import load_campaign

    name = (ctx.params or {}).get("campaign") or _typed_campaign()
    if not isinstance(name, str):
        return None
    try:
        return load_campaign(resolve_campaign(name))
    except (AdvocateError, OSError):
        return None


def targets(ctx: typer.Context, incomplete: str) -> list[str]:
    """The target ids of the campaign given before ``--to``."""
    campaign = _campaign(ctx)
    if campaign is None:
        return []
    return [t.id for t in campaign.targets if t.id.startswith(incomplete)]


def languages(ctx: typer.Context, incomplete: str) -> list[str]:
    """The campaign's languages (when one is given), then every language with built-in
    wording templates."""
    from advocate.templates.host import builtin_templates

    campaign = _campaign(ctx)
    found = list(campaign.languages) if campaign is not None else []
    with contextlib.suppress(OSError):
        found += sorted(p.name for p in builtin_templates().iterdir() if p.is_dir())
    return [lang for lang in dict.fromkeys(found) if lang.startswith(incomplete)]
