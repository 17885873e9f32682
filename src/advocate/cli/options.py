"""The options and arguments several commands share (``--signers``, ``--paper``, ``-o``...),
as Typer annotations: one help text each, the same in every command."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advocate import completion

# -- shared options --------------------------------------------------------------------

class Paper(StrEnum):
    a4 = "a4"
    letter = "letter"


CampaignArg = Annotated[str, typer.Argument(
    help="A campaign YAML file, or the id of a bundled campaign (see `advocate list`).",
    show_default=False, autocompletion=completion.campaigns)]
OutOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file instead of stdout (- is stdout). A PDF goes "
    "to stdout only when it is not a terminal (> letter.pdf, | lpr).", show_default=False,
    metavar="FILE")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Language of the document (default: the target's, then the campaign's).",
    show_default=False, autocompletion=completion.languages)]
TemplatesOpt = Annotated[Path | None, typer.Option(
    "--templates", help="A folder of templates that overrides the built-in ones.",
    show_default=False, metavar="DIR")]
SignersOpt = Annotated[Path | None, typer.Option(
    "--signers", help="Signer list: CSV (UTF-8, header row), a spreadsheet (.xlsx, .xls, "
    ".ods), a platform export, or YAML.", show_default=False, metavar="FILE")]
PassphraseFileOpt = Annotated[Path | None, typer.Option(
    "--passphrase-file", metavar="FILE", help="An encrypted signer list's (.age) passphrase: "
    "the first line of FILE (default: asked for on the terminal).", show_default=False)]
PassphraseFdOpt = Annotated[int | None, typer.Option(
    "--passphrase-fd", metavar="N", help="An encrypted signer list's passphrase, read from "
    "file descriptor N (e.g. 3<secret), for scripts.", show_default=False)]
IdentityOpt = Annotated[Path | None, typer.Option(
    "--identity", metavar="FILE", help="An age identity file (age-keygen's, or an OpenSSH "
    "key) that decrypts an encrypted signer list (.age).", show_default=False)]
ColumnsOpt = Annotated[str | None, typer.Option(
    "--columns", metavar="MAP", help='Which column of the signer list holds what, e.g. '
    'name="Full Name",email="Email Address",public="Display my name"; name may join columns: '
    'name="First Name"+"Last Name". Default: the campaign\'s signers: section, or the layout '
    "recognised from the header row.", show_default=False)]
SheetOpt = Annotated[str | None, typer.Option(
    "--sheet-name", help="The sheet of a spreadsheet signer list (default: the first).",
    show_default=False, metavar="NAME")]
MaxSizeOpt = Annotated[str | None, typer.Option(
    "--max-signers-size", metavar="SIZE", help="The largest signer list to read, e.g. 512M or "
    "2G (default 256M, about a million rows; a CSV is read as a stream, so memory does not "
    "grow with it).", show_default=False)]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="Encoding of the signer list if not UTF-8 (e.g. cp1252).",
    show_default=False)]
PaperOpt = Annotated[Paper, typer.Option("--paper", help="Paper size for PDFs.")]
DateOpt = Annotated[datetime | None, typer.Option(
    "--date", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="The date the documents "
    "carry (default: SOURCE_DATE_EPOCH's day in UTC if set, else today). `advocate check` "
    "keeps its own today.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option(
    "--json", help="Print the result as JSON on stdout, on failure too (its schema: "
    "`advocate schema NAME`).")]


class Dedupe(StrEnum):
    error = "error"
    first = "first"


class OnBadRow(StrEnum):
    error = "error"
    skip = "skip"


BadRowOpt = Annotated[OnBadRow, typer.Option(
    "--on-bad-row", help="A signer row with a problem (a bad email, an unreadable consent "
    "answer): an error that stops everything (the default), or skip: go on with the good "
    "rows and list each bad one by row, column and reason (build: skipped-rows.csv in the "
    "output folder; other commands: on stderr). Never the row's content.")]


DedupeOpt = Annotated[Dedupe, typer.Option(
    "--dedupe", help="Duplicate emails in the signer list: an error, or keep the first.")]
