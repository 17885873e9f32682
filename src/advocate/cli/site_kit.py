"""``advocate site`` (the action page) and ``advocate kit`` (paper for a letter-writing night)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advocate.cli.common import app, engine_ahead, handles_errors, load, say, warn
from advocate.cli.options import CampaignArg, LangOpt, Paper, PaperOpt, TemplatesOpt
from advocate.errors import counted


@app.command(epilog="Example: advocate site kazakhstan-2022 -o site/")
@handles_errors
def site(
    campaign: CampaignArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.",
                                          metavar="DIR")],
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an earlier site.")] = False,
    templates: TemplatesOpt = None,
    paper: Annotated[Paper, typer.Option("--paper", help="Paper size the page prints "
                                         "letters on.")] = Paper.a4,
) -> None:
    """A static action page (index.html, CSS, JS): supporters write their own letter in the
    browser. It sends nothing anywhere; open it from disk or put it on any static host."""
    from advocate.site import write_site

    loaded = load(campaign)
    result = write_site(loaded, output, templates=templates, lang=lang, force=force,
                        paper=paper.value)
    warn(result.warnings)
    say(f"wrote {counted(len(result.files), 'file')} to {output}")


@app.command(epilog="Example: advocate kit my-campaign.yaml --date 2026-12-10 "
             "--place \"Community Hall\" -o kit/")
@handles_errors
def kit(
    campaign: CampaignArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")],
    date: Annotated[str | None, typer.Option(
        "--date", help="The event's date (YYYY-MM-DD): on the posters and sheets, and "
        "the letters' date.", show_default=False)] = None,
    place: Annotated[str | None, typer.Option(
        "--place", help="Where the event is: on the posters and sheets.",
        show_default=False)] = None,
    paper: PaperOpt = Paper.a4,
    poster_size: Annotated[list[str] | None, typer.Option(
        "--poster-size", help="a3, a4, letter or tabloid (11x17); repeat for several "
        "(default: a4 and a3, or letter and tabloid with --paper letter).",
        show_default=False)] = None,
    lang: Annotated[list[str] | None, typer.Option(
        "--lang", help="Make the kit in this language (repeat; default: every campaign "
        "language).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an earlier kit.")] = False,
    templates: TemplatesOpt = None,
) -> None:
    """Paper for a letter-writing night, one folder for the print shop: posters with a QR
    code, case cards, sign-in and tally sheets, letters to write by hand with their
    envelopes, envelopes and address labels, and cards to the people detained."""
    engine_ahead(campaign, templates)
    from advocate.kit import KitOptions, write_kit
    from advocate.kit.plan import event_day

    loaded = load(campaign)
    options = KitOptions(day=event_day(date), place=place, paper=paper.value,
                         posters=tuple(poster_size or ()), langs=tuple(lang or ()),
                         templates=templates)
    made = write_kit(loaded, output, options, force=force)
    warn(made.warnings)
    typer.echo(f"advocate: wrote {len(made.files)} files to {output}", err=True)
