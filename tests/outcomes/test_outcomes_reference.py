"""Every letter carries a short reference: stable, in every format, never from personal data."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from advocate.reference import letter_reference, normalise_reference
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.text import markdown as markup

Run = Callable[..., Result]
WORLD = Path(__file__).parents[1] / "fixtures" / "world"
REF = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")


def test_a_reference_is_ten_base32_characters_from_campaign_target_and_row() -> None:
    first = letter_reference("kazakhstan-2022", "president", 1)
    assert REF.fullmatch(first)
    assert first == letter_reference("kazakhstan-2022", "president", 1)  # stable
    others = {letter_reference("kazakhstan-2022", "president", 2),
              letter_reference("kazakhstan-2022", "prosecutor-general", 1),
              letter_reference("free-press-world", "president", 1)}
    assert first not in others and len(others) == 3
    # a single letter (no row) is row 0
    assert letter_reference("x", "t", None) == letter_reference("x", "t", 0)


def test_references_do_not_clash_over_a_hundred_thousand_letters() -> None:
    refs = {letter_reference("c", f"t{t}", row) for t in range(4) for row in range(25_000)}
    assert len(refs) == 100_000


def _reference_the_long_way(campaign_id: str, target_id: str, row: int | None) -> str:
    """The reference as the module first computed it: hmac.new, bit by bit."""
    import hashlib
    import hmac

    message = f"{campaign_id}\x00{target_id}\x00{row or 0}".encode()
    digest = hmac.new(b"advocate letter reference v1", message, hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big") >> (64 - 50)
    chars = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(value >> shift) & 31]
                    for shift in range(45, -1, -5))
    return f"{chars[:5]}-{chars[5:]}"


def test_the_kept_fast_reference_is_the_long_ways_reference() -> None:
    # the shortcut (one C call, the last few kept) against the plain computation, asked in
    # the order a build asks (each letter three times) and out of it
    cases = [("kazakhstan-2022", t, row) for row in (None, 0, 1, 2, 99_999, 10**9)
             for t in ("president", "prosecutor-general", "Ünïcode-цель", "")]
    for case in [*cases, *reversed(cases), *cases]:
        assert letter_reference(*case) == _reference_the_long_way(*case)


@pytest.mark.parametrize(("typed", "expected"), [
    ("h2d3d-q54g5", "H2D3D-Q54G5"),
    ("H2D3DQ54G5", "H2D3D-Q54G5"),
    (" h2d3d q54g5 ", "H2D3D-Q54G5"),
    ("oilo0-11111", "01100-11111"),
])
def test_a_typed_reference_is_read_as_crockford_base32(typed: str, expected: str) -> None:
    assert normalise_reference(typed) == expected


@pytest.mark.parametrize("typed", ["", "H2D3D-Q54G", "H2D3D-Q54G5X", "H2D3D-Q54GU", "é2D3D-Q54G5"])
def test_what_is_not_a_reference_is_refused(typed: str) -> None:
    assert normalise_reference(typed) is None


def test_the_reference_depends_on_the_row_never_on_the_writer(kz: Campaign) -> None:
    renderer = Renderer(kz)
    one = renderer.letter("president", Writer("Aigerim S.", "Berlin", row=7), "en")
    other = renderer.letter("president", Writer("Someone Else", "Paris", row=7), "en")
    assert one.reference == other.reference == letter_reference(kz.id, "president", 7)
    assert renderer.letter("president", Writer("Aigerim S.", "Berlin", row=8),
                           "en").reference != one.reference


def test_the_reference_is_at_the_foot_of_every_format(kz: Campaign) -> None:
    renderer = Renderer(kz)
    letter = renderer.letter("prosecutor-general", Writer("A. Writer", "Berlin", row=3,
                                                          email="a@example.org"), "en")
    ref = letter_reference(kz.id, "prosecutor-general", 3)
    assert letter.text().rstrip().endswith(f"Ref. {ref}")
    assert letter.markdown.rstrip().endswith(f"::: reference\nRef. {ref}\n:::")
    assert f'<div class="reference">\n<p>Ref. {ref}</p>' in renderer.format([letter], "html")
    eml = renderer.eml(letter)
    assert f"\r\nX-Advocate-Reference: {ref}\r\n".encode() in eml
    assert f"Ref. {ref}".encode() in eml.split(b"\r\n\r\n", 1)[1]


def test_a_letter_from_a_stencil_has_the_text_of_a_full_render(kz: Campaign) -> None:
    renderer = Renderer(kz)
    letters = [renderer.letter("president", Writer(f"Writer {i}", "Almaty", row=i), "en")
               for i in range(1, 5)]
    assert renderer.stencils.made  # the later letters were filled in
    for letter in letters:
        assert letter.text() == markup.to_text(letter.markdown)
        assert letter.text().rstrip().endswith(f"Ref. {letter.reference}")


def test_a_right_to_left_letter_carries_its_reference() -> None:
    world = load_campaign(WORLD / "campaign.yaml")
    letter = Renderer(world).letter("ambassador", Writer("Nguyễn Văn Anh", "Hà Nội", row=1))
    assert letter.lang == "ar"
    assert letter.text().rstrip().endswith(
        f"Ref. {letter_reference('free-press-world', 'ambassador', 1)}")


def test_the_pdf_letter_prints_its_reference(kz: Campaign, tmp_path: Path) -> None:
    renderer = Renderer(kz)
    letter = renderer.letter("president", Writer("A. Writer", "Berlin", row=2), "en")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(renderer.pdf([letter]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Ref. {letter.reference}" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)  # still one page


def test_the_manifest_and_the_index_list_each_letters_reference(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", str(WORLD / "campaign.yaml"), "--signers",
                 str(WORLD / "signers.csv"), "-o", str(out), "--formats", "txt,eml")
    assert result.exit_code == 0, result.stderr
    folder = out / "free-press-world"
    manifest = json.loads((folder / "manifest.json").read_text())
    letters = [f for f in manifest["files"] if f["kind"] == "letter"]
    assert letters and all(f["reference"] == letter_reference(
        "free-press-world", f["target"], f["signer_row"]) for f in letters)
    assert all(f["reference"] is None for f in manifest["files"] if f["kind"] != "letter")
    for entry in letters:
        data = (folder / entry["path"]).read_text(encoding="utf-8")
        assert f"Ref. {entry['reference']}" in data
        if entry["format"] == "eml":
            assert f"X-Advocate-Reference: {entry['reference']}" in data
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f"<code>{f['reference']}</code>" in index for f in letters)


def test_the_single_letter_command_prints_row_zeros_reference(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer",
                 "--city", "Berlin", "--lang", "en")
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith(
        f"Ref. {letter_reference('kazakhstan-2022', 'president', 0)}")
