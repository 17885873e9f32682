"""A letter's email forms and its ``mailto:`` link, filled in from the letter's stencil, are
exactly what rewriting and converting the full render gives (render/email_text.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocate.render.document import Document
from advocate.render.documents import Renderer, Writer
from advocate.render.email_text import EMAIL_FORMS, UNWRAPPED, email_form, letter_mailto
from advocate.schema.campaign import Campaign, load_campaign
from advocate.templates.stencil import StencilCache
from advocate.text import markdown as markup
from conftest import FIXED_DAY

ROOT = Path(__file__).resolve().parents[1].parent

# Names, cities and notes in the world's scripts, and values that test escaping and lines.
SCRIPTS = [
    "Nguyễn Văn Anh", "Αλέξανδρος Παππάς", "Қайрат Әбенов", "Արամ Սարգսյան", "محمد الأحمد",
    "דוד כהן", "王小明", "佐藤 花子", "김민준", "अनीता शर्मा", "ஸ்ரீ ராமன்", "สมชาย ใจดี",
    "გიორგი ბერიძე", "አበበ ቢቂላ", "শফিক রহমান", "Zoë Ł. O'Brien-Smith", "Ж. Әлі",
]
TRICKY = [
    "A. Writer", "- dash", "1. one", "# hash", "*star*", "**bold**", "_under_", "[link](x)",
    "a\\b", "<b>", "&amp;", "|pipe|", ":::", "::: sender", "```", "~~", "x" * 90, "\U000f0001",
    "\U000f0010 mark", "  spaced  out  ", "+plus", "=eq", ">quote", "0)", "!", "", "%0D%0A",
    "a@b", "?subject=x&body=y",
]
value = st.one_of(st.sampled_from(SCRIPTS + TRICKY), st.text(max_size=40))
note = st.one_of(value, st.text(max_size=300),
                 st.lists(st.sampled_from(SCRIPTS + TRICKY), min_size=2, max_size=4)
                 .map("\n".join),
                 st.lists(st.sampled_from(SCRIPTS + TRICKY), min_size=2, max_size=3)
                 .map("\n\n".join))
emails = st.sampled_from([None, "", "person@example.org", "ж@пример.рф"])
writers = st.builds(Writer, name=st.none() | value, city=st.none() | value, email=emails,
                    country=st.none() | value, note=st.none() | note,
                    address=st.none() | value)

_RENDERERS: dict[str, tuple[Renderer, Renderer]] = {}


def renderers(campaign: Campaign) -> tuple[Renderer, Renderer]:
    """A renderer that fills letters in from stencils, and one kept fresh for full renders."""
    if campaign.id not in _RENDERERS:
        _RENDERERS[campaign.id] = (Renderer(campaign, day=FIXED_DAY),
                                   Renderer(campaign, day=FIXED_DAY))
    return _RENDERERS[campaign.id]


def both(campaign: Campaign, target: str, writer: Writer | None,
         lang: str | None) -> tuple[Document, Document]:
    """The letter filled in from its stencil, and the same letter rendered in full."""
    stencilled, fresh = renderers(campaign)
    stencilled.letter(target, writer, lang)  # the first of its kind renders in full
    letter = stencilled.letter(target, writer, lang)
    fresh.stencils = StencilCache(fresh.env)
    return letter, fresh.letter(target, writer, lang)


def slow(markdown: str, form: str) -> str:
    """The slow path: rewrite the letter's whole Markdown, convert it whole."""
    return markup.to_text(EMAIL_FORMS[form](markdown), width=UNWRAPPED)


def check(letter: Document, full: Document, to: list[str]) -> None:
    assert letter.filled is not None or letter.writer is None
    assert full.filled is None
    assert letter.markdown == full.markdown
    for form in EMAIL_FORMS:
        expected = slow(full.markdown, form)
        assert email_form(full.markdown, form) == expected
        assert email_form(letter.markdown, form, letter.filled, letter.tail) == expected
        assert email_form(letter.markdown, form, letter.filled, letter.tail,
                          letter.reference) == expected
    assert letter.email_text() == full.email_text()
    assert letter.short_email_text() == full.short_email_text()
    assert letter.short_email_text(facts=True) == full.short_email_text(facts=True)
    assert letter.text() == full.text()
    assert letter_mailto(letter, to) == letter_mailto(full, to)


