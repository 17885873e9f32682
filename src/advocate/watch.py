"""``advocate build --watch``: rebuild whenever an input changes.

Watching polls file times (no extra dependency, works on every file system, including
network and container mounts where change notifications are unreliable). It watches the
campaign files, the signer list and every file below the template folders, and a path
that does not exist yet (``templates/`` beside a campaign) is watched for appearing.

Bad input never ends a watch: the error goes to ``on_error`` and the next save is built
again. Ctrl-C ends it cleanly. Any other exception is a bug and propagates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from advocate.errors import AdvocateError

__all__ = ["Snapshot", "snapshot", "watch", "watched_paths"]

#: What is known about one file: modification time, size and inode (an editor that saves
#: by writing a new file and renaming it changes the inode even within one clock tick).
Stamp = tuple[int, int, int]
Snapshot = dict[str, Stamp | None]

#: Editor droppings that never feed a build: swap, backup and lock files.
_IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig")
_IGNORED_NAMES = {"4913", "__pycache__"}  # 4913: vim's probe file


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(_IGNORED_SUFFIXES) or \
        name in _IGNORED_NAMES


def _stamp(path: str) -> Stamp | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """The stamp of every watched file: each path, and every file below a folder."""
    found: Snapshot = {}
    for path in paths:
        name = os.fspath(path)
        if not os.path.isdir(name):
            found[name] = _stamp(name)
            continue
        for folder, dirs, files in os.walk(name):
            dirs[:] = sorted(d for d in dirs if not _ignored(d))
            for file in sorted(files):
                if not _ignored(file):
                    full = os.path.join(folder, file)
                    found[full] = _stamp(full)
    return found


def watched_paths(campaigns: Sequence[Path], signers: Path | None = None,
                  templates: Path | None = None) -> list[Path]:
    """What a build reads: the campaigns, the signer list and the template folders.

    The built-in templates are not watched: they change only with advocate itself."""
    paths: list[Path] = list(campaigns)
    if signers is not None:
        paths.append(signers)
    if templates is not None:
        paths.append(templates)
    for campaign in campaigns:
        beside = campaign.parent / "templates"
        if beside not in paths:
            paths.append(beside)
    return list(dict.fromkeys(paths))


def watch(paths: Sequence[Path], rebuild: Callable[[], None], *, interval: float = 0.5,
          on_error: Callable[[AdvocateError], None],
          stop: Callable[[], bool] | None = None) -> None:
    """Call ``rebuild`` now and after every change to ``paths``, until Ctrl-C or ``stop()``.

    ``paths`` are files or folders (watched with every file below them; hidden files and
    editor swap files are ignored). Changes are polled every ``interval`` seconds; a burst
    of saves (an editor writing a file in steps) gives one rebuild once the files are
    still. An :class:`AdvocateError` from ``rebuild`` goes to ``on_error`` and watching
    goes on. ``stop`` is asked before every poll; when it returns true, watching ends."""

    def stopped() -> bool:
        return stop is not None and stop()

    def run() -> None:
        try:
            rebuild()
        except AdvocateError as exc:
            on_error(exc)

    try:
        seen = snapshot(paths)
        run()
        while not stopped():
            time.sleep(interval)
            current = snapshot(paths)
            if current == seen:
                continue
            # Let a burst of writes settle: wait until two polls in a row agree.
            settle = min(interval, 0.1)
            for _ in range(20):
                time.sleep(settle)
                latest = snapshot(paths)
                if latest == current:
                    break
                current = latest
            seen = current
            run()
    except KeyboardInterrupt:
        return
