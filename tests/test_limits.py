"""Time limits for untrusted work: the alarm interrupts a runaway block, restores an outer
timer, and does nothing off the main thread (where no in-process limit can be enforced)."""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

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


def _unraisable_during(work: Callable[[], None]) -> list[BaseException | None]:
    """What reached sys.unraisablehook while ``work`` ran (pytest would report it)."""
    lost: list[BaseException | None] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda report: lost.append(report.exc_value)
    try:
        work()
    finally:
        sys.unraisablehook = previous
    return lost


def _busy(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # Python code, where a signal handler runs
        pass


def test_the_timeout_is_never_raised_into_a_garbage_collection_callback() -> None:
    """Under load, the alarm once fired inside a gc callback another test had installed
    (Hypothesis keeps one): the RenderTimeout was lost there and pytest reported it. The
    timeout waits for the work itself."""
    calls: list[str] = []

    def slow_callback(phase: str, info: dict[str, int]) -> None:
        calls.append(phase)
        if len(calls) == 1:
            _busy(0.4)  # the 0.1 s limit runs out in here

    def work() -> None:
        with pytest.raises(RenderTimeout), time_limit(0.1) as clock:
            gc.collect()
            while True:
                pass
        assert clock.expired

    before = list(gc.callbacks)  # (Hypothesis's, after a property test ran)
    gc.callbacks.append(slow_callback)
    try:
        assert _unraisable_during(work) == []
    finally:
        gc.callbacks.remove(slow_callback)
    assert calls[:2] == ["start", "stop"]
    assert gc.callbacks == before  # the time limit leaves none of its own behind


@pytest.mark.parametrize("callback", ["collection", "finishing"])
def test_the_timeout_is_never_raised_into_the_limits_own_gc_callbacks(callback: str) -> None:
    """The alarm once came in the first instant of the time limit's own gc callback, before
    it had marked the collection (a busy machine, `make test`): raised there, the timeout was
    lost as unraisable. Here the alarm is delivered exactly then, by a trace function that
    sends SIGALRM as the callback is entered; the timeout still ends the work after it."""
    sent: list[str] = []

    def tracer(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_name == callback \
                and frame.f_code.co_filename.endswith("limits.py") and not sent:
            sent.append(callback)
            signal.raise_signal(signal.SIGALRM)

    def work() -> None:
        with pytest.raises(RenderTimeout), time_limit(1) as clock:
            sys.settrace(tracer)
            try:
                gc.collect()
            finally:
                sys.settrace(None)
            while True:
                pass
        assert clock.expired

    assert _unraisable_during(work) == []
    assert sent == [callback]


def test_the_timeout_is_never_raised_into_a_finaliser() -> None:
    class Slow:
        def __del__(self) -> None:
            _busy(0.4)

    def work() -> None:
        with pytest.raises(RenderTimeout), time_limit(0.1):
            Slow()
            while True:
                pass

    assert _unraisable_during(work) == []


def test_off_the_main_thread_no_limit_is_set() -> None:
    seen: list[tuple[float, float]] = []

    def work() -> None:
        with time_limit(0.05):
            seen.append(signal.getitimer(signal.ITIMER_REAL))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [(0.0, 0.0)]


# -- issue 13: limits the OS enforces, in a confined child process ----------------------

import math  # noqa: E402
from typing import Any  # noqa: E402

from advocate import children, limits  # noqa: E402
from advocate.errors import AdvocateError  # noqa: E402


def _echo(target: Any, value: int) -> tuple[Any, int]:
    return target, value * 2


def _sort_forever(target: Any) -> int:
    # Equal, distinct nested lists: every comparison walks them in C; no signal handler runs.
    m, n = list(range(100_000)), list(range(100_000))
    return len(sorted([[[[m]]], [[[n]]]] * 50_000))


def _sleep_forever(target: Any) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        time.sleep(1)  # no CPU used: only the parent's wall clock ends it


def _allocate(target: Any) -> int:
    return len(bytearray(3 << 30))  # 3 GiB


def _fail(target: Any) -> None:
    raise AdvocateError("refused here", file="x.j2", line=3)


def _limits_in_child(target: Any) -> tuple[bool, int]:
    import resource

    return limits.CONFINED, resource.getrlimit(resource.RLIMIT_CORE)[0]


def test_a_confined_call_runs_in_a_child_holding_the_target() -> None:
    confined = children.Confined({"held": "by the parent"})
    try:
        assert confined.call(_echo, 21, seconds=5) == ({"held": "by the parent"}, 42)
        assert confined.call(_limits_in_child, seconds=5) == (True, 0)
        assert not limits.CONFINED  # the parent is not confined
        with pytest.raises(AdvocateError, match="refused here"):
            confined.call(_fail, seconds=5)
        assert confined.call(_echo, 1, seconds=5)[1] == 2  # still serving after an error
    finally:
        confined.close()


def test_c_code_is_stopped_by_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SECONDS_CAP", 1.0)
    confined = children.Confined(None)
    started = time.monotonic()
    try:
        # The kernel's limit (or, on a busy machine, the parent's wall clock at 13 s).
        with pytest.raises(AdvocateError, match=r"used more than 4 s of CPU time|stopped after"):
            confined.call(_sort_forever, seconds=10, what="t.j2")
        assert time.monotonic() - started < 30
        assert confined.call(_echo, 2, seconds=5)[1] == 4  # a fresh child serves the next
    finally:
        confined.close()


def test_a_stuck_child_is_killed_by_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SECONDS_CAP", 1.0)
    monkeypatch.setattr(limits, "WALL_FACTOR", 0.5)
    confined = children.Confined(None)
    try:
        with pytest.raises(AdvocateError, match=r"was stopped after \d+(\.\d+)? s"):
            confined.call(_sleep_forever, seconds=10)
    finally:
        confined.close()


def test_memory_is_bounded_by_the_kernel() -> None:
    confined = children.Confined(None)
    try:
        with pytest.raises(AdvocateError, match="memory limit"):
            confined.call(_allocate, seconds=10)
    finally:
        confined.close()


def test_cpu_seconds_follow_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.cpu_seconds(10) == math.ceil(10 * limits.CPU_FACTOR + limits.CPU_MARGIN) == 17
    assert limits.cpu_seconds(60) == 92
    monkeypatch.setattr(limits, "SECONDS_CAP", 1.0)
    assert limits.cpu_seconds(60) == 4


def _resident_bytes() -> int:
    import os

    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and glibc's heap")
def test_memory_a_render_freed_goes_back_to_the_os() -> None:
    """What a build frees before its letter workers start stops counting against it: blocks
    freed inside the C heap (one kept at its top, so freeing alone gives nothing back) are
    returned by give_back_memory."""
    from advocate.limits import give_back_memory

    blocks = [bytes(4096) + bytes([i % 256]) for i in range(40_000)]  # ~160 MB via malloc
    top = blocks.pop()
    del blocks
    before = _resident_bytes()
    give_back_memory()
    assert before - _resident_bytes() > 80 << 20
    assert len(top) == 4097
