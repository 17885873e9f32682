"""A letter's stencil: its Markdown cut into fixed text and printed values, and filled in.

:mod:`advocate.templates.stencil` makes a stencil with Jinja (once per target, language
and *shape* of writer); this module holds what a stencil is and how a writer's letter is
filled in from it, with no Jinja and no campaign model, so a stencil kept between runs
(:mod:`advocate.render.letter_cache`) fills in without importing either. Every printed value
is escaped whole, as a full render escapes it, and the text form is converted block by
block, only the blocks that hold values again for each writer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any

from advocate.text import markdown as markup
from advocate.text.markdown import escape_markdown
from advocate.text.variants import SLOT_MARKS

__all__ = ["FIELDS", "Block", "Filled", "Shape", "Stencil", "shape"]

#: A writer's details, in the order a letter's writer view holds them: the one list
#: (:class:`advocate.render.writer.Writer`, the font checks, the stencils).
FIELDS = ("name", "city", "email", "country", "note", "address")
# Placeholders and marks: characters of a Supplementary Private Use Area, which no
# campaign or template uses (make_stencil refuses a context that holds any).
PLACEHOLDER = {field: chr(0xF0001 + i) for i, field in enumerate(FIELDS)}
_FIELD_OF = {char: field for field, char in PLACEHOLDER.items()}
OPEN, CLOSE = chr(0xF0010), chr(0xF0011)
# A variant slot's mark (advocate.text.variants) is a printed value like a writer's field.
_WRITER = re.compile("[" + "".join(PLACEHOLDER.values()) + "]")
_VARIED_MAX = 4096
_ESCAPED: dict[str, str] = {}  # each variant's text escaped, once
ANY_PLACEHOLDER = re.compile("[" + "".join(PLACEHOLDER.values()) + "".join(SLOT_MARKS) + "]")
RESERVED = re.compile("[\U000f0000-\U000f00ff]")
MARKED = re.compile(re.escape(OPEN) + "(.*?)" + re.escape(CLOSE), re.DOTALL)

Shape = tuple[object, ...]
Block = tuple[str | int, ...]  # fixed text and the numbers of printed values, in order


class _Format(str):
    """A block's Markdown as a format string: ``{0}`` stands for printed value 0."""

    #: The numbers of the values it prints, when none holds a writer's field (only variant
    #: slots): the few texts it converts to are kept in :attr:`memo`, by those values
    #: (:attr:`key` takes them from a letter's values; '' for a block with no text).
    varied: tuple[int, ...] | None = None
    key: Callable[[Sequence[str]], object] | None = None
    memo: dict[object, str]
    #: A measure of that text (a link's encoded length), by the measure and the values.
    measures: dict[tuple[object, object], int]


def shape(view: Mapping[str, Any], signed: bool) -> Shape:
    """Which of a writer's fields are unset (None), empty ('') or set: all a safe template
    can tell apart."""
    return (signed, *(None if view.get(f) is None else bool(view.get(f)) for f in FIELDS))


