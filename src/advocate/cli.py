"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success; 2 bad input or usage (every problem printed as
``advocate: error: file:line:col: message (hint)``); 1 a bug; 130 interrupted.
Stdout carries only the document (or JSON); every message goes to stderr.
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
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from advocate import __version__, _startup
from advocate.errors import AdvocateError, Problem, format_problem

_startup.install()  # no Pydantic TypeAdapter per option (see advocate._startup)

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="advocate",
    help="Turn a human-rights campaign file into letters, petitions, email drafts and "
    "briefing sheets. Offline, always.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

@dataclass(frozen=True)
class _Options:
    """The global options of one invocation (--debug, --quiet)."""

    debug: bool = False
    quiet: bool = False


# Set by the callback at the start of each invocation; a context variable rather than a
# mutable module dict, so one invocation (e.g. under CliRunner) never sees another's.
_OPTIONS: ContextVar[_Options] = ContextVar(
    "advocate_cli_options", default=_Options())  # noqa: B039 (frozen: immutable)


def warn(problems: Iterable[Problem]) -> None:
    """Print warnings (each once) to stderr."""
    if _OPTIONS.get().quiet:
        return
    seen: set[str] = set()
    for problem in problems:
        line = format_problem(problem)
        if line not in seen:
            seen.add(line)
            typer.echo(line, err=True)


def fail(exc: AdvocateError) -> None:
    for problem in exc.problems:
        typer.echo(format_problem(problem), err=True)


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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no warnings.")] = False,
) -> None:
    """advocate: campaign files to letters, petitions, email drafts and briefs."""
    _OPTIONS.set(_Options(debug=debug, quiet=quiet))


# -- shared options --------------------------------------------------------------------

class Paper(StrEnum):
    a4 = "a4"
    letter = "letter"


CampaignArg = Annotated[str, typer.Argument(
    help="A campaign YAML file, or the id of a bundled campaign (see `advocate list`).",
    show_default=False)]
OutOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file instead of stdout (needed for pdf).",
    show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Language of the document (default: the target's, then the campaign's).",
    show_default=False)]
TemplatesOpt = Annotated[Path | None, typer.Option(
    "--templates", help="A folder of templates that overrides the built-in ones.",
    show_default=False)]
SignersOpt = Annotated[Path | None, typer.Option(
    "--signers", help="Signer list: CSV (UTF-8, header row), a spreadsheet (.xlsx, .xls, "
    ".ods), a platform export, or YAML.", show_default=False)]
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
    show_default=False)]
MaxSizeOpt = Annotated[str | None, typer.Option(
    "--max-signers-size", metavar="SIZE", help="The largest signer list to read, e.g. 512M or "
    "2G (default 256M, about a million rows; a CSV is read as a stream, so memory does not "
    "grow with it).", show_default=False)]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="Encoding of the signer list if not UTF-8 (e.g. cp1252).",
    show_default=False)]
PaperOpt = Annotated[Paper, typer.Option("--paper", help="Paper size for PDFs.")]


class Dedupe(StrEnum):
    error = "error"
    first = "first"


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
                   languages: Sequence[str] = ()) -> Any:
    """A SignerReader set up from the options, then from the campaigns' signers: sections."""
    return _signer_source(path, encoding, dedupe, columns, sheet, max_size).reader(
        campaigns, languages)


def _signer_source(path: Path, encoding: str | None, dedupe: Dedupe, columns: str | None,
                   sheet: str | None, max_size: str | None) -> Any:
    from advocate.signers.source import SignerSource

    return SignerSource(path, encoding=encoding, dedupe="first" if dedupe is Dedupe.first
                        else "error", columns=columns, sheet=sheet, max_size=max_size)


def _signers(path: Path | None, encoding: str | None, dedupe: Dedupe, columns: str | None = None,
             sheet: str | None = None, max_size: str | None = None,
             campaigns: Sequence[Any] = (), compact: bool = False) -> Any:
    """The signer list; ``compact``: only what a petition prints (a million rows fit)."""
    if path is None:
        if columns is not None or sheet is not None:
            raise AdvocateError("--columns and --sheet-name need --signers FILE")
        return None
    from advocate.signers.read import SignerList

    reader = _signer_reader(path, encoding, dedupe, columns, sheet, max_size, campaigns)
    if compact:
        from advocate.signers.compact import PetitionSigners

        rows: Any = PetitionSigners.of(reader)
    else:
        rows = SignerList.of(reader)  # with the duplicates dropped, which build reports
    warn(reader.stats.notices)
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
        if isinstance(data, bytes):
            if not dash or sys.stdout.isatty():
                raise AdvocateError("a PDF cannot go to the terminal",
                                    hint="pass -o FILE.pdf to write it to a file")
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
    typer.echo(f"advocate: wrote {out}", err=True)


