"""Mixed directions: which languages are written right to left, and isolating inserted
values (a name, a city) so that an Arabic name in an English letter, or a Latin name in an
Arabic one, keeps its letters in order and does not drag the punctuation beside it across.

Isolation uses Unicode's own marks, FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL
ISOLATE (U+2069): browsers, PDF text layout (Pango/FriBidi) and mail clients honour them,
they draw nothing, and only values that need them get them (a Latin name in an English
letter is left as it is).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Literal

FSI = "\u2068"
PDI = "\u2069"
ISOLATES = FSI + PDI
#: Languages written right to left (primary subtags), for ``dir`` and the layout.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps",
                           "sd", "ug", "ur", "yi"})
#: Script subtags that make any language right to left (``az-Arab``, ``pa-Arab``).
RTL_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg"})
#: Fields of a person that are printed inline, so are isolated when needed.
INLINE_FIELDS = ("name", "city", "country", "email")


@lru_cache(maxsize=256)  # asked for every value of every letter
def direction(lang: str) -> Literal["ltr", "rtl"]:
    """``rtl`` for a language written right to left (``ar``, ``fa-IR``, ``az-Arab``)."""
    parts = lang.replace("_", "-").lower().split("-")
    if parts[0] in RTL_LANGUAGES or any(p in RTL_SCRIPTS for p in parts[1:]):
        return "rtl"
    return "ltr"


def rtl_script(lang: str) -> str:
    """The bundled font family suffix for a right-to-left language's script."""
    parts = lang.replace("_", "-").lower().split("-")
    return "Hebrew" if parts[0] in ("he", "iw", "yi") or "hebr" in parts[1:] else "Arabic"


def _needs_isolation(value: str, rtl: bool) -> bool:
    against = ("L",) if rtl else ("R", "AL")
    return any(unicodedata.bidirectional(c) in against for c in value)


#: No character before this one (the Hebrew block) is written right to left (bidi class R
#: or AL: the blocks before it are left-to-right scripts; a test checks the tables), so a
#: value below it needs no isolation in a left-to-right document ("São Paulo", "Москва"),
#: found by one ``max`` rather than a look-up per letter.
FIRST_RTL = "\u0590"


def isolate(value: str, lang: str) -> str:
    """``value`` between FSI and PDI if it holds letters written against ``lang``'s direction."""
    if not value or value.startswith(FSI):
        return value
    if direction(lang) == "ltr" and (value.isascii() or max(value) < FIRST_RTL):
        return value
    return f"{FSI}{value}{PDI}" if _needs_isolation(value, direction(lang) == "rtl") else value


def isolate_view(view: dict[str, Any], lang: str) -> dict[str, Any]:
    """A person's view (see ``Writer.view``) with its inline fields isolated for ``lang``."""
    return {key: isolate(value, lang) if key in INLINE_FIELDS and isinstance(value, str)
            else value for key, value in view.items()}


def plain(value: str) -> str:
    """``value`` without the isolation marks (for email headers)."""
    return value.replace(FSI, "").replace(PDI, "")
