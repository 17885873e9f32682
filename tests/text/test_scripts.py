"""Every name in every script (issue 11): letters and petitions in each covered script,
read back from the PDF with pypdf and poppler's pdftotext, every font embedded (pdffonts),
mixed directions, right-to-left layouts, CJK line breaks, a pack's own font, and the
one-pass refusal of what no font draws."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import Result

from advocate.build import BuildOptions, build
from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.render.pdf import fonts
from advocate.schema.campaign import Campaign, load_campaign
from advocate.signers import Signer, read_signers
from advocate.text.bidi import FSI, PDI, direction, isolate
from conftest import FIXED_DAY
from helpers import snapshot, write

WORLD = Path(__file__).parents[1] / "fixtures" / "world"
KHMER_FONT = Path(__file__).parents[1] / "fixtures" / "fonts" / "KhmerSubset.ttf"
SRC = Path(__file__).parents[2] / "src"

# One name per script (and Persian and Urdu letters), with the script's name. The names are
# chosen so that both extractors give them back in logical order (see docs/fonts.md).
NAMES = {
    "Latin (Vietnamese)": ("Nguyễn Văn Anh", "Hà Nội"),
    "Greek": ("Αλέξανδρος Παππάς", "Αθήνα"),
    "Cyrillic (Kazakh)": ("Қайрат Әбенов", "Алматы"),
    "Armenian": ("Արամ Սարգսյան", "Երևան"),
    "Georgian": ("ნინო ბერიძე", "თბილისი"),
    "Hebrew": ("דוד כהן", "חיפה"),
    "Arabic": ("محمد علي", "القاهرة"),
    "Persian": ("پرویز رضایی", "تهران"),
    "Urdu": ("عمران ٹھاکر", "لاہور"),
    "Devanagari": ("राम कुमार", "दिल्ली"),
    "Bengali": ("রবি দাস", "ঢাকা"),
    "Tamil": ("முருகன் ராஜா", "தஞ்சாவூர்"),
    "Thai": ("สมชาย ใจดี", "กรุงเทพ"),
    "Ethiopic": ("አበበ ቢቂላ", "አዲስ አበባ"),
    "Chinese (simplified)": ("王小明", "北京"),
    "Chinese (traditional)": ("陳大文", "香港"),
    "Japanese": ("山田太郎", "東京"),
    "Korean": ("김민준", "서울"),
}
# pdftotext splits a few Indic clusters (a virama, a vowel sign) off with a space or a
# newline, and pypdf gives Devanagari's i-sign in visual order: compare letters only.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                  "\u2066\u2067\u2068\u2069"))


def letters_only(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(BIDI_CONTROLS))
    return "".join(c for c in text if not c.isspace())


def found(name: str, text: str) -> bool:
    return letters_only(name) in letters_only(text)


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def poppler_text(pdf: bytes, tmp_path: Path, *extra: str) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", *extra, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


@pytest.fixture(scope="module")
def world() -> Campaign:
    return load_campaign(WORLD / "campaign.yaml")


@pytest.fixture(scope="module")
def renderer(world: Campaign) -> Renderer:
    return Renderer(world, day=FIXED_DAY)


def signer(row: int, name: str, city: str, note: str | None = None) -> Writer:
    return Writer(name=name, city=city, email=f"p{row}@example.org", note=note, row=row)


# ------------------------------------------------------------------ the fonts


def test_every_covered_script_is_drawn_by_both_stacks() -> None:
    for script, (name, city) in NAMES.items():
        assert fonts.undrawable(name + city) == [], script
        assert fonts.missing_glyphs(name + city, "serif") == set(), script
        assert fonts.missing_glyphs(name + city, "sans") == set(), script
    assert len(fonts.COVERED_SCRIPTS) == 15


def test_script_names_and_symbols() -> None:
    assert [(u.char, u.script) for u in fonts.undrawable("ok ខ 😀")] == [
        ("ខ", "Khmer"), ("😀", None)]
    assert fonts.undrawable("བོད་") and all(u.script == "Tibetan"
                                            for u in fonts.undrawable("བོད་"))
    assert fonts.undrawable("★ ✓ ☮ ♥ → ☎") == []  # the symbol fonts draw these
    assert fonts.undrawable("\ufe0f\u200d\u2068x\u2069") == []  # invisible marks


def test_every_bundled_font_is_ofl_and_declared() -> None:
    files = fonts.bundled_font_files()
    folder = files[0].parent
    assert {p.name for p in files} == {p.name for p in folder.iterdir()
                                       if p.suffix in (".ttf", ".otf")}
    licence = (folder / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in licence and "PREAMBLE" in licence
    assert "Adobe" in licence and "Google" in licence
    listed = (folder / "FONTS.md").read_text(encoding="utf-8")
    assert all(p.name in listed for p in files)


# ---------------------------------------------------------- letters and petitions


@pytest.mark.parametrize("script", list(NAMES))
def test_a_letter_in_english_carries_the_name(renderer: Renderer, script: str,
                                              tmp_path: Path) -> None:
    name, city = NAMES[script]
    document = renderer.letter("minister", signer(1, name, city))
    result = renderer.pdf_result([document])
    pdf = result.data
    assert result.pages == 1
    for text in (pypdf_text(pdf), poppler_text(pdf, tmp_path)):
        assert found(name, text) and found(city, text), script
    rows = pdffonts(pdf, tmp_path)
    assert rows and all(row[-5:-3] == ["yes", "yes"] for row in rows)  # embedded, subset
    assert all(re.fullmatch(r"[A-Z]{6}\+Advocate-[A-Za-z-]+", row[0]) for row in rows)


def test_the_petition_names_everyone_in_every_script(renderer: Renderer,
                                                     tmp_path: Path) -> None:
    signers = [Signer(row=i, name=name, email=f"p{i}@example.org", city=city, public=True)
               for i, (name, city) in enumerate(NAMES.values(), 1)]
    pdf = renderer.pdf([renderer.petition(signers, "en")])
    texts = (pypdf_text(pdf), poppler_text(pdf, tmp_path))
    for script, (name, city) in NAMES.items():
        assert all(found(name, t) and found(city, t) for t in texts), script
    families = {row[0].split("+", 1)[1] for row in pdffonts(pdf, tmp_path)}
    for script in ("Arabic", "Hebrew", "Armenian", "Georgian", "Devanagari", "Bengali",
                   "Tamil", "Thai", "Ethiopic"):
        assert {f"Advocate-Serif-{script}", f"Advocate-Sans-{script}"} & families, script
    assert "Advocate-CJK" in families
    assert all(row[-5:-3] == ["yes", "yes"] for row in pdffonts(pdf, tmp_path))


# ------------------------------------------------------------- directions


def test_direction_and_isolation_rules() -> None:
    assert [direction(x) for x in ("ar", "fa-IR", "he", "ur", "az-Arab", "en", "kk", "zh")] \
        == ["rtl"] * 5 + ["ltr"] * 3
    assert isolate("Ana Silva", "en") == "Ana Silva"  # nothing to isolate
    assert isolate("محمد علي", "en") == f"{FSI}محمد علي{PDI}"
    assert isolate("John Smith", "ar") == f"{FSI}John Smith{PDI}"
    assert isolate("محمد", "ar") == "محمد"


def test_isolation_is_decided_as_letter_by_letter_in_every_script() -> None:
    """The shortcut for values before the Hebrew block gives what the rule gives: a value
    is isolated when one of its letters runs against the document's direction."""
    import random
    import sys
    import unicodedata

    from advocate.text.bidi import FIRST_RTL

    assert all(unicodedata.bidirectional(chr(i)) not in ("R", "AL")
               for i in range(ord(FIRST_RTL)))  # what the shortcut rests on
    pick = random.Random(7)
    samples = ["São Paulo", "Москва", "Ελλάδα", "Kraków", "東京", "תל אביב", "القاهرة",
               "Ana (محمد)", "\u05bf", "\u0590x", "x\ufb1d", "\U00010800"]
    for _ in range(20_000):
        top = pick.choice([0x250, 0x590, 0x800, 0x3000, 0x10000, sys.maxunicode])
        samples.append("".join(chr(pick.randrange(0x20, top)) for _ in range(pick.randrange(1, 9))))
    for value in samples:
        for lang in ("en", "ru", "ar", "he"):
            rtl = lang in ("ar", "he")
            against = ("L",) if rtl else ("R", "AL")
            wanted = (value if value.startswith(FSI) or not any(
                unicodedata.bidirectional(c) in against for c in value)
                else f"{FSI}{value}{PDI}")
            assert isolate(value, lang) == wanted, (ascii(value), lang)


