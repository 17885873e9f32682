"""SECURITY.md's promises name the tests that hold them, and those tests exist.

Every test file SECURITY.md cites (`tests/test_x.py`), every test it names with its file
(`tests/test_x.py::test_name`) and every test it names alone (`test_name`, or a prefix
written `test_name_…`) must be found in tests/: a renamed or removed test leaves a promise
unproved, and this test says which."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "SECURITY.md"
_DEFINED = re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)\s*\(", re.MULTILINE)
_CITED_FILE = re.compile(r"`(tests/[\w/]+\.py)(?:::(test_\w+))?`")
_CITED_TEST = re.compile(r"`(test_\w+?)(_…|…)?`")


def _tests() -> dict[str, set[str]]:
    """Each test's name -> the files (relative to the repository) that define it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in (ROOT / "tests").rglob("test_*.py"):
        for name in _DEFINED.findall(path.read_text(encoding="utf-8")):
            found[name].add(path.relative_to(ROOT).as_posix())
    return found


def _missing(text: str, tests: dict[str, set[str]]) -> list[str]:
    text = re.sub(r"::\s+", "::", text)  # `tests/x.py::` at a line's end, the name on the next
    missing = []
    for file, name in _CITED_FILE.findall(text):
        if not (ROOT / file).is_file():
            missing.append(file)
        elif name and file not in tests.get(name, set()):
            missing.append(f"{file}::{name}")
    for name, ellipsis in _CITED_TEST.findall(text):
        if ellipsis:
            prefix = name + ("_" if ellipsis == "_…" else "")
            if not any(test.startswith(prefix) for test in tests):
                missing.append(f"{prefix}…")
        elif name not in tests:
            missing.append(name)
    return sorted(set(missing))


def test_every_test_security_md_cites_exists() -> None:
    assert _missing(SECURITY.read_text(encoding="utf-8"), _tests()) == []


def test_a_stale_citation_is_found() -> None:
    """The check itself: a renamed test, a removed file, a wrong file and a dead prefix."""
    tests = {"test_real": {"tests/test_a.py"}, "test_item1_one": {"tests/test_a.py"}}
    text = ("| x | `test_real`, `test_gone`, `tests/docs/test_security_doc.py::test_real`, "
            "`tests/test_nowhere.py`, `test_item1_…`, `test_item2_…`, "
            "`tests/docs/test_security_doc.py::\n  test_renamed` |")
    assert _missing(text, tests) == ["test_gone", "test_item2_…",
                                     "tests/docs/test_security_doc.py::test_real",
                                     "tests/docs/test_security_doc.py::test_renamed",
                                     "tests/test_nowhere.py"]


def test_every_issue_23_promise_has_a_row_of_tests() -> None:
    """Issue 23's "Done when": each of its promises is in the table beside its tests."""
    rows = [line for line in SECURITY.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and "(issue 23)" in line]
    promised = ["no code from the working folder", "nothing written outside `-o`",
                "the letter cache", "a merge checks what it merges", "the action page",
                "encrypted signer lists", "`build --encrypt-to`", "`advocate new --lang`",
                "time limits raise only into the work"]
    for promise in promised:
        row = next((r for r in rows if r.casefold().startswith(f"| {promise.casefold()}")),
                   None)
        assert row is not None, f"no row for: {promise}"
        assert re.search(r"`(tests/[\w/]+\.py|test_\w+)", row.split("|")[2]), row
