"""Markdown to HTML and to plain text: one wording, two media."""

from __future__ import annotations

from advocate.text.markdown import to_html, to_text


def test_raw_html_and_images_never_pass_through() -> None:
    html = to_html('<script>alert(1)</script>\n\n![x](http://tracker.example/p.gif)\n\n'
                   '<img src="http://tracker.example/q.gif">\n')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_dangerous_link_schemes_are_not_links() -> None:
    html = to_html("[a](javascript:alert(1)) [b](file:///etc/passwd) [c](https://ok.example)")
    assert 'href="javascript' not in html and 'href="file' not in html
    assert 'href="https://ok.example"' in html


def test_blocks_become_classed_divs() -> None:
    assert to_html("::: recipient\nA\\\nB\n:::\n") == \
        '<div class="recipient">\n<p>A<br />\nB</p>\n</div>\n'


def test_text_wraps_paragraphs_and_lists_with_hanging_indent() -> None:
    text = to_text("Para " + "word " * 20 + "\n\n1. " + "long " * 20 + "\n2. two\n")
    lines = text.splitlines()
    assert all(len(line) <= 72 for line in lines)
    assert lines[3].startswith("1. long") and lines[4].startswith("   long")
    assert lines[-1] == "2. two"


def test_text_shows_links_and_headings() -> None:
    text = to_text("# Title\n\nSee [the report](https://r.example).\n")
    assert text == "Title\n=====\n\nSee the report <https://r.example>.\n"


def test_text_tables_and_quotes() -> None:
    text = to_text("> “Quote.”\n>\n> — Someone\n\n| Name | City |\n| --- | --- |\n| A | B |\n")
    assert "    “Quote.”" in text and "    — Someone" in text
    assert text.endswith("Name  City\n----  ----\nA     B\n")
