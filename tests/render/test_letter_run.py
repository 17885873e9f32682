"""What ``advocate letter`` does, called as a library (render/letter_run.py), and the pieces
the command line hands it: a signer list read by its SignerSource, and the font check of
a list read as a stream (render/signer_fonts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocate.campaigns import resolve_campaign
from advocate.errors import AdvocateError, Problem
from advocate.render.letter_run import LetterOptions, write_letters
from advocate.render.signer_fonts import font_problems_for, streamed_font_problems
from advocate.render.writer import Writer
from advocate.signers.compact import PetitionSigners
from advocate.signers.source import SignerSource
from conftest import FIXED_DAY

GOLDEN = Path(__file__).parents[1] / "golden"
WORLD = Path(__file__).parents[1] / "fixtures" / "world" / "campaign.yaml"


def _said() -> tuple[list[Problem], object]:
    said: list[Problem] = []
    return said, said.extend


def test_one_writers_letter_is_the_golden_letter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVOCATE_NO_CACHE", "1")
    said, warn = _said()
    kz = resolve_campaign("kazakhstan-2022")
    made = write_letters(LetterOptions(kz, to="president", lang="en", day=FIXED_DAY,
                                       writer=Writer(name="A. Writer", city="Berlin")), warn)
    assert made.data == (GOLDEN / "letter-president-en.txt").read_text(encoding="utf-8")
    assert made.inputs == [kz, None]
    assert said == []
    made.keep()  # the cache is off: nothing kept, nothing refused


def test_a_letter_from_each_signer_in_any_script(tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name,email,city\n王小明,xm@example.org,北京\n"
                       "ليلى حسن,layla@example.org,القاهرة\nAna Souza,ana@example.org,Recife\n",
                       encoding="utf-8")
    _, warn = _said()
    made = write_letters(LetterOptions(WORLD, to="ambassador", fmt="md", day=FIXED_DAY,
                                       signers=SignerSource(signers)), warn)
    assert isinstance(made.data, str)
    for name in ("王小明", "ليلى حسن", "Ana Souza"):
        assert made.data.count(name) >= 1, name
    assert made.inputs == [WORLD, signers]


def test_an_unknown_target_is_refused_before_the_signer_list_is_read(tmp_path: Path) -> None:
    _, warn = _said()
    with pytest.raises(AdvocateError, match="nobody"):  # not the missing list's error
        write_letters(LetterOptions(WORLD, to="nobody", signers=SignerSource(
            tmp_path / "not-there.csv")), warn)


def test_a_signer_source_reads_compact_rows_and_names_skipped_rows_without_content(
        tmp_path: Path) -> None:
    path = tmp_path / "signers.csv"
    path.write_text("name,email,public\nAna Souza,ana@example.org,yes\n"
                    "Secret Person,not-an-email,yes\nBo Li,bo@example.org,no\n",
                    encoding="utf-8")
    rows, notices, skipped = SignerSource(path, on_bad_row="skip").rows(compact=True)
    assert isinstance(rows, PetitionSigners)
    assert len(rows) == 2
    assert [p.severity for p in skipped] and all(p.severity == "warning" for p in skipped)
    text = " ".join(f"{p.message} {p.hint}" for p in [*notices, *skipped])
    assert "row 2" in text or "row 3" in text
    assert "Secret" not in text and "not-an-email" not in text
    with pytest.raises(AdvocateError, match="email"):
        SignerSource(path).rows()


def test_a_list_checked_in_chunks_finds_what_the_whole_list_finds(tmp_path: Path) -> None:
    path = tmp_path / "signers.csv"
    path.write_text("name,email,city\nAna Souza,ana@example.org,Recife\n"
                    "សុខ ដារ៉ា,b@example.org,ភ្នំពេញ\nBo Li,bo@example.org,Oslo\n"
                    "ជ ជ,c@example.org,ភ្នំពេញ\n", encoding="utf-8")
    rows, _, _ = SignerSource(path).rows()
    whole = font_problems_for(rows, [WORLD])
    assert whole and any(p.severity == "error" for p in whole)
    for chunk in (1, 2, 3, 10_000):
        assert streamed_font_problems(SignerSource(path).reader(), [WORLD], chunk=chunk) \
            == whole, chunk
