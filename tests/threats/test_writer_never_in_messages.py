"""No personal data in messages, whatever a template does to it."""


from __future__ import annotations

import re
from urllib.parse import quote

import pypdf
import pytest
from catalogue import (
    LETTER_PDF,
    LETTER_TXT,
    MY_DATA,
    Cli,
    layout,
    page,
    wording,
)

from advocate.templates.host import builtin_templates

# Item 3: no personal data in messages, whatever a template does to it.

def _derived(values: tuple[str, ...]) -> tuple[str, ...]:
    """Forms a template can give a value: reversed, spaced, joined, re-encoded."""
    forms: list[str] = []
    for value in values:
        forms += [value, value[::-1], value.replace(" ", "\u00a0"), ".".join(value),
                  value.replace("@", " at "), value.replace("@", "\uff20"), value.upper(),
                  "#".join(value.split("@")), quote(value).replace("%", "=")]
    return tuple(forms)


@pytest.mark.parametrize("source", [
    "{{ writer[writer.name|reverse] }}",
    "{{ writer[writer.email|replace('@', ' at ')] }}",
    "{{ writer[writer.email.split('@')|join('#')] }}",
    "{{ writer[writer.name|list|join('.')] }}",
    "{{ writer[writer.name|replace(' ', '\u00a0')] }}",
    "{{ writer[writer.name|urlencode|replace('%', '=')] }}",
    "{{ writer[writer.city|reverse] }}",
    "{% include writer.name|reverse ~ '.txt.j2' %}",
    "{{ (writer.name|reverse)|int(base=2) + writer }}",
])
def test_template_errors_never_echo_what_a_template_made_of_the_writer(
        cli: Cli, source: str) -> None:
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(r"en/letter\.md\.j2"), private=_derived(MY_DATA))


def test_errors_independent_of_the_writer_are_still_shown(cli: Cli) -> None:
    """The same error for made-up people: nothing of the writer in it, so it is shown."""
    wording(cli.root, "{{ writer.ctiy }}")
    cli.refused(*LETTER_TXT, expect=re.compile(r"undefined field 'ctiy' \(did you mean 'city'"))


@pytest.mark.parametrize("markup", [
    '<img src="http://x.example/{{ writer.name|reverse }}.png" alt="">',
    '<img src="{{ writer.email|replace("@", "/") }}.png" alt="">',
    "<p style=\"font-size: {{ writer.name|length }}e7px\">x</p>",
])
def test_pdf_errors_never_echo_what_a_layout_made_of_the_writer(
        cli: Cli, markup: str) -> None:
    layout(cli.root, page(markup + "{{ bodies|join }}"))
    cli.refused(*LETTER_PDF, expect=re.compile(r"letter\.html\.j2"), private=_derived(MY_DATA))


@pytest.mark.parametrize("title", [
    "writer.name|replace(' ', '\u00a0')",  # a non-breaking space
    "writer.email|replace('@', '\uff20')",  # a full-width at sign
    "writer.name|reverse",
    "writer.name|list|join('.')",
    "(writer.city|length > 5) and 'Long city' or 'Short city'",  # a bit about the writer
])
def test_pdf_title_depends_on_no_one(cli: Cli, title: str) -> None:
    source = (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8")
    wording(cli.root, "{% set title = " + title + " %}" + source)
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr
    reader = pypdf.PdfReader(cli.root / "out" / "letter.pdf")
    assert reader.trailer["/Info"]["/Title"] == "Justice for Kazakhstan's peaceful protesters"


