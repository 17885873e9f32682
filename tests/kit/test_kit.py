"""advocate kit: the folder an organiser takes to the print shop, measured from its PDFs.

One kit is rendered for the module (a campaign unlike the bundled one: English, Arabic and
Russian, targets with and without addresses, two detainees under different prison rules);
positions are read back from the PDFs with poppler's ``pdftotext -bbox``.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from advocate.kit import Kit, KitOptions, build_kit, sheets
from advocate.schema.campaign import load_campaign
from helpers import write

FIXTURE = Path(__file__).parents[1] / "fixtures" / "kit" / "campaign.yaml"
PT = 25.4 / 72  # mm in a PDF point
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">'
                  r"([^<]*)</word>")


@pytest.fixture(scope="module")
def kit() -> Kit:
    campaign = load_campaign(FIXTURE)
    return build_kit(campaign, KitOptions(day=date(2026, 12, 10), place="Mill Lane Hall",
                                          langs=("en", "ar"), posters=("a4", "tabloid")))


@pytest.fixture(scope="module")
def folder(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kit")
    for relpath, data in kit.files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(data)
    return root


def words(pdf: Path, page: int = 1) -> list[tuple[float, float, str]]:
    """(x mm, y mm, word) of every word on a page, from poppler."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf),
                          "-"], capture_output=True, text=True, check=True).stdout
    return [(float(x) * PT, float(y) * PT, w) for x, y, w in WORD.findall(out)]


def _alts(node: object, depth: int = 0) -> list[str]:
    """Every /Alt text in a structure tree (a figure's description)."""
    node = node.get_object() if hasattr(node, "get_object") else node
    found: list[str] = []
    if depth > 40:
        return found
    if isinstance(node, dict):
        if "/Alt" in node:
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            found += _alts(kid, depth + 1)
    return found


def text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_folder_holds_everything_on_the_table(kit: Kit) -> None:
    files = set(kit.files)
    for lang in ("en", "ar"):
        assert {f"poster-{lang}-a4.pdf", f"poster-{lang}-tabloid.pdf",
                f"case-cards-{lang}.pdf", f"sign-in-{lang}.pdf", f"tally-{lang}.pdf",
                f"signature-sheet-{lang}.pdf",
                f"00-read-me-{lang}.pdf"} <= files
    assert {"letters/01-prosecutor-letter.pdf", "letters/01-prosecutor-envelope-dl.pdf",
            "letters/02-attorney-general-letter.pdf", "letters/03-ambassador-letter.pdf",
            "envelopes/envelopes-dl.pdf", "envelopes/envelopes-c5.pdf",
            "envelopes/envelopes-no10.pdf", "labels/labels-l7163.pdf",
            "labels/labels-5160.pdf", "cards/anna-folded.pdf", "cards/anna-postcards.pdf",
            "cards/tom-folded.pdf", "cards/tom-postcards.pdf", "tally.csv"} <= files
    # the ambassador has no postal address: no envelope for that letter
    assert "letters/03-ambassador-envelope-dl.pdf" not in files
    assert any("'ar' has not yet been reviewed" in w.message for w in kit.warnings)


def test_every_pdf_is_tagged_with_its_language_and_a_title(kit: Kit) -> None:
    expected = {"poster-ar-a4.pdf": "ar", "sign-in-en.pdf": "en", "cards/anna-folded.pdf": "ru",
                "letters/01-prosecutor-letter.pdf": "ru", "letters/03-ambassador-letter.pdf": "ar"}
    for relpath, data in kit.files.items():
        if not relpath.endswith(".pdf"):
            continue
        reader = PdfReader(io.BytesIO(data))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], relpath
        assert reader.metadata is not None and reader.metadata.title, relpath
        assert "KITBLANK" not in (reader.metadata.title or "")
        if relpath in expected:
            assert root["/Lang"] == expected[relpath], relpath
    titles = {name: PdfReader(io.BytesIO(kit.files[name])).metadata.title  # type: ignore[union-attr]
              for name in ("labels/labels-l7163.pdf", "envelopes/envelopes-c5.pdf")}
    assert titles == {"labels/labels-l7163.pdf": "Address labels (Avery L7163)",
                      "envelopes/envelopes-c5.pdf": "Envelopes (C5)"}


