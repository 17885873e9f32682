"""The letters of a build: rendered in this process for small batches, else by a pool of
worker processes (:class:`advocate.children.Pool`, one WeasyPrint font configuration each)
that write their files straight into the staging folder: only names and hashes come back."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advocate import limits
from advocate.build.planning import (
    CampaignPlan,
    Entry,
    LetterJob,
)
from advocate.children import Pool
from advocate.errors import AdvocateError, LimitError
from advocate.render.documents import Renderer
from advocate.schema.campaign import load_campaign_checked

if TYPE_CHECKING:
    pass


CHUNK = 8  # PDF letters per task sent to a worker, at most (see _guided_chunks)
TEXT_CHUNK = 128  # text letters per task: a few milliseconds of work, so more per task
POOL_MIN_PDFS = 8  # fewer PDF letters render faster in process than by starting workers
POOL_MIN_LETTERS = 4000  # the same for text-only letters (measured: 2,000 are faster in process)


_worker: dict[str, Any] = {}


def _init_worker(campaign_path: str, templates: str | None, day: str, paper: str,
                 seconds_cap: float | None = None, forked: bool = False) -> None:
    """Each worker loads the campaign once and keeps one renderer (one FontConfiguration).
    With a pack's templates it confines itself: the OS bounds its memory and each letter's
    CPU time (:mod:`advocate.limits`). Signals, its temporary folder and death with the
    parent are :mod:`advocate.children`'s."""
    limits.SECONDS_CAP = seconds_cap
    engine = sys.modules.get("advocate.render.pdf.engine")
    if forked and engine is not None:  # the parent's state that must not carry over
        engine.forget_shared_renderer()  # this worker makes its own, as a spawned one does
    campaign, _ = load_campaign_checked(Path(campaign_path))
    renderer = Renderer(campaign, templates=Path(templates) if templates else None,
                        day=date.fromisoformat(day), paper=paper)  # type: ignore[arg-type]
    _worker["renderer"] = renderer
    if not renderer.trusted:
        limits.confine_process()


#: CPU seconds one letter may take in a confined worker (its wording, layout and PDF).
LETTER_SECONDS = 80.0


def _render_letters(renderer: Renderer, jobs: Sequence[LetterJob],
                    lang: str | None) -> list[tuple[Entry, bytes]]:
    out: list[tuple[Entry, bytes]] = []
    for job in jobs:
        with limits.cpu_limit(limits.cpu_seconds(LETTER_SECONDS)) if limits.CONFINED \
                else contextlib.nullcontext():
            out += _render_letter(renderer, job, lang)
    return out


def _render_letter(renderer: Renderer, job: LetterJob,
                   lang: str | None) -> list[tuple[Entry, bytes]]:
    out: list[tuple[Entry, bytes]] = []
    if job.reading is not None:
        from advocate.render.reading import reading_copy
        from advocate.text.localise import resolve_language

        sent = resolve_language(renderer.campaign, lang, renderer.campaign.target(job.target))
        document = reading_copy(renderer.letter(job.target, job.writer, job.reading), sent)
    else:
        document = renderer.letter(job.target, job.writer, lang)
    row = job.writer.row if job.writer else None
    kind = "reading-copy" if job.reading is not None else "letter"
    for fmt in job.formats:
        entry = Entry(f"{job.stem}.{fmt}", kind, fmt, document.lang, job.target, row,
                      reference=document.reference if job.reading is None else None)
        if fmt == "txt" and job.reading is not None:
            data = document.text().encode("utf-8")
        elif fmt == "eml":
            data = renderer.eml(document)
        elif fmt == "txt":
            data = document.text().encode("utf-8")
            entry.mailto, entry.mailto_form = _mailto(renderer, job.target, document)
            entry.mailto_long = entry.mailto is None
        else:
            data, found = renderer.file_result([document], fmt)
            entry.warnings = [*document.warnings, *found]  # a letter over its page, say
        out.append((entry, data))
    return out


def _worker_letters(jobs: Sequence[LetterJob], lang: str | None, staging: str,
                    folder: str) -> list[tuple[Entry, bytes | None]]:
    """Render in a worker and write the files straight into the staging folder: only their
    names, sizes and hashes travel back, so the parent is not the bottleneck."""
    from advocate.output.staging import write_staged

    done: list[tuple[Entry, bytes | None]] = []
    for entry, data in _render_letters(_worker["renderer"], jobs, lang):
        try:
            write_staged(staging, f"{folder}/{entry.path}", data)
        except OSError as exc:
            raise AdvocateError(f"cannot write to the output folder: {exc.strerror}",
                                file=staging, hint="check free space and permissions") from None
        entry.sha256 = hashlib.sha256(data).hexdigest()
        entry.size = len(data)
        done.append((entry, None))
    return done


def _worker_range(start: int, stop: int, lang: str | None, staging: str,
                  folder: str) -> list[tuple[Entry, bytes | None]]:
    """:func:`_worker_letters` of letters ``start`` to ``stop`` of the plan a forked worker
    inherited (:data:`_worker` ``["jobs"]``, set before the fork): the parent sends two
    numbers rather than pickling every job, and the worker unpickles none."""
    return _worker_letters(_worker["jobs"][start:stop], lang, staging, folder)


def _mailto(renderer: Renderer, target: str, document: Any) -> tuple[str | None, str]:
    """The index's "open in mail" link for a letter (see :func:`letter_mailto`)."""
    from advocate.render.email_text import letter_mailto

    email = renderer.campaign.target(target).email
    return letter_mailto(document, [email] if email else [])


