"""Sharded builds: each machine renders a deterministic share of the signers' letters.

``advocate build CAMPAIGN --signers S --shard K/N`` renders the letters of the signers whose
row ``r`` (the data row of the list, 1 = the first, as in the file names ``letters/00017-…``)
has ``(r - 1) mod N == K``. Rows, not a hash of a name or an email: the share depends only on
the list, not on ``--jobs`` or the order work is done, the same list read again gives the
same shares, the shares differ in size by at most one letter per target, and the shard that
holds a letter can be read off its file name. (A row dropped by ``--dedupe first`` simply has
no letter; the other rows keep their numbers.) Without a signer list the fill-in letters go
to shard 0.

``--shard auto/N`` takes ``K`` from the runner: ``ADVOCATE_SHARD_INDEX`` (0-based, for CI
matrices and anything else), else ``JOB_COMPLETION_INDEX`` (a Kubernetes Indexed Job,
0-based), else ``SLURM_ARRAY_TASK_ID`` minus ``SLURM_ARRAY_TASK_MIN``, divided by
``SLURM_ARRAY_TASK_STEP`` (so ``--array=0-7``, ``--array=1-8`` and ``--array=0-14:2`` all give
0…7; ``SLURM_ARRAY_TASK_COUNT``, when set, must equal N, and a list that is not one evenly
spaced range, such as ``--array=0,2,3``, is refused).

The documents (brief, petition, sheet) are rendered once: by ``advocate merge`` (the
default), or by the shard named with ``--documents-shard D`` (so the merge only copies files
and writes the index). The action page (``--site``) is always written by the merge.
Each shard's ``manifest.json`` records what its output depends on (:func:`inputs_record`),
and the merge refuses shards whose records differ. See :mod:`advocate.merge`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError

#: The file beside a shard's manifest with each text letter's "open in mail" link, which
#: the merge puts in index.html (it holds letters' words, so it is not in the manifest).
LINKS_FILE = "shard-links.json"
#: Where ``auto`` looks for the shard's index, in this order.
ENV_VARS = ("ADVOCATE_SHARD_INDEX", "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")
_SYNTAX = re.compile(r"\s*(auto|\d{1,9})\s*/\s*(\d{1,9})\s*")
_HINT = "write --shard K/N with K from 0 to N-1, or --shard auto/N"


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``; ``documents`` is the shard that renders the documents
    (None: the merge does)."""

    index: int
    count: int
    documents: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise AdvocateError(f"no shard {self.index} of {self.count}", hint=_HINT)
        if self.documents is not None and not 0 <= self.documents < self.count:
            raise AdvocateError(f"--documents-shard {self.documents} is not a shard of "
                                f"{self.count}", hint=f"choose 0 to {self.count - 1}, or leave "
                                "it out to let the merge render the documents")

    def owns(self, row: int) -> bool:
        """Whether the letters of the signer on ``row`` (0: the fill-in letters) are ours."""
        return shard_of(row, self.count) == self.index

    @property
    def renders_documents(self) -> bool:
        return self.documents == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(row: int, count: int) -> int:
    """The shard that renders the letters of the signer on ``row`` (0: the fill-in ones)."""
    return (row - 1) % count if row > 0 else 0


def parse_shard(text: str, environ: Mapping[str, str] | None = None,
                documents: int | None = None) -> Shard:
    """``K/N`` or ``auto/N`` (K from ``environ``, by default the process environment)."""
    match = _SYNTAX.fullmatch(text)
    if not match:
        raise AdvocateError(f"--shard {text!r} is not K/N", hint=_HINT)
    count = int(match.group(2))
    if count < 1:
        raise AdvocateError(f"--shard {text}: N must be at least 1", hint=_HINT)
    if match.group(1) == "auto":
        index = index_from_env(count, os.environ if environ is None else environ)
    else:
        index = int(match.group(1))
        if index >= count:
            raise AdvocateError(f"--shard {text}: K must be below N, as K counts from 0",
                                hint=_HINT)
    return Shard(index, count, documents)


