"""Spreadsheets (.xlsx, .xls, .ods) read safely: checked first, then read in a capped child.

A workbook is hostile input like any other, and a small one can do a lot of harm: a zip of a
few hundred kilobytes can inflate to gigabytes, and an .xlsx of 1.5 KB with two cells far
apart makes the reader allocate gigabytes for the empty cells between them (the process then
aborts; no exception can catch it). So:

1. **Before any reader sees it**, a zip workbook (.xlsx, .ods) is checked here: at most
   ``MAX_MEMBERS`` parts, no encryption, no macros (``vbaProject.bin``: refused, even in a
   renamed .xlsm), only stored or deflated parts, and every part is inflated here, in
   bounded chunks, counting the real bytes (the sizes a zip declares can lie) against
   ``max_inflated``. Links to other workbooks are noted and never followed.
2. **The sheet is read in a child process** (:mod:`advocate.signers.sheet_worker`, started
   isolated by :func:`advocate.children.run_module`) whose address space and CPU time are
   capped (``SHEET_MEMORY`` more, ``SHEET_CPU``): whatever the
   reader does with a crafted file, it cannot take this process or the machine down. The
   reader, python-calamine, never evaluates formulas (a formula cell gives the value saved
   with the file), never runs macros and never opens links.
3. The child streams rows back as CSV; this process checks them with the same rules as any
   other signer list. A problem names the cell as a spreadsheet does: ``'Sheet 1'!C5``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from advocate.signers.csvfile import Table
from advocate.signers.rules import Problems, speakable

__all__ = ["MAX_MEMBERS", "SHEET_CPU", "SHEET_MEMORY", "SHEET_SUFFIXES", "check_zip",
           "sheet_table"]

SHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MEMBERS = 10_000
SHEET_MEMORY = 2 * 1024**3  # address space the reading child may take past its start
SHEET_CPU = 600  # seconds of CPU for the reading child
_CHUNK = 1 << 16
_OUT = 1 << 20

_SAVE_AS = "save it again from your spreadsheet, or as CSV UTF-8"


def _inflate(f: object, info: zipfile.ZipInfo, budget: int) -> int:
    """The real inflated size of one part, reading at most ``budget`` + 1 bytes of output."""
    import struct

    fh = f  # a binary file
    fh.seek(info.header_offset)  # type: ignore[attr-defined]
    local = fh.read(30)  # type: ignore[attr-defined]
    if len(local) != 30 or local[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile("bad local header")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)  # type: ignore[attr-defined]
    remaining = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        return remaining
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise NotImplementedError
    inflater = zlib.decompressobj(-15)
    total = 0
    while remaining > 0 and not inflater.eof:
        chunk = fh.read(min(_CHUNK, remaining))  # type: ignore[attr-defined]
        if not chunk:
            break
        remaining -= len(chunk)
        data = chunk
        while True:
            out = inflater.decompress(data, _OUT)
            total += len(out)
            if total > budget:
                return total
            data = inflater.unconsumed_tail
            if not data and len(out) < _OUT:
                break
    return total


def check_zip(source: Path | BinaryIO, max_inflated: int, problems: Problems) -> None:
    """Refuse a zip workbook that is damaged, encrypted, has macros or inflates too far
    (``source``: its path, or the workbook held in memory as a binary file object)."""
    with contextlib.ExitStack() as closing:
        f = closing.enter_context(source.open("rb")) if isinstance(source, Path) else source
        _check_zip(f, max_inflated, problems)


def _check_zip(f: BinaryIO, max_inflated: int, problems: Problems) -> None:
    try:
        with zipfile.ZipFile(f) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise problems.fail("not a readable workbook (the file is damaged)", hint=_SAVE_AS) \
            from None
    if len(infos) > MAX_MEMBERS:
        raise problems.fail(f"the workbook has {len(infos):,} parts; the limit is "
                            f"{MAX_MEMBERS:,}", hint=_SAVE_AS)
    names = [i.filename for i in infos]
    if any(i.flag_bits & 0x1 for i in infos) or "EncryptionInfo" in names:
        raise problems.fail("the workbook is password-protected",
                            hint="remove the password, or save it as CSV UTF-8")
    if any(n.rsplit("/", 1)[-1].casefold() == "vbaproject.bin" for n in names):
        raise problems.fail(
            "the workbook contains macros",
            hint="advocate never runs them, but reads no file that has them: save it as .xlsx "
                 "(Excel Workbook) or as CSV UTF-8",
        )
    if any(n.startswith("xl/externalLinks/") for n in names):
        problems.notice(
            "the workbook links to other workbooks; the links are not followed, and cells that"
            " use them show the values saved in this file",
        )
    total = 0
    for info in infos:
        try:
            size = _inflate(f, info, max_inflated - total)
        except NotImplementedError:
            raise problems.fail("the workbook uses a compression advocate does not read",
                                hint=_SAVE_AS) from None
        except (zipfile.BadZipFile, zlib.error, OSError):
            raise problems.fail("not a readable workbook (the file is damaged)",
                                hint=_SAVE_AS) from None
        total += size
        if total > max_inflated:
            raise problems.fail(
                f"the workbook unpacks to more than {max_inflated:,} bytes",
                hint="save the sheet as CSV UTF-8 (CSV is read as a stream), or raise the "
                     "limit with --max-signers-size",
            )
        if size != info.file_size:
            raise problems.fail("not a readable workbook (the file is damaged)",
                                hint=_SAVE_AS)


def _child_problem(code: int, stderr: str, sheet: str | None, problems: Problems) -> Exception:
    detail: dict[str, object] = {}
    if code == 3:
        with contextlib.suppress(ValueError):
            detail = json.loads(stderr.strip().splitlines()[-1])
    kind = detail.get("error")
    if kind == "no-sheet":
        listed = [f"'{s}'" for s in detail.get("sheets", []) if isinstance(s, str)  # type: ignore[attr-defined]
                  and speakable(s)]
        shown = f"'{sheet}'" if sheet and speakable(sheet) else "asked for"
        return problems.fail(f"no sheet {shown} in the workbook",
                             hint=f"its sheets: {', '.join(listed)}" if listed else None)
    if kind == "no-sheets":
        return problems.fail("the workbook has no visible sheet", hint=_SAVE_AS)
    if kind == "password":
        return problems.fail("the workbook is password-protected",
                             hint="remove the password, or save it as CSV UTF-8")
    if kind == "no-reader":
        return problems.fail("reading spreadsheets needs python-calamine",
                             hint="pip install python-calamine, or save the sheet as CSV UTF-8")
    if kind == "unreadable":
        return problems.fail("not a readable workbook (the file is damaged)", hint=_SAVE_AS)
    if kind == "too-big":
        return problems.fail(
            "the sheet is too large to read safely",
            hint="it may have cells far apart, or many rows: save the sheet as CSV UTF-8, which "
                 "is read as a stream",
        )
    out_of_time = [-getattr(signal, name) for name in ("SIGXCPU", "SIGKILL")
                   if hasattr(signal, name)]
    if code in out_of_time and "MemoryError" not in stderr and "memory allocation" not in stderr:
        return problems.fail("reading the sheet took too long",
                             hint="save the sheet as CSV UTF-8: CSV is read as a stream")
    return problems.fail(
        f"the sheet is too large to read safely (more than {SHEET_MEMORY // 1024**2:,} MiB)",
        hint="it may have cells far apart, or many rows: save the sheet as CSV UTF-8, which is "
             "read as a stream",
    )


def _check_workbook(path: Path, data: bytes | None, suffix: str | None, max_inflated: int,
                    problems: Problems) -> None:
    """A workbook by its first bytes: a zip (.xlsx, .ods) checked before any reader sees it,
    or an OLE file (.xls); anything else is refused."""
    import io

    if data is not None:
        magic = data[:8]
    else:
        with path.open("rb") as f:
            magic = f.read(8)
    if magic[:4] == ZIP_MAGIC:
        check_zip(path if data is None else io.BytesIO(data), max_inflated, problems)
    elif magic != OLE_MAGIC:
        kind = suffix or path.suffix.casefold() or "spreadsheet"
        raise problems.fail(f"not a {kind} workbook",
                            hint="check that the file is the spreadsheet itself; " + _SAVE_AS)


def sheet_table(
    path: Path,
    sheet: str | None,
    max_inflated: int,
    problems: Problems,
    *,
    memory: int = SHEET_MEMORY,
    cpu: int = SHEET_CPU,
    data: bytes | None = None,
    suffix: str | None = None,
) -> tuple[Table, int]:
    """The sheet's header and rows (as the child sends them), and its first column (0-based).

    With ``data`` (a decrypted ``.xlsx.age``, a list parsed from memory) the workbook is
    checked in memory and goes to the child through a pipe: never a file. ``suffix`` is its
    format's (``.xlsx`` for ``signers.xlsx.age``)."""
    import csv
    import io

    _check_workbook(path, data, suffix, max_inflated, problems)
    from advocate.children import run_module

    errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in rows()
    source = "-" if data is not None else str(path.absolute())  # "-": on its stdin
    child = run_module("advocate.signers.sheet_worker", [source, sheet or ""],
                       memory=memory, cpu=cpu, stderr=errors, stdin=data,
                       environment={"RUST_BACKTRACE": "0"})
    text = io.TextIOWrapper(child.stdout, encoding="utf-8", newline="")
    reader = csv.reader(text)

    def finish(ok_so_far: bool) -> None:
        if not ok_so_far:
            child.kill()
        code = child.wait()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
        errors.close()
        text.close()
        if code != 0:
            raise _child_problem(code, stderr, sheet, problems)

    first = next(reader, None)
    if first is None or first[:1] != ["sheet"] or len(first) != 4:
        finish(False)
        raise problems.fail("not a readable workbook (the file is damaged)", hint=_SAVE_AS)
    name, start_row, start_col = first[1], int(first[2]), int(first[3])
    problems.sheet = name

    def numbered() -> Iterator[tuple[int, int, list[str]]]:
        done = False
        try:
            for index, cells in enumerate(reader):
                yield 0, start_row + 1 + index, cells
            done = True
        finally:
            finish(done)

    rows = numbered()
    header_line = 0
    header: list[str] = []
    for _, line, cells in rows:
        if "".join(cells).strip():
            header, header_line = cells, line
            break
    else:
        raise problems.fail("empty sheet", hint="the first sheet has no rows; pick another with "
                            "--sheet-name" if not sheet else "the sheet has no rows")

    def data_rows() -> Iterator[tuple[int, int, list[str]]]:
        for _, line, cells in rows:
            yield line - header_line, line, cells

    return Table(header, header_line, data_rows()), start_col
