"""A build's index pages: links to every file, one row per letter, in pages of
:data:`advocate.build.planning.INDEX_PAGE_ROWS` rows.

Advocate's own index is written as the letters come (:class:`IndexStream`): each row is
filled in from a stencil of its shape (:mod:`advocate.templates.row_stencil`) when its
letter is in, each page's frame is rendered when its first row comes (its count is known
from the plan), and the pages are staged before their manifest lines, which follow the
letters'. So the index costs the build microseconds a row while the workers render, not
a page render after the last letter. A pack's own index (or a merge's) is rendered whole
from the spooled rows, page by page (:func:`rendered_index`), as it always was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterator, Sequence
from typing import Any, BinaryIO

from advocate.build import planning
from advocate.build.planning import CampaignPlan
from advocate.output.staging import open_staged
from advocate.render.documents import Renderer
from advocate.render.html import apply_csp
from advocate.templates.row_stencil import HOLE, LoopCut, RowStencils, cut_loop

#: The index pages linked by number from each page: the first, the last and these many
#: either side of the page itself (a million letters make hundreds of pages).
PAGE_LINKS_AROUND = 3
INDEX = "index.html.j2"


def page_context(renderer: Renderer, pl: CampaignPlan, documents: list[dict[str, Any]],
                 total: int, number: int, first: int, letters: Sequence[Any]) -> dict[str, Any]:
    """What index page ``number`` (from 1) is rendered with: its ``letters``, the first of
    them the ``first`` of ``total`` rows."""
    names = pl.index_names
    view, _ = renderer.view(pl.lang or pl.campaign.language)
    return {
        "campaign": view, "lang": pl.lang or pl.campaign.language,
        "documents": documents if number == 1 else [], "letters": letters,
        "signers": pl.signer_count, "public": pl.public_count,
        "targets": {t["id"]: t for t in view["targets"]},
        "letters_total": total, "page": number, "pages": len(names),
        "page_files": names, "page_first": first, "page_links": [
            {"number": n, "file": names[n - 1]} for n in sorted({1, len(names), *range(
                max(1, number - PAGE_LINKS_AROUND),
                min(len(names), number + PAGE_LINKS_AROUND) + 1)})],
        "page_prev": names[number - 2] if number > 1 else None,
        "page_next": names[number] if number < len(names) else None,
    }


def rendered_index(renderer: Renderer, pl: CampaignPlan, documents: list[dict[str, Any]],
                total: int, rows: Iterator[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """The index rendered whole, page by page, from its ``total`` rows read back in order
    (a pack's own index gets the links to the files, not the letters' text: a mailto: link
    holds a whole letter, its writer's name and note included)."""
    from advocate.templates.host import render

    builtin = renderer.from_builtin(INDEX)
    first = 1
    for number, name in enumerate(pl.index_names, start=1):
        letters = [row for _, row in zip(range(planning.INDEX_PAGE_ROWS), rows, strict=False)]
        if not builtin:
            for row in letters:
                row["mailto"] = None
        text, _ = render(renderer.env, INDEX, page_context(
            renderer, pl, documents, total, number, first, letters))
        first += len(letters)
        del letters
        yield name, (apply_csp(text, source=INDEX) if builtin  # our links
                     else renderer.checked_html(text, INDEX))


# -- advocate's own index, as the letters come --------------------------------------------

def _shape(row: dict[str, Any]) -> Hashable:
    """What decides a row's markup in advocate's own index (the rest it prints as is)."""
    mailto = row["mailto"]
    return (row["row"] is None, not row["reference"], row["target"], row["lang"],
            tuple((f["format"], f["reading"]) for f in row["files"]), not mailto,
            row.get("mailto_form") if mailto else None)


def _values(row: dict[str, Any]) -> list[Any]:
    """The values a row prints as they are: its signer's row, reference, files, link."""
    values: list[Any] = [] if row["row"] is None else [row["row"]]
    if row["reference"]:
        values.append(row["reference"])
    values += [f["path"] for f in row["files"]]
    if row["mailto"]:
        values.append(row["mailto"])
    return values


def _with_values(row: dict[str, Any], values: Sequence[Any]) -> dict[str, Any]:
    """``row`` with ``values`` in the places :func:`_values` takes them from."""
    given = iter(values)
    probe = {**row, "files": [{**f} for f in row["files"]]}
    if row["row"] is not None:
        probe["row"] = next(given)
    if row["reference"]:
        probe["reference"] = next(given)
    for file in probe["files"]:
        file["path"] = next(given)
    if row["mailto"]:
        probe["mailto"] = next(given)
    return probe


class IndexStream:
    """Advocate's own index pages written into the staging folder as the rows come
    (``stage``: its ``staging`` folder and file ``mode``), ``total`` of them."""

    def __init__(self, stage: Any, pl: CampaignPlan, renderer: Renderer, cut: LoopCut,
                 documents: list[dict[str, Any]], total: int) -> None:
        self.stage, self.pl, self.renderer, self.cut = stage, pl, renderer, cut
        self.documents = documents  # filled in before the first letter
        self.names = pl.index_names
        self.total = total  # the rows to come
        view, _ = renderer.view(pl.lang or pl.campaign.language)
        self.stencils = RowStencils(cut, {"targets": {t["id"]: t for t in view["targets"]}},
                                    _shape, _values, _with_values)
        self.done = 0  # rows written
        self.written: list[tuple[str, str, int]] = []  # each page: name, sha256, size
        self._handle: BinaryIO | None = None
        self._hash: Any = None
        self._size = 0
        self._left = 0  # rows still to come on the open page
        self._after = b""

    def start(self) -> None:
        """The first page opened (its frame rendered) before its first row comes."""
        if self._handle is None and not self.written and self.total:
            self._open()

    def add(self, row: dict[str, Any]) -> None:
        """The next row (in the manifest's order)."""
        if self._handle is None:
            self._open()
        self._write(self.stencils.html(row).encode("utf-8"))
        self.done += 1
        self._left -= 1
        if not self._left:
            self._close()

    def finish(self) -> list[tuple[str, str, int]]:
        """Every row is in: the last pages closed; each page's name, sha256 and size."""
        if self.done != self.total:
            raise RuntimeError(f"the index has {self.done} rows, its plan {self.total}")
        while len(self.written) < len(self.names):  # pages past the rows: the frame alone
            if self._handle is None:
                self._open()
            self._close()
        return self.written

    def close(self) -> None:
        """Closed whatever happened (on an error the staging folder goes, and it in it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _open(self) -> None:
        number = len(self.written) + 1
        first = min((number - 1) * planning.INDEX_PAGE_ROWS, self.total) + 1
        count = min(planning.INDEX_PAGE_ROWS, self.total + 1 - first)
        before, after = self.cut.around(page_context(
            self.renderer, self.pl, self.documents, self.total, number, first, []), count)
        # The policy goes into the head, which is all before the rows: as for the page whole.
        framed = apply_csp(before + HOLE + after, source=INDEX)
        head, hole, tail = framed.partition(HOLE)
        if not hole or tail != after:  # pragma: no cover - the head holds the policy
            raise RuntimeError("the index's policy is not in its head")
        self._handle = open_staged(self.stage.staging,
                                   f"{self.pl.folder}/{self.names[number - 1]}", self.stage.mode)
        self._hash, self._size, self._left = hashlib.sha256(), 0, count
        self._after = tail.encode("utf-8")
        self._write(head.encode("utf-8"))

    def _write(self, data: bytes) -> None:
        assert self._handle is not None
        self._handle.write(data)
        self._hash.update(data)
        self._size += len(data)

    def _close(self) -> None:
        assert self._handle is not None
        self._write(self._after)
        self._handle.close()
        self._handle = None
        self.written.append((self.names[len(self.written)], self._hash.hexdigest(),
                             self._size))


def index_stream(stage: Any, pl: CampaignPlan, renderer: Renderer,
                 documents: list[dict[str, Any]]) -> IndexStream | None:
    """Advocate's own index, written as the rows come; None: render it whole at the end (a
    shard's or a merge's build, a pack's templates, or a page the stencils cannot cut)."""
    if pl.sharded or not renderer.from_builtin(INDEX):
        return None
    found = cut_loop(renderer.env, INDEX, "letters", ("targets",))
    if found is None:
        return None
    try:  # the page's text holds the stand-in for its rows only where they go
        found.around(page_context(renderer, pl, documents, 0, 1, 1, []), 0)
    except RuntimeError:
        return None
    return IndexStream(stage, pl, renderer, found, documents, pl.index_rows)
