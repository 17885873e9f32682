"""Reading a signer list from any source: pick the source, map the columns, apply the rules.

:class:`SignerReader` streams: it yields each valid signer as it is read and keeps only the
e-mail table for duplicates (12 bytes per row, see :class:`~advocate.signers.rules.EmailSeen`)
and the first problems, so a CSV list of a million rows is checked in bounded memory. Like
every reader in advocate it fails closed: when the last row has been read, any problem in
the file raises one :class:`~advocate.errors.AdvocateError` listing them all, so a caller
that writes output must publish it only after the iteration ends (``read_signers`` does
this by returning a list).
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from advocate.errors import AdvocateError, Problem, counted
from advocate.signers.columns import ColumnMap, columns_from_mapping, plan_columns, table_records
from advocate.signers.rules import (
    KNOWN_COLUMNS,
    Dedupe,
    PetitionRow,
    Problems,
    Record,
    RowRules,
    Signer,
    SkippedRow,
)

__all__ = [
    "MAX_BYTES",
    "SignerReader",
    "SignerStats",
    "iter_signers",
    "parse_signers",
    "parse_size",
    "read_signers",
]

# The default size limit: a CSV of a million signers with a short note each is about
# 150 MB. --max-signers-size (max_bytes=) raises it; memory does not grow with it for CSV.
MAX_BYTES = 256 * 1024 * 1024

TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})


def parse_size(text: str) -> int:
    """``512M``, ``2G``, ``300MB``, ``1.5GiB`` or a number of bytes (binary units)."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.casefold())
    if not match:
        raise AdvocateError(f"not a size: '{text}'", file="--max-signers-size",
                            hint="for example 512M, 2G or 300000000")
    number, unit = float(match.group(1)), match.group(2)
    return int(number * 1024 ** " kmgt".index(unit or " "))


@dataclass
class SignerStats:
    """What a read found: the layout it recognised and how many rows of each kind."""

    file: str
    layout: str = ""
    sheet: str | None = None
    rows: int = 0
    signers: int = 0
    public: int = 0
    duplicates: int = 0
    notices: list[Problem] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)  # --on-bad-row skip
    skipped_count: int = 0

    def summary(self) -> str:
        """``Google Forms responses (sheet 'Form Responses 1'): 120 rows, 2 duplicates, …``."""
        where = f" (sheet '{self.sheet}')" if self.sheet else ""
        return (f"{self.layout}{where}: {counted(self.rows, 'row')}, "
                f"{counted(self.duplicates, 'duplicate')} dropped, "
                f"{counted(self.signers, 'signer')}, {self.public:,} consenting to be named")


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


def _columns(columns: ColumnMap | Mapping[str, str | Sequence[str]] | None) -> ColumnMap | None:
    if columns is None:
        return None
    return columns_from_mapping(columns)


BadRow = Literal["error", "skip"]


