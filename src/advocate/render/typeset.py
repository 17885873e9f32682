"""Typographic care and the small filters of the wording templates: names never
hyphenated, long addresses broken where a reader expects, citation marks bound to their
word, a reference block at a letter's foot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from jinja2 import pass_context

from advocate.reference import reference_block
from advocate.text.bidi import plain
from advocate.text.markdown import MarkdownText, escape_markdown
from advocate.text.numbers import format_count


@pass_context
def _number(context: Any, value: Any) -> str:
    """``{{ signers.count | number }}``: a count grouped as the document's language writes
    it (20,000 / 20 000 / 20.000)."""
    return format_count(value, str(context.get("lang") or "en"))


def _lines(value: Any) -> MarkdownText:
    """Lines of text as Markdown hard-broken lines (addresses, sender blocks)."""
    if value is None:
        return MarkdownText("")
    items = value if isinstance(value, list | tuple) else str(value).splitlines()
    return MarkdownText("\\\n".join(escape_markdown(str(item)) for item in items if item))


_TAG = re.compile(r"(<[^>]*>)")
_CITATION = re.compile(r"\s+\[(\d+(?:, \d+)*)\]")
_URL = re.compile(r"https?://(?:(?!&quot;|&#x27;|&#39;|&lt;|&gt;)[^\s<>\"])+"
                  r"(?<![.,;:!?)])")
_URL_SHORT = 40  # a shorter address fits on a line: left as it is
_URL_BREAK = re.compile(r"(?<=[/?=#])(?=[^/])|(?<=&amp;)|(?<=[^/.])(?=\.)")


def _names(context: dict[str, Any]) -> list[str]:
    """The people a document names: its targets, quoted speakers and its writer."""
    campaign = context.get("campaign") or {}
    found = [t.get("name") for t in campaign.get("targets") or []]
    found += [q.get("speaker") for q in campaign.get("quotes") or []]
    found += [(context.get("target") or {}).get("name"), (context.get("writer") or {}).get("name")]
    clean = {plain(str(n)).strip() for n in found if n}
    return sorted((n for n in clean if len(n) >= 3), key=len, reverse=True)


def typeset(html: str, names: Sequence[str]) -> str:
    """Typographic care a text cannot take itself, in an HTML body's text (never its tags):

    * people's names are marked ``<span class="name">``: layouts never hyphenate them;
    * URLs get break opportunities (``<wbr>``) after ``/ ? & = #`` and before a dot, so a
      long address breaks where a reader expects, never mid-word with a hyphen;
    * a citation mark ``[1, 4]`` is bound to the word before it (no-break spaces), so it
      never stands alone at the start of a line.
    """
    escaped = [escape(n) for n in names]  # as the Markdown renderer escapes text
    people = re.compile("|".join(map(re.escape, escaped))) if escaped else None
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):
        text = parts[index]
        if not text or text.isspace():
            continue
        text = _CITATION.sub(lambda m: "\u00a0[" + m.group(1).replace(", ", ",\u00a0") + "]",
                             text)
        if people is not None:
            text = people.sub(lambda m: f'<span class="name">{m.group()}</span>', text)
        text = _URL.sub(lambda m: _URL_BREAK.sub("<wbr>", m.group())
                        if len(m.group()) > _URL_SHORT else m.group(), text)
        parts[index] = text
    return "".join(parts)


def with_reference(markdown: str, block: str) -> str:
    """A letter's Markdown with its reference block at its foot."""
    return f"{markdown}\n\n{block}"


def _reference_block(reference: str, exported: dict[str, Any]) -> str:
    """The reference block, labelled as the wording's ``labels.reference`` (if it gives one)."""
    labels = exported.get("labels")
    label = labels.get("reference") if isinstance(labels, dict) else None
    return reference_block(reference, label if isinstance(label, str) else None)


def _cite(numbers: Sequence[int]) -> str:
    return "[" + ", ".join(str(n) for n in numbers) + "]"
