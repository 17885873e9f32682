"""A page's row loop cut out of its syntax tree (templates/row_stencil.py): cut only where a
row prints the same alone as in the page, and every row filled in from a stencil equal to
its full render, or rendered in full."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advocate.templates.host import make_environment, render
from advocate.templates.row_stencil import RowStencils, cut_loop, stand_in
from helpers import write

HEAD = "<!DOCTYPE html><html><head><title>{{ title }}</title></head><body>"
ROW = "<p>{{ row.name }} ({{ row.kind }})</p>\n"
ROWS = [{"name": name, "kind": kind} for name, kind in (
    ("a&b", "x"), ("<i>", "y"), ("Жанар", "x"), (stand_in(0), "x"), ("", "y"))]


def _env(tmp_path: Path, page: str) -> Any:
    write(tmp_path / "page.html.j2", page)
    write(tmp_path / "part.html.j2", "{{ row.name }}")
    return make_environment([tmp_path])


def _page(tmp_path: Path, page: str, rows: list[dict[str, Any]] = ROWS) -> tuple[str, str]:
    """The page rendered whole, and from its cut: frame and rows (each from a stencil)."""
    env = _env(tmp_path, page)
    context = {"title": "T & c", "rows": rows, "label": "L"}
    whole, _ = render(env, "page.html.j2", context)
    cut = cut_loop(env, "page.html.j2", "rows", ("label",))
    assert cut is not None
    before, after = cut.around(context, len(rows))
    # The shape: what the templates test (a name set or empty) and choose by (its kind).
    stencils = RowStencils(cut, context, lambda row: (row["kind"], bool(row["name"])),
                           lambda row: [row["name"]],
                           lambda row, values: {**row, "name": values[0]})
    return whole, before + "".join(stencils.html(row) for row in rows) + after


@pytest.mark.parametrize("page", [
    HEAD + "<h1>{{ rows | length }} rows</h1>{% for row in rows %}" + ROW + "{% endfor %}"
    "</body></html>",
    HEAD + "{% if title %}{% for row in rows %}{{ label }}: " + ROW + "{% endfor %}{% endif %}"
    "</body></html>",
    HEAD + "{% for row in rows %}{% set shown = row.name or 'none' %}{{ shown }}"
    "{% for c in row.name %}{{ loop.index }}{% endfor %}{% endfor %}</body></html>",
    HEAD + "{% for row in rows %}{{ row.name | upper }}{{ row.name | length }}"
    "{% if row.name | length > 3 %}long{% endif %}{% endfor %}</body></html>",
    HEAD + "{% for row in rows %}{{ row.name | safe }}{% endfor %}</body></html>",
])
def test_a_page_from_its_cut_is_the_page_rendered_whole(tmp_path: Path, page: str) -> None:
    """Values escaped, set, looped over, filtered, tested, printed raw: what the stencils
    cannot fill exactly renders in full, and the page is the same."""
    whole, cut = _page(tmp_path, page)
    assert cut == whole


@pytest.mark.parametrize("page", [
    "{% for row in rows %}{{ loop.index }}{% endfor %}",  # the outer loop's number
    "{% filter upper %}{% for row in rows %}{{ row.name }}{% endfor %}{% endfilter %}",
    "{% set all %}{% for row in rows %}{{ row.name }}{% endfor %}{% endset %}{{ all }}",
    "{% for row in rows %}{{ row.name }}{% endfor %}{{ rows[0].name }}",  # rows, not a count
    "{% for row in rows %}{{ row.name }}{% endfor %}{% for row in rows %}{% endfor %}",
    "{% for row in rows %}{% include 'part.html.j2' %}{% endfor %}",
    "{% for row in rows %}{{ title }}{% endfor %}",  # a name it was not given
    "{% for row in rows if row.name %}{{ row.name }}{% endfor %}",
    "{% for row in rows %}{{ row.name }}{% else %}none{% endfor %}",
    "{% for row in rows %}{% for c in loop.cycle('a', 'b') %}{{ c }}{% endfor %}{% endfor %}",
    "{% set ns = namespace(n=0) %}{% for row in rows %}{% set ns.n = ns.n + 1 %}"
    "{{ ns.n }}{% endfor %}",
    "no loop at all",
])
def test_a_loop_a_row_alone_would_print_differently_is_not_cut(tmp_path: Path,
                                                               page: str) -> None:
    assert cut_loop(_env(tmp_path, HEAD + page), "page.html.j2", "rows", ("label",)) is None


def test_a_missing_template_is_not_cut(tmp_path: Path) -> None:
    assert cut_loop(_env(tmp_path, HEAD), "other.html.j2", "rows", ()) is None


def test_each_shape_has_one_stencil_checked_against_its_full_render(tmp_path: Path) -> None:
    env = _env(tmp_path, HEAD + "{% for row in rows %}" + ROW + "{% endfor %}")
    cut = cut_loop(env, "page.html.j2", "rows", ())
    assert cut is not None
    stencils = RowStencils(cut, {}, lambda row: row["kind"], lambda row: [row["name"]],
                           lambda row, values: {**row, "name": values[0]})
    for row in ROWS * 20:
        assert stencils.html(row) == cut.render_rows({}, [row])
    assert stencils.made == 2