def _document(campaign: str, templates: Path | None, paper: Paper, fmt: str,
              output: Path | None, force: bool, signers: Path | None,
              make: Callable[[Any], Any]) -> None:
    """Load a campaign, render one document in one format, and write it out."""
    if fmt == "pdf" and signers is None:
        _engine_ahead(campaign, templates)
    from advocate.render.documents import Renderer

    loaded = _load(campaign)
    renderer = Renderer(loaded, templates=templates, paper=paper.value)
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
) -> None:
    """Check campaign files (and a signer list): exit 0, or 2 with every problem listed.

    Also checks that every language the campaign asks for (its own, each translation,
    each target's, --lang) has wording templates. For a signer list it says which layout
    it recognised and how many rows, duplicates and signers consenting to be named it found."""
    from advocate.campaigns import resolve_campaign
    from advocate.schema.campaign import load_campaign_checked

    problems: list[Problem] = []
    loaded = []
    for name in campaigns:
        try:
            campaign, warnings = load_campaign_checked(resolve_campaign(name))
        except AdvocateError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(campaign)
        warn(warnings)
        from advocate.render.documents import wording_problems

        missing = wording_problems(campaign, templates=templates, lang=lang)
        if missing:
            problems.extend(missing)
            continue
        typer.echo(f"advocate: ok: {campaign.path or name}: {len(campaign.facts)} facts, "
                   f"{len(campaign.asks)} asks, {len(campaign.targets)} targets "
                   f"({', '.join(campaign.languages)})", err=True)
    if signers is not None:
        try:
            reader = _signer_reader(signers, encoding, dedupe, columns, sheet_name,
                                    max_signers_size, loaded)
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
            warn(p for p in fonts if p.severity == "warning")
            problems.extend(p for p in fonts if p.severity == "error")
            if not any(p.severity == "error" for p in fonts):
                typer.echo(f"advocate: ok: {signers}: {_summary(reader.stats)}", err=True)
        except AdvocateError as exc:
            problems.extend(exc.problems)
    elif columns is not None or sheet_name is not None:
        problems.append(Problem("--columns and --sheet-name need --signers FILE"))
    if problems:
        raise AdvocateError(problems=problems)


def _summary(stats: Any) -> str:
    """``Google Forms responses (sheet 'Form Responses 1'): 120 rows, 2 duplicates, …``."""
    where = f" (sheet '{stats.sheet}')" if stats.sheet else ""
    dupes = "duplicate" if stats.duplicates == 1 else "duplicates"
    return (f"{stats.layout}{where}: {stats.rows:,} rows, {stats.duplicates:,} {dupes} "
            f"dropped, {stats.signers:,} signers, {stats.public:,} consenting to be named")


@app.command(epilog="Example: advocate check my-campaign.yaml --max-age 30 --strict")
@handles_errors
def check(
    campaigns: Annotated[list[str], typer.Argument(help="Campaign files or bundled ids.",
                                                   show_default=False)],
    max_age: Annotated[int, typer.Option(
        "--max-age", min=0, metavar="DAYS",
        help="Warn when the facts (as_of) were last checked more than DAYS ago.")] = 90,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 2).")]
    = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the problems as a JSON list on stdout.")] = False,
    no_pdf: Annotated[bool, typer.Option(
        "--no-pdf", help="Skip the page counts of letters and briefs (renders no PDF).")]
    = False,
    templates: TemplatesOpt = None,
    signers: Annotated[Path | None, typer.Option(
        "--signers", help="Also list the signer rows a PDF could not draw (by row, never "
        "the text).", show_default=False)] = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """Lint campaigns: sources, dates, asks, targets, and the letters and briefs they make.

    Exit 0 when there are only warnings, 2 when there is an error (or any problem, with
    --strict)."""
    from advocate.campaigns import resolve_campaign
    from advocate.check import check_campaign, exit_code, problems_json, strictly

    found: list[Problem] = []
    for name in campaigns:
        try:
            path = resolve_campaign(name)
        except AdvocateError as exc:
            problems = exc.problems
        else:
            problems = check_campaign(path, max_age_days=max_age, render_pdfs=not no_pdf,
                                      templates=templates)
            if signers is not None:
                try:
                    rows = _signers(signers, encoding, Dedupe.first)
                except AdvocateError as exc:
                    problems = [*problems, *exc.problems]
                else:
                    problems = [*problems, *_font_problems(rows, [path], templates)]
        if strict:
            problems = strictly(problems)
        found += problems
        if as_json:
            continue
        for problem in problems:
            if problem.severity == "error":
                typer.echo(format_problem(problem), err=True)
            else:
                warn([problem])
        errors = sum(1 for p in problems if p.severity == "error")
        if not errors:
            warnings = len(problems)
            typer.echo(f"advocate: ok: {name}" + (
                f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""),
                err=True)
    if as_json:
        typer.echo(json.dumps(problems_json(found), indent=2, ensure_ascii=False))
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
                                           show_default=False)] = None,
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
    from advocate.render import letter_cache

    if signers is None and columns is None and sheet_name is None and \
            fmt.value in letter_cache.FORMATS:
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
    renderer = Renderer(loaded, templates=templates, paper=paper.value)
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
                  lambda r: make(r, progress))


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
) -> None:
    """A one- or two-page briefing sheet: figures, asks, quotes and numbered sources."""
    _document(campaign, templates, paper, fmt.value, output, force, None,
              lambda r: r.brief(lang))


