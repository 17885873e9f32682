"""Long dates ("17 January 2022", "17 января 2022 г.") as Babel writes them, without
loading Babel's locale data in every run.

A letter's date is Babel's ``format_date(day, format="long", locale=...)``: the words are
CLDR's. Loading them costs more than writing the letter: Babel unpickles the locale and
every locale it inherits from (root, en, en_001, en_GB) and its global data, about 110
million instructions, 0.17x the bare imports of a text letter. ``make install`` (and ``make
ahead``, ``make wheel``) asks the installed Babel, through its public API, for each
language's long pattern and month names (:func:`write_long_dates`) and writes them to
``text/long_dates/LOCALE.txt`` (not in git; the wheel ships them as a build artifact). A
locale gets a file only if its pattern uses nothing but the day, the month and the year,
and the date written from the file is Babel's own for every day of a leap year and more.
:func:`long_date` writes a date from the file when it was made by the Babel installed now
(the SHA-256 of its ``__init__.py``, which holds its version, read without importing
it); for any other Babel, locale or year it returns None and Babel writes the date.
Nothing here is kept between runs.
"""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["long_date", "long_dates_folder", "write_long_dates"]

_TOKEN = re.compile(r"'(?:[^']|'')*'|''|([A-Za-z])\1*|[^A-Za-z']+")
_FIELDS = {"d", "dd", "M", "MM", "MMMM", "LLLL", "y"}
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:_[A-Za-z0-9]{2,8})*")


def long_dates_folder() -> Path:
    """Where the long-date files ship."""
    return Path(str(resources.files("advocate") / "text" / "long_dates"))


def _tokens(pattern: str) -> list[str] | None:
    """The pattern as fields (``\\0d``, ``\\0MMMM``) and literal text (quotes resolved),
    or None if it uses anything but the day, the month and the year."""
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
    if tokens is None or len(months) != 12 or len(standalone) != 12:
        return None
    values = {"\0d": str(day.day), "\0dd": f"{day.day:02d}", "\0M": str(day.month),
              "\0MM": f"{day.month:02d}", "\0MMMM": months[day.month - 1],
              "\0LLLL": standalone[day.month - 1], "\0y": str(day.year)}
    return "".join(values.get(token, token) for token in tokens)


def long_date(day: date, locale: str, folder: Path | None = None) -> str | None:
    """Babel's ``format_date(day, format="long", locale=locale)`` from the file made ahead
    in ``folder`` (default: the shipped one); None when it cannot say (Babel is asked)."""
    if not 1000 <= day.year <= 9999 or not _LOCALE.fullmatch(locale):
        return None
    try:
        lines = (folder or long_dates_folder()).joinpath(locale + ".txt").read_text(
            encoding="utf-8").split("\n")
    except OSError:
        return None
    if len(lines) != 27 or lines[0] != _babel_line():
        return None
    return _write(day, lines[1], lines[2:14], lines[14:26])


@cache  # the installed Babel does not change while the process runs
def _babel_line() -> str | None:
    """The installed Babel as the files' first line names it: the SHA-256 of its
    ``__init__.py`` (which holds its version), found and read without importing Babel (the
    import is 2 ms of a text letter, this 0.3 ms); None if it is not installed."""
    import hashlib
    import importlib.util

    loaded = sys.modules.get("babel")
    spec = importlib.util.find_spec("babel") if loaded is None else loaded.__spec__
    if spec is None or spec.origin is None:
        return None
    try:
        with open(spec.origin, "rb") as handle:
            return f"babel {hashlib.sha256(handle.read()).hexdigest()}"
    except OSError:
        return None


def _sample_days() -> list[date]:
    leap = date(2024, 1, 1)
    return [leap + timedelta(days=n) for n in range(366)] + [
        date(1000, 1, 1), date(1999, 12, 31), date(2022, 1, 17), date(9999, 12, 31)]


def write_long_dates(folder: Path | None = None, locales: list[str] | None = None
                     ) -> list[str]:
    """For the installed Babel, a file per locale (default: every language-only locale and
    en_GB) whose long date :func:`long_date` writes exactly as Babel does, into ``folder``
    (default: where they ship). Returns the locales written."""
    from babel import localedata
    from babel.dates import format_date, get_date_format, get_month_names

    folder = folder or long_dates_folder()
    folder.mkdir(parents=True, exist_ok=True)
    made_by = _babel_line()
    if made_by is None:  # pragma: no cover - Babel was found above
        return []
    wanted = locales if locales is not None else ["en_GB", *(
        name for name in localedata.locale_identifiers() if "_" not in name)]
    written = []
    for name in sorted(set(wanted)):
        pattern = str(get_date_format("long", locale=name).pattern)
        format_names = get_month_names("wide", context="format", locale=name)
        alone_names = get_month_names("wide", context="stand-alone", locale=name)
        months = [str(format_names[m]) for m in range(1, 13)]
        alone = [str(alone_names[m]) for m in range(1, 13)]
        if any("\n" in text for text in (pattern, *months, *alone)) or not all(
                _write(day, pattern, months, alone) == format_date(day, format="long",
                                                                  locale=name)
                for day in _sample_days()):
            continue
        folder.joinpath(name + ".txt").write_text(
            "\n".join([made_by, pattern, *months, *alone, ""]),
            encoding="utf-8")
        written.append(name)
    return written
