"""``advocate.watch``: rebuild on every change, survive bad input, stop cleanly.

Each test runs the real polling loop on a temporary folder, with a thread that edits
files the way an editor does. ``stop`` ends the loop once the test has seen what it
waits for, or after a deadline, so no test can hang.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from advocate.errors import AdvocateError
from advocate.watch import snapshot, watch, watched_paths

INTERVAL = 0.01
DEADLINE = 10.0  # seconds; only reached if the loop misses a change


class Recorder:
    """Counts rebuilds and polls; lets the editing thread wait for them."""

    def __init__(self, campaign: Path, *, fail_on: str | None = None) -> None:
        self.campaign = campaign
        self.fail_on = fail_on
        self.seen: list[str] = []
        self.errors: list[str] = []
        self.polls = 0
        self.done = threading.Event()
        self.changed = threading.Condition()
        self.started = time.monotonic()

    def rebuild(self) -> None:
        text = self.campaign.read_text(encoding="utf-8") if self.campaign.exists() else ""
        with self.changed:
            self.seen.append(text)
            self.changed.notify_all()
        if self.fail_on is not None and self.fail_on in text:
            raise AdvocateError("bad input", file=str(self.campaign), line=1, column=1)

    def on_error(self, exc: AdvocateError) -> None:
        self.errors.append(str(exc))

    def stop(self) -> bool:
        with self.changed:
            self.polls += 1
            self.changed.notify_all()
        return self.done.is_set() or time.monotonic() - self.started > DEADLINE

    def wait(self, predicate: Callable[[], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout=DEADLINE)

    def wait_polls(self, count: int) -> None:
        start = self.polls
        self.wait(lambda: self.polls >= start + count)


def run_watch(paths: list[Path], recorder: Recorder, edit: Callable[[], None]) -> None:
    """Watch in this thread while ``edit`` runs in another; end when ``edit`` returns."""
    errors: list[BaseException] = []

    def editor() -> None:
        try:
            edit()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            recorder.done.set()

    thread = threading.Thread(target=editor)
    thread.start()
    try:
        watch(paths, recorder.rebuild, interval=INTERVAL, on_error=recorder.on_error,
              stop=recorder.stop)
    finally:
        recorder.done.set()
        thread.join(timeout=DEADLINE)
    if errors:
        raise errors[0]
    assert time.monotonic() - recorder.started < DEADLINE, "the watch ran into its deadline"


def test_builds_once_at_start_then_after_each_change(tmp_path: Path) -> None:
    campaign = tmp_path / "c.yaml"
    campaign.write_text("one", encoding="utf-8")
    recorder = Recorder(campaign)

    def edit() -> None:
        recorder.wait(lambda: len(recorder.seen) == 1)
        campaign.write_text("two!", encoding="utf-8")
        recorder.wait(lambda: len(recorder.seen) == 2)
        recorder.wait_polls(3)  # nothing changed: no rebuild
        campaign.write_text("three", encoding="utf-8")
        recorder.wait(lambda: len(recorder.seen) == 3)

    run_watch([campaign], recorder, edit)
    assert recorder.seen == ["one", "two!", "three"]
    assert recorder.errors == []


def test_bad_input_goes_to_on_error_and_watching_goes_on(tmp_path: Path) -> None:
    campaign = tmp_path / "c.yaml"
    campaign.write_text("good", encoding="utf-8")
    recorder = Recorder(campaign, fail_on="broken")

    def edit() -> None:
        recorder.wait(lambda: len(recorder.seen) == 1)
        campaign.write_text("broken", encoding="utf-8")
        recorder.wait(lambda: len(recorder.errors) == 1)
        campaign.write_text("fixed", encoding="utf-8")
        recorder.wait(lambda: len(recorder.seen) == 3)

    run_watch([campaign], recorder, edit)
    assert recorder.seen == ["good", "broken", "fixed"]
    assert recorder.errors == [f"{campaign}:1:1: bad input"]


def test_template_folders_signers_and_files_that_appear_later(tmp_path: Path) -> None:
    campaign = tmp_path / "c.yaml"
    campaign.write_text("campaign", encoding="utf-8")
    signers = tmp_path / "signers.csv"  # does not exist yet
    paths = watched_paths([campaign], signers)
    assert paths == [campaign, signers, tmp_path / "templates"]
    recorder = Recorder(campaign)

    def edit() -> None:
        recorder.wait(lambda: len(recorder.seen) == 1)
        (tmp_path / "templates" / "en").mkdir(parents=True)
        (tmp_path / "templates" / "en" / "letter.md.j2").write_text("x", encoding="utf-8")
        recorder.wait(lambda: len(recorder.seen) == 2)
        signers.write_text("name\nA\n", encoding="utf-8")
        recorder.wait(lambda: len(recorder.seen) == 3)
        # editor droppings are not inputs
        (tmp_path / "templates" / "en" / ".letter.md.j2.swp").write_text("s", encoding="utf-8")
        (tmp_path / "templates" / "en" / "letter.md.j2~").write_text("b", encoding="utf-8")
        recorder.wait_polls(5)
        assert len(recorder.seen) == 3
        (tmp_path / "templates" / "en" / "letter.md.j2").unlink()
        recorder.wait(lambda: len(recorder.seen) == 4)

    run_watch(paths, recorder, edit)
    assert len(recorder.seen) == 4


def test_a_save_by_rename_is_seen_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    campaign = tmp_path / "c.yaml"
    campaign.write_text("aaaa", encoding="utf-8")
    before = campaign.stat()
    recorder = Recorder(campaign)

    def edit() -> None:
        recorder.wait(lambda: len(recorder.seen) == 1)
        new = tmp_path / "c.yaml.new"
        new.write_text("bbbb", encoding="utf-8")
        os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(new, campaign)
        recorder.wait(lambda: len(recorder.seen) == 2)

    run_watch([campaign], recorder, edit)
    assert recorder.seen == ["aaaa", "bbbb"]


def test_ctrl_c_ends_the_watch_cleanly(tmp_path: Path) -> None:
    campaign = tmp_path / "c.yaml"
    campaign.write_text("x", encoding="utf-8")
    calls: list[str] = []

    def rebuild() -> None:
        calls.append("rebuild")

    def stop() -> bool:
        calls.append("poll")
        raise KeyboardInterrupt

    watch([campaign], rebuild, interval=INTERVAL, on_error=lambda exc: None, stop=stop)
    assert calls == ["rebuild", "poll"]


def test_ctrl_c_during_a_rebuild_ends_the_watch_cleanly(tmp_path: Path) -> None:
    def rebuild() -> None:
        raise KeyboardInterrupt

    watch([tmp_path], rebuild, interval=INTERVAL, on_error=lambda exc: None,
          stop=lambda: pytest.fail("the watch went on after Ctrl-C"))


def test_a_bug_in_rebuild_is_not_swallowed(tmp_path: Path) -> None:
    def rebuild() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        watch([tmp_path], rebuild, interval=INTERVAL, on_error=lambda exc: None,
              stop=lambda: True)


def test_snapshot_sees_every_file_below_a_folder_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "t" / "en").mkdir(parents=True)
    (tmp_path / "t" / "en" / "letter.md.j2").write_text("x", encoding="utf-8")
    (tmp_path / "t" / ".git").mkdir()
    (tmp_path / "t" / ".git" / "HEAD").write_text("x", encoding="utf-8")
    (tmp_path / "t" / "#letter.md.j2#").write_text("x", encoding="utf-8")
    found = snapshot([tmp_path / "t", tmp_path / "missing.csv"])
    assert sorted(found) == [str(tmp_path / "missing.csv"),
                             str(tmp_path / "t" / "en" / "letter.md.j2")]
    assert found[str(tmp_path / "missing.csv")] is None
    assert found[str(tmp_path / "t" / "en" / "letter.md.j2")] is not None
