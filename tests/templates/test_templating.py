"""The one Jinja host: sandbox, strict undefined, escaping by type, confined loader
(catalogue items 11-16 and the variants an attacker tries next)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from advocate.errors import AdvocateError
from advocate.templates.host import (
    MarkdownText,
    escape_markdown,
    make_environment,
    render,
    template_kind,
)
from helpers import write


def render_one(tmp_path: Path, template: str, source: str, seconds: float = 5.0,
               **context: Any) -> str:
    write(tmp_path / "tpl" / template, source)
    env = make_environment([tmp_path / "tpl"])
    return render(env, template, context, seconds=seconds)[0]


def error_of(tmp_path: Path, template: str, source: str, **context: Any) -> str:
    with pytest.raises(AdvocateError) as info:
        render_one(tmp_path, template, source, **context)
    return str(info.value).replace(str(tmp_path) + "/", "")


def test_python_internals_are_out_of_reach(tmp_path: Path) -> None:
    message = error_of(tmp_path, "letter.txt.j2",
                       "line one\n{{ cycler.__init__.__globals__.os.popen('id').read() }}\n")
    assert message.startswith("tpl/letter.txt.j2:2: ")
    assert "undefined" in message or "not allowed" in message


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ ''.format.__globals__ }}",
    "{{ '{0.__class__}'.format(1) }}",
    "{{ 'a'|attr('format')('{0.__class__}') }}",
])
def test_attribute_walks_never_show_object_details(tmp_path: Path, source: str) -> None:
    try:
        out = render_one(tmp_path, "x.txt.j2", source)
    except AdvocateError as exc:
        assert exc.first.file and exc.first.file.endswith("x.txt.j2")
        return
    assert "class" not in out and "function" not in out


def test_caller_data_cannot_be_mutated(tmp_path: Path) -> None:
    signers = ["a"]
    message = error_of(tmp_path, "x.txt.j2", "{% set _ = signers.append('x') %}",
                       signers=signers)
    assert message.startswith("tpl/x.txt.j2:1: not allowed in a template")
    assert signers == ["a"]


def test_runaway_loop_hits_the_time_limit(tmp_path: Path) -> None:
    source = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(AdvocateError, match=r"template render exceeded 0.5 s") as caught:
        render_one(tmp_path, "x.txt.j2", source, seconds=0.5)
    assert time.monotonic() - started < 5
    # named as every template error is: the file's whole path and the line it stopped at
    assert caught.value.first.location == f"{tmp_path}/tpl/x.txt.j2:1"


@pytest.mark.parametrize(("source", "message"), [
    ("{{ 'x' * 10**9 }}", "** is disabled in templates"),
    ("{{ 2 ** 99999999 }}", "** is disabled in templates"),
    ("{{ 'x' * 1000000 }}", "repetition too large"),
    ("{{ 1000000 * 'x' }}", "repetition too large"),
    ("{{ [1] * 1000000 }}", "repetition too large"),
])
def test_expensive_arithmetic_is_refused(tmp_path: Path, source: str, message: str) -> None:
    assert message in error_of(tmp_path, "x.txt.j2", source)


def test_recursive_macro(tmp_path: Path) -> None:
    source = "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"
    assert "template recursion too deep" in error_of(tmp_path, "x.txt.j2", source)


def test_include_outside_the_folder_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, "x.txt.j2", '{% include "../../../etc/hostname" %}')
    assert message.startswith("tpl/x.txt.j2:1: invalid template name '../../../etc/hostname'")


def test_include_of_a_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    secret = write(tmp_path / "private" / "signers.txt.j2", "Jane Doe, jane@example.org")
    (tmp_path / "tpl").mkdir()
    os.symlink(secret, tmp_path / "tpl" / "logo.txt.j2")
    message = error_of(tmp_path, "x.txt.j2", '{% include "logo.txt.j2" %}')
    assert "refused: template is a link leading out of its folder" in message
    assert "Jane" not in message


def test_symlinked_folder_leading_out_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "private" / "a.txt.j2", "secret")
    (tmp_path / "tpl").mkdir()
    os.symlink(tmp_path / "private", tmp_path / "tpl" / "sub")
    assert "refused" in error_of(tmp_path, "x.txt.j2", '{% include "sub/a.txt.j2" %}')


def test_undefined_field_names_template_line_and_suggests(tmp_path: Path) -> None:
    message = error_of(tmp_path, "letter.txt.j2", "Dear {{ signer.name }},\n{{ signer.ctiy }}\n",
                       signer={"name": "A", "city": "B"})
    assert message == ("tpl/letter.txt.j2:2: undefined field 'ctiy' "
                       "(did you mean 'city'?)")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "syntax.txt.j2", "ok\n{{ signer.name }\n", signer={})
    assert message.startswith("tpl/syntax.txt.j2:2: template syntax error:")


@pytest.mark.parametrize("name", ["letter.j2", "letter.xml.j2", "letter.html", "x.eml.j2"])
def test_unknown_template_types_are_refused(name: str) -> None:
    with pytest.raises(AdvocateError, match="unknown template type"):
        template_kind(name)


@pytest.mark.parametrize("name", ["{{x}}.html.j2", ".hidden.txt.j2", "a b.txt.j2",
                                  "../x.txt.j2", "a/../../x.txt.j2"])
def test_odd_template_names_are_refused(tmp_path: Path, name: str) -> None:
    env = make_environment([tmp_path])
    with pytest.raises(AdvocateError):
        render(env, name, {})


def test_data_is_literal_in_text_and_escaped_in_html(tmp_path: Path) -> None:
    data = {"fact": "{{ 7*7 }} <script>alert(1)</script> & co"}
    assert render_one(tmp_path, "a.txt.j2", "{{ fact }}", **data) == data["fact"]
    html = render_one(tmp_path, "a.html.j2", "<p>{{ fact }}</p>", **data)
    assert html == "<p>{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>"


def test_markdown_templates_escape_data_but_not_markdown_fields(tmp_path: Path) -> None:
    out = render_one(tmp_path, "a.md.j2", "{{ name }} / {{ text }}",
                     name="*Bob* [x](http://e.example) <b>", text=MarkdownText("*ask*"))
    assert out == r"\*Bob\* \[x\](http://e.example) \<b\> / *ask*"


@pytest.mark.parametrize("text", ["# heading", "- item", "1. item", "> quote", "::: sender",
                                  "a_b*c", "`code`", "&amp;", "line\n+ more"])
def test_escape_markdown_round_trips_through_the_text_renderer(text: str) -> None:
    from advocate.text.markdown import to_text

    assert to_text(escape_markdown(text)).strip() == " ".join(text.split())


def test_lookup_order_prefers_earlier_folders(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "x.txt.j2", "mine")
    write(tmp_path / "builtin" / "x.txt.j2", "builtin")
    write(tmp_path / "builtin" / "y.txt.j2", "only builtin")
    env = make_environment([tmp_path / "mine", tmp_path / "builtin"])
    assert render(env, "x.txt.j2", {})[0] == "mine"
    assert render(env, "y.txt.j2", {})[0] == "only builtin"


def test_exports_come_back(tmp_path: Path) -> None:
    write(tmp_path / "x.md.j2", '{% set subject = "Hi " ~ name %}Body')
    text, exported = render(make_environment([tmp_path]), "x.md.j2", {"name": "A"})
    assert text == "Body" and exported["subject"] == "Hi A"


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ [1, 2, 3, 4]|slice(2)|list }}", "[[1, 2], [3, 4]]"),
    ("{{ [1, 2, 3]|slice(2, 0)|list }}", "[[1, 2], [3, 0]]"),
    ("{{ [1, 2, 3]|batch(2)|list }}", "[[1, 2], [3]]"),
    ("{{ ['a', 'b']|join('-') }}", "a-b"),
    ("{{ 'a b'|replace(' ', '_') }}", "a_b"),
    ("{{ 'x'|center(5) }}", "  x  "),
    ("{{ 'a\nb'|indent(2) }}", "a\n  b"),
    ("{{ '%03d'|format(7) }}", "007"),
    ("{{ 'aaa bbb'|wordwrap(3, true, '|') }}", "aaa|bbb"),
    ("{{ {'a': 1}|tojson }}", '{"a": 1}'),
])
def test_the_capped_filters_still_do_their_job(tmp_path: Path, source: str,
                                               expected: str) -> None:
    # Each cap wraps Jinja's own filter; those taking Jinja's context first get it first.
    assert render_one(tmp_path, "t.txt.j2", source) == expected
