"""The code's shape, held by tests: the layers (import-linter, see pyproject.toml), no
private name imported across packages, every room under 600 lines, and the architecture
document naming every module there is."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC.parent
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "advocate").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _package(module: str) -> str:
    """The stage a module belongs to: ``advocate.render.pdf.engine`` -> ``advocate.render``."""
    return ".".join(module.split(".")[:2])


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_the_layers_hold() -> None:
    """import-linter's contracts (pyproject.toml): stages import only the stages below them,
    no package has a cycle, private modules stay home."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a test dependency"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_every_stage_has_its_place_in_the_layers() -> None:
    """A new package or top-level module cannot escape the layers by being left out."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    listed = {name.strip() for layer in layers for name in layer.split("|")}
    stages = {_package(name) for name in _modules()} - {"advocate"}
    assert stages <= listed, f"not in the layers: {sorted(stages - listed)}"


def test_no_private_name_is_imported_from_another_package() -> None:
    modules = _modules()
    found: list[str] = []
    for name, path in modules.items():
        bound: dict[str, str] = {}  # local name -> advocate module it stands for
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("advocate"):
                source = node.module or ""
                for alias in node.names:
                    if f"{source}.{alias.name}" in modules:
                        bound[alias.asname or alias.name] = f"{source}.{alias.name}"
                    elif _private(alias.name) and _package(source) != _package(name):
                        found.append(f"{name}: from {source} import {alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("advocate.") and alias.asname:
                        bound[alias.asname] = alias.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in bound and _private(node.attr) \
                    and _package(bound[node.value.id]) != _package(name):
                found.append(f"{name}: {bound[node.value.id]}.{node.attr}")
    assert not found, "private names used across packages:\n" + "\n".join(sorted(set(found)))


#: Private names of other libraries that are documented public API all the same.
PUBLIC_UNDERSCORED = {"_exit"}  # os._exit: what a forked child must end with


def _names_defined(node: ast.AST) -> list[str]:
    """The names a node of advocate's source defines: functions, classes, variables,
    attributes set or deleted, arguments."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return [node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
        return [node.attr]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def test_no_private_name_of_another_library_is_read_or_patched() -> None:
    """An attribute ``x._name`` (or ``getattr(x, "_name")``) is advocate's own: a private
    name that advocate's source never defines is another library's internals, which its next
    release may rename (Babel's date table, Typer's coercion, ``ProcessPoolExecutor.
    _processes``, WeasyPrint's font folder, pypdf's stream data)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"))
             for path in (SRC / "advocate").rglob("*.py")}
    defined = {name for tree in trees.values() for node in ast.walk(tree)
               for name in _names_defined(node)}
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("getattr", "setattr", "hasattr", "delattr") \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                    and isinstance(node.args[1].value, str):
                name = node.args[1].value
            if name and _private(name) and name not in defined \
                    and name not in PUBLIC_UNDERSCORED:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {name}")
    assert not found, "another library's private names:\n" + "\n".join(found)


#: Rooms still over the limit, each held at its size until it is split by job (cli.py's
#: commands: issue 24 item 3). A room may shrink, never
#: grow; a new room over 600 lines fails.
OVER_THE_LIMIT: dict[str, int] = {}


def test_no_module_grows_past_600_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in _modules().items()}
    long = {name: n for name, n in sizes.items()
            if n > max(MAX_LINES, OVER_THE_LIMIT.get(name, 0))}
    assert not long, f"modules over {MAX_LINES} lines (or grown past their cap): {long}"


@pytest.mark.parametrize("document", ["docs/architecture.md"])
def test_the_architecture_document_names_every_module(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = []
    for name, path in _modules().items():
        stem = path.stem if path.stem != "__init__" else path.parent.name
        if name == "advocate" or stem == "__main__":
            continue
        if not re.search(rf"\b{re.escape(stem)}(\.py|/)", text):
            missing.append(name)
    assert not missing, f"{document} does not name: {missing}"
    for cited in re.findall(r"`((?:src/)?advocate/[\w/]+\.py|[\w/]+\.py)`", text):
        candidates = [ROOT / cited, SRC / cited, SRC / "advocate" / cited,
                      ROOT / "tests" / cited]
        assert any(c.exists() for c in candidates) or any(
            p.name == Path(cited).name for p in [*_modules().values(),
                                                 *(ROOT / "tests").rglob("*.py")]), \
            f"cites {cited}"