def test_no_markup_is_left_showing_on_any_page(folder: Path) -> None:
    """A Markdown block left open or a stray tag would print as text."""
    for pdf in folder.rglob("*.pdf"):
        shown = text(pdf)
        assert ":::" not in shown and "**" not in shown and "<" not in shown, pdf.name


def test_posters_are_their_size_with_a_qr_code_to_the_campaign(folder: Path) -> None:
    for name, (width, height) in {"poster-en-a4.pdf": (210, 297),
                                  "poster-en-tabloid.pdf": (279.4, 431.8)}.items():
        page = PdfReader(folder / name).pages[0]
        assert abs(float(page.mediabox.width) * PT - width) < 0.5
        assert abs(float(page.mediabox.height) * PT - height) < 0.5
        assert len(PdfReader(folder / name).pages) == 1
        shown = " ".join(text(folder / name).split())
        assert "https://example.org/chroniclers" in shown.replace("/ ", "/")
        assert "Mill Lane Hall" in shown
        assert "10 December 2026" in shown
        alts = _alts(PdfReader(folder / name).trailer["/Root"]["/StructTreeRoot"])
        assert any("https://example.org/chroniclers" in a for a in alts), "a tagged QR code"


def test_case_cards_are_four_to_a_page_with_cut_marks(folder: Path) -> None:
    found = [w for w in words(folder / "case-cards-en.pdf") if w[2] == "Free"]
    assert len(found) == 4
    grid = {(round(x), round(y)) for x, y, _ in found}
    xs, ys = sorted({x for x, _ in grid}), sorted({y for _, y in grid})
    assert len(xs) == 2 and len(ys) == 2
    assert abs((xs[1] - xs[0]) - 95.0) < 1 and abs((ys[1] - ys[0]) - 138.5) < 1


def test_labels_sit_where_the_sheet_maker_puts_them(folder: Path) -> None:
    """Avery L7163 (A4, 14) and 5160 (Letter, 30): the first word of every label starts at
    the label's corner plus the inset, within 1 mm, read from the PDF."""
    for sheet in sheets.LABELS.values():
        pdf = folder / f"labels/labels-{sheet.id}.pdf"
        page = PdfReader(pdf).pages[0]
        assert abs(float(page.mediabox.width) * PT - sheet.paper.width) < 0.5
        firsts = sorted((y, x) for x, y, w in words(pdf) if w == "Ivan")
        assert len(firsts) == sheet.per_sheet, sheet.id
        for index, (y, x) in enumerate(firsts):
            left, top = sheet.origin(index)
            assert abs(x - (left + sheet.inset)) < 1.0, (sheet.id, index, x)
            assert abs(y - (top + sheet.inset)) < 1.0, (sheet.id, index, y)
        assert len(PdfReader(pdf).pages) == 4  # one sheet for each address
        # every word of the longest address (page 1) ends inside its label: none is cut off
        out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        boxes = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)"', out)
        assert boxes
        for x0, y0, x1, y1 in ((float(v) * PT for v in box) for box in boxes):
            left, top = next((lx, ty) for lx, ty in map(sheet.origin, range(sheet.per_sheet))
                             if lx <= x0 < lx + sheet.width and ty <= y0 < ty + sheet.height)
            assert x1 <= left + sheet.width and y1 <= top + sheet.height, (sheet.id, x0, y0)


def test_envelopes_put_the_address_where_the_post_reads_it(folder: Path) -> None:
    for envelope in sheets.ENVELOPES.values():
        pdf = folder / f"envelopes/envelopes-{envelope.id}.pdf"
        page = PdfReader(pdf).pages[0]
        assert abs(float(page.mediabox.width) * PT - envelope.sheet.width) < 0.5
        assert abs(float(page.mediabox.height) * PT - envelope.sheet.height) < 0.5
        first = next((x, y) for x, y, w in words(pdf) if w == "Ivan")
        assert abs(first[0] - envelope.to_left) < 1.0 and abs(first[1] - envelope.to_top) < 1.5


