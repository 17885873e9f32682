"""Time limits for untrusted work (template and PDF renders) in this process.

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
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType


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
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield clock
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if not clock.done:
            clock.expired = True
            raise RenderTimeout(f"exceeded {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    started = time.monotonic()
    try:
        yield clock
    finally:
        clock.done = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:
            remaining = max(old_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, old_interval)
