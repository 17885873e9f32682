"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success; 2 bad input or usage (every problem printed as
``advocate: error: file:line:col: message (hint)``); 74 the operating system refused
(a full disk, a read-only folder, permission denied: EX_IOERR of sysexits.h); 1 a bug;
130 interrupted. Stdout carries only the document (or JSON); every message goes to stderr.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from advocate import _startup, completion
from advocate.command_group import OPTIONS as _OPTIONS
from advocate.command_group import AdvocateGroup, Color, color_wanted, counted, paint
from advocate.command_group import Options as _Options
from advocate.errors import AdvocateError, Problem, format_problem, os_problem
from advocate.version import __version__

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="advocate",
    help="Turn a human-rights campaign file into letters, petitions, email drafts and "
    "briefing sheets. Offline, always.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=AdvocateGroup,  # -q, --color, --debug after the command too; readable help
)

#: Exit code when the operating system refuses (sysexits.h EX_IOERR): a full disk, a
#: read-only folder, a permission refused. Not a bug (1), not bad input (2).
EXIT_OS_ERROR = 74

#: The JSON shape of the running command's --json output (advocate.json_output), if any:
#: a failure then prints its errors as JSON on stdout too.
_JSON: ContextVar[str | None] = ContextVar("advocate_cli_json", default=None)


def _echo_err(line: str, label: str) -> None:
    painted = paint(line, label, sys.stderr)
    typer.echo(painted, err=True, color=painted != line or None)  # else echo strips it


def say(message: str) -> None:
    """An informational line (``advocate: wrote ...``, ``advocate: ok: ...``) on stderr;
    nothing with --quiet, which keeps errors only."""
    if not _OPTIONS.get().quiet:
        _echo_err(f"advocate: {message}", "ok" if message.startswith("ok:") else "")


def warn(problems: Iterable[Problem]) -> None:
    """Print warnings (each once) to stderr."""
    if _OPTIONS.get().quiet:
        return
    seen: set[str] = set()
    for problem in problems:
        line = format_problem(problem)
        if line not in seen:
            seen.add(line)
            _echo_err(line, problem.severity)


def fail(exc: AdvocateError) -> None:
    for problem in exc.problems:
        _echo_err(format_problem(problem), problem.severity)


def _json_failure(problems: Sequence[Problem]) -> None:
    """With --json, a failure is JSON on stdout too (its messages are on stderr as ever)."""
    kind = _JSON.get()
    if kind is not None:
        from advocate import json_output

        json_output.write(json_output.failure(kind, problems), sys.stdout)
        sys.stdout.flush()


