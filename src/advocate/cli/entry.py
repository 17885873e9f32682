"""The ``advocate`` process: its entry point (:func:`main`) and its exit."""

from __future__ import annotations

import contextlib
import sys

import typer

from advocate import _startup
from advocate.cli.common import app

_EXIT_CODE: list[int] = []  # the command's exit code, for _end_without_teardown


def _end_without_teardown() -> None:
    """The last exit handler (registered first, and atexit runs its handlers last-in,
    first-out): every other handler has run; with WeasyPrint loaded, end the process here,
    before the interpreter's teardown (see :func:`main`); else leave what is alive to the
    teardown without the cycle collector's last scans of it
    (:func:`advocate._startup.leave_objects_to_exit`)."""
    if "weasyprint" not in sys.modules or not _EXIT_CODE:
        _startup.leave_objects_to_exit()
        return
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(_EXIT_CODE[0])


def main() -> None:
    """Entry point of the ``advocate`` command (and of ``python -m advocate``).

    Once the command is done, the process ends without tearing down the interpreter:
    unloading WeasyPrint's C libraries and collecting its object graph is work for nothing.
    Measured 2026-11-29 on this project's 2-core machine, `advocate brief kazakhstan-2022
    -o b.pdf`, three runs each: 1.69-1.89 s with this exit against 1.90-2.03 s with a
    normal ``sys.exit`` (about 0.15 s, 8-10 %). It is done with public APIs only: the exit
    handler registered first runs last (``atexit`` runs handlers last-in, first-out), after
    every other one (they remove temporary font files, end helper processes), and calls
    ``os._exit`` once both streams are flushed; every output file is already closed and
    published. Without WeasyPrint loaded, the normal exit is used.
    """
    import atexit

    _startup.collect_later()  # first, before the start-up makes its objects
    from advocate.children import isolate_import_path
    from advocate.limits import allow_children_ahead, handle_termination

    isolate_import_path()  # nothing from the working folder, here or in any child
    atexit.register(_end_without_teardown)
    _startup.no_pydantic_plugins()  # (the library leaves the choice to its host)
    allow_children_ahead()  # e.g. the PDF engine, loaded while the command writes the HTML
    handle_termination()
    for number, argument in enumerate(sys.argv[1:], 1):
        if any("\udc80" <= ch <= "\udcff" for ch in argument):  # undecodable bytes
            typer.echo(f"advocate: error: argument {number} is not valid UTF-8 (check the "
                       "terminal's encoding, or rename the file)", err=True)
            sys.exit(2)
    try:
        _startup.one_command(app, sys.argv[1:])(prog_name="advocate")
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    try:
        sys.stdout.flush()
    except OSError:  # stdout is a full disk or a closed pipe: said already, or nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error
    _EXIT_CODE.append(code)
    sys.exit(code)