@pytest.fixture(scope="module")
def campaigns(kz: Campaign) -> dict[str, Campaign]:
    return {"kz": kz, "world": load_campaign(ROOT / "tests/fixtures/world/campaign.yaml"),
            "pack": load_campaign(ROOT / "examples/journalists-az/campaign.yaml")}


CASES = [("kz", t, lang) for t in ("president", "prosecutor-general", "interior-minister",
                                   "un-high-commissioner") for lang in ("en", "ru", "kk")]
CASES += [("world", "minister", None), ("world", "ambassador", None),
          ("world", "minister", "ar")]


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(writer=writers, case=st.sampled_from(CASES))
def test_email_forms_and_links_from_a_stencil_are_the_full_renders(
        campaigns: dict[str, Campaign], writer: Writer, case: tuple[str, str, Any]) -> None:
    name, target, lang = case
    campaign = campaigns[name]
    letter, full = both(campaign, target, writer, lang)
    check(letter, full, [campaign.target(target).email or "x@example.org"])


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(writer=writers)
def test_a_template_packs_email_forms_from_a_stencil_are_the_full_renders(
        campaigns: dict[str, Campaign], writer: Writer) -> None:
    campaign = campaigns["pack"]
    for target in campaign.targets:
        letter, full = both(campaign, target.id, writer, None)
        check(letter, full, [target.email or "x@example.org"])


def test_the_bundled_letters_fill_their_email_forms_in_from_stencils(kz: Campaign) -> None:
    """Not a silent fall back to the slow path: every form of every bundled letter has a
    stencil, and a link that cannot fit is known from the fixed text alone."""
    renderer = Renderer(kz, day=FIXED_DAY)
    writer = Writer(name="A. Writer", city="Berlin", email="a@example.org", country="DE")
    for target in kz.targets:
        for lang in ("en", "ru", "kk"):
            renderer.letter(target.id, writer, lang)
            letter = renderer.letter(target.id, writer, lang)
            assert letter.filled is not None
            for form, rewrite in EMAIL_FORMS.items():
                assert letter.filled.stencil.form(form, rewrite, UNWRAPPED) is not None
                assert letter.email_fixed(form)
    russian = renderer.letter("president", writer, "ru")
    assert letter_mailto(russian, ["p@example.org"])[1] == "subject"


def test_a_value_on_two_lines_takes_the_slow_path_and_agrees(kz: Campaign) -> None:
    writer = Writer(name="A. Writer", city="Berlin", note="First line\n# not a heading")
    letter, full = both(kz, "president", writer, "en")
    assert letter.filled is not None and not letter.filled.one_line_values
    assert letter.filled.form("full", EMAIL_FORMS["full"], UNWRAPPED) is None
    check(letter, full, ["p@example.org"])


def _every_form_tried(letter: Document, to: list[str]) -> tuple[str | None, str]:
    """The slow path of letter_mailto: each form's text made and its link measured."""
    from advocate.render.eml import MAILTO_MAX, mailto_link

    subject = letter.subject or letter.title
    for form, text in (("full", letter.email_text()),
                       ("titles", letter.short_email_text(facts=True)),
                       ("short", letter.short_email_text()), ("subject", "")):
        link = mailto_link(to, subject, text)
        if len(link) <= MAILTO_MAX:
            return link, form
    return None, "none"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(writer=writers, case=st.sampled_from(CASES),
       to=st.sampled_from([[], ["p@example.org"], ["a" * 60 + "@example.org"] * 3]))
def test_a_link_skipped_by_its_shared_text_is_one_that_would_not_fit(
        campaigns: dict[str, Campaign], writer: Writer, case: tuple[str, str, Any],
        to: list[str]) -> None:
    # the shortcut (a form skipped when the link's head and the text every such letter
    # shares are already too long) against making every form and measuring its link
    name, target, lang = case
    stencilled, _ = renderers(campaigns[name])
    stencilled.letter(target, writer, lang)
    letter = stencilled.letter(target, writer, lang)
    expected = _every_form_tried(letter, to)
    again = stencilled.letter(target, writer, lang)  # no form made yet
    assert letter_mailto(again, to) == expected


