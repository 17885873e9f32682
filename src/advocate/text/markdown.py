"""Markdown, the one source of a document's words, rendered to HTML and to plain text.

A document's wording is written once, as a Markdown template; this module turns the
rendered Markdown into the HTML body used by the HTML and PDF layouts and into the plain
text used for ``.txt`` letters and email bodies. Media differ by layout, not by copy.

Raw HTML in Markdown is shown as text (``html=False``) and images are switched off, so
campaign text can never smuggle in markup or a remote fetch. Fenced blocks such as
``::: recipient`` become ``<div class="recipient">`` so layouts can place them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # markdown-it is imported when a block needs the parser (see _parser)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

BLOCKS = (
    "sender", "recipient", "date", "subject", "closing", "signature", "figures", "facts",
    "asks", "quotes", "sources", "note", "targets", "count", "signers", "sheet", "lead",
    "footer", "summary", "review", "cc", "reference", "thanks",
    # the kit's paper (advocate.kit): a poster's call and event, a card's sides, rules
    "call", "event", "carry", "front", "inside", "rules", "files", "case",
)
WIDTH = 72
#: What goes between documents printed one after another, by format.
DOCUMENT_RULE = {"txt": "\n" + "=" * WIDTH + "\n\n", "md": "\n* * *\n\n"}


class MarkdownText(str):
    """Text that is Markdown by design (a campaign's background, an ask's text)."""

    __slots__ = ()


_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=:-])", re.MULTILINE)
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_MD_ANY = re.compile(r"[\\`*_\[\]<>|~&#>+=:\-.)]")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would read as syntax, so text stays text."""
    if not _MD_ANY.search(text):  # most names and cities: nothing to escape
        return text
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_NUMBERED.sub(r"\1\\\2", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


_FENCE_LINE = re.compile(r"^::: *(?:[a-z]+)? *\n", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")
_ESCAPED_CITATION = re.compile(r"\\\[(\d+(?:, \d+)*)\\\]")


def portable(markdown: str) -> str:
    """A document's Markdown as a person pastes it elsewhere: without advocate's layout
    fences (``::: lead`` ... ``:::``, which only its layouts read) and with citations as
    written ("[1, 4]", which CommonMark shows as they are, not "\\[1, 4\\]")."""
    if ":::" in markdown:
        markdown = _FENCE_LINE.sub(lambda m: m.group(0) if not _is_fence(m.group(0))
                                   else "\n", markdown)
        markdown = _BLANK_LINES.sub("\n\n", markdown).lstrip("\n")
    return _ESCAPED_CITATION.sub(r"[\1]", markdown)


def _is_fence(line: str) -> bool:
    name = line.strip().removeprefix(":::").strip()
    return not name or name in _BLOCK_NAMES


def _is_block(params: str, markup: str) -> bool:
    return params.strip() in _BLOCK_NAMES


def _render_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.nesting == 1:
        return f'<div class="{escape(token.info.strip())}">\n'
    return "</div>\n"


_BLOCK_NAMES = frozenset(BLOCKS)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The parser, built on first use: a letter filled in from a stencil whose blocks are all
    plain (:func:`plain_block_text`) never needs it, nor the 0.09 s its import takes."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.container import container_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.enable("table")
    # One container rule for every block name (one rule per name would scan each line 20 times).
    md.use(container_plugin, name="block", validate=_is_block, render=_render_block)
    return md


_SPACE_BEFORE_BREAK = re.compile(r"[ \t\n]+(?=<br />)")


def to_html(markdown: str) -> str:
    """The HTML fragment for a Markdown document (no raw HTML, no images).

    A line break written on a line of its own ("place" newline "\\") leaves the soft break
    before it as a space at the end of the line; in right-aligned text (a sender block) that
    space would stop the line a space short of the margin, so it goes."""
    return _SPACE_BEFORE_BREAK.sub("", str(_parser().render(markdown)))


def _inline_text(tokens: Sequence[Token] | None) -> str:
    out: list[str] = []
    href: list[str | None] = []
    start: list[int] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline", "html_inline"):
            out.append(token.content)
        elif token.type == "softbreak":
            out.append(" ")
        elif token.type == "hardbreak":
            out.append("\n")
        elif token.type == "link_open":
            href.append(str(token.attrs.get("href", "")))
            start.append(len(out))
        elif token.type == "link_close" and href:
            target, begin = href.pop(), start.pop()
            label = "".join(out[begin:])
            if target and target != label and f"mailto:{label}" != target:
                out.append(f" <{target}>")
    return "".join(out)


_TAB_OR_RETURN = re.compile(r"[\t\x0b\x0c\r]")


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    for number, part in enumerate(text.split("\n")):
        prefix = first if number == 0 else rest
        if part and not part[0].isspace() and not _TAB_OR_RETURN.search(part):
            # textwrap drops the spaces that end a line (a soft break before a hard one
            # leaves one: "Berlin \\" in a sender block), so a line that fits without
            # them needs it no more than one that ends in a letter
            line = part.rstrip(" ") if part[-1] == " " else part
            if len(prefix) + len(line) <= width and not line[-1].isspace():
                lines.append(prefix + line)  # what textwrap gives a line that fits, sooner
                continue
        wrapped = textwrap.wrap(part, width=width, initial_indent=prefix,
                                subsequent_indent=rest, break_long_words=False,
                                break_on_hyphens=False)
        lines.extend(wrapped or [prefix.rstrip()])
    return lines


def _table_lines(rows: list[list[str]], prefix: str) -> list[str]:
    """A table as aligned columns, the header underlined."""
    columns = max(len(row) for row in rows)
    widths = [max(len(row[c]) if c < len(row) else 0 for row in rows) for c in range(columns)]
    lines = []
    for number, row in enumerate(rows):
        cells = [(row[c] if c < len(row) else "").ljust(widths[c]) for c in range(columns)]
        lines.append((prefix + "  ".join(cells)).rstrip())
        if number == 0:
            lines.append(prefix + "  ".join("-" * w for w in widths))
    return lines


_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:", re.MULTILINE)
_FENCE = re.compile(r"^(:{3,}|`{3,}|~{3,})")


def _chunks(markdown: str) -> Iterator[str]:
    """Top-level blocks: split at blank lines that no container, fence or indent spans."""
    lines = markdown.split("\n")
    # For each line, the first character of the next non-blank line after it ("" if none).
    following = [""] * len(lines)
    upcoming = ""
    for number in range(len(lines) - 1, -1, -1):
        following[number] = upcoming
        if lines[number].strip():
            upcoming = lines[number][0]
    start = 0
    depth = 0  # open ::: containers and ``` fences
    for number, line in enumerate(lines):
        if line[:1] in _FENCE_STARTS:
            fence = _FENCE.match(line)
            if fence:
                if line.strip() == fence.group(1):
                    depth = max(0, depth - 1)
                else:
                    depth += 1
        if depth or line.strip():
            continue
        after = following[number]
        if after and not after.isspace():
            if number > start:
                yield "\n".join(lines[start:number])
            start = number + 1
    if start < len(lines):
        yield "\n".join(lines[start:])


_FENCE_STARTS = frozenset(":`~")


def to_text(markdown: str, width: int = WIDTH) -> str:
    """Plain text for a Markdown document: wrapped paragraphs, lists, no markup.

    Letters to thousands of signers share most of their blocks (the asks, the facts), so
    top-level blocks are converted one by one and remembered. Documents with link
    reference definitions, which reach across blocks, are converted whole."""
    blocks = text_blocks(markdown)
    if blocks is None:
        return _document_text(markdown, width)
    return blocks_text(blocks, width)


def text_blocks(markdown: str) -> list[str] | None:
    """The top-level blocks :func:`to_text` converts one by one, or None when a document
    has to be converted whole (link reference definitions reach across blocks)."""
    if _REFERENCE.search(markdown):
        return None
    return [chunk for chunk in _chunks(markdown) if chunk.strip()]


def blocks_text(blocks: Sequence[str], width: int = WIDTH) -> str:
    """The text of a document from its :func:`text_blocks` (each converted once, then
    remembered: a city or a closing line comes again in many letters)."""
    return joined_blocks([_block_text(block, width) for block in blocks])


def joined_blocks(texts: Sequence[str]) -> str:
    """A document's text from the text of each of its blocks."""
    return "\n\n".join(text.rstrip("\n") for text in texts if text.strip()) + "\n"


def block_text(markdown: str, width: int = WIDTH) -> str:
    """The text of one top-level block (see :func:`text_blocks`)."""
    return _block_text(markdown, width)


@lru_cache(maxsize=4096)
def _block_text(markdown: str, width: int) -> str:
    plain = plain_block_text(markdown, width)
    if plain is None:
        plain = simple_block_text(markdown, width)
    return plain if plain is not None else _document_text(markdown, width)


_CONTAINER = re.compile(r"::: *([a-z]+)\n(.*)\n:::\n?", re.DOTALL)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_SYNTAX = re.compile(r"[\\`*_\[\]<>&!|~]|^ {0,3}([#>+=:\-]|\d+[.)])|^ {4}|^\t", re.MULTILINE)


def plain_block_text(markdown: str, width: int) -> str | None:
    """The text of a block that holds no Markdown syntax but escapes and line breaks (a sender
    or signature block, a plain paragraph), without running the parser; else None.

    Most of a letter's blocks differ per signer only by such plain text, and the parser costs
    a quarter of a millisecond even for three short lines."""
    return _plain_block_text(markdown, width, _SYNTAX)


def _plain_block_text(markdown: str, width: int, syntax: re.Pattern[str]) -> str | None:
    container = _CONTAINER.fullmatch(markdown)
    if container is not None:
        if container.group(1) not in _BLOCK_NAMES:
            return None
        markdown = container.group(2)
    if not markdown.strip() or "\n\n" in markdown or ":::" in markdown \
            or "\x00" in markdown or "\r" in markdown:
        return None
    lines = markdown.split("\n")
    hard = [line.endswith("\\") and not line.endswith("\\\\") for line in lines]
    if hard[-1]:  # a backslash that ends the block is literal, not a line break
        return None
    text_lines = [line[:-1] if brk else line for line, brk in zip(lines, hard, strict=True)]
    joined = "\n".join(text_lines)
    escapes = "\\" in joined  # most sender and signature blocks have none to undo
    # (an escape is two characters, neither a line break: the same as line by line)
    bare = _ESCAPED.sub("", joined) if escapes else joined
    if syntax.search(bare) or any(line != line.strip() for line in text_lines) \
            or not text_lines[0] or not text_lines[-1]:
        return None
    parts: list[str] = []
    for line, brk in zip(text_lines, hard, strict=True):
        parts.append(_ESCAPED.sub(r"\1", line) if escapes else line)
        parts.append("\n" if brk else " ")
    text = "".join(parts[:-1])
    return "\n".join(_wrap(text, width, "", "")) + "\n"


#: As _SYNTAX, with "!" as text: it only starts an image, and images are off (_parser).
_SYNTAX_TEXT = re.compile(r"[\\`*_\[\]<>&|~]|^ {0,3}([#>+=:\-]|\d+[.)])|^ {4}|^\t",
                          re.MULTILINE)
_HEADING = re.compile(r"(#{1,6}) ([^#\n]+)")
_ITEM = re.compile(r"([0-9]{1,9})\. ([^\n]+)")
_LEADING_STRONG = re.compile(r"\*\*([^*\n]+)\*\*(?: ([^\n]+))?")


def _inline(text: str) -> str | None:
    """What the parser makes of one line of inline Markdown that holds no syntax but
    backslash escapes (and "!"), as :func:`_inline_text` writes it; else None."""
    if not text or text != text.strip() or any(ch in text for ch in "\t\r\x00") \
            or _SYNTAX_TEXT.search(_ESCAPED.sub("", text)):
        return None
    return _ESCAPED.sub(r"\1", text)


def _item_text(content: str) -> str | None:
    """A list item's one line: plain, or a plain title in ``**`` and then plain text (a
    letter's ask: ``**Release everyone.** Release ...``); else None."""
    strong = _LEADING_STRONG.fullmatch(content)
    if strong is None:
        return _inline(content)
    title = _inline(strong.group(1))
    rest = _inline(strong.group(2)) if strong.group(2) is not None else ""
    if title is None or rest is None:
        return None
    return title + (" " + rest if rest else "")


def simple_block_text(markdown: str, width: int) -> str | None:
    """The text of a block the parser would make of three simple shapes, without it: a
    plain paragraph with a "!" (``Уважаемый господин Президент!``), a one-line heading
    (``## Title``) and a numbered list of one-line items (a letter's asks, in a block
    or not); else None. A text letter then never imports markdown-it (0.03 s of its
    start-up). ``tests/text/test_markup_fast.py`` compares it with the parser."""
    container = _CONTAINER.fullmatch(markdown)
    if container is not None:
        if container.group(1) not in _BLOCK_NAMES:
            return None
        markdown = container.group(2)
    if not markdown or ":::" in markdown or any(ch in markdown for ch in "\t\r\x00"):
        return None
    lines = markdown.split("\n")
    if len(lines) == 1 and lines[0].startswith("#"):
        heading = _HEADING.fullmatch(lines[0])
        text = _inline(heading.group(2)) if heading is not None else None
        if heading is None or text is None:
            return None
        return "\n".join(_heading_lines(text, len(heading.group(1)), "")).rstrip() + "\n"
    items = [_ITEM.fullmatch(line) for line in lines]
    if all(item is not None for item in items):
        start = int(items[0].group(1)) or 1  # type: ignore[union-attr]
        wrapped: list[str] = []
        for number, item in enumerate(items, start):
            text = _item_text(item.group(2))  # type: ignore[union-attr]
            if text is None:
                return None
            marker = f"{number}. "
            wrapped += _wrap(text, width, marker, " " * len(marker))
        return "\n".join(wrapped).rstrip() + "\n"
    if "!" in markdown:
        return _plain_block_text(markdown, width, _SYNTAX_TEXT)
    return None


def _document_text(markdown: str, width: int) -> str:
    """A whole document through the parser: each token handled by its type (:data:`_ON_TOKEN`),
    a table's tokens gathered as its cells."""
    tokens = _parser().parse(markdown)
    text = _TextBlocks(tokens, width)
    for index, token in enumerate(tokens):
        if text.table is not None and token.type not in _TABLE_ENDS:
            text.table_token(token)
            continue
        step = _ON_TOKEN.get(token.type)
        if step is not None:
            step(text, index, token)
    return "\n\n".join("\n".join(block) for block in text.blocks).rstrip() + "\n"


class _TextBlocks:
    """What :func:`_document_text` has written so far, block by block, and where it is: the
    lists and quotes it is inside, and a table being read."""

    __slots__ = ("blocks", "item_prefix", "list_starts", "lists", "pending_first",
                 "quote_depth", "table", "tokens", "width")

    def __init__(self, tokens: Sequence[Token], width: int) -> None:
        self.tokens = tokens
        self.width = width
        self.blocks: list[list[str]] = []
        self.lists: list[list[int]] = []  # stack of [ordered?, next number]
        self.item_prefix: list[tuple[str, str]] = []  # (first line's, other lines')
        self.quote_depth = 0
        self.pending_first: str | None = None  # a list item's marker, for its first line
        self.list_starts = False
        self.table: list[list[str]] | None = None  # rows of cells, while in a table

    def indent(self) -> tuple[str, str]:
        if self.item_prefix:
            return self.item_prefix[-1]
        pad = "    " * self.quote_depth
        return pad, pad

    def open_table(self, index: int, token: Token) -> None:
        self.table = []

    def table_token(self, token: Token) -> None:
        """A row starts, or a cell's text (anything else in a table is left out)."""
        assert self.table is not None
        if token.type == "tr_open":
            self.table.append([])
        elif token.type == "inline" and self.table:
            self.table[-1].append(_inline_text(token.children))

    def close_table(self, index: int, token: Token) -> None:
        if self.table is not None:
            self.blocks.append(_table_lines(self.table, self.indent()[0]))
            self.table = None

    def open_list(self, index: int, token: Token) -> None:
        ordered = token.type == "ordered_list_open"
        start = int(token.attrs.get("start", 1) or 1) if ordered else 0
        self.lists.append([1 if ordered else 0, start])
        self.list_starts = len(self.lists) == 1

    def close_list(self, index: int, token: Token) -> None:
        self.lists.pop()

    def open_item(self, index: int, token: Token) -> None:
        ordered, number = self.lists[-1]
        base = "   " * (len(self.lists) - 1) + "    " * self.quote_depth
        marker = f"{number}. " if ordered else "- "
        self.lists[-1][1] += 1
        self.item_prefix.append((base + marker, base + " " * len(marker)))
        self.pending_first = base + marker

    def close_item(self, index: int, token: Token) -> None:
        self.item_prefix.pop()

    def open_quote(self, index: int, token: Token) -> None:
        self.quote_depth += 1

    def close_quote(self, index: int, token: Token) -> None:
        self.quote_depth -= 1

    def inline(self, index: int, token: Token) -> None:
        """A paragraph's or a heading's text, wrapped (a tight list's items run on)."""
        before = self.tokens[index - 1]
        first, rest = self.indent()
        if self.pending_first is not None:
            first, self.pending_first = self.pending_first, None
        elif self.item_prefix:
            first = rest
        text = _inline_text(token.children)
        if index and before.type == "heading_open":
            lines = _heading_lines(text, int(before.tag[1]), first)
        else:
            lines = _wrap(text, self.width, first, rest)
        tight = bool(self.item_prefix) and before.hidden
        if tight and self.blocks and not self.list_starts:
            self.blocks[-1].extend(lines)
        else:
            self.blocks.append(lines)
        self.list_starts = False

    def rule(self, index: int, token: Token) -> None:
        self.blocks.append(["-" * 24])

    def code(self, index: int, token: Token) -> None:
        first, _ = self.indent()
        self.blocks.append([first + line for line in token.content.rstrip("\n").split("\n")])


def _heading_lines(text: str, level: int, first: str) -> list[str]:
    """A heading's line, underlined with = (level 1) or - (level 2)."""
    if level > 2:
        return [first + text]
    return [first + text, first + ("=" if level == 1 else "-") * len(text)]


_TABLE_ENDS = frozenset(("table_open", "table_close"))
#: What :func:`_document_text` does with each type of token (other types: nothing).
_ON_TOKEN: dict[str, Callable[[_TextBlocks, int, Token], None]] = {
    "table_open": _TextBlocks.open_table,
    "table_close": _TextBlocks.close_table,
    "bullet_list_open": _TextBlocks.open_list,
    "ordered_list_open": _TextBlocks.open_list,
    "bullet_list_close": _TextBlocks.close_list,
    "ordered_list_close": _TextBlocks.close_list,
    "list_item_open": _TextBlocks.open_item,
    "list_item_close": _TextBlocks.close_item,
    "blockquote_open": _TextBlocks.open_quote,
    "blockquote_close": _TextBlocks.close_quote,
    "inline": _TextBlocks.inline,
    "hr": _TextBlocks.rule,
    "fence": _TextBlocks.code,
    "code_block": _TextBlocks.code,
}
