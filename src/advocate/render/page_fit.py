"""The page-fit loop: a letter keeps to one page and a brief to two, by tightening the
layout's type and spacing a level at a time, and a signature sheet gets as many rows as its
page holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advocate.templates.host import AdvocateEnvironment
from advocate.templates.stencil import Shape

if TYPE_CHECKING:
    from advocate.render.pdf.engine import PdfResult


PDF_SECONDS = 60.0  # the PDF renderer's own time limit (render_pdf_pages' default)
PAGE_BUDGET = {"letter": 1, "brief": 2, "sheet": 1, "followup": 1, "poster": 1}
FIT_LEVELS = 2
#: A letter's target, language and writer's shape (see Renderer._fit_key).
FitKey = tuple[str, str, Shape]
#: The least text a writer's value can be (see Renderer._overflows_anyway).
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
