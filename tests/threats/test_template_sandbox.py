"""Templates that try to escape the sandbox or quote the writer (items 11-16)."""


from __future__ import annotations

import re

import pytest
from catalogue import (
    LETTER_PDF,
    LETTER_TXT,
    MY_DATA,
    WORDING,
    Cli,
    layout,
    page,
    signers,
    wording,
)

from helpers import personal_data

# --------------------------------------------------------------------------- 11-16 variants


@pytest.mark.parametrize("source", [
    "{{ 'x'.center(1000000) }}",
    "{{ 'x'.ljust(1000000) ~ '.' }}",
    "{{ 'x'|center(1000000) }}",
    "{{ '%01000000d' % 1 }}",
    "{{ '{:>1000000}'.format(1) }}",
    "{{ 'x'|indent(1000000, true, true) }}",
    "{{ range(100000)|join('x' * 100) }}",
])
def test_padding_and_formatting_are_capped_like_repetition(cli: Cli, source: str) -> None:
    """Each of these builds a million characters or more out of a 30-byte template."""
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(
        rf"^advocate: error: {re.escape(WORDING)}(:1)?: .*too large"))


@pytest.mark.parametrize("source", [
    "{{ 'a'|attr('format')('{0.__class__}') }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__doc__ }}",
    "{{ writer.items() }}",
])
def test_attribute_walks_show_no_object_details(cli: Cli, source: str) -> None:
    wording(cli.root, source)
    result = cli.invoke(*LETTER_TXT)
    if result.exit_code == 0:
        text = (cli.root / "out" / "letter.txt").read_text(encoding="utf-8")
        assert "class" not in text and "function" not in text and "object at" not in text
    else:
        assert result.exit_code == 2 and "en/letter.md.j2" in result.stderr


@pytest.mark.parametrize("name", [
    "l\u0435tter.md.j2",  # Cyrillic е
    "ｌｅｔｔｅｒ.md.j2",  # full-width letters
    "en/..\u2215letter.md.j2",  # division slash
    "/etc/passwd.txt.j2",
    "en//letter.md.j2",
    "..\\\\letter.md.j2",
    "letter.md.j2\\u0000",
    ".hidden.txt.j2",
    "a b.txt.j2",
    "x" * 101 + ".txt.j2",
])
def test_template_name_tricks(cli: Cli, name: str) -> None:
    wording(cli.root, '{% include "' + name + '" %}')
    # The place is asserted once, for catalogue item 14 (test_hostile_pack_is_refused).
    cli.refused(*LETTER_TXT, expect=re.compile(r"invalid template name|unknown template type"),
                place=False)


def test_include_of_the_signer_list_by_name_is_refused(cli: Cli) -> None:
    signers(cli.root, "valid.csv", "pack/templates/signers.csv")
    wording(cli.root, '{% include "signers.csv" %}')
    cli.refused(*LETTER_TXT, expect=re.compile(r"unknown template type: 'signers\.csv'"),
                private=MY_DATA + tuple(personal_data("valid.csv")))


@pytest.mark.parametrize("source", [
    "{{ writer[writer.name] }}",  # undefined field named by the data
    "{{ writer|attr(writer.email) }}",
    "{{ writer.name|filesizeformat }}",  # ValueError quoting the value
    "{{ ('{' ~ writer.name ~ '}').format() }}",  # KeyError quoting the value
    "{% include writer.name ~ '.txt.j2' %}",  # template name built from the data
])
def test_template_errors_never_quote_the_writer(cli: Cli, source: str) -> None:
    """A hostile template can fail on purpose; the message must still hold no personal data."""
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(r"en/letter\.md\.j2"))


def test_pdf_refusal_never_quotes_the_writer(cli: Cli) -> None:
    """A URL built from the writer's name is refused without repeating it."""
    layout(cli.root, page('<img src="http://x.example/{{ writer.name }}.png" alt="">'))
    cli.refused(*LETTER_PDF, expect=re.compile(r"letter\.html\.j2: (refused |.*withheld)"))


