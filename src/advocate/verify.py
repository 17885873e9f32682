"""``advocate verify DIR``: a build's files checked against its manifests.

A build writes ``<campaign>/manifest.json`` listing every file with its size and sha256.
After a copy, an upload or a long time on a shared disk, :func:`verify_build` reads each
manifest a line at a time (a million letters are never held in memory) and reports every
file that is missing, not a regular file, or differs in size or content; files in the
folder that no manifest lists are warnings (a build's ``site/`` and a shard's links file
are expected there and never reported).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advocate.errors import Problem
from advocate.pathlike import StrPath, as_path
from advocate.shard import LINKS_FILE

MANIFEST = "manifest.json"
#: Files a build folder holds beside those its manifest lists.
_UNLISTED_OK = (MANIFEST, LINKS_FILE)
_UNLISTED_DIRS = ("site",)
#: The largest manifest read whole when it is not laid out one file per line.
MAX_WHOLE_MANIFEST = 64 << 20


@dataclass
class VerifyReport:
    """What :func:`verify_build` found: the manifests read, the files checked, the problems
    (errors for files that are missing or differ, warnings for files no manifest lists)."""

    folder: Path
    manifests: list[str] = field(default_factory=list)
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every listed file is there with its size and sha256."""
        return not any(p.severity == "error" for p in self.problems)


def verify_build(folder: StrPath) -> VerifyReport:
    """Check a build's output folder (``-o``), or one campaign's folder in it, against its
    manifests. Never raises for what it finds: every problem is in the report."""
    root = as_path(folder)
    report = VerifyReport(root)
    if (root / MANIFEST).is_file():
        manifests = [root / MANIFEST]
    elif root.is_dir():
        manifests = sorted(child / MANIFEST for child in root.iterdir()
                           if child.is_dir() and (child / MANIFEST).is_file())
    else:
        manifests = []
    if not manifests:
        report.problems.append(Problem(
            "no manifest.json here, nor in a folder inside it", str(root),
            hint="give the -o folder of `advocate build`, or a campaign folder in it"))
        return report
    for manifest in manifests:
        report.manifests.append(str(manifest))
        _verify_campaign(manifest, report)
    return report


def _verify_campaign(manifest: Path, report: VerifyReport) -> None:
    base = manifest.parent
    listed: set[str] = set()
    try:
        for entry in _entries(manifest):
            path = entry.get("path")
            if not isinstance(path, str) or not _safe(path):
                report.problems.append(Problem("an entry with a missing or unsafe path",
                                               str(manifest), hint=_REBUILD))
                continue
            listed.add(path)
            report.files += 1
            problem = _check_file(base / path, entry)
            if problem is not None:
                report.problems.append(problem)
    except (OSError, ValueError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
            "not a manifest advocate wrote (malformed JSON)"
        report.problems.append(Problem(f"cannot read: {message}", str(manifest),
                                       hint=_REBUILD))
        return
    for extra in _unlisted(base, listed):
        report.problems.append(Problem(
            "not in the manifest", str(base / extra), severity="warning",
            hint="a file added after the build; remove it, or build again"))


_REBUILD = "build the folder again"


def _safe(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and "\\" not in path and \
        all(part not in ("", ".", "..") for part in parts)


def _check_file(path: Path, entry: dict[str, Any]) -> Problem | None:
    try:
        if path.is_symlink() or not path.is_file():
            return Problem("missing (or not a regular file)", str(path), hint=_REBUILD)
        size, listed = path.stat().st_size, entry.get("size")
        if size != listed:
            said = f"{listed:,}" if isinstance(listed, int) else repr(listed)
            return Problem(f"{size:,} bytes, the manifest says {said}",
                           str(path), hint="the file was changed or cut short; " + _REBUILD)
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return Problem(f"cannot read: {exc.strerror}", str(path))
    if digest != entry.get("sha256"):
        return Problem("its sha256 differs from the manifest's", str(path),
                       hint="the file was changed after the build; " + _REBUILD)
    return None


def _entries(manifest: Path) -> Iterator[dict[str, Any]]:
    """The manifest's file entries: a line at a time in the layout a build writes (one file
    per line), else the whole file parsed (up to MAX_WHOLE_MANIFEST bytes)."""
    with manifest.open("rb") as handle:
        for line in handle:
            if line == b'  "files": [\n':
                break
        else:
            yield from _whole(manifest)
            return
        first = True
        for line in handle:
            stripped = line.strip().rstrip(b",")
            if stripped == b"]":
                return
            try:
                entry = json.loads(stripped)
            except ValueError:
                if not first:
                    raise
                entry = None
            if first and not isinstance(entry, dict):  # laid out otherwise: read it whole
                yield from _whole(manifest)
                return
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            first = False
            yield entry
        raise ValueError("cut short")


def _whole(manifest: Path) -> Iterator[dict[str, Any]]:
    if manifest.stat().st_size > MAX_WHOLE_MANIFEST:
        raise ValueError("too large")
    data = json.loads(manifest.read_bytes())
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(e, dict) for e in files):
        raise ValueError("no files")
    yield from files


def _unlisted(base: Path, listed: set[str]) -> Iterator[str]:
    for top, dirs, names in os.walk(base):
        rel_top = Path(top).relative_to(base).as_posix()
        if rel_top == ".":
            dirs[:] = sorted(d for d in dirs if d not in _UNLISTED_DIRS)
        else:
            dirs.sort()
        for name in sorted(names):
            rel = name if rel_top == "." else f"{rel_top}/{name}"
            if rel in listed or (rel_top == "." and name in _UNLISTED_OK):
                continue
            yield rel
