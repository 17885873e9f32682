"""The action page speaks the campaign's languages: advocate's own page words for a dozen
languages (drafts until reviewed), a campaign's `page_words:` supplying or correcting them
(validated like the rest, at file:line), a warning that says how to supply missing words in
the campaign (never a path inside the installed package), and language names in their own
language from CLDR."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.scaffold import wording_templates
from advocate.schema.campaign import PageWords, load_campaign
from advocate.site import build_site, page_words
from advocate.site.words import bundled_words
from advocate.text.localise import language_name
from campaign_fixtures import CAMPAIGN_FIXTURES
from helpers import write

LANGUAGES = ("en", "es", "fr", "pt", "de", "ru", "uk", "ar", "fa", "zh", "tr", "kk")
BASE = """advocate: 1
id: words-test
title: Free the journalists of Ruritania
summary: Two journalists are held without charge.
language: {lang}
as_of: 2026-01-12
facts:
  - {{text: Two journalists were detained., source: courier, figure: 2, label: journalists}}
sources:
  - {{id: courier, title: Statement, publisher: Strelsau Courier}}
asks:
  - {{id: release, title: Release them, text: Release both journalists now.}}
targets:
  - {{id: minister, name: The Minister of Justice, title: Ministry of Justice,
     salutation: "Dear Minister,", email: minister@example.org}}
