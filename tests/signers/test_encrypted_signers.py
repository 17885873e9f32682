"""Encrypted signer lists (encryption.py): `--signers list.csv.age` is decrypted in
memory only, with a passphrase (terminal, file, descriptor) or an age identity."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
from typer.testing import Result

from test_offline import strace_works

WORLD = Path(__file__).parents[1] / "fixtures" / "world"
PASSPHRASE = "correct horse battery staple"
Run = Callable[..., Result]
LETTER = ["letter", str(WORLD / "campaign.yaml"), "--to", "minister", "--lang", "en"]


def _names() -> list[str]:
    return [line.split(",")[0] for line in
            (WORLD / "signers.csv").read_text(encoding="utf-8").splitlines()[1:]]


@pytest.fixture
def sealed(tmp_path: Path) -> dict[str, Path]:
    """The world list encrypted to a passphrase and to an identity, the secrets in files."""
    plain = (WORLD / "signers.csv").read_bytes()
    identity = pyrage.x25519.Identity.generate()
    folder = tmp_path / "secrets"
    folder.mkdir()
    found = {"passphrase_list": folder / "signers.csv.age",
             "identity_list": folder / "by-key.csv.age",
             "passphrase": folder / "passphrase.txt", "identity": folder / "key.txt",
             "yaml_list": folder / "signers.yaml.age"}
    found["passphrase_list"].write_bytes(pyrage.passphrase.encrypt(plain, PASSPHRASE))
    found["identity_list"].write_bytes(pyrage.encrypt(plain, [identity.to_public()]))
    found["passphrase"].write_text(PASSPHRASE + "\n", encoding="utf-8")
    found["identity"].write_text(f"# created: today\n{identity}\n", encoding="utf-8")
    yaml = "".join(f"- name: {name}\n" for name in _names()[:3])
    found["yaml_list"].write_bytes(pyrage.passphrase.encrypt(yaml.encode(), PASSPHRASE))
    return found


def test_a_list_encrypted_to_a_passphrase_or_a_key_gives_the_plain_lists_letters(
        run: Run, sealed: dict[str, Path]) -> None:
    plain = run(*LETTER, "--signers", str(WORLD / "signers.csv"))
    assert plain.exit_code == 0, plain.stderr
    by_file = run(*LETTER, "--signers", str(sealed["passphrase_list"]), "--passphrase-file",
                  str(sealed["passphrase"]))
    by_key = run(*LETTER, "--signers", str(sealed["identity_list"]), "--identity",
                 str(sealed["identity"]))
    assert by_file.exit_code == by_key.exit_code == 0, by_file.stderr + by_key.stderr
    assert by_file.stdout == by_key.stdout == plain.stdout
    assert all(name in plain.stdout for name in _names())
    yaml = run(*LETTER, "--signers", str(sealed["yaml_list"]), "--passphrase-file",
               str(sealed["passphrase"]))
    assert yaml.exit_code == 0 and all(name in yaml.stdout for name in _names()[:3])


def test_a_passphrase_from_a_descriptor_for_scripts(sealed: dict[str, Path]) -> None:
    reading, writing = os.pipe()
    os.write(writing, PASSPHRASE.encode() + b"\n")
    os.close(writing)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "advocate", *LETTER, "--signers",
             str(sealed["passphrase_list"]), "--passphrase-fd", str(reading)],
            capture_output=True, text=True, pass_fds=(reading,), timeout=120,
            stdin=subprocess.DEVNULL)
    finally:
        os.close(reading)
    assert result.returncode == 0, result.stderr
    assert _names()[0] in result.stdout


def test_the_passphrase_is_asked_for_on_a_terminal(run: Run, sealed: dict[str, Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    asked: list[str] = []

    def prompt(text: str = "") -> str:
        asked.append(text)
        return PASSPHRASE

    monkeypatch.setattr(getpass, "getpass", prompt)
    from advocate import encryption as encrypted

    monkeypatch.setattr(encrypted, "on_terminal", lambda: True)
    result = run(*LETTER, "--signers", str(sealed["passphrase_list"]))
    assert result.exit_code == 0, result.stderr
    assert asked == [f"Passphrase for {sealed['passphrase_list']}: "]


@pytest.mark.parametrize(("extra", "expect"), [
    ([], r"signers\.csv\.age: an encrypted signer list, and no key to decrypt it "
         r"\(give --passphrase-file"),
    (["--passphrase-file", "WRONG"], r"signers\.csv\.age: cannot decrypt: the wrong passphrase"),
    (["--identity", "KEY"], r"signers\.csv\.age: cannot decrypt: the wrong identity"),
    (["--identity", "PASSPHRASE"], r"passphrase\.txt:1: not an age identity"),
    (["--passphrase-file", "PASSPHRASE", "--identity", "KEY"],
     r"give one of --passphrase-file, --passphrase-fd and --identity"),
    (["--passphrase-file", "EMPTY"], r"empty\.txt: no passphrase"),
    (["--passphrase-fd", "987"], r"--passphrase-fd 987: cannot read"),
])
def test_a_missing_or_wrong_key_is_a_clear_refusal(run: Run, sealed: dict[str, Path],
                                                   tmp_path: Path, extra: list[str],
                                                   expect: str) -> None:
    other = tmp_path / "other.txt"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n", encoding="utf-8")
    (tmp_path / "wrong.txt").write_text("not it\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    names = {"WRONG": tmp_path / "wrong.txt", "KEY": other, "PASSPHRASE": sealed["passphrase"],
             "EMPTY": tmp_path / "empty.txt"}
    args = [str(names.get(a, a)) for a in extra]
    result = run(*LETTER, "--signers", str(sealed["passphrase_list"]), *args)
    assert result.exit_code == 2, result.stderr
    assert re.search(expect, " ".join(result.stderr.split())), result.stderr
    assert "Traceback" not in result.stderr and PASSPHRASE not in result.stderr


def test_an_encrypted_spreadsheet_is_refused_until_it_can_stay_in_memory(
        run: Run, sealed: dict[str, Path], tmp_path: Path) -> None:
    book = tmp_path / "signers.xlsx.age"
    book.write_bytes(pyrage.passphrase.encrypt(b"PK\x03\x04 not really", PASSPHRASE))
    result = run(*LETTER, "--signers", str(book), "--passphrase-file",
                 str(sealed["passphrase"]))
    assert result.exit_code == 2
    assert "signers.xlsx.age: an encrypted spreadsheet is not read yet" in result.stderr
    assert "save the sheet as CSV UTF-8" in " ".join(result.stderr.split())


@pytest.mark.skipif(not strace_works(), reason="strace cannot trace here")
def test_no_plaintext_touches_the_disk(sealed: dict[str, Path], tmp_path: Path) -> None:
    """Every file any process of advocate opens for writing (strace, children included) while
    it reads an encrypted list and writes letters to standard output: none."""
    empty = {name: tmp_path / name for name in ("home", "tmp", "cache", "work")}
    for folder in empty.values():
        folder.mkdir()
    env = {**os.environ, "HOME": str(empty["home"]), "TMPDIR": str(empty["tmp"]),
           "XDG_CACHE_HOME": str(empty["cache"]), "ADVOCATE_CACHE": "1"}
    trace = tmp_path / "strace.log"
    for command in (
            [*LETTER, "--signers", str(sealed["passphrase_list"])],
            ["validate", str(WORLD / "campaign.yaml"), "--signers",
             str(sealed["passphrase_list"])],
            ["signers", str(sealed["passphrase_list"])]):
        result = subprocess.run(
            ["strace", "-f", "-qq", "-e", "trace=open,openat,creat,rename,renameat,renameat2,"
             "link,linkat,mknod,mknodat", "-o", str(trace), sys.executable, "-m", "advocate",
             *command, "--passphrase-file", str(sealed["passphrase"])],
            capture_output=True, text=True, env=env, cwd=empty["work"], timeout=300)
        assert result.returncode == 0, result.stderr
        assert command[0] == "validate" or _names()[0] in result.stdout
        written = [line for line in trace.read_text(encoding="utf-8").splitlines()
                   if re.match(r"\d+ +(creat|rename\w*|link\w*|mknod\w*)\(", line)
                   or re.search(r"\bO_(WRONLY|RDWR|CREAT)\b", line)
                   if "/dev/null" not in line and "= -1" not in line]
        assert written == [], written[:5]
        for folder in empty.values():
            assert list(folder.iterdir()) == [], folder
    shutil.rmtree(tmp_path / "secrets")
