"""Network guard for child processes: put this folder on PYTHONPATH to load it.

Python imports ``sitecustomize`` at start-up, so every interpreter started with this folder
on PYTHONPATH (a subprocess, and the worker processes it spawns, which inherit the
environment) gets sockets and name lookups that refuse and record every attempt:

* ``socket.socket`` (and ``_socket.socket``) for any family but AF_UNIX, which
  multiprocessing may use for its own pipes;
* ``socket.create_connection``, ``socket.getaddrinfo``, ``gethostbyname``,
  ``gethostbyname_ex``, ``gethostbyaddr`` and ``getnameinfo``: no DNS either.

Each attempt appends one line, ``PID WHAT DETAIL``, to the file named by the environment
variable ADVOCATE_SOCKET_LOG, then raises OSError. With ADVOCATE_SOCKET_GUARD_PIDS set,
every process that loaded the guard appends its PID there: proof the workers had it. advocate
starts its own children isolated from PYTHONPATH (``-I``): :func:`follow_children` carries
the guard into them.

pytest-socket (``--disable-socket``) covers the test process itself; this covers the rest.
"""

from __future__ import annotations

import _socket
import errno
import os
import socket as _socket_module
import traceback

_LOG = os.environ.get("ADVOCATE_SOCKET_LOG")
_PIDS = os.environ.get("ADVOCATE_SOCKET_GUARD_PIDS")
_ALLOWED_FAMILIES = {getattr(_socket_module, "AF_UNIX", None)} - {None}


def _append(path: str | None, line: str) -> None:
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _refuse(what: str, detail: object) -> OSError:
    frames = traceback.extract_stack()[:-2][-3:]
    where = " < ".join(f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames))
    _append(_LOG, f"{os.getpid()} {what} {detail!r} at {where}\n")
    return OSError(errno.EACCES, f"advocate test guard: {what} blocked (offline)")


_RealSocket = _socket_module.socket
_RawSocket = _socket.socket


def _check_family(family: int, fileno: int | None) -> None:
    if fileno is None:
        wanted = _socket_module.AF_INET if family == -1 else family
        if wanted not in _ALLOWED_FAMILIES:
            raise _refuse("socket", f"family={wanted}")


class GuardedSocket(_RealSocket):  # type: ignore[misc, valid-type]
    """socket.socket for AF_UNIX only; anything else is recorded and refused."""

    def __init__(self, family: int = -1, type: int = -1, proto: int = -1,
                 fileno: int | None = None) -> None:
        _check_family(family, fileno)
        _RealSocket.__init__(self, family, type, proto, fileno)
        if self.family not in _ALLOWED_FAMILIES:  # e.g. socket.fromfd() of an inet socket
            detail = f"fd family={self.family}"
            self.close()
            raise _refuse("socket", detail)


class GuardedRawSocket(_RawSocket):  # type: ignore[misc, valid-type]
    """_socket.socket, for code that skips the socket module (socket.socket's own
    __init__ calls it by name, so both paths meet the same check)."""

    def __init__(self, family: int = -1, type: int = -1, proto: int = -1,
                 fileno: int | None = None) -> None:
        _check_family(family, fileno)
        _RawSocket.__init__(self, family, type, proto, fileno)


def _guard(name: str) -> object:
    def refuse(*args: object, **kwargs: object) -> object:
        raise _refuse(name, args[:2])

    refuse.__name__ = name
    return refuse


def install() -> None:
    _socket_module.socket = GuardedSocket  # type: ignore[misc]
    _socket.socket = GuardedRawSocket  # type: ignore[misc, attr-defined]
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex",
                 "gethostbyaddr", "getnameinfo"):
        setattr(_socket_module, name, _guard(name))
        if hasattr(_socket, name):
            setattr(_socket, name, _guard(name))
    _append(_PIDS, f"{os.getpid()}\n")


def follow_children() -> None:
    """advocate's children are forked (they keep the guard: each notes its PID) or started
    as isolated interpreters (``-I``: PYTHONPATH, and so this file, is ignored there). For
    the latter, the command line advocate.children makes is given one statement first that
    loads this guard, so that they are guarded too."""
    os.register_at_fork(after_in_child=lambda: _append(_PIDS, f"{os.getpid()}\n"))
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    start = subprocess.Popen.__init__

    def guarded_start(self: object, args: object, *rest: object, **options: object) -> None:
        if isinstance(args, list) and args[1:3] == ["-I", "-c"] \
                and "advocate.children" in str(args[3]):
            args = [*args[:3], f"import sys; sys.path.insert(0, {here!r}); "
                    f"import sitecustomize; {args[3]}", *args[4:]]
        start(self, args, *rest, **options)  # type: ignore[arg-type]

    subprocess.Popen.__init__ = guarded_start  # type: ignore[method-assign]


install()
follow_children()
