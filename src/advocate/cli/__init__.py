"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success; 2 bad input or usage (every problem printed as
``advocate: error: file:line:col: message (hint)``); 74 the operating system refused
(a full disk, a read-only folder, permission denied: EX_IOERR of sysexits.h); 1 a bug;
130 interrupted. Stdout carries only the document (or JSON); every message goes to stderr.

One module per group of commands (``checking``, ``documents``, ``site_kit``, ``build``,
``signers``, ``campaign_files``, ``outcomes``), their shared options (``options``) and
messages (``common``), and the process's entry point (``entry``).
"""

from __future__ import annotations

from advocate import _startup

# Before Typer and the commands are imported: the collector would scan their modules' objects
# 29 times (5 ms of a cold text letter); main() asks again, which changes nothing.
_startup.collect_later()

from typer.models import CommandInfo  # noqa: E402

from advocate.cli import (  # noqa: F401, E402 (each registers its commands on app)
    build,
    campaign_files,
    checking,
    documents,
    outcomes,
    signers,
    site_kit,
)
from advocate.cli.common import EXIT_OS_ERROR, app  # noqa: E402
from advocate.cli.entry import main  # noqa: E402

__all__ = ["EXIT_OS_ERROR", "app", "main"]

#: The commands in the order ``advocate --help`` lists them (Typer lists them as registered).
COMMANDS = ("validate", "check", "letter", "petition", "brief", "site", "build", "merge",
            "signers", "list", "verify", "new", "schema", "kit", "log", "report", "followup")


def _order(info: CommandInfo) -> int:
    return COMMANDS.index(info.name or getattr(info.callback, "__name__", ""))


app.registered_commands.sort(key=_order)