def test_detainee_addresses_follow_their_country_and_carry_what_the_prison_asks(
        folder: Path) -> None:
    us = text(folder / "envelopes/envelopes-dl.pdf", 4)
    assert "Tom Reyes #12345-678" in us and "LEAVENWORTH, KS 66048" in us
    ru = text(folder / "envelopes/envelopes-dl.pdf", 3)
    assert ru.index("107076") > ru.index("МОСКВА") > ru.index("Лебедева Анна Сергеевна, 1991")
    for page in (1, 2):  # both sides of every postcard carry the name and number
        assert text(folder / "cards/tom-postcards.pdf", page).count("#12345-678") >= 4


def test_a_card_to_a_russian_prison_is_in_russian_only(folder: Path) -> None:
    card = text(folder / "cards/anna-folded.pdf")
    assert "Думаем о вас" in card and "Лебедева Анна Сергеевна" in card
    assert not re.search(r"[A-Za-z]", card), "no foreign word on a card to FSIN"
    assert "Northern Railway" not in card and "Свободу" not in card  # nothing of the case


def test_hand_letters_leave_the_writer_lines_blank(folder: Path) -> None:
    letter = text(folder / "letters/02-attorney-general-letter.pdf")
    assert "Dear Attorney General," in letter and "950 Pennsylvania Avenue NW" in letter
    assert "KITBLANK" not in letter and "[Your name]" not in letter
    assert "I am writing from  to express" in " ".join(letter.split("\n")) or \
        "writing from" in letter
    assert "10 December 2026" in letter  # dated on the evening it is written


def test_the_tally_csv_has_a_row_for_every_target_and_way(kit: Kit) -> None:
    rows = list(csv.DictReader(io.StringIO(kit.files["tally.csv"].decode())))
    assert list(rows[0]) == ["target", "date", "channel", "count"]
    assert {(r["target"], r["channel"]) for r in rows} == {
        ("prosecutor", "post"), ("attorney-general", "post"), ("ambassador", "post"),
        ("ambassador", "email"), ("anna", "card"), ("tom", "card")}
    assert {r["date"] for r in rows} == {"2026-12-10"} and not any(r["count"] for r in rows)


def test_the_typed_up_tally_reaches_the_log_and_the_report(kit: Kit, tmp_path: Path) -> None:
    """The kit's tally.csv, its counts filled in, is what ``advocate log --from`` takes:
    each count becomes as many letters sent (cards counted per detainee), a second reading
    changes nothing, and the report shows them."""
    from advocate.outcomes.log import apply_entries, read_tally
    from advocate.outcomes.report import make_report, report_text
    from advocate.outcomes.store import LogStore

    counts = {("prosecutor", "post"): "12", ("ambassador", "email"): "3",
              ("anna", "card"): "25", ("tom", "card"): "0"}
    rows = list(csv.reader(io.StringIO(kit.files["tally.csv"].decode())))
    typed = [rows[0]] + [[*row[:3], counts.get((row[0], row[2]), "")] for row in rows[1:]]
    sheet = tmp_path / "tally.csv"
    sheet.write_text("".join(",".join(row) + "\n" for row in typed), encoding="utf-8")
    campaign = load_campaign(FIXTURE)
    with LogStore(tmp_path / "c.log.sqlite", campaign.id) as store:
        for reading in range(2):
            entries, warnings = read_tally(sheet)
            assert warnings == []
            result = apply_entries(store, campaign, entries, date(2026, 12, 11))
            assert result.events == {"sent": 15} and result.cards == 25
            assert result.made == (15 if reading == 0 else 0)
        report = make_report(store, campaign, date(2026, 12, 11))
    sent = {t.id: (t.made, t.sent) for t in report.targets}
    assert sent == {"prosecutor": (12, 12), "attorney-general": (0, 0),
                    "ambassador": (3, 3)}
    assert [(c["detainee"], c["count"]) for c in report.cards] == [("anna", 25)]
    assert "Solidarity cards  anna: 25" in report_text(report)


