"""Consent and language as a signer list gives them: "may we show your name?" answered in
the list's own language (sí, oui, ja, да, نعم...), and a signer's language as a BCP 47 code."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["consent_forms", "language_code"]

# The usual answers to "may we show your name?" by language (BCP 47 primary subtag).
# Compared after casefolding; an empty cell always means no.
_CONSENT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("yes", "y", "true", "1"), ("no", "n", "false", "0")),
    "ar": (("نعم",), ("لا",)),
    "cs": (("ano",), ("ne",)),
    "da": (("ja",), ("nej",)),
    "de": (("ja", "j"), ("nein",)),
    "el": (("ναι",), ("όχι", "οχι")),
    "es": (("sí", "si"), ("no",)),
    "fa": (("بله", "آری"), ("خیر", "نه")),
    "fi": (("kyllä", "kylla"), ("ei",)),
    "fr": (("oui", "o"), ("non",)),
    "he": (("כן",), ("לא",)),
    "hi": (("हाँ", "हां"), ("नहीं",)),
    "hu": (("igen",), ("nem",)),
    "id": (("ya",), ("tidak",)),
    "it": (("sì", "si"), ("no",)),
    "ja": (("はい",), ("いいえ",)),
    "kk": (("иә", "ия"), ("жоқ",)),
    "ko": (("예", "네"), ("아니요", "아니오")),
    "ky": (("ооба",), ("жок",)),
    "ms": (("ya",), ("tidak",)),
    "nb": (("ja",), ("nei",)),
    "nl": (("ja", "j"), ("nee",)),
    "no": (("ja",), ("nei",)),
    "pl": (("tak",), ("nie",)),
    "pt": (("sim", "s"), ("não", "nao")),
    "ro": (("da",), ("nu",)),
    "ru": (("да",), ("нет",)),
    "sv": (("ja",), ("nej",)),
    "sw": (("ndiyo",), ("hapana",)),
    "tr": (("evet",), ("hayır", "hayir")),
    "uk": (("так",), ("ні",)),
    "uz": (("ha",), ("yoʻq", "yo'q")),
    "vi": (("có", "co"), ("không", "khong")),
    "zh": (("是",), ("否",)),
}


def consent_forms(languages: Iterable[str] | None) -> tuple[frozenset[str], frozenset[str]]:
    """The yes and no forms for English plus ``languages`` (BCP 47 tags; unknown ones add
    none), then every other language's that reads the same in all of them: a list from a
    Spanish form says "Sí" whatever the campaign's languages are. A word that is yes in one
    language and no in another ("no" is Spanish and English for no, "ne" Czech for no) is
    taken only from the languages asked for."""
    yes = set(_CONSENT["en"][0])
    no = {*_CONSENT["en"][1], ""}
    for tag in languages or ():
        forms = _CONSENT.get(tag.split("-")[0].casefold())
        if forms is not None:
            yes.update(forms[0])
            no.update(forms[1])
    clash = yes & no
    yes -= clash
    no -= clash
    yes |= _ANY_YES - no
    no |= _ANY_NO - yes
    return frozenset(yes), frozenset(no)


def _unambiguous() -> tuple[frozenset[str], frozenset[str]]:
    # Whole words only: a lone letter ("o" for oui, "s" for sim) is too easily something else.
    every_yes = {word for forms in _CONSENT.values() for word in forms[0]
                 if len(word) > 1 or not word.isascii()}
    every_no = {word for forms in _CONSENT.values() for word in forms[1]
                if len(word) > 1 or not word.isascii()}
    return frozenset(every_yes - every_no), frozenset(every_no - every_yes)


_ANY_YES, _ANY_NO = _unambiguous()

_LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")


def language_code(value: str) -> str | None:
    """A signer's language as a BCP 47 code (``es``, ``pt-BR``, ``zh-Hant``), or None."""
    code = value.strip().replace("_", "-")
    if not _LANG_CODE.fullmatch(code.lower()):
        return None
    head, *rest = code.split("-")
    return "-".join([head.lower(), *(part.upper() if len(part) == 2 else part.title()
                                     for part in rest)])


_PUBLIC_HINT = ("use yes or no (or the same in the list's language: sí, oui, ja, да, نعم...); "
                "empty means no: the signer is counted, not named")
_WORD = re.compile(r"[\w'’]+")


def _first_word(answer: str) -> str:
    """The first word of an answer given as a sentence ("sí, muestren mi nombre"), else ''."""
    found = _WORD.match(answer)
    rest = answer[found.end():].lstrip() if found else ""
    return found.group(0) if found and rest[:1] in (",", ".", ";", ":", "-", "–", "—", "(", "!") \
        else ""
