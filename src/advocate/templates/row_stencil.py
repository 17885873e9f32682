"""Pages of thousands of rows (a build's index): the template's row loop cut out of its
syntax tree once, each row filled in from a stencil of its *shape*, the page around the
rows rendered once per page.

``{% for row in rows %}BODY{% endfor %}`` prints, for each row, what BODY prints for that
row alone, when BODY does not look at the outer ``loop``, at the other rows, or at anything
but the row and the names it is given (:func:`cut_loop` checks this on the syntax tree, and
that nothing around the loop changes what it prints). So a page is the page rendered with
the loop's output put in its place, and that output the rows rendered one by one.

A row is rendered with Jinja once per shape (what decides its markup: which fields are
set, its target, its files' formats...; the caller says) with stand-ins for the values it
only prints; every other row of that shape is the stencil with its values escaped in, as
autoescape escapes them. Each stencil is checked when made: stand-ins holding characters
HTML escapes, and the row itself, filled in must equal their full render, else that shape
is rendered in full row by row. Only for advocate's own templates (the caller checks,
:meth:`advocate.render.documents.Renderer.from_builtin`); the tests compare whole pages
with the template rendered whole (``tests/templates/test_row_stencil.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, TemplateError, TemplateNotFound, nodes
from markupsafe import Markup, escape

from advocate.errors import AdvocateError
from advocate.limits import time_limit
from advocate.templates.host import RENDER_SECONDS, AdvocateEnvironment

__all__ = ["LoopCut", "RowStencils", "cut_loop", "stand_in"]

#: Where the rows go in the frame's text (the frame is given it as the loop's output).
HOLE = "\ue000rows\ue001"
_HOLE_NAME = "row_stencil_rows"
_STAND_IN = re.compile("\ue000([0-9]+)\ue001")
#: Syntax that could make a row print something other than itself: not cut.
_OPAQUE = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Macro,
           nodes.CallBlock, nodes.FilterBlock, nodes.Block, nodes.EvalContextModifier,
           nodes.ExprStmt, nodes.NSRef)


def stand_in(number: int) -> str:
    """The stand-in for a row's printed value ``number`` in its stencil."""
    return f"\ue000{number}\ue001"


@dataclass(frozen=True)
class LoopCut:
    """A page template cut at its row loop: ``frame`` renders the page with the loop's
    output given (as :data:`HOLE`: :meth:`around` splits there), ``rows`` the loop alone."""

    frame: Template
    rows: Template
    sequence: str  # the loop's sequence: the rows
    names: tuple[str, ...]  # what the loop reads besides its rows

    def around(self, context: Mapping[str, Any], count: int) -> tuple[str, str]:
        """The page's text before and after its ``count`` rows."""
        text = _render(self.frame, {**context, self.sequence: [None] * count,
                                    _HOLE_NAME: Markup(HOLE)})
        before, hole, after = text.partition(HOLE)
        if not hole or HOLE in after:
            raise RuntimeError("the page's frame does not hold its rows once")
        return before, after

    def render_rows(self, context: Mapping[str, Any], rows: Sequence[Any]) -> str:
        """The rows rendered in full (what the page prints of them)."""
        return _render(self.rows, {**{n: context[n] for n in self.names}, self.sequence: rows})


def _render(template: Template, context: Mapping[str, Any]) -> str:
    with time_limit(RENDER_SECONDS):
        return template.render(context)


def _parents(tree: nodes.Node) -> dict[int, nodes.Node]:
    found: dict[int, nodes.Node] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in node.iter_child_nodes():
            found[id(child)] = node
            stack.append(child)
    return found


def _loop(tree: nodes.Template, sequence: str) -> nodes.For | None:
    """The one loop over ``sequence``, if it is a plain one directly in the page (or in an
    ``{% if %}``): nothing around it captures or filters what it prints."""
    loops = [n for n in tree.find_all(nodes.For)
             if isinstance(n.iter, nodes.Name) and n.iter.name == sequence]
    if len(loops) != 1:
        return None
    loop = loops[0]
    if loop.else_ or loop.test is not None or loop.recursive \
            or not isinstance(loop.target, nodes.Name):
        return None
    parents = _parents(tree)
    parent = parents.get(id(loop))
    while parent is not None and not isinstance(parent, nodes.Template):
        if not isinstance(parent, nodes.If):
            return None
        parent = parents.get(id(parent))
    return loop


def _reads(loop: nodes.For) -> set[str] | None:
    """The names the loop's body reads besides its row and what it sets itself; None if
    it reads the outer ``loop`` or uses syntax whose effect is not the row's alone."""
    if any(True for _ in loop.find_all(_OPAQUE)):
        return None
    stored = {n.name for n in loop.find_all(nodes.Name) if n.ctx in ("store", "param")}
    stored.add(loop.target.name)  # type: ignore[attr-defined]
    read: set[str] = set()

    def walk(node: nodes.Node, inner: bool) -> bool:
        """``inner``: inside a loop of the body's own, where ``loop`` is that loop's."""
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name == "loop" and not inner:
                return False  # the outer loop: the row's number, first, last...
            if node.name not in stored and node.name != "loop":
                read.add(node.name)
        if isinstance(node, nodes.For):  # its sequence is read outside it, the rest inside
            return walk(node.iter, inner) and all(
                walk(child, True) for child in node.iter_child_nodes() if child is not node.iter)
        return all(walk(child, inner) for child in node.iter_child_nodes())

    if not all(walk(statement, False) for statement in loop.body):
        return None
    return read


