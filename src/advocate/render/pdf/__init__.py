"""PDFs: the one WeasyPrint entry point, an HTML string in, PDF bytes out, offline and private.

- ``engine``: the renderer (WeasyPrint glue, metadata, reproducible bytes, page budgets);
- ``ahead``: the engine loaded in a child while the command writes the HTML
  (``render_pdf_result`` renders there when the command started one, else here);
- ``fonts``: the font policy (bundled fonts, a private fontconfig, which characters can be drawn);
- ``gate``: the resource gate (what a template may load; never the network);
- ``html_checks``: checks on a layout's HTML before WeasyPrint sees it;
- ``logs``: WeasyPrint's and GLib's messages captured per render.

WeasyPrint is imported inside functions only, so importing this package stays cheap.
"""

from __future__ import annotations

from advocate.render.pdf.ahead import render_pdf_result
from advocate.render.pdf.engine import PdfRenderer, PdfResult, render_pdf
from advocate.render.pdf.fonts import fonts_css, missing_glyphs
from advocate.render.pdf.gate import MAX_IMAGE_PIXELS, MAX_RESOURCE_BYTES
from advocate.render.pdf.html_checks import MAX_DEPTH

__all__ = [
    "MAX_DEPTH",
    "MAX_IMAGE_PIXELS",
    "MAX_RESOURCE_BYTES",
    "PdfRenderer",
    "PdfResult",
    "fonts_css",
    "missing_glyphs",
    "render_pdf",
    "render_pdf_result",
]
