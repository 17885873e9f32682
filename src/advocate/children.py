"""Every process advocate starts is started here, and nowhere else.

Five kinds of child run advocate's work: the confined child that renders a template pack
(:class:`Confined`), the PDF engine started ahead of need (``render/pdf/ahead.py``), the
build's letter workers and a long petition's part workers (:class:`Pool`), and the worker
that reads a spreadsheet (:func:`run_module`). They differ in what they run, not in how they
start, so one module decides for all of them:

- **No code from the working folder.** A child is either forked from this process, whose
  import path no longer holds the working folder (:func:`isolate_import_path`, called by the
  command before anything else is imported), or a new interpreter started with ``-I``
  (isolated: no working folder, no user site packages, no ``PYTHON*`` variables), given the
  import path this process has, less the working folder. A ``json.py`` beside a campaign
  never runs.
- **Limits** (:func:`advocate.limits.confine_process`, :func:`~advocate.limits.cpu_limit`):
  the kernel bounds an untrusted child's address space and CPU time; no core file.
- **Death with the parent** (``PR_SET_PDEATHSIG``): no orphan keeps rendering.
- **Its own temporary folder** (``TMPDIR`` and :data:`tempfile.tempdir`), removed by this
  process when the child ends, however it ends.
- **Clean shutdown**: asked to stop by closing its pipe, killed if it does not; at exit too.
- **Signals**: Ctrl-C is the parent's (the child ignores SIGINT); SIGTERM, SIGHUP end it.

A child runs the functions it is sent, one at a time, over two pipes: a request is
``(function, args, kwargs, cpu_seconds)`` pickled by reference; the reply is ``("ok",
value)``, ``("error", AdvocateError)`` or ``("failed", exception type name)``: any other
exception's text may hold personal data, so only its type comes back.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from advocate import limits
from advocate.errors import AdvocateError, LimitError

__all__ = ["Child", "ChildGone", "Confined", "ModuleRun", "Pool", "isolate_import_path",
           "python_command", "run_module"]
_HEADER = struct.Struct("!Q")
#: The parent's ends of every child's pipes: a forked child closes them, so that a sibling
#: never holds another child's pipe open (its end of file would never come).
_PARENT_FDS: set[int] = set()


class ChildGone(Exception):
    """The child ended before it replied (killed by a limit, or crashed), or did not reply
    in time (then it was killed). ``code`` is its exit status (negative: the signal)."""

    def __init__(self, code: int | None, timed_out: bool = False) -> None:
        super().__init__(f"child process ended ({code})" if not timed_out else "timed out")
        self.code, self.timed_out = code, timed_out


# -- the import path -----------------------------------------------------------------------

def _is_working_folder(entry: str, here: str | None) -> bool:
    if entry in ("", "."):
        return True
    with contextlib.suppress(OSError):
        return here is not None and os.path.realpath(entry) == here
    return False


def clean_import_path() -> list[str]:
    """This process's import path, less every entry that names the working folder."""
    try:
        here: str | None = os.path.realpath(os.getcwd())
    except OSError:  # the working folder was removed: "" still names it
        here = None
    return [p for p in sys.path if isinstance(p, str) and not _is_working_folder(p, here)]


def isolate_import_path() -> None:
    """Drop the working folder from this process's import path (``python -m advocate`` puts
    it first): the modules imported from now on, here and in forked children, come from
    where advocate and its libraries are installed."""
    sys.path[:] = clean_import_path()


_BOOT = "import sys; sys.path[:] = {path!r}; from advocate.children import _child_main; " \
        "_child_main()"


def python_command(spec: str) -> list[str]:
    """The command line of an isolated interpreter that imports what this process would
    (less the working folder) and runs :func:`_child_main` with ``spec`` (JSON)."""
    return [sys.executable, "-I", "-c", _BOOT.format(path=clean_import_path()), spec]