def test_an_arabic_name_in_an_english_letter_is_isolated_and_in_order(
        renderer: Renderer, tmp_path: Path) -> None:
    writer = signer(3, "محمد علي", "القاهرة")
    document = renderer.letter("minister", writer)
    assert f"from {FSI}القاهرة{PDI} to express" in document.markdown
    text = poppler_text(renderer.pdf([document]), tmp_path)
    assert found("I am writing from القاهرة to express", text)  # in order, comma in place
    # the text and the email keep the name as typed; the From: header has no marks
    eml = renderer.eml(document).decode("ascii")
    assert "\u2068" not in eml and "=?utf-8?" in eml.lower()


def test_an_arabic_letter_reads_right_to_left_on_one_page(renderer: Renderer,
                                                          tmp_path: Path) -> None:
    document = renderer.letter("ambassador", signer(4, "John Smith", "London"))
    assert document.lang == "ar"
    html = renderer.html([document], for_print=True)
    assert '<html lang="ar" dir="rtl">' in html
    result = renderer.pdf_result([document])
    pdf = result.data
    assert result.pages == 1
    assert "Advocate-Serif-Arabic" in " ".join(r[0] for r in pdffonts(pdf, tmp_path))
    text = poppler_text(pdf, tmp_path).translate(BIDI_CONTROLS)
    assert found("بكل احترام على ما يلي", text) and found("John Smith", text)
    # mirrored: the salutation ends at the right margin, the sender starts at the left
    boxes = poppler_text(pdf, tmp_path, "-bbox").splitlines()

    def word_box(word: str) -> tuple[float, float]:
        line = next(b for b in boxes if f">{word}<" in b)
        x_min, x_max = (float(v) for v in re.findall(r'x(?:Min|Max)="([\d.]+)"', line))
        return x_min, x_max

    page_width = 595.3
    # (poppler lists Arabic words in visual order: "الحرية" reads "ةيرحلا")
    assert word_box("الحرية"[::-1])[1] > page_width - 80  # the heading ends at the right
    assert word_box("Smith")[0] < 150  # the sender block sits top left


