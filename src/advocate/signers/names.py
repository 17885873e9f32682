"""A name from the columns an export splits it into, joined as its script writes it.

Exports keep given and family names apart ("First name", "Last name"). Joined with a space
in that order, "文静" and "李" would become "文静 李"; Chinese, Japanese and Korean write
the family name first and without a space: "李文静", "김민준", "山田太郎". Names in any
other script keep the order of the columns and a space.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["east_asian", "join_name"]

# The scripts whose names are written family name first, with no space between.
_EAST_ASIAN = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA",
               "KATAKANA", "HANGUL")


@lru_cache(maxsize=4096)
def _east_asian_char(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(_EAST_ASIAN)


def east_asian(text: str) -> bool:
    """Whether every letter of ``text`` is Han, kana or Hangul (marks and dots aside)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(_east_asian_char(ch) for ch in letters)


def join_name(pieces: Sequence[str], *, given_family: bool = False) -> str:
    """The parts of a name as one name. ``given_family``: the pieces are (given name,
    family name), as an export's columns hold them; an East Asian name is then written
    family name first. East Asian parts are joined without a space."""
    parts = [p.strip() for p in pieces if p and p.strip()]
    if len(parts) > 1 and all(east_asian(p) for p in parts):
        if given_family and len(pieces) == 2 and all(p.strip() for p in pieces):
            parts = [parts[1], parts[0]]
        return "".join(parts)
    return " ".join(parts)
