"""The fit loop's shortcut (render/page_fit.py): a letter that skips the fit levels its kind
is known to run over at has the PDF that trying every level in turn gives."""

from __future__ import annotations

from typing import Any

import pytest

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from campaign_fixtures import CAMPAIGN_FIXTURES
from conftest import FIXED_DAY
from helpers import write

NOTE = "I followed the events of January 2022 closely."


def _letters(renderer: Renderer, rows: range, numbered: bool) -> list[bytes]:
    out = []
    for row in rows:  # a signer row chooses the variants, else the writer's name does
        writer = Writer(name=f"Person {row}", email=f"person{row}@example.org", city="Berlin",
                        country="DE", note=NOTE, row=row if numbered else None)
        letter = renderer.letter("interior-minister", writer)
        out.append(renderer.pdf_result([letter]).data)
    return out


@pytest.mark.parametrize("numbered", [True, False])
@pytest.mark.parametrize("rows", [range(5, 51, 5), range(50, 4, -5)])
def test_letters_with_different_variants_skip_only_levels_their_own_text_runs_over(
        kz: Campaign, rows: range, numbered: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each writer's letter has its own variants (sentences of different lengths): what one
    # letter of a kind taught the loop must not decide another's level. The slow path tries
    # every level in turn. (Before the fix, -j 1 and -j 2 builds differed in rows 15, 25, 45.)
    quick = Renderer(kz, day=FIXED_DAY)
    slow = Renderer(kz, day=FIXED_DAY)

    def never(*args: Any, **kwargs: Any) -> bool:
        return False

    monkeypatch.setattr(slow.fit, "overflows_anyway", never)
    learnt = _letters(quick, rows, numbered)
    assert quick.fit._least_overflows, "the shortcut was asked: the case this test is about"
    assert learnt == _letters(slow, rows, numbered)


VARIED = CAMPAIGN_FIXTURES / "varied.yaml"  # English and Arabic, with variants
_ASK_AR = "نطالب بالإفراج الفوري وغير المشروط عن جميع الصحفيين المحتجزين بسبب عملهم السلمي. "
_ASK_EN = ("We call for the immediate and unconditional release of every journalist held "
           "for peaceful work. ")
_NOTE_AR = "ملاحظة طويلة عن الاحتجاز والقلق الشديد على سلامة الصحفيين. "


@pytest.fixture(scope="module")
def long_arabic(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    """The varied campaign with an ask long enough that its Arabic letters to the envoy run
    over at the loosest fit level whatever the writer, and over the next level too when the
    writer's note is long (measured: notes of up to 4 sentences fit at level 1, of 5 or
    more do not)."""
    text = VARIED.read_text(encoding="utf-8").replace(
        "text: {en: Free them all., ar: نص}",
        f"text: {{en: '{_ASK_EN * 29}', ar: '{_ASK_AR * 29}'}}")
    return load_campaign(write(tmp_path_factory.mktemp("long") / "long.yaml", text))


def _pdfs(renderer: Renderer, target: str, lang: str, writers: list[Writer]) -> list[bytes]:
    return [renderer.pdf_result([renderer.letter(target, w, lang)]).data for w in writers]


@pytest.mark.parametrize("longest_first", [False, True])
def test_letters_skip_the_levels_every_letter_of_their_kind_runs_over_whatever_its_variants(
        long_arabic: Campaign, kz: Campaign, longest_first: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The shortcut's least letter cuts the writer's values and the variants alike, so one
    # answer holds for every letter of a target, language and shape: the right-to-left
    # letters here skip their first level and lay out the second themselves (short notes
    # fit there, long ones do not); the bundled campaign's Russian letters to the president
    # skip two. Each is the PDF trying every level in turn gives.
    notes = [_NOTE_AR * n for n in (1, 2, 9, 10)]
    cases = [(long_arabic, "envoy", "ar", [Writer(name="سارة", city="القاهرة", note=note,
                                                  row=row) for row, note in enumerate(notes, 1)]),
             (kz, "president", "ru", [Writer(name=f"Person {row}", city="Berlin", note=NOTE,
                                             row=row) for row in range(1, 6)])]
    for campaign, target, lang, writers in cases:
        writers = writers[::-1] if longest_first else writers
        quick = Renderer(campaign, day=FIXED_DAY)
        slow = Renderer(campaign, day=FIXED_DAY)

        def never(*args: Any, **kwargs: Any) -> bool:
            return False

        monkeypatch.setattr(slow.fit, "overflows_anyway", never)
        learnt = _pdfs(quick, target, lang, writers)
        assert True in quick.fit._least_overflows.values(), "a level was skipped"
        assert learnt == _pdfs(slow, target, lang, writers)
        if lang == "ar":  # and the next level was the letters' own to lay out
            assert False in quick.fit._least_overflows.values()
