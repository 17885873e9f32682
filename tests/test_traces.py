"""No trace left behind (SECURITY.md, "What advocate writes outside -o"): after each command,
nothing remains outside what it was asked to write, and nothing it wrote outside that along
the way is anything but the files SECURITY.md lists (fonts, a fontconfig file).

Each command runs in a fresh process with HOME, TMPDIR and XDG_CACHE_HOME pointed at empty
folders and the working folder empty but for its inputs; where strace can trace, every file
or folder any of its processes creates, opens for writing, renames or links is recorded and
checked against the list.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pyrage
import pytest

from test_offline import strace_works

REPO = Path(__file__).resolve().parent.parent
WORLD = Path(__file__).parent / "fixtures" / "world"
AZ = REPO / "examples" / "journalists-az"
#: What may be written outside the output, relative to TMPDIR (SECURITY.md lists each).
TEMPORARY = re.compile(
    r"(advocate-child-[^/]+(/weasyprint-[^/]+(/[0-9a-f]+)?"
    r"|/advocate-fc-[^/]+(/fonts\.conf)?)?"
    r"|advocate-fc-[^/]+(/fonts\.conf)?|weasyprint-[^/]+(/[0-9a-f]+)?"
    r"|[a-z0-9_]{8})")  # Python's tempfile tries the folder: an empty file, removed at once
#: A sealed build's staging (build --encrypt-to), relative to the memory folder it is made in
#: ($XDG_RUNTIME_DIR or /dev/shm; the system temp folder where neither is in memory).
SEALED = re.compile(r"advocate-sealed-[^/]+(/.*)?")
_WRITES = re.compile(r"\d+ +(open|openat|creat|mkdir|mkdirat|rename\w*|link\w*|symlink\w*)\(")


def _commands(work: Path, public_key: str) -> list[tuple[list[str], list[str]]]:
    """(arguments, what the command is asked to write in the working folder)."""
    return [
        (["letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer"], []),
        (["letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer", "-f",
          "eml", "-o", "letter.eml"], ["letter.eml"]),
        (["letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer", "-f",
          "pdf", "-o", "letter.pdf"], ["letter.pdf"]),
        (["petition", "pack/campaign.yaml", "--signers", "signers.csv", "-f", "pdf", "-o",
          "petition.pdf"], ["petition.pdf"]),
        (["brief", "pack/campaign.yaml", "-f", "pdf", "-o", "brief.pdf"], ["brief.pdf"]),
        (["build", "pack/campaign.yaml", "--signers", "signers.csv", "--formats",
          "pdf,txt,eml", "-j", "2", "-o", "site"], ["site"]),
        (["build", "pack/campaign.yaml", "--signers", "signers.csv", "--formats", "txt",
          "--no-documents", "--shard", "0/2", "-o", "s0"], ["s0"]),
        (["build", "pack/campaign.yaml", "--signers", "signers.csv", "--formats", "txt",
          "--no-documents", "--shard", "1/2", "-o", "s1"], ["s1"]),
        (["merge", "s0", "s1", "-o", "merged"], ["merged"]),
        (["build", "pack/campaign.yaml", "--signers", "signers.csv", "--formats", "pdf,txt",
          "--no-documents", "-o", "sealed", "--encrypt-to", public_key], ["sealed.tar.age"]),
        (["validate", "pack/campaign.yaml", "--signers", "signers.csv"], []),
        (["check", "pack/campaign.yaml", "--signers", "signers.csv"], []),
        (["signers", "signers.csv", "-o", "export.csv"], ["export.csv"]),
        (["signers", "form.xls"], []),  # the spreadsheet worker
        (["new", "free-press", "--dir", str(work)], ["free-press.yaml"]),
        (["new", "--lang", "az", "--dir", str(work)], ["templates"]),
    ]


def _outside(trace: Path, work: Path, tmp: Path, asked: list[str],
             runtime: Path) -> list[str]:
    """Paths written outside what the command was asked to write, and not on the list."""
    wrong = []
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        if not _WRITES.match(line) or "= -1" in line:
            continue
        if line.split("(", 1)[0].endswith(("open", "openat")) and \
                not re.search(r"\bO_(WRONLY|RDWR|CREAT)\b", line):
            continue
        # with -y, a folder handle shows its path: openat(3</work/templates>, "az", ...)
        line = re.sub(r'(?:\d+|AT_FDCWD)<([^>]*)>, "([^"]*)"',
                      lambda m: f'"{os.path.join(m.group(1), m.group(2))}"', line)
        for path in re.findall(r'"([^"]*)"', line)[:2]:
            if path in ("/dev/null", "/dev/tty") \
                    or re.match(r"/proc/\d+/fd/\d+/", path) or "/__pycache__/" in path:
                continue  # the null device; a semaphore; through -o's handle; compiled Python
            place = Path(path) if path.startswith("/") else work / path
            if place == tmp and "O_TMPFILE" in line:
                continue  # the spreadsheet worker's messages: a file with no name
            if place.is_relative_to(tmp) and TEMPORARY.fullmatch(
                    place.relative_to(tmp).as_posix()):
                continue
            if any(place.is_relative_to(f) and SEALED.fullmatch(place.relative_to(f).as_posix())
                   for f in (runtime, tmp)):
                continue  # a sealed build's staging (it holds the letters: in memory)
            if place.is_relative_to(work) and place.relative_to(work).parts[:1] and \
                    re.sub(r"^\.advocate-.*\.part$", "", place.relative_to(work).parts[0]) in \
                    ("", *asked):
                continue  # what it was asked to write (and the .part file beside it)
            wrong.append(path)
    return wrong


@pytest.mark.slow
def test_nothing_but_the_output_remains_and_only_listed_files_are_written(
        tmp_path: Path) -> None:
    folders = {name: tmp_path / name for name in ("home", "tmp", "cache", "work")}
    for folder in folders.values():
        folder.mkdir()
    work, tmp = folders["work"], folders["tmp"]
    shutil.copytree(AZ, work / "pack")
    rows = (WORLD / "signers.csv").read_text(encoding="utf-8").splitlines()[:5]
    (work / "signers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    shutil.copy(Path(__file__).parent / "fixtures" / "signers" / "form.xls", work)
    inputs = {"pack", "signers.csv", "form.xls"}
    # XDG_RUNTIME_DIR: an empty folder of the test's, on /dev/shm where that is in memory
    from advocate.output.sealed import memory_folder

    shm = Path("/dev/shm")
    runtime = Path(tempfile.mkdtemp(dir=shm if memory_folder() == str(shm) else tmp_path))
    folders["runtime"] = runtime
    public_key = str(pyrage.x25519.Identity.generate().to_public())
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("ADVOCATE_")}
    env |= {"HOME": str(folders["home"]), "TMPDIR": str(tmp),
            "XDG_CACHE_HOME": str(folders["cache"]), "SOURCE_DATE_EPOCH": "1768435200",
            "XDG_RUNTIME_DIR": str(runtime)}
    traced = strace_works()
    made: set[str] = set()
    for args, asked in _commands(work, public_key):
        trace = tmp_path / "trace.log"
        prefix = ["strace", "-f", "-qq", "-y", "-e", "trace=open,openat,creat,mkdir,mkdirat,rename,"
                  "renameat,renameat2,link,linkat,symlink,symlinkat", "-o", str(trace)] \
            if traced else []
        result = subprocess.run([*prefix, sys.executable, "-m", "advocate", *args],
                                capture_output=True, text=True, env=env, cwd=work,
                                timeout=900, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, (args, result.stderr)
        made |= set(asked)
        for name in ("home", "tmp", "cache", "runtime"):
            assert list(folders[name].iterdir()) == [], (args, name)
        assert {p.name for p in work.iterdir()} == inputs | made, args
        if traced:
            assert _outside(trace, work, tmp, asked, runtime) == [], args
        # the letter cache is off unless asked for: nothing in HOME or XDG_CACHE_HOME
    assert not (folders["cache"] / "advocate").exists()
    runtime.rmdir()
