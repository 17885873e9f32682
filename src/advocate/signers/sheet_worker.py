"""The child process that reads one sheet of a workbook (see :mod:`advocate.signers.spreadsheet`).

Started by :func:`advocate.children.run_module` as ``main([PATH, SHEET])`` in an isolated
interpreter whose address space and CPU time are already capped. PATH ``-`` (a file's path is
always absolute) means the workbook comes on stdin, a pipe (a decrypted ``.xlsx.age``, a list
parsed from memory): read whole and opened from memory, never written to a file. It reads the
sheet with
python-calamine (which never evaluates a formula, never runs a macro and never follows a
link: a formula cell gives the value saved with the file) and writes it to stdout as UTF-8
CSV: first
``sheet,NAME,FIRST_ROW,FIRST_COLUMN`` (0-based; 0, 0: rows start at A1), then one record
per row. A problem is one JSON object on stderr and exit status 3; it never quotes a cell.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import sys
from typing import Any

EXIT_PROBLEM = 3


def _fail(kind: str, **extra: Any) -> None:
    sys.stderr.write(json.dumps({"error": kind, **extra}) + "\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_PROBLEM)


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 12345.0 -> '12345', dates in ISO form."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def main(argv: list[str]) -> None:
    path, wanted = argv[0], argv[1]
    try:
        from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum
        from python_calamine import SheetVisibleEnum as Visible
    except ImportError:
        _fail("no-reader")
    try:
        if path == "-":  # from memory: a decrypted workbook is never a file
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
        else:
            workbook = CalamineWorkbook.from_path(path)
    except MemoryError:
        _fail("too-big")
    except PasswordError:
        _fail("password")
    except Exception as exc:  # calamine's messages can quote the file's XML: say nothing of it
        _fail("too-big" if "limit exceeded" in str(exc).casefold() else "unreadable")
    name = _chosen_sheet(workbook, wanted, SheetTypeEnum.WorkSheet, Visible.Visible)
    try:
        sheet = workbook.get_sheet_by_name(name)
    except MemoryError:
        _fail("too-big")
    except Exception as exc:
        _fail("too-big" if "limit exceeded" in str(exc).casefold() else "unreadable")
    # Documented to start at A1 (not at the first cell with data), so row and column
    # numbers are the sheet's own.
    try:
        rows = sheet.to_python(skip_empty_area=False)
    except MemoryError:
        _fail("too-big")
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False)  # noqa: SIM115
    writer = csv.writer(out)
    writer.writerow(["sheet", name, 0, 0])
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    out.flush()


def _chosen_sheet(workbook: Any, wanted: str, worksheet: Any, visible: Any) -> str:
    """The sheet asked for, or the first visible worksheet (``worksheet`` and ``visible``:
    calamine's values for them)."""
    if wanted:
        if wanted not in workbook.sheet_names:
            _fail("no-sheet", sheets=[m.name for m in workbook.sheets_metadata
                                      if m.typ == worksheet])
        return wanted
    shown = [m.name for m in workbook.sheets_metadata
             if m.typ == worksheet and m.visible == visible]
    if not shown:
        _fail("no-sheets")
    return str(shown[0])
