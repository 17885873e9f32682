"""Encrypted workbooks (``signers.xlsx.age``, ``.ods.age``, ``.xls.age``): decrypted in
memory, checked in memory, and handed to the spreadsheet worker through a pipe. The same
rows, the same limits and the same located errors as the plain workbook, and the same for a
workbook given to ``parse_signers`` as bytes (which once went through a temporary file)."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
from workbooks import inline, raw_xlsx, sheet_xml, write_ods, write_xlsx

from advocate import encryption
from advocate.children import run_module
from advocate.errors import AdvocateError
from advocate.signers import SignerReader, parse_signers

FIXTURES = Path(__file__).parent.parent / "fixtures" / "signers"
# An x25519 key rather than a passphrase: scrypt's deliberate cost, paid for every read,
# would only slow the suite (tests/test_encrypted_signers.py covers passphrases).
IDENTITY = pyrage.x25519.Identity.generate()
FORM = [
    ["Timestamp", "Email Address", "Full Name", "City", "Display my name"],
    ["2026-03-01 09:14", "leila.haddad@example.org", "Leila Haddad", "Beirut", "Yes"],
    ["2026-03-01 09:20", "jonas.berg@example.se", "Jonas Berg", "Malmö", "No"],
    ["2026-03-02 18:03", "ayse.demir@example.org", "Ayşe Demir", "Ankara", "yes"],
    ["2026-03-03 07:41", "wang.fang@example.cn", "王芳", "北京", "是"],
    ["2026-03-03 08:02", "yosef@example.il", "יוסף כהן", "חיפה", "yes"],
]
MAPPING = {"public": "Display my name"}
CELLS = '<row r="1">' + inline("A1", "name") + '</row><row r="2">' + inline("A2", "A") \
    + "</row>"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "key.txt").write_text(f"{IDENTITY}\n", encoding="utf-8")
    return tmp_path


def _sealed(plain: Path) -> Path:
    """``plain`` encrypted to the test's key as ``NAME.age``; the plaintext gone."""
    sealed = plain.with_name(plain.name + ".age")
    sealed.write_bytes(pyrage.encrypt(plain.read_bytes(), [IDENTITY.to_public()]))
    plain.unlink()
    return sealed


def _outcome(path: Path, **options: object) -> tuple[str, object]:
    """("ok", the signers and what the reader found) or ("error", the message)."""
    reader = SignerReader(path, **options)  # type: ignore[arg-type]
    try:
        with encryption.keys(encryption.AgeKey(identity_files=(Path("key.txt"),)), ask=False):
            signers = [(s.row, s.line, s.name, s.email, s.city, s.public) for s in reader]
    except AdvocateError as exc:
        return "error", str(exc)
    return "ok", (signers, reader.stats.sheet, reader.stats.layout,
                  [p.message for p in reader.stats.notices])


def _same_as_plain(plain: Path, **options: object) -> tuple[str, object]:
    """Read ``plain``, then its encrypted copy: the same outcome, the name aside."""
    expected = _outcome(plain, **options)
    data = plain.read_bytes()
    sealed = _sealed(plain)
    got = _outcome(sealed, **options)
    if got[0] == "error":
        assert isinstance(got[1], str)
        got = ("error", got[1].replace(sealed.name, plain.name))
    assert got == expected
    # parse_signers: the same workbook given as bytes, never written to a file
    try:
        parsed: tuple[str, object] = ("ok", [
            (s.row, s.line, s.name, s.email, s.city, s.public)
            for s in parse_signers(data, plain.name, **options)])  # type: ignore[arg-type]
    except AdvocateError as exc:
        parsed = ("error", str(exc))
    assert parsed[0] == expected[0]
    if expected[0] == "ok":
        assert isinstance(expected[1], tuple)
        assert parsed[1] == expected[1][0]
    else:
        assert parsed[1] == expected[1]
    return expected


