"""``advocate letter``, ``petition`` and ``brief``: one document, written to stdout or ``-o``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from advocate import completion
from advocate.cli.common import (
    app,
    emit,
    engine_ahead,
    handles_errors,
    load,
    progress_bar,
    refuse_output_early,
    signer_rows,
    signer_source,
    warn,
)
from advocate.cli.options import (
    CampaignArg,
    ColumnsOpt,
    DateOpt,
    Dedupe,
    DedupeOpt,
    EncodingOpt,
    ForceOpt,
    IdentityOpt,
    LangOpt,
    MaxSizeOpt,
    OutOpt,
    Paper,
    PaperOpt,
    PassphraseFdOpt,
    PassphraseFileOpt,
    SheetOpt,
    SignersOpt,
    TemplatesOpt,
)
from advocate.errors import AdvocateError


def write_document(campaign: str, templates: Path | None, paper: Paper, fmt: str,
              output: Path | None, force: bool, signers: Path | None,
              make: Callable[[Any], Any], day: datetime | None = None,
              progress: Callable[[int, int], None] | None = None) -> None:
    """Load a campaign, render one document in one format, and write it out."""
    refuse_output_early(output, force)
    if fmt == "pdf" and signers is None:
        engine_ahead(campaign, templates)
    from advocate.render.documents import Renderer

    loaded = load(campaign)
    renderer = Renderer(loaded, templates=templates, paper=paper.value,
                        day=day.date() if day else None)
    document = make(renderer)
    data: str | bytes
    found: list[Any] = []
    if fmt == "pdf":
        result = renderer.pdf_result([document], progress)
        data, found = result.data, result.problems
    else:
        data = renderer.format([document], fmt)
    warn([*document.warnings, *found])
    emit(data, output, force, [loaded.path, signers], renderer.roots)


class LetterFormat(StrEnum):
    txt = "txt"
    md = "md"
    html = "html"
    pdf = "pdf"
    eml = "eml"


@app.command(epilog="Example: advocate letter kazakhstan-2022 --to president "
             "--name \"A. Writer\" --city Berlin\n\n"
             "With ADVOCATE_CACHE=1, a letter's wording (never your details) is kept in "
             "~/.cache/advocate so the next one (txt, md or eml) starts at once; it is off by "
             "default, as it shows which campaigns you wrote to and when.")
@handles_errors
def letter(
    campaign: CampaignArg,
    to: Annotated[str | None, typer.Option("--to", help="Target id (default: every target).",
                                           show_default=False,
                                           autocompletion=completion.targets)] = None,
    name: Annotated[str | None, typer.Option("--name", help="Your name.",
                                             show_default=False)] = None,
    city: Annotated[str | None, typer.Option("--city", help="Your city.",
                                             show_default=False)] = None,
    email: Annotated[str | None, typer.Option("--email", help="Your email address.",
                                              show_default=False)] = None,
    country: Annotated[str | None, typer.Option("--country", help="Your country.",
                                                show_default=False)] = None,
    note: Annotated[str | None, typer.Option(
        "--note", help="A personal paragraph for your letter (identical letters get "
        "filtered as spam).", show_default=False)] = None,
    address: Annotated[str | None, typer.Option(
        "--address", help="Your postal address, so a reply by post is possible (lines "
        "separated by commas).", show_default=False)] = None,
    signers: SignersOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
    dedupe: DedupeOpt = Dedupe.error,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    max_signers_size: MaxSizeOpt = None,
    lang: LangOpt = None,
    fmt: Annotated[LetterFormat, typer.Option("--format", "-f", help="Output format.")]
    = LetterFormat.txt,
    output: OutOpt = None,
    force: ForceOpt = False,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    letter_date: DateOpt = None,
) -> None:
    """Write a letter to a target, from you or from every signer in a list."""
    from advocate.render.writer import Writer

    details = (name, city, email, country, note, address)
    if signers is not None and any(v is not None for v in details):
        raise AdvocateError("--signers cannot be combined with --name/--city/--email/"
                            "--country/--note/--address",
                            hint="put personal details in the signer list")
    writer = Writer(name, city, email, country, note, address=address) \
        if any(v is not None for v in details) else None
    refuse_output_early(output, force)
    from advocate.campaigns import resolve_campaign
    from advocate.render.letter_run import LetterOptions, write_letters

    path = resolve_campaign(campaign)
    made = write_letters(LetterOptions(
        path, to=to, lang=lang, templates=templates, fmt=fmt.value, paper=paper.value,
        writer=writer, day=letter_date.date() if letter_date else None,
        signers=signer_source(signers, encoding=encoding, dedupe=dedupe, columns=columns,
                              sheet=sheet_name, max_size=max_signers_size)), warn)
    emit(made.data, output, force, made.inputs, made.roots)
    made.keep()


class PetitionFormat(StrEnum):
    txt = "txt"
    md = "md"
    html = "html"
    pdf = "pdf"


@app.command(epilog="Example: advocate petition kazakhstan-2022 --signers signers.csv "
             "--format pdf -o petition.pdf")
@handles_errors
def petition(
    campaign: CampaignArg,
    signers: SignersOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
    dedupe: DedupeOpt = Dedupe.error,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    max_signers_size: MaxSizeOpt = None,
    fmt: Annotated[PetitionFormat, typer.Option("--format", "-f", help="Output format.")]
    = PetitionFormat.md,
    sheet: Annotated[bool, typer.Option(
        "--sheet", help="A printable signature sheet for gathering signatures on paper.")]
    = False,
    lang: LangOpt = None,
    output: OutOpt = None,
    force: ForceOpt = False,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    letter_date: DateOpt = None,
) -> None:
    """The petition with its signature count and consenting signers, or a signature sheet."""
    def make(renderer: Any) -> Any:
        if fmt is PetitionFormat.pdf and not sheet:
            renderer.expect_petition_pdf(signers)
        rows = signer_rows(signer_source(signers, encoding=encoding, dedupe=dedupe,
                                         columns=columns, sheet=sheet_name,
                                         max_size=max_signers_size),
                           [renderer.campaign], compact=fmt is PetitionFormat.pdf and not sheet)
        return renderer.sheet(lang) if sheet else renderer.petition(
            rows, lang, for_pdf=fmt is PetitionFormat.pdf)

    with progress_bar(enabled=fmt is PetitionFormat.pdf and not sheet,
                   label="petition pages") as progress:
        write_document(campaign, templates, paper, fmt.value, output, force, signers, make,
                       letter_date, progress)


class BriefFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    md = "md"
    txt = "txt"


@app.command(epilog="Example: advocate brief kazakhstan-2022 -o brief.pdf")
@handles_errors
def brief(
    campaign: CampaignArg,
    fmt: Annotated[BriefFormat, typer.Option("--format", "-f", help="Output format.")]
    = BriefFormat.pdf,
    lang: LangOpt = None,
    output: OutOpt = None,
    force: ForceOpt = False,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    letter_date: DateOpt = None,
) -> None:
    """A one- or two-page briefing sheet: figures, asks, quotes and numbered sources."""
    write_document(campaign, templates, paper, fmt.value, output, force, None,
              lambda r: r.brief(lang), letter_date)
