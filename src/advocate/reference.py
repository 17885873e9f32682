"""A letter's reference: ten characters printed small on every letter, to log it by.

``letter_reference(campaign, target, row)`` is an HMAC-SHA256 (key: this module's fixed
domain string) of the campaign id, the target id and the letter's row in the signer list
(1 = the first data row; 0 = a letter written one at a time, with ``advocate letter`` or
on the action page), cut to 50 bits and written as ten characters of Crockford's base32
(``7Q3MK-2XD9A``: no I, L, O or U, so nothing reads as another letter or a word).

Why these inputs, and why it cannot be turned back into a person:

* **Stable.** The same campaign, target and row give the same reference on every machine,
  in every build, shard and merge, in every format, whatever the date or the wording.
* **Nothing personal goes in.** No name, email, city or note is hashed, so a reference
  cannot be used to confirm a guess ("is this activist@example.org's letter?"), which a
  hash of an email address would allow. All a reference can tell anyone, even with the
  campaign file and by trying every row, is a target and a row number; a row number names
  no one without the signer list, and whoever holds that list holds everything already.
* **Short and typed by hand.** Tally sheets are typed up: input is read case-blind, with
  hyphens and spaces ignored and I/L read as 1, O as 0 (Crockford's decoding). 50 bits make
  a clash unlikely even for a million letters (about 1 in 2,000); ``advocate log`` refuses
  a clash rather than guess.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["ALPHABET", "REFERENCE_LABEL", "converted_with", "letter_reference",
           "normalise_reference", "reference_block", "tally_reference"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
_KEY = b"advocate letter reference v1"
_BITS = 50
#: The label before the reference when a wording template gives none (``labels.reference``).
REFERENCE_LABEL = "Ref."
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{10}")


@lru_cache(maxsize=64)
def letter_reference(campaign_id: str, target_id: str, row: int | None) -> str:
    """The reference of the letter from signer ``row`` (None or 0: a single letter) to
    ``target_id`` in campaign ``campaign_id``: ``XXXXX-XXXXX``.

    A build asks for each letter's reference three times in a row (its text, its email,
    the manifest): the last few are kept."""
    return _encoded(f"{campaign_id}\x00{target_id}\x00{row or 0}")


def tally_reference(campaign_id: str, target_id: str, day: str, channel: str,
                    number: int) -> str:
    """The reference the log gives the ``number``-th (1, 2...) letter that a tally sheet
    counts to ``target_id`` on ``day`` by ``channel``. A letter written by hand at a table
    carries none; counted again, the same row gives the same references, so logging a tally
    twice changes nothing. (No row number goes in: it cannot be any build letter's.)"""
    return _encoded(f"{campaign_id}\x00{target_id}\x00tally\x00{day}\x00{channel}\x00{number}")


def _encoded(text: str) -> str:
    """HMAC-SHA256 of ``text``, cut to 50 bits, in Crockford's base32 (one C call)."""
    value = int.from_bytes(hmac.digest(_KEY, text.encode(), "sha256")[:8], "big") >> (64 - _BITS)
    chars = "".join([_ALPHABET_AT[(value >> shift) & 31] for shift in _SHIFTS])
    return f"{chars[:5]}-{chars[5:]}"


_ALPHABET_AT = tuple(ALPHABET)
_SHIFTS = tuple(range(_BITS - 5, -1, -5))


def normalise_reference(text: str) -> str | None:
    """A reference as typed (any case, hyphens and spaces anywhere, I/L for 1, O for 0) in
    its printed form, or None when it is not ten base32 characters."""
    bare = re.sub(r"[\s\-]", "", text).upper().translate(_TYPED)
    if not _SHAPE.fullmatch(bare):
        return None
    return f"{bare[:5]}-{bare[5:]}"


def reference_block(reference: str, label: str | None = None) -> str:
    """The Markdown block printed at a letter's foot (``::: reference``): small in HTML and
    PDF, a last line in text and email."""
    return f"::: reference\n{_shown_label(label)} {reference}\n:::\n"


@lru_cache(maxsize=64)
def _shown_label(label: str | None) -> str:
    """A reference's label as its block prints it (kept: every letter of a language has
    the same)."""
    from advocate.text.markdown import escape_markdown

    return escape_markdown(" ".join((label or REFERENCE_LABEL).split())) or REFERENCE_LABEL


#: A reference's shape (five, a hyphen, five; no space, no Markdown syntax): what the text
#: of every letter's reference block is made from, the letter's own put in after.
STAND_IN = "00000-00000"


def converted_with(convert: Callable[[str], str], text: str, reference: str) -> str:
    """``convert(text)`` for a ``text`` holding ``reference`` once, made from the text that
    holds :data:`STAND_IN` in its place (``convert`` keeps what it made: every letter's
    reference block converts to the same text but for its reference, so it is converted
    once per label, not once per letter). Exact for a conversion that treats a run of
    eleven characters without a space or Markdown syntax alike, whatever they are (the
    Markdown-to-text and email conversions: ``tests/text/test_reference_text.py``); when
    the reference or the stand-in is found more than once, ``convert(text)`` itself."""
    if len(reference) == len(STAND_IN) and text.count(reference) == 1 \
            and STAND_IN not in text:
        made = convert(text.replace(reference, STAND_IN))
        if made.count(STAND_IN) == 1:
            head, _, rest = made.partition(STAND_IN)
            return head + reference + rest
    return convert(text)

