"""Numbers and places as a language writes them: "20,000" / "20 000" / "20.000", and a
country's name for the two-letter code an export gives ("PE": "Perú" in Spanish).

Both come from CLDR through Babel, imported on first use (a tenth of a second): a letter
whose writer gives a country name, not a code, never loads it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["country_name", "format_count", "localise_places"]

_CODE = re.compile(r"[A-Za-z]{2}")
_TRAILING_CODE = re.compile(r"^(?P<place>.*\S)\s*,\s*(?P<code>[A-Z]{2})$")


@lru_cache(maxsize=32)
def _locale(lang: str) -> Any:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        try:
            return Locale.parse(lang.replace("-", "_").split("_")[0])
        except (ValueError, UnknownLocaleError):
            return Locale.parse("en")


@lru_cache(maxsize=4096)
def country_name(value: str, lang: str) -> str:
    """``value`` as a country name in ``lang`` if it is an ISO 3166 code ("PE", "cn"),
    else ``value`` as it is (a name the writer typed stays theirs)."""
    code = value.strip()
    if not _CODE.fullmatch(code):
        return value
    name = _locale(lang).territories.get(code.upper())
    return str(name) if name else value


def format_count(number: Any, lang: str) -> str:
    """A count with ``lang``'s digit grouping (CLDR): 20,000 (en), 20 000 (fr, a narrow
    no-break space), 20.000 (es)."""
    from babel.numbers import format_decimal

    if not isinstance(number, int) or isinstance(number, bool):
        return str(number)
    return str(format_decimal(number, locale=_locale(lang)))


def localise_places(view: dict[str, Any], lang: str) -> dict[str, Any]:
    """A person's view (see ``Writer.view``) with a country code as the country's name in
    ``lang``; a city written "Cusco, PE" with no country is split into the two."""
    country, city = view.get("country"), view.get("city")
    if not country and isinstance(city, str) and "," in city:
        found = _TRAILING_CODE.match(city)
        if found and country_name(found["code"], lang) != found["code"]:
            view = {**view, "city": found["place"], "country": found["code"]}
            country = found["code"]
    if isinstance(country, str) and _CODE.fullmatch(country.strip()):
        named = country_name(country, lang)
        if named != country:
            return {**view, "country": named}
    return view
