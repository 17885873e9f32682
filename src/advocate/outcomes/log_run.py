"""What ``advocate log`` does: what it was asked (one event of some letters or of a target's
batch, a tally sheet, the letters a build made) made into entries and checked
(:class:`LogRequest`), then written to the campaign's log in one transaction, or the log
read back when nothing is to be recorded (:func:`log_outcomes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, Problem
from advocate.outcomes.log import (
    LogEntry,
    LogResult,
    apply_entries,
    log_lines,
    log_path,
    parse_day,
    read_tally,
    record_made,
)

__all__ = ["LogRequest", "log_outcomes"]

#: Each event's option, and the entry's kind.
_EVENTS = {"--sent": "sent", "--returned": "returned", "--replied": "replied",
           "--no-reply": "no_reply"}


@dataclass(frozen=True)
class LogRequest:
    """What to record, as ``advocate log``'s options say it: at most one event (``sent`` or
    ``replied`` on a date; ``returned`` or ``no_reply`` as of ``on``, default today) of the
    letters ``references`` or of every letter to ``target``; or a ``tally`` sheet's rows;
    and the letters a build ``made``. Nothing at all: the log is read back."""

    references: tuple[str, ...] = ()
    sent: str | None = None  # dates as typed: YYYY-MM-DD, or as a mail program writes them
    via: str | None = None
    returned: bool = False
    replied: str | None = None
    summary: str | None = None
    reply_file: Path | None = None
    no_reply: bool = False
    on: str | None = None
    target: str | None = None
    tally: Path | None = None
    made: Path | None = None  # a build's folder or its manifest.json

    def events(self) -> list[str]:
        """The events asked for, by their options' names (one at most is allowed)."""
        given = {"--sent": self.sent is not None, "--returned": self.returned,
                 "--replied": self.replied is not None, "--no-reply": self.no_reply}
        return [name for name, asked in given.items() if asked]

    def entries(self, today: date) -> tuple[list[LogEntry], list[Problem]]:
        """The entries to record and the tally sheet's warnings; AdvocateError when the
        options contradict one another or a date or a row is wrong."""
        events = self.events()
        if len(events) > 1:
            raise AdvocateError(f"{' and '.join(events)} cannot be logged at once",
                                hint="one event per command, or a tally sheet with --from")
        if events and self.tally is not None:
            raise AdvocateError(f"{events[0]} and --from: the tally sheet says what happened",
                                hint="give the event per row in its event column")
        if (self.references or self.target) and not events:
            raise AdvocateError("what happened to these letters?",
                                hint="add --sent DATE --via post, --returned, --replied DATE "
                                "--summary TEXT or --no-reply")
        if self.tally is not None:
            return read_tally(self.tally, default_via=self.via)
        if not events:
            return [], []
        kind = _EVENTS[events[0]]
        typed = self.sent if kind == "sent" else self.replied if kind == "replied" else self.on
        day = _day(typed, events[0].lstrip("-"), today)
        return [LogEntry(kind, day, list(self.references), self.target, self.via,
                         self.summary, self.reply_file)], []


def _day(typed: str | None, option: str, today: date) -> date:
    if typed is None:
        return today
    try:
        return parse_day(typed, option)
    except ValueError as exc:
        raise AdvocateError(str(exc), hint="write dates as YYYY-MM-DD") from None


def log_outcomes(campaign: Any, request: LogRequest, *, log_file: Path | None = None,
                 today: date | None = None) -> LogResult:
    """Record what ``request`` asks in the campaign's log (``log_file``, else the one beside
    the campaign), every entry checked first and all written at once, or nothing; with
    nothing to record, the result holds the log as text (``lines``)."""
    from advocate.clock import today as clock_today
    from advocate.outcomes.store import LogStore

    day = today or clock_today()
    entries, warnings = request.entries(day)
    path = log_path(campaign, log_file)
    made = request.made
    with LogStore(path, campaign.id, create=bool(entries or made)) as store:
        result = LogResult(path, warnings=warnings, from_build=made is not None)
        if made is not None:
            result.made = record_made(store, campaign, made, day)
        if entries:
            done = apply_entries(store, campaign, entries, day)
            result.events, result.references = done.events, done.references
            result.made += done.made
            result.cards = done.cards
        if not entries and made is None:
            result.lines = log_lines(store)
    return result
