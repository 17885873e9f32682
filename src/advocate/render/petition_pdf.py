"""The petition's delivery PDF at any size: rendered in parts, in parallel, joined into one.

One WeasyPrint document of 500 pages takes minutes and gigabytes (about 0.44 MiB a page
stays in memory until the PDF is written). So a petition naming many signers is cut into
parts, each its own render in a worker process (a spawn pool, one font configuration per
worker), each written to a temporary file, and the files are joined with pypdf:

- **head**: the petition's words up to the list of names (the wording template's own
  text, rendered with a stand-in list of one name, so every word still comes from it);
- **names**: ``PAGES_PER_PART`` pages each of the names as a running list in
  ``COLUMNS`` columns, under the template's own heading for the list;
- **tail**: what the wording template puts after the list (sources, footer).

Page numbers stay right across parts: the names pages hold a fixed number of lines, so
their page count is known before they are rendered; the head and tail are rendered once
to count their pages, and every part then starts its page counter where the one before
ended (``@page :first { counter-reset: page N }``) and prints the total as a number
(``counter(pages)`` is a part's own total in WeasyPrint). A part that still runs to a
different page count (a template pack's larger type) is caught, and the numbering redone.

Memory stays flat: at most two parts per worker are in flight, and a part's PDF goes to
disk. The time limit applies per part, and its message names the part.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import html as htmlmod
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, Problem

#: Fewer named signers than this: the petition is one render, as it always was.
PARTS_MIN_NAMED = 1500
LINE_CHARS = 100  # narrow characters on a line of names, at least (8.5 pt, A4 or Letter)
LINES = 52  # lines a page of names holds, at least (it holds 58 on Letter, 62 on A4)
PAGE_CHARS = LINE_CHARS * LINES
KEEP_TOGETHER = 48  # names (with city) up to this long never break across lines
PAGES_PER_PART = 25
PART_TIMEOUT = 60.0
MARK = "\ue000advocatenames\ue001"
MARK_CITY = "\ue000advocatecity\ue001"

Progress = Callable[[int, int], None]

_NAMES_CSS = """
.names-page { break-after: page; font-family: "Advocate Sans", sans-serif; font-size: 8.5pt;
  line-height: 4.1mm; margin: 0; text-align: start; hyphens: manual; orphans: 1; widows: 1; }
.names-page:last-child { break-after: auto; }
h2 + .names-page { margin-top: 0; }
"""


class Stand(list[dict[str, Any]]):
    """The list of named signers as the wording template sees it: its length is the real
    count, and iterating gives one stand-in row, which marks where the list goes."""

    def __init__(self, count: int, row: dict[str, Any]) -> None:
        super().__init__([row])
        self.total = count

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0


def stand_in(count: int) -> Stand:
    return Stand(count, {"name": MARK, "city": MARK_CITY, "email": None, "country": None,
                          "note": None})


@dataclass(frozen=True)
class Layout:
    """The petition's HTML cut around the list of names."""

    head: str  # the whole document up to the list (its heading taken out)
    heading: str  # the list's heading as HTML ("<h2>Signatories</h2>"), or ""
    tail: str  # what follows the list, to the end of the document
    open: str  # the layout's start of a document (head, body, running header)
    close: str  # the layout's end of a document


_LIST_OPEN = re.compile(r"<(table|ul|ol)\b", re.IGNORECASE)
_HEADING_END = re.compile(r"<h([1-6])\b[^>]*>(?:(?!<h[1-6]\b).)*?</h\1>\s*\Z",
                          re.IGNORECASE | re.DOTALL)


def cut(full: str, bare: str) -> Layout | None:
    """Cut ``full`` (the petition with the stand-in row) around the element holding it,
    and ``bare`` (the layout around a paragraph holding only the mark); None when the
    template does not list the names in a table or a list."""
    at = full.find(MARK)
    if at < 0:
        return None
    opening = None
    for match in _LIST_OPEN.finditer(full, 0, at):
        opening = match
    if opening is None:
        return None
    tag = opening.group(1).lower()
    end = full.find(f"</{tag}>", at)
    if end < 0 or MARK in full[end:]:
        return None
    head, tail = full[:opening.start()], full[end + len(tag) + 3:]
    heading = ""
    found = _HEADING_END.search(head)
    if found:
        heading, head = found.group(0).strip(), head[:found.start()]
    mark = bare.find(MARK)
    if mark < 0:
        return None
    p_open = bare.rfind("<p", 0, mark)
    p_close = bare.find("</p>", mark)
    return Layout(head, heading, tail, bare[:p_open], bare[p_close + 4:])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def entry(name: str, city: str) -> str:
    """One signer as the list prints it: "Name (City)", kept on one line when short."""
    text = f"{name} ({city})" if city else name
    return text.replace(" ", "\u00a0") if len(text) <= KEEP_TOGETHER else text


