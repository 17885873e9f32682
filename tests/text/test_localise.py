"""Languages: which language a letter is written in, fallbacks that warn with their place,
and dates written out per language."""

from __future__ import annotations

from datetime import date

import pytest

from advocate.errors import AdvocateError
from advocate.schema.campaign import Campaign
from advocate.text.localise import Localiser, format_day, resolve_language


def test_dates_are_written_out_in_each_language() -> None:
    day = date(2022, 1, 17)
    assert format_day(day, "en") == "17 January 2022"
    assert format_day(day, "ru").startswith("17 января 2022")
    assert "2022" in format_day(day, "kk") and format_day(day, "kk") != format_day(day, "ru")


def test_an_unknown_locale_falls_back_to_an_iso_date() -> None:
    assert format_day(date(2022, 1, 17), "zz-unknown") == "2022-01-17"


def test_language_order_is_flag_then_target_then_campaign(kz: Campaign) -> None:
    president = kz.target("president")
    commissioner = kz.target("un-high-commissioner")
    assert resolve_language(kz, None) == kz.language == "en"
    assert resolve_language(kz, None, president) == "ru"
    assert resolve_language(kz, None, commissioner) == "en"
    assert resolve_language(kz, "kk", commissioner) == "kk"


def test_a_language_the_campaign_lacks_is_refused_with_the_languages_it_has(
        kz: Campaign) -> None:
    with pytest.raises(AdvocateError) as caught:
        resolve_language(kz, "fr")
    problem = caught.value.problems[0]
    assert problem.message == "campaign 'kazakhstan-2022' has no 'fr' text"
    assert problem.hint is not None and "languages: en, ru, kk" in problem.hint


def test_a_missing_translation_falls_back_with_a_located_warning(kz: Campaign) -> None:
    loc = Localiser(kz, "ru")
    assert loc.text({"en": "Hello", "ru": "Привет"}, ("title",)) == "Привет"
    assert loc.warnings == []
    assert loc.text({"en": "Only English"}, ("facts", 0, "text")) == "Only English"
    (warning,) = loc.warnings
    assert warning.severity == "warning"
    assert warning.message == "facts.0.text: no 'ru' text; using 'en'"
    assert warning.hint == "add `ru:` to this field"
    assert loc.text("plain", ("summary",)) == "plain" and loc.text(None, ("x",)) is None


def test_letter_dates_are_babels_long_dates() -> None:
    """Babel's public format_date writes a letter's date, for any Babel the range allows."""
    from babel.dates import format_date

    day = date(2022, 1, 17)
    assert format_day(day, "en") == "17 January 2022"  # en_GB: day before month
    assert format_day(day, "ru") == format_date(day, format="long", locale="ru")
    assert format_day(day, "ru").startswith("17 января 2022")
    assert format_day(day, "kk") == format_date(day, format="long", locale="kk")
    assert format_day(day, "pt-BR") == format_date(day, format="long", locale="pt_BR")
    assert format_day(day, "xx-unknown") == "2022-01-17"  # no such locale: ISO, not a failure