@app.command(epilog="Example: advocate site kazakhstan-2022 -o site/")
@handles_errors
def site(
    campaign: CampaignArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")],
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
    typer.echo(f"advocate: wrote {len(result.files)} files to {output}", err=True)


@app.command(epilog="Example: advocate build kazakhstan-2022 --signers signers.csv -o out/")
@handles_errors
def build(
    campaigns: Annotated[list[str], typer.Argument(help="Campaign files or bundled ids.",
                                                   show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")]
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
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")]
    = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be written; "
                                          "write nothing.")] = False,
    formats: Annotated[str, typer.Option(
        "--formats", help="Letter formats, comma-separated: txt, eml, pdf, md, html.")]
    = "txt,eml,pdf",
    documents: Annotated[bool, typer.Option(
        "--documents/--no-documents", help="Also write the brief, petition and signature "
        "sheet (--no-documents: only the letters, index.html and manifest.json).")] = True,
    lang: LangOpt = None,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Build, then build again whenever a campaign, the signer list or a "
        "template changes, until Ctrl-C (each rebuild overwrites the last).")] = False,
    site: Annotated[bool, typer.Option(
        "--site", help="Also write the action page (as `advocate site`) into each "
        "campaign's folder, under site/.")] = False,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="Render only shard K of N (K from 0): the letters of the signers on "
        "rows r with (r-1) mod N = K. auto/N takes K from ADVOCATE_SHARD_INDEX, "
        "JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID. Join the shards with `advocate merge`.",
        metavar="K/N", show_default=False)] = None,
    documents_shard: Annotated[int | None, typer.Option(
        "--documents-shard", min=0, help="With --shard: the shard that renders the brief, "
        "petition and sheet (default: none does, `advocate merge` renders them).",
        metavar="D", show_default=False)] = None,
) -> None:
    """Every document of every campaign: brief, petition, sheet, a letter per signer and
    target (txt, eml, pdf), an index.html (in pages of 2,000 letters past that) and a
    manifest.json. All or nothing."""
    from advocate import build as builder
    from advocate.campaigns import resolve_campaign

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
    paths = [resolve_campaign(name) for name in campaigns]

    def once(overwrite: bool) -> None:
        loaded = []
        if signers is not None:
            from advocate.schema.campaign import load_campaign

            loaded = [load_campaign(path) for path in paths]
        rows = _signers(signers, encoding, dedupe, columns, sheet_name, max_signers_size,
                        loaded)
        with _progress(enabled=not dry_run) as progress:
            result = builder.build(paths, output, signers=rows, templates=templates,
                                   jobs=jobs, force=overwrite, dry_run=dry_run, lang=lang,
                                   paper=paper.value, formats=wanted, progress=progress,
                                   documents=documents, site=site,
                                   inputs=[signers] if signers else [], shard=share,
                                   signer_source=_signer_source(
                                       signers, encoding, dedupe, columns, sheet_name,
                                       max_signers_size) if signers else None)
        warn(result.warnings)
        if as_json:
            typer.echo(json.dumps(result.summary(), indent=2, ensure_ascii=False))
        elif dry_run:
            typer.echo("\n".join(str(output / p) for p in result.files))
        else:
            dropped = max((c.get("dropped_duplicates", 0) for c in result.campaigns), default=0)
            typer.echo(f"advocate: wrote {len(result.files)} files to {output} in "
                       f"{result.seconds:.1f} s" + (
                           f" ({dropped} duplicate signer row{'s' if dropped != 1 else ''} "
                           "dropped)" if dropped else ""), err=True)

    if not watch:
        once(force)
        return
    from advocate.watch import watch as watch_inputs
    from advocate.watch import watched_paths

    built: list[bool] = []

    def rebuild() -> None:
        once(force or bool(built))  # later builds replace this session's own output
        built.append(True)

    typer.echo("advocate: watching for changes (Ctrl-C stops)", err=True)
    watch_inputs(watched_paths(paths, signers, templates), rebuild, on_error=fail)


