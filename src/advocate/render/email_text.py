"""A letter's words as an email: what the ``.eml`` draft and the ``mailto:`` link carry.

The wording is the letter's (written once, in its template); an email differs by layout:

* no postal blocks: the sender, recipient and date blocks are left out (the address is in
  the To: line, the date is the sending date), and so is the subject heading (it is the
  Subject: line), so nothing is underlined;
* paragraphs are not hard-wrapped: one line per paragraph or list item, and the mail
  program wraps it to its window (quoted-printable keeps the file's lines short);
* the sender's details (name, city and country, email, postal address) stand under the
  signature, where an email reader looks for them.

:func:`short_email` is the form for a ``mailto:`` link when the full email does not fit
in :data:`advocate.render.eml.MAILTO_MAX` characters: each ask cut to its title, and if
that is still too long the facts block left out too (the ``.eml`` draft always carries the
full email).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from advocate.reference import converted_with
from advocate.text import markdown as markup

if TYPE_CHECKING:
    from advocate.text.stencil import Filled

#: Wide enough that no paragraph is ever wrapped.
UNWRAPPED = 1_000_000
_BLOCK = re.compile(r"^::: *([a-z]+)\n(.*?)\n:::\n?", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^#{1,6} .*\n(?:\n)?", re.MULTILINE)
_ASK_TITLE = re.compile(r"^(\s*\d+[.)] \*\*.+?\*\*).*$", re.MULTILINE)
_POSTAL = frozenset({"sender", "recipient", "date"})


def _container(match: re.Match[str], sender: str, short: bool, facts: bool) -> str:
    """One ``::: name`` container of a letter as the email carries it ('' to leave it out)."""
    name, body = match.group(1), match.group(2)
    if name in _POSTAL or (not facts and name == "facts"):
        return ""
    if name == "signature" and sender:
        body = sender  # the name first, then every detail the letter's head gave
    if short and name == "asks":
        body = _ASK_TITLE.sub(r"\1", body)
    return f"::: {name}\n{body}\n:::\n"


def sender_body(markdown: str) -> str:
    """The body of the first ``::: sender`` container ('' if none)."""
    return next((m.group(2) for m in _BLOCK.finditer(markdown) if m.group(1) == "sender"), "")


def _email_markdown(markdown: str, *, short: bool = False, facts: bool = True) -> str:
    """The letter's Markdown as an email's: postal blocks out, details under the signature."""
    sender = sender_body(markdown)
    text = _BLOCK.sub(lambda m: _container(m, sender, short, facts), markdown)
    return _HEADING.sub("", text, count=1).lstrip("\n")


def email_container(block: str, form: str) -> str:
    """A block of the letter's Markdown in email form ``form``, all but the signature's
    sender details and the heading (the page's fixed blocks, converted once in Python)."""
    return _BLOCK.sub(lambda m: _container(m, "", form != "full", form != "short"),
                      block).rstrip("\n")


def without_heading(block: str) -> str | None:
    """A block without its first heading line, or None if it has none."""
    if not _HEADING.search(block + "\n"):
        return None
    return _HEADING.sub("", block + "\n", count=1).rstrip("\n")


def email_blocks(blocks: list[str], form: str) -> list[str] | None:
    """The email form ``form`` of a letter given as its top-level Markdown blocks, made block
    by block, as the action page makes it in the browser (``site.js``'s ``emailFor``). None
    when the first heading is in a block the form rewrites: then only the rewrite of the
    whole Markdown (:data:`EMAIL_FORMS`) is exact."""
    short, facts = form != "full", form != "short"
    sender = next((m.group(2) for block in blocks for m in _BLOCK.finditer(block)
                   if m.group(1) == "sender"), "")
    out: list[str] = []
    headed = False
    for block in blocks:
        text = _BLOCK.sub(lambda m: _container(m, sender, short, facts), block).rstrip("\n")
        if not headed and text.strip() and _HEADING.search(text + "\n"):
            if text != block:
                return None
            text = _HEADING.sub("", text + "\n", count=1).rstrip("\n")
            headed = True
        if text.strip():
            out.append(text)
    return out


def email_form(markdown: str, form: str, filled: Filled | None = None,
               tail: str | None = None, reference: str | None = None) -> str:
    """The text of email form ``form`` (:data:`EMAIL_FORMS`) of a letter's Markdown. A letter
    filled in from a stencil (``filled``) is filled in from the stencil's form, made once
    per stencil, when that is exact: the same text, as ``tests/render/test_email_stencil.py``
    checks. ``tail``: the block that follows the filled letter in ``markdown`` (its
    reference block, holding ``reference``), in its email form."""
    rewrite = EMAIL_FORMS[form]
    if filled is not None:
        text = filled.form(form, rewrite, UNWRAPPED)
        if text is not None:
            if tail:
                tail_text = _email_tail(tail, form) if reference is None else \
                    converted_with(lambda block: _email_tail(block, form), tail, reference)
                text = markup.joined_blocks([text, tail_text])
            return text
    return markup.to_text(rewrite(markdown), width=UNWRAPPED)


@lru_cache(maxsize=64)
def _email_tail(block: str, form: str) -> str:
    """The text of the block after a filled-in letter (its reference) in email form
    ``form``, kept: with its reference stood in for (:func:`converted_with`), every
    letter's is the same."""
    return markup.to_text(email_container(block, form), width=UNWRAPPED)


def email_body(markdown: str) -> str:
    """The full email for a letter's Markdown: the ``.eml`` body and, if it fits, the mailto."""
    return email_form(markdown, "full")


def short_email(markdown: str, *, facts: bool = False) -> str:
    """A short email for a mailto link: the asks by title, with or without the facts."""
    return email_form(markdown, "titles" if facts else "short")


#: The forms of a letter's email, longest first, as Markdown rewrites of the letter's:
#: the full email, the asks by title with the facts, the asks by title alone.
EMAIL_FORMS: dict[str, Callable[[str], str]] = {
    "full": _email_markdown,
    "titles": lambda markdown: _email_markdown(markdown, short=True, facts=True),
    "short": lambda markdown: _email_markdown(markdown, short=True, facts=False),
}


def letter_mailto(document: Any, to: list[str]) -> tuple[str | None, str]:
    """The "open in mail" link for a letter and which form it carries: the full email if
    its link fits in MAILTO_MAX characters (some browsers and mail programs cut longer
    ones), else the asks by title with the facts, else the asks by title alone, else the
    subject alone (the user pastes the letter from the .txt; the .eml draft always holds
    the full email). None when no link fits."""
    from advocate.render.eml import MAILTO_MAX, mailto_link

    subject = document.subject or document.title
    forms: tuple[tuple[str, Callable[[], str]], ...] = (
        ("full", document.email_text),
        ("titles", lambda: document.short_email_text(facts=True)),
        ("short", document.short_email_text))
    bare = mailto_link(to, subject, "")  # the subject-only link, and every link's head
    fixed = getattr(document, "email_fixed", None)
    varied = getattr(document, "email_variant_measure", None)
    # The link without a body; a body adds "&body=" (or "?body=") and at least the encoding
    # of the text it shares with every letter of its kind (fixed), and with those of its
    # variants (tests/render/test_email_stencil.py compares with trying every form).
    head = len(bare) + len("&body=")
    for form, body in forms:
        if fixed is not None and varied is not None and _cannot_fit(
                head, form, fixed, varied, MAILTO_MAX):
            continue  # the text all such letters share makes too long a link already
        text = body()
        # A link is never shorter than the body's UTF-8 bytes: skip hopeless ones unencoded.
        if len(text.encode("utf-8")) > MAILTO_MAX:
            continue
        link = mailto_link(to, subject, text) if text else bare
        if len(link) <= MAILTO_MAX:
            return link, form
    if len(bare) <= MAILTO_MAX:
        return bare, "subject"
    return None, "none"


def _cannot_fit(head: int, form: str, fixed: Callable[[str], tuple[str, ...]],
                varied: Callable[[str, Callable[[str], int]], int], most: int) -> bool:
    """Whether a link of ``head`` characters and then the body of ``form`` is longer than
    ``most`` already by the text every letter of its kind holds, or else by that and the
    text its variants give it (asked only when the first does not decide)."""
    floor = _link_floor(fixed(form))
    if floor and head + floor > most:
        return True
    floor += varied(form, _encoded_length)
    return bool(floor) and head + floor > most


@lru_cache(maxsize=1024)
def _encoded_length(text: str) -> int:
    """:func:`advocate.render.eml.encoded_length`, kept: a campaign has few variants."""
    from advocate.render.eml import encoded_length

    return encoded_length(text)


@lru_cache(maxsize=256)
def _link_floor(texts: tuple[str, ...]) -> int:
    """At least how long a mailto link whose body holds each of ``texts`` is."""
    from advocate.render.eml import encoded_length

    return sum(map(encoded_length, texts))


def wording_titles(exported: Mapping[str, Any], campaign_title: object) -> tuple[str | None, str]:
    """A document's subject (None when its wording sets none) and title (its wording's, else
    the campaign's), from what its wording template exported."""
    subject = exported.get("subject")
    return (str(subject) if subject else None), str(exported.get("title") or campaign_title)