def handles_errors(command: F) -> F:
    """Turn AdvocateError into its messages and exit 2; any other exception is a bug: exit 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            from advocate import encryption  # (lightweight: pyrage loads on use)

            key = encryption.AgeKey.from_options(**{
                name: kwargs[name] for name in ("passphrase_file", "passphrase_fd", "identity")
                if kwargs.get(name) is not None})
            with encryption.keys(key):
                return command(*args, **kwargs)
        except AdvocateError as exc:
            fail(exc)
            _json_failure(exc.problems)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt as exc:
            from advocate.limits import Terminated

            if isinstance(exc, Terminated):  # SIGTERM, SIGHUP: as Ctrl-C, 128 + the signal
                typer.echo(f"advocate: interrupted ({exc})", err=True)
                raise typer.Exit(128 + exc.signum) from None
            typer.echo("advocate: interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except OSError as exc:  # a full disk, a read-only folder: not a bug (74, not 1)
            problem = os_problem(exc)
            _echo_err(format_problem(problem), "error")
            with contextlib.suppress(OSError):
                _json_failure([problem])
            raise typer.Exit(EXIT_OS_ERROR) from None
        except Exception as exc:
            # The message of an unexpected exception may hold personal data: name only its type.
            typer.echo(f"advocate: internal error: {type(exc).__name__} (this is a bug; please "
                       "report it; --debug shows the traceback)", err=True)
            if _OPTIONS.get().debug:
                typer.echo("advocate: warning: the traceback below may contain personal data",
                           err=True)
                traceback.print_exc()
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"advocate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors "
                                        "(they may contain personal data).")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print errors only: no warnings, no progress, no 'wrote' or "
        "'ok' lines (before or after the command).")] = False,
    color: Annotated[Color | None, typer.Option(
        "--color", help="Colour the messages: auto (on a terminal, unless NO_COLOR is set), "
        "always or never.", show_default=False)] = None,
) -> None:
    """advocate: campaign files to letters, petitions, email drafts and briefs.

    Exit codes: 0 success; 2 bad input or usage; 74 the operating system refused (a full
    disk, a read-only folder, permission denied); 1 a bug; 130 interrupted."""
    _OPTIONS.set(_Options(debug=debug, quiet=quiet, color=color or Color.auto))
    _JSON.set(None)  # until a command with --json says otherwise


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


_AHEAD = {"allowed": False}  # set by main(): only the command starts the engine ahead


def _engine_ahead(campaign: str, templates: Path | None) -> bool:
    """A PDF is coming: load WeasyPrint in a child process meanwhile (render/pdf/ahead.py).
    Not for a pack's templates: their layouts render in the confined child instead."""
    if not _AHEAD["allowed"]:
        return False
    from advocate.campaigns import resolve_campaign
    from advocate.templates.roots import template_roots, untrusted_roots

    try:
        if untrusted_roots(template_roots(templates, resolve_campaign(campaign))):
            return False
    except AdvocateError:
        return False  # the command says what is wrong
    from advocate.render.pdf import ahead

    return ahead.start()


def _load(name: str) -> Any:
    return _load_checked(name)[0]


def _load_checked(name: str) -> tuple[Any, list[Problem]]:
    """The campaign, its warnings printed (and returned)."""
    from advocate.campaigns import resolve_campaign
    from advocate.schema.campaign import load_campaign_checked

    campaign, warnings = load_campaign_checked(resolve_campaign(name))
    warn(warnings)
    return campaign, warnings


def _signer_reader(path: Path, encoding: str | None, dedupe: Dedupe, columns: str | None,
                   sheet: str | None, max_size: str | None, campaigns: Sequence[Any] = (),
                   languages: Sequence[str] = (), on_bad_row: OnBadRow = OnBadRow.error) -> Any:
    """A SignerReader set up from the options, then from the campaigns' signers: sections."""
    return _signer_source(path, encoding, dedupe, columns, sheet, max_size,
                          on_bad_row).reader(campaigns, languages)


def _signer_source(path: Path, encoding: str | None, dedupe: Dedupe, columns: str | None,
                   sheet: str | None, max_size: str | None,
                   on_bad_row: OnBadRow = OnBadRow.error) -> Any:
    from advocate.signers.source import SignerSource

    return SignerSource(path, encoding=encoding, dedupe="first" if dedupe is Dedupe.first
                        else "error", columns=columns, sheet=sheet, max_size=max_size,
                        on_bad_row=on_bad_row.value)


def _skipped(reader: Any) -> None:
    """What --on-bad-row skip left out, on stderr: row, column and reason, never content."""
    stats = reader.stats
    if stats.skipped_count:
        from advocate.signers.skipped import skipped_problems

        warn(skipped_problems(stats.file, stats.skipped, stats.skipped_count))


def _signers(path: Path | None, encoding: str | None, dedupe: Dedupe, columns: str | None = None,
             sheet: str | None = None, max_size: str | None = None,
             campaigns: Sequence[Any] = (), compact: bool = False,
             on_bad_row: OnBadRow = OnBadRow.error,
             notices: list[Problem] | None = None) -> Any:
    """The signer list; ``compact``: only what a petition prints (a million rows fit)."""
    if path is None:
        if columns is not None or sheet is not None:
            raise AdvocateError("--columns and --sheet-name need --signers FILE")
        return None
    from advocate.signers.read import SignerList

    reader = _signer_reader(path, encoding, dedupe, columns, sheet, max_size, campaigns,
                            on_bad_row=on_bad_row)
    if compact:
        from advocate.signers.compact import PetitionSigners

        rows: Any = PetitionSigners.of(reader)
    else:
        rows = SignerList.of(reader)  # with the duplicates dropped, which build reports
    if notices is not None:  # the caller reports them (build: in its JSON too)
        notices.extend(reader.stats.notices)
    else:
        warn(reader.stats.notices)
    _skipped(reader)
    return rows