@dataclass(frozen=True)
class Filled:
    """One writer's letter from a stencil."""

    markdown: str
    exported: dict[str, Any]
    stencil: Stencil
    values: list[str]
    #: The writer's view it was filled in from (fills the stencil's other forms).
    view: Mapping[str, Any] | None = None
    _values_one_line: bool | None = field(init=False, default=None, compare=False,
                                          repr=False)

    @property
    def one_line_values(self) -> bool:
        """Whether no printed value spans lines or starts with white space: either could
        move a block boundary, or a line a rewrite of the Markdown matches. (Asked by the
        letter's text and each of its email forms: found once.)"""
        if self._values_one_line is None:
            object.__setattr__(self, "_values_one_line", _one_line(self.values))
        assert self._values_one_line is not None
        return self._values_one_line

    def text(self) -> str:
        """The plain text, as :func:`advocate.text.markdown.to_text` gives it at the stencil's
        width, converting only the blocks that hold the writer's values (when
        :attr:`one_line_values`)."""
        text = self.stencil.text_of(self.values, self.one_line_values)
        return markup.to_text(self.markdown, self.stencil.width) if text is None else text

    def form(self, name: str, rewrite: Callable[[str], str], width: int) -> str | None:
        """The text of ``rewrite`` applied to this letter's Markdown, at ``width``, filled in
        from the stencil's form ``name`` (:meth:`Stencil.form`) with this letter's printed
        values; None when that cannot be exact (then convert ``rewrite(self.markdown)``)."""
        made = self.stencil.form(name, rewrite, width)
        if made is None:
            return None
        stencil, origin = made
        # Some of this letter's values: on one line each if all of them are.
        return stencil.text_of([self.values[i] for i in origin],
                               True if self.one_line_values else None)

    def form_variant_measure(self, name: str, rewrite: Callable[[str], str], width: int,
                             measure: Callable[[str], int]) -> int:
        """``measure`` summed over :meth:`form_variant_runs`, kept for every letter whose
        variants print the same in form ``name``."""
        made = self.stencil.form(name, rewrite, width)
        if made is None:
            return 0
        stencil, origin = made
        return stencil.varied_measure([self.values[i] for i in origin], measure,
                                      True if self.one_line_values else None)

    def form_runs(self, name: str, rewrite: Callable[[str], str], width: int) -> tuple[str, ...]:
        """The fixed text every letter's form ``name`` holds (:attr:`Stencil.fixed_runs`)."""
        made = self.stencil.form(name, rewrite, width)
        return () if made is None else made[0].fixed_runs

    def form_variant_runs(self, name: str, rewrite: Callable[[str], str],
                          width: int) -> tuple[str, ...]:
        """The text this letter's variants give form ``name`` beside its fixed runs
        (:meth:`Stencil.varied_runs`): every letter with the same variants holds it."""
        made = self.stencil.form(name, rewrite, width)
        if made is None:
            return ()
        stencil, origin = made
        return stencil.varied_runs([self.values[i] for i in origin],
                                   True if self.one_line_values else None)


_MARKS = frozenset(SLOT_MARKS)


def _escaped(text: str) -> str:
    """A variant's text or a writer's value escaped as a printed value (kept: a campaign
    has few variants, and a writer's letters to each target follow one another)."""
    found = _ESCAPED.get(text)
    if found is None:
        if len(_ESCAPED) >= _VARIED_MAX:
            _ESCAPED.clear()
        found = _ESCAPED[text] = escape_markdown(text)
    return found


def _shown(text: str) -> str:
    """A block's text as a letter's text joins it ('' for a block with none to show)."""
    return text.rstrip("\n") if text.strip() else ""


def _no_key(values: Sequence[str]) -> object:
    return ()


def _one_line(values: Sequence[str]) -> bool:
    return not any("\n" in v or "\r" in v or v[:1].isspace() for v in values)


