"""``advocate log``: record what was sent, what came back undelivered, and the replies.

Entries name letters by their reference (:mod:`advocate.reference`), or a whole
batch by target; they come from the command line or from a CSV tally sheet
(:func:`read_tally`). Every entry is checked before any is written, in one transaction:
a bad row leaves the log as it was, and the error names its file, line and column.

The log learns which letters exist from a build's ``manifest.json`` (:func:`record_made`);
a letter written one at a time (``advocate letter``, the action page) carries its target's
reference for row 0, which the log knows without a manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, Problem, did_you_mean
from advocate.outcomes.store import CHANNELS, Event, Letter, LogStore
from advocate.reference import letter_reference, normalise_reference, tally_reference

__all__ = ["MAX_REPLY_BYTES", "LogEntry", "LogResult", "apply_entries", "parse_day",
           "read_tally", "record_made"]

MAX_REPLY_BYTES = 25 * 1024 * 1024
MAX_SUMMARY = 300
#: The most letters one tally row may count (a typo's extra zeros stop here).
MAX_COUNT = 100_000
#: A tally row's channel for solidarity cards to a detainee (``advocate kit``'s tally).
CARD = "card"
KINDS = {"sent": "sent", "returned": "returned", "replied": "replied", "reply": "replied",
         "no-reply": "no_reply", "no_reply": "no_reply", "no reply": "no_reply",
         "noreply": "no_reply"}


@dataclass
class LogEntry:
    """One thing to log: an event of some letters (by reference) or of a target's batch."""

    kind: str  # sent, returned, replied, no_reply
    day: date
    references: Sequence[str] = ()
    target: str | None = None
    channel: str | None = None
    summary: str | None = None
    reply_file: Path | None = None
    #: Letters written by hand that a tally row counts (to ``target``); None: the letters
    #: the log knows (by reference, or every letter to the target).
    count: int | None = None
    file: str | None = None  # where the entry came from (a tally sheet), for messages
    line: int | None = None
    columns: dict[str, int] = field(default_factory=dict)  # column name: number

    def problem(self, message: str, column: str | None = None, hint: str | None = None,
                ) -> Problem:
        where = f"row {self.line - 1}, column '{column}': " if self.line and column else \
            (f"row {self.line - 1}: " if self.line else "")
        return Problem(where + message, self.file, self.line,
                       self.columns.get(column or ""), hint)


@dataclass
class LogResult:
    """What one ``advocate log`` wrote (or, asked to record nothing, the log as text)."""

    path: Path
    made: int = 0
    events: dict[str, int] = field(default_factory=dict)
    cards: int = 0
    references: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    from_build: bool = False  # a build's manifest was read (its letters are then said)
    lines: list[str] | None = None  # the log (log_lines), when nothing was to be recorded

    def summary(self) -> dict[str, Any]:
        return {"log": str(self.path), "letters_added": self.made, "events": self.events,
                "cards": self.cards,
                "references": self.references, "warnings": [str(w) for w in self.warnings]}

    def message(self) -> str:
        """``LOG: 12 new letters recorded; logged 3 sent; 2 cards counted`` (or nothing new)."""
        logged = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.events.items())
        said = ([f"{self.made} new letters recorded"] if self.from_build or self.made
                else []) + ([f"logged {logged}"] if logged else []) + \
            ([f"{self.cards} cards counted"] if self.cards else [])
        return f"{self.path}: {'; '.join(said) or 'nothing new'}"


