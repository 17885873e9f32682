"""What every command shares: the Typer app and its global options, messages on stderr
(``say``, ``warn``, ``fail``), the error handling that maps exceptions to exit codes,
writing a document out, the progress bar."""

from __future__ import annotations

import contextlib
import functools
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, overload

import typer

from advocate.cli.options import Dedupe, OnBadRow
from advocate.command_group import OPTIONS as _OPTIONS
from advocate.command_group import AdvocateGroup, Color, color_wanted, paint
from advocate.command_group import Options as _Options
from advocate.errors import AdvocateError, Problem, format_problem, os_problem
from advocate.version import __version__

if TYPE_CHECKING:
    from advocate.signers.source import SignerSource

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
JSON_KIND: ContextVar[str | None] = ContextVar("advocate_cli_json", default=None)


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
    kind = JSON_KIND.get()
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
    JSON_KIND.set(None)  # until a command with --json says otherwise


def engine_ahead(campaign: str, templates: Path | None) -> bool:
    """A PDF is coming: the engine started ahead (render/pdf/ahead.py), if it may be."""
    from advocate.campaigns import resolve_campaign
    from advocate.render.pdf import ahead

    try:
        path = resolve_campaign(campaign)
    except AdvocateError:
        return False  # the command says what is wrong
    return ahead.start_for(path, templates)


def load(name: str) -> Any:
    return load_checked(name)[0]


def load_checked(name: str) -> tuple[Any, list[Problem]]:
    """The campaign, its warnings printed (and returned)."""
    from advocate.campaigns import resolve_campaign
    from advocate.schema.campaign import load_campaign_checked

    campaign, warnings = load_campaign_checked(resolve_campaign(name))
    warn(warnings)
    return campaign, warnings


@overload
def signer_source(path: Path, *, encoding: str | None = None, dedupe: Dedupe = Dedupe.error,
                  columns: str | None = None, sheet: str | None = None,
                  max_size: str | None = None,
                  on_bad_row: OnBadRow = OnBadRow.error) -> SignerSource: ...


@overload
def signer_source(path: Path | None, *, encoding: str | None = None,
                  dedupe: Dedupe = Dedupe.error, columns: str | None = None,
                  sheet: str | None = None, max_size: str | None = None,
                  on_bad_row: OnBadRow = OnBadRow.error) -> SignerSource | None: ...


def signer_source(path: Path | None, *, encoding: str | None = None,
                  dedupe: Dedupe = Dedupe.error, columns: str | None = None,
                  sheet: str | None = None, max_size: str | None = None,
                  on_bad_row: OnBadRow = OnBadRow.error) -> SignerSource | None:
    """``--signers FILE`` and the options it is read with, as one SignerSource (None
    without --signers, where --columns or --sheet-name is refused)."""
    if path is None:
        if columns is not None or sheet is not None:
            raise AdvocateError("--columns and --sheet-name need --signers FILE")
        return None
    from advocate.signers.source import SignerSource

    return SignerSource(path, encoding=encoding, dedupe="first" if dedupe is Dedupe.first
                        else "error", columns=columns, sheet=sheet, max_size=max_size,
                        on_bad_row=on_bad_row.value)


def signer_rows(source: SignerSource | None, campaigns: Sequence[Any] = (), *,
                compact: bool = False, notices: list[Problem] | None = None) -> Any:
    """The signer list read (None without one), its notices printed (or, given ``notices``,
    added to it: build reports them in its JSON too), and the rows it skipped printed."""
    if source is None:
        return None
    rows, found, skipped = source.rows(campaigns, compact=compact)
    if notices is not None:
        notices.extend(found)
    else:
        warn(found)
    warn(skipped)
    return rows


def emit(data: str | bytes, out: Path | None, force: bool, inputs: Sequence[Path | None],
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


def refuse_output_early(out: Path | None, force: bool) -> None:
    """An -o that would be refused (a file there without --force, no such folder) is refused
    before seconds of rendering, not after; the write checks again."""
    if out is not None and str(out) != "-":
        from advocate.output.files import check_output_file

        check_output_file(out, force=force)


@contextmanager
def progress_bar(*, enabled: bool,
                 label: str = "building") -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal; nothing in a pipe or a file."""
    if not enabled or not sys.stderr.isatty() or _OPTIONS.get().quiet:
        yield None
        return
    bar = _ProgressBar(label)
    try:
        yield bar.update
    finally:
        bar.stop()


#: Seconds between two draws of the progress bar: four a second (rich's own default is ten,
#: and drawing ten a second cost a 10,000-letter build about 6% on a terminal, four a second
#: nothing measurable: docs/benchmarks.md, "One full run at the end of stop 24").
DRAW_EVERY = 0.25


class _ProgressBar:
    """rich's progress bar, refreshed by the updates themselves, at most four times a second,
    rather than by a thread of rich's: a build forks its PDF workers only while it runs a
    single thread. rich hears of the count only when it is drawn (a build reports every
    file: 20,000 updates for 10,000 letters), and is imported and started at the first
    update, once the build is under way: its import (50-60 ms) then overlaps the workers'
    start-up instead of delaying it. So a terminal costs a build next to nothing
    (benchmarks/bench.py --only-peers measures it against a pipe)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = 0.0
        self.bar: Any = None
        self.task: Any = None

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown >= DRAW_EVERY or done >= total:
            self.shown = now
            if self.bar is None:
                self._start()
            self.bar.update(self.task, completed=done, total=total, refresh=True)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(),
                            MofNCompleteColumn(), TimeRemainingColumn(), auto_refresh=False,
                            console=Console(stderr=True, no_color=not color_wanted(sys.stderr)),
                            transient=True)
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=None)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
