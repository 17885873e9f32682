"""Signer lists as organisers have them: form exports in the form's own language, names in
their script's order, consent in the list's language, the signer's language, and bad rows
left out on request (with a report that holds none of their content)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.signers import SignerReader, read_signers
from advocate.signers.names import join_name

LANGUAGES = Path(__file__).parent.parent / "fixtures" / "signers" / "exports" / "languages"
BILINGUAL = Path(__file__).parent.parent / "fixtures" / "bilingual"
Run = Callable[..., Result]


@pytest.mark.parametrize(("fixture", "name", "email", "city", "country"), [
    ("google-forms-es.csv", "Rosa Quispe Mamani", "rosa.quispe@example.org", "Cusco", "PE"),
    ("google-forms-fr.csv", "Claire Martin", "claire@example.fr", "Marseille", "FR"),
    ("google-forms-pt.csv", "João Silva", "joao@example.br", "Recife", "BR"),
    ("google-forms-de.csv", "Jonas Becker", "jonas@example.de", "Leipzig", "DE"),
    ("google-forms-ru.csv", "Анна Иванова", "anna@example.org", "Тбилиси", "GE"),
    ("google-forms-ar.csv", "عمر الخطيب", "omar@example.org", "عمّان", "JO"),
])
def test_form_exports_in_the_forms_own_language(fixture: str, name: str, email: str,
                                                city: str, country: str) -> None:
    reader = SignerReader(LANGUAGES / fixture)
    first, *_ = list(reader)  # read to the end: the notices come then
    assert reader.stats.layout.startswith("Google Forms responses")
    assert (first.name, first.email, first.city, first.country) == (name, email, city, country)
    timestamp = (LANGUAGES / fixture).read_text(encoding="utf-8").split(",")[0]
    [ignored] = [n.message for n in reader.stats.notices if "ignored" in n.message]
    assert ignored.startswith("Google Forms responses: ignored ")
    assert f"'{timestamp}'" in ignored  # only the time stamp (and an unmapped question)


def test_the_note_and_the_language_columns_in_spanish() -> None:
    signers = read_signers(LANGUAGES / "google-forms-es.csv")
    assert [s.lang for s in signers] == ["es", "zh", "fr"]
    note = read_signers(LANGUAGES / "google-forms-fr.csv")[0].note
    assert note == "Libérez-les."  # "Message personnel"


def test_names_are_joined_in_their_scripts_order() -> None:
    signers = read_signers(LANGUAGES / "google-forms-es.csv")
    assert signers[1].name == "李文静"  # given 文静, family 李: family first, no space
    assert (signers[1].given_name, signers[1].family_name) == ("文静", "李")
    assert join_name(["민준", "김"], given_family=True) == "김민준"
    assert join_name(["太郎", "山田"], given_family=True) == "山田太郎"
    assert join_name(["李", "文静"]) == "李文静"  # a mapping name="Family"+"Given": as given
    assert join_name(["Ana", "García"], given_family=True) == "Ana García"
    assert join_name(["Ana", "李"], given_family=True) == "Ana 李"  # mixed scripts: as they come
    assert join_name(["文静", ""], given_family=True) == "文静"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("answer", "public"), [
    ("Sí", True), ("si", True), ("oui", True), ("Ja", True), ("да", True), ("نعم", True),
    ("sim", True), ("evet", True), ("是", True), ("Sí, muéstrenlo", True),
    ("No", False), ("non", False), ("Nein", False), ("нет", False), ("لا", False),
    ("No, gracias.", False), ("", False),
])
def test_consent_words_in_the_lists_language(tmp_path: Path, answer: str,
                                             public: bool) -> None:
    path = _write(tmp_path / "s.csv", f'name,public\nAna,"{answer}"\n')
    assert read_signers(path)[0].public is public


def test_many_unreadable_answers_are_said_once(tmp_path: Path) -> None:
    rows = "".join(f"Person {i},quizás\n" for i in range(26))
    path = _write(tmp_path / "s.csv", "name,public\n" + rows)
    with pytest.raises(AdvocateError) as info:
        read_signers(path)
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 2, messages
    assert messages[0].endswith("s.csv:2: row 1: invalid value for 'public' (use yes or no "
                                "(or the same in the list's language: sí, oui, ja, да, نعم...); "
                                "empty means no: the signer is counted, not named)")
    assert messages[1].split("s.csv:2: ")[1].startswith(
        "and 25 more rows with an invalid value for 'public' (rows 2, 3, 4, 5, 6, 7, 8, 9, "
        "10, 11, ...) (the consent answers are in a language or wording advocate does not "
        "read: map another column, change the answers to yes/no, or pass --lang CODE")
    assert "quizás" not in "\n".join(messages) and "Person" not in "\n".join(messages)


def test_the_signers_language_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", "name,lang\nAna,ES\nBo,pt_br\nCy,zh-hant\nDi,\n")
    assert [s.lang for s in read_signers(path)] == ["es", "pt-BR", "zh-Hant", None]
    bad = _write(tmp_path / "bad.csv", "name,lang\nAna,Español\n")
    with pytest.raises(AdvocateError) as info:
        read_signers(bad)
    assert str(info.value.problems[0]).endswith(
        "bad.csv:2: row 1: 'lang' is not a language code (use a code such as es, en, ar or "
        "pt-BR (or leave it empty))")


BAD_ROWS = ("name,email,city,public\n"
            "Ana Lima,ana@example.org,Rio,yes\n"
            "Bo Berg,not-an-email,Oslo,yes\n"
            "Cy Chan,cy@example.org,Lyon,perhaps\n"
            "Di Diaz,di@example.org,Lima,no\n"
            "Ed Eng,ana@example.org,Kyiv,yes\n")


def test_skip_bad_rows_keeps_the_good_ones_and_lists_the_bad(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", BAD_ROWS)
    with pytest.raises(AdvocateError):
        read_signers(path)  # strict stays the default
    reader = SignerReader(path, on_bad_row="skip")
    assert [s.row for s in reader] == [1, 4]
    skipped = [(s.row, s.line, s.column, s.reason) for s in reader.stats.skipped]
    assert skipped == [(2, 3, "email", "invalid email"),
                       (3, 4, "public", "invalid value for 'public'"),
                       (5, 6, "email", "the same email as row 1")]
    assert any("left out 3 bad rows (--on-bad-row skip)" in n.message
               for n in reader.stats.notices)


def test_build_writes_the_skipped_rows_report_and_names_nobody(run: Run,
                                                               tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", BAD_ROWS)
    out = tmp_path / "out"
    strict = run("build", "kazakhstan-2022", "--signers", str(path), "-o", str(out),
                 "--formats", "txt", "--no-documents")
    assert strict.exit_code == 2 and not out.exists()
    result = run("build", "kazakhstan-2022", "--signers", str(path), "-o", str(out),
                 "--formats", "txt", "--no-documents", "--on-bad-row", "skip", "--json")
    assert result.exit_code == 0, result.stderr
    report = list(csv.reader(io.StringIO((out / "skipped-rows.csv").read_text("utf-8"))))
    assert report[0] == ["file", "row", "line", "column", "reason", "hint"]
    assert [row[1:5] for row in report[1:]] == [
        ["2", "3", "email", "invalid email"],
        ["3", "4", "public", "invalid value for 'public'"],
        ["5", "6", "email", "the same email as row 1"]]
    summary = json.loads(result.stdout)
    assert summary["letters"] == 2 * 4
    said = [f"{w['message']} {w['hint'] or ''}" for w in summary["warnings"]]
    assert any("left out 3 bad rows" in w and "skipped-rows.csv" in w for w in said), said
    everything = result.stderr + (out / "skipped-rows.csv").read_text("utf-8")
    for private in ("Bo Berg", "not-an-email", "perhaps", "Cy Chan", "Ed Eng", "Oslo"):
        assert private not in everything


def test_build_json_carries_the_lists_warnings(run: Run, tmp_path: Path) -> None:
    sheet = LANGUAGES / "google-forms-es.csv"
    result = run("build", "kazakhstan-2022", "--signers", str(sheet), "-o",
                 str(tmp_path / "out"), "--formats", "txt", "--no-documents", "--json")
    assert result.exit_code == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    assert any("Google Forms responses: ignored 2 columns: 'Marca temporal'" in w["message"]
               for w in warnings), warnings
    assert "ignored 2 columns" in result.stderr  # and stderr says the same


def test_check_reads_the_list_as_validate_does(run: Run, tmp_path: Path) -> None:
    campaign = BILINGUAL / "campaign.yaml"  # its signers: section maps the consent column
    signers = BILINGUAL / "signers.csv"
    validate = run("validate", str(campaign), "--signers", str(signers))
    assert validate.exit_code == 0, validate.stderr
    check = run("check", str(campaign), "--no-pdf", "--signers", str(signers))
    assert check.exit_code == 0, check.stderr
    assert "no known column" not in check.stderr and "invalid" not in check.stderr
    listed = _write(tmp_path / "list.csv", "Full Name,Mail,Show\nAna,ana@example.org,sí\n")
    mapped = run("check", str(campaign), "--no-pdf", "--signers", str(listed),
                 "--columns", 'name="Full Name",email=Mail,public=Show')
    assert mapped.exit_code == 0, mapped.stderr
    unmapped = run("check", str(campaign), "--no-pdf", "--signers", str(listed))
    assert unmapped.exit_code == 2
    assert "--columns" in unmapped.stderr
    lonely = run("check", str(campaign), "--no-pdf", "--columns", "name=Full")
    assert lonely.exit_code == 2
    assert "--columns and --sheet-name need --signers FILE" in lonely.stderr


def test_the_language_goes_back_out_with_the_list() -> None:
    from advocate.signers.export import export_signers, osdi_person

    signers = read_signers(LANGUAGES / "google-forms-es.csv")
    assert osdi_person(signers[0])["languages_spoken"] == ["es"]
    assert "languages_spoken" not in osdi_person(read_signers(LANGUAGES /
                                                              "google-forms-fr.csv")[0])
    data, count = export_signers(signers, "csv", include_all=True)
    assert count == 3
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0][-1] == "lang" and [row[-1] for row in rows[1:]] == ["es", "zh", "fr"]
    assert rows[2][0] == "李文静"


def test_merged_shards_carry_the_single_builds_skipped_rows_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from test_merge import build_shards, cli, single_build, tree

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1768435200")
    path = _write(tmp_path / "s.csv", BAD_ROWS)
    kz = Path(__file__).parent.parent.parent / "campaigns" / "kazakhstan-2022.yaml"
    options = ["--formats", "txt", "--no-documents", "--on-bad-row", "skip"]
    single = single_build(kz, path, tmp_path / "single", options)
    shards = build_shards(kz, path, tmp_path, 2, options)
    merged = subprocess.run(cli("merge", *shards, "-o", tmp_path / "merged"),
                            capture_output=True, text=True, check=False, timeout=600)
    assert merged.returncode == 0, merged.stderr
    assert tree(tmp_path / "merged") == tree(single)  # byte for byte, the report too
    report = (tmp_path / "merged" / "skipped-rows.csv").read_text(encoding="utf-8")
    assert report.splitlines()[1] == "s.csv,2,3,email,invalid email,no @"
    assert str(tmp_path) not in report  # the list's file name, not where it lies


def test_a_builds_notice_of_skipped_rows_points_at_its_report(tmp_path: Path) -> None:
    from advocate.errors import Problem
    from advocate.signers.skipped import pointing_to_report

    counted = Problem("left out 3 bad rows (--on-bad-row skip)", "signers.csv",
                      hint="list them with --on-bad-row error", severity="warning")
    other = Problem("column 'Timestamp' ignored", "signers.csv", severity="warning")
    pointed = pointing_to_report([other, counted], tmp_path / "out")
    assert pointed[0] is other
    assert pointed[1].message == counted.message and pointed[1].file == "signers.csv"
    assert pointed[1].hint == (f"{tmp_path / 'out' / 'skipped-rows.csv'} lists each row and "
                               "why, never its content")
