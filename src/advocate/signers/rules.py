"""The rules every signer row follows, whatever file it came from.

Names, emails, consent (``public``), cleaning of text, de-duplication by email and the
collection of problems live here once; each source (CSV, YAML, spreadsheets) only turns its
file into :class:`Record` s. Three rules hold throughout:

* **Never echo personal data.** Problems name the file, the line (or sheet row and cell) and
  the data row, never a name, an address or a cell's content.
* **Fail closed, all at once.** Every problem is collected in one pass and raised together
  (at most ``MAX_REPORTED`` shown); only the first ``_KEPT`` are held, so a list of a
  million bad rows still reads in bounded memory.
* **Bounded memory.** De-duplication keeps 12 bytes per email in a flat table
  (:class:`EmailSeen`), not the addresses themselves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from advocate.errors import AdvocateError, Problem, did_you_mean
from advocate.schema.emails import normalise_email, normalised_key
from advocate.signers.consent import _PUBLIC_HINT, _first_word, consent_forms, language_code

__all__ = [
    "KNOWN_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_REPORTED",
    "Dedupe",
    "EmailSeen",
    "PetitionRow",
    "Problems",
    "Record",
    "RowRules",
    "Signer",
    "SkippedRow",
]

KNOWN_COLUMNS: tuple[str, ...] = ("name", "email", "city", "country", "note", "public",
                                   "address", "lang")
MAX_FIELD_CHARS = 10_000
MAX_REPORTED = 50
_KEPT = 1_000  # problems held in memory; the rest are only counted

Dedupe = Literal["error", "first"]

LINE_BREAK = re.compile(r"\r\n|\r|\n")


#: What a petition's compact list keeps of a signer (:meth:`RowRules.petition_row`): row,
#: line (0: none), consent to be named, name, city and country ("" when empty).
PetitionRow = tuple[int, int, bool, str, str, str]


@dataclass(frozen=True, slots=True, repr=False)
class Signer:
    """One validated signer. ``public`` is consent to be named (default: counted, not named).

    ``given_name`` and ``family_name`` are set when the list had them in separate columns
    (``name`` is then the two joined in their script's order, see
    :func:`advocate.signers.names.join_name`); they let an OSDI export keep them apart.
    """

    row: int
    name: str
    email: str | None = None
    city: str | None = None
    country: str | None = None
    note: str | None = None
    public: bool = False
    line: int | None = None
    file: str | None = None
    address: str | None = None  # postal address, so a reply by post is possible
    given_name: str | None = None
    family_name: str | None = None
    lang: str | None = None  # the language the signer reads (a reading copy is made in it)

    def __repr__(self) -> str:
        # Personal data must not reach logs or tracebacks through a repr.
        return f"Signer(row={self.row})"


class Record:
    """One raw row: its data-row number, where it is, and its text per signer field.

    ``lines`` (YAML) gives the line of each key; ``columns`` (spreadsheets) the 1-based
    column of each field's cell, so a problem can name the cell.
    """

    __slots__ = ("columns", "line", "lines", "row", "values")

    def __init__(
        self,
        row: int,
        line: int,
        values: dict[str, str],
        lines: dict[str, int] | None = None,
        columns: dict[str, int] | None = None,
    ) -> None:
        self.row = row
        self.line = line
        self.values = values
        self.lines = lines
        self.columns = columns


# --------------------------------------------------------------------------- problems


def column_letters(index: int) -> str:
    """Spreadsheet column name of a 1-based column number: 1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def speakable(header: str) -> bool:
    """Whether a header cell may be quoted back: a header-like word, not somebody's data."""
    return 0 < len(header) <= 40 and "@" not in header and header.isprintable()


