"""The build's progress bar on a terminal: drawn at most ten times a second, whatever the
number of updates (a build reports every file), told only what it draws, the last count
drawn."""

from __future__ import annotations

import io
import sys

import pytest


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The count rich's progress bar shows at each draw, from now on."""
    import rich.progress

    drawn: list[int] = []
    refresh = rich.progress.Progress.refresh

    def counted(self: rich.progress.Progress) -> None:
        drawn.append(int(self.tasks[0].completed) if self.tasks else -1)
        refresh(self)

    monkeypatch.setattr(rich.progress.Progress, "refresh", counted)
    return drawn


def test_the_progress_bar_draws_a_few_times_for_twenty_thousand_updates(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import rich.progress

    from advocate.cli import common

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    drawn = _draws(monkeypatch)
    told: list[object] = []
    tell = rich.progress.Progress.update

    def counted_update(self: rich.progress.Progress, *args: object, **kwargs: object) -> None:
        told.append(kwargs.get("completed"))
        tell(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rich.progress.Progress, "update", counted_update)
    with common.progress_bar(enabled=True) as update:
        assert update is not None
        for done in range(1, 20_001):
            update(done, 20_000)
    assert 2 <= len(drawn) <= 60  # the loop takes well under the 15 s 60 draws would need
    assert 20_000 in drawn
    assert len(told) <= len(drawn)  # rich hears of the count only when it is drawn
    assert "20000/20000" in terminal.getvalue()


def test_no_progress_bar_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    from advocate.cli import common

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with common.progress_bar(enabled=True) as update:
        assert update is None


def test_rich_is_imported_at_the_first_update_not_before() -> None:
    """The bar starts once the build is under way (rich's import then overlaps the workers'
    start-up), and a build that reports nothing never imports it."""
    import subprocess

    script = (
        "import io, sys\n"
        "class Terminal(io.StringIO):\n"
        "    def isatty(self): return True\n"
        "sys.stderr = Terminal()\n"
        "from advocate.cli import common\n"
        "with common.progress_bar(enabled=True) as update:\n"
        "    assert 'rich' not in sys.modules\n"
        "with common.progress_bar(enabled=True) as update:\n"
        "    update(1, 2)\n"
        "    assert 'rich.progress' in sys.modules\n"
        "    update(2, 2)\n"
        "assert '2/2' in sys.stderr.getvalue()\n")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_the_progress_bar_draws_at_most_four_times_a_second_and_at_the_end(
        monkeypatch: pytest.MonkeyPatch) -> None:

    from advocate.cli import common

    monkeypatch.setattr(sys, "stderr", _Terminal())
    clock = [100.0]
    monkeypatch.setattr(common.time, "monotonic", lambda: clock[0])
    drawn = _draws(monkeypatch)
    with common.progress_bar(enabled=True) as update:
        assert update is not None
        for done in range(1, 101):  # an update every 0.05 s for 5 s
            clock[0] += 0.05
            update(done, 100)
    assert 18 <= len(drawn) <= 22  # every 0.25 s, not every 0.1 s (50 draws)
    assert drawn[-1] == 100
