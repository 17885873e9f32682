"""The parser-free path for plain blocks gives exactly what the parser gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocate.templates.host import escape_markdown
from advocate.text.markdown import BLOCKS, _document_text, plain_block_text

lines = st.lists(st.text(max_size=40).map(escape_markdown), min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(lines, st.lists(st.booleans(), min_size=4, max_size=4),
       st.sampled_from([None, *BLOCKS[:5]]))
def test_plain_blocks_match_the_parser(texts: list[str], breaks: list[bool],
                                       block: str | None) -> None:
    body = "".join(t + ("\\\n" if b else "\n") for t, b in zip(texts, breaks, strict=False))
    markdown = body.rstrip("\n").rstrip("\\")
    if block:
        markdown = f"::: {block}\n{markdown}\n:::"
    fast = plain_block_text(markdown, 72)
    if fast is not None:
        assert fast == _document_text(markdown, 72)


def test_the_common_blocks_take_the_fast_path() -> None:
    assert plain_block_text("::: sender\nA. Writer\\\nBerlin\n:::", 72) == "A. Writer\nBerlin\n"
    assert plain_block_text("Dear Minister,", 72) == "Dear Minister,\n"
    assert plain_block_text("1. **Ask.** Text", 72) is None


_SPACES = " \t\r\x0b\x0c\xa0\u2003\x1c\x85"


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "Ж", "-", ".", *_SPACES]), max_size=30)
       | st.text(max_size=30), st.sampled_from([3, 8, 72, 1_000_000]),
       st.sampled_from(["", "  ", "- ", "10. "]), st.sampled_from(["", "    "]))
def test_a_line_that_fits_is_wrapped_as_textwrap_wraps_it(text: str, width: int, first: str,
                                                           rest: str) -> None:
    """_wrap's short cut for a line that fits its width is textwrap's own result."""
    from advocate.text.markdown import _wrap

    assert _wrap(text, width, first, rest) == _textwrap_lines(text, width, first, rest)


def _textwrap_lines(text: str, width: int, first: str, rest: str) -> list[str]:
    """What textwrap makes of ``text``, each line wrapped on its own, as _wrap's slow path."""
    import textwrap

    expected: list[str] = []
    for number, part in enumerate(text.split("\n")):
        prefix = first if number == 0 else rest
        expected += textwrap.wrap(part, width=width, initial_indent=prefix,
                                  subsequent_indent=rest, break_long_words=False,
                                  break_on_hyphens=False) or [prefix.rstrip()]
    return expected


# -- headings, numbered lists and "!": simple_block_text against the parser ----------------

_CHARS = st.sampled_from([*"aZ Жя中ب1 0.,'-!#*_\\`[]()<>&|~+=:", "\u00a0", "\u2003", "\t",
                          "“", "»", "**", "\\.", "\\*", "1. "])
_MOSTLY_PLAIN = st.sampled_from([*"aZЖя中ب1.,'!“»", " ", " ", "word", "Слово", "12", *"aaaaaaa",
                                 "\\.", "\\-", "\\!", "#", "*", "_", "\u00a0", "  ", "\t"])
inline = (st.lists(_CHARS, max_size=14).map("".join) | st.text(max_size=20)
          | st.lists(_MOSTLY_PLAIN, min_size=1, max_size=30).map("".join))
maybe_escaped = inline | inline.map(escape_markdown)
plain = st.lists(_MOSTLY_PLAIN, min_size=1, max_size=30).map("".join)


@st.composite
def headings(draw: st.DrawFn) -> str:
    hashes = "#" * draw(st.integers(1, 7))
    if draw(st.booleans()):  # the shape the fast path takes, with text that may refuse it
        return hashes + " " + draw(plain | plain.map(escape_markdown))
    gap = draw(st.sampled_from([" ", "  ", "", "\t"]))
    return draw(st.sampled_from(["", " "])) + hashes + gap + draw(maybe_escaped)


