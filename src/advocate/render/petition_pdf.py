"""The petition's delivery PDF at any size: rendered in parts, in parallel, joined into one.

One WeasyPrint document of 500 pages takes minutes and gigabytes (about 0.44 MiB a page
stays in memory until the PDF is written). So a petition naming many signers is cut into
parts, each its own render in a worker process (a spawn pool, one font configuration per
worker, started while the signer list is read), each written to a temporary file and
appended to the joined PDF as soon as it is back (:class:`StreamJoin`, which writes each
part's objects out and drops them):

- **head**: the petition's words up to the list of names (the wording template's own
  text, rendered with a stand-in list of one name, so every word still comes from it);
- **names**: ``PAGES_PER_PART`` pages each of the names as a running list in
  ``COLUMNS`` columns, under the template's own heading for the list;
- **tail**: what the wording template puts after the list (sources, footer).

Page numbers stay right across parts: the names pages hold a fixed number of lines, so
their page count is known before they are rendered; the head and tail are laid out once
to count their pages (by the workers, while this process counts the pages of names), and
every part then starts its page counter where the one before ended (``@page :first {
counter-reset: page N }``) and prints the total as a number (``counter(pages)`` is a
part's own total in WeasyPrint). A part that still runs to a different page count (a
template pack's larger type) is caught, and the numbering redone.

Two workers finish together: the tail is rendered right after the head (and joined
last), and the last parts of names are smaller (:func:`part_sizes`).

Memory stays flat: at most two parts per worker are in flight, a part's PDF goes to disk
and is joined and deleted as it comes, and the names are streamed from the signer list
(see :mod:`advocate.signers.compact`). The time limit applies per part, and its message
names the part.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import html as htmlmod
import itertools
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advocate.children import Child, ChildGone, Pool
from advocate.errors import AdvocateError, Problem, redacted
from advocate.render.html import with_style
from advocate.render.pdf_join import StreamJoin

#: Fewer named signers than this: the petition is one render, as it always was.
PARTS_MIN_NAMED = 1500
LINE_CHARS = 100  # narrow characters on a line of names, at least (8.5 pt, A4 or Letter)
LINES = 52  # lines a page of names holds, at least (it holds 58 on Letter, 62 on A4)
PAGE_CHARS = LINE_CHARS * LINES
KEEP_TOGETHER = 48  # names (with city) up to this long never break across lines
PAGES_PER_PART = 25
LAST_PART_PAGES = 2  # the smallest of the last parts (see part_sizes)
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


#: The characters before this one are looked up once (:func:`_wide_below`).
_LOW = "\u1100"


@functools.cache
def _wide_below() -> re.Pattern[str] | None:
    """The wide characters (East Asian Wide or Fullwidth) before ``_LOW``, as a pattern:
    this Python's Unicode tables give a few unassigned code points there."""
    wide = [chr(i) for i in range(ord(_LOW)) if unicodedata.east_asian_width(chr(i)) in "WF"]
    return re.compile("[" + "".join(map(re.escape, wide)) + "]") if wide else None


def _width(text: str) -> int:
    """Characters of ``text``, wide ones (East Asian Wide or Fullwidth) counted twice."""
    if text.isascii():
        return len(text)
    if max(text) < _LOW:  # Latin, Greek, Cyrillic, Hebrew, Arabic...: in C
        pattern = _wide_below()
        return len(text) + (len(pattern.findall(text)) if pattern is not None else 0)
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
    #: A pack's layout (untrusted): links only to the campaign's addresses, and the parts
    #: render in workers under the OS's limits (as the one-piece render's confined child).
    allowed_links: frozenset[str] | None = None


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
    """Render one part to a file in ``job.folder``: (its pages, the file, problems).
    ``total`` 0: only count its pages (laid out, not written: no file)."""
    from advocate.render import pdf

    html = pdf.fonts.strip_symbols(_with_page_numbers(_part_html(job, part), first_page,
                                                       total), job.symbols)
    if job.pack_css:
        html = with_style(html, job.pack_css)
    from advocate import limits

    private = [t for page in part.pages for t in page]
    confined = job.allowed_links is not None and limits.CONFINED
    try:
        with redacted(private), (limits.cpu_limit(limits.cpu_seconds(job.timeout))
                                   if confined else contextlib.nullcontext()):
            result = pdf.render_pdf_result(
                html, title=job.title, lang=job.lang, base_dir=Path(job.base_dir),
                roots=[Path(r) for r in job.roots], paper=job.paper,
                source="petition.html.j2", timeout=job.timeout,
                max_pages=0 if total == 0 else None, allowed_links=job.allowed_links)
    except AdvocateError as exc:
        return 0, "", list(exc.problems)  # said by the part in the parent (_raise)
    if total == 0:
        return result.pages, "", []
    path = os.path.join(job.folder, f"part-{part.index:05d}-{first_page}.pdf")
    with open(path, "wb") as handle:
        handle.write(result.data)
    return result.pages, path, []