def parse_day(text: str, what: str = "date") -> date:
    """An ISO date (2026-02-03) or an RFC 5322 date as mail programs export it; ValueError
    with a message otherwise."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"{what} '{value[:40]}' is not a date") from None


# -- letters made --------------------------------------------------------------------------

def _manifest_path(source: Path, campaign_id: str) -> Path:
    for candidate in (source, source / "manifest.json", source / campaign_id / "manifest.json"):
        if candidate.is_file():
            return candidate
    raise AdvocateError("no build manifest here", file=str(source),
                        hint=f"pass the build's folder (OUT or OUT/{campaign_id}) or its "
                        "manifest.json")


def _manifest_files(path: Path) -> tuple[Any, Iterator[Any]]:
    """A manifest's campaign id and its files, read line by line as a build writes it (one
    file a line: a million letters' manifest is never held whole); another layout is read
    whole, up to 64 MB."""
    try:
        with path.open(encoding="utf-8") as handle:
            head = [handle.readline() for _ in range(6)]
        owner = next((json.loads("{" + line.strip().rstrip(",") + "}")["campaign"]
                      for line in head if line.lstrip().startswith('"campaign":')), None)
        if owner is not None and any(line.strip() == '"files": [' for line in head):
            def lines() -> Iterator[Any]:
                with path.open(encoding="utf-8") as handle:
                    for line in handle:
                        text = line.strip().rstrip(",")
                        if text.startswith("{\""):  # one file (not the opening brace)
                            yield json.loads(text)
            return owner, lines()
        if path.stat().st_size > 64 * 1024 * 1024:
            raise ValueError("too large to read whole")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise AdvocateError(f"cannot read the manifest: {exc}", file=str(path),
                            hint="pass the manifest.json a build wrote") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise AdvocateError("not a build manifest", file=str(path),
                            hint="pass the manifest.json a build wrote")
    return data.get("campaign"), iter(data["files"])


def record_made(store: LogStore, campaign: Any, source: Path, day: date) -> int:
    """The letters a build (or a merge of shards) made, from its manifest: how many were new
    to the log. Their references are computed from target and row, as the build printed them."""
    path = _manifest_path(source, campaign.id)
    owner, files = _manifest_files(path)
    if owner != campaign.id:
        raise AdvocateError(f"this manifest is campaign '{owner}''s, not '{campaign.id}'",
                            file=str(path), hint="pass the manifest of this campaign's build")
    targets = {t.id for t in campaign.targets}
    seen: set[str] = set()
    last: tuple[str, int] | None = None
    batch: list[Letter] = []
    added = 0
    with store.writing() as db:
        try:
            for entry in files:
                if not isinstance(entry, dict) or entry.get("kind") != "letter":
                    continue
                target, row = entry.get("target"), entry.get("signer_row") or 0
                if not isinstance(target, str) or target not in targets \
                        or not isinstance(row, int):
                    raise AdvocateError(
                        f"the manifest lists a letter to '{target}', which the campaign does "
                        "not have", file=str(path),
                        hint="pass the manifest of a build of this campaign file")
                if (target, row) == last:
                    continue  # the same letter in another format
                last = (target, row)
                reference = letter_reference(campaign.id, target, row)
                if reference in seen:
                    raise AdvocateError(
                        f"two letters share the reference {reference} (the second: to "
                        f"'{target}', row {row})", file=str(path),
                        hint="a one-in-a-million clash: log these letters by target")
                seen.add(reference)
                lang = entry.get("lang") if isinstance(entry.get("lang"), str) else None
                batch.append(Letter(reference, target, lang, day.isoformat()))
                if len(batch) >= 10_000:
                    added += store.add_letters(db, batch)
                    batch.clear()
        except ValueError as exc:  # a line that is not JSON
            raise AdvocateError(f"cannot read the manifest: {exc}", file=str(path),
                                hint="pass the manifest.json a build wrote") from None
        return added + store.add_letters(db, batch)


# -- entries -------------------------------------------------------------------------------

def _known(store: LogStore, campaign: Any, reference: str) -> bool:
    """Whether the log knows ``reference`` (a single letter's is added when first logged)."""
    if store.letter(reference) is not None:
        return True
    for target in campaign.targets:
        if letter_reference(campaign.id, target.id, 0) == reference:
            store.db.execute("INSERT INTO letters VALUES (?, ?, NULL, NULL)",  # (in the
                             (reference, target.id))  # caller's transaction)
            return True
    return False


def _letters_of(store: LogStore, campaign: Any, entry: LogEntry,
                problems: list[Problem]) -> list[str]:
    """The references an entry is about (problems added for those that are not letters)."""
    found: list[str] = []
    if entry.target is not None:
        ids = [t.id for t in campaign.targets]
        if entry.target not in ids:
            problems.append(entry.problem(f"unknown target '{entry.target}'", "target",
                                          did_you_mean(entry.target, ids) or
                                          "see the campaign's targets: ids"))
            return []
        if entry.count is not None:
            return _counted_letters(store, campaign, entry)
        found = [x.reference for x in store.letters_to(entry.target)]
        if not found:
            single = letter_reference(campaign.id, entry.target, 0)
            _known(store, campaign, single)
            found = [single]
    for typed in entry.references:
        reference = normalise_reference(typed)
        if reference is None:
            problems.append(entry.problem(
                f"'{typed[:30]}' is not a letter reference", "reference",
                "a reference is ten letters and digits, as printed at the letter's foot "
                "(e.g. 7Q3MK-2XD9A)"))
        elif not _known(store, campaign, reference):
            close = did_you_mean(reference, store.references(), cutoff=0.8)
            problems.append(entry.problem(
                f"no letter with the reference {reference} in this log", "reference",
                close or "record the build's letters first: advocate log CAMPAIGN --made OUT/"))
        else:
            found.append(reference)
    return found


def _counted_letters(store: LogStore, campaign: Any, entry: LogEntry) -> list[str]:
    """The ``count`` letters a tally row says were written by hand to its target: each gets
    a reference of its own (:func:`advocate.reference.tally_reference`), made on the day."""
    assert entry.target is not None and entry.count is not None
    day, channel = entry.day.isoformat(), entry.channel or ""
    references = [tally_reference(campaign.id, entry.target, day, channel, number)
                  for number in range(1, entry.count + 1)]
    store.add_letters(store.db, (Letter(r, entry.target, None, day) for r in references))
    return references


def _event(store: LogStore, entry: LogEntry, reference: str, today: date,
           problems: list[Problem], reply_sha: str | None) -> Event | None:
    day = entry.day.isoformat()
    if entry.day > today:
        problems.append(entry.problem(f"the date {day} is in the future", "date",
                                      "check the year and the order: YYYY-MM-DD"))
        return None
    have = {e.kind: e for e in store.events(reference)}
    if entry.kind != "sent":
        sent = have.get("sent")
        if sent is None:
            problems.append(entry.problem(
                f"letter {reference} was not logged as sent", None,
                f"log it first: advocate log CAMPAIGN {reference} --sent DATE --via post"))
            return None
        if sent.day > day:
            problems.append(entry.problem(
                f"letter {reference} was sent on {sent.day}, after {day}", "date",
                "check the date"))
            return None
    if entry.kind == "no_reply" and "replied" in have:
        problems.append(entry.problem(
            f"letter {reference} has a reply (logged for {have['replied'].day})", None,
            "a reply stands; nothing to mark"))
        return None
    return Event(reference, entry.kind, day, entry.channel,
                 entry.summary if entry.kind == "replied" else None, reply_sha)


def _check_fields(entry: LogEntry, problems: list[Problem]) -> bool:
    ok = True
    if entry.channel == CARD:
        return True  # checked with the campaign's detainees (_log_cards)
    if entry.kind == "sent" and entry.channel not in CHANNELS:
        problems.append(entry.problem(
            "a sent letter needs how it went" if not entry.channel else
            f"unknown channel '{entry.channel}'", "via",
            f"use one of {', '.join(CHANNELS)} (--via)"))
        ok = False
    if entry.kind == "replied":
        summary = entry.summary or ""
        if not summary.strip():
            problems.append(entry.problem("a reply needs a one-line summary", "summary",
                                          'pass --summary "what they answered"'))
            ok = False
        elif "\n" in summary or "\r" in summary or len(summary) > MAX_SUMMARY:
            problems.append(entry.problem(
                f"the summary must be one line of at most {MAX_SUMMARY} characters", "summary",
                "keep the reply itself with --file"))
            ok = False
    elif entry.summary:
        problems.append(entry.problem("only a reply has a summary", "summary"))
        ok = False
    if entry.reply_file is not None and entry.kind != "replied":
        problems.append(entry.problem("only a reply has a file", "file"))
        ok = False
    if not entry.references and entry.target is None:
        problems.append(entry.problem("which letters? give references or a target",
                                      "reference", "advocate log CAMPAIGN REF... or "
                                      "--target ID"))
        ok = False
    return ok


def _reply_bytes(entry: LogEntry, problems: list[Problem]) -> tuple[str, str, bytes] | None:
    path = entry.reply_file
    if path is None:
        return None
    try:
        size = path.stat().st_size
        if size > MAX_REPLY_BYTES:
            problems.append(entry.problem(
                f"the reply's file is {size // 1_000_000} MB; at most "
                f"{MAX_REPLY_BYTES // 1_000_000} MB are kept", "file",
                "keep a scan at a lower resolution"))
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.append(entry.problem(f"cannot read the reply's file: {exc.strerror}", "file",
                                      "check the path"))
        return None
    # The name is not kept (it may name the writer): only its kind.
    return hashlib.sha256(data).hexdigest(), "reply" + path.suffix.lower()[:10], data


def _log_cards(store: LogStore, campaign: Any, entry: LogEntry, today: date,
               problems: list[Problem]) -> int:
    """A tally row's solidarity cards to a detainee: how many were counted."""
    detainees = [d.id for d in getattr(campaign, "detainees", None) or ()]
    if entry.target is None or entry.target not in detainees:
        problems.append(entry.problem(
            f"cards go to a detainee, and '{entry.target or ''}' is none of the campaign's",
            "target", did_you_mean(entry.target or "", detainees) or
            ("see the campaign's detainees: ids" if detainees else
             "this campaign names no detainees: drop the row")))
        return 0
    if entry.kind != "sent" or entry.count is None:
        problems.append(entry.problem("a card row counts the cards written", "count",
                                      "give the number in the count column"))
        return 0
    if entry.day > today:
        problems.append(entry.problem(f"the date {entry.day.isoformat()} is in the future",
                                      "date", "check the year and the order: YYYY-MM-DD"))
        return 0
    store.put_cards(store.db, entry.target, entry.day.isoformat(), entry.count)
    return entry.count


def apply_entries(store: LogStore, campaign: Any, entries: Iterable[LogEntry],
                  today: date) -> LogResult:
    """Check every entry and write them all in one transaction, or raise with every
    problem and write nothing."""
    result = LogResult(store.path)
    problems: list[Problem] = []
    touched: dict[str, None] = {}
    with store.writing() as db:
        for entry in entries:
            if entry.channel == CARD:
                result.cards += _log_cards(store, campaign, entry, today, problems)
                continue
            if not _check_fields(entry, problems):
                continue
            before = db.total_changes
            references = _letters_of(store, campaign, entry, problems)
            if entry.count is not None:
                result.made += db.total_changes - before
            reply = _reply_bytes(entry, problems)
            if entry.reply_file is not None and reply is None:
                continue
            if entry.target is not None and entry.kind != "sent":
                sent = {e.reference for e in store.events() if e.kind == "sent"}
                references = [r for r in references if r in sent] or references
            for reference in references:
                event = _event(store, entry, reference, today, problems,
                               reply[0] if reply else None)
                if event is None:
                    continue
                if reply is not None:
                    store.put_reply_file(db, *reply)
                store.put_event(db, event)
                if event.kind == "replied":
                    store.drop_event(db, reference, "no_reply")
                result.events[event.kind] = result.events.get(event.kind, 0) + 1
                touched[reference] = None
        if problems:
            raise AdvocateError(problems=problems)
    result.references = list(touched)
    return result


# -- tally sheets --------------------------------------------------------------------------

_ALIASES = {
    "reference": ("reference", "ref", "x-advocate-reference", "letter"),
    "target": ("target", "to target"),
    "event": ("event", "outcome", "status"),
    "date": ("date", "day", "on"),
    "via": ("via", "channel", "by"),
    "summary": ("summary", "reply summary"),
    "file": ("file", "reply file"),
    "count": ("count", "letters", "number", "how many"),
}
_COLUMN_OF = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def read_tally(path: Path, *, default_via: str | None = None,
               default_kind: str = "sent") -> tuple[list[LogEntry], list[Problem]]:
    """The entries of a CSV tally sheet (see docs/outcomes.md for its columns) and warnings
    (columns it ignores); AdvocateError naming each bad row and column."""
    shown = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise AdvocateError(f"cannot read the tally sheet: {exc.strerror}", file=shown) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise AdvocateError("the tally sheet is not UTF-8 text", file=shown, line=line,
                            hint="save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise AdvocateError("the tally sheet is empty", file=shown, line=1,
                            hint="the first row names the columns: reference,date,via") from None
    except csv.Error as exc:
        raise AdvocateError(f"not a CSV file: {exc}", file=shown, line=1) from None
    columns, warnings = _tally_columns(header, shown)
    entries: list[LogEntry] = []
    problems: list[Problem] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            entry = _tally_row(row, columns, shown, line, default_via, default_kind, path,
                               problems)
            if entry is not None:
                entries.append(entry)
    except csv.Error as exc:
        problems.append(Problem(f"not a CSV row: {exc}", shown, reader.line_num))
    if problems:
        raise AdvocateError(problems=problems)
    return entries, warnings


def _tally_columns(header: list[str], shown: str) -> tuple[dict[str, int], list[Problem]]:
    """Which column (numbered from 1) holds what, by the header's names in any spelling
    :data:`_ALIASES` knows, and a warning for each column not read; AdvocateError when a
    field is held twice or the sheet lacks what every row needs."""
    columns: dict[str, int] = {}
    warnings: list[Problem] = []
    for number, name in enumerate(header, start=1):
        key = _COLUMN_OF.get(" ".join(name.strip().lower().replace("_", " ").split()))
        if key is None:
            warnings.append(Problem(f"column '{name.strip()[:40]}' is not read", shown, 1,
                                    number, hint=did_you_mean(name.strip().lower(),
                                                              list(_COLUMN_OF)),
                                    severity="warning"))
        elif key in columns:
            raise AdvocateError(f"two columns hold the {key}", file=shown, line=1,
                                column=number, hint="keep one")
        else:
            columns[key] = number
    if "reference" not in columns and "target" not in columns:
        raise AdvocateError("the tally sheet has no reference or target column", file=shown,
                            line=1, hint="name the columns in the first row: "
                            "reference,date,via (or target,date,via for a whole batch)")
    if "date" not in columns:
        raise AdvocateError("the tally sheet has no date column", file=shown, line=1,
                            hint="add a column named date (YYYY-MM-DD)")
    return columns, warnings


def _tally_row(row: list[str], columns: dict[str, int], shown: str, line: int,
               default_via: str | None, default_kind: str, path: Path,
               problems: list[Problem]) -> LogEntry | None:
    def cell(name: str) -> str:
        number = columns.get(name)
        return row[number - 1].strip() if number is not None and number <= len(row) else ""

    probe = LogEntry("sent", date.min, file=shown, line=line, columns=columns)
    typed_kind = cell("event").lower()
    kind = KINDS.get(typed_kind) if typed_kind else default_kind
    if kind is None:
        problems.append(probe.problem(f"unknown event '{typed_kind[:20]}'", "event",
                                      "use sent, returned, replied or no-reply"))
        return None
    try:
        day = parse_day(cell("date"))
    except ValueError as exc:
        problems.append(probe.problem(str(exc) if cell("date") else "no date", "date",
                                      "write dates as YYYY-MM-DD"))
        return None
    reference, target = cell("reference"), cell("target")
    if reference and target:
        problems.append(probe.problem("give a reference or a target, not both", "target"))
        return None
    if not reference and not target:
        problems.append(probe.problem("no reference (or target) in this row",
                                      "reference" if "reference" in columns else "target",
                                      "copy the reference printed at the letter's foot"))
        return None
    count: int | None = None
    if "count" in columns:
        typed = cell("count")
        if not typed or typed == "0":
            return None  # a target nobody wrote to that evening
        if not typed.isdigit() or int(typed) > MAX_COUNT:
            problems.append(probe.problem(
                f"the count '{typed[:20]}' is not a number of letters", "count",
                f"write a whole number from 0 to {MAX_COUNT:,}, or leave it empty"))
            return None
        count = int(typed)
        if reference or kind != "sent":
            problems.append(probe.problem(
                "a count says how many letters were sent to a target" if kind == "sent"
                else f"a count goes with letters sent, not {typed_kind or kind}",
                "reference" if reference else "event",
                "give the target (not a reference) and leave the event empty or 'sent'"))
            return None
    reply = cell("file")
    via = cell("via").lower() or default_via
    return LogEntry(kind, day, [reference] if reference else [], target or None,
                    via if kind == "sent" or via == CARD else None,
                    cell("summary") or None, (path.parent / reply) if reply else None,
                    count, shown, line, columns)


def log_path(campaign: Any, chosen: Path | None) -> Path:
    """``--log FILE``, else the campaign's log beside it (see :func:`default_log_path`)."""
    from advocate.campaigns import bundled_folder
    from advocate.outcomes.store import default_log_path

    if chosen is not None:
        return chosen
    path = Path(campaign.path)
    bundled = path.resolve().parent == bundled_folder().resolve()
    return default_log_path(path, campaign.id, bundled)


def log_lines(store: LogStore) -> list[str]:
    """The log as text: one line per event, by day."""
    targets = {ref: target for ref, target in store.db.execute(
        "SELECT reference, target FROM letters")}
    lines = []
    for event in store.events():
        detail = event.channel or event.summary or ""
        if event.reply_sha256:
            detail += " [reply on file]"
        lines.append(f"{event.day}  {event.reference}  {targets.get(event.reference, '?'):<24} "
                     f"{event.kind.replace('_', ' '):<9} {detail}".rstrip())
    return lines
