"""Long dates ("17 January 2022", "17 января 2022 г.") without loading Babel each time.

Babel writes a letter's date, but importing it and unpickling a locale's data takes
30-40 ms, a tenth of a text letter's whole run. ``date_formats.json`` holds, for the
installed Babel's version, each language's long date pattern and month names, as Babel
itself gives them (:func:`make_table`); :func:`long_date` writes a date from them, and
returns None (Babel then writes it) for any other Babel version, any locale not in the
table or any year outside 1000-9999. A locale enters the table only if its pattern uses
nothing but day, month and year fields and the result matches Babel's for every day of a
leap year and more; ``tests/test_localise.py`` checks every entry against the installed
Babel again. Regenerate after a Babel upgrade: ``python -m advocate.text.dates``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("date_formats.json")
_TOKEN = re.compile(r"'(?:[^']|'')*'|''|([A-Za-z])\1*|[^A-Za-z']+")
_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_FIELDS = {"d", "dd", "M", "MM", "MMMM", "LLLL", "y"}


def _babel_version() -> str | None:
    """The installed Babel's version, read from its source without importing it."""
    from importlib.util import find_spec

    try:
        spec = find_spec("babel")
        origin = spec.origin if spec is not None else None
        text = Path(origin).read_text(encoding="utf-8") if origin else ""
    except (ImportError, OSError, ValueError):
        return None
    found = _VERSION.search(text)
    return found.group(1) if found else None


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    try:
        table = json.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(table, dict) or table.get("babel") != _babel_version():
        return {}
    locales = table.get("locales")
    return locales if isinstance(locales, dict) else {}


def _tokens(pattern: str) -> list[str] | None:
    """The pattern as fields (``d``, ``MMMM``) and literal text (quotes resolved), or None
    if it uses anything but the day, month and year."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(pattern):
        if match.start() != position:
            return None
        position = match.end()
        text = match.group(0)
        if match.group(1):
            if text not in _FIELDS:
                return None
            out.append("\0" + text)
        elif text == "''":
            out.append("'")
        elif text.startswith("'"):
            out.append(text[1:-1].replace("''", "'"))
        else:
            out.append(text)
    return out if position == len(pattern) else None


def _write(day: date, pattern: str, months: list[str], standalone: list[str]) -> str | None:
    tokens = _tokens(pattern)
    if tokens is None:
        return None
    values = {"\0d": str(day.day), "\0dd": f"{day.day:02d}", "\0M": str(day.month),
              "\0MM": f"{day.month:02d}", "\0MMMM": months[day.month - 1],
              "\0LLLL": standalone[day.month - 1], "\0y": str(day.year)}
    return "".join(values.get(token, token) for token in tokens)


def long_date(day: date, locale: str) -> str | None:
    """Babel's ``format_date(day, format="long", locale=locale)``, from the table; None when
    the table cannot say (Babel is asked then)."""
    entry = _table().get(locale)
    if not entry or not 1000 <= day.year <= 9999:
        return None
    pattern, months, standalone = entry
    return _write(day, pattern, months, standalone)


def _sample_days() -> list[date]:
    leap = date(2024, 1, 1)
    return [leap + timedelta(days=n) for n in range(366)] + [
        date(1000, 1, 1), date(1999, 12, 31), date(2022, 1, 17), date(9999, 12, 31)]


def make_table(locales: list[str] | None = None) -> dict[str, Any]:
    """The table for the installed Babel: every language-only locale (and en_GB) whose long
    date this module writes exactly as Babel does."""
    import babel
    from babel import localedata
    from babel.dates import format_date, get_date_format, get_month_names

    wanted = locales if locales is not None else ["en_GB", *(
        name for name in localedata.locale_identifiers() if "_" not in name)]
    entries: dict[str, Any] = {}
    for name in sorted(set(wanted)):
        pattern = get_date_format("long", locale=name).pattern
        if _tokens(pattern) is None:
            continue
        months = get_month_names("wide", context="format", locale=name)
        standalone = get_month_names("wide", context="stand-alone", locale=name)
        names = [months[m] for m in range(1, 13)]
        alone = [standalone[m] for m in range(1, 13)]
        entry = [pattern, names, alone]
        if all(_write(day, pattern, names, alone) == format_date(day, format="long",
                                                                  locale=name)
               for day in _sample_days()):
            entries[name] = entry
    return {"babel": babel.__version__, "locales": entries}


if __name__ == "__main__":  # python -m advocate.text.dates: rewrite the table
    TABLE.write_text(json.dumps(make_table(), ensure_ascii=False, sort_keys=True,
                                separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {TABLE}")