def test_a_tally_count_that_is_no_count_is_named(kit: Kit, tmp_path: Path) -> None:
    from advocate.errors import AdvocateError
    from advocate.outcomes.log import read_tally

    sheet = write(tmp_path / "tally.csv", "target,date,channel,count\n"
                  "prosecutor,2026-12-10,post,twelve\n"
                  "prosecutor,2026-12-10,post,-1\n"
                  "prosecutor,2026-12-10,post,\n")
    with pytest.raises(AdvocateError) as caught:
        read_tally(sheet)
    shown = [str(p) for p in caught.value.problems]
    assert len(shown) == 2 and "tally.csv:2:4: row 1, column 'count': the count 'twelve'" \
        in shown[0] and "tally.csv:3:4:" in shown[1]


def test_the_command_writes_nothing_on_bad_input(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "kit"
    result = run("kit", str(FIXTURE), "--date", "10.12.2026", "-o", str(out))
    assert result.exit_code == 2 and "--date" in result.stderr and "YYYY-MM-DD" in result.stderr
    result = run("kit", str(FIXTURE), "--poster-size", "a5", "-o", str(out))
    assert result.exit_code == 2 and "a3, a4, letter, tabloid" in result.stderr
    assert not out.exists()


def test_a_language_without_kit_wording_is_named_at_its_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = FIXTURE.read_text(encoding="utf-8").replace(
        "  ar: {reviewed: false}\n", "  ar: {reviewed: false}\n  de: {reviewed: false}\n")
    campaign = write(tmp_path / "c.yaml", source)
    (tmp_path / "templates" / "de").mkdir(parents=True)
    for kind in ("letter", "petition", "sheet", "brief"):
        (tmp_path / "templates" / "de" / f"{kind}.md.j2").write_text("x", encoding="utf-8")
    result = run("kit", str(campaign), "-o", str(tmp_path / "kit"))
    assert result.exit_code == 2
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "de: {" in text)
    assert f"c.yaml:{line}:" in result.stderr and "no kit wording templates for language 'de'" \
        in result.stderr
    assert not (tmp_path / "kit").exists()


def test_a_detainee_naming_an_unknown_prison_profile_is_refused_at_its_line(
        tmp_path: Path) -> None:
    from advocate.errors import AdvocateError

    source = FIXTURE.read_text(encoding="utf-8").replace("prison_mail: us-federal",
                                                         "prison_mail: us-fedral")
    campaign = write(tmp_path / "c.yaml", source)
    with pytest.raises(AdvocateError) as caught:
        load_campaign(campaign)
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "us-fedral" in text)
    problem = caught.value.first
    assert problem.line == line and "did you mean 'us-federal'" in (problem.hint or "")


def test_check_warns_on_mail_a_prison_would_hold_back(tmp_path: Path) -> None:
    from advocate.check import check_campaign

    source = FIXTURE.read_text(encoding="utf-8").replace('    number: "12345-678"\n', "")
    campaign = write(tmp_path / "c.yaml", source)
    card = (Path(__file__).parents[2] / "letter_templates" / "ru" / "card.md.j2").read_text(
        encoding="utf-8").replace("Вы не одни, о вас помнят.",
                                  "Освободите Анну Лебедеву и Тома Рейеса! Stay strong.")
    write(tmp_path / "templates" / "ru" / "card.md.j2", card)
    found = [p for p in check_campaign(campaign, render_pdfs=False, today=date(2026, 11, 3))
             if "detainee" in p.message]
    lines = source.splitlines()
    anna = next(n for n, t in enumerate(lines, 1) if "id: anna" in t)
    tom = next(n for n, t in enumerate(lines, 1) if "id: tom" in t)
    messages = {(p.line, p.message.split(": ", 1)[1][:40]) for p in found}
    assert all(p.severity == "warning" for p in found)
    assert any(line == anna and "may not hand over: Stay, strong" in p.message
               for p in found for line in [p.line]), messages
    assert any(p.line == anna and "speaks of the case" in p.message for p in found), messages
    assert any(p.line == tom and "register number" in p.message for p in found), messages


def test_check_is_quiet_on_mail_that_keeps_the_rules() -> None:
    from advocate.check import check_campaign

    found = check_campaign(FIXTURE, render_pdfs=False, today=date(2026, 11, 3))
    assert not [p for p in found if "detainee" in p.message]