def pages_of_stream(names: Iterable[tuple[str, str]], first_budget: int = 0
                    ) -> Iterator[list[str]]:
    """Names cut into pages of at most ``PAGE_CHARS`` characters (wide ones count twice,
    each name with its separator): a page of running text that surely fits, so the page
    count is known before rendering. ``first_budget`` is the first page's, when smaller."""
    page: list[str] = []
    used, budget = 0, first_budget or PAGE_CHARS
    for name, city in names:
        text = entry(name, city)
        width = _width(text) + 3 + (LINE_CHARS // 2 if len(text) > KEEP_TOGETHER else 0)
        if page and used + width > budget:
            yield page
            page, used, budget = [], 0, PAGE_CHARS
        page.append(text)
        used += width
    if page:
        yield page


def names_html(pages: Sequence[Sequence[str]], heading: str) -> str:
    """The names pages as HTML: a paragraph a page, names separated by middle dots."""
    esc = htmlmod.escape
    # The dot ends a line, never starts one. Plain text: a <span> around each dot makes
    # the layout three times slower.
    sep = "\u00a0\u00b7 "
    body = "".join(f'<p class="names-page">{sep.join(esc(t) for t in page)}</p>'
                   for page in pages)
    return f"{heading}{body}"


def _with_page_numbers(html: str, first_page: int, total: int) -> str:
    """A part's HTML numbered from ``first_page`` of ``total``."""
    style = (f"<style>@page :first {{ counter-reset: page {first_page} }}</style>")
    html = html.replace("counter(pages)", f'"{total}"')
    at = html.lower().find("</head>")
    return html[:at] + style + html[at:] if at >= 0 else style + html


@dataclass(frozen=True)
class Part:
    """One render: which part, what it holds."""

    index: int
    count: int  # parts in all
    kind: str  # head, names, tail
    html: str = ""  # head and tail: the whole document
    pages: tuple[tuple[str, ...], ...] = ()  # names: the entries of each page
    first_name: int = 0  # 1-based position of its first name in the named list
    heading: bool = False  # the list's heading on its first page (the first names part)

    @property
    def expected(self) -> int:
        return len(self.pages)

    @property
    def names(self) -> int:
        return sum(len(page) for page in self.pages)


@dataclass(frozen=True)
class Job:
    """What every part shares (sent with each part; small)."""

    heading: str
    open: str
    close: str
    title: str
    lang: str
    base_dir: str
    roots: tuple[str, ...]
    paper: str
    symbols: frozenset[str]
    pack_css: str
    timeout: float
    folder: str


def _part_html(job: Job, part: Part) -> str:
    if part.kind != "names":
        return part.html
    body = names_html(part.pages, job.heading if part.heading else "")
    return f"{job.open}<style>{_NAMES_CSS}</style>{body}{job.close}"


def describe(part: Part) -> str:
    """What a part holds, for messages (positions and counts, never a name)."""
    if part.kind == "head":
        return "the petition's text before the names"
    if part.kind == "tail":
        return "the petition's text after the names"
    last = part.first_name + part.names - 1
    return (f"names {part.first_name:,} to {last:,} of the named signers, "
            f"{part.expected} pages")


def render_part(job: Job, part: Part, first_page: int,
                total: int) -> tuple[int, str, list[Problem]]:
    """Render one part to a file in ``job.folder``: (its pages, the file, problems)."""
    from advocate.render import pdf
    from advocate.render.documents import _redacting, _with_style

    html = pdf.fonts.strip_symbols(_with_page_numbers(_part_html(job, part), first_page,
                                                       total), job.symbols)
    if job.pack_css:
        html = _with_style(html, job.pack_css)
    private = [t for page in part.pages for t in page]
    try:
        with _redacting(private):
            result = pdf.render_pdf_result(
                html, title=job.title, lang=job.lang, base_dir=Path(job.base_dir),
                roots=[Path(r) for r in job.roots], paper=job.paper,
                source="petition.html.j2", timeout=job.timeout)
    except AdvocateError as exc:
        problems = []
        for problem in exc.problems:
            if problem.message.startswith("PDF render exceeded"):
                problem = dataclasses.replace(
                    problem,
                    message=(f"petition part {part.index + 1} of {part.count} "
                             f"({describe(part)}) took more than {job.timeout:g} s to render"),
                    hint=(f"a part holds at most {PAGES_PER_PART} pages of names; this "
                          "machine is too slow or busy for that, or the template pack's "
                          "petition.html.j2 or fonts make each page costly"))
            problems.append(problem)
        return 0, "", problems
    path = os.path.join(job.folder, f"part-{part.index:05d}-{first_page}.pdf")
    with open(path, "wb") as handle:
        handle.write(result.data)
    return result.pages, path, []


# -- the pool ------------------------------------------------------------------------------

def _warm() -> None:
    """Worker start: import WeasyPrint and set up the fonts before the first part."""
    from advocate.render.pdf.engine import _shared

    _shared()


class _Runner:
    """Parts rendered in process (``workers`` 1) or by a spawn pool, at most two a worker
    in flight (memory stays flat however long the list)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1:
            self.pool = ProcessPoolExecutor(max_workers=workers,
                                            mp_context=get_context("spawn"),
                                            initializer=_warm)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def run(self, job: Job, parts: Iterator[tuple[Part, int, int]]
            ) -> Iterator[tuple[Part, int, str, list[Problem]]]:
        """Render every (part, first page, total), yielding results in order."""
        if self.pool is None:
            for part, first, total in parts:
                yield (part, *render_part(job, part, first, total))
            return
        window: list[tuple[Part, Future[tuple[int, str, list[Problem]]]]] = []
        for part, first, total in parts:
            window.append((part, self.pool.submit(render_part, job, part, first, total)))
            if len(window) >= 2 * self.workers:
                done, future = window.pop(0)
                yield (done, *future.result())
        for done, future in window:
            yield (done, *future.result())


Names = Callable[[], Iterator[tuple[str, str]]]


def _name_parts(names: Names, count: int) -> Iterator[Part]:
    """The names parts, made as they are needed (a list of a million is never held)."""
    pages = pages_of_stream(names(), PAGE_CHARS - 4 * LINE_CHARS)
    index, first, batch = 1, 1, []
    for page in pages:
        batch.append(tuple(page))
        if len(batch) == PAGES_PER_PART:
            part = Part(index, count, "names", pages=tuple(batch), first_name=first,
                        heading=index == 1)
            yield part
            index, first, batch = index + 1, first + part.names, []
    if batch:
        yield Part(index, count, "names", pages=tuple(batch), first_name=first,
                   heading=index == 1)


def render_petition_pdf(*, full_html: str, bare_html: str, names: Names,
                        title: str, lang: str, base_dir: Path, roots: Sequence[Path],
                        paper: str, symbols: set[str], pack_css: str, workers: int = 2,
                        progress: Progress | None = None,
                        timeout: float | None = None) -> tuple[bytes, int] | None:
    """The petition PDF in parts (see the module's text); None when the layout does not
    list the names in a table or a list (the caller renders it in one piece). ``names``
    gives the (name, city) pairs afresh each time it is called (it is read twice)."""
    layout = cut(full_html, bare_html)
    if layout is None:
        return None
    timeout = PART_TIMEOUT if timeout is None else timeout
    name_pages = sum(1 for _ in pages_of_stream(names(), PAGE_CHARS - 4 * LINE_CHARS))
    count = -(-name_pages // PAGES_PER_PART) + 2
    with tempfile.TemporaryDirectory(prefix="advocate-petition-") as folder:
        job = Job(layout.heading, layout.open, layout.close, title, lang, str(base_dir),
                  tuple(str(r) for r in roots), paper, frozenset(symbols), pack_css,
                  timeout, folder)
        head = Part(0, count, "head", layout.head + layout.close)
        tail = Part(count - 1, count, "tail", layout.open + layout.tail)
        runner = _Runner(workers)
        try:
            # Count the head's and the tail's pages (small), then render everything.
            measured = {p.index: pages for p, pages, _, problems in
                        runner.run(job, iter([(head, 1, 0), (tail, 1, 0)]))
                        if not _raise(problems)}

            def parts() -> Iterator[Part]:
                yield head
                yield from _name_parts(names, count)
                yield tail

            files = _render_all(runner, job, parts, measured[0] + name_pages
                                + measured[count - 1], measured, progress)
        finally:
            runner.close()
        return join(files, title=title, lang=lang)


def _raise(problems: list[Problem]) -> bool:
    if problems:
        raise AdvocateError(problems=problems)
    return False


def _render_all(runner: _Runner, job: Job, parts: Callable[[], Iterator[Part]],
                total: int, measured: dict[int, int], progress: Progress | None) -> list[str]:
    """Render every part numbered from the expected page counts; if one comes out longer
    or shorter than expected, number again from the actual counts (a second pass, rare:
    a template pack's larger type)."""
    actual: dict[int, int] = {}
    for attempt in range(2):
        known = dict(measured) if attempt == 0 else actual

        def numbered(known: dict[int, int] = known) -> Iterator[tuple[Part, int, int]]:
            page = 1
            for part in parts():
                yield part, page, total  # noqa: B023 (read at once)
                page += known.get(part.index, part.expected)

        files: list[str] = []
        actual = {}
        done = 0
        wrong = False
        for part, pages, path, problems in runner.run(job, numbered()):
            _raise(problems)
            files.append(path)
            actual[part.index] = pages
            wrong = wrong or pages != known.get(part.index, part.expected)
            done += pages
            if progress:
                progress(min(done, total), total)
        if not wrong:
            return files
        for path in files:
            with contextlib.suppress(OSError):
                os.remove(path)
        total = sum(actual.values())
    raise AdvocateError("the petition's pages could not be numbered",
                        hint="a bug: please report it")  # pragma: no cover


def join(files: Sequence[str], *, title: str, lang: str) -> tuple[bytes, int]:
    """The parts as one PDF: pages in order, the title, language and tagging of a
    PDF/UA document, the structure trees of the parts joined under one root."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    kids = ArrayObject()
    nums = ArrayObject()
    offset = 0
    root_tree: DictionaryObject | None = None
    digest = hashlib.sha256()
    for path in files:
        with open(path, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
        reader = PdfReader(path)
        catalog: Any = reader.trailer["/Root"]
        first_page = len(writer.pages)
        parents: list[Any] = []
        for page in reader.pages:
            parents.append(page.get("/StructParents"))  # add_page leaves it out
            writer.add_page(page)
        found = catalog.get("/StructTreeRoot")
        if found is None:
            continue
        tree: Any = found.get_object()
        if root_tree is None:
            root_tree = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
            if "/RoleMap" in tree:
                root_tree[NameObject("/RoleMap")] = tree["/RoleMap"].clone(writer)
        kid = tree.get("/K")
        cloned = kid.clone(writer) if kid is not None else None
        if isinstance(cloned, ArrayObject):
            kids.extend(cloned)
        elif cloned is not None:
            kids.append(cloned)
        # Each page's /StructParents key moves up by the keys of the parts before it.
        top = 0
        parent_tree = tree.get("/ParentTree")
        if parent_tree is not None:
            entries = parent_tree.get_object().get("/Nums", [])
            for i in range(0, len(entries), 2):
                key = int(entries[i])
                nums.append(NumberObject(key + offset))
                nums.append(entries[i + 1].clone(writer))
                top = max(top, key + 1)
        for page, parent in zip(writer.pages[first_page:], parents, strict=True):
            if parent is not None:
                page[NameObject("/StructParents")] = NumberObject(int(parent) + offset)
        for annotation_page in writer.pages[first_page:]:
            for annot in annotation_page.get("/Annots", []) or []:
                annot = annot.get_object()
                if "/StructParent" in annot:
                    annot[NameObject("/StructParent")] = NumberObject(
                        int(annot["/StructParent"]) + offset)
        offset += top
    if root_tree is not None:
        root_tree[NameObject("/K")] = kids
        root_tree[NameObject("/ParentTree")] = writer._add_object(
            DictionaryObject({NameObject("/Nums"): nums}))
        root_tree[NameObject("/ParentTreeNextKey")] = NumberObject(offset)
        tree_ref = writer._add_object(root_tree)
        for kid in kids:
            elem = kid.get_object()
            if isinstance(elem, DictionaryObject) and "/P" in elem:
                elem[NameObject("/P")] = tree_ref
        writer._root_object[NameObject("/StructTreeRoot")] = tree_ref
        writer._root_object[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)})
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    writer.add_metadata({"/Title": title, "/Producer": "advocate"})
    ident = digest.hexdigest()[:32].encode()
    from pypdf.generic import ByteStringObject
    writer._ID = ArrayObject([ByteStringObject(ident), ByteStringObject(ident)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)