def test_a_rtl_petition_mirrors_its_table_and_page_furniture(renderer: Renderer) -> None:
    html = renderer.html([renderer.petition([], "ar")], for_print=True)
    assert 'dir="rtl"' in html and "th { text-align: right; }" in html
    assert '@bottom-left { content: counter(page) " / " counter(pages); }' in html
    assert "لم يراجع هذه الترجمة" in html  # marked unreviewed, like ru and kk


def test_chinese_and_japanese_break_lines_at_characters(renderer: Renderer,
                                                        tmp_path: Path) -> None:
    text = ("中华人民共和国公民有言论、出版、集会、结社、游行、示威的自由。" * 4
            + "すべての人は、意見及び表現の自由に対する権利を有する。" * 4)
    pdf = fonts_only_pdf(f'<p lang="zh">{text[:120]}</p><p lang="ja">{text[120:]}</p>',
                         tmp_path)
    lines = [line for line in poppler_text(pdf, tmp_path).splitlines() if line.strip()]
    assert len(lines) >= 4  # wrapped, though there is no space to break at
    assert not any(line.lstrip()[0] in "、。，）」" for line in lines)  # kinsoku
    assert letters_only("".join(lines)) == letters_only(text)


def fonts_only_pdf(body: str, tmp_path: Path) -> bytes:
    from advocate.render.pdf import render_pdf

    html = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
            '<style>@page { size: 90mm 120mm; margin: 8mm }</style></head>'
            f"<body>{body}</body></html>")
    return render_pdf(html, title="t", lang="en", base_dir=tmp_path)


# ----------------------------------------------------------------- reproducibility

