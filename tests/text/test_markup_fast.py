"""The parser-free path for plain blocks gives exactly what the parser gives."""

from __future__ import annotations

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
    import textwrap

    from advocate.text.markdown import _wrap

    expected: list[str] = []
    for number, part in enumerate(text.split("\n")):
        prefix = first if number == 0 else rest
        expected += textwrap.wrap(part, width=width, initial_indent=prefix,
                                  subsequent_indent=rest, break_long_words=False,
                                  break_on_hyphens=False) or [prefix.rstrip()]
    assert _wrap(text, width, first, rest) == expected