"""


def test_page_words_ship_for_a_dozen_languages_marked_unreviewed() -> None:
    table = bundled_words()
    assert set(LANGUAGES) <= set(table["words"])
    assert table["reviewed"] == ["en"]
    english = table["words"]["en"]
    for lang, words in table["words"].items():
        assert set(words) == set(english), lang
        assert all(isinstance(v, str) and v.strip() and "\n" not in v for v in words.values())
        if lang != "en":
            assert sum(words[k] == english[k] for k in english) <= 1, lang  # translated
            assert f"advocate's own page words in '{lang}' have not yet been reviewed" in \
                page_words(lang)[2][0].message


def test_the_campaign_format_knows_every_page_word() -> None:
    """`page_words:` accepts exactly the words the page uses (strings.json's English)."""
    fields = {info.alias or name for name, info in PageWords.model_fields.items()}
    assert fields == set(bundled_words()["words"]["en"])
    documented = Path(__file__).parents[1].parent / "docs" / "campaign-format.md"
    text = documented.read_text(encoding="utf-8")
    assert all(f"| `{word}` |" in text for word in fields)


def test_language_names_come_from_cldr_in_their_own_language() -> None:
    assert [language_name(c) for c in ("es", "ru", "ar", "zh", "kk", "tr", "pt-BR", "qu")] == [
        "Español", "Русский", "العربية", "中文", "Қазақ тілі", "Türkçe", "Português (Brasil)",
        "Runasimi"]
    assert language_name("xx-nonsense") == "xx-nonsense"
    # also a template filter (the build index's language column): anything comes back as text
    assert [language_name(v) for v in ([1], 5, "x" * 40, "")] == ["[1]", "5", "x" * 40, ""]


def _menu(html: str) -> list[tuple[str, str]]:
    menu = html.split('<select id="lang"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', menu)


def test_a_spanish_page_speaks_spanish_and_names_its_languages() -> None:
    """The Peru campaign (es, en): its Spanish page's words and its menu of languages."""
    campaign = load_campaign(CAMPAIGN_FIXTURES / "peru-2023" / "peru-2023.yaml")
    site = build_site(campaign, lang="es")
    html = site.files["index.html"].decode()
    assert re.search(r'<html lang="es" dir="ltr">', html)
    for word in ("Escriba su carta", "Copiar el texto", "Más información", "Salir de esta página"):
        assert word in html
    for word in ("Write your letter", "Copy the text", "Read more"):
        assert word not in html
    assert _menu(html) == [("", "El idioma del destinatario"), ("es", "Español"),
                           ("en", "English")]
    assert not any("are in English" in w.message for w in site.warnings)
    assert not any("site/strings.json" in str(w) for w in site.warnings)


@pytest.fixture
def quechua(tmp_path: Path) -> Path:
    """A campaign in Quechua (wording copied from English by `advocate new --lang qu`), a
    language advocate has no page words for."""
    path = write(tmp_path / "campaign.yaml", BASE.format(lang="qu"))
    wording_templates("qu", tmp_path)
    return path


def test_a_language_without_page_words_says_how_to_supply_them(quechua: Path) -> None:
    site = build_site(load_campaign(quechua))
    html = site.files["index.html"].decode()
    assert "Write your letter" in html and '<html lang="en" dir="ltr">' in html
    warning = next(w for w in site.warnings if "in English" in w.message)
    assert warning.message == ("the page's own words (labels, buttons) are in English: "
                               "advocate has none in 'qu'")
    assert warning.file == str(quechua) and warning.line == 5  # the campaign's language
    assert "page_words: qu:" in str(warning) and "strings.json" not in str(warning)
    assert "site-packages" not in str(warning) and "advocate/site" not in str(warning)
    assert _menu(html)[1] == ("qu", "Runasimi")


def test_the_campaign_supplies_the_page_words(quechua: Path) -> None:
    english = bundled_words()["words"]["en"]
    words = {key: f"qu-{key}" for key in english}
    lines = "\n".join(f"    {key}: {json.dumps(value)}" for key, value in words.items())
    quechua.write_text(quechua.read_text(encoding="utf-8") + f"page_words:\n  qu:\n{lines}\n",
                       encoding="utf-8")
    site = build_site(load_campaign(quechua))
    html = site.files["index.html"].decode()
    assert '<html lang="qu" dir="ltr">' in html
    assert "qu-write" in html and "Write your letter" not in html
    assert not [w for w in site.warnings if "page" in w.message]


def test_words_left_out_are_english_and_named_at_their_line(quechua: Path) -> None:
    quechua.write_text(quechua.read_text(encoding="utf-8")
                       + "page_words:\n  qu:\n    write: Qillqaykiyta qillqay\n", encoding="utf-8")
    site = build_site(load_campaign(quechua))
    html = site.files["index.html"].decode()
    assert "Qillqaykiyta qillqay" in html and "Copy the text" in html
    warning = next(w for w in site.warnings if "are in English" in w.message)
    missing = len(bundled_words()["words"]["en"]) - 1
    assert warning.message.startswith(f"{missing} of the page's own words in 'qu' are in "
                                      "English: target, all, language")
    assert (warning.file, warning.line) == (str(quechua), 17)  # page_words: qu:
    assert "page_words: qu:" in (warning.hint or "")


def test_the_campaign_corrects_advocates_words(tmp_path: Path) -> None:
    path = write(tmp_path / "campaign.yaml", BASE.format(lang="ru")
                 .replace("language: ru", "language: en\ntranslations:\n  ru: {reviewed: true}")
                 + "page_words:\n  ru:\n    write: Напишите им\n")
    site = build_site(load_campaign(path), lang="ru")
    html = site.files["index.html"].decode()
    assert "Напишите им" in html and "Напишите своё письмо" not in html
    assert "Скопировать текст" in html  # the rest are advocate's own
    assert any("'ru' have not yet been reviewed" in w.message for w in site.warnings)


def test_page_words_are_validated_with_their_place(tmp_path: Path,
                                                    run: Callable[..., Result]) -> None:
    path = write(tmp_path / "campaign.yaml", BASE.format(lang="en") + (
        "page_words:\n"
        "  es:\n"
        "    wirte: Escriba\n"
        "    copy: 5\n"
        "    exit: \"two\\nlines\"\n"
        "  Español: {write: Escriba}\n"))
    result = run("validate", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f"advocate: error: {path}:18:5: unknown key 'wirte' (did you mean 'write'?)" in lines
    assert f"advocate: error: {path}:19:11: copy: expected text (one language's word)" in lines
    assert any(f"{path}:20:11: exit: must be one line" in line for line in lines)
    assert any(f"{path}:21:" in line and "'Español' is not a language code" in line
               for line in lines)
    with pytest.raises(AdvocateError):
        load_campaign(path)
