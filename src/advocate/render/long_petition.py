"""A petition naming many signers, prepared for :mod:`advocate.render.petition_pdf`: its
page with a stand-in list, its bare page for the parts, and its names streamed (a million
are never held at once)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advocate.render.document import Document, named_count
from advocate.render.glyphs import check_glyphs
from advocate.render.page_fit import FitRenderer
from advocate.schema.campaign import Campaign
from advocate.text.bidi import isolate

if TYPE_CHECKING:
    from advocate.render.pdf.engine import PdfResult
    from advocate.signers import Signer


class PetitionRenderer(FitRenderer, Protocol):
    """What a petition in parts asks of the renderer, beyond the page fit's."""

    campaign: Campaign

    def petition(self, signers: Sequence[Signer] | None = None, lang: str | None = None, *,
                 for_pdf: bool = False) -> Document: ...


def petition_in_parts(renderer: PetitionRenderer, documents: Sequence[Document], *,
                      workers: int,
                      progress: Callable[[int, int], None] | None) -> PdfResult | None:
    """A petition naming many signers, rendered in parts in parallel and joined (flat
    memory, numbered pages); None for any other document (or a layout that does not
    list the names in a table or list)."""
    first = documents[0]
    if first.kind != "petition" or len(documents) != 1:
        return None  # (without importing the parts machinery: a brief does not need it)
    from advocate.render import pdf, petition_pdf

    signers = first.signers or ()
    count = named_count(signers)
    if count < petition_pdf.PARTS_MIN_NAMED:
        return None
    unmarked = first.markdown.replace(petition_pdf.MARK, "").replace(
        petition_pdf.MARK_CITY, "")
    symbols, warnings = check_glyphs([dataclasses.replace(first, markdown=unmarked)],
                                     renderer.roots, renderer.campaign.path)
    problems = [w for w in warnings if w not in first.warnings]
    with_stand = first
    if not isinstance((first.context.get("signers") or {}).get("public"),
                      petition_pdf.Stand):
        with_stand = renderer.petition(signers, first.lang, for_pdf=True)
    bare = dataclasses.replace(with_stand, markdown=petition_pdf.MARK)

    def names() -> Iterator[tuple[str, str]]:  # streamed: a million are never held
        # As Writer.view and isolate_view make them, without a dict per signer.
        pairs = getattr(signers, "named_pairs", None)
        found = pairs() if pairs is not None else (
            (s.name, s.city) for s in signers if s.public)
        lang = first.lang
        for name, city in found:
            yield (isolate(" ".join(name.split()), lang) if name else "",
                   isolate(" ".join(city.split()), lang) if city else "")

    layout = renderer.env.get_template("petition.html.j2").filename
    base = Path(layout).parent if layout else renderer.roots[-1]
    options: dict[str, Any] = dict(
        title=first.title, lang=first.lang, base_dir=base,
        roots=renderer.roots, paper=renderer.paper, symbols=symbols,
        pack_css=pdf.fonts.pack_fonts_css(pdf.fonts.pack_fonts(renderer.roots)),
        workers=workers, progress=progress,
        allowed_links=None if renderer.trusted else renderer.campaign_links())
    data = petition_pdf.render_petition_pdf(
        full_html=renderer.html([with_stand], for_print=True),
        bare_html=renderer.html([bare], for_print=True), names=names, **options)
    if data is None:
        return None
    return pdf.PdfResult(*data, problems=problems)
