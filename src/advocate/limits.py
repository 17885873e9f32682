"""Limits for untrusted work (template and PDF renders): in process, and enforced by the OS.

Two layers. In process, :func:`time_limit` gives a clear message when Python-level work
runs long. But C code (``sorted`` over deep lists, ``str.join`` of a huge list) never
returns to the interpreter, so no signal handler runs and no Python-level check helps: a
pack's templates and PDFs are therefore rendered in a *confined* process
(:class:`advocate.children.Confined`), where the kernel enforces a CPU time limit
(``RLIMIT_CPU``, per render), an address-space limit (``RLIMIT_AS``), no core files, and death
with the parent (``PR_SET_PDEATHSIG``); the parent kills it outright (SIGKILL) when a
render's wall-clock time runs out. Batch workers confine themselves the same way
(:func:`confine_process`). The limits are here; every child process is started, spoken to
and stopped by :mod:`advocate.children`.

A hostile template can loop for ever (``range(100000)`` nested twice) and hostile CSS can
hang layout. On the main thread of a POSIX process a real-time timer raises
:class:`RenderTimeout` inside the work; elsewhere (a thread, Windows) no limit can be
enforced in process, and batch workers, which run on their own main threads, are covered.

The timeout is a ``BaseException`` so that ``except Exception`` in a library (WeasyPrint's
SVG drawing, its URL fetching) cannot swallow it, and the alarm repeats every 50 ms until
the work gives way; ``clock.expired`` tells when the work finished in spite of it.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

#: The most a confined process's address space may grow past its size when confined.
MEMORY_BYTES = 1 << 30  # 1 GiB
#: Kernel CPU limit of one confined render: its own time limit times this, plus a margin.
CPU_FACTOR, CPU_MARGIN = 1.5, 2.0
#: The parent kills a confined render (SIGKILL) after its CPU budget times this.
WALL_FACTOR = 2.0
#: An upper bound on every render time limit (tests set it; None: the limits as given).
SECONDS_CAP: float | None = None
#: True in a process that confined itself: untrusted work runs here, not in a child.
CONFINED = False
#: Where a confined child can be forked holding the parent's objects (Linux). Elsewhere
#: untrusted renders stay in process, bounded by the in-process time limits only.
CAN_CONFINE = sys.platform.startswith("linux")


class RenderTimeout(BaseException):
    """Raised inside the guarded block when its time is up."""


@dataclass
class Clock:
    """What happened to a time limit: whether it expired, and whether the block is done."""

    expired: bool = False
    done: bool = False


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[Clock]:
    """Interrupt the block after ``seconds`` (main thread only; restores an outer timer)."""
    clock = Clock()
    if SECONDS_CAP is not None:
        seconds = min(seconds, SECONDS_CAP)
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield clock
        return
    aside = _Aside()

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if not clock.done and not aside.now(frame):
            clock.expired = True
            raise RenderTimeout(f"exceeded {seconds:g} s")

    import gc

    gc.callbacks.insert(0, aside.collection)  # first to hear "start", last to hear "stop"
    gc.callbacks.append(aside.finishing)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    started = time.monotonic()
    try:
        yield clock
    finally:
        clock.done = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        for callback in (aside.collection, aside.finishing):
            with contextlib.suppress(ValueError):
                gc.callbacks.remove(callback)
        if old_delay:
            remaining = max(old_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, old_interval)


class _Aside:
    """Where a time limit's alarm must not raise: in code that runs *beside* the work rather
    than as part of it, a garbage collection's callbacks (Hypothesis installs one) and
    finalisers (``__del__``), where the exception would be lost as "unraisable" while the
    work went on. The alarm repeats every 50 ms, so the timeout is raised into the work
    itself a moment later."""

    def __init__(self) -> None:
        self.collecting = False

    def collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.collecting = True

    def finishing(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            self.collecting = False

    def now(self, frame: FrameType | None) -> bool:
        """Whether the alarm came beside the work (``frame``: where it came)."""
        if self.collecting:
            return True
        for _ in range(200):
            if frame is None:
                return False
            if frame.f_code.co_name == "__del__" or frame.f_code in _OWN_CALLBACKS:
                return True
            frame = frame.f_back
        return False


# The alarm may also come while the two gc callbacks run, before ``collecting`` is set or
# after it is cleared (seen once under load): their frames are aside too.
_OWN_CALLBACKS = (_Aside.collection.__code__, _Aside.finishing.__code__)


# ------------------------------------------------------------------- OS-enforced limits


def cpu_seconds(seconds: float) -> int:
    """The kernel CPU budget of a render whose own time limit is ``seconds``."""
    if SECONDS_CAP is not None:
        seconds = min(seconds, SECONDS_CAP)
    return max(1, math.ceil(seconds * CPU_FACTOR + CPU_MARGIN))


def _vm_bytes() -> int:
    """This process's address-space size now (Linux), else 0."""
    with contextlib.suppress(OSError, ValueError), \
            open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphan keeps rendering)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def give_back_memory() -> None:
    """Collect garbage and hand the C heap's free pages back to the OS (glibc's public
    ``malloc_trim``; elsewhere only the collection): a build calls it between its documents
    and its letters, so the memory a PDF render freed is not still counted while the letter
    workers run (measured: 35 MiB of a 210 MiB process, docs/benchmarks.md)."""
    import gc

    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)  # not in musl: AttributeError, nothing to trim


def confine_process(memory: int = MEMORY_BYTES, cpu: int | None = None) -> None:
    """Limit this process for untrusted work: address space may grow by ``memory`` at most,
    no core files, at most ``cpu`` seconds of CPU time in all (None: per render, with
    :func:`cpu_limit`), and it dies with its parent."""
    global CONFINED
    die_with_parent()
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX: the parent's wall clock is the limit
        CONFINED = True
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    vm = _vm_bytes()
    if vm:
        limit = vm + memory
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    if cpu is not None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    CONFINED = True


@contextlib.contextmanager
def cpu_limit(seconds: int) -> Iterator[None]:
    """The kernel ends this process (SIGXCPU) if the block uses more than ``seconds`` of CPU
    time, C code included. Only in a confined process: the signal kills it."""
    try:
        import resource
    except ImportError:  # pragma: no cover
        yield
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    budget = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (budget, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


# ------------------------------------------------------------------------------ signals


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (``timeout``, ``docker stop``, a closed terminal, a cancelled CI
    job): handled exactly as Ctrl-C is, so every ``finally`` runs (the staging folder and
    temporary fonts are removed, worker processes are ended)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


#: True in the ``advocate`` command (:func:`allow_children_ahead`): it may fork a child
#: ahead of need, e.g. the PDF engine (render/pdf/ahead.py). A library caller or a test
#: runner never gets one unasked.
AHEAD_ALLOWED = False


def allow_children_ahead() -> None:
    """This process is the ``advocate`` command (its entry point calls this once)."""
    global AHEAD_ALLOWED
    AHEAD_ALLOWED = True


def handle_termination() -> None:
    """SIGTERM and SIGHUP raise :class:`Terminated` in the main thread from now on."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _terminated)
