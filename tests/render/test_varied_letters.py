"""Letters not all alike, rendered: the stencil path is the full render, every format shows
the letter's own variants, and letters to one target differ."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.templates.stencil import StencilCache
from campaign_fixtures import CAMPAIGN_FIXTURES
from conftest import FIXED_DAY
from helpers import write

VARIED = CAMPAIGN_FIXTURES / "varied.yaml"  # a campaign with variants:, in English and Arabic
BASE, _, _rest = VARIED.read_text(encoding="utf-8").partition("variants:\n")
VARIANTS = "variants:\n" + _rest
N = BASE.count("\n")  # the line before "variants:"


@pytest.fixture
def varied(tmp_path: Path) -> Campaign:
    return load_campaign(write(tmp_path / "varied.yaml", BASE + VARIANTS))


def test_the_bundled_campaign_has_enough_combinations_for_every_target(kz: Campaign) -> None:
    renderer = Renderer(kz, day=FIXED_DAY)
    for target in kz.targets:
        for lang in kz.languages:
            context = renderer._letter_context(target.id, None, lang)[1]
            assert renderer.variants.combinations(target.id, lang, context) >= 10_000


def test_letters_to_one_target_have_distinct_bodies(kz: Campaign) -> None:
    renderer = Renderer(kz, day=FIXED_DAY)
    own = re.compile(r"::: (?:sender|signature|reference)\n.*?\n:::\n", re.DOTALL)
    bodies = {own.sub("", renderer.letter("president", Writer(name=f"P {row}", city="Oslo",
                                                               row=row)).markdown)
              for row in range(1, 1001)}
    assert len(bodies) == 1000


def full_letter(campaign: Campaign, target: str, writer: Writer | None, lang: str) -> str:
    fresh = Renderer(campaign, day=FIXED_DAY)
    fresh.stencils = StencilCache(fresh.env)
    return fresh.letter(target, writer, lang).markdown


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_stencilled_varied_letters_are_the_full_render(varied: Campaign, lang: str) -> None:
    renderer = Renderer(varied, day=FIXED_DAY)
    seen = set()
    for row in range(1, 25):
        for target in ("minister", "envoy"):
            writer = Writer(name=f"N. {row} *x*", city="الرباط" if row % 2 else "Oslo",
                            row=row, note="1. A note" if row % 3 == 0 else None)
            renderer.letter(target, writer, lang)
            letter = renderer.letter(target, writer, lang)
            assert letter.filled is not None  # the stencil path
            assert letter.markdown == full_letter(varied, target, writer, lang)
            assert letter.text() == Renderer(varied, day=FIXED_DAY).letter(
                target, writer, lang).text()
            seen.add(letter.markdown.split("::: facts\n")[1][:60])
    assert len(seen) >= 6


def test_variant_text_is_escaped_and_its_placeholders_filled(varied: Campaign) -> None:
    renderer = Renderer(varied, day=FIXED_DAY)
    texts = [renderer.letter("minister", Writer(name="A", row=row), "en").markdown
             for row in range(1, 40)]
    joined = "\n".join(texts)
    assert "As The Publisher reported, Free them matters \\*now\\*." in joined
    assert "Free them matters, The Publisher says \\[1\\]." in joined
    assert "I write to you, The Minister, about A long campaign title" in joined
    assert "{target}" not in joined and "press the authorities" not in joined


def test_a_slot_a_target_never_prints_takes_no_share_of_the_choice(varied: Campaign) -> None:
    renderer = Renderer(varied, day=FIXED_DAY)
    context = renderer._letter_context("minister", None, "en")[1]
    assert renderer.variants.used("minister", "en", context) == (
        "opening", "urge", "sign_off", "closing")
    assert renderer.variants.combinations("minister", "en", context) == 3 * 4 * 2 * 2
    context = renderer._letter_context("envoy", None, "en")[1]
    assert "press" in renderer.variants.used("envoy", "en", context)
    assert "urge" not in renderer.variants.used("envoy", "en", context)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_every_format_shows_the_letters_own_variants(kz: Campaign, tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser
    from urllib.parse import unquote

    from pypdf import PdfReader

    from advocate.render.email_text import letter_mailto

    renderer = Renderer(kz, day=FIXED_DAY)
    letters = [renderer.letter("un-high-commissioner", Writer(name=f"W {row}", city="Oslo",
                                                              row=row)) for row in (3, 4)]
    picked = [dict(letter.context["variants"]) for letter in letters]
    assert picked[0] != picked[1]
    for letter, chosen in zip(letters, picked, strict=True):
        others = {s: t for s, t in picked[1 - letters.index(letter)].items()
                  if t != chosen[s]}
        wanted = [chosen["opening"], chosen["press"], chosen["thanks"], chosen["sign_off"]]
        draft = BytesParser(policy=policy.default).parsebytes(renderer.eml(letter))
        link = letter_mailto(letter, ["hc@example.org"])[0]
        assert link is not None
        pdf = renderer.pdf([letter])
        (tmp_path / f"letter-{letter.writer_row}.pdf").write_bytes(pdf)
        shown = {"txt": renderer.format([letter], "txt"),
                 "md": renderer.format([letter], "md"),
                 "html": renderer.html([letter]),
                 "eml": draft.get_content(),
                 "mailto": unquote(link),
                 "pdf": "".join(page.extract_text() for page in PdfReader(
                     tmp_path / f"letter-{letter.writer_row}.pdf").pages)}
        for fmt, text in shown.items():
            for variant in wanted:
                assert _squash(variant) in _squash(text), (fmt, variant)
            for other in others.values():  # the other letter's wording is not here
                assert _squash(other) not in _squash(text), (fmt, other)
