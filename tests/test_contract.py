"""The contract scripts rely on: JSON that follows its published schema on success and on
failure, a typed library, exit codes that tell a bad campaign (2) from a refusal of the
operating system (74), and flags that behave the same before and after the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import Result

import advocate
from advocate.json_output import SCHEMAS, schema_text

Run = Callable[..., Result]
ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "campaigns" / "minimal.yaml"
WORLD = ROOT / "tests" / "fixtures" / "world"
HERE = Path(__file__).parent / "contract"


def conforms(kind: str, document: Any) -> Any:
    """``document`` checked against the schema the package ships for ``kind``."""
    schema = json.loads(schema_text(kind))
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(document), key=str)
    assert not errors, [e.message for e in errors]
    assert document.get("schema", SCHEMAS[kind]) == SCHEMAS[kind]
    return document


def test_the_shipped_schemas_are_the_committed_ones() -> None:
    for name in SCHEMAS.values():
        committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert schema_text(next(k for k, v in SCHEMAS.items() if v == name)) == committed


def test_build_json_on_success_dry_run_and_failure_follows_its_schema(
        run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("build", str(WORLD / "campaign.yaml"), "--signers", str(WORLD / "signers.csv"),
            "-o", str(out), "--formats", "txt,eml", "--json")
    dry = conforms("build", json.loads(run(*args, "--dry-run").stdout))
    built = run(*args)
    assert built.exit_code == 0, built.stderr
    real = conforms("build", json.loads(built.stdout))
    assert real["ok"] and dry["ok"] and dry["dry_run"] and not real["dry_run"]
    assert dry["files"] == real["files"] and dry["letters"] == real["letters"] > 0
    assert dry["file_count"] == real["file_count"] == len(real["files"])
    assert [c["letters"] for c in dry["campaigns"]] == [c["letters"] for c in real["campaigns"]]
    assert dry["campaigns"][0]["mailto"] is None and real["campaigns"][0]["mailto"]
    assert all((out / path).is_file() for path in real["files"])
    for manifest in out.glob("*/manifest.json"):
        conforms("manifest", json.loads(manifest.read_text(encoding="utf-8")))
    again = run(*args)  # the output exists now: refused, and said in JSON
    assert again.exit_code == 2
    failed = conforms("build", json.loads(again.stdout))
    assert failed["ok"] is False and "already exist" in failed["errors"][0]["message"]
    assert "advocate: error:" in again.stderr


def test_build_json_names_a_bad_row_with_its_position(run: Run, tmp_path: Path) -> None:
    signers = tmp_path / "s.csv"
    signers.write_text("name,email\nA. Writer,not-an-email\n", encoding="utf-8")
    result = run("build", "kazakhstan-2022", "--signers", str(signers), "-o",
                 str(tmp_path / "o"), "--json")
    assert result.exit_code == 2
    failed = conforms("build", json.loads(result.stdout))
    error = failed["errors"][0]
    assert error["file"] == str(signers) and error["line"] == 2 and error["severity"] == "error"
    assert not (tmp_path / "o").exists()


def half_translated(folder: Path) -> Path:
    """A campaign in two languages whose title lacks its German text: a warning, no error."""
    path = folder / "half.yaml"
    path.write_text(MINIMAL.read_text(encoding="utf-8").replace(
        "title: T\n", "title: {en: T}\ntranslations:\n  de: {}\n"), encoding="utf-8")
    return path


def test_build_json_warnings_are_objects_like_checks(run: Run, tmp_path: Path) -> None:
    result = run("build", str(half_translated(tmp_path)), "-o", str(tmp_path / "o"),
                 "--formats", "txt", "--no-documents", "--json")
    assert result.exit_code == 0, result.stderr
    summary = conforms("build", json.loads(result.stdout))
    assert summary["warnings"] and all(w["severity"] == "warning" and w["line"]
                                       for w in summary["warnings"])
    assert "title: no de text" in summary["warnings"][0]["message"]


def test_check_validate_list_verify_follow_their_schemas(run: Run, tmp_path: Path) -> None:
    checked = run("check", "kazakhstan-2022", "--no-pdf", "--json")
    assert checked.exit_code == 0
    assert conforms("check", json.loads(checked.stdout))["warnings"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("advocate: 1\nid: Bad\n", encoding="utf-8")
    failed = run("check", str(bad), "--json")
    assert failed.exit_code == 2 and not conforms("check", json.loads(failed.stdout))["ok"]
    valid = run("validate", "kazakhstan-2022", "--signers", str(WORLD / "signers.csv"),
                "--json")
    assert valid.exit_code == 0, valid.stderr
    shown = conforms("validate", json.loads(valid.stdout))
    assert shown["campaigns"][0]["id"] == "kazakhstan-2022" and shown["signers"]["rows"] > 0
    invalid = run("validate", str(bad), "--json")
    assert invalid.exit_code == 2
    assert conforms("validate", json.loads(invalid.stdout))["errors"][0]["line"] == 1
    listed = conforms("list", json.loads(run("list", "--json").stdout))
    assert listed["campaigns"][0]["id"] == "kazakhstan-2022"
    out = tmp_path / "out"
    assert run("build", "kazakhstan-2022", "-o", str(out), "--formats", "txt",
               "--no-documents").exit_code == 0
    verified = run("verify", str(out), "--json")
    assert verified.exit_code == 0 and conforms("verify", json.loads(verified.stdout))["ok"]
    missing = run("verify", str(tmp_path / "nowhere"), "--json")
    assert missing.exit_code == 2 and not conforms("verify", json.loads(missing.stdout))["ok"]


def test_signers_osdi_output_follows_its_schema(run: Run) -> None:
    result = run("signers", str(WORLD / "signers.csv"), "--to", "osdi-json", "--all")
    assert result.exit_code == 0, result.stderr
    people = conforms("signers-osdi", json.loads(result.stdout))
    assert people["_embedded"]["osdi:people"]


def test_schema_command_prints_each_schema(run: Run) -> None:
    for kind in ("build", "check", "manifest"):
        assert json.loads(run("schema", kind).stdout) == json.loads(schema_text(kind))
    assert "advocate campaign" in run("schema").stdout


def test_verify_finds_changed_missing_and_unlisted_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    advocate.build_campaigns([str(MINIMAL)], str(out),
                             advocate.BuildOptions(formats=("txt",), documents=False))
    assert advocate.verify_build(out).ok
    folder = out / "x"
    letter = next((folder / "letters").iterdir())
    letter.write_text(letter.read_text(encoding="utf-8").upper(), encoding="utf-8")
    (folder / "index.html").unlink()
    (folder / "extra.txt").write_text("x", encoding="utf-8")
    report = advocate.verify_build(folder)
    assert not report.ok
    found = {(Path(p.file or "").name, p.severity) for p in report.problems}
    assert (letter.name, "error") in found and ("index.html", "error") in found
    assert ("extra.txt", "warning") in found


def test_quiet_means_errors_only_before_or_after_the_command(run: Run, tmp_path: Path) -> None:
    for args in (["-q", "validate", "kazakhstan-2022"], ["validate", "kazakhstan-2022", "-q"],
                 ["build", "kazakhstan-2022", "-o", str(tmp_path / "o"), "--formats", "txt",
                  "--no-documents", "--quiet"]):
        result = run(*args)
        assert result.exit_code == 0 and result.stderr == "", (args, result.stderr)
    loud = run("check", "kazakhstan-2022", "--no-pdf")
    assert "advocate: ok:" in loud.stderr
    refused = run("validate", str(tmp_path / "nope.yaml"), "-q")
    assert refused.exit_code == 2 and "advocate: error:" in refused.stderr


def test_color_is_asked_for_or_refused_in_either_position(run: Run) -> None:
    always = run("check", "kazakhstan-2022", "--no-pdf", "--color", "always")
    assert "\x1b[1;33madvocate: warning:\x1b[0m" in always.stderr
    assert "\x1b[" not in run("--color", "never", "check", "kazakhstan-2022",
                              "--no-pdf").stderr
    assert "\x1b[" not in run("check", "kazakhstan-2022", "--no-pdf").stderr  # not a tty
    wrong = run("check", "kazakhstan-2022", "--color", "sometimes")
    assert wrong.exit_code == 2 and "is not one of: auto, always, never" in wrong.stderr


def test_an_os_refusal_exits_74_and_is_not_called_a_bug(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "advocate", "letter", "kazakhstan-2022",
                               "--to", "president"], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 74
    assert done.stderr == ("advocate: error: the operating system refused: No space left on "
                           "device (free some space on the disk, or write elsewhere)\n")


def test_a_permission_refused_exits_74_with_json(run: Run, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from advocate.output import files

    def refuse(path: Path, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files, "write_file", refuse)
    result = run("letter", "kazakhstan-2022", "--to", "president", "-o",
                 str(tmp_path / "l.txt"))
    assert result.exit_code == 74
    assert result.stderr == (f"advocate: error: {tmp_path / 'l.txt'}: the operating system "
                             "refused: Permission denied (check the permissions, or write "
                             "elsewhere)\n")


def test_check_rules_have_codes_to_ignore(run: Run, pack: Path) -> None:
    codes = run("check", "--rules").stdout
    assert "stale-facts" in codes and "letter-pages" in codes
    plain = run("check", str(pack), "--no-pdf", "--json")
    assert "stale-facts" in {w["code"] for w in json.loads(plain.stdout)["warnings"]}
    ignored = json.loads(run("check", str(pack), "--no-pdf", "--json", "--ignore",
                             "stale-facts").stdout)
    assert "stale-facts" not in {w["code"] for w in ignored["warnings"]}
    assert ignored["campaigns"][0]["ignored"] == 1
    pack.write_text(pack.read_text(encoding="utf-8") + "check:\n  ignore: [unreachable-target]\n",
                    encoding="utf-8")
    listed = json.loads(run("check", str(pack), "--no-pdf", "--json").stdout)
    assert "unreachable-target" not in {w["code"] for w in listed["warnings"]}
    unknown = run("check", str(pack), "--ignore", "stale-fact")
    assert unknown.exit_code == 2 and "did you mean 'stale-facts'?" in unknown.stderr
    pack.write_text(pack.read_text(encoding="utf-8").replace(
        "[unreachable-target]", "[nonsense]"), encoding="utf-8")
    assert run("validate", str(pack)).exit_code == 2


def test_build_strict_fails_on_a_warning_and_writes_nothing(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", str(half_translated(tmp_path)), "-o", str(out), "--formats", "txt",
                 "--no-documents", "--strict", "--json")
    assert result.exit_code == 2 and not out.exists()
    failed = conforms("build", json.loads(result.stdout))
    assert "title: no de text" in failed["errors"][0]["message"]
    assert run("build", str(MINIMAL), "-o", str(out), "--formats", "txt", "--no-documents",
               "--strict").exit_code == 0


def test_date_moves_the_letter_not_checks_today(run: Run, tmp_path: Path) -> None:
    dated = run("letter", str(MINIMAL), "--to", "t", "--date", "2031-02-03", "--lang", "en")
    assert dated.exit_code == 0 and "3 February 2031" in dated.stdout
    assert "3 February 2031" not in run("letter", str(MINIMAL), "--to", "t").stdout
    bad = run("letter", str(MINIMAL), "--date", "2031-13-03")
    assert bad.exit_code == 2 and "is not a date written YYYY-MM-DD" in bad.stderr
    assert "future" not in run("check", str(MINIMAL), "--no-pdf").stderr


def test_folder_arguments_take_every_campaign_in_them(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "campaigns"
    folder.mkdir()
    shutil.copy(MINIMAL, folder / "one.yaml")
    (folder / "two.yaml").write_text(MINIMAL.read_text(encoding="utf-8").replace(
        "id: x", "id: y"), encoding="utf-8")
    result = run("validate", str(folder))
    assert result.exit_code == 0 and result.stderr.count("advocate: ok:") == 2
    assert "1 fact, 1 ask, 1 target (en)" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = run("validate", str(empty))
    assert refused.exit_code == 2 and "no campaign files" in refused.stderr


def test_help_names_values_not_python_types(run: Run) -> None:
    import typer

    from advocate.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    for name in ["", *group.commands]:
        text = run(*([name] if name else []), "--help").stdout
        for python in ("<str>", "<list", "<int", "<path>", "<datetime", "range>"):
            assert python not in text, (name, python)
    assert "-q, --quiet" in run("build", "--help").stdout


def test_missing_campaign_and_signer_list_read_alike(run: Run, tmp_path: Path) -> None:
    campaign = run("validate", str(tmp_path / "c.yaml")).stderr
    signers = run("validate", "kazakhstan-2022", "--signers", str(tmp_path / "s.csv")).stderr
    assert ": no such file (check the path" in campaign
    assert f"{tmp_path / 's.csv'}: no such file (check the path)" in signers


def test_completion_offers_targets_and_languages() -> None:
    from advocate import completion

    os.environ.pop("_TYPER_COMPLETE_ARGS", None)

    from types import SimpleNamespace

    context: Any = SimpleNamespace(params={"campaign": "kazakhstan-2022"})
    assert completion.targets(context, "pre") == ["president"]
    assert completion.languages(context, "k") == ["kk"]
    assert "kazakhstan-2022" in completion.campaigns("kaz")


def test_the_library_takes_str_paths_and_shows_its_names() -> None:
    campaign = advocate.load_campaign(str(MINIMAL))
    assert campaign.id == "x" and advocate.resolve_campaign(MINIMAL) == MINIMAL
    assert isinstance(advocate.check_campaign(str(MINIMAL), render_pdfs=False), list)
    names = dir(advocate)
    assert {"Document", "PdfResult", "BuildResult", "Problem", "verify_build"} <= set(names)
    assert "import_module" not in names and "Any" not in names
    for name in ("Document", "PdfResult", "BuildResult", "Problem"):
        assert getattr(advocate, name).__doc__
    with pytest.raises(AttributeError):
        advocate.nonexistent_function  # noqa: B018
    assert (ROOT / "src" / "advocate" / "py.typed").is_file()


def test_a_typed_script_from_the_docs_passes_mypy_strict(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    shutil.copy(HERE / "typed_script.py", script)
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import advocate\n\nadvocate.nonexistent_function()\n", encoding="utf-8")
    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path / "cache")}

    def mypy(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                               "--follow-imports=silent", str(path)], capture_output=True,
                              text=True, cwd=tmp_path, env=env, timeout=600, check=False)

    good = mypy(script)
    assert good.returncode == 0, good.stdout
    bad = mypy(wrong)
    assert bad.returncode == 1
    assert 'Module has no attribute "nonexistent_function"' in bad.stdout


def test_a_ci_script_tells_a_full_disk_from_a_bad_campaign(tmp_path: Path) -> None:
    command = shutil.which("advocate", path=str(Path(sys.executable).parent))
    assert command is not None
    bad = tmp_path / "bad.yaml"
    bad.write_text("advocate: 1\n", encoding="utf-8")
    done = subprocess.run(["sh", str(HERE / "ci_script.sh"), command, str(tmp_path / "out"),
                           str(bad)], capture_output=True, text=True, timeout=600,
                          check=False, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "ci-ok\n", done.stdout + done.stderr
    summary = conforms("build", json.loads((tmp_path / "out.json").read_text("utf-8")))
    assert summary["ok"] and summary["files"]
    assert conforms("build", json.loads((tmp_path / "out-bad.json").read_text("utf-8")))[
        "ok"] is False


def test_json_mode_ends_with_its_command(run: Run, tmp_path: Path) -> None:
    """A failure prints JSON only in the invocation that asked for it."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("advocate: 1\n", encoding="utf-8")
    assert json.loads(run("build", str(bad), "--json").stdout)["ok"] is False
    plain = run("build", str(bad))
    assert plain.exit_code == 2 and plain.stdout == ""