@st.composite
def numbered(draw: st.DrawFn) -> str:
    items = []
    if draw(st.booleans()):  # the shape the fast path takes, with text that may refuse it
        words = plain | plain.map(escape_markdown)
        for _ in range(draw(st.integers(1, 4))):
            number = draw(st.sampled_from(["1", "2", "0", "9", "10", "123456789"]))
            title, text = draw(words), draw(words)
            items.append(f"{number}. " + draw(st.sampled_from(
                [f"**{title}** {text}", f"**{title}**", text])))
        return "\n".join(items)
    for _ in range(draw(st.integers(1, 4))):
        number = draw(st.sampled_from(["1", "2", "0", "7", "01", "123456789", "1234567890"]))
        mark = draw(st.sampled_from([". ", ". ", ") ", ".  ", "."]))
        title, text = draw(maybe_escaped), draw(maybe_escaped)
        content = draw(st.sampled_from([
            f"**{title}** {text}", f"**{title}**", f"**{title}**{text}", text, f"*{title}* {text}",
            f"**{title}**  {text}"]))
        items.append(number + mark + content)
    return "\n".join(items)


@st.composite
def exclaimed(draw: st.DrawFn) -> str:
    return "\n".join(draw(st.lists(maybe_escaped.map(lambda t: t + "!"), min_size=1,
                                   max_size=3)))


@settings(max_examples=1500, deadline=None)
@given(headings() | numbered() | exclaimed(), st.sampled_from([None, "asks", "facts", "nope"]),
       st.sampled_from([12, 72, 1_000_000]))
def test_simple_blocks_match_the_parser(markdown: str, block: str | None, width: int) -> None:
    from advocate.text.markdown import simple_block_text

    if block:
        markdown = f"::: {block}\n{markdown}\n:::"
    fast = simple_block_text(markdown, width)
    if fast is not None:
        assert fast == _document_text(markdown, width)


def test_a_letters_heading_asks_and_exclamation_take_the_simple_path() -> None:
    from advocate.text.markdown import simple_block_text

    asks = ("::: asks\n1. **Release everyone detained.** Release them now.\n"
            "2. **Investigate\\.** Every death, “independently”.\n:::")
    for markdown in ("## Justice for Kazakhstan's peaceful protesters", asks,
                     "# Title", "Уважаемый господин Президент!", "Құрметті Министр!"):
        fast = simple_block_text(markdown, 40)
        assert fast is not None and fast == _document_text(markdown, 40), markdown
    assert simple_block_text(asks, 40) == (
        "1. Release everyone detained. Release\n   them now.\n"
        "2. Investigate. Every death,\n   “independently”.\n")
    for markdown in ("## Title ##", "1. *Ask.* Text", "1. [a](b)", "- item", "![x](y)",
                     "1) Ask", "Dear *you*!"):
        assert simple_block_text(markdown, 72) is None, markdown


@pytest.mark.parametrize(("text", "width"), [
    ("Berlin, Германия ", 16), ("Berlin, Германия ", 17), ("Berlin, Германия   ", 16),
    ("a  b   ", 4), ("a  b   ", 3), ("a\u2003 ", 2), ("a\xa0 ", 2), ("a \t", 2), ("ab ", 1),
    ("Person 127 \nBerlin ", 10), ("x" * 80 + " ", 80), ("x" * 80 + " ", 79),
])
def test_a_line_that_fits_once_its_end_spaces_go_is_wrapped_as_textwrap_wraps_it(
        text: str, width: int) -> None:
    """The spaces that end a line (a soft break before a hard one leaves one) are dropped as
    textwrap drops them; other white space at the end still goes through textwrap."""
    from advocate.text.markdown import _wrap

    for first, rest in (("", ""), ("- ", "  ")):
        assert _wrap(text, width, first, rest) == _textwrap_lines(text, width, first, rest)