@app.command("merge", epilog="Example: advocate merge out/shard-0 out/shard-1 -o out/all")
@handles_errors
def merge(
    shard_dirs: Annotated[list[Path], typer.Argument(
        help="The output folders of `advocate build --shard K/N`, one per shard.",
        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")]
    = Path("out"),
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes for a long petition's PDF (default: "
        "every core).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files from an earlier "
                                        "build.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")]
    = False,
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

    with _progress(enabled=True, label="merging") as progress:
        result = join(shard_dirs, output, force=force, jobs=jobs, progress=progress,
                      campaigns=[resolve_campaign(name) for name in campaign or []],
                      signers=signers, templates=templates)
    warn(result.warnings)
    if as_json:
        typer.echo(json.dumps(result.summary(), indent=2, ensure_ascii=False))
    else:
        typer.echo(f"advocate: merged {len(shard_dirs)} shards: wrote {len(result.files)} "
                   f"files to {output} in {result.seconds:.1f} s", err=True)


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
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), auto_refresh=False,
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        shown = 0.0

        def update(done: int, total: int) -> None:
            nonlocal shown
            bar.update(task, completed=done, total=total)
            now = time.monotonic()
            if now - shown >= 0.1 or done >= total:
                shown = now
                bar.refresh()

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
) -> None:
    """A signer list checked, de-duplicated and normalised: advocate's CSV or OSDI JSON.

    Reads every source advocate reads, with the same rules, and writes the signers who
    agreed to be named (all of them with --all), so the list can go back into a platform.
    Formula-looking cells are neutralised in CSV. Nothing is written if any row has a
    problem."""
    from advocate.signers.export import export_signers

    loaded = [_load(campaign)] if campaign is not None else []
    reader = _signer_reader(file, encoding, dedupe, columns, sheet_name, max_signers_size,
                            loaded, lang or ())
    data, count = export_signers(reader, to.value, include_all=include_all)
    warn(reader.stats.notices)
    typer.echo(f"advocate: ok: {file}: {_summary(reader.stats)}; writing {count:,}", err=True)
    _emit(data.decode("utf-8"), output, force, [file])


@app.command("list", epilog="Example: advocate list")
@handles_errors
def list_() -> None:
    """List the bundled campaigns (with their languages) and the built-in templates."""
    from advocate.campaigns import catalogue

    lines = catalogue()
    typer.echo("\n".join(lines))


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
        typer.echo(f"advocate: wrote {path}", err=True)


@app.command(epilog="Example: advocate schema > campaign.schema.json")
@handles_errors
def schema() -> None:
    """Print the JSON Schema of the campaign format (for editors)."""
    from advocate.schema.campaign import campaign_schema

    typer.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    """Entry point of the ``advocate`` command (and of ``python -m advocate``).

    Once the command is done, the process ends without tearing down the interpreter:
    unloading WeasyPrint's C libraries and collecting its object graph is work for nothing.
    Measured 2026-11-29 on this project's 2-core machine, `advocate brief kazakhstan-2022
    -o b.pdf`, three runs each: 1.69-1.89 s with this exit against 1.90-2.03 s with a
    normal ``sys.exit`` (about 0.15 s, 8-10 %). Exit handlers still run (they remove
    temporary font files; ``atexit._run_exitfuncs`` is CPython's documented-in-source way
    to run them early) and both streams are flushed first; every output file is already
    closed and published. Without WeasyPrint loaded, the normal exit is used.
    """
    from advocate.limits import handle_termination

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
    if "weasyprint" in sys.modules:  # only then is there a slow teardown to skip
        import atexit
        import os

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)
