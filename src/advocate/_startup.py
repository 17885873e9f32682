"""Shortcuts for the ``advocate`` command's start-up that change nothing it does, through
the libraries' public interfaces only.

:func:`no_pydantic_plugins` (no Pydantic plugin observes the campaign's validation, by
Pydantic's documented ``PYDANTIC_DISABLE_PLUGINS``) and :func:`one_command` (Typer builds
only the command that runs). Only the command uses them (:func:`advocate.cli.main`); the
library leaves Typer and Pydantic as they are.

An earlier version also replaced Typer's private option coercion (``typer._coercion``) and
Pydantic's private plugin loader (``pydantic.plugin._loader``): both tied advocate to one
release of each library (``typer<0.30``) and measured no gain outside a letter-cache hit
(issue 24), so they are gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def no_pydantic_plugins() -> bool:
    """No Pydantic plugin observes the campaign's validation in the command:
    ``PYDANTIC_DISABLE_PLUGINS=__all__`` (Pydantic's documented setting) unless the user
    set it. True when every plugin is then off."""
    import os

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    return os.environ["PYDANTIC_DISABLE_PLUGINS"] in ("__all__", "1", "true")


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
