"""Signer lists: read CSV/TSV or YAML strictly, normalise emails, keep only what is needed.

A signer list is personal data of the most sensitive kind (a signature reveals a political
opinion), so this module follows three rules:

* **Never echo personal data.** Problems name the file, the physical line and the data row
  (``signers.csv:4: row 3: invalid email (more than one @)``), never a name, an address or a
  cell's content. :class:`Signer`'s ``repr`` shows only the row.
* **Fail closed, all at once.** Every problem in the file is collected in one pass and raised
  as one :class:`~advocate.errors.AdvocateError` (at most ``MAX_REPORTED`` shown).
* **Minimise.** With ``fields=``, columns the templates do not use are dropped on read; they
  are neither validated nor kept in memory. ``name`` is always kept.

Row numbers: ``Signer.row`` (and "row N" in messages) counts the records after the header
row, 1-based, blank rows included, so in a file without multi-line cells row N is
spreadsheet row N+1 and sits on line N+1. For YAML lists it is the item's index + 1.
``Signer.line`` is the physical line where the record starts (the ``file:line`` of messages).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from advocate.errors import AdvocateError, Problem, did_you_mean
from advocate.schema.emails import email_key, normalise_email

if TYPE_CHECKING:
    from yaml.events import Event

__all__ = [
    "KNOWN_COLUMNS",
    "MAX_BYTES",
    "MAX_FIELD_CHARS",
    "MAX_REPORTED",
    "Signer",
    "email_key",
    "normalise_email",
    "parse_signers",
    "read_signers",
]

KNOWN_COLUMNS: tuple[str, ...] = ("name", "email", "city", "country", "note", "public",
                                   "address")
MAX_BYTES = 20 * 1024 * 1024
MAX_FIELD_CHARS = 10_000
MAX_REPORTED = 50

Dedupe = Literal["error", "first"]

_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0", ""})
_YAML_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True, repr=False)
class Signer:
    """One validated signer. ``public`` is consent to be named (default: counted, not named)."""

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

    def __repr__(self) -> str:
        # Personal data must not reach logs or tracebacks through a repr.
        return f"Signer(row={self.row})"


class SignerList(list[Signer]):
    """The signers of a list, and how many rows ``--dedupe first`` dropped as duplicates."""

    dropped: int = 0


# --------------------------------------------------------------------------- problems


class _Problems:
    """Collects every problem of one file, then raises them together."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.items: list[Problem] = []

    def add(
        self,
        message: str,
        line: int | None = None,
        hint: str | None = None,
        column: int | None = None,
    ) -> None:
        self.items.append(Problem(message, self.filename, line, column, hint))

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
        hidden = len(ordered) - len(shown)
        if hidden:
            more = "problem" if hidden == 1 else "problems"
            shown = [*shown, Problem(f"and {hidden} more {more}", self.filename)]
        return AdvocateError(problems=shown)

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()


def _did_you_mean(word: str, choices: Collection[str]) -> str:
    known = f"known columns: {', '.join(choices)}"
    close = did_you_mean(word, choices)
    return f"{close} {known}" if close else known


def _speakable(header: str) -> bool:
    """Whether a header cell may be quoted back: a header-like word, not somebody's data."""
    return len(header) <= 30 and "@" not in header and header.isprintable()


# --------------------------------------------------------------------------- decoding


def _decode(data: bytes, filename: str, encoding: str | None, problems: _Problems) -> str:
    """Decode strictly: UTF-8 (BOM optional), UTF-16 with BOM, or the encoding asked for."""
    explicit = encoding is not None
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise problems.fail(
                f"unknown encoding '{encoding}'", hint="for example utf-8, cp1252 or utf-16"
            ) from None
        enc = "utf-8-sig" if codec == "utf-8" else encoding
    elif data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        enc = "utf-16"
    else:
        # Never guess: latin-1 "works" on anything and silently garbles names.
        enc = "utf-8-sig"
    try:
        return data.decode(enc)
    except LookupError:  # e.g. 'rot13': a codec, but not a text encoding
        raise problems.fail(
            f"unknown encoding '{encoding}'", hint="for example utf-8, cp1252 or utf-16"
        ) from None
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(enc, errors="replace")
        line = len(_LINE_BREAK.findall(prefix)) + 1
        shown = "UTF-8" if enc.startswith("utf-8") else ("UTF-16" if enc == "utf-16" else enc)
        if explicit:
            hint = "check the file's encoding"
        elif enc == "utf-16":
            hint = "the file starts like UTF-16 but is damaged; save it again"
        else:
            hint = "try --encoding cp1252"
        raise problems.fail(f"not valid {shown}", line, hint) from None


