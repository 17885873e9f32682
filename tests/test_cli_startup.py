"""Start-up: a command imports only what it uses, and the shortcuts taken for speed change nothing.

No timing here (that is ``benchmarks/bench.py --only-startup``): these tests look at which
modules a real ``advocate`` process imported (``python -X importtime``), and check the
shortcuts of :mod:`advocate._startup` (public interfaces only) against the whole group.
"""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from advocate import _startup
from advocate.cli import app

GOLDEN = Path(__file__).parent / "golden"


def imported_by(*args: str, cwd: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run ``python -m advocate ARGS`` and return every module it imported."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1768435200"}
    env.pop("PYTHONIMPORTTIME", None)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "advocate", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, check=False)
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert "advocate.cli" in modules, done.stderr[-2000:]
    return modules, done


# Heavy modules that a text letter, and a brief without its PDF engine, never need. (Typer's
# option adapters, Pydantic's plugin loader and Babel, for the date, are the libraries' own
# business: advocate no longer replaces their private parts to avoid them.)
NOT_FOR_TEXT = ("weasyprint", "rich", "pypdf", "python_calamine", "PIL", "fontTools",
                "pydyf", "tinycss2", "cssselect2", "multiprocessing", "concurrent.futures",
                "qrcode", "advocate.render.pdf", "advocate.build", "advocate.signers",
                "advocate.render.eml", "markdown_it")


def loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_a_text_letter_imports_no_pdf_engine_spreadsheet_or_progress_bar(tmp_path: Path) -> None:
    modules, done = imported_by("letter", "kazakhstan-2022", "--to", "president", "--name",
                                "A. Writer", "--city", "Berlin", "--lang", "en", "--format",
                                "txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == (GOLDEN / "letter-president-en.txt").read_text(encoding="utf-8")
    assert [name for name in NOT_FOR_TEXT if loaded(modules, name)] == []


def test_a_pdf_brief_imports_weasyprint_but_no_spreadsheet_reader(tmp_path: Path) -> None:
    modules, done = imported_by("brief", "kazakhstan-2022", "-o", "brief.pdf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF-")
    assert loaded(modules, "weasyprint")
    assert [name for name in ("python_calamine", "rich", "advocate.build", "advocate.signers",
                              "multiprocessing") if loaded(modules, name)] == []


@pytest.mark.parametrize("args", [
    ("letter", "kazakhstan-2022", "--format", "TXT"),
    ("letter", "kazakhstan-2022", "--format", "docx"),
    ("brief", "kazakhstan-2022", "--paper", "a5"),
    ("build", "kazakhstan-2022", "--jobs", "0"),
])
def test_bad_option_values_are_refused_in_typers_words(args: tuple[str, ...]) -> None:
    result = subprocess.run([sys.executable, "-m", "advocate", *args], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2
    assert "Invalid value for" in result.stderr
    assert result.stdout == ""


def test_bundled_fonts_cmaps_read_directly_are_fonttools_own() -> None:
    """The brief's glyph check reads the bundled fonts' cmaps itself (fontTools names every
    glyph first, most of a second): the same code points as fontTools, font by font."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    from advocate.render.pdf import fonts

    files = fonts.bundled_font_files()
    assert len(files) > 40
    for path in files:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            expected = frozenset(font.getBestCmap() or ())
        assert fonts._read_cmap(path) == expected, path.name
        assert len(expected) > 50


def test_an_unusual_font_file_is_left_to_fonttools(tmp_path: Path) -> None:
    from advocate.render.pdf import fonts

    odd = tmp_path / "odd.ttf"
    odd.write_bytes(b"wOFF" + bytes(60))
    assert fonts._read_cmap(odd) is None


_PLUGINS = (
    "import os\n"
    "from advocate import _startup\n"
    "print(_startup.no_pydantic_plugins(), os.environ['PYDANTIC_DISABLE_PLUGINS'])\n"
)


@pytest.mark.parametrize(("setting", "expected"), [
    (None, "True __all__\n"),
    ("1", "True 1\n"),
    ("some-plugin", "False some-plugin\n"),  # the user's choice stands
])
def test_pydantic_plugins_are_off_in_the_command_unless_the_user_chose(
        setting: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    done = subprocess.run([sys.executable, "-c", _PLUGINS], capture_output=True, text=True,
                          env=env, check=True)
    assert done.stdout == expected


_COLLECTOR = (
    "import gc\n"
    "from advocate import _startup\n"
    "usual = gc.get_threshold()\n"
    "_startup.collect_later(50_000)\n"
    "later = gc.get_threshold()\n"
    "_startup.collect_later(10)  # once only\n"
    "again = gc.get_threshold()\n"
    "kept = [[] for _ in range(60_000)]  # more new objects than the budget: a collection\n"
    "print(later[0], again[0], gc.get_threshold() == usual, gc.isenabled())\n"
)


def test_the_collector_waits_for_the_start_up_then_runs_as_usual() -> None:
    """The command's cycle collector first runs after its start-up's objects
    (``_startup.collect_later``), then at Python's usual thresholds again."""
    done = subprocess.run([sys.executable, "-c", _COLLECTOR], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "50000 50000 True True\n"


def test_a_threshold_set_after_the_start_up_is_kept() -> None:
    code = ("import gc\nfrom advocate import _startup\n_startup.collect_later(50_000)\n"
            "gc.set_threshold(1234, 5, 5)\nkept = [[] for _ in range(60_000)]\n"
            "print(gc.get_threshold())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "(1234, 5, 5)\n"


def test_start_up_uses_no_private_name_of_typer_or_pydantic() -> None:
    """The shortcuts go through public interfaces only (issue 24): nothing of Typer's or
    Pydantic's is replaced, and Typer's own option coercion runs."""
    import typer.core

    source = (Path(_startup.__file__)).read_text(encoding="utf-8")
    code = source.split('"""', 2)[2]  # after the module's docstring
    assert "._" not in code.replace("__", "") and "import _" not in code
    assert not any(getattr(value, "advocate_lazy", False) for value in vars(typer.core).values())


COMMANDS = ["validate", "check", "letter", "petition", "brief", "site", "build", "merge",
            "signers", "list", "verify", "new", "schema", "log", "report", "followup", "kit"]


@pytest.mark.parametrize("argv", [
    *([name, "--help"] for name in COMMANDS),
    ["letter"],                                           # a missing argument
    ["letter", "kazakhstan-2022", "--to", "nobody"],      # the command's own error
    ["--quiet", "letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer"],
    ["brief", "kazakhstan-2022", "--format", "txt", "--paper", "tabloid"],  # a bad choice
    ["lettre", "kazakhstan-2022"],                       # a misspelt command: the whole group
    ["--help"], [], ["--version"], ["-h", "letter"],
])
def test_one_command_runs_as_the_whole_group_does(argv: list[str]) -> None:
    """Typer building only the command that runs (``_startup.one_command``) changes nothing:
    the same output, errors and exit code as the whole group, for every command."""
    from typer.testing import CliRunner

    chosen = _startup.one_command(app, argv)
    names = {command.name or command.callback.__name__ for command in chosen.registered_commands}
    command = next((a for a in argv if not a.startswith("-")), None)
    whole = command not in COMMANDS or "-h" in argv[:argv.index(command)]
    assert (chosen is app) == whole
    assert len(names) == (len(COMMANDS) if whole else 1)
    runner = CliRunner()
    one = runner.invoke(chosen, argv, prog_name="advocate")
    every = runner.invoke(app, argv, prog_name="advocate")
    assert (one.exit_code, one.stdout, one.stderr) == (every.exit_code, every.stdout, every.stderr)
    assert one.stdout or one.stderr


_SAMPLES = (None, "", "kazakhstan-2022", " spaced ", "Ана Ñoño “Q”!", "中文", "a\udc80b", "\ud83d",
            "txt", "TXT", "a4", "error", "42", "x" * 300)


def _outcome(process: Any, param: Any, ctx: Any, value: Any) -> tuple[str, Any]:
    """What processing ``value`` gives: the value, or the error's kind and words."""
    try:
        return "value", contextvars.copy_context().run(process, param, ctx, value)
    except Exception as exc:  # compared, not swallowed
        return type(exc).__name__, getattr(exc, "message", str(exc))


def test_values_whose_coercion_is_plain_skip_typers_with_the_same_result() -> None:
    """An option not given, an enum choice and plain text skip the Pydantic adapter Typer
    builds per parameter (``command_group.coerced_as_typer_would``): for every parameter of
    every command and of the group (theirs and Typer's ``--help``), every sample value, its
    default and its choices (as members, as typed, in capitals) come out as Typer's own
    coercion makes them, errors included."""
    import typer
    from typer.core import TyperArgument, TyperOption
    from typer.main import get_command

    from advocate.command_group import coerced_as_typer_would

    group = get_command(app)
    checked = skipped = 0
    for command in [group, *group.commands.values()]:  # type: ignore[attr-defined]
        ctx = typer.Context(command, info_name="advocate")
        for param in command.get_params(ctx):  # --help and the completion options too
            typers = TyperOption if isinstance(param, TyperOption) else TyperArgument
            choices = param.type_descriptor.choices or ()
            samples = [*_SAMPLES, param.default, *choices,
                       *(str(getattr(c, "value", c)) for c in choices),
                       *(str(getattr(c, "value", c)).upper() for c in choices)]
            for value in samples:
                mine = _outcome(type(param).process_value, param, ctx, value)
                theirs = _outcome(typers.process_value, param, ctx, value)
                assert mine == theirs, (command.name, param.name, value)
                checked += 1
                skipped += coerced_as_typer_would(param, ctx, value)[0]
    assert all(type(param).__module__ == "advocate.command_group"
               for command in [group, *group.commands.values()]  # type: ignore[attr-defined]
               for param in command.get_params(typer.Context(command)))
    assert checked > 3000 and skipped > 1000


def test_a_text_letter_builds_no_option_adapter(tmp_path: Path) -> None:
    """Its options are given as text or not at all, its choices are defaults: Typer's
    coercion, and Pydantic's TypeAdapter with it, is never needed (the campaign's model
    validates without one)."""
    modules, done = imported_by("letter", "kazakhstan-2022", "--to", "president", "--name",
                                "A. Writer", "--city", "Berlin", "--lang", "en", "--format",
                                "txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pydantic.type_adapter" not in modules


def test_a_cold_text_letter_loads_neither_babel_nor_idna(tmp_path: Path) -> None:
    """Its date comes from the words made ahead (Babel is found and hashed, not imported)
    and the campaign's addresses are ASCII (idna loads on the first other domain)."""
    modules, done = imported_by("letter", "kazakhstan-2022", "--to", "president", "--name",
                                "A. Writer", "--city", "Berlin", "--lang", "ru", "--format",
                                "txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "15 января 2026" in done.stdout  # SOURCE_DATE_EPOCH's day, in CLDR's words
    assert not {"babel", "idna"} & set(modules)
