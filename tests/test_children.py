"""Every child process (advocate.children): isolated from the working folder, bounded, ended.

The hostile-folder tests plant a module named after every module of the standard library
and of every installed distribution in the folder advocate runs from (a campaign folder,
as the tutorial has it), and run every command and path that starts a child: build with
workers (forked and spawned), spreadsheet signers, petition parts, the PDF engine started
ahead, a confined pack render, and ``python -m advocate``. None of the planted modules may
run, here or in any child.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from advocate import children
from advocate.errors import AdvocateError

ADVOCATE = shutil.which("advocate", path=str(Path(sys.executable).parent)) or "advocate"
SIGNERS = Path(__file__).parent / "fixtures" / "signers" / "valid.csv"


# -- the child and the pool ------------------------------------------------------------------

def _double(value: int) -> int:
    return 2 * value


def _refuse(text: str) -> None:
    raise AdvocateError(text, file="x.j2", line=3)


def _bug(secret: str) -> None:
    raise ValueError(f"the signer {secret} broke it")


def _die(code: int) -> None:
    os._exit(code)


def _where() -> dict[str, Any]:
    import tempfile

    return {"path": list(sys.path), "isolated": sys.flags.isolated,
            "tmp": tempfile.gettempdir(), "pid": os.getpid(), "cwd": os.getcwd()}


def _nothing() -> None:
    return None


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_a_child_answers_refuses_and_names_a_bug_by_its_type_only(fork: bool) -> None:
    child = children.Child(_nothing, fork=fork)
    try:
        assert child.call(_double, 21) == ("ok", 42)
        kind, error = child.call(_refuse, "refused here")
        assert kind == "error" and isinstance(error, AdvocateError)
        assert error.problems[0].line == 3
        assert child.call(_bug, "Aigerim") == ("failed", "ValueError")  # never the text
        assert child.call(_double, 1) == ("ok", 2)  # still serving
    finally:
        child.close()


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_a_child_has_its_own_temporary_folder_removed_when_it_ends(
        fork: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    child = children.Child(_nothing, fork=fork)
    _, seen = child.call(_where)
    folder = Path(seen["tmp"])
    assert folder.is_dir() and folder.name.startswith("advocate-child-")
    assert str(tmp_path) not in seen["path"] and "" not in seen["path"]
    if not fork:
        assert seen["isolated"] == 1  # -I: no working folder, no user site, no PYTHON*
    assert seen["cwd"] == str(tmp_path)  # it still reads relative paths as we do
    child.close()
    assert not folder.exists()


def test_a_spawned_child_imports_what_this_process_would_less_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "elsewhere"
    extra.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), ".", str(extra), *sys.path])
    command = children.python_command("{}")
    child = children.Child(_nothing, fork=False)
    try:
        _, seen = child.call(_where)
    finally:
        child.close()
    assert command[1] == "-I"
    assert str(extra) in seen["path"]
    assert not {"", ".", str(tmp_path)} & set(seen["path"])


def test_a_pool_yields_in_order_and_replaces_a_child_that_died() -> None:
    pool = children.Pool(2, _nothing, fork=False)
    try:
        tasks = [(_double, 1), (_die, 7), (_double, 3), (_refuse, "no"), (_double, 5)]
        results = list(pool.map(_apply, tasks, window=2))
    finally:
        pool.close()
    kinds = [kind for _, (kind, _) in results]
    assert [task for task, _ in results] == tasks
    assert kinds == ["ok", "gone", "ok", "error", "ok"]
    assert results[1][1][1] == 7  # the exit status of the child that died
    assert [value for _, (kind, value) in results if kind == "ok"] == [2, 6, 10]


def _apply(function: Any, argument: Any) -> Any:
    return function(argument)


def _slow_teardown() -> None:
    import atexit

    atexit.register(time.sleep, 30)  # as unloading a heavy library's objects would


def test_a_spawned_child_hung_up_on_ends_at_once_without_its_teardown() -> None:
    """A worker the parent is done with exits as soon as its pipe closes: the parent does
    not wait for the interpreter's teardown (WeasyPrint's took a petition's workers up to
    0.6 s), nor has to kill it."""
    child = children.Child(_slow_teardown, fork=False)
    assert child.call(_double, 2) == ("ok", 4)
    child.close()
    assert child.code == 0  # ended by itself, not killed after the second close() waits


def test_a_failed_initializer_fails_every_task_the_same_way() -> None:
    pool = children.Pool(1, _refuse, ("the campaign went away",), fork=False)
    try:
        results = [outcome for _, outcome in pool.map(_double, [(1,), (2,)])]
    finally:
        pool.close()
    assert [kind for kind, _ in results] == ["error", "error"]
    assert "the campaign went away" in str(results[0][1])


def test_a_child_dies_with_its_parent(tmp_path: Path) -> None:
    """A parent killed outright (no clean-up runs) takes its children with it."""
    script = (
        "import sys, time\n"
        "from advocate import children\n"
        "from tests_children_helpers import nothing\n"
        "kids = [children.Child(nothing, fork=True), children.Child(nothing, fork=False)]\n"
        "print(' '.join(str(k.pid) for k in kids), flush=True)\n"
        "time.sleep(60)\n")
    (tmp_path / "tests_children_helpers.py").write_text("def nothing():\n    return None\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True, env=env, cwd=tmp_path)
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_running(pid) for pid in pids):
        time.sleep(0.05)
    assert not any(_running(pid) for pid in pids)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# -- the hostile folder ------------------------------------------------------------------------

def _planted_names() -> set[str]:
    """Every top-level module name of the standard library and of every installed
    distribution (advocate's dependencies and theirs among them)."""
    names = set(sys.stdlib_module_names) - set(sys.builtin_module_names)
    for top, _dists in importlib.metadata.packages_distributions().items():
        if top.isidentifier():
            names.add(top)
    names |= {"sitecustomize", "usercustomize"}
    return {name for name in names if name not in {"advocate", "__future__", "tests"}}


def _before_advocate_runs() -> set[str]:
    """What Python itself imports for ``python -m`` (its runpy) before the first line of
    advocate runs, with the working folder already first on the path: beyond any program's
    reach (``python -I -m advocate`` or the ``advocate`` command avoid it; the README says)."""
    probe = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; before = set(sys.modules); import runpy; "
         "print(' '.join({m.split('.')[0] for m in set(sys.modules) - before}))"],
        capture_output=True, text=True, check=True)
    return set(probe.stdout.split())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, kz_path: Path) -> dict[str, Path]:
    """A campaign folder holding a module for every name: each, if run, leaves a mark."""
    marks = tmp_path_factory.mktemp("marks")
    folders = {"folder": tmp_path_factory.mktemp("hostile"),
               "python -m": tmp_path_factory.mktemp("hostile-m")}
    for key, folder in folders.items():
        skip = _before_advocate_runs() if key == "python -m" else set()
        for name in _planted_names() - skip:
            (folder / f"{name}.py").write_text(
                f"open({str(marks / name)!r}, 'w').close()\n", encoding="utf-8")
        shutil.copy(kz_path, folder / "campaign.yaml")
        pack = folder / "pack" / "en"
        pack.mkdir(parents=True)
        builtin = Path(__file__).parents[1] / "letter_templates" / "en" / "letter.md.j2"
        shutil.copy(builtin, pack / "letter.md.j2")
    return {**folders, "marks": marks}


