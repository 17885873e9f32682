"""Shortcuts for the ``advocate`` command's start-up that change nothing it does, through
the libraries' public interfaces only.

:func:`no_pydantic_plugins` (no Pydantic plugin observes the campaign's validation, by
Pydantic's documented ``PYDANTIC_DISABLE_PLUGINS``), :func:`one_command` (Typer builds
only the command that runs) and :func:`collect_later` (Python's cycle collector waits
until the start-up's objects are made, and never scans them at exit). Only the command
uses them (:func:`advocate.cli.main`); the library leaves Typer, Pydantic and the
collector as they are.

An earlier version also replaced private parts of Typer (its option coercion) and of
Pydantic (its plugin loader): both tied advocate to one release of each library and
measured no gain outside a letter-cache hit (issue 24), so they are gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: How many new objects the command makes before Python's cycle collector first runs
#: (:func:`collect_later`): a text letter makes about 80,000 from the command's start to
#: its end; a build goes on to the usual thresholds after this many.
START_OBJECTS = 200_000
_COLLECTING_LATER: list[tuple[int, ...]] = []  # the thresholds to go back to, once set


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


def collect_later(objects: int = START_OBJECTS) -> None:
    """Python's cycle collector first runs once the command has made ``objects`` new
    objects, then at its usual thresholds again (``gc.set_threshold``, ``gc.callbacks``).

    A command's start-up makes objects that live as long as the process: modules, the
    campaign model's validators, compiled templates, Babel's locale data. The collector,
    run every 700 new objects, scans them again and again for cycles they are not part
    of: 40 ms of a 0.3 s text letter (measured with ``gc.callbacks``), against 8 ms for
    the bare imports of Typer, Pydantic, Jinja and PyYAML. Memory is bounded the same way:
    at most ``objects`` unreachable objects wait for the first collection (a build of
    thousands of letters makes that many in its first letters, then collects as usual).
    Called again, it changes nothing."""
    import gc

    if _COLLECTING_LATER or not gc.isenabled():
        return
    usual = gc.get_threshold()
    _COLLECTING_LATER.append(usual)
    budget = max(objects, usual[0])
    gc.set_threshold(budget, *usual[1:])
    done: list[bool] = []

    def usual_again(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not done:  # the first collection: once only
            done.append(True)
            if gc.get_threshold()[0] == budget:  # (unless someone set another since)
                gc.set_threshold(*usual)

    gc.callbacks.append(usual_again)


def leave_objects_to_exit() -> None:
    """At exit (the command's last exit handler): the objects still alive are not scanned
    for cycles again by the interpreter's last collections (``gc.freeze``). They are freed
    as the interpreter ends, as before; only garbage in reference cycles, which the
    collector would have found, is left to the operating system. About 30 ms of a text
    letter, for the cycle collector walking every module, model and template once more."""
    import gc

    gc.freeze()