Workbook = Callable[[], tuple[Path, dict[str, object]]]
CASES: dict[str, Workbook] = {
    "xlsx": lambda: (write_xlsx(Path("responses.xlsx"), {"Form Responses 1": FORM}),
                     {"columns": MAPPING, "languages": ["zh"]}),
    "ods": lambda: (write_ods(Path("signers.ods"), "Unterschriften", FORM[:4]),
                    {"columns": MAPPING}),
    "xls": lambda: (Path(shutil.copyfile(FIXTURES / "form.xls", "form.xls")),
                    {"columns": {"public": "Display my name", "city": "Town"}}),
    "second sheet": lambda: (write_xlsx(Path("book.xlsx"), {
        "Notes": [["nothing"]], "Signers": [["name", "email"], ["Ana Lima", ""]]}),
        {"sheet": "Signers"}),
}
REFUSALS: dict[str, tuple[Workbook, str]] = {
    "a missing sheet": (lambda: (write_xlsx(Path("book.xlsx"), {
        "Notes": [["x"]], "Signers": [["name"], ["Ana"]]}), {"sheet": "Signatures"}),
        "book.xlsx: no sheet 'Signatures' in the workbook (its sheets: 'Notes', 'Signers')"),
    "errors by cell": (lambda: (write_xlsx(Path("signers.xlsx"), {"Form": [
        ["Full Name", "Email Address", "Display my name"],
        ["Leila Haddad", "leila.haddad(at)example.org", "Yes"],
        ["Jonas Berg", "jonas.berg@example.se", "perhaps"]]}), {"columns": MAPPING}),
        "signers.xlsx:2:2: row 1, cell Form!B2: invalid email (no @)"),
    "a huge sheet from a tiny file": (lambda: (raw_xlsx(Path("huge.xlsx"), sheet_xml(
        '<row r="1">' + inline("A1", "name") + '</row><row r="200000">'
        + inline("ZZ200000", "x") + "</row>")), {}),
        "huge.xlsx: the sheet is too large to read safely"),
    "a zip bomb": (lambda: (raw_xlsx(Path("bomb.xlsx"), sheet_xml(CELLS, " " * (8 << 20))),
                            {"max_bytes": 1 << 20}),
                   "bomb.xlsx: the workbook unpacks to more than 2,097,152 bytes"),
    "macros": (lambda: (raw_xlsx(Path("renamed.xlsx"), sheet_xml(CELLS),
                                 {"xl/vbaProject.bin": b"\0" * 64}), {}),
               "renamed.xlsx: the workbook contains macros ("),
    "a macro-enabled workbook": (lambda: (Path(shutil.copyfile(
        raw_xlsx(Path("b.xlsx"), sheet_xml(CELLS)), "book.xlsm")), {}),
        "book.xlsm: a macro-enabled workbook (.xlsm)"),
    "a damaged zip": (lambda: (_damaged(Path("liar.xlsx")), {}),
                      "liar.xlsx: not a readable workbook (the file is damaged)"),
    "not a workbook": (lambda: (_text(Path("signers.xlsx")), {}),
                       "signers.xlsx: not a .xlsx workbook ("),
}


def _damaged(path: Path) -> Path:
    raw_xlsx(path, sheet_xml(CELLS, " " * 100_000))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        real = z.getinfo("xl/worksheets/sheet1.xml").file_size.to_bytes(4, "little")
    path.write_bytes(bytes(data.replace(real, (100).to_bytes(4, "little"))))
    return path


def _text(path: Path) -> Path:
    path.write_text("name\nAna\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_an_encrypted_workbook_gives_the_plain_workbooks_signers(here: Path, case: str) -> None:
    plain, options = CASES[case]()
    kind, found = _same_as_plain(plain, **options)
    assert kind == "ok", found
    assert isinstance(found, tuple) and len(found[0]) >= 1


def test_the_names_come_through_from_every_script(here: Path) -> None:
    plain, options = CASES["xlsx"]()
    _, found = _outcome(_sealed(plain), **options)
    assert isinstance(found, tuple)
    assert [row[2] for row in found[0]] == [row[2] for row in FORM[1:]]
    assert found[1] == "Form Responses 1"


@pytest.mark.parametrize("case", list(REFUSALS))
def test_an_encrypted_workbook_is_refused_as_the_plain_one_with_its_place(
        here: Path, case: str) -> None:
    make, message = REFUSALS[case]
    plain, options = make()
    kind, found = _same_as_plain(plain, **options)
    assert kind == "error" and isinstance(found, str) and found.startswith(message), found


def test_the_message_names_the_encrypted_file(here: Path) -> None:
    sealed = _sealed(write_xlsx(Path("signers.xlsx"), {"S": [["name", "email"], ["A", "x"]]}))
    kind, message = _outcome(sealed)
    assert (kind, message) == ("error", "signers.xlsx.age:2:2: row 1, cell S!B2: invalid email "
                               "(no @)")


def test_a_child_is_given_its_input_through_a_pipe(here: Path) -> None:
    """run_module's stdin: the workbook reaches the worker as bytes, through a pipe."""
    data = write_xlsx(Path("s.xlsx"), {"Tab": [["name"], ["Ana Lima"]]}).read_bytes()
    os.unlink("s.xlsx")
    errors = open(os.devnull, "wb")  # noqa: SIM115
    try:
        child = run_module("advocate.signers.sheet_worker", ["-", ""], memory=1 << 30,
                           cpu=60, stderr=errors, stdin=data)
        with child.stdout:
            out = child.stdout.read()
        assert child.wait() == 0
    finally:
        errors.close()
    assert out.decode().splitlines() == ["sheet,Tab,0,0", "name", "Ana Lima"]
    assert not os.path.exists(child.folder)  # its temporary folder: removed


def test_a_child_that_reads_no_input_never_hangs_the_parent(here: Path) -> None:
    """A child that ends without reading its stdin (here: no arguments) leaves the parent a
    broken pipe, which is ignored: the exit status says what happened."""
    with open(os.devnull, "wb") as errors:
        child = run_module("advocate.signers.sheet_worker", [], memory=1 << 30, cpu=60,
                           stderr=errors, stdin=b"x" * (8 << 20))  # far past a pipe's buffer
        with child.stdout:
            assert child.stdout.read() == b""
        assert child.wait() != 0