def test_a_link_that_cannot_fit_is_known_without_making_its_text(kz: Campaign) -> None:
    # With and without variants: a variant's sentence is a value of the stencil, not its
    # fixed text, and the text it gives each form counts towards the link's floor too.
    plain = kz.model_copy(update={"variants": {}})
    plain._document = kz.document
    assert kz.variants, "the bundled campaign has variants: the case this test is about"
    writers = [Writer(name=name, city="Berlin", email="a@example.org", country="DE")
               for name in ("A. Writer", "Б. Автор", "C. Third", "王小明", "محمد الأحمد")]
    for campaign in (plain, kz):
        renderer = Renderer(campaign, day=FIXED_DAY)
        renderer.letter("president", writers[0], "ru")
        variants = set()
        for writer in writers:
            russian = renderer.letter("president", writer, "ru")
            assert letter_mailto(russian, ["p@example.org"])[1] == "subject"
            assert not russian._emails  # no email form was made to find that out
            variants.add(russian.email_variant_text("full"))
        assert len(variants) > 1 if campaign is kz else variants == {()}


def test_a_forms_variant_measure_kept_by_variants_is_the_sum_over_its_runs(
        kz: Campaign) -> None:
    # the measure is kept by the values the varied blocks print: letters from 400 rows (many
    # combinations of variants, several sharing each) against summing each letter's runs
    from advocate.render.email_text import _encoded_length

    renderer = Renderer(kz, day=FIXED_DAY)
    seen: dict[tuple[str, str], set[int]] = {}
    for row in range(1, 401):
        writer = Writer(name=f"Person {row}", city="Berlin", country="DE", row=row,
                        email=f"p{row}@example.org")
        for target, lang in (("president", "ru"), ("un-high-commissioner", "en")):
            letter = renderer.letter(target, writer, lang)
            if letter.filled is None:
                continue
            for form in ("full", "titles", "short"):
                expected = sum(map(_encoded_length, letter.email_variant_text(form)))
                assert letter.email_variant_measure(form, _encoded_length) == expected
                seen.setdefault((target, form), set()).add(expected)
    assert any(len(values) > 1 for values in seen.values())  # variants that differ


def test_a_writers_letters_in_turn_to_every_target_and_language_are_each_the_full_render(
        campaigns: dict[str, Campaign]) -> None:
    # The renderer keeps the last writer's views (per language, its country code named in
    # that language): one writer's letters in turn, then another's and back, each against
    # a renderer that keeps nothing.
    kz = campaigns["kz"]
    listed = [Writer(name=f"Person {i}", city="Almaty", country=code, email=f"p{i}@example.org",
                     note=note, row=i, from_list=True)
              for i, (code, note) in enumerate([("KZ", None), ("DE", "*note*"), ("PE", "")], 1)]
    renderer = Renderer(kz, day=FIXED_DAY)
    order = [listed[0], listed[0], listed[1], listed[0], listed[2], listed[2]]
    for writer in order:
        for target in kz.targets:
            for lang in ("ru", "en", "kk", None):
                letter = renderer.letter(target.id, writer, lang)
                fresh = Renderer(kz, day=FIXED_DAY)
                full = fresh.letter(target.id, writer, lang)
                assert letter.markdown == full.markdown
                assert letter.context["writer"] == full.context["writer"]
                assert letter.text() == full.text()
                assert renderer.eml(letter) == fresh.eml(full)
    countries = {renderer.letter("president", listed[1], lang).context["writer"]["country"]
                 for lang in ("ru", "en")}
    assert len(countries) == 2  # "DE" named in each language: the views are per language
    first, second = (renderer.letter("president", listed[1], "ru") for _ in range(2))
    assert first.context["writer"] is not second.context["writer"]  # each letter's own
