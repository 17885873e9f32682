"""The page-fit loop: a letter keeps to one page and a brief to two, by tightening the
layout's type and spacing a level at a time, and a signature sheet gets as many rows as its
page holds."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advocate import limits
from advocate.errors import AdvocateError, Problem, redacted
from advocate.render.document import Document, Paper
from advocate.render.html import with_style
from advocate.render.writer import Writer
from advocate.templates.host import AdvocateEnvironment
from advocate.templates.stencil import FIELDS, Shape, shape

if TYPE_CHECKING:
    from advocate.render.pdf.engine import PdfResult


PDF_SECONDS = 60.0  # the PDF renderer's own time limit (render_pdf_pages' default)
PAGE_BUDGET = {"letter": 1, "brief": 2, "sheet": 1, "followup": 1, "poster": 1}
FIT_LEVELS = 2
#: A letter's target, language and writer's shape (see PageFit.fit_key).
FitKey = tuple[str, str, Shape]  # target, language, fields set
#: The least text a writer's value or a variant can be (see PageFit.overflows_anyway).
_LEAST = "\u200b"


SHEET_ROWS = 20  # a signature sheet's rows in text and HTML (its PDF fills the page)
#: More rows than a page holds (32 rows of 8.2 mm fill A4): those on its first page fit.
SHEET_PROBE_ROWS = 40
SHEET_FOOTER_ROWS = 2  # the room the footer (date, organiser) takes below the last row


def _rows_on_first_page(data: bytes) -> int:
    """How many numbered rows (1, 2, 3...) the first page of a sheet's PDF holds."""
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(data)).pages[0].extract_text() or ""
    numbers = {int(word) for word in text.split() if word.isdigit() and len(word) <= 3}
    count = 0
    while count + 1 in numbers:
        count += 1
    return count if count < SHEET_PROBE_ROWS else 0


def _pdf_confined(env: AdvocateEnvironment, html: str, options: dict[str, Any]) -> PdfResult:
    """In the confined child: one PDF render."""
    from advocate.render import pdf

    return pdf.render_pdf_result(html, **options)


class FitRenderer(Protocol):
    """What the page-fit loop asks of the renderer (:class:`~advocate.render.documents.
    Renderer`): its templates, its paper and the documents and pages it makes."""

    env: AdvocateEnvironment
    roots: list[Path]
    paper: Paper
    trusted: bool

    def html(self, documents: Sequence[Document], *, for_print: bool = False,
             fit: int = 0) -> str: ...

    def letter(self, target_id: str, writer: Writer | None = None,
               lang: str | None = None, *,
               variants: Mapping[str, str] | None = None) -> Document: ...

    def sheet(self, lang: str | None = None, rows: int | None = None) -> Document: ...

    def campaign_links(self) -> frozenset[str]: ...


def render_html_pdf(renderer: FitRenderer, html: str, options: dict[str, Any],
                    what: str) -> PdfResult:
    """One PDF render: in this process for advocate's own layouts, in the confined child
    for a pack's (:mod:`advocate.limits`)."""
    from advocate.render import pdf

    if renderer.trusted or limits.CONFINED or not limits.CAN_CONFINE:
        return pdf.render_pdf_result(html, **options)
    result: PdfResult = renderer.env.confined().call(_pdf_confined, html, options,
                                                     seconds=PDF_SECONDS, what=what)
    return result