class SignerReader:
    """Iterate over the valid signers of one list; ``stats`` tells what was found.

    Raises :class:`~advocate.errors.AdvocateError` (every problem, once the whole file has
    been read, or at once for a fatal one). ``columns`` maps signer fields to the list's
    own column titles; ``sheet`` picks a spreadsheet's sheet (default: the first visible
    one); ``languages`` adds their yes/no forms for ``public`` to English's.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        encoding: str | None = None,
        dedupe: Dedupe = "error",
        max_bytes: int = MAX_BYTES,
        fields: Collection[str] | None = None,
        columns: ColumnMap | Mapping[str, str | Sequence[str]] | None = None,
        sheet: str | None = None,
        languages: Iterable[str] | None = None,
        data: bytes | None = None,
        on_bad_row: BadRow = "error",
    ) -> None:
        if dedupe not in ("error", "first"):
            raise ValueError("dedupe must be 'error' or 'first'")
        if on_bad_row not in ("error", "skip"):
            raise ValueError("on_bad_row must be 'error' or 'skip'")
        self.on_bad_row: BadRow = on_bad_row
        self.path = Path(path)
        self.filename = str(path)
        self.encoding = encoding
        self.dedupe: Dedupe = dedupe
        self.max_bytes = max_bytes
        self.keep = _keep(fields)
        self.columns = _columns(columns)
        self.sheet = sheet
        self.languages = tuple(languages or ())
        self.data = data
        self.stats = SignerStats(self.filename)
        self._size = 0

    # ------------------------------------------------------------------ opening

    def _open(self, problems: Problems) -> BinaryIO:
        if self.data is not None:
            self._size = len(self.data)
            if len(self.data) > self.max_bytes:
                raise problems.fail(
                    "file too large",
                    hint=f"{len(self.data):,} bytes; the limit is {self.max_bytes:,}"
                    "; raise it with --max-signers-size",
                )
            return io.BytesIO(self.data)
        try:
            f = self.path.open("rb")
        except FileNotFoundError:
            raise AdvocateError("no such file", file=self.filename, hint="check the path") from None
        except IsADirectoryError:
            raise AdvocateError("is a folder, not a signer file", file=self.filename) from None
        except OSError as exc:
            raise AdvocateError(
                f"cannot read: {exc.strerror or 'I/O error'}", file=self.filename
            ) from None
        size = self._size = os.fstat(f.fileno()).st_size
        if size > self.max_bytes:  # say so without reading a huge file
            f.close()
            raise problems.fail(
                "file too large",
                hint=f"{size:,} bytes; the limit is {self.max_bytes:,}"
                "; raise it with --max-signers-size",
            )
        return f

    def __iter__(self) -> Iterator[Signer]:
        return self._read(compact=False)

    def petition_rows(self) -> Iterator[PetitionRow]:
        """The same rows, checked alike, as what a petition's compact list keeps of each
        (:meth:`RowRules.petition_row`): no Signer is made."""
        return self._read(compact=True)

    def _read(self, *, compact: bool) -> Iterator[Any]:
        from advocate import encryption as encrypted
        from advocate.signers import spreadsheet

        problems = Problems(self.filename, skip_rows=self.on_bad_row == "skip")
        stats = self.stats = SignerStats(self.filename)
        suffix = self.path.suffix.casefold()
        decrypted = self.data is None and encrypted.is_encrypted(self.path)
        if decrypted:  # in memory only: never a plaintext file, temporary or not
            suffix = Path(encrypted.plain_name(self.path)).suffix.casefold()
            self.data = encrypted.decrypt_list(self.path, self.filename, self.max_bytes)
        stream = self._open(problems)
        handle: io.TextIOWrapper | None = None
        try:
            magic = stream.read(8)
            stream.seek(0)
            workbook = magic[:4] == spreadsheet.ZIP_MAGIC or magic == spreadsheet.OLE_MAGIC
            if workbook and suffix not in spreadsheet.SHEET_SUFFIXES:
                raise problems.fail(
                    "this is a spreadsheet workbook, not a text file",
                    hint="give it its own extension (.xlsx, .xls or .ods) and advocate reads "
                    "it as a spreadsheet",
                )
            if suffix in spreadsheet.SHEET_SUFFIXES:
                if suffix == ".xlsm":
                    raise problems.fail(
                        "a macro-enabled workbook (.xlsm)",
                        hint="advocate never runs macros, but reads no file that has them: "
                        "save it as .xlsx (Excel Workbook) or as CSV UTF-8",
                    )
                records = self._sheet_records(suffix, problems)
            elif suffix in TABLE_SUFFIXES:
                from advocate.signers.csvfile import csv_table

                table = csv_table(stream, suffix, self.encoding, problems)
                handle = table.handle
                stats.layout = self._plan_and_note(table.header, table.line, problems, "")
                records = table_records(self._plan, table.rows, problems)
            elif suffix in YAML_SUFFIXES:
                records = self._yaml_records(stream, problems)
            else:
                raise problems.fail(
                    f"unsupported signer file type '{suffix}'" if suffix else "no file extension",
                    hint="use a .csv (UTF-8, header row), a spreadsheet (.xlsx, .xls, .ods) "
                    "or a .yaml list",
                )
            rules = RowRules(problems, dedupe=self.dedupe, languages=self.languages,
                             named_keys=suffix in YAML_SUFFIXES,
                             expected_rows=self._size // 64)
            signer_of = rules.petition_row if compact else rules.signer
            for record in records:
                signer = signer_of(record)
                if signer is not None:
                    yield signer
        finally:
            (handle or stream).close()
            if decrypted:
                self.data = None
        rules.finish()
        stats.rows, stats.signers = rules.rows, rules.signers
        stats.public, stats.duplicates = rules.public, rules.duplicates
        stats.notices = problems.notices
        stats.skipped, stats.skipped_count = problems.skipped, problems.skipped_count
        if problems.skipped_count:
            rows = "row" if problems.skipped_count == 1 else "rows"
            stats.notices.append(Problem(
                f"left out {problems.skipped_count:,} bad {rows} (--on-bad-row skip)",
                self.filename, hint="the report lists each row and why, never its content",
                severity="warning"))
        problems.raise_if_any()
        if not rules.signers:
            raise problems.fail("no signers", hint="the file has no data rows")

    # ------------------------------------------------------------------ sources

    def _plan_and_note(self, header: list[str], line: int, problems: Problems, what: str) -> str:
        self._plan = plan_columns(header, line, self.columns, self.keep, problems)
        return self._plan.layout + what

    def _sheet_records(self, suffix: str, problems: Problems) -> Iterator[Record]:
        """A workbook's rows, read by the spreadsheet worker: from its file, or, held in
        memory (decrypted, or given to parse_signers), through the worker's stdin, a pipe."""
        from advocate.signers.spreadsheet import sheet_table

        table, first_column = sheet_table(self.path, self.sheet, 2 * self.max_bytes, problems,
                                          data=self.data, suffix=suffix)
        self.stats.sheet = problems.sheet
        self.stats.layout = self._plan_and_note(table.header, table.line, problems, "")
        return table_records(self._plan, table.rows, problems, ragged_ok=True,
                             cell_offset=first_column)

    def _yaml_records(self, stream: BinaryIO, problems: Problems) -> Iterator[Record]:
        from advocate.signers.csvfile import decode_text
        from advocate.signers.layouts import normal_header
        from advocate.signers.yamlfile import yaml_records

        text = decode_text(stream, self.encoding, problems)
        rename: dict[str, str] | None = None
        if self.columns:
            rename = {}
            for field_name, titles in self.columns.items():
                if len(titles) > 1:
                    raise problems.fail(
                        "a YAML list cannot join columns into the name",
                        hint="give each item a name key",
                    )
                rename[normal_header(titles[0])] = field_name
        self.stats.layout = "YAML list"
        return yaml_records(text, self.keep, problems, rename)


