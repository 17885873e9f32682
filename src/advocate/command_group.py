"""The ``advocate`` command group: global options that work in either position, and help
that names values the way users write them.

* ``-q``/``--quiet``, ``--color`` and ``--debug`` are options of the group (``advocate -q
  build``) and of every command (``advocate build -q``): each command gets a copy of the
  group's option whose value goes to :data:`OPTIONS` rather than to the command.
* Help shows ``--signers FILE``-style metavars (``PATH``, ``N``, ``a4|letter``), never a
  Python type (``<list[str]>``, ``<int range>``), for every parameter that does not set its
  own: new commands get it without doing anything.

* A value whose coercion is plain (an option not given, an enum choice, text for a ``str``)
  skips the Pydantic adapter Typer would build for it (:func:`coerced_as_typer_would`): a
  text letter starts without building any.

Only public Typer attributes are used (a parameter's ``metavar``, ``callback``,
``expose_value``, ``name``, ``nargs``, ``multiple``, ``required``, ``type_descriptor``; a
command's ``params`` and ``get_params``), and public methods overridden
(``process_value``, ``get_params``).
"""

from __future__ import annotations

import copy
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import IO, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


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


_SURROGATE = re.compile("[\ud800-\udfff]")
_UNKNOWN = (False, None)


def coerced_as_typer_would(param: Any, ctx: Any, value: Any) -> tuple[bool, Any]:
    """``(True, what Typer's coercion makes of value)`` when that is plain without running it,
    else ``(False, None)``: an option not given (None), one of an enum parameter's choices (a
    default, or its value as typed: ``--format txt``), text for a ``str`` parameter.

    Typer coerces every parameter's value through a Pydantic ``TypeAdapter`` that it builds
    for that parameter on first use, for options not given too: 29 of them for a text letter,
    none left to build with these cases. Anything else (a path, a number, a date, a list, a
    choice not found, a required value missing) goes to Typer, which also says what is wrong.
    ``tests/test_cli_startup.py`` compares the two on every parameter of every command."""
    if param.multiple or param.nargs != 1:
        return _UNKNOWN
    if value is None:
        return (True, None) if not param.required else _UNKNOWN
    descriptor = param.type_descriptor
    choices = descriptor.choices or ()
    if choices:
        return _enum_choice(choices, descriptor.case_sensitive, ctx, value)
    if (type(value) is str and descriptor.annotation is str  # exactly str
            and descriptor.parameter_info.parser is None
            and (value.isascii() or not _SURROGATE.search(value))):
        return True, value
    return _UNKNOWN


def _enum_choice(choices: tuple[Any, ...], case_sensitive: bool, ctx: Any,
                 value: Any) -> tuple[bool, Any]:
    """The enum member ``value`` is or names, as Typer finds it: itself, else the first
    whose value reads the same (casefolded unless case-sensitive)."""
    if not all(isinstance(choice, Enum) for choice in choices):
        return _UNKNOWN
    if any(value is choice for choice in choices):
        return True, value
    if type(value) is not str or getattr(ctx, "token_normalize_func", None) is not None:
        return _UNKNOWN
    wanted = value if case_sensitive else value.casefold()
    for choice in choices:
        text = str(choice.value)
        if (text if case_sensitive else text.casefold()) == wanted:
            return True, choice
    return _UNKNOWN


def _processed(param: Any, ctx: Any, value: Any) -> Any:
    """Typer's ``process_value`` once its coercion made ``value``: the parameter's callback."""
    return value if param.callback is None else param.callback(ctx, param, value)


class _Argument(TyperArgument):
    """An argument whose help shows its name only (``CAMPAIGNS``), not a Python type, and
    whose value skips Typer's coercion when its result is plain (:func:`coerced_as_typer_would`)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def process_value(self, ctx: Any, value: Any) -> Any:
        known, coerced = coerced_as_typer_would(self, ctx, value)
        return _processed(self, ctx, coerced) if known else super().process_value(ctx, value)


class _Option(TyperOption):
    """An option whose value skips Typer's coercion when its result is plain
    (:func:`coerced_as_typer_would`)."""

    def process_value(self, ctx: Any, value: Any) -> Any:
        known, coerced = coerced_as_typer_would(self, ctx, value)
        return _processed(self, ctx, coerced) if known else super().process_value(ctx, value)


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
            if type(command) is TyperCommand:
                command.__class__ = _Command
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


    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_coercion(super().get_params(ctx))


class _Command(TyperCommand):
    """A command whose parameters made on demand (``--help``) skip Typer's coercion when its
    result is plain, as its declared ones do (:func:`coerced_as_typer_would`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_coercion(super().get_params(ctx))


def _plain_coercion(params: list[Any]) -> list[Any]:
    """``params``, each Typer option and argument able to skip Typer's coercion when its
    result is plain (the group's ``--help`` and completion options are made after the group)."""
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _Argument
        elif type(param) is TyperOption:
            param.__class__ = _Option
    return params


def _readable(param: Any) -> None:
    if param.metavar is None:
        param.metavar = readable_metavar(param)
    _plain_coercion([param])