def _remove(folder: str) -> None:
    """A child's temporary folder, gone (shutil imported only when a child has run)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# -- messages --------------------------------------------------------------------------------

def _send(fd: int, value: Any) -> None:
    import pickle

    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _receive(fd: int, timeout: float | None) -> Any:
    (size,) = _HEADER.unpack(_read(fd, _HEADER.size, timeout))
    import pickle

    return pickle.loads(_read(fd, size, timeout))


def _read(fd: int, size: int, timeout: float | None) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        if timeout is not None:
            import select

            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError
        chunks += chunk
    return bytes(chunks)


# -- the child's side ------------------------------------------------------------------------

def _settle(folder: str, parent: int) -> None:
    """What every child does first: signals, death with the parent, its temporary folder,
    and nothing on the command's stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it ends us
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    limits.die_with_parent()
    if os.getppid() != parent:  # the parent died before we could ask to die with it
        os._exit(1)
    import tempfile

    tempfile.tempdir = folder
    os.environ["TMPDIR"] = folder


def _reply(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
           cpu: int | None) -> tuple[str, Any]:
    try:
        with limits.cpu_limit(cpu) if cpu is not None else contextlib.nullcontext():
            return "ok", function(*args, **kwargs)
    except AdvocateError as exc:
        return "error", exc
    except MemoryError:
        return "error", AdvocateError(
            f"render went over its memory limit ({limits.MEMORY_BYTES >> 20} MiB more)",
            hint="the template or its layout builds too much; simplify it")
    except BaseException as exc:  # reported by its type only (its text may be personal)
        return "failed", type(exc).__name__


def _serve(requests: int, replies: int, confine: bool, memory: int,
           init: tuple[Callable[..., Any], tuple[Any, ...]] | None) -> None:
    """The child's loop: the initializer (given, or the first message), then each request
    until the pipe closes; then it ends at once, without the interpreter's teardown (0.6 s of
    unloading WeasyPrint that the parent waited for). A failed initializer fails them all."""
    import pickle

    if init is None:
        try:
            init = _receive(requests, None)
        except EOFError:
            os._exit(0)
    assert init is not None
    failed = _reply(init[0], init[1], {}, None)
    if confine:
        limits.confine_process(memory)
    while True:
        try:
            function, args, kwargs, cpu = _receive(requests, None)
        except EOFError:
            os._exit(0)
        reply = failed if failed[0] != "ok" else _reply(function, args, kwargs, cpu)
        try:
            _send(replies, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _send(replies, ("failed", f"unpicklable result: {type(exc).__name__}"))


def _child_main() -> None:
    """A spawned child's start (see :func:`python_command`): ``sys.argv[1]`` says what to do."""
    import json

    spec = json.loads(sys.argv[1])
    _settle(spec["tmp"], spec["parent"])
    if spec["mode"] == "module":
        if spec["confine"]:
            limits.confine_process(spec["memory"], spec["cpu"])
        from importlib import import_module

        import_module(spec["module"]).main(spec["args"])
        return
    with open(os.devnull, "wb") as null:  # the command's stdout is never a child's
        os.dup2(null.fileno(), 1)
    _serve(spec["requests"], spec["replies"], spec["confine"], spec["memory"], None)


# -- the parent's side -----------------------------------------------------------------------

def _new_folder() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="advocate-child-")