def _font_problems(rows: Any, campaign_paths: Sequence[Path | None],
                   templates: Path | None) -> list[Problem]:
    """Rows a PDF could not draw, for each campaign's template pack (each problem once)."""
    from advocate.render.documents import font_problems

    found: list[Problem] = []
    for path in campaign_paths:
        found += [p for p in font_problems(rows, campaign_path=path, templates=templates)
                  if p not in found]
    return found


def _emit(data: str | bytes, out: Path | None, force: bool, inputs: Sequence[Path | None],
          roots: Sequence[Path] = ()) -> None:
    """The document to stdout (``-o -`` too), or atomically to ``-o`` (never over an input or
    a template, never over anything but a regular file)."""
    dash = out is not None and str(out) == "-"
    if out is None or dash:
        if isinstance(data, bytes):  # to a pipe or a file (> l.pdf), never to a terminal
            if sys.stdout.isatty():
                raise AdvocateError("a PDF cannot go to the terminal",
                                    hint="pass -o FILE.pdf, or redirect: > FILE.pdf")
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(data)
        sys.stdout.flush()
        return
    from advocate.output.files import guard_output, write_file

    guard_output(out, inputs=[p for p in inputs if p is not None], forbidden_dirs=roots)
    write_file(out, data.encode("utf-8") if isinstance(data, str) else data, force=force)
    say(f"wrote {out}")


def _refuse_output_early(out: Path | None, force: bool) -> None:
    """An -o that would be refused (a file there without --force, no such folder) is refused
    before seconds of rendering, not after; the write checks again."""
    if out is not None and str(out) != "-":
        from advocate.output.files import check_output_file

        check_output_file(out, force=force)


def _document(campaign: str, templates: Path | None, paper: Paper, fmt: str,
              output: Path | None, force: bool, signers: Path | None,
              make: Callable[[Any], Any], day: datetime | None = None) -> None:
    """Load a campaign, render one document in one format, and write it out."""
    _refuse_output_early(output, force)
    if fmt == "pdf" and signers is None:
        _engine_ahead(campaign, templates)
    from advocate.render.documents import Renderer

    loaded = _load(campaign)
    renderer = Renderer(loaded, templates=templates, paper=paper.value,
                        day=day.date() if day else None)
    document = make(renderer)
    data = renderer.pdf([document]) if fmt == "pdf" else renderer.format([document], fmt)
    warn(document.warnings)
    _emit(data, output, force, [loaded.path, signers], renderer.roots)


# -- commands --------------------------------------------------------------------------

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
        _JSON.set("validate")
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
            reader = _signer_reader(signers, encoding, dedupe, columns, sheet_name,
                                    max_signers_size, loaded, on_bad_row=on_bad_row)
            paths = [c.path for c in loaded] or [None]
            fonts: list[Problem] = []
            chunk: list[Any] = []
            for row in reader:  # checked in chunks: the list is read as a stream
                chunk.append(row)
                if len(chunk) == 10_000:
                    fonts += [p for p in _font_problems(chunk, paths, None) if p not in fonts]
                    chunk = []
            fonts += [p for p in _font_problems(chunk, paths, None) if p not in fonts]
            warn(reader.stats.notices)
            _skipped(reader)
            warn(p for p in fonts if p.severity == "warning")
            problems.extend(reader.stats.notices)
            problems.extend(fonts)
            if not any(p.severity == "error" for p in fonts):
                stats = reader.stats
                signer_stats = {"file": str(signers), "layout": stats.layout,
                                "sheet": stats.sheet, "rows": stats.rows,
                                "duplicates": stats.duplicates, "signers": stats.signers,
                                "public": stats.public}
                say(f"ok: {signers}: {_summary(reader.stats)}")
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


