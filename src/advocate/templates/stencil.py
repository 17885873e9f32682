"""Letters to thousands of signers: the wording rendered once, each writer filled in.

A letter template sees its writer as ``writer.name``, ``.city``, ``.email``, ``.country``,
``.note`` and ``.address``. If a template only prints those values, tests whether they are
set, joins them with ``~``, chooses with ``or`` and ``if ... else`` and stores them with
``{% set %}`` (checked on its syntax tree by :func:`stencil_safe`), then two writers whose
fields are set and unset alike get the same letter except where the values are printed. So
such a letter is rendered once per target, language and *shape* (which fields are set)
with placeholder characters for the values, and each writer's letter is filled in from
that stencil: every printed value escaped as a whole, as the full render escapes it. The
result is the same Markdown, byte for byte (``tests/test_stencil.py`` checks it over
thousands of generated writers), in a tenth of the time.

Any other use of the writer (a filter, a comparison, a macro, an include), or placeholder
characters already present in the campaign, and every letter is rendered in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateNotFound, nodes, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from advocate.errors import AdvocateError
from advocate.templates.host import (
    AdvocateEnvironment,
    MarkdownText,
    escape_markdown,
    finalize,
    render,
)
from advocate.text import markdown as markup

__all__ = ["FIELDS", "Filled", "Stencil", "StencilCache", "make_stencil", "shape",
           "stencil_safe"]

FIELDS = ("name", "city", "email", "country", "note", "address")
# Placeholders and marks: characters of a Supplementary Private Use Area, which no
# campaign or template uses (make_stencil refuses a context that holds any).
_PLACEHOLDER = {field: chr(0xF0001 + i) for i, field in enumerate(FIELDS)}
_FIELD_OF = {char: field for field, char in _PLACEHOLDER.items()}
_OPEN, _CLOSE = chr(0xF0010), chr(0xF0011)
_ANY_PLACEHOLDER = re.compile("[" + "".join(_PLACEHOLDER.values()) + "]")
_RESERVED = re.compile("[\U000f0000-\U000f00ff]")
_MARKED = re.compile(re.escape(_OPEN) + "(.*?)" + re.escape(_CLOSE), re.DOTALL)
_TRUTH_TESTS = frozenset({"none", "defined", "undefined", "string"})

Shape = tuple[object, ...]


def shape(view: Mapping[str, Any], signed: bool) -> Shape:
    """Which of a writer's fields are unset (None), empty ('') or set: all a safe template
    can tell apart."""
    return (signed, *(None if view.get(f) is None else bool(view.get(f)) for f in FIELDS))


# -- the syntax check ---------------------------------------------------------------------

def _names(node: nodes.Node) -> list[str]:
    """Every name in an expression, the expression itself included."""
    found = [node] if isinstance(node, nodes.Name) else []
    return [n.name for n in [*found, *node.find_all(nodes.Name)]]


class _Check:
    """Whether a template uses its writer only in ways a stencil reproduces exactly."""

    def __init__(self, template: nodes.Template) -> None:
        self.tainted: set[str] = set()
        assigns = list(template.find_all(nodes.Assign))
        changed = True
        while changed:  # names set from the writer, directly or through other names
            changed = False
            for assign in assigns:
                if isinstance(assign.target, nodes.Name) and self.touches(assign.node) \
                        and assign.target.name not in self.tainted:
                    self.tainted.add(assign.target.name)
                    changed = True
        self.ok = self.statements(template.body)

    def touches(self, node: nodes.Node) -> bool:
        return any(name == "writer" or name in self.tainted for name in _names(node))

    @staticmethod
    def field(node: nodes.Node) -> bool:
        if isinstance(node, nodes.Getattr):
            return isinstance(node.node, nodes.Name) and node.node.name == "writer" \
                and node.attr in FIELDS
        if isinstance(node, nodes.Getitem):
            return isinstance(node.node, nodes.Name) and node.node.name == "writer" \
                and isinstance(node.arg, nodes.Const) and node.arg.value in FIELDS
        return False

    def value(self, node: nodes.Node) -> bool:
        """A value that is a writer's field, or one picked or joined from such values."""
        if not self.touches(node):
            return True
        if self.field(node):
            return True
        if isinstance(node, nodes.Name):
            return node.name in self.tainted and node.name != "writer"
        if isinstance(node, nodes.Or | nodes.And):
            return self.truth(node.left) and self.value(node.left) and self.value(node.right)
        if isinstance(node, nodes.Concat):
            return all(self.value(n) for n in node.nodes)
        if isinstance(node, nodes.CondExpr):
            return self.truth(node.test) and self.value(node.expr1) and (
                node.expr2 is None or self.value(node.expr2))
        return False

    def truth(self, node: nodes.Node) -> bool:
        """A test whose outcome depends only on which fields are set."""
        if not self.touches(node):
            return True
        if isinstance(node, nodes.Not):
            return self.truth(node.node)
        if isinstance(node, nodes.Or | nodes.And):
            return self.truth(node.left) and self.truth(node.right)
        if isinstance(node, nodes.Test):
            return node.name in _TRUTH_TESTS and not node.args and not node.kwargs \
                and node.dyn_args is None and node.dyn_kwargs is None and self.value(node.node)
        return self.value(node)

    def statements(self, body: Iterable[nodes.Node]) -> bool:
        for node in body:
            if isinstance(node, nodes.Output):
                if not all(isinstance(n, nodes.TemplateData) or self.value(n)
                           for n in node.nodes):
                    return False
            elif isinstance(node, nodes.Assign):
                if "writer" in _names(node.target):
                    return False
                if self.touches(node.node) and not (
                        isinstance(node.target, nodes.Name) and self.value(node.node)):
                    return False
            elif isinstance(node, nodes.If):
                if not (self.truth(node.test) and self.statements(node.body)
                        and self.statements(node.elif_) and self.statements(node.else_)):
                    return False
            elif isinstance(node, nodes.For):
                if "writer" in _names(node.target) or node.recursive or self.touches(node.iter) or (
                        node.test is not None and self.touches(node.test)):
                    return False
                if not (self.statements(node.body) and self.statements(node.else_)):
                    return False
            else:  # macros, includes, blocks, {% do %}, {% filter %}...: not analysed
                return False
        return True