class Child:
    """One child process that runs the functions it is sent, one at a time.

    ``fork``: a copy of this process (starts in milliseconds holding its objects; Linux, and
    only from a process with one thread), else a new isolated interpreter (the initializer
    and every request are then pickled). ``initializer(*initargs)`` runs first; with
    ``confine``, the OS limits follow it (:func:`advocate.limits.confine_process`)."""

    def __init__(self, initializer: Callable[..., Any], initargs: tuple[Any, ...] = (), *,
                 fork: bool, confine: bool = False, memory: int = limits.MEMORY_BYTES) -> None:
        self.owner = os.getpid()
        self.folder = _new_folder()
        self.process: Any = None
        self.pid = 0
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        try:
            if fork:
                self.pid = self._fork(request_read, reply_write, request_write, reply_read,
                                      (initializer, initargs), confine, memory)
            else:
                self.pid = self._spawn(request_read, reply_write, confine, memory)
        except BaseException:
            for fd in (request_read, request_write, reply_read, reply_write):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _remove(self.folder)
            raise
        os.close(request_read)
        os.close(reply_write)
        self.requests, self.replies = request_write, reply_read
        _PARENT_FDS.update((request_write, reply_read))
        self.code: int | None = None
        self._finalizer = weakref.finalize(self, _shut, self.pid, self.process,
                                           self.requests, self.replies, self.folder,
                                           self.owner, False)
        if not fork:
            with contextlib.suppress(OSError):  # it died at start: its first reply says so
                _send(self.requests, (initializer, initargs))

    def _fork(self, request_read: int, reply_write: int, request_write: int,
              reply_read: int, init: tuple[Callable[..., Any], tuple[Any, ...]],
              confine: bool, memory: int) -> int:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            return pid
        code = 0  # the child: never returns
        try:
            for fd in (request_write, reply_read, *_PARENT_FDS):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _PARENT_FDS.clear()
            _settle(self.folder, parent)
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
            _serve(request_read, reply_write, confine, memory, init)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def _spawn(self, request_read: int, reply_write: int, confine: bool, memory: int) -> int:
        import json
        import subprocess

        spec = json.dumps({"mode": "serve", "tmp": self.folder, "parent": os.getpid(),
                           "requests": request_read, "replies": reply_write,
                           "confine": confine, "memory": memory})
        self.process = subprocess.Popen(
            python_command(spec), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            pass_fds=(request_read, reply_write), env=_child_environment(self.folder))
        return int(self.process.pid)

    def send(self, function: Callable[..., Any], *args: Any, cpu: int | None = None,
             **kwargs: Any) -> None:
        """Ask the child to run ``function(*args, **kwargs)`` (within ``cpu`` seconds of CPU
        time, if it is confined). Raises :class:`ChildGone` if it has ended."""
        try:
            _send(self.requests, (function, args, kwargs, cpu))
        except (BrokenPipeError, OSError):
            raise ChildGone(self.stop()) from None

    def receive(self, timeout: float | None = None) -> tuple[str, Any]:
        """The reply to the request sent: ``(kind, value)``; :class:`ChildGone` if the child
        ended first, or did not answer within ``timeout`` seconds (it is killed then)."""
        import pickle

        try:
            return _receive(self.replies, timeout)  # type: ignore[no-any-return]
        except TimeoutError:
            self.stop()
            raise ChildGone(self.code, timed_out=True) from None
        except (EOFError, OSError, pickle.UnpicklingError):
            raise ChildGone(self.stop()) from None

    def call(self, function: Callable[..., Any], *args: Any, cpu: int | None = None,
             timeout: float | None = None, **kwargs: Any) -> tuple[str, Any]:
        """:meth:`send` then :meth:`receive`."""
        self.send(function, *args, cpu=cpu, **kwargs)
        return self.receive(timeout)

    def alive(self) -> bool:
        return self.code is None and self._finalizer.alive

    def stop(self) -> int | None:
        """End the child at once (SIGKILL); its exit status."""
        if self._finalizer.alive:
            self._finalizer.detach()
            self.code = _shut(self.pid, self.process, self.requests, self.replies,
                              self.folder, self.owner, True)
        return self.code

    def close(self) -> None:
        """Ask the child to end (its pipe closes), give it a moment, then stop it."""
        if self._finalizer.alive:
            self._finalizer.detach()
            self.code = _shut(self.pid, self.process, self.requests, self.replies,
                              self.folder, self.owner, False)


def _child_environment(folder: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "TMPDIR": folder, **(extra or {})}


def _exit_status(pid: int, process: Any, wait: bool) -> tuple[bool, int | None]:
    """(ended, status) of a child: forked ones by ``waitpid``, spawned ones by their Popen."""
    if process is not None:
        code = process.wait() if wait else process.poll()
        return code is not None, code
    try:
        done, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
    except ChildProcessError:
        return True, None
    if not done:
        return False, None
    return True, os.waitstatus_to_exitcode(status)