def test_the_read_me_gives_the_prison_rules_in_the_kit_language_with_sources() -> None:
    from advocate.kit.plan import KitMaker

    maker = KitMaker(load_campaign(FIXTURE), KitOptions(langs=("ru",)))
    cover = " ".join(maker._document("kit", "ru", files=[],
                                     detainees=maker._rules("ru")).text().split())
    assert "Россия: СИЗО и колонии (ФСИН)" in cover
    assert "На каждой странице должно быть: Лебедева Анна Сергеевна · 1991" in cover
    assert "Program Statement 5265.14" in cover  # the US profile: sources as published
    assert "Пишите только на языке: русский." in cover
    assert cover.count("[не сверено с действующим текстом]") == 5  # every unverified source


def test_the_command_writes_the_folder_whole_and_never_over_an_earlier_one(
        run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The world's campaign (English and Arabic, no url, no postal address, no detainee),
    on US Letter: posters without a QR code, letters without envelopes, a warning for each;
    the folder written whole, and never over an earlier kit."""
    world = Path(__file__).parents[1] / "fixtures" / "world" / "campaign.yaml"
    out = tmp_path / "kit"
    args = ("kit", str(world), "--paper", "letter", "--poster-size", "letter",
            "--date", "2026-12-10", "-o", str(out))
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # messages go to stderr
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == sorted([*(f"{kind}-{lang}.pdf" for lang in ("en", "ar") for kind in (
        "00-read-me", "case-cards", "sign-in", "tally", "signature-sheet")),
        "poster-en-letter.pdf",
        "poster-ar-letter.pdf", "letters/01-minister-letter.pdf",
        "letters/02-ambassador-letter.pdf", "tally.csv"])
    assert f"wrote {len(made)} files" in result.stderr and "no QR code" in result.stderr
    assert "no target or detainee has a postal address" in result.stderr
    page = PdfReader(out / "case-cards-ar.pdf").pages[0]
    assert abs(float(page.mediabox.width) * PT - 215.9) < 0.5  # Letter
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = run(*args)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_address_too_long_for_a_label_is_set_smaller_or_named() -> None:
    sheet = sheets.LABELS["5160"]
    short = ["Tom Reyes #12345-678", "FCI Example", "LEAVENWORTH, KS 66048"]
    assert sheets.label_size(sheet, short) == sheets.LABEL_SIZES[0]
    long = [*short, "Deputy Prosecutor General for the Supervision of the Lawfulness of "
            "Detention", "ul. Bolshaya Dmitrovka, 15a"]
    size = sheets.label_size(sheet, long)
    assert size is not None and size < sheets.LABEL_SIZES[0]
    assert sheets.label_size(sheet, long * 3) is None  # the kit warns: it would be cut


def test_the_place_is_shown_as_typed_never_run_or_marked_up() -> None:
    from advocate.kit.plan import KitMaker

    place = "<b>Hall</b> **7** {{ 7*7 }} [x](https://evil.example)"
    maker = KitMaker(load_campaign(FIXTURE), KitOptions(langs=("en",), place=place))
    poster = maker._document("poster", "en", sheet={"id": "a4", "css": "210mm 297mm",
                                                     "width": 210.0})
    html = maker.renderer.html([poster], for_print=True)
    assert place in " ".join(poster.text().split())
    assert "<b>Hall" not in html and "&lt;b&gt;Hall&lt;/b&gt; **7** {{ 7*7 }}" in html
    assert 'href="https://evil.example"' not in html


def test_check_warns_on_a_postcode_of_the_wrong_shape_for_its_country(tmp_path: Path) -> None:
    from advocate.check import check_campaign

    source = FIXTURE.read_text(encoding="utf-8").replace('postal_code: "66048"',
                                                         'postal_code: "6604"')
    campaign = write(tmp_path / "c.yaml", source)
    found = [p for p in check_campaign(campaign, render_pdfs=False, today=date(2026, 11, 3))
             if "postal code" in p.message]
    line = next(n for n, t in enumerate(source.splitlines(), 1) if '"6604"' in t)
    assert [(p.line, p.severity) for p in found] == [(line, "warning")]
    assert found[0].message \
        == "detainee 'tom': the postal code does not look right for an address in US"