class PageFit:
    """The fit loop of one renderer, and what it learnt of letters that run over: the fit
    levels at which a letter of a key ran over, and whether the least letter of that key
    does (see :meth:`overflows_anyway`)."""

    def __init__(self, renderer: FitRenderer) -> None:
        self.renderer = renderer
        self._overflowed: set[tuple[FitKey, int]] = set()
        self._least_overflows: dict[tuple[FitKey, int], bool] = {}

    def render(self, documents: Sequence[Document], title: str, private: list[str],
               symbols: set[str], pack_css: str | None, *,
               probing: bool = False) -> tuple[PdfResult, list[Problem]]:
        """The PDF, tightened a level at a time until it keeps to its page budget, and the
        warnings of its first document (over the budget still; WeasyPrint on the CSS)."""
        from advocate.render import pdf

        renderer = self.renderer
        first = documents[0]
        budget = PAGE_BUDGET.get(first.kind) if len(documents) == 1 else None
        # Relative URLs in a layout resolve beside it: a pack's own img/logo.png.
        source = first.layout or f"{first.kind}.html.j2"
        layout = renderer.env.get_template(source).filename
        base = Path(layout).parent if layout else renderer.roots[-1]
        fits = self.fit_key(documents, probing) if budget else None
        warnings: list[Problem] = []
        for level in range(FIT_LEVELS + 1 if budget else 1):
            options: dict[str, Any] = dict(
                title=title, lang=first.lang, base_dir=base, roots=renderer.roots,
                paper=renderer.paper, source=source,
                max_pages=budget if level < FIT_LEVELS else None,
                allowed_links=None if renderer.trusted else renderer.campaign_links())
            if fits is not None and level < FIT_LEVELS and \
                    self.overflows_anyway(fits, level, first, symbols, pack_css, options):
                continue  # a tighter level: the same PDF as trying this one first
            html = pdf.fonts.strip_symbols(
                renderer.html(documents, for_print=True, fit=level), symbols)
            if pack_css:
                html = with_style(html, pack_css)
            with redacted(private):
                result = render_html_pdf(renderer, html, options, str(layout or source))
            if budget is None or result.pages <= budget:
                break
            if fits is not None:
                self._overflowed.add((fits, level))
        else:
            # by target and signer row, never the name
            who = f" to '{first.target_id}'" if first.target_id else ""
            row = f" of signer row {first.writer_row}" if first.writer_row else ""
            warnings.append(Problem(
                f"the {first.kind}{who}{row} runs to {result.pages} pages (the aim is at most "
                f"{budget})",
                hint="shorten the campaign text or the note", severity="warning"))
        warnings.extend(
            Problem(f"{source}: {warning}", file=layout, severity="warning",
                    hint="check the layout's CSS: WeasyPrint ignored this")
            for warning in dict.fromkeys(result.warnings))
        return result, warnings

    def fit_key(self, documents: Sequence[Document], probing: bool = False) -> FitKey | None:
        """Letters that share a key differ only in their writer's values and their variants
        (advocate's own templates, which print the writer's fields and the variants as
        escaped plain text, and nothing made of them): the key of what
        :meth:`overflows_anyway` knows about them. None for anything else."""
        first = documents[0]
        if (len(documents) != 1 or first.kind != "letter" or first.writer is None
                or not self.renderer.trusted or probing):
            return None
        return (first.target_id or "", first.lang,
                shape(first.context["writer"], first.context["signed"]))

    def overflows_anyway(self, key: FitKey, level: int, first: Document, symbols: set[str],
                         pack_css: str | None, options: dict[str, Any]) -> bool:
        """Whether a letter is sure to run over its page at fit ``level``, known without
        laying it out: the same letter with every one of its writer's values and every
        variant cut down to one zero-width space (the least text a value can be) runs over
        at that level. That least letter is the same for every letter of the key, whatever
        its writer and its variants. More text never makes a page shorter, so the letter's
        own layout at that level would only be thrown away: the fit loop goes on to the next
        level and the PDF is the one trying every level in turn gives. Checked once per key
        and level, and only after a letter of that key has run over at that level or the one
        before (letters that fit cost nothing; the first letter that runs over asks at its
        next level already)."""
        if (key, level) not in self._overflowed and (key, level - 1) not in self._overflowed:
            return False  # only where a letter of this key ran over, or one level looser
        known = self._least_overflows.get((key, level))
        if known is None:
            known = self._least_letter_overflows(key, level, first, symbols, pack_css, options)
            self._least_overflows[(key, level)] = known
        return known

    def _least_letter_overflows(self, key: FitKey, level: int, first: Document,
                                symbols: set[str], pack_css: str | None,
                                options: dict[str, Any]) -> bool:
        from advocate.render import pdf

        writer = first.writer
        assert writer is not None  # see fit_key
        view = first.context["writer"]
        values: dict[str, Any] = {
            f: _LEAST if view.get(f) else getattr(writer, f) for f in FIELDS}
        least = dataclasses.replace(writer, **values)
        with contextlib.suppress(AdvocateError):
            cut = {slot: _LEAST for slot in first.context.get("variants") or {}}
            letter = self.renderer.letter(key[0], least, key[1], variants=cut)
            if shape(letter.context["writer"], letter.context["signed"]) == key[2]:
                html = pdf.fonts.strip_symbols(
                    self.renderer.html([letter], for_print=True, fit=level), symbols)
                if pack_css:
                    html = with_style(html, pack_css)
                budget = options["max_pages"]
                result = pdf.render_pdf_result(html, **options)
                return bool(result.pages > budget)
        return False

    def filled_sheet(self, sheet: Document) -> Document:
        """The sheet with as many rows as its first page holds: rendered once with more rows
        than any page holds, the rows on that PDF's first page counted (by their numbers)."""
        renderer = self.renderer
        probe = renderer.sheet(sheet.lang, rows=SHEET_PROBE_ROWS)
        layout = renderer.env.get_template("sheet.html.j2").filename
        html = renderer.html([probe], for_print=True)
        options: dict[str, Any] = dict(
            title=sheet.title, lang=sheet.lang, roots=renderer.roots, paper=renderer.paper,
            base_dir=Path(layout).parent if layout else renderer.roots[-1],
            source="sheet.html.j2", allowed_links=None if renderer.trusted else
            renderer.campaign_links())
        result = render_html_pdf(renderer, html, options, str(layout))
        rows = _rows_on_first_page(result.data) - SHEET_FOOTER_ROWS
        if rows < 1:
            return sheet  # the head fills the page: the fit levels shrink it as ever
        return dataclasses.replace(renderer.sheet(sheet.lang, rows=rows),
                                   warnings=list(sheet.warnings))

