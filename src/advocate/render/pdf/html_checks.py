"""Checks on a layout's HTML before WeasyPrint sees it: nesting depth, and head style sheets
that can be parsed once and reused."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from advocate.errors import AdvocateError

#: Deepest element nesting accepted; WeasyPrint hits RecursionError at about 140.
MAX_DEPTH = 64

# ------------------------------------------------------------------ depth probe

_VOID = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
_CLOSES_P = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section",
        "table", "ul",
    }
)  # fmt: skip
# tag -> (tags it implicitly closes, tags that stop the search)
_IMPLIED_END = {
    "li": ({"li"}, {"ul", "ol", "menu"}),
    "dt": ({"dt", "dd"}, {"dl"}),
    "dd": ({"dt", "dd"}, {"dl"}),
    "tr": ({"tr", "td", "th"}, {"table", "thead", "tbody", "tfoot"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    "thead": ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}),
    "tbody": ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}),
    "tfoot": ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}),
    "option": ({"option"}, {"select", "datalist", "optgroup"}),
    "optgroup": ({"optgroup", "option"}, {"select"}),
}


class _DepthProbe(HTMLParser):
    """Approximate element depth (with HTML's common implied end tags), so a deeply
    nested document gets a clear message instead of WeasyPrint's RecursionError."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.stack: list[str] = []
        self.too_deep_at: tuple[int, int] | None = None
        #: Plain <style> elements of the <head>: (start, end) positions, and their text.
        self.styles: list[tuple[tuple[int, int], tuple[int, int], str]] = []
        self._style: tuple[tuple[int, int], list[str]] | None = None

    def handle_data(self, data: str) -> None:
        if self._style is not None:
            self._style[1].append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style" and self.stack[-2:] == ["html", "head"] and all(
                (k, (v or "").strip().lower()) == ("type", "text/css") for k, v in attrs):
            self._style = (self.getpos(), [])
        if tag in _VOID:
            return
        if self.stack and self.stack[-1] == "p" and tag in _CLOSES_P:
            self.stack.pop()
        if tag in _IMPLIED_END:
            closes, stops = _IMPLIED_END[tag]
            outermost = None
            for index in range(len(self.stack) - 1, -1, -1):
                if self.stack[index] in stops:
                    break
                if self.stack[index] in closes:
                    outermost = index
            if outermost is not None:
                del self.stack[outermost:]
        self.stack.append(tag)
        if len(self.stack) > self.limit and self.too_deep_at is None:
            self.too_deep_at = self.getpos()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <x/> closes itself only in SVG and MathML; in HTML it opens an element.
        if "svg" not in self.stack and "math" not in self.stack:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style is not None:
            self.styles.append((self._style[0], self.getpos(), "".join(self._style[1])))
            self._style = None
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index] == tag:
                del self.stack[index:]
                return


def check_depth(html: str, source: str | None) -> _DepthProbe:
    """Refuse documents nested deeper than MAX_DEPTH, pointing at the offending tag."""
    probe = _DepthProbe(MAX_DEPTH)
    probe.feed(html)
    probe.close()
    if probe.too_deep_at is not None:
        line, column = probe.too_deep_at
        raise AdvocateError(
            f"document nested too deeply (max {MAX_DEPTH})",
            file=source,
            line=line,
            column=column + 1,
            hint="flatten the template's HTML",
        )
    return probe


# Style sheets that fetch nothing and register nothing document-wide can be parsed once and
# reused: a batch of letters shares one (parsing it is a sixth of a letter's render). One
# with a backslash is not: a CSS escape could spell url( past this check.
_NOT_REUSABLE = re.compile(r"url\s*\(|@import|@font-face|@counter-style|@layer|image-set|"
                           r"src\s*\(", re.IGNORECASE)


def split_styles(html: str, probe: _DepthProbe) -> tuple[str, list[str]] | None:
    """The document without its <head> style sheets, and their text, when every one of
    them can be reused (see above); else None."""
    if not probe.styles:
        return None
    texts = [text for _, _, text in probe.styles]
    if any("\\" in t or _NOT_REUSABLE.search(t) for t in texts):
        return None
    starts = [0, *(m.end() for m in re.finditer("\n", html))]
    pieces: list[str] = []
    position = 0
    for (line, column), (end_line, end_column), _ in probe.styles:
        start = starts[line - 1] + column
        close = html.find(">", starts[end_line - 1] + end_column)
        if close < 0 or not html.startswith("<style", start):
            return None
        pieces.append(html[position:start])
        position = close + 1
    pieces.append(html[position:])
    return "".join(pieces), texts