def _shut(pid: int, process: Any, requests: int, replies: int, folder: str, owner: int,
          kill: bool) -> int | None:
    """End a child: its pipe closed (asked to stop), then, unless it ends within a second,
    killed; its folder removed. Only by the process that started it."""
    if owner != os.getpid():
        return None  # a forked copy of the owner: not its child
    for fd in (requests, replies):
        _PARENT_FDS.discard(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
    import time

    ended, code = False, None
    if not kill:
        for _ in range(100):
            ended, code = _exit_status(pid, process, False)
            if ended:
                break
            time.sleep(0.01)
    if not ended:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _, code = _exit_status(pid, process, True)
    _remove(folder)
    return code


# -- many children ----------------------------------------------------------------------------

class Pool:
    """``workers`` children started at once (so that they set up meanwhile), which
    :meth:`map` keeps busy. A child that dies is replaced for the tasks after."""

    def __init__(self, workers: int, initializer: Callable[..., Any],
                 initargs: tuple[Any, ...] = (), *, fork: bool, confine: bool = False) -> None:
        self._start = (initializer, initargs, fork, confine)
        self.children: list[Child | None] = []
        try:
            for _ in range(workers):
                self.children.append(self._new())
        except BaseException:
            self.close(kill=True)
            raise

    def _new(self) -> Child:
        initializer, initargs, fork, confine = self._start
        return Child(initializer, initargs, fork=fork, confine=confine)

    def map(self, function: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], *,
            window: int | None = None) -> Iterator[tuple[tuple[Any, ...], tuple[str, Any]]]:
        """``function(*task)`` for every task, yielding ``(task, (kind, value))`` in the
        tasks' order; kind is "ok", "error" (an AdvocateError), "failed" (an exception's
        type name) or "gone" (the child ended: its exit status). At most ``window`` tasks
        are taken from ``tasks`` ahead of the one yielded next (None: all of them)."""
        source = iter(tasks)
        queued: deque[tuple[int, tuple[Any, ...]]] = deque()
        taken = yielded = 0
        busy: dict[int, tuple[int, tuple[Any, ...]]] = {}  # slot -> (number, task)
        done: dict[int, tuple[tuple[Any, ...], tuple[str, Any]]] = {}
        exhausted = False
        while True:
            while not exhausted and (window is None or taken - yielded < window):
                task = next(source, None)
                if task is None:
                    exhausted = True
                    break
                queued.append((taken, task))
                taken += 1
            for slot in range(len(self.children)):
                if not queued:
                    break
                if slot in busy:
                    continue
                number, task = queued.popleft()
                child = self.children[slot]
                if child is None or not child.alive():
                    child = self.children[slot] = self._new()
                try:
                    child.send(function, *task)
                    busy[slot] = (number, task)
                except ChildGone as gone:
                    done[number] = (task, ("gone", gone.code))
            while yielded in done:
                yield done.pop(yielded)
                yielded += 1
            if not busy:
                if exhausted and not queued:
                    return
                continue
            self._collect(busy, done)

    def _collect(self, busy: dict[int, tuple[int, tuple[Any, ...]]],
                 done: dict[int, tuple[tuple[Any, ...], tuple[str, Any]]]) -> None:
        """Each busy child's reply, once one came (a child that ended leaves its slot empty)."""
        import select

        by_fd = {}
        for slot in busy:
            child = self.children[slot]
            assert child is not None
            by_fd[child.replies] = slot
        for fd in select.select(list(by_fd), [], [])[0]:
            number, task = busy.pop(slot := by_fd[fd])
            child = self.children[slot]
            assert child is not None
            try:
                done[number] = (task, child.receive(None))
            except ChildGone as gone:
                done[number] = (task, ("gone", gone.code))
                self.children[slot] = None

    def close(self, kill: bool = False) -> None:
        """Every child ended: asked (then stopped after a second), or at once with ``kill``
        (a failed or interrupted batch: its staging folder is going away)."""
        for child in self.children:
            if child is not None:
                child.stop() if kill else child.close()
        self.children = []