def _summary(stats: Any) -> str:
    """``Google Forms responses (sheet 'Form Responses 1'): 120 rows, 2 duplicates, …``."""
    where = f" (sheet '{stats.sheet}')" if stats.sheet else ""
    return (f"{stats.layout}{where}: {counted(stats.rows, 'row')}, "
            f"{counted(stats.duplicates, 'duplicate')} dropped, "
            f"{counted(stats.signers, 'signer')}, {stats.public:,} consenting to be named")


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
        _JSON.set("check")
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
                    rows = _signers(signers, encoding, Dedupe.first, columns, sheet_name,
                                    campaigns=loaded, on_bad_row=on_bad_row)
                except AdvocateError as exc:
                    problems = [*problems, *exc.problems]
                else:
                    problems = [*problems, *_font_problems(rows, [path], templates)]
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
    request = None
    _refuse_output_early(output, force)
    from advocate.render import letter_cache

    if signers is None and columns is None and sheet_name is None and \
            letter_date is None and fmt.value in letter_cache.FORMATS:
        # One writer's letter: from the stencil kept by an earlier run, if nothing changed.
        from advocate.campaigns import resolve_campaign

        request = letter_cache.LetterRequest(resolve_campaign(campaign), to, lang, templates,
                                             fmt.value, paper.value, writer)
        warn(p for p in [letter_cache.folder_problem()] if p is not None)
        kept = letter_cache.cached_letters(request)
        if kept is not None:
            warn(kept.load_warnings)
            warn(kept.letter_warnings)
            _emit(kept.data, output, force, [request.campaign], kept.roots)
            return
    if fmt is LetterFormat.pdf:
        _engine_ahead(campaign, templates)
    from advocate.render.documents import Renderer

    loaded, load_warnings = _load_checked(campaign)
    renderer = Renderer(loaded, templates=templates, paper=paper.value,
                        day=letter_date.date() if letter_date else None)
    if to:
        loaded.target(to)  # an unknown target is refused before the signer list is read
    rows = _signers(signers, encoding, dedupe, columns, sheet_name, max_signers_size, [loaded])
    writers: list[Writer | None] = [Writer.from_signer(s) for s in rows] \
        if rows is not None else [writer]
    documents = renderer.letters(to, writers, lang)
    data: str | bytes
    if fmt is LetterFormat.eml:
        data = renderer.eml_draft(documents).decode("ascii")
    elif fmt.value == "pdf":
        data = renderer.pdf(documents)
    else:
        data = renderer.format(documents, fmt.value)
    warn(p for doc in documents for p in doc.warnings)
    _emit(data, output, force, [loaded.path, signers], renderer.roots)
    if request is not None and isinstance(data, str):
        letter_cache.remember_letters(request, renderer, documents, load_warnings, data)


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
    def make(renderer: Any, progress: Callable[[int, int], None] | None) -> Any:
        if fmt is PetitionFormat.pdf and not sheet:
            renderer.expect_petition_pdf(signers)
        rows = _signers(signers, encoding, dedupe, columns, sheet_name, max_signers_size,
                        [renderer.campaign], compact=fmt is PetitionFormat.pdf and not sheet)
        renderer.petition_progress = progress  # a long petition renders in parts
        return renderer.sheet(lang) if sheet else renderer.petition(
            rows, lang, for_pdf=fmt is PetitionFormat.pdf)

    with _progress(enabled=fmt is PetitionFormat.pdf and not sheet,
                   label="petition pages") as progress:
        _document(campaign, templates, paper, fmt.value, output, force, signers,
                  lambda r: make(r, progress), letter_date)


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
    _document(campaign, templates, paper, fmt.value, output, force, None,
              lambda r: r.brief(lang), letter_date)


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

    loaded = _load(campaign)
    result = write_site(loaded, output, templates=templates, lang=lang, force=force,
                        paper=paper.value)
    warn(result.warnings)
    say(f"wrote {counted(len(result.files), 'file')} to {output}")