def _check_text(text: str, problems: _Problems) -> None:
    nul = text.find("\x00")
    if nul >= 0:
        line = len(_LINE_BREAK.findall(text, 0, nul)) + 1
        raise problems.fail(
            "contains a NUL byte",
            line,
            "is it a spreadsheet rather than a text file? a UTF-16 file without a byte-order"
            " mark needs --encoding utf-16",
        )


# --------------------------------------------------------------------------- records

# One raw record: data row number, physical line, {column: raw text}, {column: line}.
_Record = tuple[int, int, dict[str, str], dict[str, int]]


def _sniff_delimiter(text: str, suffix: str) -> str:
    """Tab for .tsv and Excel's "Unicode Text"; else ',' or ';' as the header row shows.

    Header cells are column names, which contain none of these characters, so the first
    line decides reliably. ';' is what Excel writes as "CSV" where ',' is the decimal mark.
    """
    if suffix in (".tsv", ".tab"):
        return "\t"
    first = _LINE_BREAK.split(text, maxsplit=1)[0]
    if "," in first:
        return ","
    if "\t" in first:
        return "\t"
    if ";" in first:
        return ";"
    return ","


def _csv_records(
    text: str, suffix: str, keep: frozenset[str], problems: _Problems
) -> list[_Record]:
    delimiter = _sniff_delimiter(text, suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns: list[str | None] | None = None  # kept field per column index, or None (dropped)
    width = 0
    unnamed: set[int] = set()
    records: list[_Record] = []
    row = 0
    while True:
        before = reader.line_num
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start = before + 1
            if columns is not None:
                row += 1
            message = str(exc)
            if "field larger than field limit" in message:
                problems.add(
                    "field too large",
                    start,
                    f"a field may hold at most {MAX_FIELD_CHARS:,} characters",
                )
            elif "unexpected end of data" in message:
                problems.add(
                    "unclosed quote",
                    start,
                    "a quoted field in the row that starts on this line never ends",
                )
            else:
                problems.add(
                    "malformed quoting",
                    reader.line_num,
                    'quote the whole field and double any quote inside it: "say ""hi"""',
                )
            continue
        start = before + 1
        blank = all(not c.strip() for c in cells)
        if columns is None:
            if blank:
                continue
            columns = _read_header(cells, start, keep, unnamed, problems)
            width = len(cells)
            continue
        row += 1
        if blank:
            continue
        if len(cells) != width:
            problems.add(f"expected {width} fields, got {len(cells)}", start)
            continue
        values: dict[str, str] = {}
        for index, cell in enumerate(cells):
            if index in unnamed and cell.strip():
                problems.add(
                    f"row {row}: column {index + 1} has a value but no header",
                    start,
                    "name the column in the header row, or delete the value",
                )
            field = columns[index]
            if field is not None:
                values[field] = cell
        records.append((row, start, values, {}))
    if columns is None:
        raise problems.fail(
            "empty signer list",
            1,
            f"expected a header row such as {','.join(KNOWN_COLUMNS)}",
        )
    return records


def _read_header(
    cells: list[str], line: int, keep: frozenset[str], unnamed: set[int], problems: _Problems
) -> list[str | None]:
    headers = [c.strip().casefold() for c in cells]
    if not any(h in KNOWN_COLUMNS for h in headers):
        # A data row (no header) or a header with every name misspelt: not quoted back,
        # since it may be somebody's name and address.
        problems.add(
            "the first row names no known column",
            line,
            f"the first row must name the columns, for example {','.join(KNOWN_COLUMNS)}",
        )
        return [None] * len(cells)
    seen: set[str] = set()
    columns: list[str | None] = []
    for index, header in enumerate(headers):
        field: str | None = None
        if not header:
            unnamed.add(index)
        elif header in seen:
            problems.add(f"duplicate column '{header}'", line)
        elif header not in KNOWN_COLUMNS:
            what = f"'{header}'" if _speakable(header) else str(index + 1)
            problems.add(f"unknown column {what}", line, _did_you_mean(header, KNOWN_COLUMNS))
        elif header in keep:
            field = header
        if header:
            seen.add(header)
        columns.append(field)
    if "name" not in seen:
        problems.add("no 'name' column", line, "the header row must include name")
    return columns


def _yaml_events(text: str) -> Iterator[Event]:
    import yaml  # deferred: keeps `import advocate.signers` light for text commands

    # BaseLoader resolves nothing, so every scalar stays a string ('NO', '01234', '12:30').
    # We only read the event stream: no constructor ever runs, so no tag can build an object.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    return iter(yaml.parse(text, Loader=loader))


def _mark(event: Any) -> tuple[int | None, int | None]:
    mark = getattr(event, "start_mark", None)
    if mark is None:
        return None, None
    return int(mark.line) + 1, int(mark.column) + 1


def _yaml_records(text: str, keep: frozenset[str], problems: _Problems) -> list[_Record]:
    """A YAML list of flat mappings of scalars; no anchors, aliases, tags or nesting."""
    import yaml
    from yaml.events import (
        AliasEvent,
        CollectionStartEvent,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )

    def checked(events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            line, column = _mark(event)
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
                raise problems.fail("anchors and aliases are not allowed", line, column=column)
            if getattr(event, "tag", None) is not None:
                raise problems.fail("tags are not allowed", line, column=column)
            yield event

    def skip(first: Event, events: Iterator[Event]) -> None:
        """Consume the rest of a collection whose start event was ``first``."""
        if not isinstance(first, CollectionStartEvent):
            return
        depth = 1
        while depth:
            event = next(events)
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                depth -= 1

    def scalar_text(event: ScalarEvent) -> str:
        if event.style in (None, "") and event.value in _YAML_NULLS:
            return ""
        return str(event.value)

    records: list[_Record] = []
    unknown_seen: set[str] = set()
    try:
        events = checked(_yaml_events(text))
        next(events)  # StreamStart
        event = next(events)
        if isinstance(event, StreamEndEvent):
            raise problems.fail("empty signer list", 1, "expected a list of signers")
        assert isinstance(event, DocumentStartEvent)
        event = next(events)
        if isinstance(event, ScalarEvent) and scalar_text(event) == "":
            raise problems.fail("empty signer list", 1, "expected a list of signers")
        if not isinstance(event, SequenceStartEvent):
            line, column = _mark(event)
            raise problems.fail(
                "expected a list of signers",
                line,
                "each item looks like: - name: ...",
                column,
            )
        row = 0
        while True:
            item = next(events)
            if isinstance(item, SequenceEndEvent):
                break
            row += 1
            line, column = _mark(item)
            assert line is not None
            if not isinstance(item, MappingStartEvent):
                problems.add(
                    f"row {row}: expected a mapping",
                    line,
                    "each item looks like: - name: ...",
                    column,
                )
                skip(item, events)
                continue
            values: dict[str, str] = {}
            first_line: dict[str, int] = {}
            while True:
                key_event = next(events)
                if isinstance(key_event, MappingEndEvent):
                    break
                key_line, key_column = _mark(key_event)
                value_event = next(events)
                if not isinstance(key_event, ScalarEvent):
                    problems.add(f"row {row}: keys must be text", key_line, column=key_column)
                    skip(key_event, events)
                    skip(value_event, events)
                    continue
                key = key_event.value.strip().casefold()
                if key in first_line:
                    problems.add(
                        f"row {row}: duplicate key '{key}'"
                        if _speakable(key)
                        else f"row {row}: duplicate key",
                        key_line,
                        f"first at line {first_line[key]}",
                        key_column,
                    )
                    skip(value_event, events)
                    continue
                assert key_line is not None
                first_line[key] = key_line
                if key not in KNOWN_COLUMNS:
                    if key not in unknown_seen:
                        unknown_seen.add(key)
                        what = f"'{key}'" if _speakable(key) else ""
                        problems.add(
                            f"row {row}: unknown key {what}".rstrip(),
                            key_line,
                            _did_you_mean(key, KNOWN_COLUMNS),
                            key_column,
                        )
                    skip(value_event, events)
                    continue
                if not isinstance(value_event, ScalarEvent):
                    value_line, value_column = _mark(value_event)
                    problems.add(
                        f"row {row}: '{key}' must be text",
                        value_line,
                        "one value per key, not a list or mapping",
                        value_column,
                    )
                    skip(value_event, events)
                    continue
                if key in keep:
                    values[key] = scalar_text(value_event)
            records.append((row, line, values, first_line))
        if not isinstance(next(events), DocumentEndEvent):  # pragma: no cover - parser invariant
            raise problems.fail("unexpected content after the list")
        event = next(events)
        if not isinstance(event, StreamEndEvent):
            line, column = _mark(event)
            raise problems.fail(
                "more than one YAML document", line, "a signer file holds one list", column
            )
    except yaml.MarkedYAMLError as exc:
        problems.items.clear()  # what came before a syntax error is not to be trusted
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise problems.fail(
            f"invalid YAML: {exc.problem or exc.context or 'syntax error'}", line, column=column
        ) from None
    except yaml.YAMLError:  # pragma: no cover - libyaml errors are all marked
        problems.items.clear()
        raise problems.fail("invalid YAML") from None
    except RecursionError:
        raise problems.fail("nested too deeply") from None
    return records


# --------------------------------------------------------------------------- signers


def _clean(value: str, *, multiline: bool) -> tuple[str, str | None]:
    """NFC and trimmed; returns (text, what is wrong) so the caller can name row and column.

    Only ``note`` may span lines (its line breaks become ``\n``). Control characters are
    refused everywhere: in a name they could break a letter's layout or an email header.
    """
    value = unicodedata.normalize("NFC", value).strip()
    allowed = ""
    if multiline:
        value = _LINE_BREAK.sub("\n", value)
        allowed = "\n\t"
    if value.isprintable():  # no Cc, Zl or Zp character: the common case, checked in C
        return value, None
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            what = "a control character" if multiline else "a line break or control character"
            return value, what
    return value, None


def _make_signer(
    record: _Record, yaml_list: bool, problems: _Problems
) -> tuple[Signer | None, str | None]:
    """The row's Signer (None if it has problems) and its valid email, for deduplication."""
    row, line, values, key_lines = record
    ok = True
    cleaned: dict[str, str] = {}
    for field, raw in values.items():
        where = key_lines.get(field, line)
        if len(raw) > MAX_FIELD_CHARS:
            problems.add(
                f"row {row}: field '{field}' too large",
                where,
                f"{len(raw):,} characters; the limit is {MAX_FIELD_CHARS:,}",
            )
            ok = False
            continue
        text, bad = _clean(raw, multiline=field in ("note", "address"))
        if bad:
            problems.add(f"row {row}: '{field}' contains {bad}", where)
            ok = False
            continue
        cleaned[field] = text

    name = cleaned.get("name", "")
    if "name" in cleaned:
        if not name:
            problems.add(
                f"row {row}: empty name",
                key_lines.get("name", line),
                "every signer needs a name; delete the row if it is not a signer",
            )
            ok = False
    elif "name" not in values:
        # A CSV without a name column was already reported once, at its header.
        if yaml_list and "name" not in key_lines:
            problems.add(f"row {row}: missing name", line, "every signer needs a name")
        ok = False

    email: str | None = None
    if cleaned.get("email"):
        try:
            email = normalise_email(cleaned["email"])
        except ValueError as exc:
            problems.add(f"row {row}: invalid email", key_lines.get("email", line), str(exc))
            ok = False

    public = False
    if "public" in cleaned:
        flag = cleaned["public"].casefold()
        if flag in _TRUE:
            public = True
        elif flag not in _FALSE:
            problems.add(
                f"row {row}: invalid value for 'public'",
                key_lines.get("public", line),
                "use yes or no; empty means no: the signer is counted, not named",
            )
            ok = False
    if not ok:
        return None, email
    signer = Signer(
        row=row,
        name=name,
        email=email,
        city=cleaned.get("city") or None,
        country=cleaned.get("country") or None,
        note=cleaned.get("note") or None,
        address=cleaned.get("address") or None,
        public=public,
        line=line,
        file=problems.filename,
    )
    return signer, email


def _keep(fields: Collection[str] | None) -> frozenset[str]:
    if fields is None:
        return frozenset(KNOWN_COLUMNS)
    if isinstance(fields, str):
        raise TypeError("fields must be a collection of column names, not a str")
    wanted = {f.strip().casefold() for f in fields}
    unknown = wanted - set(KNOWN_COLUMNS)
    if unknown:
        raise ValueError(f"unknown signer fields: {', '.join(sorted(unknown))}")
    return frozenset(wanted | {"name"})


def parse_signers(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    dedupe: Dedupe = "error",
    max_bytes: int = MAX_BYTES,
    fields: Collection[str] | None = None,
) -> list[Signer]:
    """Parse a signer list held in memory; ``filename`` names it in messages and picks the format.

    Pure (no I/O), so it can be fuzzed: on bad input it raises only AdvocateError.
    ``fields`` lists the columns the templates use; other columns are dropped unread
    (data minimisation), and ``name`` is always kept. Dedupe by email only runs when the
    ``email`` column is kept.
    """
    if dedupe not in ("error", "first"):
        raise ValueError("dedupe must be 'error' or 'first'")
    keep = _keep(fields)
    problems = _Problems(filename)
    suffix = Path(filename).suffix.casefold()
    if len(data) > max_bytes:
        raise problems.fail(
            "file too large", hint=f"{len(data):,} bytes; the limit is {max_bytes:,}"
        )
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise problems.fail(
            "this is a spreadsheet workbook, not a CSV file",
            hint="in your spreadsheet use Save As > CSV UTF-8",
        )
    if suffix not in _TABLE_SUFFIXES and suffix not in _YAML_SUFFIXES:
        raise problems.fail(
            f"unsupported signer file type '{suffix}'" if suffix else "no file extension",
            hint="use a .csv (UTF-8, header row) or a .yaml list",
        )
    text = _decode(data, filename, encoding, problems)
    _check_text(text, problems)

    yaml_list = suffix in _YAML_SUFFIXES
    if yaml_list:
        records = _yaml_records(text, keep, problems)
    else:
        records = _csv_records(text, suffix, keep, problems)

    signers = SignerList()
    first_row: dict[str, int] = {}
    for record in records:
        # Rows with other problems still take part, so duplicates show up in the same pass.
        signer, email = _make_signer(record, yaml_list, problems)
        if email is not None:
            key = email_key(email)
            row, line = record[0], record[1]
            if key in first_row:
                if dedupe == "error":
                    problems.add(
                        f"rows {first_row[key]} and {row} have the same email",
                        line,
                        "remove one, or pass --dedupe first",
                    )
                signers.dropped += 1
                continue
            first_row[key] = row
        if signer is not None:
            signers.append(signer)
    problems.raise_if_any()
    if not signers:
        raise problems.fail("no signers", hint="the file has no data rows")
    return signers


def read_signers(
    path: Path,
    *,
    encoding: str | None = None,
    dedupe: Dedupe = "error",
    max_bytes: int = MAX_BYTES,
    fields: Collection[str] | None = None,
) -> list[Signer]:
    """Read and validate a signer file (see :func:`parse_signers`); I/O errors are AdvocateError."""
    path = Path(path)
    filename = str(path)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:  # say so without reading a huge file into memory
                raise AdvocateError(
                    "file too large",
                    file=filename,
                    hint=f"{size:,} bytes; the limit is {max_bytes:,}",
                )
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise AdvocateError("file not found", file=filename) from None
    except IsADirectoryError:
        raise AdvocateError("is a folder, not a signer file", file=filename) from None
    except OSError as exc:
        raise AdvocateError(f"cannot read: {exc.strerror or 'I/O error'}", file=filename) from None
    return parse_signers(
        data, filename, encoding=encoding, dedupe=dedupe, max_bytes=max_bytes, fields=fields
    )
