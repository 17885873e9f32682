"""``advocate validate`` and ``advocate check``: campaigns and signer lists checked, every
problem listed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from advocate.cli.common import (
    JSON_KIND,
    app,
    fail,
    handles_errors,
    say,
    signer_rows,
    signer_source,
    signer_summary,
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
from advocate.command_group import counted
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
    from advocate.campaigns import expand_campaigns, resolve_campaign
    from advocate.schema.campaign import load_campaign_checked

    if as_json:
        JSON_KIND.set("validate")
    problems: list[Problem] = []
    loaded = []
    valid: list[dict[str, Any]] = []
    signer_stats: dict[str, Any] | None = None
    for name in expand_campaigns(campaigns):
        try:
            campaign, warnings = load_campaign_checked(resolve_campaign(name))
        except AdvocateError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(campaign)
        warn(warnings)
        problems.extend(warnings)
        from advocate.render.documents import wording_problems

        missing = wording_problems(campaign, templates=templates, lang=lang)
        if missing:
            problems.extend(missing)
            continue
        valid.append({"campaign": name, "file": str(campaign.path) if campaign.path else None,
                      "id": campaign.id, "facts": len(campaign.facts),
                      "asks": len(campaign.asks), "targets": len(campaign.targets),
                      "languages": list(campaign.languages)})
        say(f"ok: {campaign.path or name}: {counted(len(campaign.facts), 'fact')}, "
            f"{counted(len(campaign.asks), 'ask')}, {counted(len(campaign.targets), 'target')}"
            f" ({', '.join(campaign.languages)})")
    if signers is not None:
        try:
            from advocate.render.signer_fonts import streamed_font_problems
            from advocate.signers.source import skipped_problems_of

            reader = signer_source(signers, encoding=encoding, dedupe=dedupe, columns=columns,
                                   sheet=sheet_name, max_size=max_signers_size,
                                   on_bad_row=on_bad_row).reader(loaded)
            fonts = streamed_font_problems(reader, [c.path for c in loaded] or [None])
            warn(reader.stats.notices)
            warn(skipped_problems_of(reader))
            warn(p for p in fonts if p.severity == "warning")
            problems.extend(reader.stats.notices)
            problems.extend(fonts)
            if not any(p.severity == "error" for p in fonts):
                stats = reader.stats
                signer_stats = {"file": str(signers), "layout": stats.layout,
                                "sheet": stats.sheet, "rows": stats.rows,
                                "duplicates": stats.duplicates, "signers": stats.signers,
                                "public": stats.public}
                say(f"ok: {signers}: {signer_summary(reader.stats)}")
        except AdvocateError as exc:
            problems.extend(exc.problems)
    elif columns is not None or sheet_name is not None:
        problems.append(Problem("--columns and --sheet-name need --signers FILE"))
    if any(p.severity == "error" for p in problems):
        raise AdvocateError(problems=[p for p in problems if p.severity == "error"])
    if as_json:
        from advocate import json_output

        json_output.write(json_output.envelope(
            "validate", problems, campaigns=valid, signers=signer_stats), sys.stdout)


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
    from advocate.campaigns import expand_campaigns, resolve_campaign
    from advocate.check import (
        CHECK_RULES,
        check_campaign,
        exit_code,
        ignored,
        ok_line,
        strictly,
        unknown_codes,
    )

    if as_json:
        JSON_KIND.set("check")
    if rules:
        width = max(map(len, CHECK_RULES))
        typer.echo("\n".join(f"{code:<{width}}  {what}" for code, what in CHECK_RULES.items()))
        return
    if not campaigns:
        raise AdvocateError("advocate check needs a campaign file or bundled id",
                            hint="advocate check my-campaign.yaml")
    bad = unknown_codes(ignore or [])
    if bad:
        raise AdvocateError(problems=bad)
    if signers is None and (columns is not None or sheet_name is not None):
        raise AdvocateError("--columns and --sheet-name need --signers FILE")
    found: list[Problem] = []
    summary: list[dict[str, Any]] = []
    for name in expand_campaigns(campaigns):
        path = None
        skipped = 0
        try:
            path = resolve_campaign(name)
        except AdvocateError as exc:
            problems = exc.problems
        else:
            problems = check_campaign(path, max_age_days=max_age, render_pdfs=not no_pdf,
                                      templates=templates)
            problems, skipped = ignored(problems, ignore or [])
            if signers is not None:
                try:
                    from advocate.schema.campaign import load_campaign

                    loaded = [] if any(p.severity == "error" for p in problems) else \
                        [load_campaign(path)]  # its signers: section and languages
                    # The list's notices (columns ignored...) are printed, not counted: a
                    # form's time stamp column is no reason for --strict to fail.
                    rows = signer_rows(signer_source(
                        signers, encoding=encoding, dedupe=Dedupe.first, columns=columns,
                        sheet=sheet_name, on_bad_row=on_bad_row), loaded)
                except AdvocateError as exc:
                    problems = [*problems, *exc.problems]
                else:
                    from advocate.render.signer_fonts import font_problems_for

                    problems = [*problems, *font_problems_for(rows, [path], templates)]
        if strict:
            problems = strictly(problems)
        found += problems
        errors = sum(1 for p in problems if p.severity == "error")
        summary.append({"campaign": name, "file": str(path) if path else None,
                        "errors": errors, "warnings": len(problems) - errors,
                        "ignored": skipped})
        for problem in problems:
            if problem.severity == "error":
                fail(AdvocateError(problems=[problem]))
            else:
                warn([problem])
        if not errors:
            say(ok_line(name, len(problems), summary[-1], path, templates))
    if as_json:
        from advocate import json_output

        json_output.write(json_output.envelope("check", found, campaigns=summary), sys.stdout)
    if exit_code(found):
        raise typer.Exit(2)
