"""What ``advocate letter`` does, for any caller: one writer's letters (from the letter
cache, render/letter_cache.py, when it is on and nothing changed), or a letter from each
signer of a list, in one format.

Warnings go to ``warn`` as they are found rather than in the result: the campaign's are
said before a signer list is read, so a list refused after them still shows them, as a
run that stops there would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from advocate.errors import Problem

if TYPE_CHECKING:
    from advocate.render.writer import Writer
    from advocate.signers.source import SignerSource

__all__ = ["LetterOptions", "Letters", "write_letters"]


@dataclass(frozen=True)
class LetterOptions:
    """One ``advocate letter`` run: whose letters, to whom, in what."""

    campaign: Path
    to: str | None = None  # a target's id; None: every target
    lang: str | None = None
    templates: Path | None = None
    fmt: str = "txt"  # txt, md, html, pdf or eml
    paper: Literal["a4", "letter"] = "a4"
    writer: Writer | None = None  # one writer's details (None: unsigned), or...
    signers: SignerSource | None = None  # ...a letter from each signer of this list
    day: date | None = None  # the date the letters carry (None: today)


def _nothing_to_keep() -> None:
    return None


@dataclass(frozen=True)
class Letters:
    """The letters in their format; the files they were made from (an output must never
    replace one) and the template folders; and :attr:`keep`, to call once they are
    written: their stencil kept for the next run (a no-op unless the cache is on and this
    was one writer's text letter rendered in full)."""

    data: str | bytes
    inputs: list[Path | None]
    roots: Sequence[Path]
    keep: Callable[[], None] = _nothing_to_keep


def write_letters(options: LetterOptions,
                  warn: Callable[[Iterable[Problem]], None]) -> Letters:
    """The letters of ``options``, each warning given to ``warn`` as it is found."""
    from advocate.render import letter_cache

    request = None
    if options.signers is None and options.day is None and \
            options.fmt in letter_cache.FORMATS:
        # One writer's letter: from the stencil kept by an earlier run, if nothing changed.
        request = letter_cache.LetterRequest(options.campaign, options.to, options.lang,
                                             options.templates, options.fmt, options.paper,
                                             options.writer)
        warn(p for p in [letter_cache.folder_problem()] if p is not None)
        kept = letter_cache.cached_letters(request)
        if kept is not None:
            warn(kept.load_warnings)
            warn(kept.letter_warnings)
            return Letters(kept.data, [request.campaign], kept.roots)
    if options.fmt == "pdf":
        from advocate.render.pdf import ahead

        ahead.start_for(options.campaign, options.templates)
    from advocate.render.documents import Renderer
    from advocate.render.writer import Writer
    from advocate.schema.campaign import load_campaign_checked

    loaded, load_warnings = load_campaign_checked(options.campaign)
    warn(load_warnings)
    renderer = Renderer(loaded, templates=options.templates, paper=options.paper,
                        day=options.day)
    if options.to:
        loaded.target(options.to)  # an unknown target is refused before the list is read
    writers: list[Writer | None] = [options.writer]
    if options.signers is not None:
        rows, notices, skipped = options.signers.rows([loaded])
        warn(notices)
        warn(skipped)
        writers = [Writer.from_signer(s) for s in rows]
    documents = renderer.letters(options.to, writers, options.lang)
    data: str | bytes
    if options.fmt == "eml":
        draft, found = renderer.eml_draft_result(documents)
        data = draft.decode("ascii")
    elif options.fmt == "pdf":
        result = renderer.pdf_result(documents)
        data, found = result.data, result.problems
    else:
        data, found = renderer.format(documents, options.fmt), []
    warn([*(p for doc in documents for p in doc.warnings), *found])

    def keep() -> None:
        if request is not None and isinstance(data, str):
            letter_cache.remember_letters(request, renderer, documents, load_warnings, data,
                                          found)

    signers = options.signers.path if options.signers is not None else None
    return Letters(data, [loaded.path, signers], renderer.roots, keep)
