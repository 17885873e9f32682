"""A petition's compact list is read without a Signer per row (``petition_rows``): the same
signers, rows, lines, problems and counts as reading Signers and packing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advocate.errors import AdvocateError
from advocate.signers.compact import PetitionSigners
from advocate.signers.read import SignerReader

MIXED = """name,email,city,country,public,note
Anna Schmidt,anna@example.org,Berlin,DE,yes,
  Zoë  Ivanova ,ZOE@Example.ORG,Москва,RU,Да,a note
محمد علي,m@example.org,القاهرة,EG,no,
Li Wei,li@例え.jp,東京,JP,"Sí, muéstrenlo",

José Garcia,jose@example.org,,MX,yes,
Anna Again,anna@example.org,Berlin,DE,yes,
Kwame Mensah,,Accra,GH,yes,
"""

BAD = MIXED + """,nobody@example.org,Lagos,NG,yes,
Bad Email,not-an-email,Lagos,NG,yes,
Odd Consent,odd@example.org,Lagos,NG,perhaps,
"""


def _packed(path: Path, **options: Any) -> PetitionSigners:
    return PetitionSigners(list(SignerReader(path, **options)))


def _compact(path: Path, **options: Any) -> PetitionSigners:
    reader = SignerReader(path, **options)
    compact = PetitionSigners.of(reader)
    compact.stats = reader.stats  # type: ignore[attr-defined]  # (compared below)
    return compact


def _same(ours: PetitionSigners, theirs: PetitionSigners) -> None:
    assert len(ours) == len(theirs) and ours.named == theirs.named
    assert list(ours) == list(theirs)  # row, line, file, name, city, country, consent
    assert list(ours.named_pairs()) == list(theirs.named_pairs())
    assert ours.named_characters == theirs.named_characters


@pytest.mark.parametrize("options", [
    {"dedupe": "first"},
    {"dedupe": "first", "languages": ["es", "ru"]},
    {"dedupe": "first", "on_bad_row": "skip", "languages": ["es", "ru"]},
])
def test_a_compact_read_keeps_what_a_read_of_signers_keeps(tmp_path: Path,
                                                           options: dict[str, Any]) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(BAD if options.get("on_bad_row") else MIXED, encoding="utf-8")
    compact = _compact(path, **options)
    reader = SignerReader(path, **options)
    packed = PetitionSigners.of(list(reader))  # a plain iterable: Signers, packed
    packed_again = _packed(path, **options)
    _same(compact, packed)
    _same(compact, packed_again)
    stats = compact.stats  # type: ignore[attr-defined]
    assert compact.dropped == 1 == stats.duplicates
    assert (stats.rows, stats.signers, stats.public) == (
        reader.stats.rows, reader.stats.signers, reader.stats.public)
    assert stats.skipped_count == reader.stats.skipped_count
    assert [s.row for s in compact] == [s.row for s in reader]
    named = [s for s in compact if s.public]
    assert named[0].name == "Anna Schmidt" and named[0].line == 2
    assert named[1].name == "Zoë  Ivanova" and named[1].city == "Москва"  # trimmed, as read
    assert all(s.email is None and s.note is None for s in compact)  # never kept


@pytest.mark.parametrize("dedupe", ["error", "first"])
def test_a_compact_read_says_the_same_problems(tmp_path: Path, dedupe: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(AdvocateError) as compact:
        PetitionSigners.of(SignerReader(path, dedupe=dedupe))  # type: ignore[arg-type]
    with pytest.raises(AdvocateError) as packed:
        _packed(path, dedupe=dedupe)
    assert compact.value.problems == packed.value.problems
    said = " ".join(p.message for p in compact.value.problems)
    assert "invalid email" in said and "'public'" in said and "empty name" in said
    assert ("have the same email" in said) == (dedupe == "error")


def test_a_compact_read_of_a_yaml_list_and_split_names(tmp_path: Path) -> None:
    listed = tmp_path / "signers.yaml"
    listed.write_text("- {name: Ana Silva, email: ana@example.org, city: Porto, public: yes}\n"
                      "- {name: Bo Li, email: bo@example.org, public: no}\n",
                      encoding="utf-8")
    _same(_compact(listed), _packed(listed))
    split = tmp_path / "split.csv"
    split.write_text("First Name,Last Name,Email,City,Public\n"
                     "Aigerim,Nurlanovna,a@example.org,Almaty,yes\n"
                     "Chidi,Okafor,c@example.org,Lagos,yes\n", encoding="utf-8")
    columns = {"name": ["First Name", "Last Name"], "email": "Email", "city": "City",
               "public": "Public"}
    compact = _compact(split, columns=columns)
    _same(compact, _packed(split, columns=columns))
    assert list(compact.named_pairs()) == [("Aigerim Nurlanovna", "Almaty"),
                                           ("Chidi Okafor", "Lagos")]