@app.command(epilog="Example: advocate build kazakhstan-2022 --signers signers.csv -o out/")
@handles_errors
def build(
    campaigns: Annotated[list[str], typer.Argument(
        help="Campaign files, bundled ids, or folders of campaign files.",
        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.",
                                          metavar="DIR")]
    = Path("out"),
    signers: SignersOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
    dedupe: DedupeOpt = Dedupe.error,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    max_signers_size: MaxSizeOpt = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes for the letters (default: every core).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files from an earlier "
                                        "build.")] = False,
    as_json: JsonOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be written; "
                                          "write nothing.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Treat warnings as errors: exit 2 and write nothing.")] = False,
    letter_date: DateOpt = None,
    formats: Annotated[str, typer.Option(
        "--formats", help="Letter formats, comma-separated: txt, eml, pdf, md, html.")]
    = "txt,eml,pdf",
    documents: Annotated[bool, typer.Option(
        "--documents/--no-documents", help="Also write the brief, petition and signature "
        "sheet (--no-documents: only the letters, index.html and manifest.json).")] = True,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Write the brief, petition, sheet, index page and action page in this "
        "one language (default: the brief, petition and sheet in every language of the "
        "campaign, brief.pdf in its own and brief.es.pdf... in each translation). It changes "
        "no letter: each is in its target's language.", show_default=False)] = None,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Build, then build again whenever a campaign, the signer list or a "
        "template changes, until Ctrl-C (each rebuild overwrites the last).")] = False,
    site: Annotated[bool, typer.Option(
        "--site", help="Also write the action page (as `advocate site`) into each "
        "campaign's folder: under site/ in the campaign's language, and under site/LANG/ in "
        "each of its other languages (with --lang, that one page only).")] = False,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="Render only shard K of N (K from 0): the letters of the signers on "
        "rows r with (r-1) mod N = K. auto/N takes K from ADVOCATE_SHARD_INDEX, "
        "JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID. Join the shards with `advocate merge`.",
        metavar="K/N", show_default=False)] = None,
    on_bad_row: BadRowOpt = OnBadRow.error,
    documents_shard: Annotated[int | None, typer.Option(
        "--documents-shard", min=0, help="With --shard: the shard that renders the brief, "
        "petition and sheet (default: none does, `advocate merge` renders them).",
        metavar="D", show_default=False)] = None,
) -> None:
    """Every document of every campaign: brief, petition, sheet, a letter per signer and
    target (txt, eml, pdf), an index.html (in pages of 2,000 letters past that) and a
    manifest.json. All or nothing."""
    from advocate import build as builder
    from advocate.campaigns import expand_campaigns, resolve_campaign

    if as_json:
        _JSON.set("build")
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    builder.check_formats(wanted)
    share = None
    if shard is not None:
        from advocate.shard import parse_shard

        share = parse_shard(shard, documents=documents_shard)
        if watch:
            raise AdvocateError("--shard cannot be combined with --watch",
                                hint="build the shards, then `advocate merge` them")
    elif documents_shard is not None:
        raise AdvocateError("--documents-shard needs --shard K/N")
    if watch and (dry_run or as_json):
        raise AdvocateError("--watch cannot be combined with --dry-run or --json",
                            hint="--watch keeps building until Ctrl-C")
    paths = [resolve_campaign(name) for name in expand_campaigns(campaigns)]

    def once(overwrite: bool) -> None:
        loaded = []
        if signers is not None:
            from advocate.schema.campaign import load_campaign

            loaded = [load_campaign(path) for path in paths]
        from advocate.signers.skipped import REPORT_NAME, build_reports

        notices: list[Problem] = []
        rows = _signers(signers, encoding, dedupe, columns, sheet_name, max_signers_size,
                        loaded, on_bad_row=on_bad_row, notices=notices)
        reports = build_reports(rows)
        if reports:
            notices = [p if "--on-bad-row skip" not in p.message else Problem(
                p.message, p.file, hint=f"{output / REPORT_NAME} lists each row and why, "
                "never its content", severity="warning") for p in notices]
        with _progress(enabled=not dry_run) as progress:
            result = builder.build(paths, output, signers=rows, templates=templates,
                                   jobs=jobs, force=overwrite, dry_run=dry_run, lang=lang,
                                   paper=paper.value, formats=wanted, progress=progress,
                                   documents=documents, site=site,
                                   inputs=[signers] if signers else [], shard=share,
                                   signer_source=_signer_source(
                                       signers, encoding, dedupe, columns, sheet_name,
                                       max_signers_size, on_bad_row) if signers else None,
                                   strict=strict,
                                   day=letter_date.date() if letter_date else None,
                                   notices=notices,
                                   reports=reports)
        warn(result.warnings)
        if as_json:
            from advocate import json_output

            json_output.write(result.summary(), sys.stdout, files=result.files)
        elif dry_run:
            typer.echo("\n".join(str(output / p) for p in result.files))
        else:
            dropped = max((c.get("dropped_duplicates", 0) for c in result.campaigns), default=0)
            say(f"wrote {counted(len(result.files), 'file')} to {output} in "
                f"{result.seconds:.1f} s" + (
                    f" ({counted(dropped, 'duplicate signer row')} dropped)" if dropped else ""))

    if not watch:
        once(force)
        return
    from advocate.watch import watch as watch_inputs
    from advocate.watch import watched_paths

    built: list[bool] = []

    def rebuild() -> None:
        once(force or bool(built))  # later builds replace this session's own output
        built.append(True)

    say("watching for changes (Ctrl-C stops)")
    watch_inputs(watched_paths(paths, signers, templates), rebuild, on_error=fail)


