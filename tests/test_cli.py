"""The command line: every command, its whole output, its exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.cli import app
from helpers import snapshot, write

Run = Callable[..., Result]
GOLDEN = Path(__file__).parent / "golden"
SIGNERS = Path(__file__).parent / "fixtures" / "signers" / "valid.csv"


def test_letter_to_stdout_is_the_golden_letter(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer",
                 "--city", "Berlin", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / "letter-president-en.txt").read_text(encoding="utf-8")
    assert result.stderr == ""


def test_letter_uses_the_targets_language_by_default(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--to", "president", "--name", "A", "--city", "B")
    assert result.exit_code == 0
    assert "Токаев" in result.stdout


def test_letter_to_every_target_without_to(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--lang", "en", "-f", "md")
    assert result.exit_code == 0
    for salutation in ("Dear President Tokayev,", "Dear Prosecutor General,", "Dear Minister,",
                       "Dear High Commissioner,"):
        assert salutation in result.stdout


def test_letter_to_file_writes_it_atomically_and_refuses_to_overwrite(
        run: Run, tmp_path: Path) -> None:
    out = tmp_path / "letter.html"
    result = run("letter", "kazakhstan-2022", "--to", "president", "--lang", "en",
                 "-f", "html", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = snapshot(tmp_path)
    again = run("letter", "kazakhstan-2022", "--to", "president", "-f", "html", "-o", str(out))
    assert again.exit_code == 2
    assert "exists" in again.stderr and "--force" in again.stderr
    assert snapshot(tmp_path) == before
    forced = run("letter", "kazakhstan-2022", "--to", "president", "-f", "txt", "-o", str(out),
                 "--force")
    assert forced.exit_code == 0 and "Токаев" in out.read_text(encoding="utf-8")


def test_a_pdf_goes_to_stdout_when_it_is_not_a_terminal(run: Run) -> None:
    result = run("brief", "kazakhstan-2022")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-") and result.stdout_bytes.rstrip().endswith(
        b"%%EOF")


def test_a_pdf_is_refused_on_a_terminal(tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "advocate", "brief", "kazakhstan-2022",
                               "--format", "pdf"], stdout=follower, stderr=subprocess.PIPE,
                              cwd=tmp_path, timeout=120, check=False)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert done.stderr.decode() == ("advocate: error: a PDF cannot go to the terminal "
                                    "(pass -o FILE.pdf, or redirect: > FILE.pdf)\n")


def test_output_onto_the_campaign_file_is_refused(run: Run, pack: Path) -> None:
    before = pack.read_bytes()
    result = run("letter", str(pack), "--to", "president", "-o", str(pack), "--force")
    assert result.exit_code == 2
    assert pack.read_bytes() == before


def test_eml_draft_parses_back(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--to", "un-high-commissioner", "--name",
                 "Jörg Brandt", "--email", "joerg@example.org", "--city", "Berlin",
                 "-f", "eml")
    assert result.exit_code == 0, result.stderr
    message = BytesParser(policy=policy.default).parsebytes(result.stdout.encode())
    assert message["From"].addresses[0].display_name == "Jörg Brandt"
    assert message["Subject"] == "Justice for Kazakhstan's peaceful protesters"
    assert message["Message-ID"] is None and message["Date"] is None
    assert "Dear High Commissioner," in message.get_content()
    assert "has no email address" in result.stderr


def test_eml_of_several_letters_is_refused(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "-f", "eml")
    assert result.exit_code == 2
    assert "--format eml writes one message" in result.stderr


def test_letters_for_every_signer(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--to", "un-high-commissioner", "--signers",
                 str(SIGNERS))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("Dear High Commissioner,") == 4
    assert "I stood in Almaty in 2022." in result.stdout


def test_signers_and_name_together_are_refused(run: Run) -> None:
    result = run("letter", "kazakhstan-2022", "--signers", str(SIGNERS), "--name", "X")
    assert result.exit_code == 2 and "cannot be combined" in result.stderr


def test_petition_and_sheet(run: Run) -> None:
    result = run("petition", "kazakhstan-2022", "--signers", str(SIGNERS), "--lang", "en")
    assert result.exit_code == 0
    assert result.stdout == (GOLDEN / "petition-en.md").read_text(encoding="utf-8")
    sheet = run("petition", "kazakhstan-2022", "--sheet", "--lang", "en")
    assert sheet.stdout == (GOLDEN / "sheet-en.md").read_text(encoding="utf-8")


def test_brief_markdown(run: Run) -> None:
    result = run("brief", "kazakhstan-2022", "-f", "md", "--lang", "en")
    assert result.stdout == (GOLDEN / "brief-en.md").read_text(encoding="utf-8")


def test_validate_ok_and_bad(run: Run, tmp_path: Path) -> None:
    ok = run("validate", "kazakhstan-2022")
    assert ok.exit_code == 0 and ok.stdout == ""
    assert ok.stderr.startswith("advocate: ok: ")
    bad = write(tmp_path / "bad.yaml", "advocate: 1\nid: x\ntitle: t\ntitle: u\n")
    worse = write(tmp_path / "worse.yaml", "advocate: 1\nid: Bad Id\n")
    result = run("validate", str(bad), str(worse), "kazakhstan-2022")
    assert result.exit_code == 2
    lines = result.stderr.replace(str(tmp_path) + "/", "").splitlines()
    assert "advocate: error: bad.yaml:4:1: duplicate key 'title' (first defined at line 3)" \
        in lines
    assert any(line.startswith("advocate: error: worse.yaml:2:5: id: 'Bad Id' is not an id")
               for line in lines)
    assert any(line.startswith("advocate: ok: ") for line in lines)


def test_validate_signers(run: Run, tmp_path: Path) -> None:
    bad = write(tmp_path / "signers.csv", "name,email,email\nA,a@x.org,b@x.org\n")
    result = run("validate", "kazakhstan-2022", "--signers", str(bad))
    assert result.exit_code == 2
    assert "signers.csv:1: duplicate column 'email'" in result.stderr


def test_list(run: Run) -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "kazakhstan-2022  Justice for Kazakhstan's peaceful protesters" in result.stdout
    assert "ru (not yet reviewed)" in result.stdout
    assert "en: brief, card, casecards, followup, kit, letter, petition, poster, sheet, " \
        "signin, tally" in result.stdout  # the kit's and followup's wording too


def test_schema_is_the_committed_schema(run: Run) -> None:
    result = run("schema")
    committed = Path(__file__).parent.parent / "campaign.schema.json"
    assert json.loads(result.stdout) == json.loads(committed.read_text(encoding="utf-8"))


def test_new_writes_a_valid_campaign_and_never_overwrites(run: Run, tmp_path: Path) -> None:
    result = run("new", "free-press", "--dir", str(tmp_path), "--templates")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "templates" / "en" / "letter.md.j2").is_file()
    assert run("validate", str(tmp_path / "free-press.yaml")).exit_code == 0
    letter = run("letter", str(tmp_path / "free-press.yaml"))
    assert "Dear Minister," in letter.stdout
    again = run("new", "free-press", "--dir", str(tmp_path))
    assert again.exit_code == 2 and "never overwrites" in again.stderr
    assert run("new", "Bad Name", "--dir", str(tmp_path)).exit_code == 2


@pytest.mark.parametrize("args", [["letter", "nope"], ["letter", "missing.yaml"],
                                  ["letter", "kazakhstan-2022", "--to", "king"],
                                  ["letter", "kazakhstan-2022", "--format", "docx"],
                                  ["brief", "kazakhstan-2022", "--lang", "fr"],
                                  ["frobnicate"]])
def test_bad_input_exits_2_with_a_message_and_no_output(run: Run, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_a_bug_exits_1_without_personal_data(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import advocate.render.documents

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Jane Doe jane@example.org")

    monkeypatch.setattr(advocate.render.documents.Renderer, "letter", broken)
    result = run("letter", "kazakhstan-2022", "--name", "Jane Doe", "--email",
                 "jane@example.org")
    assert result.exit_code == 1
    assert result.stderr == ("advocate: internal error: RuntimeError (this is a bug; please "
                             "report it; --debug shows the traceback)\n")


def test_every_command_has_help_with_an_example(run: Run) -> None:
    import typer.main

    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert {"validate", "letter", "petition", "brief", "list", "new", "schema"} <= set(names)
    for name in names:
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Example: advocate " + name in " ".join(result.stdout.split()), name
        assert group.commands[name].help  # type: ignore[attr-defined]


def test_python_dash_m_advocate_works_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1768435200"}
    result = subprocess.run(
        [sys.executable, "-m", "advocate", "letter", "kazakhstan-2022", "--to", "president",
         "--name", "A. Writer", "--city", "Berlin", "--lang", "en"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (GOLDEN / "letter-president-en.txt").read_text(encoding="utf-8")


def test_text_commands_never_import_weasyprint(tmp_path: Path) -> None:
    code = ("import sys; from advocate.cli import main; sys.argv = ['advocate', 'letter', "
            "'kazakhstan-2022', '-f', 'html']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'weasyprint' not in sys.modules, 'weasyprint imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
