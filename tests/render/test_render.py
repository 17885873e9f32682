"""Documents: what a letter, petition and brief must contain, in every medium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.signers import Signer
from conftest import FIXED_DAY
from helpers import write


@pytest.fixture(scope="module")
def renderer(kz: Campaign) -> Renderer:
    return Renderer(kz, day=FIXED_DAY)


@pytest.mark.parametrize("target", ["president", "prosecutor-general", "interior-minister",
                                    "un-high-commissioner"])
def test_letter_follows_the_appeal_guidance(renderer: Renderer, kz: Campaign,
                                            target: str) -> None:
    letter = renderer.letter(target, Writer(name="A. Writer", city="Berlin"), "en")
    text = letter.text()
    model = kz.target(target)
    assert model.salutation["en"] in text  # type: ignore[index]
    for ask in kz.asks_for(model):
        assert ask.title["en"] in text  # type: ignore[index]
    others = [a for a in kz.asks if a not in kz.asks_for(model)]
    for ask in others:
        assert ask.title["en"] not in text  # type: ignore[index]
    assert text.count("A. Writer") == 2 and "Berlin" in text
    assert "15 January 2026" in text
    sign_offs = kz.variants["sign_off"]  # the campaign's variants of "Yours sincerely,"
    assert any(v["en"] in text for v in sign_offs)  # type: ignore[index]
    assert not re.search(r"[A-Z]{6,}|!!", text)  # no shouting


def test_note_goes_into_that_letter_only(renderer: Renderer) -> None:
    noted = renderer.letter("president", Writer(name="A", city="B", note="My own words."), "en")
    plain = renderer.letter("president", Writer(name="C", city="D"), "en")
    assert "My own words." in noted.text() and "My own words." not in plain.text()


def test_target_language_is_the_default(renderer: Renderer) -> None:
    assert renderer.letter("president").lang == "ru"
    assert renderer.letter("un-high-commissioner").lang == "en"
    assert renderer.letter("president", lang="kk").lang == "kk"


def test_unknown_language_and_target_are_clear_errors(renderer: Renderer) -> None:
    with pytest.raises(AdvocateError, match="has no 'de' text"):
        renderer.letter("president", lang="de")
    with pytest.raises(AdvocateError, match=r"no target 'presidnet'.*did you mean 'president'"):
        renderer.letter("presidnet")


def test_html_is_standalone_and_blocks_remote_loads(renderer: Renderer) -> None:
    html = renderer.html([renderer.letter("president", lang="en")])
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<title>Justice for Kazakhstan" in html


def test_petition_names_only_consenting_signers(renderer: Renderer) -> None:
    signers = [Signer(row=2, name="Public Person", email=None, city="Almaty", country=None,
                      note=None, public=True),
               Signer(row=3, name="Private Person", email="p@example.org", city="Oslo",
                      country=None, note=None, public=False)]
    text = renderer.petition(signers, "en").text()
    assert "Public Person" in text and "Almaty" in text
    assert "Private Person" not in text and "p@example.org" not in text
    assert "2 people have signed this petition; 1 agreed to be named below." in \
        " ".join(text.split())


def test_petition_without_signers_renders_without_a_count(renderer: Renderer) -> None:
    text = renderer.petition(None, "en").text()
    assert "signed this petition" not in text
    assert "We, the undersigned, call on you to:" in text


def test_brief_cites_every_fact_and_lists_every_source(renderer: Renderer, kz: Campaign) -> None:
    text = " ".join(renderer.brief("en").text().split())
    numbers = kz.source_numbers()
    for fact in kz.facts:
        cite = "[" + ", ".join(str(n) for n in sorted({numbers[s] for s in fact.source})) + "]"
        assert f"{' '.join(fact.text['en'].split())} {cite}" in text  # type: ignore[index]
    for source in kz.sources:
        assert source.title in text


def test_hostile_campaign_text_is_data(tmp_path: Path, pack: Path) -> None:
    text = pack.read_text(encoding="utf-8").replace(
        'en: "Keep the internet on"', 'en: "{{ 7*7 }} <script>alert(1)</script> *x* [l](http://e.example)"')
    write(pack, text)
    campaign = load_campaign(pack)
    renderer = Renderer(campaign, day=FIXED_DAY)
    letter = renderer.letter("president", lang="en")
    assert "{{ 7*7 }} <script>alert(1)</script> *x* [l](http://e.example)" in letter.text()
    html = renderer.html([letter])
    assert "{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt; *x* [l](http://e.example)" in \
        html.replace("<wbr>", "")  # break opportunities in the URL, nothing else
    assert "<script>" not in html


def test_templates_beside_the_campaign_override_built_in(tmp_path: Path, pack: Path) -> None:
    write(pack.parent / "templates" / "en" / "letter.md.j2",
          "{% set subject = 'Custom' %}Custom letter to {{ target.name }}\n")
    renderer = Renderer(load_campaign(pack), day=FIXED_DAY)
    assert renderer.letter("president", lang="en").text() == \
        "Custom letter to Kassym-Jomart Tokayev\n\nRef. H2D3D-Q54G5\n"


def test_missing_template_language_is_a_clear_error(tmp_path: Path, pack: Path) -> None:
    text = pack.read_text(encoding="utf-8").replace("  kk:\n    reviewed: false\n",
                                                    "  kk:\n    reviewed: false\n  de: {}\n")
    write(pack, text)
    renderer = Renderer(load_campaign(pack), day=FIXED_DAY)
    with pytest.raises(AdvocateError) as info:
        renderer.letter("president", lang="de")
    assert str(info.value).startswith("no letter template for language 'de'")