def stencil_safe(template: nodes.Template) -> bool:
    """Whether a parsed template may be rendered once and filled in per writer."""
    return _Check(template).ok


# -- stencils -----------------------------------------------------------------------------

def _holds_reserved(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return _RESERVED.search(value) is not None
    if depth > 40:
        return True  # not worth walking: render in full
    if isinstance(value, Mapping):
        return any(_holds_reserved(k, depth + 1) or _holds_reserved(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_reserved(v, depth + 1) for v in value)
    return False


Block = tuple[str | int, ...]  # fixed text and the numbers of printed values, in order


@dataclass(frozen=True)
class Filled:
    """One writer's letter from a stencil."""

    markdown: str
    exported: dict[str, Any]
    stencil: Stencil
    values: list[str]

    def text(self) -> str:
        """The plain text, as :func:`advocate.text.markdown.to_text` gives it, converting only the
        blocks that hold the writer's values (when no value spans lines or starts with
        white space: either could move a block boundary)."""
        blocks = self.stencil.blocks
        if blocks is None or any("\n" in v or "\r" in v or v[:1].isspace()
                                 for v in self.values):
            return markup.to_text(self.markdown)
        values = self.values
        texts = [part if isinstance(part, str) else "".join(
            p if isinstance(p, str) else values[p] for p in part) for part in blocks]
        return markup.blocks_text(texts)


@dataclass(frozen=True)
class Stencil:
    """A letter's Markdown cut into fixed text and printed values holding placeholders."""

    pieces: tuple[str, ...]  # fixed, value, fixed, value, ..., fixed
    exported: dict[str, Any]
    #: The top-level text blocks, each fixed text or the parts to join; None: convert whole.
    blocks: tuple[str | Block, ...] | None = None

    def fill(self, view: Mapping[str, Any]) -> Filled:
        """The Markdown and exported values a full render gives for this writer's view."""
        values = {char: view[field] or "" for char, field in _FIELD_OF.items()}

        def put(text: str) -> str:
            return _ANY_PLACEHOLDER.sub(lambda m: values[m.group()], text)

        parts = list(self.pieces)
        printed = [escape_markdown(put(parts[i])) for i in range(1, len(parts), 2)]
        parts[1::2] = printed
        exported = {key: put(value) if isinstance(value, str) else value
                    for key, value in self.exported.items()}
        return Filled("".join(parts), exported, self, printed)

    def marked_blocks(self) -> list[str] | None:
        """The text plan's blocks as Markdown, each printed value between marks (two blocks
        that differ only in which value numbers they print are the same), or None."""
        if self.blocks is None:
            return None
        values = self.pieces[1::2]
        return [block if isinstance(block, str) else "".join(
            p if isinstance(p, str) else _OPEN + values[p] + _CLOSE for p in block)
            for block in self.blocks]

    def rewritten(self, rewrite: Callable[[str], str]) -> Stencil | None:
        """The stencil of ``rewrite`` applied to every letter's Markdown (the email form of
        a letter, say), or None when the rewrite cut a printed value or added one.

        ``rewrite`` sees the stencil's Markdown with each printed value marked, so it may
        drop, move or copy values whole; for the result to fill in to ``rewrite(filled)``
        it must not look inside them (an escaped value never starts a line with syntax)."""
        marked = "".join(p if i % 2 == 0 else _OPEN + p + _CLOSE
                         for i, p in enumerate(self.pieces))
        pieces = tuple(_MARKED.split(rewrite(marked)))
        fixed = pieces[0::2]
        if any(_ANY_PLACEHOLDER.search(p) or _OPEN in p or _CLOSE in p for p in fixed) \
                or any(_OPEN in p or _CLOSE in p for p in pieces[1::2]):
            return None
        return Stencil(pieces, self.exported, _text_plan(pieces))


_SLOTS = 200  # printed values a stencil's text plan can number (more: convert whole)
_SLOT = re.compile("([\U000f0020-\U000f00e7])")


def _text_plan(pieces: tuple[str, ...]) -> tuple[str | Block, ...] | None:
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


@pass_context
def _marking_finalize(context: Context, value: Any) -> Any:
    """As the host's finalize, except that a printed value holding a placeholder is marked,
    not escaped: each letter filled in later escapes its value whole, as a full render does."""
    if isinstance(value, str) and not isinstance(value, MarkdownText | Markup) and \
            context.name and context.name.endswith(".md.j2") and _ANY_PLACEHOLDER.search(value):
        return _OPEN + value + _CLOSE
    return finalize(context, value)


def marking_environment(env: AdvocateEnvironment) -> AdvocateEnvironment:
    """An overlay of ``env`` (same loader, sandbox and capped filters) whose finalize marks
    placeholders, with a template cache of its own (never mixed with ``env``'s)."""
    overlay = env.overlay(finalize=_marking_finalize, cache_size=64)
    assert isinstance(overlay, AdvocateEnvironment)
    return overlay


class StencilCache:
    """The stencils of one renderer, by (target, language, shape): the first letter of a
    kind renders in full; from the second on, a stencil is made once and filled in."""

    def __init__(self, env: AdvocateEnvironment) -> None:
        self.env = env
        self._marking: AdvocateEnvironment | None = None
        self._stencils: dict[tuple[str, str, Shape], Stencil | None] = {}
        self._refused: set[tuple[str, str, Shape]] = set()

    @property
    def made(self) -> list[Stencil]:
        """The stencils made so far."""
        return [s for s in self._stencils.values() if s is not None]

    @property
    def refused(self) -> int:
        """How many kinds of letter could not have a stencil (each renders in full)."""
        return len(self._refused)

    def fill(self, key: tuple[str, str, Shape], name: str, context: Mapping[str, Any],
             view: Mapping[str, Any]) -> Filled | None:
        """The letter filled in from its stencil, or None: render it in full."""
        if key not in self._stencils:
            self._stencils[key] = None  # the first letter of its kind renders in full
            return None
        stencil = self._stencils[key]
        if stencil is None and key not in self._refused:
            if self._marking is None:
                self._marking = marking_environment(self.env)
            stencil = self._stencils[key] = make_stencil(self.env, self._marking, name,
                                                         context, view)
            if stencil is None:
                self._refused.add(key)
        return stencil.fill(view) if stencil is not None else None


def make_stencil(env: AdvocateEnvironment, marking: AdvocateEnvironment, name: str,
                 context: Mapping[str, Any], view: Mapping[str, Any]) -> Stencil | None:
    """Render template ``name`` once for writers shaped like ``view`` (in ``marking``, the
    overlay of ``env`` made by :func:`marking_environment`); None when the template or the
    context does not allow it (then render every letter in full)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except (TemplateNotFound, AdvocateError):
        return None
    if _RESERVED.search(source) or _holds_reserved(
            {k: v for k, v in context.items() if k != "writer"}):
        return None
    if not stencil_safe(env.parse(source, name, filename)):
        return None
    probe = {f: (_PLACEHOLDER[f] if view.get(f) else view.get(f)) for f in FIELDS}
    try:
        text, exported = render(marking, name, {**context, "writer": probe})
    except AdvocateError:
        return None  # the full render will report it, with the real values redacted
    pieces = _MARKED.split(text)
    fixed = pieces[0::2]
    if any(_ANY_PLACEHOLDER.search(p) or _OPEN in p or _CLOSE in p for p in fixed):
        return None  # a value reached the text some other way
    if any(not isinstance(v, str) and _holds_reserved(v) for v in exported.values()):
        return None
    return Stencil(tuple(pieces), exported, _text_plan(tuple(pieces)))