def _no_marks(hostile: dict[str, Path], result: subprocess.CompletedProcess[str]) -> None:
    marked = sorted(p.name for p in hostile["marks"].iterdir())
    assert not marked, f"modules from the working folder ran: {marked}"
    assert result.returncode == 0, result.stderr[-2000:]


def _run(hostile: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    """The command, from the hostile folder (the one without Python's own -m prelude for
    plain ``python -m``), with no mark left by an earlier run."""
    for mark in hostile["marks"].iterdir():
        mark.unlink()
    plain_m = list(args[1:3]) == ["-m", "advocate"]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(list(args), cwd=hostile["python -m" if plain_m else "folder"],
                          capture_output=True, text=True, env=env, timeout=600)


def test_a_build_with_forked_pdf_workers_and_a_spreadsheet_runs_nothing_from_the_folder(
        hostile: dict[str, Path], tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [["name", "email", "city", "public"]] + [
            [f"Writer {i}", f"w{i}@example.org", "Lyon", "yes"] for i in range(3)]:
        sheet.append(row)
    workbook.save(hostile["folder"] / "signers.xlsx")
    result = _run(hostile, ADVOCATE, "build", "campaign.yaml", "--signers", "signers.xlsx",
                  "-o", str(tmp_path / "out"), "-j", "2", "--formats", "pdf,txt",
                  "--no-documents")
    _no_marks(hostile, result)
    assert len(list((tmp_path / "out" / "kazakhstan-2022").rglob("*.pdf"))) == 12


def test_a_build_with_spawned_text_workers_runs_nothing_from_the_folder(
        hostile: dict[str, Path], tmp_path: Path) -> None:
    """Text workers are spawned once the build has rendered its documents' PDFs."""
    signers = tmp_path / "many.csv"
    signers.write_text("name,email\n" + "".join(
        f"Writer {i},w{i}@example.org\n" for i in range(1000)), encoding="utf-8")
    result = _run(hostile, ADVOCATE, "build", "campaign.yaml", "--signers", str(signers),
                  "-o", str(tmp_path / "out"), "-j", "2", "--formats", "txt")
    _no_marks(hostile, result)
    assert len(list((tmp_path / "out" / "kazakhstan-2022").rglob("*.txt"))) == 4000


def test_a_build_with_forked_text_workers_runs_nothing_from_the_folder(
        hostile: dict[str, Path], tmp_path: Path) -> None:
    """Text workers are forked from a build that has rendered no PDF."""
    signers = tmp_path / "many.csv"
    signers.write_text("name,email\n" + "".join(
        f"Writer {i},w{i}@example.org\n" for i in range(1000)), encoding="utf-8")
    result = _run(hostile, ADVOCATE, "build", "campaign.yaml", "--signers", str(signers),
                  "-o", str(tmp_path / "out"), "-j", "2", "--formats", "txt",
                  "--no-documents")
    _no_marks(hostile, result)
    assert len(list((tmp_path / "out" / "kazakhstan-2022").rglob("*.txt"))) == 4000


def test_a_petition_in_parts_runs_nothing_from_the_folder(
        hostile: dict[str, Path], tmp_path: Path) -> None:
    signers = tmp_path / "public.csv"
    signers.write_text("name,public\n" + "".join(
        f"Signer {i},yes\n" for i in range(1600)), encoding="utf-8")
    result = _run(hostile, ADVOCATE, "petition", "campaign.yaml", "--signers", str(signers),
                  "--format", "pdf", "-o", str(tmp_path / "p.pdf"))
    _no_marks(hostile, result)
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")


PYTHON_M = {"command": [ADVOCATE], "python -m advocate": [sys.executable, "-m", "advocate"],
            "python -I -m advocate": [sys.executable, "-I", "-m", "advocate"]}


@pytest.mark.parametrize("how", list(PYTHON_M))
def test_the_engine_started_ahead_runs_nothing_from_the_folder(
        hostile: dict[str, Path], tmp_path: Path, how: str) -> None:
    result = _run(hostile, *PYTHON_M[how], "brief", "campaign.yaml",
                  "-o", str(tmp_path / "b.pdf"))
    _no_marks(hostile, result)
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("how", list(PYTHON_M))
def test_a_confined_pack_render_runs_nothing_from_the_folder(
        hostile: dict[str, Path], how: str) -> None:
    result = _run(hostile, *PYTHON_M[how], "letter", "campaign.yaml", "--templates", "pack",
                  "--to", "un-high-commissioner", "--name", "A. Writer", "--lang", "en")
    _no_marks(hostile, result)
    assert "A. Writer" in result.stdout
