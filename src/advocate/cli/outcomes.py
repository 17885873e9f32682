"""``advocate log``, ``report`` and ``followup``: what became of the letters (advocate.outcomes)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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
from advocate.errors import AdvocateError, Problem


class Channel(StrEnum):
    post = "post"
    email = "email"
    hand = "hand"
    fax = "fax"


LogOpt = Annotated[Path | None, typer.Option(
    "--log", help="The outcomes log (default: CAMPAIGN.log.sqlite beside the campaign file; "
    "ID.log.sqlite here for a bundled campaign).", show_default=False)]


def _day(value: str | None, option: str) -> Any:
    from advocate.clock import today
    from advocate.outcomes.log import parse_day

    if value is None:
        return today()
    try:
        return parse_day(value, option)
    except ValueError as exc:
        raise AdvocateError(str(exc), hint="write dates as YYYY-MM-DD") from None


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
    from advocate.clock import today
    from advocate.outcomes.log import (
        LogEntry,
        LogResult,
        apply_entries,
        log_lines,
        log_path,
        read_tally,
        record_made,
    )
    from advocate.outcomes.store import LogStore

    loaded = load(campaign)
    actions = [name for name, given in (("--sent", sent is not None), ("--returned", returned),
                                        ("--replied", replied is not None),
                                        ("--no-reply", no_reply)) if given]
    if len(actions) > 1:
        raise AdvocateError(f"{' and '.join(actions)} cannot be logged at once",
                            hint="one event per command, or a tally sheet with --from")
    if actions and tally is not None:
        raise AdvocateError(f"{actions[0]} and --from: the tally sheet says what happened",
                            hint="give the event per row in its event column")
    if (references or target) and not actions:
        raise AdvocateError("what happened to these letters?",
                            hint="add --sent DATE --via post, --returned, --replied DATE "
                            "--summary TEXT or --no-reply")
    entries: list[Any] = []
    warnings: list[Problem] = []
    if tally is not None:
        entries, warnings = read_tally(tally, default_via=via.value if via else None)
    elif actions:
        kind = {"--sent": "sent", "--returned": "returned", "--replied": "replied",
                "--no-reply": "no_reply"}[actions[0]]
        day = _day(sent if kind == "sent" else replied if kind == "replied" else on,
                   actions[0].lstrip("-"))
        entries = [LogEntry(kind, day, references or [], target,
                            via.value if via else None, summary, reply_file)]
    path = log_path(loaded, log_file)
    with LogStore(path, loaded.id, create=bool(entries or made)) as store:
        result = LogResult(path, warnings=warnings)
        if made is not None:
            result.made = record_made(store, loaded, made, today())
        if entries:
            done = apply_entries(store, loaded, entries, today())
            result.events, result.references = done.events, done.references
            result.made += done.made
            result.cards = done.cards
        warn(result.warnings)
        if as_json:
            typer.echo(json.dumps(result.summary(), indent=2, ensure_ascii=False))
        elif not entries and made is None:
            for line in log_lines(store):
                typer.echo(line)
        else:
            logged = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.events.items())
            said = ([f"{result.made} new letters recorded"] if made is not None or result.made
                    else []) + ([f"logged {logged}"] if logged else []) + \
                ([f"{result.cards} cards counted"] if result.cards else [])
            typer.echo(f"advocate: {path}: {'; '.join(said) or 'nothing new'}", err=True)


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
        FORMATS,
        due_targets,
        followup_files,
        parse_after,
        write_followups,
    )
    from advocate.outcomes.log import log_path
    from advocate.outcomes.store import LogStore

    days = parse_after(after)
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise AdvocateError(f"unknown letter format '{(unknown or [''])[0]}'",
                            hint=f"use some of {', '.join(FORMATS)}")
    loaded = load(campaign)
    path = log_path(loaded, log_file)
    with LogStore(path, loaded.id, create=False) as store:
        dues = due_targets(store, loaded, days)
    day = today()
    if output is None:
        for due in dues:
            when = "due" if due.due <= day else "on"
            plural = "" if due.letters == 1 else "s"
            typer.echo(f"{due.target}: no reply since {due.first_day} ({due.letters} "
                       f"letter{plural}, first {due.reference}); follow-up {when} {due.due}")
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
