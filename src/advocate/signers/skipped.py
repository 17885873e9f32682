"""The rows ``--on-bad-row skip`` left out: a report of where and why, never of what.

Strict is the default: one bad row stops a list. With ``--on-bad-row skip`` the good rows
go on and each bad one is listed by row, line, column and reason (the same words a strict
read would print, which never quote a cell), so an organiser can mend the list. The report
holds no personal data at all, so it is no more sensitive than the list it describes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from advocate.errors import Problem
from advocate.signers.rules import SkippedRow

__all__ = ["REPORT_NAME", "build_reports", "pointing_to_report", "skipped_problems",
           "skipped_report"]

#: The report's file name in a build's output folder.
REPORT_NAME = "skipped-rows.csv"
_SHOWN = 20  # rows listed on stderr; the report has every one


def skipped_report(filename: str, skipped: Sequence[SkippedRow], count: int) -> bytes:
    """The report as CSV: one line per skipped row and problem (a row may have several).
    The list is named by its file name alone: where it lies (a home folder) is not the
    report's business, and a merged build's report is the single build's, byte for byte."""
    filename = Path(filename).name
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "row", "line", "column", "reason", "hint"])
    for item in skipped:
        writer.writerow([filename, item.row, item.line or "", item.column or "", item.reason,
                         item.hint or ""])
    if count > len(skipped):
        writer.writerow([filename, "", "", "", f"and {count - len(skipped)} more", ""])
    return buffer.getvalue().encode("utf-8")


def build_reports(rows: object) -> dict[str, bytes]:
    """The files a build writes about a list read with ``on_bad_row="skip"``: the report,
    under :data:`REPORT_NAME`, when a row was left out ({} otherwise, or for no list)."""
    stats = getattr(rows, "stats", None)
    if stats is None or not stats.skipped_count:
        return {}
    return {REPORT_NAME: skipped_report(stats.file, stats.skipped, stats.skipped_count)}


def skipped_problems(filename: str, skipped: Sequence[SkippedRow],
                     count: int) -> list[Problem]:
    """The first skipped rows as warnings for stderr (row, column, reason: no content)."""
    shown = [Problem(f"row {item.row} left out: " + (f"{item.column}: " if item.column else "")
                     + item.reason, filename, item.line, None, item.hint, "warning")
             for item in skipped[:_SHOWN]]
    if count > len(shown):
        shown.append(Problem(f"and {count - len(shown)} more rows left out", filename,
                             severity="warning"))
    return shown


def pointing_to_report(notices: Sequence[Problem], folder: Path) -> list[Problem]:
    """A build's notices, the one that counts the rows left out now pointing at the report
    the build writes into ``folder`` (see :func:`build_reports`)."""
    return [p if "--on-bad-row skip" not in p.message else Problem(
        p.message, p.file, hint=f"{folder / REPORT_NAME} lists each row and why, never its "
        "content", severity="warning") for p in notices]