def index_from_env(count: int, environ: Mapping[str, str]) -> int:
    """The shard index of this runner (0-based), from the first of :data:`ENV_VARS` set."""
    for name in ENV_VARS:
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        value = _integer(name, raw)
        if name == "SLURM_ARRAY_TASK_ID":
            value = _slurm_index(value, count, environ)
        if not 0 <= value < count:
            raise AdvocateError(
                f"--shard auto/{count}: {name} gives shard {value}, not one of 0 to {count - 1}",
                hint="N is the number of tasks of the job or array; shards count from 0")
        return value
    raise AdvocateError(
        f"--shard auto/{count}: no shard index in the environment",
        hint=f"set one of {', '.join(ENV_VARS)}: Kubernetes Indexed Jobs and Slurm arrays "
        "set theirs; or give --shard K/N")


def _slurm_index(task: int, count: int, environ: Mapping[str, str]) -> int:
    """A Slurm array task's shard: (ID - MIN) / STEP. An array that is not one evenly spaced
    range (``--array=0,2,3``: Slurm gives STEP 1 for a list) is refused in every task, so
    that no two tasks build one shard and none builds a shard that is not its own."""
    def number(name: str) -> int | None:
        raw = environ.get(name, "").strip()
        return _integer(name, raw) if raw else None

    low, high = number("SLURM_ARRAY_TASK_MIN") or 0, number("SLURM_ARRAY_TASK_MAX")
    step, tasks = max(number("SLURM_ARRAY_TASK_STEP") or 1, 1), number("SLURM_ARRAY_TASK_COUNT")
    if tasks is not None and tasks != count:
        raise AdvocateError(f"--shard auto/{count}: the Slurm array has {tasks} tasks",
                            hint=f"submit with --array=0-{count - 1}, or give --shard "
                            f"auto/{tasks}")
    if (task - low) % step or (high is not None and tasks is not None
                               and high - low != (tasks - 1) * step):
        shown = f"{low}-{high}" if high is not None else f"from {low}"
        raise AdvocateError(
            f"--shard auto/{count}: the Slurm array ({shown}, {tasks or '?'} tasks, step "
            f"{step}) is not evenly spaced, so its task IDs are not shards 0 to {count - 1}",
            hint=f"submit with --array=0-{count - 1} (a range; %N to throttle it), or to "
            "build chosen shards again, set ADVOCATE_SHARD_INDEX to each task's shard")
    return (task - low) // step


def _integer(name: str, raw: str) -> int:
    if not re.fullmatch(r"\d{1,9}", raw):
        raise AdvocateError(f"--shard auto: {name}={raw[:20]!r} is not a whole number",
                            hint="it should be the task's index, e.g. 0")
    return int(raw)


# -- what a shard's output depends on ------------------------------------------------------

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise AdvocateError(f"cannot read: {exc.strerror}", file=str(path)) from None
    return digest.hexdigest()


def tree_sha256(folders: Iterable[Path]) -> str:
    """One hash of every file below ``folders`` (their names relative to the folder, and
    their bytes), in a fixed order; a folder that does not exist counts as empty.
    ``__pycache__`` counts like any folder: a pack's template may be served from it."""
    digest = hashlib.sha256()
    for number, folder in enumerate(folders):
        if not folder.is_dir():
            continue
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        for path in files:
            digest.update(f"{number}\0{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(file_sha256(path).encode())
    return digest.hexdigest()


def engine_version() -> str | None:
    """WeasyPrint's version (PDF bytes depend on it), or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("weasyprint")
    except PackageNotFoundError:
        return None


def inputs_record(*, campaign_path: Path | None, templates: Path | None,
                  template_roots: Sequence[Path], signers: Any, formats: Sequence[str],
                  lang: str | None, paper: str, documents: bool, site: bool,
                  day: date) -> dict[str, Any]:
    """What a shard's files depend on, as plain data: two shards whose records differ do
    not belong to one build (the merge compares them key by key)."""
    from advocate.clock import epoch_seconds
    from advocate.version import __version__

    source = signers.record() if signers is not None else None
    if source is not None:
        source["sha256"] = file_sha256(Path(source["path"]))
    return {
        "advocate_version": __version__,
        "weasyprint_version": engine_version(),
        "date": day.isoformat(),
        # PDFs carry the instant, not only the day: shards must agree on it to the second.
        "source_date_epoch": epoch_seconds(),
        "campaign": {"path": str(campaign_path.absolute()) if campaign_path else None,
                     "sha256": file_sha256(campaign_path) if campaign_path else None},
        "templates": {"path": str(templates.absolute()) if templates else None,
                      "sha256": tree_sha256(template_roots)},
        "signers": source,
        "options": {"formats": list(formats), "lang": lang, "paper": paper,
                    "documents": documents, "site": site},
    }
