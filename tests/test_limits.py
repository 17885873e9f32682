"""Time limits for untrusted work: the alarm interrupts a runaway block, restores an outer
timer, and does nothing off the main thread (where no in-process limit can be enforced)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

import pytest

from advocate.limits import RenderTimeout, time_limit


def test_a_runaway_block_is_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"exceeded 0\.2 s"), time_limit(0.2) as clock:
        while True:
            pass
    assert clock.expired and clock.done
    assert 0.15 < time.monotonic() - started < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_work_that_finishes_in_time_is_left_alone() -> None:
    with time_limit(5) as clock:
        total = sum(range(1000))
    assert total == 499500 and not clock.expired and clock.done


def test_an_except_exception_cannot_swallow_the_timeout() -> None:
    with pytest.raises(RenderTimeout), time_limit(0.1):
        while True:
            with contextlib.suppress(Exception):  # what a library might do
                time.sleep(0.01)


def test_an_outer_timer_is_restored() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_limit(1):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_off_the_main_thread_no_limit_is_set() -> None:
    seen: list[tuple[float, float]] = []

    def work() -> None:
        with time_limit(0.05):
            seen.append(signal.getitimer(signal.ITIMER_REAL))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [(0.0, 0.0)]