def _frame_uses_only_count(tree: nodes.Template, sequence: str) -> bool:
    """Whether the page outside the loop uses its rows only as ``rows | length``."""
    parents = _parents(tree)
    for name in tree.find_all(nodes.Name):
        if name.name != sequence:
            continue
        parent = parents.get(id(name))
        if not (isinstance(parent, nodes.Filter) and parent.name == "length"
                and parent.node is name and not parent.args and not parent.kwargs):
            return False
    return True


def _replace(tree: nodes.Template, old: nodes.Node, new: nodes.Node) -> None:
    parent = _parents(tree)[id(old)]
    for field in parent.fields:
        value = getattr(parent, field)
        if isinstance(value, list):
            for index, item in enumerate(value):
                if item is old:
                    value[index] = new
                    return
    raise RuntimeError("the loop's place in the page was not found")  # pragma: no cover


def cut_loop(env: AdvocateEnvironment, name: str, sequence: str,
             names: Sequence[str]) -> LoopCut | None:
    """Template ``name`` cut at its loop over ``sequence``, whose body may read only
    ``names`` besides its row; None when it cannot be cut exactly (then render it whole)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except (TemplateNotFound, AdvocateError):
        return None
    page = env.parse(source, name, filename)
    alone = env.parse(source, name, filename)  # a second tree: the loop taken from it
    loop, kept = _loop(alone, sequence), _loop(page, sequence)
    if loop is None or kept is None:
        return None
    read = _reads(loop)
    if read is None or not read <= set(names):
        return None
    _replace(page, kept, nodes.Output([nodes.Name(_HOLE_NAME, "load")]))
    if not _frame_uses_only_count(page, sequence):
        return None
    # The parts print as the page does: its escaping (by its name) for what they hold
    # themselves, each included template's own for it.
    own = env.autoescape

    def escaping(part: str | None) -> bool:
        return bool(own(part or name)) if callable(own) else own

    parts = env.overlay(cache_size=16, autoescape=escaping)
    rows = nodes.Template([loop], lineno=1)
    return LoopCut(parts.from_string(page), parts.from_string(rows), sequence,
                   tuple(sorted(read)))


class _Stencil:
    """A row's text split at its stand-ins: text, value, text, value... text."""

    def __init__(self, text: str) -> None:
        pieces = _STAND_IN.split(text)
        self.head = pieces[0]
        self.slots = [(int(number), after) for number, after in
                      zip(pieces[1::2], pieces[2::2], strict=True)]

    def fill(self, values: Sequence[Any]) -> str:
        out = [self.head]
        for number, after in self.slots:
            out += (escape(values[number]), after)
        return "".join(out)


class RowStencils:
    """Rows of a :class:`LoopCut` filled in from a stencil per shape.

    ``shape(row)``: what decides the row's markup; ``values(row)``: the values the row
    prints as they are (each escaped whole), in order; ``with_values(row, values)``: the row
    with those values put in their places (stand-ins, for the stencil)."""

    def __init__(self, cut: LoopCut, context: Mapping[str, Any],
                 shape: Callable[[Any], Hashable], values: Callable[[Any], Sequence[Any]],
                 with_values: Callable[[Any, Sequence[Any]], Any]) -> None:
        self.cut, self.context = cut, context
        self.shape, self.values, self.with_values = shape, values, with_values
        self._stencils: dict[Hashable, _Stencil | None] = {}

    @property
    def made(self) -> int:
        """How many shapes have a stencil (the others render each row in full)."""
        return sum(1 for s in self._stencils.values() if s is not None)

    def html(self, row: Any) -> str:
        """What the page prints of ``row``."""
        key = self.shape(row)
        try:
            stencil = self._stencils[key]
        except KeyError:
            stencil = self._stencils[key] = self._make(row)
        if stencil is None:
            return self.cut.render_rows(self.context, [row])
        return stencil.fill(self.values(row))

    def _make(self, row: Any) -> _Stencil | None:
        count = len(self.values(row))
        marks = [stand_in(i) for i in range(count)]
        # Stand-ins with what HTML escapes, letters, other lengths: a value printed any other
        # way than whole and escaped (a filter, |safe, a test of it) comes out differently.
        checks = [f"{mark}<&\"'> xY{'z' * i}" for i, mark in enumerate(marks)]
        try:
            stencil = _Stencil(self.cut.render_rows(self.context, [self.with_values(row, marks)]))
            for values, probe in ((checks, self.with_values(row, checks)), (
                    self.values(row), row)):
                if stencil.fill(values) != self.cut.render_rows(self.context, [probe]):
                    return None
        except (TemplateError, AdvocateError, ValueError, TypeError, LookupError,
                ArithmeticError):
            return None  # rendered in full, which reports any real error
        return stencil