RENDER_PETITION = """
import sys
from pathlib import Path
from advocate.render.documents import Renderer
from advocate.schema.campaign import load_campaign
from advocate.signers import Signer, read_signers
from datetime import date
renderer = Renderer(load_campaign(Path(sys.argv[1])), day=date(2026, 1, 15))
signers = read_signers(Path(sys.argv[2]))
Path(sys.argv[3]).write_bytes(renderer.pdf([renderer.petition(signers, sys.argv[4])]))
"""


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_world_petition_has_the_same_bytes_in_fresh_processes(tmp_path: Path,
                                                                   lang: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TZ"}
    env["PYTHONPATH"] = str(SRC)
    runs = {}
    for zone in ("UTC", "Asia/Tokyo"):
        out = tmp_path / f"{zone.replace('/', '-')}.pdf"
        command = [sys.executable, "-c", RENDER_PETITION, str(WORLD / "campaign.yaml"),
                   str(WORLD / "signers.csv"), str(out), lang]
        runs[out] = subprocess.Popen(command, env={**env, "TZ": zone})
    for process in runs.values():
        assert process.wait(timeout=120) == 0
    first, second = (out.read_bytes() for out in runs)
    assert first == second
    assert found("김민준", pypdf_text(first)) and found("عمران ٹھاکر", pypdf_text(first))


@pytest.mark.slow
def test_a_world_build_is_byte_identical_twice(tmp_path: Path) -> None:
    signers = read_signers(WORLD / "signers.csv")
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        result = build([WORLD / "campaign.yaml"], out, BuildOptions(jobs=2, formats=("pdf",)),
                       signers=signers)
        assert any("row 19" in str(w) and "emoji" in str(w) for w in result.warnings)
        outs.append({path: data for path, (_, data) in snapshot(out).items()})
    assert outs[0] == outs[1]
    # 19 signers x 2 targets, and the brief, petition and sheet in each of en and ar
    assert len([p for p in outs[0] if p.endswith(".pdf")]) == 19 * 2 + 3 * 2


# ------------------------------------------------------- know before you render

BAD_ROWS = """name,email,city,country,note,public
Sok Dara,a@example.org,Phnom Penh,KH,,yes
សុខ ដារ៉ា,b@example.org,ភ្នំពេញ,KH,,yes
Ana Silva,c@example.org,Lisboa,PT,thanks 🙏,no
བསྟན་འཛིན,d@example.org,Lhasa,CN,,yes
කමල් පෙරේරා,e@example.org,Colombo,LK,,no
"""
SECRETS = ["Sok Dara", "សុខ", "ភ្នំពេញ", "བསྟན", "කමල්", "🙏", "Lisboa"]


def test_validate_lists_every_row_at_once_by_script(run: Callable[..., Result],
                                                    tmp_path: Path) -> None:
    bad = write(tmp_path / "signers.csv", BAD_ROWS)
    result = run("validate", str(WORLD / "campaign.yaml"), "--signers", str(bad))
    assert result.exit_code == 2
    out = result.stderr
    assert "signers.csv:3: row 2: the name and city hold Khmer letters" in out
    assert "signers.csv:5: row 4: the name holds Tibetan letters" in out
    assert "signers.csv:6: row 5: the name holds Sinhala letters" in out
    assert "warning: " in out and "row 3: the note holds emoji or symbols" in out
    assert "docs/fonts.md" in out
    assert not any(secret in out for secret in SECRETS)


def test_check_lists_the_rows_too(run: Callable[..., Result], tmp_path: Path) -> None:
    bad = write(tmp_path / "signers.csv", BAD_ROWS)
    result = run("check", str(WORLD / "campaign.yaml"), "--no-pdf", "--max-age", "100000",
                     "--signers", str(bad))
    assert result.exit_code == 2
    assert result.stderr.count("letters, which no font") == 3
    assert not any(secret in result.stderr for secret in SECRETS)


def test_build_refuses_every_row_before_rendering_anything(tmp_path: Path) -> None:
    bad = write(tmp_path / "signers.csv", BAD_ROWS)
    out = tmp_path / "out"
    write(out / "keep.txt", "an earlier file")
    before = snapshot(out)
    with pytest.raises(AdvocateError) as info:
        build([WORLD / "campaign.yaml"], out, BuildOptions(jobs=1), signers=read_signers(bad))
    messages = [p.message for p in info.value.problems]
    assert [m.split(":")[0] for m in messages] == ["row 2", "row 4", "row 5"]
    assert not any(secret in str(info.value) for secret in SECRETS)
    assert snapshot(out) == before


def test_petition_refuses_the_named_rows_at_once(run: Callable[..., Result],
                                                 tmp_path: Path) -> None:
    bad = write(tmp_path / "signers.csv", BAD_ROWS)
    out = tmp_path / "petition.pdf"
    result = run("petition", str(WORLD / "campaign.yaml"), "--signers", str(bad),
                     "--format", "pdf", "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "row 2:" in result.stderr and "row 4:" in result.stderr
    assert "row 5:" not in result.stderr  # not named in the petition: not printed
    assert not any(secret in result.stderr for secret in SECRETS)


def test_emoji_are_left_out_of_the_pdf_only(renderer: Renderer, tmp_path: Path) -> None:
    writer = signer(7, "Ana Silva", "Lisboa", note="Thank you 🙏 for this ✊")
    document = renderer.letter("minister", writer)
    result = renderer.pdf_result([document])
    pdf = result.data
    assert any("row 7: the note holds emoji" in p.message for p in result.problems)
    assert found("Thank you for this", poppler_text(pdf, tmp_path))  # 🙏 and ✊ left out
    assert "🙏" in document.text()  # the text and the email keep it
    body = message_from_bytes(renderer.eml(document), policy=policy.default).get_content()
    assert "Thank you 🙏 for this ✊" in body
    assert all(r[-5:-3] == ["yes", "yes"] for r in pdffonts(pdf, tmp_path))


# ------------------------------------------------------------ a pack's own font


def test_a_packs_own_font_draws_a_script_that_is_not_bundled(world: Campaign,
                                                            tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copy(KHMER_FONT, write(pack / "fonts" / "placeholder", "").parent / "Khmer.ttf")
    (pack / "fonts" / "placeholder").unlink()
    write(pack / "fonts.css.j2", "")  # the pack may name it; fontconfig finds it anyway
    khmer = read_signers(write(tmp_path / "signers.csv",
                               "name,email,city,public\nសុខ ដារ៉ា,b@example.org,ភ្នំពេញ,yes\n"))
    plain = Renderer(world, day=FIXED_DAY)
    with pytest.raises(AdvocateError, match="row 1: the name and city hold Khmer letters"):
        plain.pdf([plain.petition(khmer, "en")])
    packed = Renderer(world, day=FIXED_DAY, templates=pack)
    pdf = packed.pdf([packed.petition(khmer, "en")])
    assert found("សុខដារ៉ា", poppler_text(pdf, tmp_path))
    names = [row[0] for row in pdffonts(pdf, tmp_path)]
    assert any(n.endswith("+Noto-Sans-Khmer") for n in names)
    assert all(r[-5:-3] == ["yes", "yes"] for r in pdffonts(pdf, tmp_path))
    # and the checks before rendering count the pack's fonts
    from advocate.render.preflight import font_problems

    assert font_problems(khmer, templates=pack) == []
    assert font_problems(khmer) != []


def test_the_world_fixture_reads(tmp_path: Path) -> None:
    with (WORLD / "signers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 19


def test_a_postal_address_no_font_draws_is_refused_by_row_too(run: Callable[..., Result],
                                                             tmp_path: Path) -> None:
    """The sender's postal address is printed on the letter: it is checked like the name."""
    rows = ("name,email,city,country,note,public,address\n"
            'Ana Silva,a@example.org,Lisboa,PT,,yes,"ផ្ទះលេខ ១២\nភ្នំពេញ"\n')
    bad = write(tmp_path / "signers.csv", rows)
    result = run("validate", str(WORLD / "campaign.yaml"), "--signers", str(bad))
    assert result.exit_code == 2
    assert "signers.csv:2: row 1: the address holds Khmer letters" in result.stderr
    assert "ផ្ទះ" not in result.stderr and "Ana" not in result.stderr
