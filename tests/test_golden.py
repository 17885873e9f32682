"""Golden files: the bundled campaign's documents, compared whole.
Regenerate after an intended change with `make golden` (pytest --update-golden)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign
from advocate.signers import read_signers
from conftest import FIXED_DAY

SIGNERS = Path(__file__).parent / "fixtures" / "signers" / "valid.csv"
TARGETS = ["president", "prosecutor-general", "interior-minister", "un-high-commissioner"]
LANGS = ["en", "ru", "kk"]


@pytest.fixture(scope="module")
def renderer(kz: Campaign) -> Renderer:
    return Renderer(kz, day=FIXED_DAY)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("target", TARGETS)
def test_letter_txt(renderer: Renderer, golden: Callable[[str, str], None], target: str,
                    lang: str) -> None:
    letter = renderer.letter(target, Writer(name="A. Writer", city="Berlin"), lang)
    golden(f"letter-{target}-{lang}.txt", renderer.format([letter], "txt"))


def test_letter_with_note_md(renderer: Renderer, golden: Callable[[str, str], None]) -> None:
    writer = Writer(name="Jörg Brandt", city="Berlin", email="joerg@example.org", country="DE",
                    note="I was in Almaty in 2022 and saw the protests myself.")
    letter = renderer.letter("un-high-commissioner", writer, "en")
    golden("letter-un-high-commissioner-note-en.md", renderer.format([letter], "md"))


def test_fill_in_letter_txt(renderer: Renderer, golden: Callable[[str, str], None]) -> None:
    golden("letter-prosecutor-general-blank-en.txt",
           renderer.format([renderer.letter("prosecutor-general", None, "en")], "txt"))


def test_letter_html(renderer: Renderer, golden: Callable[[str, str], None]) -> None:
    letter = renderer.letter("president", Writer(name="A. Writer", city="Berlin"), "en")
    golden("letter-president-en.html", renderer.html([letter]))


@pytest.mark.parametrize("lang", LANGS)
def test_petition_md(renderer: Renderer, golden: Callable[[str, str], None], lang: str) -> None:
    petition = renderer.petition(read_signers(SIGNERS), lang)
    golden(f"petition-{lang}.md", renderer.format([petition], "md"))


def test_petition_without_signers_txt(renderer: Renderer,
                                      golden: Callable[[str, str], None]) -> None:
    golden("petition-unsigned-en.txt", renderer.format([renderer.petition(None, "en")], "txt"))


@pytest.mark.parametrize("lang", LANGS)
def test_sheet_md(renderer: Renderer, golden: Callable[[str, str], None], lang: str) -> None:
    golden(f"sheet-{lang}.md", renderer.format([renderer.sheet(lang)], "md"))


@pytest.mark.parametrize("lang", LANGS)
def test_brief_md(renderer: Renderer, golden: Callable[[str, str], None], lang: str) -> None:
    golden(f"brief-{lang}.md", renderer.format([renderer.brief(lang)], "md"))
