"""Long dates from each language's words made ahead by the installed Babel (text/dates.py):
Babel's own, day by day, for every bundled language and a sample of Babel's locales;
never taken from files another Babel made. Nothing here depends on one Babel version."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel import localedata
from babel.dates import format_date

from advocate.text import dates
from advocate.text.localise import format_day

BUNDLED = ["en_GB", "ru", "kk", "ar"]  # the bundled wording's languages (en is en_GB)
SAMPLE = sorted(random.Random(28).sample(
    [name for name in localedata.locale_identifiers() if "_" not in name], 40))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("long_dates")
    return folder, dates.write_long_dates(folder, [*BUNDLED, *SAMPLE, "th", "ja", "fa"])


def test_every_bundled_language_and_most_locales_get_their_words_made_ahead(
        made: tuple[Path, list[str]]) -> None:
    folder, written = made
    assert set(BUNDLED) <= set(written)
    assert len(set(SAMPLE) & set(written)) >= 30  # the others' patterns use more fields
    assert sorted(p.stem for p in folder.glob("*.txt")) == sorted(written)


@pytest.mark.parametrize("locale", [*BUNDLED, *SAMPLE, "th", "ja", "fa"])
def test_a_long_date_is_babels_own_for_every_day_of_a_leap_year(
        locale: str, made: tuple[Path, list[str]]) -> None:
    folder, written = made
    days = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)] + [
        date(1000, 1, 1), date(2022, 1, 17), date(2026, 12, 7), date(9999, 12, 31)]
    for day in days:
        ours = dates.long_date(day, locale, folder)
        if locale in written:
            assert ours == format_date(day, format="long", locale=locale), (locale, day)
        else:  # a pattern with an era or a weekday: Babel writes it
            assert ours is None


def test_words_made_by_another_babel_are_not_taken(made: tuple[Path, list[str]],
                                                  tmp_path: Path) -> None:
    import hashlib

    import babel

    folder, _ = made
    lines = (folder / "ru.txt").read_text(encoding="utf-8").split("\n")
    installed = hashlib.sha256(Path(babel.__file__).read_bytes()).hexdigest()
    assert lines[0] == f"babel {installed}"  # the Babel installed, by its __init__.py
    another = installed[:-1] + ("1" if installed.endswith("0") else "0")
    for other in ("babel 0.0.1", f"babel {another}", ""):
        (tmp_path / "ru.txt").write_text("\n".join([other, *lines[1:]]), encoding="utf-8")
        assert dates.long_date(date(2022, 1, 17), "ru", tmp_path) is None
    (tmp_path / "ru.txt").write_text("\n".join(lines), encoding="utf-8")
    assert dates.long_date(date(2022, 1, 17), "ru", tmp_path) == \
        format_date(date(2022, 1, 17), format="long", locale="ru")
    (tmp_path / "ru.txt").write_text("\n".join(lines[:-3]), encoding="utf-8")  # cut short
    assert dates.long_date(date(2022, 1, 17), "ru", tmp_path) is None
    assert dates.long_date(date(2022, 1, 17), "ru", tmp_path / "none") is None


@pytest.mark.parametrize("locale", ["../ru", "ru/../ru", "", "e", "ru.txt", "en_GB/x"])
def test_only_a_locale_name_is_looked_up(locale: str, made: tuple[Path, list[str]]) -> None:
    assert dates.long_date(date(2022, 1, 17), locale, made[0]) is None


def test_years_outside_four_digits_are_left_to_babel(made: tuple[Path, list[str]]) -> None:
    assert dates.long_date(date(999, 5, 1), "ru", made[0]) is None


def test_a_letter_date_is_the_same_with_or_without_the_words_made_ahead(
        made: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    day = date(2022, 1, 17)
    langs = ["en", "ru", "kk", "ar", "es", "zh", "th", "pt-BR", "zz-unknown"]
    format_day.cache_clear()
    monkeypatch.setattr(dates, "long_dates_folder", lambda: made[0])  # (advocate's own)
    ahead = [format_day(day, lang) for lang in langs]
    format_day.cache_clear()
    monkeypatch.setattr(dates, "long_dates_folder", lambda: made[0] / "none")
    babel = [format_day(day, lang) for lang in langs]
    format_day.cache_clear()
    assert ahead == babel
    assert ahead[0] == "17 January 2022" and ahead[-1] == "2022-01-17"