# -- a confined child holding one object -----------------------------------------------------

_HELD: dict[str, Any] = {}


def _hold(target: Any) -> None:
    _HELD["target"] = target


def _on_target(function: Callable[..., Any], *args: Any) -> Any:
    return function(_HELD["target"], *args)


class Confined:
    """A confined child for untrusted work on ``target`` (forked where possible, holding the
    parent's objects; spawned elsewhere, then ``target`` must pickle). :meth:`call` runs
    ``function(target, *args)`` there under the OS limits and a wall-clock kill; the child
    lives until :meth:`close` or its owner is collected."""

    def __init__(self, target: Any) -> None:
        # Held weakly where it can be: the owner keeps its Confined in a WeakKeyDictionary
        # keyed by the target, so a strong reference here would keep both, and the child,
        # alive for ever (one idle process per template environment ever made).
        try:
            self._target: Callable[[], Any] = weakref.ref(target)
        except TypeError:
            self._target = lambda: target
        self._child: Child | None = None

    def call(self, function: Callable[..., Any], *args: Any, seconds: float,
             what: str | None = None) -> Any:
        """``function(target, *args)`` in the child, whose own time limit is ``seconds``.

        Raises the child's AdvocateError, or one naming ``what`` when the OS or the parent
        had to stop it."""
        budget = limits.cpu_seconds(seconds)
        wall = budget * limits.WALL_FACTOR + 5
        if self._child is None or not self._child.alive() or self._child.owner != os.getpid():
            self._child = Child(_hold, (self._target(),), confine=True,
                                fork=sys.platform.startswith("linux"))
        try:
            kind, value = self._child.call(_on_target, function, *args, cpu=budget, timeout=wall)
        except ChildGone as gone:
            self.close()
            if gone.timed_out:
                reason = f"was stopped after {wall:g} s"
            elif gone.code == -signal.SIGXCPU:
                reason = f"used more than {budget} s of CPU time"
            else:
                reason = "was stopped by the system (memory limit?)"
            raise LimitError(f"render {reason}", file=what, hint="the template or its layout "
                             "does too much work; simplify it") from None
        except BaseException:
            self.close()  # interrupted: the child goes too
            raise
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        raise RuntimeError(value)

    def close(self) -> None:
        if self._child is not None:
            self._child.close()
        self._child = None


# -- a module run in a child -------------------------------------------------------------------

class ModuleRun:
    """``module.main(args)`` in an isolated, confined interpreter whose stdout this process
    reads (see :func:`run_module`). :meth:`wait` ends it and removes its folder."""

    def __init__(self, process: Any, folder: str) -> None:
        self.process, self.folder = process, folder
        self.stdout = process.stdout

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def wait(self) -> int:
        try:
            return int(self.process.wait())
        finally:
            _remove(self.folder)


def run_module(module: str, args: list[str], *, memory: int, cpu: int, stderr: Any,
               environment: dict[str, str] | None = None, stdin: bytes | None = None) -> ModuleRun:
    """``module.main(args)`` in an isolated interpreter confined to ``memory`` more bytes of
    address space and ``cpu`` s of CPU time, its stdout a pipe to read; ``stdin`` goes to its
    standard input, a pipe (never a file): the module reads it whole before it writes."""
    import json
    import subprocess

    folder = _new_folder()
    spec = json.dumps({"mode": "module", "tmp": folder, "parent": os.getpid(), "module": module,
                       "args": args, "confine": True, "memory": memory, "cpu": cpu})
    try:
        process = subprocess.Popen(
            python_command(spec), stdout=subprocess.PIPE, stderr=stderr,
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            env=_child_environment(folder, environment))
    except BaseException:
        _remove(folder)
        raise
    run = ModuleRun(process, folder)
    if stdin is not None and process.stdin is not None:
        try:
            with contextlib.suppress(BrokenPipeError), process.stdin:  # ended: status says why
                process.stdin.write(stdin)
        except BaseException:  # interrupted: the child and its folder go now
            run.kill()
            run.wait()
            raise
    return run
