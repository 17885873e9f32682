"""The PDFs people hand over: every fact, ask and source is in them; letters are one page,
briefs two at most; Cyrillic and Kazakh come back out; the layout keeps its places."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.signers import Signer
from conftest import FIXED_DAY
from helpers import write

Run = Callable[..., Result]


def squash(text: str) -> str:
    """Text without spaces and hyphens: PDF extraction breaks lines and hyphenates words."""
    return re.sub(r"[\s\-‐­]", "", text)


def present(needle: str, haystack: str) -> bool:
    """The start and the end of ``needle`` are in ``haystack`` (a page may break between)."""
    squashed = squash(needle)
    return squashed[:60] in haystack and squashed[-60:] in haystack


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def renderer(kz: Campaign) -> Renderer:
    return Renderer(kz, day=FIXED_DAY)


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_brief_holds_every_fact_ask_quote_and_source(renderer: Renderer, kz: Campaign,
                                                     lang: str) -> None:
    pages, text = pdf_text(renderer.pdf([renderer.brief(lang)]))
    assert 1 <= pages <= 2
    found = squash(text)
    view, _ = renderer.view(lang)
    for fact in view["facts"]:
        assert present(fact["text"], found), fact["text"][:40]
    for ask in view["asks"]:
        assert squash(ask["title"]) in found
        assert present(str(ask["text"]), found)
    for quote in view["quotes"]:
        assert squash(quote["speaker"]) in found
    for source in kz.sources:
        assert squash(source.title) in found
    for figure in view["figures"]:
        assert squash(figure["figure"]) in found


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
@pytest.mark.parametrize("target", ["president", "prosecutor-general", "interior-minister",
                                    "un-high-commissioner"])
def test_every_letter_is_one_page_with_every_ask(renderer: Renderer, kz: Campaign,
                                                 target: str, lang: str) -> None:
    letter = renderer.letter(target, Writer(name="Айгерим Сәрсенқызы", city="Алматы"), lang)
    result = renderer.pdf_result([letter])
    pages, text = pdf_text(result.data)
    assert pages == 1
    assert letter.warnings == [] and result.problems == []
    found = squash(text)
    for ask in letter.context["target"]["asks"]:
        assert squash(ask["title"]) in found
    assert squash(letter.context["target"]["salutation"]) in found
    assert found.count(squash("Айгерим Сәрсенқызы")) == 2
    assert squash(letter.context["date"]) in found


def test_kazakh_letters_come_back_out_of_the_pdf(renderer: Renderer) -> None:
    letter = renderer.letter("president", Writer(name="Әлия", city="Өскемен"), "kk")
    _, text = pdf_text(renderer.pdf([letter]))
    closing = next(line for line in letter.text().splitlines()  # (a variant: the writer's)
                   if "құрметпен" in line.lower()).rstrip(",")
    for word in (closing, "Қазақстан", "Әлия", "Өскемен", "қаңтар"):
        assert word in text, word
    assert set("әғқңөұүі") <= set(text.lower())


def test_localised_dates(kz: Campaign) -> None:
    for lang, expected in (("en", "15 January 2026"), ("ru", "15 января 2026 г."),
                           ("kk", "2026 ж. 15 қаңтар")):
        letter = Renderer(kz, day=FIXED_DAY).letter("president", lang=lang)
        assert expected in letter.text().replace("\xa0", " ").replace("\u202f", " "), lang


def test_letter_pdf_places_the_address_in_the_envelope_window(renderer: Renderer) -> None:
    """DIN 5008 form B: the address field starts 45 mm from the top, 20 mm from the left."""
    letter = renderer.letter("un-high-commissioner", Writer(name="A. Writer", city="Berlin"),
                             "en")
    reader = PdfReader(BytesIO(renderer.pdf([letter])))
    page = reader.pages[0]
    height = float(page.mediabox.height)
    positions: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and text.strip() not in positions:
            positions[text.strip()] = (x, height - y)

    page.extract_text(visitor_text=visit)
    mm = 72 / 25.4
    x, y = next(pos for label, pos in positions.items() if label.startswith("Volker"))
    assert 20 * mm - 1 <= x <= 30 * mm, x / mm
    assert 45 * mm <= y <= 90 * mm, y / mm


def test_petition_pdf_repeats_the_table_header_on_every_page(kz: Campaign) -> None:
    signers = [Signer(row=i, name=f"Signer {i:03d}", city="Almaty", public=True)
               for i in range(1, 121)]
    renderer = Renderer(kz, day=FIXED_DAY)
    pages, text = pdf_text(renderer.pdf([renderer.petition(signers, "en")]))
    assert pages >= 3
    reader = PdfReader(BytesIO(renderer.pdf([renderer.petition(signers, "en")])))
    table_pages = [p.extract_text() for p in reader.pages if "Signer 0" in p.extract_text()
                   or "Signer 1" in p.extract_text()]
    assert len(table_pages) >= 2
    assert all("Name" in page and "City" in page for page in table_pages)
    assert "Signer 120" in text and "120 people have signed this petition" in " ".join(
        text.split())


def test_signature_sheet_has_numbered_rows(renderer: Renderer) -> None:
    pages, text = pdf_text(renderer.pdf([renderer.sheet("en")]))
    assert pages <= 2
    assert "Signature" in text and "20" in text


def test_brief_has_a_qr_code_when_the_campaign_has_a_page(tmp_path: Path, pack: Path) -> None:
    text = pack.read_text(encoding="utf-8").replace(
        "as_of: 2022-01-17", "as_of: 2022-01-17\nurl: https://example.org/kz\n"
        "organisation: {name: Example Group, email: info@example.org}")
    write(pack, text)
    renderer = Renderer(load_campaign(pack), day=FIXED_DAY)
    html = renderer.html([renderer.brief("en")], for_print=True)
    assert 'src="data:image/svg+xml;base64,' in html
    pages, found = pdf_text(renderer.pdf([renderer.brief("en")]))
    assert pages <= 2
    assert "Example Group" in found and "Campaign page" in found


def test_characters_the_fonts_cannot_draw_are_a_clear_error(pack: Path) -> None:
    write(pack, pack.read_text(encoding="utf-8").replace(
        'en: "Keep the internet on"', 'en: "Keep the internet on ភ្ជាប់ 保持网络畅通"'))
    renderer = Renderer(load_campaign(pack), day=FIXED_DAY)
    with pytest.raises(AdvocateError) as info:
        renderer.pdf([renderer.letter("president", lang="en")])
    message = str(info.value)
    assert "no font of advocate's can draw these Khmer letters: ជ (U+1787)" in message
    assert "保" not in message  # Chinese is drawn
    assert "campaign.yaml" in message and "docs/fonts.md" in message


def test_us_letter_paper(kz: Campaign) -> None:
    renderer = Renderer(kz, day=FIXED_DAY, paper="letter")
    reader = PdfReader(BytesIO(renderer.pdf([renderer.letter("president", lang="en")])))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert len(reader.pages) == 1


def test_pdf_metadata_is_set_by_advocate(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "brief.pdf"
    assert run("brief", "kazakhstan-2022", "--lang", "kk", "-o", str(out)).exit_code == 0
    reader = PdfReader(out)
    info = {key: str(value) for key, value in (reader.metadata or {}).items()}
    assert info["/Title"] == "Қазақстандағы бейбіт наразылыққа қатысушыларға әділдік"
    assert info["/Producer"] == "advocate"
    assert "/Author" not in info and "/Creator" not in info
    assert info.get("/CreationDate") == "D:20260115000000Z"
    assert str(reader.trailer["/Root"]["/Lang"]) == "kk"
    again = tmp_path / "again.pdf"
    run("brief", "kazakhstan-2022", "--lang", "kk", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_css_warnings_of_a_pack_layout_reach_its_author(
        kz_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """WeasyPrint ignores a misspelt property; the template author hears of it, with the
    layout's name, instead of a silently different letter."""
    pack = tmp_path / "pack"
    campaign_file = write(pack / "campaign.yaml", kz_path.read_text(encoding="utf-8"))
    builtin = (Path(__file__).parents[2] / "letter_templates" / "letter.css.j2").read_text(
        encoding="utf-8")
    write(pack / "templates" / "letter.css.j2", builtin + "\np { colr: red }\n")
    renderer = Renderer(load_campaign(campaign_file), day=FIXED_DAY)
    letter = renderer.letter("president", Writer(name="A. Writer", city="Berlin"), "en")
    result = renderer.pdf_result([letter])
    caplog.clear()  # the expected WeasyPrint WARNING (conftest fails on stray ones)
    assert result.pages == 1 and result.data.startswith(b"%PDF")
    warnings = [str(w) for w in result.problems]
    assert len(warnings) == 1 and "letter.html.j2" in warnings[0] and "colr" in warnings[0]
    assert letter.warnings == []  # returned, not added to the letter


