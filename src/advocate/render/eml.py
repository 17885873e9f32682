"""Email drafts (``.eml``) and ``mailto:`` links, with the standard library only.

A draft is a text/plain UTF-8 message the user opens in a mail program, checks and sends
themselves: advocate never sends mail. It is private and reproducible by construction:

* no ``Message-ID`` (``make_msgid()`` embeds the host name), no ``Date`` (leaks the time
  zone), no ``X-Mailer``/``User-Agent``: the same input gives the same bytes;
* :data:`DRAFT_HEADERS` ask the mail program to open it as an unsent draft: ``X-Unsent: 1``
  (Outlook), ``X-Mozilla-Draft-Info`` (Thunderbird) and ``X-Uniform-Type-Identifier:
  com.apple.mail-draft`` (Apple Mail); a program that honours none offers "Edit as New";
* a missing address leaves the header out rather than inventing one or writing an empty
  group: every mail program then asks for the recipient (or uses the user's own identity
  for From), and the names stay in the letter itself;
* header injection is impossible: names and subject with a line break or any other
  control character are refused, and header text is encoded by us (see below).

Headers: Python 3.11's folder drops the space between two encoded words when it folds a
long non-ASCII header (CPython gh-144156: "Освободите задержанных" came back as
"Освободитезадержанных"). So names and subject are encoded here, as RFC 2047 ``B`` words
of whole characters, at most 75 characters each, on lines of at most 78, with every space
inside a word; :class:`email.message.EmailMessage` with ``policy.SMTP`` still builds the
body and the MIME headers, and :class:`email.headerregistry.Address` checks each address.
(Python's own address parser keeps the space between two encoded words of a display name,
which RFC 2047 §6.2 says to drop and mail programs do drop; display names up to 45 UTF-8
bytes fit in one word and read back exactly everywhere.)

Body: quoted-printable. It is 7-bit clean (survives any relay or mail store), keeps lines
under 76 characters however long a paragraph is (8bit would break at 998), and round-trips
exactly, trailing spaces included; the cost is a bulkier raw file for Cyrillic text.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from advocate.errors import AdvocateError
from advocate.schema.emails import normalise_email
from advocate.text.bidi import plain

__all__ = ["DRAFT_HEADERS", "MAILTO_MAX", "build_eml", "encoded_length", "letter_draft",
           "mailto_link", "mailto_too_long"]

#: Headers that ask mail programs to open the file as a draft to edit and send, each in its
#: own convention (docs/reference.md, "Email drafts"): Outlook's X-Unsent; Thunderbird's
#: draft information header (what Thunderbird writes into its own drafts: with it, a draft
#: copied into a Drafts folder opens in the editor, and File > Open of the .eml offers
#: Edit As New); Apple Mail's type identifier for a draft (Mail opens such a file in a
#: compose window).
DRAFT_HEADERS = (
    "X-Unsent: 1",
    "X-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0;\r\n"
    " attachmentreminder=0; deliveryformat=1",  # 1: plain text
    "X-Uniform-Type-Identifier: com.apple.mail-draft",
)

MAILTO_MAX = 2000
"""Longest ``mailto:`` link to offer; some browsers and mail programs cut longer ones."""

_LINE = 78
_REFERENCE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")
_WORD_BYTES = 42  # 56 base64 chars: '=?utf-8?b?' + 56 + '?=' = 68, fits after 'Subject: '
_NAME_BYTES = 45  # 60 base64 chars: a 72-character word, fits after 'From: '
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


# --------------------------------------------------------------------------- header text


def _header_text(value: str, what: str) -> str:
    """Trimmed header text; refuse anything that could end a header line early."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str")
    value = value.strip()
    if value.isprintable():  # no control, line-break or surrogate character: the common case
        return value
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs"):
            hint = "a header is one line" if ch in "\r\n\u2028\u2029\x85" else None
            raise AdvocateError(f"{what} contains a line break or control character", hint=hint)
    return value


def _encoded_words(text: str, max_bytes: int = _WORD_BYTES) -> list[str]:
    return list(_encoded_words_cached(text, max_bytes))


@lru_cache(maxsize=1024)  # the same subject heads thousands of drafts
def _encoded_words_cached(text: str, max_bytes: int) -> tuple[str, ...]:
    """RFC 2047 B-encoded words of whole characters, each at most 75 characters.

    A word is cut after a space where there is one, so a decoder that (against RFC 2047
    §6.2) keeps the white space between two encoded words shows a double space rather than
    a word broken in two.
    """
    chunks: list[bytes] = []
    chunk = b""
    for ch in text:
        raw = ch.encode("utf-8")
        if chunk and len(chunk) + len(raw) > max_bytes:
            cut = chunk.rfind(b" ") + 1
            if cut > len(chunk) // 2:
                chunks.append(chunk[:cut])
                chunk = chunk[cut:]
            else:
                chunks.append(chunk)
                chunk = b""
        chunk += raw
    if chunk:
        chunks.append(chunk)
    return tuple("=?utf-8?b?" + base64.b64encode(c).decode("ascii") + "?=" for c in chunks)


