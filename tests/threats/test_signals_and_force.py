"""Signals end a build cleanly; --force leaves nothing stale and never follows a
forged manifest."""


from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalogue import (
    Cli,
)

from helpers import write

# Item 4: signals end a build cleanly.

def _marked_processes(mark: str) -> list[int]:
    """Processes whose environment holds ``mark`` (the build and every worker it started)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"ADVOCATE_TEST_MARK={mark}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _slow_build(root: Path, mark: str) -> Any:
    """A build of 48 PDF letters by two workers, in its own process, with its own TMPDIR."""
    import subprocess
    import sys

    rows = ["name,email,city"] + [f"Person {i},p{i}@example.org,City {i}" for i in range(12)]
    write(root / "many.csv", "\n".join(rows) + "\n")
    (root / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "ADVOCATE_TEST_MARK": mark, "TMPDIR": str(root / "tmp")}
    return subprocess.Popen(
        [sys.executable, "-m", "advocate", "build", "kazakhstan-2022", "--signers", "many.csv",
         "-o", "site", "--jobs", "2", "--formats", "pdf", "--no-documents"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_a_signal_ends_a_build_like_ctrl_c(tmp_path: Path, signum: str) -> None:
    import signal
    import uuid

    mark = uuid.uuid4().hex
    build = _slow_build(tmp_path, mark)
    site = tmp_path / "site"
    staged = lambda: any(site.glob(".advocate-staging-*/kazakhstan-2022/letters/*.pdf"))  # noqa: E731
    assert _wait_for(staged, 60), build.communicate()
    build.send_signal(getattr(signal, signum))
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 128 + getattr(signal, signum), stderr
    assert f"advocate: interrupted ({signum})" in stderr
    assert not list(site.glob(".advocate-*")), "staging folder left behind"
    assert not list(site.rglob("*.pdf"))
    assert _wait_for(lambda: not _marked_processes(mark), 10), "workers outlived the build"
    assert not list((tmp_path / "tmp").iterdir()), "temporary files left behind"


def test_workers_die_with_a_killed_build_and_the_next_removes_its_staging(
        tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import uuid

    mark = uuid.uuid4().hex
    build = _slow_build(tmp_path, mark)
    site = tmp_path / "site"
    staged = lambda: any(site.glob(".advocate-staging-*/kazakhstan-2022/letters/*.pdf"))  # noqa: E731
    assert _wait_for(staged, 60), build.communicate()
    build.send_signal(signal.SIGKILL)
    build.communicate(timeout=30)
    assert _wait_for(lambda: not _marked_processes(mark), 10), "workers outlived the build"
    left = list(site.glob(".advocate-staging-*"))
    assert left  # SIGKILL cannot be handled: the next build cleans up
    result = subprocess.run(
        [sys.executable, "-m", "advocate", "build", "kazakhstan-2022", "-o", "site",
         "--formats", "txt", "--no-documents"], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    assert result.returncode == 0, result.stderr
    assert "removed the staging folder of an interrupted build" in result.stderr
    assert not list(site.glob(".advocate-staging-*"))


# Item 5: --force leaves nothing stale.

def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("first", "second"), [
    (("--formats", "txt,eml"), ("--formats", "txt,eml", "--signers", "three.csv")),
    (("--formats", "txt,eml", "--signers", "six.csv"), ("--formats", "txt",
                                                        "--signers", "six.csv")),
    (("--formats", "txt,eml,md", "--signers", "six.csv"), ("--formats", "txt",)),
])
def test_force_replaces_exactly_what_the_last_build_wrote(
        cli: Cli, first: tuple[str, ...], second: tuple[str, ...]) -> None:
    rows = ["name,email,city"] + [f"Person {i},p{i}@example.org,City {i}" for i in range(6)]
    write(cli.root / "six.csv", "\n".join(rows) + "\n")
    write(cli.root / "three.csv", "\n".join(rows[:4]) + "\n")
    base = ("build", "pack/campaign.yaml", "-o", "site", "--no-documents")
    first_args = first if "--signers" in first else (*first, "--signers", "six.csv")
    assert cli.invoke(*base, *first_args).exit_code == 0
    folder = cli.root / "site" / "kazakhstan-2022"
    write(folder / "notes-of-mine.txt", "mine\n")  # not advocate's: never touched
    write(folder / "letters" / "draft-of-mine.txt", "mine\n")
    result = cli.invoke(*base, *second, "--force")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    written = {entry["path"] for entry in manifest["files"]}
    assert _files(folder) == written | {"manifest.json", "notes-of-mine.txt",
                                        "letters/draft-of-mine.txt"}


def test_force_never_removes_what_a_forged_manifest_names(cli: Cli) -> None:
    base = ("build", "pack/campaign.yaml", "-o", "site", "--no-documents", "--formats", "txt")
    assert cli.invoke(*base).exit_code == 0
    folder = cli.root / "site" / "kazakhstan-2022"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] += [{"path": "../../pack/campaign.yaml"}, {"path": "/etc/hostname"},
                          {"path": "letters"}]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert cli.invoke(*base, "--force").exit_code == 0
    assert (cli.root / "pack" / "campaign.yaml").exists()
    assert (folder / "letters").is_dir()


