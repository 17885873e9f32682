"""Staging folders left by builds that died (SIGKILL, a power cut): found by their owner
file's process id and removed by the next build into the same output folder
(:class:`advocate.output.staging.StagedOutput`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["OWNER_FILE", "STAGING_PREFIX", "remove_dead_staging"]

STAGING_PREFIX = ".advocate-staging-"
#: The file in a staging folder naming the process that fills it.
OWNER_FILE = ".advocate-owner"
#: A staging folder without an owner file (an older advocate's) is stale after this long.
_UNOWNED_STALE_SECONDS = 3600


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists (another user's), or cannot tell: keep its folder
    return True


def remove_dead_staging(outdir: Path) -> list[Path]:
    """Remove the staging folders in ``outdir`` of builds whose process is gone (killed by
    SIGKILL, a power cut); return them. A folder of a running build is left alone."""
    import time

    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(outdir) if e.name.startswith(STAGING_PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        try:
            pid = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
            dead = not _alive(pid)
        except FileNotFoundError:
            try:
                dead = time.time() - entry.stat(follow_symlinks=False).st_mtime > \
                    _UNOWNED_STALE_SECONDS
            except OSError:
                dead = False
        except (OSError, ValueError):
            dead = False
        if dead:
            shutil.rmtree(folder, ignore_errors=True)
            if not os.path.lexists(folder):
                removed.append(folder)
    return removed
