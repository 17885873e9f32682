"""Where output may go (items 33-37): names, existing files, half-written builds,
the pack and the inputs, crashes."""


from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from catalogue import (
    LETTER,
    WORDING,
    Cli,
    listing,
    signers,
    wording,
)

from advocate.templates.host import builtin_templates
from helpers import personal_data, write

# --------------------------------------------------------------------------- 33-37: output


def test_hostile_names_never_name_a_file(cli: Cli) -> None:
    signers(cli.root, "hostile-names.csv")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                        "--formats", "txt", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    files = sorted(str(p.relative_to(cli.root)) for p in cli.root.rglob("*")
                   if p.is_file() and "out/kazakhstan-2022" in str(p))
    letters = [f for f in files if "/letters/" in f]
    assert len(letters) == 9 * 4
    targets = "(president|prosecutor-general|interior-minister|un-high-commissioner)"
    assert all(re.fullmatch(rf"out/kazakhstan-2022/letters/0000[1-9]-{targets}\.txt", f)
               for f in letters), letters
    assert {p.name for p in cli.root.iterdir()} == {"pack", "out", "signers.csv"}
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in cli.root.joinpath("out").rglob(
        "*") if p.is_file() and p.name != "keep.txt")
    for value in personal_data("hostile-names.csv"):
        assert value not in result.stderr
    manifest = (cli.root / "out/kazakhstan-2022/manifest.json").read_text(encoding="utf-8")
    assert "bashrc" not in manifest and "José" not in manifest


def test_existing_output_without_force(cli: Cli) -> None:
    args = ("build", "pack/campaign.yaml", "-o", "out", "--formats", "txt", "--jobs", "1")
    assert cli.invoke(*args).exit_code == 0
    errors = cli.refused(*args, expect="advocate: error: out: 21 files from an earlier build "
                         "already exist (use --force to overwrite them)")
    assert len(errors) == 1  # one line, the count: documents (en, ru, kk), letters, index, manifest
    write(cli.root / "out" / "00001.pdf", "%PDF earlier\n")
    cli.refused(*LETTER, "-f", "pdf", "-o", "out/00001.pdf",
                expect="advocate: error: out/00001.pdf: already exists (use --force to "
                "overwrite)")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_failure_at_signer_5_of_10_writes_nothing(cli: Cli, jobs: str) -> None:
    """The wording template fails for one signer in the middle of a batch (and its workers)."""
    write(cli.root / "signers.csv", "name,email\n" + "".join(
        f"Signer {i},s{i}@example.org\n" for i in range(1, 11)))
    source = (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8")
    wording(cli.root, "{% if writer.name == 'Signer 5' %}{{ writer.boom }}{% endif %}\n" + source)
    formats = "txt,pdf" if jobs == "2" else "txt"
    cli.refused("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                "--jobs", jobs, "--formats", formats, "--lang", "en", expect=re.compile(
                    # It fails for this signer only, so the message is withheld (issue 13).
                    rf"^advocate: error: {re.escape(WORDING)}: row 5: the template failed on "
                    r"this signer's details \(the message is withheld"),
                private=("Signer 5", "s5@example.org"))


def test_a_new_output_folder_is_not_left_behind(cli: Cli) -> None:
    wording(cli.root, "{{ writer.boom }}")
    signers(cli.root, "valid.csv")
    cli.refused("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "fresh/out",
                "--formats", "txt", "--jobs", "1", "--lang", "en",
                expect=re.compile(r"undefined field 'boom'"),
                private=tuple(personal_data("valid.csv")))
    assert not (cli.root / "fresh").exists()


@pytest.mark.parametrize("out", ["pack/templates/x.txt", "pack/templates/en/letter.md.j2",
                                 "templates-link/x.txt", "signers.csv"])
def test_letter_output_into_the_pack_or_onto_an_input(cli: Cli, out: str) -> None:
    signers(cli.root, "valid.csv")
    wording(cli.root, (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8"))
    (cli.root / "templates-link").symlink_to(cli.root / "pack" / "templates")
    cli.refused(*LETTER, "--signers", "signers.csv", "-o", out, "--force",
                expect=re.compile(r"refusing to (write into the campaign folder|overwrite an "
                                  r"input file)"),
                private=tuple(personal_data("valid.csv")))


@pytest.mark.parametrize("out", ["pack/templates", "pack/templates/sub", "templates-link"])
def test_build_output_into_the_pack_is_refused(cli: Cli, out: str) -> None:
    """A build into the pack would mix signers' letters into files others share."""
    (cli.root / "templates-link").symlink_to(cli.root / "pack" / "templates")
    cli.refused("build", "pack/campaign.yaml", "-o", out, "--formats", "txt", "--jobs", "1",
                expect=re.compile(r"refusing to write into the campaign folder"))


def test_build_output_onto_the_signer_list(cli: Cli) -> None:
    signers(cli.root, "valid.csv")
    cli.refused("build", "pack/campaign.yaml", "-o", "signers.csv", "--signers", "signers.csv",
                expect=re.compile(r"^advocate: error: signers\.csv: "),
                private=tuple(personal_data("valid.csv")))


def test_build_into_a_symlink_leading_out_of_the_output_folder(cli: Cli) -> None:
    (cli.root / "elsewhere").mkdir()
    (cli.root / "out" / "kazakhstan-2022").symlink_to(cli.root / "elsewhere")
    cli.refused("build", "pack/campaign.yaml", "-o", "out", "--formats", "txt", "--jobs", "1",
                expect="advocate: error: out/kazakhstan-2022/brief.html: refusing to write "
                "outside the output folder (a folder on the way is a symlink that leads "
                "elsewhere)")
    assert list((cli.root / "elsewhere").iterdir()) == []


def test_letter_output_into_the_installed_templates_is_refused(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing into the built-in templates would change every later render (recorded, not
    written: the test never touches the installed package)."""
    import advocate.output.files

    written: list[Path] = []
    monkeypatch.setattr(advocate.output.files, "write_file",
                        lambda path, data, **kw: written.append(Path(path)))
    target = builtin_templates() / "zz-catalogue-probe.txt"
    result = cli.invoke(*LETTER, "-o", str(target))
    assert written == []
    assert result.exit_code == 2
    assert "refusing to write into the campaign folder" in result.stderr


def test_a_crash_names_only_its_type(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import advocate.render.eml

    def crash(**kwargs: Any) -> bytes:
        raise RuntimeError(f"boom for {kwargs['from_name']} <{kwargs['from_addr']}>")

    monkeypatch.setattr(advocate.render.eml, "build_eml", crash)
    signers(cli.root, "valid.csv")
    before = listing(cli.root)
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                        "--formats", "txt,eml", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("advocate: internal error: RuntimeError (this is a bug; please "
                             "report it; --debug shows the traceback)\n")
    assert listing(cli.root) == before
    for value in personal_data("valid.csv"):
        assert value not in result.stderr


def test_refusals_with_json_print_the_errors_as_json_and_nothing_else(cli: Cli) -> None:
    wording(cli.root, "{{ writer.boom }}")
    cli.refused("build", "pack/campaign.yaml", "-o", "out", "--json", "--formats", "txt",
                "--lang", "en", expect=re.compile(r"undefined field 'boom'"))


def test_no_socket_is_opened_in_this_process() -> None:
    """The suite runs with pytest-socket: an accidental fetch in any test here would fail."""
    with pytest.raises(Exception, match="socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


