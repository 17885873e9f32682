"""Letters to thousands of signers: the wording rendered once, each writer filled in.

A letter template sees its writer as ``writer.name``, ``.city``, ``.email``, ``.country``,
``.note`` and ``.address``. If a template only prints those values, tests whether they are
set, joins them with ``~``, chooses with ``or`` and ``if ... else`` and stores them with
``{% set %}`` (checked on its syntax tree by :func:`stencil_safe`), then two writers whose
fields are set and unset alike get the same letter except where the values are printed. So
such a letter is rendered once per target, language and *shape* (which fields are set)
with placeholder characters for the values, and each writer's letter is filled in from
that stencil: every printed value escaped as a whole, as the full render escapes it. The
result is the same Markdown, byte for byte (``tests/templates/test_stencil.py`` checks it over
thousands of generated writers), in a tenth of the time.

Any other use of the writer (a filter, a comparison, a macro, an include), or placeholder
characters already present in the campaign, and every letter is rendered in full.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jinja2 import TemplateNotFound, nodes, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from advocate.errors import AdvocateError
from advocate.templates.host import AdvocateEnvironment, finalize, render
from advocate.text.markdown import MarkdownText
from advocate.text.stencil import (
    ANY_PLACEHOLDER,
    CLOSE,
    FIELDS,
    MARKED,
    OPEN,
    PLACEHOLDER,
    RESERVED,
    Block,
    Filled,
    Shape,
    Stencil,
    shape,
    text_plan,
)
from advocate.text.variants import SLOT_MARKS

__all__ = ["FIELDS", "Block", "Filled", "Shape", "Stencil", "StencilCache", "make_stencil",
           "shape", "stencil_safe"]

_TRUTH_TESTS = frozenset({"none", "defined", "undefined", "string"})
#: The names a stencil fills in per letter: the writer's fields and the letter's variants.
_FILLED = ("writer", "variants")


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
        return any(name in _FILLED or name in self.tainted for name in _names(node))

    @staticmethod
    def field(node: nodes.Node) -> bool:
        """A writer's field, or a variant slot (``variants.opening``): one printed value."""
        if isinstance(node, nodes.Getattr):
            return isinstance(node.node, nodes.Name) and (
                (node.node.name == "writer" and node.attr in FIELDS)
                or node.node.name == "variants")
        if isinstance(node, nodes.Getitem):
            return isinstance(node.node, nodes.Name) and isinstance(node.arg, nodes.Const) \
                and ((node.node.name == "writer" and node.arg.value in FIELDS)
                     or (node.node.name == "variants" and isinstance(node.arg.value, str)))
        return False

    def value(self, node: nodes.Node) -> bool:
        """A value that is a writer's field, or one picked or joined from such values."""
        if not self.touches(node):
            return True
        if self.field(node):
            return True
        if isinstance(node, nodes.Name):
            return node.name in self.tainted and node.name not in _FILLED
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
                if any(name in _FILLED for name in _names(node.target)):
                    return False
                if self.touches(node.node) and not (
                        isinstance(node.target, nodes.Name) and self.value(node.node)):
                    return False
            elif isinstance(node, nodes.If):
                if not (self.truth(node.test) and self.statements(node.body)
                        and self.statements(node.elif_) and self.statements(node.else_)):
                    return False
            elif isinstance(node, nodes.For):
                if any(name in _FILLED for name in _names(node.target)) or node.recursive \
                        or self.touches(node.iter) or (
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
        return RESERVED.search(value) is not None
    if depth > 40:
        return True  # not worth walking: render in full
    if isinstance(value, Mapping):
        return any(_holds_reserved(k, depth + 1) or _holds_reserved(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_reserved(v, depth + 1) for v in value)
    return False


@pass_context
def _marking_finalize(context: Context, value: Any) -> Any:
    """As the host's finalize, except that a printed value holding a placeholder is marked,
    not escaped: each letter filled in later escapes its value whole, as a full render does."""
    if isinstance(value, str) and not isinstance(value, MarkdownText | Markup) and \
            context.name and context.name.endswith(".md.j2") and ANY_PLACEHOLDER.search(value):
        return OPEN + value + CLOSE
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
             view: Mapping[str, Any], slots: Sequence[str] = (),
             variants: Sequence[str] = ()) -> Filled | None:
        """The letter filled in from its stencil, or None: render it in full. ``slots``:
        the campaign's variant slots, in order; ``variants``: this letter's text of each."""
        if key not in self._stencils:
            self._stencils[key] = None  # the first letter of its kind renders in full
            return None
        stencil = self._stencils[key]
        if stencil is None and key not in self._refused:
            if self._marking is None:
                self._marking = marking_environment(self.env)
            stencil = make_stencil(self.env, self._marking, name, context, view, slots)
            if stencil is None:
                self._refused.add(key)
            else:  # the fixed blocks' text converted once, not per letter
                stencil = stencil.with_texts()
            self._stencils[key] = stencil
        return stencil.fill(view, variants) if stencil is not None else None


#: Each environment's verdicts (:func:`stencil_safe`) by template name and source.
_SAFE: weakref.WeakKeyDictionary[AdvocateEnvironment, dict[tuple[str, str], bool]] = \
    weakref.WeakKeyDictionary()


def _stencil_safe_source(env: AdvocateEnvironment, source: str, name: str,
                         filename: str | None) -> bool:
    """:func:`stencil_safe` of template ``name`` as ``env`` parses ``source``, kept by name
    and source: a batch makes a stencil per target and shape of writer from one template,
    and parsing it cost a worker about 6 ms a stencil."""
    verdicts = _SAFE.setdefault(env, {})
    key = (name, source)
    if key not in verdicts:
        verdicts[key] = stencil_safe(env.parse(source, name, filename))
    return verdicts[key]


def make_stencil(env: AdvocateEnvironment, marking: AdvocateEnvironment, name: str,
                 context: Mapping[str, Any], view: Mapping[str, Any],
                 slots: Sequence[str] = ()) -> Stencil | None:
    """Render template ``name`` once for writers shaped like ``view`` (in ``marking``, the
    overlay of ``env`` made by :func:`marking_environment`), each variant slot of ``slots``
    a printed value (its mark, :data:`advocate.text.variants.SLOT_MARKS`); None when the
    template or the context does not allow it (then render every letter in full)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except (TemplateNotFound, AdvocateError):
        return None
    if RESERVED.search(source) or len(slots) > len(SLOT_MARKS) or _holds_reserved(
            {k: v for k, v in context.items() if k not in _FILLED}):
        return None
    if not _stencil_safe_source(env, source, name, filename):
        return None
    probe = {f: (PLACEHOLDER[f] if view.get(f) else view.get(f)) for f in FIELDS}
    try:
        text, exported = render(marking, name, {
            **context, "writer": probe, "variants": dict(zip(slots, SLOT_MARKS, strict=False))})
    except AdvocateError:
        return None  # the full render will report it, with the real values redacted
    pieces = MARKED.split(text)
    fixed = pieces[0::2]
    if any(ANY_PLACEHOLDER.search(p) or OPEN in p or CLOSE in p for p in fixed):
        return None  # a value reached the text some other way
    if any(not isinstance(v, str) and _holds_reserved(v) for v in exported.values()):
        return None
    return Stencil(tuple(pieces), exported, text_plan(tuple(pieces)))
