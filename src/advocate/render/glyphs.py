"""Text no font can draw, known before a PDF is made: letters of a script no bundled (or
pack) font covers are refused, all rows at once; emoji and symbols are left out of the PDF,
each with a warning. Problems name the row, script and field, never the text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, Problem
from advocate.render.document import Document


def check_glyphs(documents: Sequence[Document], roots: Sequence[Path],
                 campaign_path: Path | None) -> tuple[set[str], list[Problem]]:
    """The characters to leave out of the PDF (emoji and symbols no font draws) and the
    warnings that say so; raises for letters no font draws (a writer's, a named signer's
    or the campaign's own)."""
    from advocate.render.pdf import fonts

    extra = fonts.pack_fonts(roots)
    writers = [doc.writer for doc in documents if doc.writer is not None]
    def named() -> Iterator[Any]:  # streamed: a million are never held at once
        if _all_drawable(documents, extra):
            return iter(())  # nothing any row could be warned about: no pass over them
        return (s for doc in documents for s in doc.signers or () if s.public)

    # by row and field, never the text
    found = fonts.people_problems(writers, extra) + fonts.people_problems(
        named(), extra, fonts.PETITION_FIELDS)
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise AdvocateError(problems=errors)
    warnings = list(found)
    personal = fonts.symbols_in(writers, extra) | fonts.symbols_in(
        named(), extra, fonts.PETITION_FIELDS)
    text = "".join(dict.fromkeys(doc.markdown for doc in documents))
    missing = [i for i in fonts.undrawable(text, extra) if i.char not in personal]
    campaign = str(campaign_path) if campaign_path else None
    letters = [i for i in missing if not i.symbol]
    if letters:
        scripts = ", ".join(dict.fromkeys(str(i.script) for i in letters))
        shown = " ".join(f"{i.char} ({i.code})" for i in letters[:12])
        raise AdvocateError(
            f"no font of advocate's can draw these {scripts} letters: {shown}",
            file=campaign, hint=fonts.HINT_SCRIPT.format(scripts=scripts, fields="text"))
    symbols = [i for i in missing if i.symbol]
    if symbols:
        shown = " ".join(f"{i.char} ({i.code})" for i in symbols[:12])
        warnings.append(Problem(f"no font draws these symbols, left out of the PDF: {shown}",
                                file=campaign, hint="the text and HTML keep them",
                                severity="warning"))
    return personal | {i.char for i in symbols}, warnings


def _all_drawable(documents: Sequence[Document], extra: Sequence[Path]) -> bool:
    """Whether every named signer's name and city is known to be drawable without a pass
    over the rows: each list says which characters beyond ASCII its names and cities use
    (a compact list does, see ``PetitionSigners.named_characters``) and a font draws them
    all. Otherwise (a list that cannot say, or a character no font draws) the rows are
    checked one by one, so that each problem names its row."""
    from advocate.render.pdf import fonts

    used: list[str] = []
    for doc in documents:
        if doc.signers:
            characters = getattr(doc.signers, "named_characters", None)
            if not isinstance(characters, str):
                return False
            used.append(characters)
    return not fonts.undrawable("".join(used), extra)


def add_new(warnings: list[Problem], more: Sequence[Problem]) -> None:
    """Add to a document's ``warnings`` those of ``more`` it does not hold yet."""
    for warning in more:
        if warning not in warnings:
            warnings.append(warning)