def _pool_forks() -> bool:
    """Whether the workers are forked: on Linux, from a process that runs a single thread
    and has made no font configuration (so no Pango or fontconfig state of its own to copy;
    importing WeasyPrint makes none); else they are new isolated interpreters
    (:mod:`advocate.children`). Forked workers start without starting Python and importing
    advocate (and, for PDF letters, WeasyPrint) again: 0.3 s of CPU each for text letters,
    1 s for PDF letters; PDF workers also keep the font coverage the checks already read. A
    fork copies only the calling thread, whose locks and pools another thread may hold.
    Text letters fork too: 10,000 of them took 0.88x the CPU, and all processes' resident
    memory summed stayed 161 MiB (their proportional share fell from 122 to 103 MiB, the
    pages the workers share with the build counted once; docs/benchmarks.md)."""
    # Not imported here if not yet: a process that has not imported the engine has no fonts.
    engine = sys.modules.get("advocate.render.pdf.engine")
    loaded = engine is not None and engine.fonts_loaded()
    if sys.platform.startswith("linux") and not loaded:
        with contextlib.suppress(OSError):
            if len(os.listdir("/proc/self/task")) == 1 and threading.active_count() == 1:
                return True
    return False


def _chunks(items: Sequence[LetterJob], size: int) -> Iterator[Sequence[LetterJob]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _numbered(chunks: Iterator[Sequence[LetterJob]]) -> Iterator[tuple[int, Sequence[LetterJob]]]:
    """Each chunk with the number of its first letter in the plan."""
    start = 0
    for chunk in chunks:
        yield start, chunk
        start += len(chunk)


def _guided_chunks(items: Sequence[LetterJob], size: int,
                   workers: int) -> Iterator[Sequence[LetterJob]]:
    """Chunks of at most ``size`` that shrink to one letter towards the end of the batch,
    so the workers finish together: a PDF letter is a tenth of a second or more, and a
    last chunk of sixteen would leave the other cores idle for seconds."""
    start = 0
    while start < len(items):
        left = len(items) - start
        step = max(1, min(size, -(-left // (4 * workers))))
        yield items[start:start + step]
        start += step


# -- the build ---------------------------------------------------------------------------

class _LetterRun:
    """The letters of one campaign: rendered in process for small batches, else by a pool
    of worker processes started on entry (:class:`advocate.children.Pool`), every chunk
    queued at once. Iterating yields the letters in order."""

    def __init__(self, pl: CampaignPlan, renderer: Renderer, templates: Path | None,
                 day: date, paper: str, workers: int, lang: str | None,
                 staging: Path) -> None:
        self.pl, self.renderer, self.lang, self.staging = pl, renderer, lang, staging
        self.workers = workers
        self.init = (str(pl.campaign.path), str(templates) if templates else None,
                     day.isoformat(), paper, limits.SECONDS_CAP)
        self.pool: Pool | None = None
        self.forked = False

    def __enter__(self) -> _LetterRun:
        pdfs = sum(1 for job in self.pl.letters if "pdf" in job.formats)
        small = pdfs < POOL_MIN_PDFS and len(self.pl.letters) < POOL_MIN_LETTERS
        if self.workers > 1 and not small and self.pl.campaign.path is not None:
            fork = _pool_forks()
            if fork and pdfs:
                from advocate.render.pdf.engine import load_weasyprint

                load_weasyprint()  # imported once here rather than in every worker
            if fork:  # the workers inherit the plan: tasks are ranges of it
                _worker["jobs"] = self.pl.letters
            self.forked = fork
            self.pool = Pool(self.workers, _init_worker, (*self.init, fork), fork=fork)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.pool is not None:
            # Failed or interrupted (Ctrl-C, SIGTERM): the workers stop now, not after their
            # chunks; the staging folder they write into is going away.
            self.pool.close(kill=exc_type is not None)
        _worker.pop("jobs", None)

    def __iter__(self) -> Iterator[tuple[Entry, bytes | None]]:
        if self.pool is None:
            for chunk in _chunks(self.pl.letters, CHUNK):
                yield from _render_letters(self.renderer, chunk, self.lang)
            return
        pdfs = any("pdf" in job.formats for job in self.pl.letters)
        # Every chunk is queued now: a result is only names and hashes (the workers write
        # the files), so memory grows by a few hundred bytes per letter at most.
        chunks = _guided_chunks(self.pl.letters, CHUNK, self.workers) if pdfs else \
            _chunks(self.pl.letters, TEXT_CHUNK)
        staging, folder = str(self.staging), self.pl.folder
        if self.forked:  # ranges of the plan the workers inherited
            work: Any = _worker_range
            tasks: Iterator[tuple[Any, ...]] = (
                (start, start + len(chunk), self.lang, staging, folder)
                for start, chunk in _numbered(chunks))
        else:
            work = _worker_letters
            tasks = ((chunk, self.lang, staging, folder) for chunk in chunks)
        for _task, (kind, value) in self.pool.map(work, tasks):  # in order
            if kind == "ok":
                yield from value
            elif kind == "error":
                raise value
            elif kind == "gone":
                # A worker was ended by the OS: a letter used up its CPU time or memory.
                raise LimitError(
                    "a letter's render was stopped by its CPU time or memory limit",
                    file=str(self.pl.campaign.path),
                    hint="the templates do too much work; simplify them")
            else:
                raise RuntimeError(value)  # a bug in a worker, named by its type only