def _counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The fit level's page budget of every real PDF render (None: the last level)."""
    from advocate.render import pdf

    calls: list[int | None] = []
    original = pdf.render_pdf_result

    def counted(html: str, **options: object) -> object:
        calls.append(options.get("max_pages"))  # type: ignore[arg-type]
        return original(html, **options)

    monkeypatch.setattr(pdf, "render_pdf_result", counted)
    return calls


@pytest.fixture
def kz_plain(kz: Campaign) -> Campaign:
    """The bundled campaign without its variants: every letter of a kind has the same
    sentences, so what one letter of the kind teaches the fit loop holds for the next
    (with variants, each combination is its own kind: tests/render/test_page_fit.py)."""
    plain = kz.model_copy(update={"variants": {}})
    plain._document = kz.document
    return plain


def test_a_batch_skips_fit_levels_its_letters_cannot_fit(kz_plain: Campaign,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The Russian letter to the president needs the tightest fit level: once one letter ran
    over at the looser levels and the least letter of its kind (one zero-width space per
    value) does too, the next letters skip them, with the very same bytes."""
    fresh = [Renderer(kz_plain, day=FIXED_DAY).pdf([Renderer(kz_plain, day=FIXED_DAY).letter(
        "president", Writer(name=f"Person {i}", city="Berlin"), "ru")]) for i in (1, 2, 3)]
    calls = _counting_renders(monkeypatch)
    batch = Renderer(kz_plain, day=FIXED_DAY)
    made: list[bytes] = []
    counts: list[int] = []
    for i in (1, 2, 3):
        before = len(calls)
        made.append(batch.pdf([batch.letter("president", Writer(name=f"Person {i}",
                                                                  city="Berlin"), "ru")]))
        counts.append(len(calls) - before)
    assert made == fresh
    assert pdf_text(made[2])[0] == 1
    # 1: its own first level, the least letter at the second (it runs over: skipped), its
    # own last level; 2: the least letter at the first level, then its own last; 3: its own.
    assert counts == [3, 2, 1]


def test_a_letter_that_may_fit_is_tried_at_every_level(kz_plain: Campaign,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A long note makes one letter run over at the first level; a short note of the same
    shape fits there, because the least letter does: it is tried there and fits."""
    long_note = "I followed the events closely. " * 30
    short_note = "I followed the events closely."
    expected = Renderer(kz_plain, day=FIXED_DAY)
    wanted = expected.pdf([expected.letter("un-high-commissioner", Writer(
        name="A. Writer", city="Berlin", note=short_note), "en")])
    calls = _counting_renders(monkeypatch)
    batch = Renderer(kz_plain, day=FIXED_DAY)
    batch.pdf([batch.letter("un-high-commissioner", Writer(name="B. Writer", city="Berlin",
                                                            note=long_note), "en")])
    # Ran over at the first level; the least letter fits at the second, and so does it.
    assert calls == [1, 1, 1]
    del calls[:]
    made = batch.pdf([batch.letter("un-high-commissioner", Writer(
        name="A. Writer", city="Berlin", note=short_note), "en")])
    assert calls == [1, 1]  # the least letter fits at the first level, then its own does
    assert made == wanted
    assert pdf_text(made)[0] == 1


def _with_a_unicorn(tmp_path: Path) -> Path:
    """The bundled campaign with a symbol no bundled font draws in a fact."""
    from advocate.campaigns import bundled_folder

    text = (bundled_folder() / "kazakhstan-2022.yaml").read_text(encoding="utf-8")
    marked = re.sub(r"largest city", "largest city \U0001F984", text, count=1)
    assert marked != text
    return write(tmp_path / "campaign.yaml", marked)


def test_a_pdf_returns_its_warnings_and_leaves_the_documents_as_they_were(
        tmp_path: Path) -> None:
    """Results are returned, not left on the documents: the brief's symbol warning comes
    in ``PdfResult.problems``, and rendering the same document again gives the same."""
    renderer = Renderer(load_campaign(_with_a_unicorn(tmp_path)))
    brief = renderer.brief()
    before = list(brief.warnings)
    results = [renderer.pdf_result([brief]) for _ in range(2)]
    assert brief.warnings == before
    for result in results:
        assert [p.message for p in result.problems] == [
            "no font draws these symbols, left out of the PDF: \U0001F984 (U+1F984)"]
    assert renderer.file_result([brief], "pdf")[1] == results[0].problems
    assert renderer.file_result([brief], "txt")[1] == []