def fold_words(name: str, tokens: list[str]) -> str:
    """Join tokens with folding white space so no line exceeds 78 characters if avoidable."""
    lines = [f"{name}: {tokens[0]}"] if tokens else [f"{name}:"]
    for token in tokens[1:]:
        if len(lines[-1]) + 1 + len(token) > _LINE:
            lines.append(" " + token)
        else:
            lines[-1] += " " + token
    return "\r\n".join(lines)


def _plain_ok(text: str) -> bool:
    """ASCII text that may stand in a header as it is (no '=?' that would read as encoded)."""
    return (
        all(" " <= ch <= "~" for ch in text)
        and "=?" not in text
        and "  " not in text
        and all(len(word) <= 70 for word in text.split(" "))
    )


@lru_cache(maxsize=256)  # the same subject heads thousands of drafts
def _unstructured(name: str, text: str) -> str:
    """A Subject-like header, folded at spaces if plain ASCII, else as encoded words."""
    # Folding before a space keeps the space: unfolding only removes the CRLF.
    return fold_words(name, text.split(" ") if _plain_ok(text) else _encoded_words(text))


def _phrase_tokens(display_name: str) -> list[str]:
    """A display name as header tokens: atoms, one quoted string, or encoded words."""
    if not display_name:
        return []
    if _ATOM.fullmatch(display_name) and "=?" not in display_name and len(display_name) <= 60:
        return display_name.split(" ")
    if _plain_ok(display_name) and len(display_name) <= 60:
        escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
        return [f'"{escaped}"']
    return _encoded_words(display_name, _NAME_BYTES)


# --------------------------------------------------------------------------- addresses


@lru_cache(maxsize=4096)  # each signer writes to every target
def _addr_spec(address: str, what: str) -> str:
    """Normalised ``local@domain``; the error never repeats the address."""
    try:
        normal = normalise_email(address)
    except ValueError as exc:
        raise AdvocateError(f"invalid {what} address", hint=str(exc)) from None
    local, domain = normal.split("@")
    if not local.isascii():
        raise AdvocateError(
            f"{what} address not supported in an email draft",
            hint="non-ASCII before the @ needs SMTPUTF8; use a mailto link instead",
        )
    try:
        return Address(username=local, domain=domain).addr_spec
    except (ValueError, IndexError):  # pragma: no cover - normalise_email is stricter
        raise AdvocateError(f"invalid {what} address") from None


def mailbox_tokens(display_name: str, address: str, what: str) -> list[str]:
    return list(_mailbox_tokens_cached(display_name, address, what))


@lru_cache(maxsize=1024)  # a target's To line is the same in every draft to it
def _mailbox_tokens_cached(display_name: str, address: str, what: str) -> tuple[str, ...]:
    name = _header_text(display_name, f"{what} name")
    return (*_phrase_tokens(name), f"<{_addr_spec(address, what)}>")


# --------------------------------------------------------------------------- drafts