@app.command("merge", epilog="Example: advocate merge out/shard-0 out/shard-1 -o out/all")
@handles_errors
def merge(
    shard_dirs: Annotated[list[Path], typer.Argument(
        help="The output folders of `advocate build --shard K/N`, one per shard.",
        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.",
                                          metavar="DIR")]
    = Path("out"),
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes for a long petition's PDF (default: "
        "every core).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files from an earlier "
                                        "build.")] = False,
    as_json: JsonOpt = False,
    campaign: Annotated[list[str] | None, typer.Option(
        "--campaign", help="Where a campaign file is now, if not where the shards read it "
        "(repeatable; checked by its sha256).", show_default=False)] = None,
    signers: Annotated[Path | None, typer.Option(
        "--signers", help="Where the signer list is now, if not where the shards read it "
        "(checked by its sha256).", show_default=False)] = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    templates: Annotated[Path | None, typer.Option(
        "--templates", help="Where the --templates folder of the shards is now, if it moved "
        "(checked by its hash).", show_default=False)] = None,
) -> None:
    """Join the shards of one build into one output, exactly as one unsharded build would
    write it (one manifest.json, one index). Refuses shards of different campaigns,
    inputs, options or versions, and missing or overlapping shards. Reads the campaign,
    signer list and templates again from where the shards read them (or from --campaign,
    --signers, --templates). All or nothing."""
    from advocate.campaigns import resolve_campaign
    from advocate.merge import merge as join

    if as_json:
        _JSON.set("build")
    with _progress(enabled=True, label="merging") as progress:
        result = join(shard_dirs, output, force=force, jobs=jobs, progress=progress,
                      campaigns=[resolve_campaign(name) for name in campaign or []],
                      signers=signers, templates=templates)
    warn(result.warnings)
    if as_json:
        from advocate import json_output

        json_output.write(result.summary("merge"), sys.stdout, files=result.files)
    else:
        say(f"merged {counted(len(shard_dirs), 'shard')}: wrote "
            f"{counted(len(result.files), 'file')} to {output} in {result.seconds:.1f} s")


