"""The outcomes log: one SQLite file beside the campaign, what was sent and what came back.

Why SQLite: one file the organiser keeps (and backs up, or deletes) with the campaign; no
server, no network; transactions, so two people logging at once never lose an entry.

What it holds, and nothing more (SECURITY.md, "The outcomes log"): each letter's
reference, its target id and language, the day it was recorded as made; per letter the
events sent (day, channel), returned (day), replied (day, a one-line summary, optionally
the reply's file) and no reply (day). No signer's name, email, city or row is ever written:
a reference names a target and nothing else (:mod:`advocate.reference`).

Schema (``PRAGMA user_version`` is its version; :data:`MIGRATIONS` takes a file of any
older version to the current one in one transaction, and a newer file is refused)::

    meta(key TEXT PRIMARY KEY, value TEXT)            -- 'campaign': the campaign id
    letters(reference TEXT PRIMARY KEY, target TEXT, lang TEXT, made TEXT)
    events(reference TEXT REFERENCES letters, target TEXT, kind TEXT, day TEXT,
           channel TEXT, summary TEXT, reply_sha256 TEXT, PRIMARY KEY (reference, kind))
        -- target: the letter's, copied so a report reads one index (target, kind, day)
    reply_files(sha256 TEXT PRIMARY KEY, name TEXT, data BLOB)
    cards(detainee TEXT, day TEXT, count INTEGER, PRIMARY KEY (detainee, day))  -- version 2
        -- solidarity cards written to a detainee on a day, as a tally sheet counts them

``kind`` is ``sent``, ``returned``, ``replied`` or ``no_reply``; a letter has each at most
once, so logging the same tally sheet twice changes nothing (the later entry wins). Days
are ISO dates.

Two writers at once: every change runs in ``BEGIN IMMEDIATE`` (the write lock taken at
the start, so no transaction fails half-way) and a connection waits up to
:data:`BUSY_SECONDS` for another's lock. The journal is SQLite's default rollback journal:
between commands the log is exactly one file (``NAME.log.sqlite-journal`` exists only
during a write).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from advocate.errors import AdvocateError

__all__ = ["BUSY_SECONDS", "EVENT_KINDS", "MIGRATIONS", "SCHEMA_VERSION", "Event", "Letter",
           "LogStore", "default_log_path"]

BUSY_SECONDS = 30.0
EVENT_KINDS = ("sent", "returned", "replied", "no_reply")
CHANNELS = ("post", "email", "hand", "fax")


def _v1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE letters (reference TEXT PRIMARY KEY, target TEXT NOT NULL, "
               "lang TEXT, made TEXT) WITHOUT ROWID")
    db.execute("CREATE INDEX letters_by_target ON letters (target)")
    db.execute(
        "CREATE TABLE events (reference TEXT NOT NULL REFERENCES letters (reference), "
        "target TEXT NOT NULL, "
        "kind TEXT NOT NULL CHECK (kind IN ('sent', 'returned', 'replied', 'no_reply')), "
        "day TEXT NOT NULL, channel TEXT CHECK (channel IS NULL OR channel IN "
        "('post', 'email', 'hand', 'fax')), summary TEXT, reply_sha256 TEXT, "
        "PRIMARY KEY (reference, kind)) WITHOUT ROWID")
    db.execute("CREATE INDEX events_by_target ON events (target, kind, day)")
    db.execute("CREATE TABLE reply_files (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, "
               "data BLOB NOT NULL)")


def _v2(db: sqlite3.Connection) -> None:
    """Solidarity cards, counted per detainee and day (a card is no letter to a target)."""
    db.execute("CREATE TABLE cards (detainee TEXT NOT NULL, day TEXT NOT NULL, "
               "count INTEGER NOT NULL CHECK (count >= 0), PRIMARY KEY (detainee, day)) "
               "WITHOUT ROWID")


#: Schema version N is made by MIGRATIONS[N - 1] from version N - 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Letter:
    reference: str
    target: str
    lang: str | None = None
    made: str | None = None


@dataclass(frozen=True)
class Event:
    reference: str
    kind: str
    day: str
    channel: str | None = None
    summary: str | None = None
    reply_sha256: str | None = None


def default_log_path(campaign_path: Path, campaign_id: str, bundled: bool) -> Path:
    """``NAME.log.sqlite`` beside the campaign file; for a bundled campaign (whose file is
    inside the installed package), ``ID.log.sqlite`` in the current folder."""
    if bundled:
        return Path(f"{campaign_id}.log.sqlite")
    name = campaign_path.name
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return campaign_path.with_name(f"{name}.log.sqlite")


class LogStore:
    """One campaign's log file, opened (and brought to the current schema) or created."""

    def __init__(self, path: Path, campaign_id: str, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.exists():
            raise AdvocateError("no outcomes log yet", file=str(path),
                                hint="record letters first: advocate log CAMPAIGN --made OUT/")
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise AdvocateError(f"cannot open the outcomes log: {exc}", file=str(path),
                                hint="check the folder exists and is writable") from None
        self.db.execute("PRAGMA foreign_keys = ON")
        try:
            self._migrate(campaign_id)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise AdvocateError(f"not an outcomes log ({exc})", file=str(path),
                                hint="pass --log FILE to choose another file") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, the lock taken first (BEGIN IMMEDIATE)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self, campaign_id: str) -> None:
        with self.writing() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise AdvocateError(
                    f"the outcomes log is of schema version {version}; this advocate knows "
                    f"up to {SCHEMA_VERSION}", file=str(self.path),
                    hint="use a newer advocate (a log is never rewritten to an older schema)")
            if version == 0 and db.execute(
                    "SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise AdvocateError("this SQLite file is not an outcomes log",
                                    file=str(self.path), hint="pass --log FILE to choose "
                                    "another file")
            for number in range(version, SCHEMA_VERSION):
                MIGRATIONS[number](db)
                db.execute(f"PRAGMA user_version = {number + 1}")
            if version == 0:
                db.execute("INSERT INTO meta VALUES ('campaign', ?)", (campaign_id,))
            owner = db.execute("SELECT value FROM meta WHERE key = 'campaign'").fetchone()
            if owner is None or owner[0] != campaign_id:
                raise AdvocateError(
                    f"this outcomes log belongs to campaign '{owner and owner[0]}', not "
                    f"'{campaign_id}'", file=str(self.path),
                    hint="pass --log FILE for this campaign's log")

    # -- reading ------------------------------------------------------------------------

    def letter(self, reference: str) -> Letter | None:
        row = self.db.execute("SELECT reference, target, lang, made FROM letters "
                              "WHERE reference = ?", (reference,)).fetchone()
        return Letter(*row) if row else None

    def letters_to(self, target: str) -> list[Letter]:
        return [Letter(*row) for row in self.db.execute(
            "SELECT reference, target, lang, made FROM letters WHERE target = ? "
            "ORDER BY reference", (target,))]

    def cards(self) -> dict[str, int]:
        """Solidarity cards counted so far, per detainee."""
        return dict(self.db.execute(
            "SELECT detainee, sum(count) FROM cards GROUP BY detainee ORDER BY detainee"))

    def references(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT reference FROM letters")]

    def events(self, reference: str | None = None) -> list[Event]:
        query = ("SELECT reference, kind, day, channel, summary, reply_sha256 FROM events")
        rows = self.db.execute(query + " WHERE reference = ? ORDER BY kind", (reference,)) \
            if reference else self.db.execute(query + " ORDER BY day, reference, kind")
        return [Event(*row) for row in rows]

    def reply_file(self, sha256: str) -> tuple[str, bytes] | None:
        row = self.db.execute("SELECT name, data FROM reply_files WHERE sha256 = ?",
                              (sha256,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    # -- writing (inside writing()) -------------------------------------------------------

    @staticmethod
    def add_letters(db: sqlite3.Connection, letters: Iterable[Letter]) -> int:
        """Letters made (one already there with the same target is kept as it was); the
        number added."""
        before = db.total_changes
        db.executemany("INSERT INTO letters VALUES (?, ?, ?, ?) ON CONFLICT (reference) "
                       "DO NOTHING", ((x.reference, x.target, x.lang, x.made) for x in letters))
        return db.total_changes - before

    @staticmethod
    def put_cards(db: sqlite3.Connection, detainee: str, day: str, count: int) -> None:
        """The cards written to ``detainee`` on ``day`` (a later count for that day wins)."""
        db.execute("INSERT INTO cards VALUES (?, ?, ?) ON CONFLICT (detainee, day) "
                   "DO UPDATE SET count = excluded.count", (detainee, day, count))

    @staticmethod
    def put_event(db: sqlite3.Connection, event: Event) -> None:
        db.execute("INSERT INTO events (reference, target, kind, day, channel, summary, "
                   "reply_sha256) SELECT reference, target, ?, ?, ?, ?, ? FROM letters "
                   "WHERE reference = ? ON CONFLICT (reference, kind) "
                   "DO UPDATE SET day = excluded.day, channel = excluded.channel, "
                   "summary = excluded.summary, reply_sha256 = excluded.reply_sha256",
                   (event.kind, event.day, event.channel, event.summary, event.reply_sha256,
                    event.reference))

    @staticmethod
    def drop_event(db: sqlite3.Connection, reference: str, kind: str) -> None:
        db.execute("DELETE FROM events WHERE reference = ? AND kind = ?", (reference, kind))

    @staticmethod
    def put_reply_file(db: sqlite3.Connection, sha256: str, name: str, data: bytes) -> None:
        db.execute("INSERT INTO reply_files VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                   (sha256, name, data))
