"""The ``advocate`` command group: global options that work in either position, and help
that names values the way users write them.

* ``-q``/``--quiet``, ``--color`` and ``--debug`` are options of the group (``advocate -q
  build``) and of every command (``advocate build -q``): each command gets a copy of the
  group's option whose value goes to :data:`OPTIONS` rather than to the command.
* Help shows ``--signers FILE``-style metavars (``PATH``, ``N``, ``a4|letter``), never a
  Python type (``<list[str]>``, ``<int range>``), for every parameter that does not set its
  own: new commands get it without doing anything.

Only public Typer attributes are used (a parameter's ``metavar``, ``callback``,
``expose_value``, ``name``, ``nargs``; a command's ``params``).
"""

from __future__ import annotations

import copy
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import IO, Any

import typer
from typer.core import TyperArgument, TyperGroup


class Color(StrEnum):
    """When messages are coloured: on a terminal unless NO_COLOR is set, always, never."""

    auto = "auto"
    always = "always"
    never = "never"


@dataclass(frozen=True)
class Options:
    """The global options of one invocation."""

    debug: bool = False
    quiet: bool = False
    color: Color = Color.auto


# Set at the start of each invocation; a context variable rather than a mutable module dict,
# so one invocation (e.g. under CliRunner) never sees another's.
OPTIONS: ContextVar[Options] = ContextVar(
    "advocate_cli_options", default=Options())  # noqa: B039 (frozen: immutable)

#: The group's options that every command repeats.
SHARED = ("quiet", "color", "debug")


def color_wanted(stream: IO[str]) -> bool:
    """Colour on ``stream``? ``--color always|never`` decide; ``auto``: a terminal, unless
    ``NO_COLOR`` is set (https://no-color.org) or ``TERM=dumb``."""
    choice = OPTIONS.get().color
    if choice != Color.auto:  # the enum, or its value from a command's copy of the option
        return choice == Color.always
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_STYLE = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "ok": "\x1b[1;32m"}


def paint(line: str, label: str, stream: IO[str]) -> str:
    """``line`` with its ``advocate: LABEL:`` prefix coloured when colour is wanted."""
    prefix = f"advocate: {label}:"
    if label not in _STYLE or not line.startswith(prefix) or not color_wanted(stream):
        return line
    return f"{_STYLE[label]}{prefix}\x1b[0m{line[len(prefix):]}"


def _set_from_command(ctx: Any, param: Any, value: Any) -> Any:
    """A command's copy of a global option: given, it overrides the group's value."""
    if value not in (None, False):
        OPTIONS.set(replace(OPTIONS.get(), **{param.name: value}))
    return value


def readable_metavar(param: Any) -> str | None:
    """What help shows for a parameter's value: ``PATH``, ``N``, ``a|b``, or its name in
    capitals (``CAMPAIGNS...`` for a list argument); None for a flag."""
    if getattr(param, "is_flag", False):
        return None
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None) if descriptor is not None else None
    if choices:
        text = "|".join(str(getattr(c, "value", c)) for c in choices)
    else:
        annotation = getattr(descriptor, "annotation", None)
        names = {getattr(annotation, "__name__", ""), *map(
            lambda a: getattr(a, "__name__", ""), getattr(annotation, "__args__", ()))}
        text = "N" if "int" in names and param.param_type_name == "option" else \
            (param.name or "value").upper()
    return text


class _Argument(TyperArgument):
    """An argument whose help shows its name only (``CAMPAIGNS``), not a Python type."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


_CHOICES = re.compile(r"^'(?P<value>.*)' is not one of (?P<choices>'.*')\.?$", re.S)
_FORMATS = re.compile(r"^'(?P<value>.*)' does not match the formats? '%Y-%m-%d'\.?$", re.S)


def plain_message(message: str) -> str:
    """A parameter error in advocate's words: "'xml' is not one of: csv, osdi-json", not
    Pydantic's "Value error, 'xml' is not one of 'csv', 'osdi-json'."."""
    text = message.removeprefix("Value error, ")
    found = _CHOICES.match(text)
    if found:
        choices = ", ".join(c.strip().strip("'") for c in found["choices"].split(","))
        return f"'{found['value']}' is not one of: {choices}"
    found = _FORMATS.match(text)
    if found:
        return f"'{found['value']}' is not a date written YYYY-MM-DD"
    return text


class AdvocateGroup(TyperGroup):
    """The group of ``advocate`` commands (see the module docstring)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:  # a command's value, said plainly
            exc.message = plain_message(exc.message)
            raise

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        shared = [p for p in self.params if p.name in SHARED]
        for param in self.params:
            _readable(param)
        for command in self.commands.values():
            for param in command.params:
                _readable(param)
            names = {p.name for p in command.params}
            for option in shared:
                if option.name in names:
                    continue
                mine = copy.copy(option)
                mine.expose_value = False
                mine.callback = _set_from_command
                mine.is_eager = True
                command.params.append(mine)


def _readable(param: Any) -> None:
    if param.metavar is None:
        param.metavar = readable_metavar(param)
    if type(param) is TyperArgument:
        param.__class__ = _Argument
