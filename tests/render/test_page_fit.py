"""The fit loop's shortcut (render/page_fit.py): a letter that skips the fit levels its kind
is known to run over at has the PDF that trying every level in turn gives."""

from __future__ import annotations

from typing import Any

import pytest

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign
from conftest import FIXED_DAY

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