def build_eml(
    *,
    to_name: str,
    to_addr: str | None,
    from_name: str,
    from_addr: str | None,
    subject: str,
    body: str,
    cc: Sequence[tuple[str, str]] = (),
    reference: str | None = None,
) -> bytes:
    """An RFC 5322 draft, CRLF line ends, as bytes to write to a ``.eml`` file.

    ``cc`` holds ``(name, address)`` pairs (name may be ''). A ``None`` address omits its
    header (the name is still checked). Raises AdvocateError for an invalid address or a
    header with a line break, without repeating the value. ``reference`` (a letter's, see
    :mod:`advocate.reference`) goes in an ``X-Advocate-Reference:`` header.
    """
    headers: list[tuple[str, list[str]]] = []
    _header_text(from_name, "From name")
    _header_text(to_name, "To name")
    if from_addr is not None:
        headers.append(("From", mailbox_tokens(from_name, from_addr, "From")))
    if to_addr is not None:
        headers.append(("To", mailbox_tokens(to_name, to_addr, "To")))
    if cc:
        tokens: list[str] = []
        for index, (name, address) in enumerate(cc):
            mailbox = mailbox_tokens(name, address, "Cc")
            if index < len(cc) - 1:
                mailbox[-1] += ","
            tokens += mailbox
        headers.append(("Cc", tokens))
    lines = [fold_words(name, header_tokens) for name, header_tokens in headers]
    subject_text = _header_text(subject, "subject")
    if subject_text:
        lines.append(_unstructured("Subject", subject_text))
    if reference is not None:
        if not _REFERENCE.fullmatch(reference):
            raise ValueError("not a letter reference")  # advocate's own value: a bug
        lines.append(f"X-Advocate-Reference: {reference}")
    if not isinstance(body, str):
        raise TypeError("body must be a str")
    # Every header line above is already folded and encoded (ASCII only), so the message is
    # assembled here rather than by EmailMessage, whose header parsing costs more than the
    # rest of a letter. Batches write thousands of drafts.
    lines += [*DRAFT_HEADERS, "MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
              "Content-Transfer-Encoding: quoted-printable"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    return head + quoted_printable(body)


def quoted_printable(body: str) -> bytes:
    """The body as UTF-8 quoted-printable with CRLF line ends, its last line ended: what
    binascii's encoder (C code) gives the whole body with LF line ends, made line by line.
    Each line ends in a line break, and the encoder starts every line afresh, so a line's
    code depends on that line alone; the lines a batch's letters share (an email body's
    paragraphs are one line each) are encoded once (``tests/render/test_eml.py`` compares
    with encoding the whole body, Hypothesis drawing trailing spaces and tabs, '=' and '.',
    long lines and every script)."""
    if not body.endswith("\n"):
        body += "\n"
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return b"".join(map(_qp_line, body.split("\n")[:-1]))
    except UnicodeEncodeError:
        raise AdvocateError("the letter is not valid text (lone surrogate)") from None


@lru_cache(maxsize=4096)
def _qp_line(line: str) -> bytes:
    """One line of a body (without its line break), encoded and ended by CRLF."""
    data = (line + "\n").encode("utf-8")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(
        b"\n", b"\r\n")


# --------------------------------------------------------------------------- mailto


@lru_cache(maxsize=1024)  # a target's address heads thousands of links
def mailto_address(address: str) -> str:
    try:
        normal = normalise_email(address)
    except ValueError as exc:
        raise AdvocateError("invalid address in a mailto link", hint=str(exc)) from None
    # RFC 6068: '@' and a few sub-delimiters may stand; everything else (including '%', '/',
    # '?', '#', '&', ',' and non-ASCII) is percent-encoded as UTF-8.
    return quote(normal, safe="@!$'*+=.-_~")


# Percent-encoding of every byte but the unreserved ones (RFC 3986), as urllib's quote(safe="")
# does, through a table: a batch encodes thousands of letter bodies.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_PERCENT = [chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256)]


def _hvalue(text: str) -> str:
    return "".join(map(_PERCENT.__getitem__, text.encode("utf-8")))


@lru_cache(maxsize=8192)
def _hline(line: str) -> str:
    return _hvalue(line)


def _hbody(body: str) -> str:
    """A body percent-encoded line by line (letters to many writers share most lines), its
    line breaks as ``%0D%0A``."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "%0D%0A".join(map(_hline, lines))


def encoded_length(text: str) -> int:
    """At least how many characters ``text`` takes in a link's body (:func:`mailto_link`
    writes a line break as 6)."""
    return len(_hvalue(text))


def mailto_link(to: Sequence[str], subject: str, body: str, cc: Sequence[str] = ()) -> str:
    """A ``mailto:`` URI (RFC 6068): addresses checked, values percent-encoded as UTF-8.

    Line breaks in the body become ``%0D%0A`` as the RFC asks. Check the result with
    :func:`mailto_too_long` and offer the ``.eml`` draft instead when it is too long.
    """
    link = "mailto:" + ",".join(mailto_address(a) for a in to)
    fields: list[str] = []
    if subject:
        fields.append("subject=" + _hline(_header_text(subject, "subject")))
    if cc:
        fields.append("cc=" + ",".join(mailto_address(a) for a in cc))
    if body:
        fields.append("body=" + _hbody(body))
    if fields:
        link += "?" + "&".join(fields)
    return link


def mailto_too_long(link: str) -> bool:
    """Whether a mailto link is longer than :data:`MAILTO_MAX` (callers should warn)."""
    return len(link) > MAILTO_MAX


def letter_draft(*, to_name: str, to_addr: str | None, writer: Mapping[str, Any],
                 subject: str, body: str, reference: str | None = None) -> bytes:
    """A letter's draft: To the target, From the writer of ``writer`` (a template's view of
    them, its names isolated for the letter: the headers take them plain)."""
    return build_eml(to_name=to_name, to_addr=to_addr, from_name=plain(writer["name"] or ""),
                     from_addr=plain(writer["email"]) if writer["email"] else writer["email"],
                     subject=subject, body=body, reference=reference)