# -- the pool ------------------------------------------------------------------------------

def _warm(confine: bool = False) -> None:
    """Worker start: import WeasyPrint and set up the fonts before the first part; for a
    pack's layout, then limit this worker as a confined child is limited."""
    from advocate import limits
    from advocate.render.pdf.engine import shared_renderer

    shared_renderer()
    if confine and limits.CAN_CONFINE:
        limits.confine_process()


def _pool(workers: int, confine: bool = False) -> Pool:
    """Workers started now (new isolated interpreters, :mod:`advocate.children`): each sets
    up its fonts while the signer list is read."""
    return Pool(workers, _warm, (confine,), fork=False)


_STARTED: dict[tuple[int, bool], Pool] = {}


def _pool_size(workers: int, confine: bool) -> tuple[int, bool]:
    """(workers, confined) of the pool for a render: a pack's layout never renders in
    this process, so it gets a pool even of one."""
    confine = confine and limits_apply()
    return (max(workers, 1) if confine else workers), confine


def start_workers(workers: int = 2, *, confine: bool = False) -> None:
    """Start the pool of a petition in parts now, so that the workers import WeasyPrint
    and set up their fonts while the signer list is read (the first render takes it)."""
    key = _pool_size(workers, confine)
    if (key[0] > 1 or key[1]) and key not in _STARTED:
        _STARTED[key] = _pool(*key)
        atexit.register(_stop_started)


def _stop_started() -> None:
    """At exit, a pool started but never used (the list was short, or had errors): its
    workers are stopped at once rather than waited for while they set up."""
    for pool in _STARTED.values():
        pool.close(kill=True)
    _STARTED.clear()


class _Runner:
    """Parts rendered in process (``workers`` 1) or by a pool, at most two a worker in
    flight (memory stays flat however long the list)."""

    def __init__(self, workers: int, confine: bool = False) -> None:
        key = _pool_size(workers, confine)
        self.workers = key[0]
        self.pool: Pool | None = None
        if key[0] > 1 or key[1]:
            self.pool = _STARTED.pop(key, None) or _pool(*key)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def release(self) -> None:
        """Every part is back: each worker is told to end now (``os._exit``, as when its
        pipe closes), so the workers tear down together while this process finishes the
        file, rather than one after the other in :meth:`close` (0.4 s on a busy machine)."""
        for child in self.pool.children if self.pool is not None else []:
            if child is not None and child.alive():
                with contextlib.suppress(ChildGone):
                    child.send(os._exit, 0)

    def ahead(self, job: Job, items: Sequence[tuple[Part, int, int]]
              ) -> Callable[[Sequence[Part]], list[tuple[int, list[Problem]]]]:
        """Send each of ``items`` (part, first page, total) to a worker of its own now; the
        function returned waits for them: (pages, problems) each, in order, said by the
        parts it is given (the same ones, their count of parts known by then). In process,
        or for a worker that is gone, they are rendered when that function is called."""
        children = self.pool.children[:len(items)] if self.pool is not None else []
        sent: list[Child] = []
        for child, (part, first, total) in zip(children, items, strict=False):
            if child is None or not child.alive():
                break
            try:
                child.send(render_part, job, part, first, total)
            except ChildGone:
                break
            sent.append(child)

        def results(named: Sequence[Part]) -> list[tuple[int, list[Problem]]]:
            found = []
            for index, (part, (_, first, total)) in enumerate(zip(named, items, strict=True)):
                if index >= len(sent):
                    found += [(pages, problems) for _, pages, _, problems in
                              self.run(job, iter([(part, first, total)]))]
                    continue
                try:
                    kind, value = sent[index].receive(None)
                except ChildGone as gone:
                    kind, value = "gone", gone.code
                pages, _, problems = _result(part, kind, value)
                found.append((pages, problems))
            return found

        return results

    def run(self, job: Job, parts: Iterator[tuple[Part, int, int]]
            ) -> Iterator[tuple[Part, int, str, list[Problem]]]:
        """Render every (part, first page, total), yielding results in order."""
        if self.pool is None:
            for part, first, total in parts:
                yield (part, *render_part(job, part, first, total))
            return
        tasks = ((job, part, first, total) for part, first, total in parts)
        for (_, part, _, _), (kind, value) in self.pool.map(render_part, tasks,
                                                             window=2 * self.workers):
            yield (part, *_result(part, kind, value))