def column_hint(word: str, choices: Collection[str]) -> str:
    """The hint for an unknown column: a close one if any, then every known column."""
    known = f"known columns: {', '.join(choices)}"
    close = did_you_mean(word, choices)
    return f"{close} {known}" if close else known


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row left out by ``--on-bad-row skip``: where and why, never what it held."""

    row: int
    line: int | None
    column: str | None
    reason: str
    hint: str | None = None


_SKIPPED_KEPT = 100_000  # rows listed in the report at most (the rest are counted)


class Problems:
    """Collects every problem of one file (and notices), then raises the problems together.

    ``sheet`` is set for spreadsheets: row problems then name the cell as a spreadsheet
    does (``'Form Responses 1'!C5``).
    """

    def __init__(self, filename: str, sheet: str | None = None, *,
                 skip_rows: bool = False) -> None:
        self.filename = filename
        self.sheet = sheet
        self.items: list[Problem] = []
        self.count = 0
        self.notices: list[Problem] = []
        #: ``--on-bad-row skip``: a row's problems leave the row out and are listed here
        #: (row, line, column, reason) instead of failing the list.
        self.skip_rows = skip_rows
        self.skipped: list[SkippedRow] = []
        self.skipped_count = 0

    def add(
        self,
        message: str,
        line: int | None = None,
        hint: str | None = None,
        column: int | None = None,
    ) -> None:
        self.count += 1
        if len(self.items) < _KEPT:
            self.items.append(Problem(message, self.filename, line, column, hint))

    def clear(self) -> None:
        """Forget what was collected (what came before a syntax error is not to be trusted)."""
        self.items.clear()
        self.count = 0

    def notice(self, message: str, line: int | None = None, hint: str | None = None) -> None:
        self.notices.append(Problem(message, self.filename, line, None, hint, "warning"))

    def row(self, record: Record, field: str | None, message: str, hint: str | None = None) -> None:
        """A problem with one row (and, when known, the field's cell or key line)."""
        if self.skip_rows:
            self.skip(record.row, record.line, field, message, hint)
            return
        line = record.line
        column = None
        where = f"row {record.row}"
        if field is not None and record.lines is not None:
            line = record.lines.get(field, line)
        if field is not None and record.columns is not None and field in record.columns:
            column = record.columns[field]
            if self.sheet is not None:
                where += f", cell {sheet_ref(self.sheet)}!{column_letters(column)}{line}"
        self.add(f"{where}: {message}", line, hint, column)

    def skip(self, row: int, line: int | None, field: str | None, message: str,
             hint: str | None = None) -> None:
        """Leave a bad row out (``skip_rows``): its reason goes to the report, never its data."""
        if len(self.skipped) < _SKIPPED_KEPT:
            self.skipped.append(SkippedRow(row, line, _label(field) if field else None,
                                           message, hint))
        self.skipped_count += 1

    def fail(
        self,
        message: str,
        line: int | None = None,
        hint: str | None = None,
        column: int | None = None,
    ) -> AdvocateError:
        """An error holding what was collected so far plus this fatal problem."""
        self.add(message, line, hint, column)
        return self.error()

    def error(self) -> AdvocateError:
        # In file order, so the list reads top to bottom like the file.
        ordered = sorted(self.items, key=lambda p: (p.line or 0, p.column or 0))
        shown = ordered[:MAX_REPORTED]
        hidden = self.count - len(shown)
        if hidden:
            more = "problem" if hidden == 1 else "problems"
            shown = [*shown, Problem(f"and {hidden} more {more}", self.filename)]
        return AdvocateError(problems=shown)

    def raise_if_any(self) -> None:
        if self.count:
            raise self.error()


def sheet_ref(name: str) -> str:
    """A sheet name as a spreadsheet formula would write it: quoted unless a plain word."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"


# --------------------------------------------------------------------------- dedupe


class EmailSeen:
    """Which emails were seen, and on which row: 12 bytes per email (plus half-empty slots).

    An open-addressing table of 64-bit BLAKE2b digests of :func:`email_key` and 32-bit row
    numbers in two flat arrays, kept at most half full. Two different addresses share a
    digest with probability about n²/2⁶⁵ (3·10⁻⁸ for a million rows).
    """

    __slots__ = ("_mask", "_rows", "_slots", "count")

    def __init__(self, capacity: int = 1024) -> None:
        size = 1024
        while size < 2 * capacity:
            size *= 2
        self._mask = size - 1
        self._slots = array("Q", bytes(8 * size))
        self._rows = array("I", bytes(4 * size))
        self.count = 0

    @property
    def nbytes(self) -> int:
        return self._slots.itemsize * len(self._slots) + self._rows.itemsize * len(self._rows)

    @staticmethod
    def digest(email: str) -> int:
        """The digest of an address :func:`normalise_email` returned."""
        key = normalised_key(email).encode("utf-8", "surrogatepass")
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") or 1

    def first_row(self, email: str, row: int) -> int | None:
        """The row that had this email before, or None (and ``row`` is recorded)."""
        h = self.digest(email)
        slots = self._slots
        mask = self._mask
        i = h & mask
        while True:
            v = slots[i]
            if v == 0:
                break
            if v == h:
                return int(self._rows[i])
            i = (i + 1) & mask
        slots[i] = h
        self._rows[i] = row
        self.count += 1
        if 2 * self.count > mask:
            self._grow()
        return None

    def _grow(self) -> None:
        old_slots, old_rows = self._slots, self._rows
        size = 2 * (self._mask + 1)
        self._mask = mask = size - 1
        self._slots = slots = array("Q", bytes(8 * size))
        self._rows = rows = array("I", bytes(4 * size))
        for h, row in zip(old_slots, old_rows, strict=True):
            if h:
                i = h & mask
                while slots[i]:
                    i = (i + 1) & mask
                slots[i] = h
                rows[i] = row


# --------------------------------------------------------------------------- rows


def clean(value: str, *, multiline: bool) -> tuple[str, str | None]:
    """NFC and trimmed; returns (text, what is wrong) so the caller can name row and column.

    Only ``note`` may span lines (its line breaks become ``\\n``). Control characters are
    refused everywhere: in a name they could break a letter's layout or an email header.
    """
    if value.isascii() and value.isprintable():  # the common case: already NFC, no breaks
        return value.strip(), None
    value = unicodedata.normalize("NFC", value).strip()
    allowed = ""
    if multiline:
        value = LINE_BREAK.sub("\n", value)
        allowed = "\n\t"
    if value.isprintable():  # no Cc, Zl or Zp character: the common case, checked in C
        return value, None
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            what = "a control character" if multiline else "a line break or control character"
            return value, what
    return value, None


class RowRules:
    """Turns records into signers, checking each field and duplicate emails."""

    def __init__(
        self,
        problems: Problems,
        *,
        dedupe: Dedupe = "error",
        languages: Iterable[str] | None = None,
        named_keys: bool = False,
        expected_rows: int = 0,
    ) -> None:
        if dedupe not in ("error", "first"):
            raise ValueError("dedupe must be 'error' or 'first'")
        self.problems = problems
        self.dedupe = dedupe
        self.yes, self.no = consent_forms(languages)
        asked = consent_forms(())
        extra = sorted((self.yes | self.no) - asked[0] - asked[1])
        self.public_hint = (
            _PUBLIC_HINT if not extra else _PUBLIC_HINT.replace("yes or no", "yes or no (or "
                                                                 + ", ".join(extra) + ")")
        )
        self.named_keys = named_keys  # YAML: a missing 'name' key is reported per row
        # Sized for the rows the file can hold (64 bytes a row), so the table rarely has to
        # grow, and never holds old and new arrays at once for a list of typical rows.
        self.seen = EmailSeen(min(expected_rows, 1 << 24))
        self.rows = 0
        self.duplicates = 0
        self.public = 0
        self.signers = 0
        self.bad_consent = 0  # rows whose 'public' is neither yes nor no
        self.bad_consent_rows: list[int] = []  # after the first (reported once, in finish)
        self.bad_consent_line: int | None = None  # the first one's (the summary's place)

    def signer(self, record: Record) -> Signer | None:
        """The row's Signer, or None (a problem was recorded, or a duplicate was dropped)."""
        admitted = self._admitted(record)
        if admitted is None:
            return None
        (cleaned, public, lang), email = admitted
        return Signer(
            row=record.row,
            name=cleaned["name"],
            email=email,
            city=cleaned.get("city") or None,
            country=cleaned.get("country") or None,
            note=cleaned.get("note") or None,
            address=cleaned.get("address") or None,
            public=public,
            line=record.line,
            file=self.problems.filename,
            given_name=cleaned.get("given_name") or None,
            family_name=cleaned.get("family_name") or None,
            lang=lang,
        )

    def petition_row(self, record: Record) -> PetitionRow | None:
        """What a petition's compact list keeps of the row (:data:`PetitionRow`), checked
        and de-duplicated exactly as :meth:`signer` does, without making a Signer (a tuple
        costs a tenth of one: a million rows are read in about 7.2 s of CPU, not 9.4)."""
        admitted = self._admitted(record)
        if admitted is None:
            return None
        (cleaned, public, _), _ = admitted
        return (record.row, record.line or 0, public, cleaned["name"],
                cleaned.get("city") or "", cleaned.get("country") or "")

    def _admitted(self, record: Record
                  ) -> tuple[tuple[dict[str, str], bool, str | None], str | None] | None:
        """The row checked (its fields, consent and language) and its email, counted; None
        when a problem was recorded or a duplicate dropped (:meth:`signer`,
        :meth:`petition_row`)."""
        self.rows += 1
        checked, email = self._checked(record)
        if email is not None and self._duplicate(record, email):
            return None
        if checked is None:
            return None
        self.signers += 1
        self.public += checked[1]
        return checked, email

    def _duplicate(self, record: Record, email: str) -> bool:
        """True when an earlier row had ``email`` (said, as ``dedupe`` asks)."""
        first = self.seen.first_row(email, record.row)
        if first is None:
            return False
        self.duplicates += 1
        if self.dedupe == "error" and self.problems.skip_rows:
            self.problems.row(record, "email", f"the same email as row {first}",
                              "remove one, or pass --dedupe first")
        elif self.dedupe == "error":
            self.problems.add(
                f"rows {first} and {record.row} have the same email",
                record.line,
                "remove one, or pass --dedupe first",
            )
        return True

    def finish(self) -> None:
        """Say once what many rows share: the same unreadable consent answers."""
        more = self.bad_consent - 1
        if more > 0 and not self.problems.skip_rows:
            rows = ", ".join(map(str, self.bad_consent_rows)) + (", ..." if more > 10 else "")
            self.problems.add(
                f"and {more} more row{'s' if more > 1 else ''} with an invalid value for "
                f"'public' (rows {rows})", self.bad_consent_line,
                "the consent answers are in a language or wording advocate does not read: "
                "map another column, change the answers to yes/no, or pass --lang CODE "
                "(or --campaign) for that language's words")

    def _checked(self, record: Record
                 ) -> tuple[tuple[dict[str, str], bool, str | None] | None, str | None]:
        """The row's cleaned fields, consent and language (None if it has problems: said)
        and its valid email, for deduplication. The common case (plain ASCII fields, yes or
        no, a plain address) makes no call but the email's."""
        problems = self.problems
        ok = True
        cleaned: dict[str, str] = {}
        for field, raw in record.values.items():
            if raw.isascii() and raw.isprintable() and len(raw) <= MAX_FIELD_CHARS:
                cleaned[field] = raw.strip()  # the common case, without a call
            elif not self._clean(record, field, raw, cleaned):
                ok = False
        name = cleaned.get("name", "")
        if not name:
            self._nameless(record, cleaned)
            ok = False
        email: str | None = None
        if cleaned.get("email"):
            try:
                email = normalise_email(cleaned["email"])
            except ValueError as exc:
                problems.row(record, "email", "invalid email", str(exc))
                ok = False
        public = False
        if "public" in cleaned:
            flag = cleaned["public"].casefold()
            if flag in self.yes:
                public = True
            elif flag not in self.no:
                consent = self._worded_consent(record, flag)
                public, ok = consent is True, ok and consent is not None
        lang: str | None = None
        if cleaned.get("lang"):
            lang = self._language(record, cleaned["lang"])
            ok = ok and lang is not None
        return ((cleaned, public, lang) if ok else None), email

    def _clean(self, record: Record, field: str, raw: str, cleaned: dict[str, str]) -> bool:
        """A field past the common case (too long, or not plain ASCII) into ``cleaned``;
        False when it has a problem (said)."""
        if len(raw) > MAX_FIELD_CHARS:
            self.problems.row(
                record,
                field,
                f"field '{_label(field)}' too large",
                f"{len(raw):,} characters; the limit is {MAX_FIELD_CHARS:,}",
            )
            return False
        text, bad = clean(raw, multiline=field in ("note", "address"))
        if bad and field in ("given_name", "family_name"):
            return True  # the joined name has the same character and says so
        if bad:
            self.problems.row(record, field, f"'{_label(field)}' contains {bad}")
            return False
        cleaned[field] = text
        return True

    def _nameless(self, record: Record, cleaned: dict[str, str]) -> None:
        """Say why a row has no name (a name its cleaning refused is said already)."""
        if "name" in cleaned:
            self.problems.row(
                record,
                "name",
                "empty name",
                "every signer needs a name; delete the row if it is not a signer",
            )
        elif "name" not in record.values and self.named_keys and (
                record.lines is None or "name" not in record.lines):
            # A table without a name column was already reported once, at its header.
            self.problems.row(record, None, "missing name", "every signer needs a name")

    def _worded_consent(self, record: Record, flag: str) -> bool | None:
        """An answer to 'public' that is not a bare yes or no: read by its first word
        ("Sí, muéstrenlo"); None when it reads as neither (said, for the first row only
        unless rows are skipped: :meth:`finish` says the rest)."""
        answer = _first_word(flag)
        if answer and answer in self.yes:
            return True
        if answer and answer in self.no:
            return False
        self.bad_consent += 1
        if self.bad_consent == 1 or self.problems.skip_rows:
            self.problems.row(record, "public", "invalid value for 'public'", self.public_hint)
            self.bad_consent_line = record.line
        elif len(self.bad_consent_rows) < 10:  # said once, at the end
            self.bad_consent_rows.append(record.row)
        return None

    def _language(self, record: Record, text: str) -> str | None:
        """The row's language code; None when it is none (said)."""
        lang = language_code(text)
        if lang is None:
            self.problems.row(record, "lang", "'lang' is not a language code",
                              "use a code such as es, en, ar or pt-BR (or leave it empty)")
        return lang


def _label(field: str) -> str:
    return "name" if field in ("given_name", "family_name") else field