def test_build_json_names_an_undrawable_name_by_row(run: Run, tmp_path: Path) -> None:
    signers = tmp_path / "s.csv"
    signers.write_text("name,email\n\U00013000\U00013001,h@example.org\n", encoding="utf-8")
    result = run("build", "kazakhstan-2022", "--signers", str(signers), "-o",
                 str(tmp_path / "o"), "--json")
    assert result.exit_code == 2 and not (tmp_path / "o").exists()
    error = conforms("build", json.loads(result.stdout))["errors"][0]
    assert (error["file"], error["line"]) == (str(signers), 2)
    assert "Egyptian Hieroglyphs" in error["message"] and "\U00013000" not in result.stdout


@pytest.mark.parametrize("count", [0, 1, 10_000, 10_001, 25_000])
def test_a_long_file_list_is_written_whole_one_path_a_line(count: int) -> None:
    import io

    from advocate.json_output import write

    paths = [f"c/letters/{i:05d}-t.txt" for i in range(count)]
    buffer = io.StringIO()
    write({"schema": "build-1.schema.json", "campaigns": [{"file_count": 1}]}, buffer,
          files=iter(paths))
    text = buffer.getvalue()
    assert json.loads(text) == {"schema": "build-1.schema.json",
                                "campaigns": [{"file_count": 1}], "files": paths}
    assert text.count("\n") == text.count("\n    \"c/letters/") + (10 if count else 9)
