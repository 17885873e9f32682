"""``advocate validate`` and ``advocate check``: campaigns and signer lists checked, every
problem listed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from advocate.cli.common import (
    JSON_KIND,
    app,
    fail,
    handles_errors,
    say,
    signer_source,
    warn,
)
from advocate.cli.options import (
    BadRowOpt,
    ColumnsOpt,
    Dedupe,
    DedupeOpt,
    EncodingOpt,
    IdentityOpt,
    JsonOpt,
    MaxSizeOpt,
    OnBadRow,
    PassphraseFdOpt,
    PassphraseFileOpt,
    SheetOpt,
    SignersOpt,
    TemplatesOpt,
)
from advocate.errors import AdvocateError, Problem


@app.command(epilog="Example: advocate validate my-campaign.yaml --signers signers.csv")
@handles_errors
def validate(
    campaigns: Annotated[list[str], typer.Argument(help="Campaign files or bundled ids.",
                                                   show_default=False)],
    signers: SignersOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
    dedupe: DedupeOpt = Dedupe.error,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    max_signers_size: MaxSizeOpt = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Also check that this language has wording templates.",
        show_default=False)] = None,
    templates: TemplatesOpt = None,
    as_json: JsonOpt = False,
    on_bad_row: BadRowOpt = OnBadRow.error,
) -> None:
    """Check campaign files (and a signer list): exit 0, or 2 with every problem listed.

    Also checks that every language the campaign asks for (its own, each translation,
    each target's, --lang) has wording templates. For a signer list it says which layout
    it recognised and how many rows, duplicates and signers consenting to be named it found.
    A folder stands for every campaign file in it. The "ok" lines go to stderr with the
    problems, each line starting "advocate: ok:" or "advocate: error:"; stdout is for
    --json only (validate-1.schema.json)."""
    from advocate.validate import CampaignValidation, validate_campaigns

    if as_json:
        JSON_KIND.set("validate")

    def said(result: CampaignValidation) -> None:
        warn(result.warnings)
        if result.ok_line is not None:
            say(result.ok_line)

    source = None if signers is None else signer_source(
        signers, encoding=encoding, dedupe=dedupe, columns=columns, sheet=sheet_name,
        max_size=max_signers_size, on_bad_row=on_bad_row)
    report = validate_campaigns(campaigns, signers=source, templates=templates, lang=lang,
                                on_campaign=said)
    if source is None and (columns is not None or sheet_name is not None):
        report.problems.append(Problem("--columns and --sheet-name need --signers FILE"))
    if report.signers is not None:
        warn(report.signers.notices)
        warn(report.signers.skipped)
        warn(p for p in report.signers.fonts if p.severity == "warning")
        if report.signers.ok_line is not None:
            say(report.signers.ok_line)
    if report.errors:
        raise AdvocateError(problems=report.errors)
    if as_json:
        from advocate import json_output

        json_output.write(report.envelope(), sys.stdout)


@app.command(epilog="Example: advocate check my-campaign.yaml --max-age 30 --strict")
@handles_errors
def check(
    campaigns: Annotated[list[str] | None, typer.Argument(
        help="Campaign files, bundled ids, or folders of campaign files.",
        show_default=False)] = None,
    max_age: Annotated[int, typer.Option(
        "--max-age", min=0, metavar="DAYS",
        help="Warn when the facts (as_of) were last checked more than DAYS ago.")] = 90,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 2).")]
    = False,
    as_json: JsonOpt = False,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", metavar="CODE", help="Do not report this rule's problems (repeatable; "
        "the codes: `advocate check --rules`). A campaign can list its own under "
        "check: {ignore: [...]}.", show_default=False)] = None,
    rules: Annotated[bool, typer.Option(
        "--rules", help="List the rules' codes and what each finds, and exit.")] = False,
    no_pdf: Annotated[bool, typer.Option(
        "--no-pdf", help="Skip the page counts of letters and briefs (renders no PDF).")]
    = False,
    templates: TemplatesOpt = None,
    signers: Annotated[Path | None, typer.Option(
        "--signers", help="Also read this signer list as build would (the campaign's "
        "signers: section, --columns) and list the rows a PDF could not draw (by row, never "
        "the text).", show_default=False)] = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    on_bad_row: BadRowOpt = OnBadRow.error,
) -> None:
    """Lint campaigns: sources, dates, asks, targets, and the letters and briefs they make.

    Exit 0 when there are only warnings, 2 when there is an error (or any problem, with
    --strict). Each problem of a rule ends with its code, e.g. [stale-facts]. Today is the
    real date (or SOURCE_DATE_EPOCH's), never --date's."""
    from advocate.check_run import CampaignCheck, CheckOptions, check_campaigns, rules_table

    if as_json:
        JSON_KIND.set("check")
    if rules:
        typer.echo(rules_table())
        return
    if not campaigns:  # (optional only for --rules)
        raise AdvocateError("advocate check needs a campaign file or bundled id",
                            hint="advocate check my-campaign.yaml")
    options = CheckOptions(max_age_days=max_age, strict=strict, ignore=tuple(ignore or ()),
                           render_pdfs=not no_pdf, templates=templates)

    def said(result: CampaignCheck) -> None:
        warn(result.notices)
        warn(result.skipped)
        for problem in result.problems:
            if problem.severity == "error":
                fail(AdvocateError(problems=[problem]))
            else:
                warn([problem])
        if result.ok_line is not None:
            say(result.ok_line)

    report = check_campaigns(campaigns, options, on_campaign=said, signers=signer_source(
        signers, encoding=encoding, dedupe=Dedupe.first, columns=columns, sheet=sheet_name,
        on_bad_row=on_bad_row))
    if as_json:
        from advocate import json_output

        json_output.write(report.envelope(), sys.stdout)
    if report.exit_code:
        raise typer.Exit(2)
