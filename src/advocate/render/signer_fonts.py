"""Know before a PDF renders: the signer rows it could not draw, for every campaign's
template pack, and for a long list read as a stream, chunk by chunk (memory does not grow
with the list)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from advocate.errors import Problem

#: Rows checked at once when a list is read as a stream.
CHUNK = 10_000


def font_problems_for(rows: Any, campaign_paths: Sequence[Path | None],
                      templates: Path | None = None) -> list[Problem]:
    """Rows a PDF could not draw, for each campaign's template pack (each problem once)."""
    from advocate.render.documents import font_problems

    found: list[Problem] = []
    for path in campaign_paths:
        found += [p for p in font_problems(rows, campaign_path=path, templates=templates)
                  if p not in found]
    return found


def streamed_font_problems(rows: Iterable[Any], campaign_paths: Sequence[Path | None],
                           templates: Path | None = None, *,
                           chunk: int = CHUNK) -> list[Problem]:
    """:func:`font_problems_for` of every row, ``chunk`` rows at a time: a reader that
    streams the list (a CSV of a million rows) is never held whole."""
    found: list[Problem] = []
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk:
            found += [p for p in font_problems_for(batch, campaign_paths, templates)
                      if p not in found]
            batch = []
    found += [p for p in font_problems_for(batch, campaign_paths, templates) if p not in found]
    return found
