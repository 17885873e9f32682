"""The PDF engine started ahead: WeasyPrint loads in a child process while the command loads
the campaign and writes the HTML.

Importing WeasyPrint and setting up its fonts takes about a second on this project's
machines, and ``advocate brief`` spends another half second on the campaign, the templates
and the HTML before it needs the engine. Done one after the other, the two add up; on a
machine with two cores or more they need not. :func:`start` forks a child that imports
WeasyPrint and builds the shared renderer at once; :func:`render` hands it the HTML and the
options when they are ready and returns its :class:`~advocate.render.pdf.engine.PdfResult`.

The child renders exactly what this process would (same code, same options, forked from
it); it is only ever asked by the process that started it, from its main thread. An
AdvocateError (a refused resource, a render over its time limit) comes back as itself; for
anything else the answer is "render it yourself", so a bug shows up in the command's own
process as it always did. The child ends when the command does (its end of the pipe
closes; Linux also kills it when its parent dies). Only the ``advocate`` command starts it
(:func:`advocate.cli.main`), and only with two or more CPUs: a library caller, a test
runner with threads, or a one-core machine renders in its own process as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import shutil
import signal
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from advocate.errors import AdvocateError, LimitError

__all__ = ["render", "start", "started"]

_HEADER = struct.Struct("!Q")


@dataclass
class _Child:
    pid: int
    requests: int  # our end: we write
    replies: int   # our end: we read
    owner: int     # the pid that started it (a forked worker must not use it)
    folder: str    # its temporary files


_CHILD: _Child | None = None


def started() -> bool:
    """Whether a child engine is running for this process."""
    return _CHILD is not None and _CHILD.owner == os.getpid()


def start() -> bool:
    """Fork the child engine now, if it helps: two or more CPUs, WeasyPrint not loaded yet,
    one thread, Linux. True when a child was started (or already runs)."""
    global _CHILD
    if started():
        return True
    if (not sys.platform.startswith("linux") or "weasyprint" in sys.modules
            or threading.active_count() != 1 or len(os.sched_getaffinity(0)) < 2):
        return False
    from advocate import limits

    if limits.CONFINED:
        return False
    import atexit
    import tempfile

    # The child's temporary files (fontconfig's, WeasyPrint's font copies) go in a folder of
    # its own, which this process removes when it ends (the child ends without clean-up).
    folder = tempfile.mkdtemp(prefix="advocate-ahead-")
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(request_write)
            os.close(reply_read)
            tempfile.tempdir = folder
            os.environ["TMPDIR"] = folder
            _serve(request_read, reply_write)
        except BaseException:  # the parent renders for itself then
            code = 1
        finally:
            os._exit(code)
    os.close(request_read)
    os.close(reply_write)
    _CHILD = _Child(pid, request_write, reply_read, os.getpid(), folder)
    atexit.register(_finish, _CHILD)
    return True


def render(html: str, options: dict[str, Any]) -> Any | None:
    """The child's PdfResult for ``html`` with ``options`` (as for
    :func:`~advocate.render.pdf.engine.render_pdf_result`), or None: render it here."""
    global _CHILD
    child = _CHILD
    if child is None or child.owner != os.getpid() \
            or threading.current_thread() is not threading.main_thread():
        return None
    timeout = float(options.get("timeout", 60.0))
    try:
        _send(child.requests, (html, options))
        answer = _receive(child.replies, timeout * 2 + 60)
    except (OSError, EOFError, pickle.PickleError, TimeoutError) as exc:
        _stop(child)
        _CHILD = None
        if isinstance(exc, TimeoutError):
            raise LimitError(f"PDF render was stopped after {timeout * 2 + 60:g} s",
                             file=options.get("source"),
                             hint="the template or its layout does too much work; simplify "
                             "it") from None
        return None
    kind, value = answer
    if kind == "ok":
        return value
    if kind == "error" and isinstance(value, AdvocateError):
        raise value
    return None  # "yourself": the child could not (no WeasyPrint there, a bug)


def _serve(requests: int, replies: int) -> None:
    """The child: load the engine, then render each request until the pipe closes."""
    from advocate import limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    limits.die_with_parent()
    with open(os.devnull, "wb") as null:  # stdout is the command's output, never ours
        os.dup2(null.fileno(), 1)
    from advocate.render.pdf import engine

    try:
        engine.shared_renderer()
        ready = True
    except Exception:
        ready = False
    while True:
        try:
            html, options = _receive(requests, None)
        except EOFError:
            return
        if not ready:
            reply: tuple[str, Any] = ("yourself", None)
        else:
            try:
                reply = ("ok", engine.render_pdf_result(html, **options))
            except AdvocateError as exc:
                reply = ("error", exc)
            except Exception:
                reply = ("yourself", None)
        try:
            _send(replies, reply)
        except (pickle.PickleError, TypeError, AttributeError):
            _send(replies, ("yourself", None))


def _send(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _receive(fd: int, timeout: float | None) -> Any:
    header = _read(fd, _HEADER.size, timeout)
    (size,) = _HEADER.unpack(header)
    return pickle.loads(_read(fd, size, timeout))


def _read(fd: int, size: int, timeout: float | None) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        if timeout is not None:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError
        chunks += chunk
    return bytes(chunks)


def _stop(child: _Child) -> None:
    """At once: the child killed, its folder removed."""
    for fd in (child.requests, child.replies):
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(child.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(child.pid, 0)
    shutil.rmtree(child.folder, ignore_errors=True)


def _finish(child: _Child) -> None:
    """When this process ends: the child told (its pipe closes), given a moment to end on
    its own, then stopped; its folder removed."""
    if child.owner != os.getpid():
        return  # a forked worker's copy: not its child
    for fd in (child.requests, child.replies):
        with contextlib.suppress(OSError):
            os.close(fd)
    for _ in range(100):
        try:
            done, _status = os.waitpid(child.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            break
        time.sleep(0.01)
    _stop(child)
