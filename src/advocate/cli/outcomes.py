"""``advocate log``, ``report`` and ``followup``: what became of the letters (advocate.outcomes)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advocate.cli.common import app, emit, handles_errors, load, warn
from advocate.cli.options import (
    CampaignArg,
    ForceOpt,
    LangOpt,
    OutOpt,
    Paper,
    PaperOpt,
    TemplatesOpt,
)


class Channel(StrEnum):
    post = "post"
    email = "email"
    hand = "hand"
    fax = "fax"


LogOpt = Annotated[Path | None, typer.Option(
    "--log", help="The outcomes log (default: CAMPAIGN.log.sqlite beside the campaign file; "
    "ID.log.sqlite here for a bundled campaign).", show_default=False)]


@app.command("log", epilog="Example: advocate log kazakhstan-2022 H2D3D-Q54G5 --sent "
             "2026-02-03 --via post. Example: advocate log my.yaml --from tally.csv")
@handles_errors
def log_(
    campaign: CampaignArg,
    references: Annotated[list[str] | None, typer.Argument(
        help="Letter references, as printed at each letter's foot.", show_default=False)]
    = None,
    sent: Annotated[str | None, typer.Option("--sent", metavar="DATE",
                                             help="Sent on DATE (needs --via).")] = None,
    via: Annotated[Channel | None, typer.Option("--via", help="How it was sent.")] = None,
    returned: Annotated[bool, typer.Option("--returned", help="Came back undelivered "
                                           "(on --on DATE, default today).")] = False,
    replied: Annotated[str | None, typer.Option("--replied", metavar="DATE",
                                                help="A reply came on DATE.")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="The reply in one line.")]
    = None,
    reply_file: Annotated[Path | None, typer.Option("--file", help="The reply itself (a scan, "
                                                    "a PDF, an .eml), kept in the log.")] = None,
    no_reply: Annotated[bool, typer.Option("--no-reply", help="No reply came (as of --on "
                                           "DATE, default today).")] = False,
    on: Annotated[str | None, typer.Option("--on", metavar="DATE", help="The date for "
                                           "--returned and --no-reply.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Every letter to this target "
                                               "(a whole batch).")] = None,
    tally: Annotated[Path | None, typer.Option("--from", metavar="CSV", help="Entries from a "
                                               "CSV tally sheet (see docs/outcomes.md).")] = None,
    made: Annotated[Path | None, typer.Option("--made", metavar="OUT", help="Record the "
                                              "letters a build made (its folder or "
                                              "manifest.json).")] = None,
    log_file: LogOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was logged as JSON.")]
    = False,
) -> None:
    """Record what was sent, returned undelivered and answered, in a local SQLite log.
    With no entry to record, print the log."""
    from advocate.outcomes.log_run import LogRequest, log_outcomes

    loaded = load(campaign)
    result = log_outcomes(loaded, LogRequest(
        references=tuple(references or ()), sent=sent, via=via.value if via else None,
        returned=returned, replied=replied, summary=summary, reply_file=reply_file,
        no_reply=no_reply, on=on, target=target, tally=tally, made=made), log_file=log_file)
    warn(result.warnings)
    if as_json:
        typer.echo(json.dumps(result.summary(), indent=2, ensure_ascii=False))
    elif result.lines is not None:
        for line in result.lines:
            typer.echo(line)
    else:
        typer.echo(f"advocate: {result.message()}", err=True)


class ReportFormat(StrEnum):
    txt = "txt"
    json = "json"
    csv = "csv"
    html = "html"
    pdf = "pdf"
    osdi = "osdi"


@app.command("report", epilog="Example: advocate report kazakhstan-2022 --format pdf "
             "-o outcomes.pdf")
@handles_errors
def report_(
    campaign: CampaignArg,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")]
    = ReportFormat.txt,
    output: OutOpt = None,
    force: ForceOpt = False,
    log_file: LogOpt = None,
) -> None:
    """What happened to the letters, per target and over time: made, sent, returned,
    replied, reply rate, median days to a reply (from the outcomes log). --format osdi:
    the sent letters as OSDI outreaches (JSON) for Action Network."""
    from advocate.clock import today
    from advocate.outcomes.log import log_path
    from advocate.outcomes.report import make_report, render_report
    from advocate.outcomes.store import LogStore

    loaded = load(campaign)
    path = log_path(loaded, log_file)
    with LogStore(path, loaded.id, create=False) as store:
        if fmt is ReportFormat.osdi:
            from advocate.outcomes.osdi import outreaches

            data: str | bytes = outreaches(store, loaded)
        else:
            data = render_report(make_report(store, loaded, today()), fmt.value)
    emit(data, output, force, [loaded.path, path])


@app.command("followup", epilog="Example: advocate followup kazakhstan-2022 --after 30d "
             "-o followup/")
@handles_errors
def followup_(
    campaign: CampaignArg,
    after: Annotated[str, typer.Option("--after", help="Follow up when the first letter has "
                                       "had no reply for this long: 30d, 4w.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the letters, followup.ics, targets.vcf and "
        "followup.json into this folder (without it: list the targets due).",
        show_default=False)] = None,
    formats: Annotated[str, typer.Option(
        "--formats", help="Letter formats, comma-separated: txt, md, html, pdf, eml.")]
    = "txt,pdf",
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite earlier files.")] = False,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    log_file: LogOpt = None,
) -> None:
    """Second letters to the targets that have not replied, citing the first letter's date
    and reference; a calendar (.ics) of follow-up dates and deadlines; the targets as vCards."""
    from advocate.clock import today
    from advocate.outcomes.followup import (
        due_targets,
        followup_files,
        parse_after,
        parse_formats,
        write_followups,
    )
    from advocate.outcomes.log import log_path
    from advocate.outcomes.store import LogStore

    days = parse_after(after)
    wanted = parse_formats(formats)
    loaded = load(campaign)
    path = log_path(loaded, log_file)
    with LogStore(path, loaded.id, create=False) as store:
        dues = due_targets(store, loaded, days)
    day = today()
    if output is None:
        for due in dues:
            typer.echo(due.line(day))
        if not dues:
            typer.echo("advocate: no target is waiting for a reply", err=True)
        return
    from advocate.render.documents import Renderer

    renderer = Renderer(loaded, templates=templates, paper=paper.value)
    files, warnings = followup_files(renderer, loaded, dues, day, wanted, lang)
    warn(warnings)
    written = write_followups(output, files, force=force, inputs=[loaded.path, path])
    letters = sum(1 for d in dues if d.due <= day)
    typer.echo(f"advocate: wrote {len(written)} files to {output} ({letters} follow-up "
               f"letter{'' if letters == 1 else 's'})", err=True)
