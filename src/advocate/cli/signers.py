"""``advocate signers``: a signer list checked, de-duplicated and written as CSV or OSDI JSON."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advocate.cli.common import (
    app,
    emit,
    handles_errors,
    load,
    refuse_output_early,
    say,
    signer_source,
    warn,
)
from advocate.cli.options import (
    BadRowOpt,
    ColumnsOpt,
    Dedupe,
    EncodingOpt,
    ForceOpt,
    IdentityOpt,
    MaxSizeOpt,
    OnBadRow,
    OutOpt,
    PassphraseFdOpt,
    PassphraseFileOpt,
    SheetOpt,
)


class SignerFormat(StrEnum):
    csv = "csv"
    osdi_json = "osdi-json"


@app.command("signers", epilog='Example: advocate signers responses.xlsx --columns '
             'name="Full Name",email="Email Address",public="Display my name" -o signers.csv')
@handles_errors
def signers_(
    file: Annotated[Path, typer.Argument(
        help="The signer list: CSV, a spreadsheet (.xlsx, .xls, .ods), a platform export or "
        "YAML.", show_default=False)],
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    to: Annotated[SignerFormat, typer.Option(
        "--to", help="Write advocate's CSV, or an OSDI people collection (JSON) for Action "
        "Network and other OSDI systems.")] = SignerFormat.csv,
    include_all: Annotated[bool, typer.Option(
        "--all", help="Write every signer, not only those who agreed to be named.")] = False,
    campaign: Annotated[str | None, typer.Option(
        "--campaign", help="Take the signers: section and the languages (for yes/no) from "
        "this campaign.", show_default=False)] = None,
    lang: Annotated[list[str] | None, typer.Option(
        "--lang", help="Also accept this language's yes and no for consent, e.g. de for "
        "ja/nein (repeatable).", show_default=False)] = None,
    encoding: EncodingOpt = None,
    dedupe: Annotated[Dedupe, typer.Option(
        "--dedupe", help="Duplicate emails: keep the first, or treat them as an error.")]
    = Dedupe.first,
    max_signers_size: MaxSizeOpt = None,
    output: OutOpt = None,
    force: ForceOpt = False,
    on_bad_row: BadRowOpt = OnBadRow.error,
) -> None:
    """A signer list checked, de-duplicated and normalised: advocate's CSV or OSDI JSON.

    Reads every source advocate reads, with the same rules, and writes the signers who
    agreed to be named (all of them with --all), so the list can go back into a platform.
    Formula-looking cells are neutralised in CSV. Nothing is written if any row has a
    problem."""
    from advocate.signers.export import export_signers
    from advocate.signers.source import skipped_problems_of

    refuse_output_early(output, force)
    loaded = [load(campaign)] if campaign is not None else []
    reader = signer_source(file, encoding=encoding, dedupe=dedupe, columns=columns,
                           sheet=sheet_name, max_size=max_signers_size,
                           on_bad_row=on_bad_row).reader(loaded, lang or ())
    data, count = export_signers(reader, to.value, include_all=include_all)
    warn(reader.stats.notices)
    warn(skipped_problems_of(reader))
    say(f"ok: {file}: {reader.stats.summary()}; writing {count:,}")
    emit(data.decode("utf-8"), output, force, [file])
