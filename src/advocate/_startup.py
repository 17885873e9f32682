"""Shortcuts for the ``advocate`` command's start-up that change nothing it does.

:func:`install` (Typer's option coercion without a Pydantic TypeAdapter per option),
:func:`no_pydantic_plugins` (no Pydantic plugin, and no scan of every installed package's
metadata for one) and :func:`one_command` (Typer builds only the command that runs).
Only the command uses them (:func:`advocate.cli.main`, and the CLI
module for the first); the library leaves Typer and Pydantic as they are.

Typer's option coercion
-----------------------

Typer 0.29 turns every command-line value into its Python type through a Pydantic
``TypeAdapter`` built for each parameter of the command that runs, even for an option that
was not given (its default goes through it too). For ``advocate letter`` that is 23 adapters
and the import of Pydantic's validator machinery: about 0.13 s of a 0.5 s command.

:func:`install` replaces the builder Typer uses (``typer.core.build_runtime_param``) with one
that returns a lazy parameter: for the common cases (a ``str``, a list of ``str``, an enum
choice, a ``pathlib.Path``) it does what Typer's adapter would have done with the helpers
Typer's adapter calls itself, and for anything else (another type, a custom parser, a file,
a value it does not recognise, any error) it builds Typer's own parameter and lets it answer,
so the value, or the error message, is Typer's. ``tests/test_cli_startup.py`` checks the two
against each other. If Typer's internals are not the expected ones, nothing is replaced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_MISSING = object()


def install() -> bool:
    """Use the lazy builder for every Typer parameter; False (and nothing done) when this Typer
    does not have the internals it stands in for."""
    try:
        from typer import _coercion, _param_types, core
    except ImportError:  # pragma: no cover - another Typer
        return False
    original: Any = getattr(core, "build_runtime_param", None)
    if getattr(original, "advocate_lazy", False):
        return True
    if (original is None or original is not _coercion.build_runtime_param
            or not hasattr(_param_types, "coerce_cli_choice")
            or not hasattr(_param_types, "coerce_cli_path")):
        return False  # pragma: no cover - another Typer

    @dataclasses.dataclass(frozen=True)
    class LazyRuntimeParam(_coercion.RuntimeParam):
        """Coerces the plain cases itself; builds Typer's parameter for the rest."""

        descriptor: Any = None
        built: dict[str, Any] = dataclasses.field(default_factory=dict)

        def typer_param(self) -> Any:
            if "param" not in self.built:
                self.built["param"] = original(self.descriptor)
            return self.built["param"]

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            result = _fast(self.descriptor, value, param, ctx)
            if result is _MISSING:
                return self.typer_param()._coerce_value(value, param=param, ctx=ctx)
            return result

    def build(descriptor: Any) -> Any:
        return LazyRuntimeParam(parameter_info=descriptor.parameter_info,
                                annotation=descriptor.annotation, descriptor=descriptor)

    build.advocate_lazy = True  # type: ignore[attr-defined]
    core.build_runtime_param = build  # type: ignore[attr-defined]
    return True


def _fast(descriptor: Any, value: Any, param: Any, ctx: Any) -> Any:
    """What Typer's adapter returns for ``value``, or ``_MISSING`` to ask Typer itself."""
    from typer import _param_types

    info = descriptor.parameter_info
    annotation = descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None:
        return _MISSING
    if annotation is str:
        return value if type(value) is str else _MISSING
    origin = get_origin(annotation)
    if origin is list and get_args(annotation) == (str,):
        items = value if isinstance(value, list | tuple) else [value]
        return list(items) if all(type(item) is str for item in items) else _MISSING
    if origin is not None or not isinstance(annotation, type):
        return _MISSING
    try:
        if issubclass(annotation, Enum):
            return _param_types.coerce_cli_choice(value, choices=list(annotation),
                                                  case_sensitive=info.case_sensitive, ctx=ctx)
        if annotation is Path and type(value) is str and info.path_type is None:
            return _param_types.coerce_cli_path(Path(value), info, path_type=Path,
                                                param=param, ctx=ctx)
    except Exception:  # Typer's own parameter says what is wrong, in its words
        return _MISSING
    return _MISSING


def no_pydantic_plugins() -> bool:
    """No Pydantic plugin observes the campaign's validation in the command, and Pydantic's
    plugin loader, which imports ``importlib.metadata`` (with the email package: 20-25 ms)
    to scan every installed package for plugins, is not imported either.

    ``PYDANTIC_DISABLE_PLUGINS=__all__`` is set unless the environment already says
    something; if it then disables every plugin, the loader is replaced by a module whose
    ``get_plugins`` returns no plugins, which is what Pydantic's own returns then. False
    (and Pydantic's loader left alone) when the user's setting asks for some plugins, or
    Pydantic already loaded its loader."""
    import os
    import sys
    import types

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    name = "pydantic.plugin._loader"
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] not in ("__all__", "1", "true"):
        return False
    if name in sys.modules:
        return getattr(sys.modules[name], "advocate_stand_in", False) is True
    loader = types.ModuleType(name, "Pydantic's plugin loader while every plugin is disabled.")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    loader.advocate_stand_in = True  # type: ignore[attr-defined]
    sys.modules[name] = loader
    return True


def one_command(app: Any, argv: Sequence[str]) -> Any:
    """``app`` with only the command that ``argv`` runs, or ``app`` itself.

    Typer builds every command of the group before it runs one: their parameters, from
    each function's signature and type hints (``eval`` of every annotation, the module
    having ``from __future__ import annotations``). For ``advocate`` that is 12 commands
    and about 30 ms of every run. The copy has the same callback (the global options),
    settings and command, so the command runs, parses, errs and prints its help exactly as
    in the whole group. ``argv`` without a command name before any ``-h``/``--help``
    (``advocate --help``, a misspelt command, shell completion) gets the whole group."""
    import copy
    import os

    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return app  # completion lists every command
    from typer.main import get_command_name

    names = {info.name or get_command_name(info.callback.__name__): info
             for info in app.registered_commands if info.callback is not None}
    for argument in argv:
        if argument in ("-h", "--help", "--"):
            return app
        if not argument.startswith("-"):
            if argument not in names or app.registered_groups:
                return app
            single = copy.copy(app)
            single.registered_commands = [names[argument]]
            return single
    return app
