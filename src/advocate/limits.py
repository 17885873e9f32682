"""Time limits for untrusted work (template and PDF renders) in this process.

A hostile template can loop for ever (``range(100000)`` nested twice) and hostile CSS can
hang layout. On the main thread of a POSIX process we arm a real-time timer whose signal
raises inside the render; elsewhere (a thread, Windows) no limit can be enforced in
process, so the caller runs without one and batch workers rely on their own process.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class RenderTimeout(Exception):
    """Raised inside the guarded block when its time is up."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`RenderTimeout` in the block if it runs longer than ``seconds``."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise RenderTimeout(f"exceeded {seconds:g} s")

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0:  # re-arm an outer limit with what it had left
            signal.setitimer(signal.ITIMER_REAL, *previous_timer)
