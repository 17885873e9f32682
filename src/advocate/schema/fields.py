"""The value types of the campaign format: translatable text, one-line text, ids, dates,
addresses, languages, figures and countries, each checked (and normalised) before the
models see it, each with the JSON Schema that says what it accepts."""


# (No ``from __future__ import annotations`` here, as in campaign.py: Pydantic reads the
# annotations as they are.)
import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from advocate.schema.emails import normalise_email
from advocate.schema.ids import SLUG, SLUG_PATTERN

LANG_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
_LANG = re.compile(LANG_PATTERN)


def _iso_date(value: Any) -> Any:
    """Dates are ISO ``YYYY-MM-DD`` strings; never timestamps, never guessed formats."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("iso_date", "expected an ISO date like 2022-01-17")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "iso_date", "invalid date '{value}' (no such day)", {"value": value}
        ) from None


def _text(value: Any) -> Any:
    """Translatable text: a string, or ``{language: string}`` with valid language codes."""
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("empty_text", "text is empty")
        return value
    if isinstance(value, dict):
        if not value:
            raise PydanticCustomError("empty_text", "no translations given")
        for lang, text in value.items():
            if not isinstance(lang, str) or not _LANG.match(lang):
                raise PydanticCustomError(
                    "language", "'{lang}' is not a language code (use e.g. en, ru, kk)",
                    {"lang": lang})
            if not isinstance(text, str) or not text.strip():
                raise PydanticCustomError(
                    "empty_text", "the '{lang}' text must be non-empty text", {"lang": lang})
        return value
    raise PydanticCustomError(
        "text_type", "expected text, or a mapping from language code to text")


def _one_line(value: Any) -> Any:
    """Text shown on one line (titles, names, salutations: an email's Subject, a letter's
    address block): no line break or control character, in any language."""
    value = _text(value)
    for text in [value] if isinstance(value, str) else value.values():
        if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text):
            raise PydanticCustomError(
                "one_line", "must be one line: no line breaks or control characters")
    return value


def _slug(value: Any) -> Any:
    if not isinstance(value, str) or not SLUG.match(value):
        raise PydanticCustomError(
            "slug", "'{value}' is not an id: use lowercase letters, digits and hyphens",
            {"value": value})
    return value


def _email(value: Any) -> Any:
    """The same rules as a signer's address (one validator): IDNA 2008, no spaces, one @."""
    if not isinstance(value, str):
        raise PydanticCustomError("email", "not an email address")
    try:
        normalise_email(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "email", "not an email address ({reason})", {"reason": str(exc)}) from None
    return value


def _url(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s<>\"]+", value):
        raise PydanticCustomError("url", "expected a web address starting with https://")
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Text = Annotated[str | dict[str, str], BeforeValidator(_text)]
OneLine = Annotated[str | dict[str, str], BeforeValidator(_one_line)]
Slug = Annotated[str, BeforeValidator(_slug), Field(pattern=SLUG_PATTERN)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Email = Annotated[str, BeforeValidator(_email)]
Url = Annotated[str, BeforeValidator(_url)]
Lang = Annotated[str, StringConstraints(pattern=LANG_PATTERN)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=300)]
SourceRefs = Annotated[list[Slug], BeforeValidator(_one_or_many), Field(min_length=1),
                       # the schema says what validation accepts: one id, or a list of them
                       WithJsonSchema({"anyOf": [
                           {"type": "string", "pattern": SLUG_PATTERN},
                           {"type": "array", "minItems": 1,
                            "items": {"type": "string", "pattern": SLUG_PATTERN}}]})]


def _figure(value: Any) -> Any:
    """A headline figure: text ("164", "10,000") or a bare whole number (``figure: 164``,
    kept exactly as written: the loader reads only plain decimal integers as numbers), or
    one per language like any translatable text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    value = _one_line(value)
    for text in [value] if isinstance(value, str) else value.values():
        if len(text) > FIGURE_MAX:
            raise PydanticCustomError(
                "figure", "at most {limit} characters: a figure is a number or a few words",
                {"limit": FIGURE_MAX})
    return value


FIGURE_MAX = 20
Figure = Annotated[str | dict[str, str], BeforeValidator(_figure), WithJsonSchema({"anyOf": [
    {"type": "string", "minLength": 1, "maxLength": FIGURE_MAX},
    {"type": "integer"},
    {"type": "object", "minProperties": 1,
     "additionalProperties": {"type": "string", "minLength": 1, "maxLength": FIGURE_MAX}}]})]


def _country(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
        raise PydanticCustomError(
            "country", "'{value}' is not a country code: use ISO 3166 letters such as RU, US",
            {"value": value})
    return value


Country = Annotated[str, BeforeValidator(_country), Field(pattern=r"^[A-Z]{2}$")]


def _page_word(value: Any) -> Any:
    """One of the action page's own words: one line of text in one language."""
    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "expected text (one language's word)")
    return _one_line(value)


PageWord = Annotated[str, BeforeValidator(_page_word), StringConstraints(max_length=600)]
