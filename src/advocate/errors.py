"""The one error type users see, and the one way it is printed.

Every problem with the user's input (a campaign, a signer list, a template, an option)
becomes an :class:`AdvocateError` carrying one or more :class:`Problem` s, each with the
file, line and column it points at and a hint that says how to fix it. The CLI prints
them as ``advocate: error: file:line:col: message (hint)`` and exits 2. Anything else
is a bug.

Messages must never contain personal data: say ``signers.csv row 17``, not a name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning), with where it is and how to fix it."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    severity: Severity = "error"
    #: The rule that found it, for ``advocate check --ignore CODE`` (None: not a check rule).
    code: str | None = None

    @property
    def location(self) -> str:
        """``file:line:col``, as much of it as is known (empty when no file is involved)."""
        if not self.file:
            return ""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" ({self.hint})"
        if self.code:
            text += f" [{self.code}]"
        return text


class AdvocateError(Exception):
    """Bad input from the user: exit code 2, one line per problem, no traceback."""

    exit_code = 2

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        problems: Iterable[Problem] | None = None,
    ) -> None:
        if problems is None:
            problems = [Problem(message, file, line, column, hint)]
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("AdvocateError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> Problem:
        return self.problems[0]

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle every problem whole (errors travel back from batch worker processes)."""
        return (_rebuild, (self.problems, type(self)))


class LimitError(AdvocateError):
    """Work stopped by a time, CPU or memory limit. Its words are advocate's own, never
    derived from the data, so they may be shown even when the data is personal."""


def _rebuild(problems: list[Problem], kind: type[AdvocateError] = AdvocateError
             ) -> AdvocateError:
    return kind(problems=problems)


def _visible(ch: str) -> str:
    import unicodedata

    if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def format_problem(problem: Problem) -> str:
    """The one format for a problem on stderr: control, format and bidi characters from the
    input (an ESC sequence in a YAML key, a right-to-left override) are shown escaped, never
    sent to the terminal."""
    text = f"advocate: {problem.severity}: {problem}"
    if text.isascii() and text.isprintable():
        return text
    return "".join(_visible(ch) for ch in text)


def os_problem(exc: OSError) -> Problem:
    """An operating system's refusal (a full disk, a read-only folder, a permission) in plain
    words, naming the file when it is known: not a bug, and not bad input (the CLI exits 74)."""
    import errno

    reason = exc.strerror or type(exc).__name__
    hints = {errno.ENOSPC: "free some space on the disk, or write elsewhere",
             errno.EDQUOT: "free some space, or write elsewhere",
             errno.EROFS: "the folder is read-only; write elsewhere",
             errno.EACCES: "check the permissions, or write elsewhere",
             errno.EPERM: "check the permissions, or write elsewhere"}
    return Problem(f"the operating system refused: {reason}",
                   file=None if exc.filename is None else str(exc.filename),
                   hint=hints.get(exc.errno or 0, "check the disk and the permissions"))


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """A "did you mean 'x'?" hint when one of ``choices`` is close to ``word``, else None."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else None


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 fact``, ``2 facts``, ``1,000 rows``: a count with its noun in the right number."""
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


@contextlib.contextmanager
def redacted(values: Sequence[str]) -> Iterator[None]:
    """Cut personal values (as typed or percent-encoded, as in a URL) out of any error a
    template or a PDF render raises: a hostile template can fail on purpose."""
    try:
        yield
    except AdvocateError as exc:
        forms = {f for v in values for f in (v, quote(v), quote(v, safe=""), " ".join(v.split()))}
        if not forms:
            raise
        pattern = re.compile("|".join(map(re.escape, sorted(forms, key=len, reverse=True))),
                             re.IGNORECASE)

        def clean(text: str | None) -> str | None:
            return pattern.sub("…", text) if text else text

        problems = [dataclasses.replace(p, message=clean(p.message) or "", hint=clean(p.hint),
                                        file=clean(p.file)) for p in exc.problems]
        raise type(exc)(problems=problems) from None