@dataclass(frozen=True)
class Stencil:
    """A letter's Markdown cut into fixed text and printed values holding placeholders."""

    pieces: tuple[str, ...]  # fixed, value, fixed, value, ..., fixed
    exported: dict[str, Any]
    #: The top-level text blocks, each fixed text or the parts to join; None: convert whole.
    blocks: tuple[str | Block, ...] | None = None
    #: The text of each fixed block (None for a block with values), when converted ahead
    #: (:meth:`with_texts`): a stencil kept between runs fills in without the Markdown parser.
    fixed_texts: tuple[str | None, ...] | None = None
    #: The width its text is wrapped to (:func:`advocate.text.markdown.to_text`'s).
    width: int = markup.WIDTH
    #: Its forms made so far (:meth:`form`), by name.
    _forms: dict[str, tuple[Stencil, tuple[int, ...]] | None] = field(
        init=False, default_factory=dict, compare=False, repr=False)
    #: The text plan with the fixed blocks' text joined ahead (:meth:`text_of`).
    _plan: list[str | _Format] | None = field(init=False, default=None, compare=False,
                                              repr=False)
    #: :attr:`fixed_runs`, once made.
    _runs: tuple[str, ...] | None = field(init=False, default=None, compare=False, repr=False)
    #: For :meth:`varied_runs`: the blocks printing only variant slots, once found.
    _varied: tuple[_Format, ...] | None = field(init=False, default=None, compare=False,
                                                repr=False)
    #: :meth:`_exported_holes`, once found.
    _holes: tuple[str, ...] | None = field(init=False, default=None, compare=False, repr=False)

    @property
    def fixed_runs(self) -> tuple[str, ...]:
        """The text of the fixed blocks, each run of them joined: every letter's text holds
        each of them whole (none until :meth:`with_texts`). Made once (asked per letter)."""
        if self._runs is None:
            plan = self._text_plan() or ()
            object.__setattr__(self, "_runs", tuple(p for p in plan if not isinstance(p, _Format)))
        assert self._runs is not None
        return self._runs

    def _text_plan(self) -> list[str | _Format] | None:
        """The blocks as :meth:`text_of` goes through them: each run of fixed blocks one
        string (their text, joined as :func:`advocate.text.markdown.joined_blocks` joins),
        each block with values its Markdown as a format string taking the values; None
        without :meth:`with_texts`."""
        if self._plan is None and self.blocks is not None and self.fixed_texts is not None:
            plan: list[str | _Format] = []
            run: list[str] = []
            for block, text in zip(self.blocks, self.fixed_texts, strict=True):
                if text is None:
                    if run:
                        plan.append("\n\n".join(run))
                        run = []
                    made = _Format("".join(
                        p.replace("{", "{{").replace("}", "}}") if isinstance(p, str)
                        else f"{{{p}}}" for p in block))
                    own = self.pieces[1::2]
                    numbers = tuple(p for p in block if not isinstance(p, str))
                    if not any(_WRITER.search(own[p]) for p in numbers):
                        made.varied, made.memo, made.measures = numbers, {}, {}
                        made.key = itemgetter(*numbers) if numbers else _no_key
                    plan.append(made)
                elif text.strip():
                    run.append(text.rstrip("\n"))
            if run:
                plan.append("\n\n".join(run))
            object.__setattr__(self, "_plan", plan)
        return self._plan

    def text_of(self, values: Sequence[str], one_line: bool | None = None) -> str | None:
        """The plain text of the letter with these printed values (escaped, in order), as
        :func:`advocate.text.markdown.to_text` gives it at :attr:`width`; None when only
        converting the whole letter is exact (a value on more than one line, say).
        ``one_line``: whether that is known of ``values`` already (:func:`_one_line`)."""
        if self.blocks is None or not (_one_line(values) if one_line is None else one_line):
            return None
        plan = self._text_plan()
        if plan is None:
            known = self.fixed_texts or (None,) * len(self.blocks)
            return markup.joined_blocks([
                markup.block_text(block if isinstance(block, str) else "".join(
                    p if isinstance(p, str) else values[p] for p in block), self.width)
                if text is None else text
                for block, text in zip(self.blocks, known, strict=True)])
        width = self.width
        out: list[str] = []
        append = out.append
        for part in plan:  # a letter's text: a few parts, made for every letter's forms
            if part.__class__ is not _Format:
                append(part)
                continue
            if part.key is not None:
                text = self._varied_text(part, values)
            else:
                text = _shown(markup.block_text(part.format(*values), width))
            if text:
                append(text)
        return "\n\n".join(out) + "\n"

    def _varied_text(self, part: _Format, values: Sequence[str]) -> str:
        """The text of a block that prints only variant slots as the letter shows it
        (:func:`_shown`), kept by those values."""
        assert part.key is not None
        found = part.key(values)
        text = part.memo.get(found)
        if text is None:
            if len(part.memo) >= _VARIED_MAX:
                part.memo.clear()
            text = part.memo[found] = _shown(markup.block_text(part.format(*values),
                                                               self.width))
        return text

    def varied_runs(self, values: Sequence[str], one_line: bool | None = None
                    ) -> tuple[str, ...]:
        """The text of each block that prints only variant slots, as :meth:`text_of` puts it
        in the letter with these values: with :attr:`fixed_runs`, text that letter holds
        whole. Kept per variant (:meth:`_varied_text`), so cheap per letter; none when
        :meth:`text_of` gives None. ``one_line``: as :meth:`text_of`'s."""
        if self._varied is None:
            object.__setattr__(self, "_varied", tuple(
                p for p in self._text_plan() or () if isinstance(p, _Format) and p.key is not None))
        assert self._varied is not None
        if not self._varied or not (_one_line(values) if one_line is None else one_line):
            return ()
        return tuple(self._varied_text(part, values) for part in self._varied)

    def varied_measure(self, values: Sequence[str], measure: Callable[[str], int],
                       one_line: bool | None = None) -> int:
        """``measure`` summed over :meth:`varied_runs`, each block's kept beside its text (by
        the values it prints: variant slots only)."""
        if self._varied is None:
            self.varied_runs(values, one_line)  # finds the blocks
        assert self._varied is not None
        if not self._varied or not (_one_line(values) if one_line is None else one_line):
            return 0
        total = 0
        for part in self._varied:
            assert part.key is not None
            found = (measure, part.key(values))
            size = part.measures.get(found)
            if size is None:
                if len(part.measures) >= _VARIED_MAX:
                    part.measures.clear()
                size = part.measures[found] = measure(self._varied_text(part, values))
            total += size
        return total

    def fill(self, view: Mapping[str, Any], variants: Sequence[str] = ()) -> Filled:
        """The Markdown and exported values a full render gives for this writer's view and
        the letter's variant of each slot (``variants[i]`` for slot mark i)."""
        values = {char: view[name] or "" for char, name in _FIELD_OF.items()}
        values.update(zip(SLOT_MARKS, variants, strict=False))

        def put(text: str) -> str:
            return ANY_PLACEHOLDER.sub(lambda m: values.get(m.group(), ""), text)

        parts = list(self.pieces)
        # A writer's values escaped once for the letters to each target (kept, as variants)
        printed = [_escaped(values[p]) if p in values else escape_markdown(put(p))
                   for p in parts[1::2]]
        parts[1::2] = printed
        exported = dict(self.exported)
        for key in self._exported_holes():  # the few exported strings that print a value
            exported[key] = put(exported[key])
        return Filled("".join(parts), exported, self, printed, view)

    def _exported_holes(self) -> tuple[str, ...]:
        """The keys of :attr:`exported` whose strings hold a placeholder or a mark (found
        once: the others are every letter's as they are)."""
        if self._holes is None:
            object.__setattr__(self, "_holes", tuple(
                key for key, value in self.exported.items()
                if isinstance(value, str) and ANY_PLACEHOLDER.search(value)))
        assert self._holes is not None
        return self._holes

    def with_texts(self) -> Stencil:
        """This stencil with the text of its fixed blocks converted ahead."""
        if self.blocks is None:
            return self
        return replace(self, fixed_texts=tuple(
            markup.block_text(block, self.width) if isinstance(block, str) else None
            for block in self.blocks))

    def form(self, name: str, rewrite: Callable[[str], str],
             width: int) -> tuple[Stencil, tuple[int, ...]] | None:
        """The stencil of form ``name`` of every letter (an email form, say): ``rewrite``
        applied to the Markdown (:meth:`rewritten`), its text at ``width`` with the fixed
        blocks converted ahead; and for each of its printed values, the number of this
        stencil's value it repeats. Made once; None when the rewrite cannot be a stencil.

        Its text, with the letter's printed values put in, is that of ``rewrite(letter)``
        for a letter whose values are on one line each (:attr:`Filled.one_line_values`):
        the rewrites of advocate.render.email_text match whole lines, and an escaped value
        never starts a line with syntax (``tests/templates/test_stencil.py`` checks it)."""
        if name not in self._forms:
            made = self.rewritten(rewrite)
            own = self.pieces[1::2]
            if made is None or any(value not in own for value in made.pieces[1::2]):
                self._forms[name] = None
            else:
                origin = tuple(own.index(value) for value in made.pieces[1::2])
                self._forms[name] = (replace(made, width=width).with_texts(), origin)
        return self._forms[name]

    def marked_blocks(self) -> list[str] | None:
        """The text plan's blocks as Markdown, each printed value between marks (two blocks
        that differ only in which value numbers they print are the same), or None."""
        if self.blocks is None:
            return None
        values = self.pieces[1::2]
        return [block if isinstance(block, str) else "".join(
            p if isinstance(p, str) else OPEN + values[p] + CLOSE for p in block)
            for block in self.blocks]

    def rewritten(self, rewrite: Callable[[str], str]) -> Stencil | None:
        """The stencil of ``rewrite`` applied to every letter's
        Markdown (the email form of a letter, say), or None when the rewrite cut a printed
        value or added one.

        ``rewrite`` sees the stencil's Markdown with each printed value marked, so it may
        drop, move or copy values whole; for the result to fill in to ``rewrite(filled)``
        it must not look inside them (an escaped value never starts a line with syntax)."""
        marked = "".join(p if i % 2 == 0 else OPEN + p + CLOSE
                         for i, p in enumerate(self.pieces))
        pieces = tuple(MARKED.split(rewrite(marked)))
        fixed = pieces[0::2]
        if any(ANY_PLACEHOLDER.search(p) or OPEN in p or CLOSE in p for p in fixed) \
                or any(OPEN in p or CLOSE in p for p in pieces[1::2]):
            return None
        return Stencil(pieces, self.exported, text_plan(pieces))

    # -- kept between runs --------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """The stencil as JSON data (:meth:`from_data` reads it back)."""
        return {"pieces": list(self.pieces), "exported": self.exported,
                "blocks": None if self.blocks is None else [
                    b if isinstance(b, str) else list(b) for b in self.blocks],
                "fixed_texts": None if self.fixed_texts is None else list(self.fixed_texts)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Stencil:
        """A stencil from :meth:`to_data`'s JSON; ValueError when it is not one."""
        pieces = data["pieces"]
        if not (isinstance(pieces, list) and len(pieces) % 2 == 1
                and all(isinstance(p, str) for p in pieces)):
            raise ValueError("pieces")
        exported = data["exported"]
        if not isinstance(exported, dict):
            raise ValueError("exported")
        count = len(pieces) // 2
        blocks: tuple[str | Block, ...] | None = None
        if data["blocks"] is not None:
            blocks = tuple(_block_from(b, count) for b in data["blocks"])
        texts = data["fixed_texts"]
        fixed_texts: tuple[str | None, ...] | None = None
        if texts is not None:
            if blocks is None or len(texts) != len(blocks) or any(
                    (t is None) != (not isinstance(b, str)) or not (t is None or isinstance(t, str))
                    for t, b in zip(texts, blocks, strict=True)):
                raise ValueError("fixed_texts")
            fixed_texts = tuple(texts)
        return cls(tuple(pieces), exported, blocks, fixed_texts)


def _block_from(data: Any, count: int) -> str | Block:
    if isinstance(data, str):
        return data
    if isinstance(data, list) and all(
            isinstance(p, str) or (type(p) is int and 0 <= p < count) for p in data):
        return tuple(data)
    raise ValueError("blocks")


_SLOTS = 200  # printed values a stencil's text plan can number (more: convert whole)
_SLOT = re.compile("([\U000f0020-\U000f00e7])")


def text_plan(pieces: Sequence[str]) -> tuple[str | Block, ...] | None:
    """Cut the stencil (each printed value standing in as one character) into text blocks.

    A value that neither spans lines nor starts with white space (Filled.text checks) never
    starts a fence or makes a line blank (it is escaped and not blank), so the blocks of
    any filled-in letter are these, with the values put in."""
    count = len(pieces) // 2
    if count > _SLOTS:
        return None
    joined = "".join(piece if i % 2 == 0 else chr(0xF0020 + i // 2)
                     for i, piece in enumerate(pieces))
    blocks = markup.text_blocks(joined)
    if blocks is None:
        return None
    plan: list[str | Block] = []
    for block in blocks:
        parts = _SLOT.split(block)
        if len(parts) == 1:
            plan.append(block)
        else:
            plan.append(tuple(part if i % 2 == 0 else ord(part) - 0xF0020
                              for i, part in enumerate(parts) if i % 2 or part))
    return tuple(plan)
