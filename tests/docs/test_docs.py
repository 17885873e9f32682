"""The documentation is tested: the tutorial runs, the reference is generated, completion works.

* ``docs/tutorial.md`` is run in order in an empty folder: every ``$ advocate ...`` line of
  a ``console`` block must exit 0 (or the code in a ``# exits N`` comment) and print every
  line shown under it (``…`` matches any text; a line of only ``…`` is skipped). A fenced
  block after ``<!-- write: FILE -->`` is written to FILE; a ``diff`` block after
  ``<!-- edit: FILE -->`` is applied to FILE (its context and ``-`` lines must occur once).
* ``docs/reference.md`` is every command's ``--help`` at 100 columns, built from the Typer
  app; ``pytest --update-golden`` regenerates it.
* ``docs/campaign-format.md`` names every key of the campaign model.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from advocate.schema.campaign import Campaign

DOCS = Path(__file__).parents[1].parent / "docs"
TUTORIAL = DOCS / "tutorial.md"
REFERENCE = DOCS / "reference.md"
FORMAT = DOCS / "campaign-format.md"
WIDTH = 100

_FENCE = re.compile(r"^```(\S*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*(write|edit):\s*(\S+)\s*-->\s*$")
_EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")


# -- the tutorial ----------------------------------------------------------------------

@dataclass
class Step:
    """One thing the tutorial does: run a command, write a file, or edit one."""

    kind: str  # "run", "write" or "edit"
    line: int  # where it is in the tutorial, for messages
    command: str = ""
    exit_code: int = 0
    output: list[str] = field(default_factory=list)
    file: str = ""
    body: list[str] = field(default_factory=list)


def tutorial_steps(markdown: str) -> list[Step]:
    """The steps of a tutorial, in order (see the module docstring for the conventions)."""
    steps: list[Step] = []
    lines = markdown.splitlines()
    pending: tuple[str, str, int] | None = None  # a directive waiting for its block
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _DIRECTIVE.match(line)
        if directive:
            pending = (directive.group(1), directive.group(2), index + 1)
            index += 1
            continue
        fence = _FENCE.match(line)
        if not fence:
            index += 1
            continue
        language = fence.group(1)
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        assert end < len(lines), f"tutorial.md:{index + 1}: unclosed code block"
        body = lines[index + 1:end]
        if pending is not None:
            kind, name, at = pending
            assert kind == "write" or language == "diff", \
                f"tutorial.md:{at}: an edit needs a ```diff block"
            steps.append(Step(kind, at, file=name, body=body))
            pending = None
        elif language == "console":
            for offset, text in enumerate(body):
                if text.startswith("$ "):
                    command = text[2:]
                    code = _EXITS.search(command)
                    if code:
                        command = command[:code.start()]
                    steps.append(Step("run", index + 2 + offset, command=command,
                                      exit_code=int(code.group(1)) if code else 0))
                elif text.strip():
                    assert steps and steps[-1].kind == "run", \
                        f"tutorial.md:{index + 2 + offset}: output before any command"
                    steps[-1].output.append(text)
        index = end + 1
    assert pending is None, f"tutorial.md:{pending[2]}: a directive without a code block"
    return steps


def apply_edit(text: str, diff: list[str], where: str) -> str:
    """Apply one hunk written as context (" "), removed ("-") and added ("+") lines."""
    old: list[str] = []
    new: list[str] = []
    for line in diff:
        mark, rest = line[:1], line[1:]
        assert mark in (" ", "-", "+"), f"{where}: diff lines start with ' ', '-' or '+'"
        if mark != "+":
            old.append(rest)
        if mark != "-":
            new.append(rest)
    before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
    assert text.count(before) == 1, f"{where}: the edit's context is not in the file once"
    return text.replace(before, after)


def shown_line_matches(shown: str, output: list[str]) -> bool:
    """Whether a line shown in the tutorial is a line of the output (… matches anything)."""
    pattern = re.compile(".*".join(re.escape(part) for part in shown.rstrip().split("…")))
    return any(pattern.fullmatch(line.rstrip()) for line in output)


def advocate_command(command: str) -> list[str]:
    args = shlex.split(command)
    assert args and args[0] == "advocate", f"not an advocate command: {command}"
    return [sys.executable, "-m", "advocate", *args[1:]]


@pytest.mark.slow
def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    steps = tutorial_steps(TUTORIAL.read_text(encoding="utf-8"))
    env = {**os.environ, "COLUMNS": str(WIDTH), "NO_COLOR": "1"}
    for step in steps:
        where = f"tutorial.md:{step.line}"
        if step.kind == "write":
            (tmp_path / step.file).write_text("\n".join(step.body) + "\n", encoding="utf-8")
            continue
        if step.kind == "edit":
            target = tmp_path / step.file
            target.write_text(apply_edit(target.read_text(encoding="utf-8"), step.body, where),
                              encoding="utf-8")
            continue
        result = subprocess.run(advocate_command(step.command), cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        printed = result.stdout.splitlines() + result.stderr.splitlines()
        assert result.returncode == step.exit_code, (
            f"{where}: `{step.command}` exited {result.returncode}, not {step.exit_code}:\n"
            f"{result.stderr}")
        for shown in step.output:
            if shown.strip() != "…":
                assert shown_line_matches(shown, printed), (
                    f"{where}: `{step.command}` did not print\n  {shown}\nbut:\n"
                    + "\n".join(printed))


def test_the_tutorial_uses_every_authoring_command() -> None:
    steps = tutorial_steps(TUTORIAL.read_text(encoding="utf-8"))
    commands = [shlex.split(s.command)[1] for s in steps if s.kind == "run"]
    assert {"new", "validate", "check", "letter", "brief", "build"} <= set(commands)
    assert commands[0] == "new"
    assert [s.file for s in steps if s.kind != "run"] == [
        "free-press.yaml", "free-press.yaml", "free-press.yaml", "signers.csv",
        "free-press.yaml", "free-press.yaml", "templates/de/letter.md.j2"]
    assert [s.exit_code for s in steps if s.kind == "run" and s.exit_code] == [2, 2, 2]


def test_tutorial_conventions() -> None:
    steps = tutorial_steps(
        "<!-- write: a.yaml -->\n```yaml\nx: 1\n```\n"
        "```console\n$ advocate check a.yaml --strict  # exits 2\nadvocate: error: …\n"
        "$ advocate list\n```\n"
        "<!-- edit: a.yaml -->\n```diff\n-x: 1\n+x: 2\n y: 3\n```\n")
    assert [(s.kind, s.line, s.command, s.exit_code, s.output, s.file, s.body)
            for s in steps] == [
        ("write", 1, "", 0, [], "a.yaml", ["x: 1"]),
        ("run", 6, "advocate check a.yaml --strict", 2, ["advocate: error: …"], "", []),
        ("run", 8, "advocate list", 0, [], "", []),
        ("edit", 10, "", 0, [], "a.yaml", ["-x: 1", "+x: 2", " y: 3"]),
    ]
    assert apply_edit("w: 0\nx: 1\ny: 3\n", steps[3].body, "here") == "w: 0\nx: 2\ny: 3\n"
    with pytest.raises(AssertionError, match="not in the file once"):
        apply_edit("x: 1\n", steps[3].body, "here")
    assert shown_line_matches("advocate: wrote … files in … s", ["advocate: wrote 7 files in 1 s"])
    assert not shown_line_matches("advocate: ok", ["advocate: ok: x.yaml"])
    assert advocate_command('advocate letter x --name "A. Writer"')[-2:] == ["--name",
                                                                            "A. Writer"]


# -- the command reference -------------------------------------------------------------

def _help(*args: str) -> str:
    from advocate.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], prog_name="advocate",
                                env={"COLUMNS": str(WIDTH), "NO_COLOR": "1"},
                                terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.stdout.rstrip() + "\n"


def reference_text() -> str:
    """docs/reference.md: the help of advocate and of every command, from the Typer app."""
    from advocate.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    parts = [
        "# Command reference\n",
        "<!-- Generated from the command line's own help by tests/docs/test_docs.py; do not edit.",
        "     Regenerate with: pytest tests/docs/test_docs.py --update-golden -->\n",
        "Every command prints this with `--help` (or `-h`). Exit codes: 0 success; 2 bad "
        "input or\nusage (each message names `file:line:col`); 74 the operating system "
        "refused (a full\ndisk, a read-only folder, a permission); 1 a bug. Documents go to "
        "stdout, messages to\nstderr; `--json` output follows the schemas in "
        "[schemas/](../schemas/). See the\n[tutorial](tutorial.md) for a walk through "
        "them.\n",
        "## advocate\n",
        "```text\n" + _help() + "```\n",
    ]
    for name, command in group.commands.items():
        if command.hidden:
            continue
        parts.append(f"## advocate {name}\n")
        parts.append("```text\n" + _help(name) + "```\n")
    return "\n".join(parts)


def test_the_reference_is_the_commands_own_help(request: pytest.FixtureRequest) -> None:
    text = reference_text()
    if request.config.getoption("--update-golden"):
        REFERENCE.write_text(text, encoding="utf-8")
    assert REFERENCE.read_text(encoding="utf-8") == text, \
        "docs/reference.md is out of date: run `pytest tests/docs/test_docs.py --update-golden`"


def test_the_reference_covers_every_command() -> None:
    from advocate.cli import app

    text = REFERENCE.read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    for name in group.commands:
        assert f"\n## advocate {name}\n" in text
        assert f"Usage: advocate {name} [OPTIONS]" in text


# -- the campaign format ---------------------------------------------------------------

def test_the_campaign_format_names_every_key() -> None:
    from advocate.schema import campaign as model

    text = FORMAT.read_text(encoding="utf-8")
    classes: list[type[BaseModel]] = [Campaign, model.Organisation, model.Translation,
                                      model.Source, model.Fact, model.Quote, model.Ask,
                                      model.Target]
    for cls in classes:
        for name in cls.model_fields:
            assert f"`{name}`" in text, f"campaign-format.md does not name {cls.__name__}.{name}"
    from advocate.signers import KNOWN_COLUMNS

    for column in KNOWN_COLUMNS:
        assert f"`{column}`" in text, f"campaign-format.md does not name the column {column}"


# -- shell completion ------------------------------------------------------------------

def _console_script() -> str:
    found = shutil.which("advocate", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the advocate console script is not installed beside this Python")
    return found


def _completion_env(**extra: str) -> dict[str, str]:
    # Typer detects the shell from the parent processes; this variable (Typer's own test
    # switch) makes --show-completion take the shell as a value instead.
    return {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1", **extra}


@pytest.mark.parametrize("runner", ["script", "module"])
def test_show_completion_prints_a_bash_script_for_advocate(runner: str) -> None:
    prefix = [_console_script()] if runner == "script" else [sys.executable, "-m", "advocate"]
    result = subprocess.run([*prefix, "--show-completion", "bash"], env=_completion_env(),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "_ADVOCATE_COMPLETE=complete_bash" in result.stdout
    assert result.stdout.rstrip().endswith(
        "complete -o default -F _advocate_completion advocate")


def test_completion_completes_commands_and_options() -> None:
    script = _console_script()

    def complete(words: str) -> list[str]:
        env = _completion_env(_ADVOCATE_COMPLETE="complete_bash", COMP_WORDS=words,
                              COMP_CWORD=str(len(words.split()) - 1))
        result = subprocess.run([script], env=env, capture_output=True, text=True,
                                timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert complete("advocate va") == ["validate"]
    assert complete("advocate ch") == ["check"]
    assert "--format" in complete("advocate brief kazakhstan-2022 --fo")