def iter_signers(path: Path | str, **options: object) -> SignerReader:
    """A :class:`SignerReader` over the list at ``path`` (same options)."""
    return SignerReader(path, **options)  # type: ignore[arg-type]


class SignerList(list[Signer]):
    """The signers of a list, and how many rows ``--dedupe first`` dropped as duplicates."""

    dropped: int = 0
    stats: SignerStats | None = None  # what the reader found: notices, rows left out

    @classmethod
    def of(cls, reader: SignerReader) -> SignerList:
        """Every signer ``reader`` yields, with the count of duplicates it dropped."""
        signers = cls(reader)
        signers.dropped = reader.stats.duplicates
        signers.stats = reader.stats
        return signers


def read_signers(
    path: Path | str,
    *,
    encoding: str | None = None,
    dedupe: Dedupe = "error",
    max_bytes: int = MAX_BYTES,
    fields: Collection[str] | None = None,
    columns: ColumnMap | Mapping[str, str | Sequence[str]] | None = None,
    sheet: str | None = None,
    languages: Iterable[str] | None = None,
) -> list[Signer]:
    """Read and validate a signer list (CSV, TSV, YAML, .xlsx, .xls, .ods).

    ``fields`` lists the columns the templates use; other columns are dropped unread
    (data minimisation), and ``name`` is always kept. I/O errors are AdvocateError.
    """
    return SignerList.of(SignerReader(path, encoding=encoding, dedupe=dedupe,
                                      max_bytes=max_bytes, fields=fields, columns=columns,
                                      sheet=sheet, languages=languages))


def parse_signers(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    dedupe: Dedupe = "error",
    max_bytes: int = MAX_BYTES,
    fields: Collection[str] | None = None,
    columns: ColumnMap | Mapping[str, str | Sequence[str]] | None = None,
    sheet: str | None = None,
    languages: Iterable[str] | None = None,
) -> list[Signer]:
    """Parse a signer list held in memory; ``filename`` names it in messages and picks the format.

    On bad input it raises only AdvocateError (it is fuzzed).
    """
    return SignerList.of(SignerReader(filename, encoding=encoding, dedupe=dedupe,
                                      max_bytes=max_bytes, fields=fields, columns=columns,
                                      sheet=sheet, languages=languages, data=data))
