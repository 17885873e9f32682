"""CSV and TSV signer lists, read as a stream: one row in memory at a time.

Encodings are strict: UTF-8 (byte-order mark optional), UTF-16 with a byte-order mark, or
the one asked for; never guessed (latin-1 "works" on anything and silently garbles names).
The delimiter is tab for ``.tsv``/``.tab`` and Excel's "Unicode Text", otherwise ``,`` or
``;`` as the header line shows (``;`` is what Excel writes as "CSV" where ``,`` is the
decimal mark).

Row numbers: "row N" counts the records after the header row, 1-based, blank rows included,
so in a file without multi-line cells row N is spreadsheet row N+1 and sits on line N+1.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from advocate.signers.rules import KNOWN_COLUMNS, Problems

__all__ = ["Table", "csv_table", "decode_text"]

_CHUNK = 1 << 16


@dataclass
class Table:
    """A header row and an iterator over the data rows ``(row, line, cells)``."""

    header: list[str]
    line: int
    rows: Iterator[tuple[int, int, list[str]]]
    handle: io.TextIOWrapper | None = None  # closing it closes the file


def _codec(stream: BinaryIO, encoding: str | None, problems: Problems) -> str:
    if encoding is not None:
        try:
            info = codecs.lookup(encoding)
            io.TextIOWrapper(io.BytesIO(), encoding)  # LookupError: no text encoding (base64)
        except LookupError:
            info = None
        if info is None:
            raise problems.fail(
                f"unknown encoding '{encoding}'", hint="for example utf-8, cp1252 or utf-16"
            )
        return "utf-8-sig" if info.name == "utf-8" else encoding
    start = stream.read(2)
    stream.seek(0)
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    return "utf-8-sig"


def _breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _decode_error_line(stream: BinaryIO, enc: str) -> int:
    """The line of the first byte that does not decode (re-reads the file in chunks)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(enc)("strict")
    lines = 1
    last = ""
    while True:
        chunk = stream.read(_CHUNK)
        try:
            text = decoder.decode(chunk, not chunk)
        except UnicodeDecodeError as exc:
            text = bytes(exc.object[: exc.start]).decode(enc, errors="replace")
            return lines + _breaks(last[-1:] + text) - _breaks(last[-1:])
        lines += _breaks(last[-1:] + text) - _breaks(last[-1:])
        last = text or last
        if not chunk:
            return lines


def _decode_failure(stream: BinaryIO, enc: str, explicit: bool, problems: Problems) -> Exception:
    line = _decode_error_line(stream, enc)
    shown = "UTF-8" if enc.startswith("utf-8") else ("UTF-16" if enc == "utf-16" else enc)
    if explicit:
        hint = "check the file's encoding"
    elif enc == "utf-16":
        hint = "the file starts like UTF-16 but is damaged; save it again"
    else:
        hint = "try --encoding cp1252"
    return problems.fail(f"not valid {shown}", line, hint)


def decode_text(stream: BinaryIO, encoding: str | None, problems: Problems) -> str:
    """The whole file as text (for YAML), with the same strict decoding."""
    enc = _codec(stream, encoding, problems)
    data = stream.read()
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        raise _decode_failure(stream, enc, encoding is not None, problems) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise _nul(problems, _breaks(text[:nul]) + 1)
    return text


def _nul(problems: Problems, line: int) -> Exception:
    return problems.fail(
        "contains a NUL byte",
        line,
        "is it a spreadsheet rather than a text file? a UTF-16 file without a byte-order"
        " mark needs --encoding utf-16",
    )


def _sniff_delimiter(first: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    if "," in first:
        return ","
    if "\t" in first:
        return "\t"
    if ";" in first:
        return ";"
    return ","


def csv_table(
    stream: BinaryIO, suffix: str, encoding: str | None, problems: Problems
) -> Table:
    """Read up to the header row; the rows are read as the caller iterates."""
    enc = _codec(stream, encoding, problems)
    text = io.TextIOWrapper(stream, encoding=enc, errors="strict", newline="")
    source = _lines(text, stream, enc, encoding is not None, problems)
    try:
        first = next(source)
    except StopIteration:
        first = ""
    delimiter = _sniff_delimiter(first.rstrip("\r\n"), suffix)

    def chained() -> Iterator[str]:
        if first:
            yield first
        yield from source

    stream_rows = _records(csv.reader(chained(), delimiter=delimiter, strict=True), problems)
    header_row = next(stream_rows, None)
    if header_row is None:
        raise problems.fail(
            "empty signer list",
            1,
            f"expected a header row such as {','.join(KNOWN_COLUMNS)}",
        )
    _, header_line, header = header_row
    return Table(header, header_line, stream_rows, text)


def _lines(text: io.TextIOWrapper, stream: BinaryIO, enc: str, explicit: bool,
           problems: Problems) -> Iterator[str]:
    """The file's lines as text: an undecodable one, or one holding a NUL, ends the read."""
    number = 0
    while True:
        try:
            line = text.readline()
        except UnicodeDecodeError:
            raise _decode_failure(stream, enc, explicit, problems) from None
        if not line:
            return
        number += 1
        if "\x00" in line:
            raise _nul(problems, number)
        yield line


def _records(reader: Any, problems: Problems) -> Iterator[tuple[int, int, list[str]]]:
    """Rows as (row, line, cells); the header row (the first that is not blank) comes first
    as row 0. A row that is not CSV is said and left out."""
    row = 0
    header_seen = False
    while True:
        before = reader.line_num
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if header_seen:
                row += 1
            _bad_row(str(exc), before + 1, reader.line_num, problems)
            continue
        start = before + 1
        if not header_seen:
            if not "".join(cells).strip():
                continue
            header_seen = True
            yield (0, start, cells)
            continue
        row += 1
        yield (row, start, cells)


def _bad_row(message: str, start: int, end: int, problems: Problems) -> None:
    """What the csv module refused in the row from line ``start`` to ``end``, in its words."""
    if "field larger than field limit" in message:
        problems.add(
            "field too large",
            start,
            "a field may hold at most 10,000 characters",
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
            end,
            'quote the whole field and double any quote inside it: "say ""hi"""',
        )