def limits_apply() -> bool:
    from advocate import limits

    return limits.CAN_CONFINE and not limits.CONFINED


def _result(part: Part, kind: str, value: Any) -> tuple[int, str, list[Problem]]:
    """A part's result; a worker the OS stopped (a pack's layout over its CPU or memory
    limit) is said by the part, never by a name."""
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "error":
        raise value
    if kind == "failed":
        raise RuntimeError(value)  # a bug in a worker, named by its type only
    return 0, "", [Problem(
        f"petition part {part.index + 1} of {part.count} ({describe(part)}) was stopped "
        "while rendering: it went over the memory or CPU time a render may use",
        file="petition.html.j2",
        hint="the template pack's petition.html.j2 or its style sheet makes each page "
             "too costly; simplify it")]


Names = Callable[[], Iterator[tuple[str, str]]]


def part_sizes(pages: int) -> list[int]:
    """Pages of each names part: ``PAGES_PER_PART``, then, for the last two parts' worth,
    smaller ones (each about a third of what is left, down to ``LAST_PART_PAGES``), so
    that two workers finish together rather than one waiting for the other's last 25
    pages. A long list's first part is half a part, so the two workers run half a part
    apart (as they did when the head was rendered alone first) rather than in step. The
    plan is the same for any number of workers: same list, same bytes."""
    sizes: list[int] = []
    left = pages
    if pages > 3 * PAGES_PER_PART:  # the workers start half a part apart
        sizes.append(PAGES_PER_PART // 2)
        left -= sizes[0]
    while left > 0:
        size = PAGES_PER_PART
        if left <= 2 * PAGES_PER_PART:
            size = max(LAST_PART_PAGES, -(-left // 3))
        sizes.append(min(size, left, PAGES_PER_PART))
        left -= sizes[-1]
    return sizes


def _name_parts(names: Names, sizes: Sequence[int]) -> Iterator[Part]:
    """The names parts, made as they are needed (a list of a million is never held)."""
    pages = pages_of_stream(names(), PAGE_CHARS - 4 * LINE_CHARS)
    count = len(sizes) + 2
    first = 1
    for index, size in enumerate(sizes, 1):
        batch = tuple(tuple(page) for page in itertools.islice(pages, size))
        part = Part(index, count, "names", pages=batch, first_name=first, heading=index == 1)
        yield part
        first += part.names


def render_petition_pdf(*, full_html: str, bare_html: str, names: Names,
                        title: str, lang: str, base_dir: Path, roots: Sequence[Path],
                        paper: str, symbols: set[str], pack_css: str, workers: int = 2,
                        progress: Progress | None = None, timeout: float | None = None,
                        allowed_links: frozenset[str] | None = None
                        ) -> tuple[bytes, int] | None:
    """The petition PDF in parts (see the module's text); None when the layout does not
    list the names in a table or a list (the caller renders it in one piece). ``names``
    gives the (name, city) pairs afresh each time it is called (it is read twice)."""
    layout = cut(full_html, bare_html)
    if layout is None:
        return None
    timeout = PART_TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="advocate-petition-") as folder:
        job = Job(layout.heading, layout.open, layout.close, title, lang, str(base_dir),
                  tuple(str(r) for r in roots), paper, frozenset(symbols), pack_css,
                  timeout, folder, allowed_links)
        runner = _Runner(workers, confine=allowed_links is not None)
        try:
            # The head's and the tail's pages are counted by the workers (laid out, not
            # written) while this process counts the pages of names.
            head = Part(0, 0, "head", layout.head + layout.close)
            tail = Part(1, 0, "tail", layout.open + layout.tail)
            counted = runner.ahead(job, [(head, 1, 0), (tail, 1, 0)])
            name_pages = sum(1 for _ in pages_of_stream(names(), PAGE_CHARS - 4 * LINE_CHARS))
            sizes = part_sizes(name_pages)
            count = len(sizes) + 2
            head = dataclasses.replace(head, count=count)
            tail = dataclasses.replace(tail, index=count - 1, count=count)
            (head_pages, head_problems), (tail_pages, tail_problems) = counted([head, tail])
            _raise(head_problems, head, timeout)
            _raise(tail_problems, tail, timeout)
            measured = {0: head_pages, count - 1: tail_pages}

            def parts() -> Iterator[Part]:
                yield head
                yield tail  # rendered early, joined last: no worker waits for it at the end
                yield from _name_parts(names, sizes)

            joined = _render_all(runner, job, parts, head_pages + name_pages + tail_pages,
                                 measured, progress)
        finally:
            runner.close()
        with open(joined[0], "rb") as handle:
            return handle.read(), joined[1]


def _raise(problems: list[Problem], part: Part, timeout: float) -> None:
    """A part's problems raised; a render over its time said by the part, never a name."""
    if not problems:
        return
    said = []
    for problem in problems:
        if problem.message.startswith("PDF render exceeded"):
            problem = dataclasses.replace(
                problem,
                message=(f"petition part {part.index + 1} of {part.count} "
                         f"({describe(part)}) took more than {timeout:g} s to render"),
                hint=(f"a part holds at most {PAGES_PER_PART} pages of names; this "
                      "machine is too slow or busy for that, or the template pack's "
                      "petition.html.j2 or fonts make each page costly"))
        said.append(problem)
    raise AdvocateError(problems=said)


def _render_all(runner: _Runner, job: Job, parts: Callable[[], Iterator[Part]],
                total: int, measured: dict[int, int], progress: Progress | None
                ) -> tuple[str, int]:
    """Render every part numbered from the expected page counts, joining each into one
    file as it comes (see :class:`StreamJoin`); if one comes out longer or shorter than
    expected, number again from the actual counts (a second pass, rare: a template
    pack's larger type). The joined file's path and page count."""
    actual: dict[int, int] = {}
    for attempt in range(2):
        known = dict(measured) if attempt == 0 else actual

        def numbered(known: dict[int, int] = known) -> Iterator[tuple[Part, int, int]]:
            page = 1
            for part in parts():
                size = known.get(part.index, part.expected)
                if part.kind == "tail":  # the last pages, whenever it is rendered
                    yield part, total - size + 1, total  # noqa: B023 (read at once)
                    continue
                yield part, page, total  # noqa: B023 (read at once)
                page += size

        actual = {}
        done = 0
        wrong = False
        held = ""  # the tail's file, joined last
        target = os.path.join(job.folder, f"joined-{attempt}.pdf")
        with open(target, "wb") as out:
            joined = StreamJoin(out, title=job.title, lang=job.lang)
            for part, pages, path, problems in runner.run(job, numbered()):
                _raise(problems, part, job.timeout)
                actual[part.index] = pages
                wrong = wrong or pages != known.get(part.index, part.expected)
                if not wrong and part.kind == "tail":
                    held = path  # (removed with the folder)
                    continue
                if not wrong:
                    joined.add(path)
                with contextlib.suppress(OSError):
                    os.remove(path)  # the disk stays flat too
                done += pages
                if progress:
                    progress(min(done, total), total)
            if not wrong:
                runner.release()
                joined.add(held)
                if progress:
                    progress(total, total)
                return target, joined.finish()
        os.remove(target)
        total = sum(actual.values())
    raise AdvocateError("the petition's pages could not be numbered",
                        hint="a bug: please report it")  # pragma: no cover
