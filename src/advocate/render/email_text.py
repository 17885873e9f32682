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

from advocate.text import markdown as markup

#: Wide enough that no paragraph is ever wrapped.
UNWRAPPED = 1_000_000
_BLOCK = re.compile(r"^::: *([a-z]+)\n(.*?)\n:::\n?", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^#{1,6} .*\n(?:\n)?", re.MULTILINE)
_ASK_TITLE = re.compile(r"^(\s*\d+[.)] \*\*.+?\*\*).*$", re.MULTILINE)
_POSTAL = frozenset({"sender", "recipient", "date"})


def _email_markdown(markdown: str, *, short: bool = False, facts: bool = True) -> str:
    """The letter's Markdown as an email's: postal blocks out, details under the signature."""
    sender = ""
    for match in _BLOCK.finditer(markdown):
        if match.group(1) == "sender":
            sender = match.group(2)
            break

    def block(match: re.Match[str]) -> str:
        name, body = match.group(1), match.group(2)
        if name in _POSTAL or (not facts and name == "facts"):
            return ""
        if name == "signature" and sender:
            body = sender  # the name first, then every detail the letter's head gave
        if short and name == "asks":
            body = _ASK_TITLE.sub(r"\1", body)
        return f"::: {name}\n{body}\n:::\n"

    text = _BLOCK.sub(block, markdown)
    return _HEADING.sub("", text, count=1).lstrip("\n")


def email_body(markdown: str) -> str:
    """The full email for a letter's Markdown: the ``.eml`` body and, if it fits, the mailto."""
    return markup.to_text(_email_markdown(markdown), width=UNWRAPPED)


def short_email(markdown: str, *, facts: bool = False) -> str:
    """A short email for a mailto link: the asks by title, with or without the facts."""
    return markup.to_text(_email_markdown(markdown, short=True, facts=facts), width=UNWRAPPED)