@contextmanager
def _progress(*, enabled: bool,
              label: str = "building") -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal; nothing in a pipe or a file."""
    if not enabled or not sys.stderr.isatty() or _OPTIONS.get().quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    # Refreshed by the updates themselves, at most ten times a second, rather than by a
    # thread of rich's: a build forks its PDF workers only while it runs a single thread.
    # rich hears of the count only when it is drawn (a build reports every file: 20,000
    # updates for 10,000 letters), so a terminal costs a build next to nothing
    # (benchmarks/bench.py --only-peers measures it against a pipe).
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), auto_refresh=False,
                  console=Console(stderr=True, no_color=not color_wanted(sys.stderr)),
                  transient=True) as bar:
        task = bar.add_task(label, total=None)
        shown = 0.0

        def update(done: int, total: int) -> None:
            nonlocal shown
            now = time.monotonic()
            if now - shown >= 0.1 or done >= total:
                shown = now
                bar.update(task, completed=done, total=total, refresh=True)

        yield update


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

    _refuse_output_early(output, force)
    loaded = [_load(campaign)] if campaign is not None else []
    reader = _signer_reader(file, encoding, dedupe, columns, sheet_name, max_signers_size,
                            loaded, lang or (), on_bad_row=on_bad_row)
    data, count = export_signers(reader, to.value, include_all=include_all)
    warn(reader.stats.notices)
    _skipped(reader)
    say(f"ok: {file}: {_summary(reader.stats)}; writing {count:,}")
    _emit(data.decode("utf-8"), output, force, [file])


@app.command("list", epilog="Example: advocate list")
@handles_errors
def list_(as_json: JsonOpt = False) -> None:
    """List the bundled campaigns (with their languages) and the built-in templates."""
    from advocate.campaigns import catalogue, catalogue_data

    if as_json:
        from advocate import json_output

        _JSON.set("list")
        json_output.write(json_output.envelope("list", **catalogue_data()), sys.stdout)
        return
    typer.echo("\n".join(catalogue()))


@app.command(epilog="Example: advocate verify out/")
@handles_errors
def verify(
    folder: Annotated[Path, typer.Argument(
        help="The -o folder of `advocate build` (or of `advocate merge`), or one campaign's "
        "folder in it.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """Check a build's files against its manifest.json: every file listed is there, with
    its size and sha256. Exit 0, or 2 with each file missing or changed; files no
    manifest lists are warnings."""
    from advocate.verify import verify_build

    if as_json:
        _JSON.set("verify")
    report = verify_build(folder)
    warn(p for p in report.problems if p.severity == "warning")
    if as_json:
        from advocate import json_output

        json_output.write(json_output.envelope(
            "verify", report.problems, folder=str(report.folder), manifests=report.manifests,
            files=report.files), sys.stdout)
    if not report.ok:
        fail(AdvocateError(problems=[p for p in report.problems if p.severity == "error"]))
        raise typer.Exit(2)
    say(f"ok: {folder}: {counted(report.files, 'file')} match "
        f"{counted(len(report.manifests), 'manifest')}")


@app.command(epilog="Example: advocate new my-campaign --templates. Example: advocate new "
             "--lang az --dir campaigns/ (wording templates for Azerbaijani beside the "
             "campaign)")
@handles_errors
def new(
    name: Annotated[str | None, typer.Argument(
        help="The new campaign's id (lowercase, hyphens); optional with --lang.",
        show_default=False)] = None,
    directory: Annotated[Path, typer.Option("--dir", "-d", help="Where to write it.")]
    = Path("."),
    templates: Annotated[bool, typer.Option(
        "--templates", help="Also copy the built-in templates into templates/ to edit.")]
    = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="CODE", help="Write wording templates for a new language into "
        "templates/CODE/ (the English wording, each line to translate marked). Never "
        "overwrites.", show_default=False)] = None,
) -> None:
    """Write a campaign skeleton that validates, with comments that teach the format; or,
    with --lang, the wording templates for a new language beside the campaign."""
    from advocate.scaffold import scaffold, wording_templates

    if name is None and lang is None:
        raise AdvocateError("advocate new needs a campaign id, or --lang CODE",
                            hint="advocate new my-campaign, or advocate new --lang az")
    written = scaffold(name, directory, templates=templates) if name is not None else []
    if lang is not None:
        written += wording_templates(lang, directory)
    for path in written:
        say(f"wrote {path}")


class SchemaName(StrEnum):
    campaign = "campaign"
    build = "build"
    check = "check"
    validate = "validate"
    list = "list"
    verify = "verify"
    manifest = "manifest"
    signers_osdi = "signers-osdi"


@app.command(epilog="Example: advocate schema > campaign.schema.json. Example: advocate "
             "schema build > build-1.schema.json")
@handles_errors
def schema(
    name: Annotated[SchemaName, typer.Argument(
        help="Which: the campaign format, or a JSON output (build is also merge's; "
        "signers-osdi is `signers --to osdi-json`).")] = SchemaName.campaign,
) -> None:
    """Print a JSON Schema: of the campaign format (for editors), or of a JSON output.

    Every --json output and manifest.json says which schema it follows in its "schema" key
    (e.g. "build-1.schema.json"; the number is the major version)."""
    if name is SchemaName.campaign:
        from advocate.schema.campaign import campaign_schema

        typer.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))
        return
    from advocate.json_output import schema_text

    sys.stdout.write(schema_text(name.value))


_EXIT_CODE: list[int] = []  # the command's exit code, for _end_without_teardown


def _end_without_teardown() -> None:
    """The last exit handler (registered first, and atexit runs its handlers last-in,
    first-out): every other handler has run; with WeasyPrint loaded, end the process here,
    before the interpreter's teardown (see :func:`main`)."""
    if "weasyprint" not in sys.modules or not _EXIT_CODE:
        return
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(_EXIT_CODE[0])


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
    _engine_ahead(campaign, templates)
    from advocate.kit import KitOptions, write_kit
    from advocate.kit.plan import event_day

    loaded = _load(campaign)
    options = KitOptions(day=event_day(date), place=place, paper=paper.value,
                         posters=tuple(poster_size or ()), langs=tuple(lang or ()),
                         templates=templates)
    made = write_kit(loaded, output, options, force=force)
    warn(made.warnings)
    typer.echo(f"advocate: wrote {len(made.files)} files to {output}", err=True)


