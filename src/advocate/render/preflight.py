"""Known before anything renders: the signer rows no font can draw and the languages
with no wording templates, all at once, each at its place."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from advocate.errors import Problem
from advocate.schema.campaign import Campaign
from advocate.templates.host import template_roots
from advocate.templates.roots import BUILD_WORDING_KINDS


def font_problems(people: Iterable[Any], *, campaign_path: Path | None = None,
                  templates: Path | None = None, petition_only: bool = False) -> list[Problem]:
    """Know before you render: every signer row (or writer) whose details a PDF could not
    draw, all at once, by row, script and field, never the text (errors), and the rows whose
    emoji or symbols a PDF leaves out (warnings). Fonts of the template pack count."""
    from advocate.render.pdf import fonts

    extra = fonts.pack_fonts(template_roots(templates, campaign_path))
    if petition_only:  # no letter PDFs: only the petition's named signers are printed
        named = [p for p in people if getattr(p, "public", False)]
        return fonts.people_problems(named, extra, fonts.PETITION_FIELDS)
    return fonts.people_problems(people, extra)




def wording_problems(campaign: Campaign, *, templates: Path | None = None,
                     lang: str | None = None) -> list[Problem]:
    """Every language the campaign (a target, a translation, ``--lang``) asks for that has
    no wording templates, at the place that asks for it: known before anything renders."""
    roots = template_roots(templates, campaign.path)
    doc = campaign.document

    def missing(code: str) -> list[str]:
        return [kind for kind in BUILD_WORDING_KINDS
                if not any((root / code / f"{kind}.md.j2").is_file() for root in roots)]

    where = str(campaign.path.parent) if campaign.path else "."
    hint = ("write them with `advocate new --lang {code} --dir " + where + "` (the English "
            "wording, marked for translation, in templates/{code}/ beside the campaign)")
    wanted: list[tuple[str, tuple[str | int, ...] | None]] = [(campaign.language, ("language",))]
    wanted += [(code, ("translations", code)) for code in campaign.translations]
    wanted += [(str(t.language), ("targets", i, "language"))
               for i, t in enumerate(campaign.targets) if t.language]
    if lang is not None:
        wanted = [(lang, None)]
    problems: list[Problem] = []
    seen: set[str] = set()
    for code, path in wanted:
        if code in seen:
            continue
        seen.add(code)
        kinds = missing(code)
        if not kinds:
            continue
        message = f"no wording templates for language '{code}' ({', '.join(kinds)})"
        if path is not None and doc is not None:
            problems.append(doc.problem(path, message, hint.format(code=code), at_value=True))
        else:
            problems.append(Problem(f"--lang {code}: {message}", hint=hint.format(code=code)))
    return problems