def main() -> None:
    """Entry point of the ``advocate`` command (and of ``python -m advocate``).

    Once the command is done, the process ends without tearing down the interpreter:
    unloading WeasyPrint's C libraries and collecting its object graph is work for nothing.
    Measured 2026-11-29 on this project's 2-core machine, `advocate brief kazakhstan-2022
    -o b.pdf`, three runs each: 1.69-1.89 s with this exit against 1.90-2.03 s with a
    normal ``sys.exit`` (about 0.15 s, 8-10 %). It is done with public APIs only: the exit
    handler registered first runs last (``atexit`` runs handlers last-in, first-out), after
    every other one (they remove temporary font files, end helper processes), and calls
    ``os._exit`` once both streams are flushed; every output file is already closed and
    published. Without WeasyPrint loaded, the normal exit is used.
    """
    import atexit

    from advocate.children import isolate_import_path
    from advocate.limits import handle_termination

    isolate_import_path()  # nothing from the working folder, here or in any child
    atexit.register(_end_without_teardown)
    _startup.no_pydantic_plugins()  # (the library leaves the choice to its host)
    _AHEAD["allowed"] = True
    handle_termination()
    for number, argument in enumerate(sys.argv[1:], 1):
        if any("\udc80" <= ch <= "\udcff" for ch in argument):  # undecodable bytes
            typer.echo(f"advocate: error: argument {number} is not valid UTF-8 (check the "
                       "terminal's encoding, or rename the file)", err=True)
            sys.exit(2)
    try:
        _startup.one_command(app, sys.argv[1:])(prog_name="advocate")
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    try:
        sys.stdout.flush()
    except OSError:  # stdout is a full disk or a closed pipe: said already, or nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error
    _EXIT_CODE.append(code)
    sys.exit(code)


# -- outcomes: log, report, followup (advocate.outcomes) ---------------------------------

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

    loaded = _load(campaign)
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

    loaded = _load(campaign)
    path = log_path(loaded, log_file)
    with LogStore(path, loaded.id, create=False) as store:
        if fmt is ReportFormat.osdi:
            from advocate.outcomes.osdi import outreaches

            data: str | bytes = outreaches(store, loaded)
        else:
            data = render_report(make_report(store, loaded, today()), fmt.value)
    _emit(data, output, force, [loaded.path, path])


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
    loaded = _load(campaign)
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
