"""``advocate build``: every document of every campaign, for every signer and target.

Per campaign, into ``OUT/<campaign id>/``::

    brief.pdf  brief.html  petition.pdf  petition.md  sheet.pdf   (the campaign's language)
    brief.es.pdf  brief.es.html  petition.es.pdf  ...            (each translation, or --lang)
    letters/00001-president.txt  .eml  .pdf     (signer 1 of the list, to the president, in
                                                 the president's language)
    letters/00001-president.reading.txt  .pdf   (the same in the signer's language, not sent)
    index.html                                  links to everything, with mailto: links
    manifest.json                               every file: sha256, size, kind, target, row,
                                                a letter's reference
    skipped-rows.csv                            (at the top: rows --on-bad-row skip left out)

Everything is validated first, rendered into a staging folder, and published only when
every file succeeded (:class:`advocate.output.staging.StagedOutput`): on any error the output
folder is left exactly as it was. Files are named by number and target id, never by a
signer's name. Batches of letters are rendered by a pool of worker processes (one
WeasyPrint font configuration each), which write their files straight into the staging
folder: only names and hashes come back, so memory stays flat. Letters after the first of
their kind are filled in from a stencil (:mod:`advocate.templates.stencil`), not rendered in full.

With ``shard=Shard(K, N)`` a build renders only that shard's letters (:mod:`advocate.shard`)
and records its inputs in the manifest; :func:`advocate.merge.merge` joins the shards by
running this same function with the letters taken from them (``from_shards``), so the merged
output is byte for byte what one unsharded build writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advocate import limits
from advocate.build.output import (
    _campaign_summary,
    _CampaignOutput,
    _index_pages,
    _previous_files,
    _shard_record,
)
from advocate.build.planning import (
    ALL_LETTER_FORMATS,
    LETTER_FORMATS,
    BuildOptions,
    CampaignPlan,
    Entry,
    LetterJob,
    PlannedPaths,
    _site_languages,
    _writes_site,
    plan,
)
from advocate.children import Pool
from advocate.clock import today
from advocate.errors import AdvocateError, LimitError, Problem
from advocate.pathlike import StrPath, as_optional_path, as_path
from advocate.render.documents import Renderer
from advocate.render.preflight import font_problems
from advocate.schema.campaign import Campaign, load_campaign_checked

if TYPE_CHECKING:
    from advocate.signers.source import SignerSource

__all__ = ["ALL_LETTER_FORMATS", "LETTER_FORMATS", "BuildOptions", "BuildResult",
           "CampaignPlan", "Entry", "Progress", "ShardFiles", "build", "check_formats", "plan"]

CHUNK = 8  # PDF letters per task sent to a worker, at most (see _guided_chunks)
TEXT_CHUNK = 128  # text letters per task: a few milliseconds of work, so more per task
POOL_MIN_PDFS = 8  # fewer PDF letters render faster in process than by starting workers
POOL_MIN_LETTERS = 4000  # the same for text-only letters (measured: 2,000 are faster in process)


class ShardFiles(Protocol):
    """Where ``advocate merge`` takes the shards' files from, instead of rendering them
    (:class:`advocate.merge.ShardSet`)."""

    def documents(self, folder: str) -> list[tuple[Entry, bytes]] | None:
        """The documents one shard rendered, in build order; None: render them here."""

    def letters(self, pl: CampaignPlan, staging: Path) -> Iterator[tuple[Entry, bytes | None]]:
        """Every letter file of the plan, in the plan's order: its bytes, or None when it
        was put into ``staging`` already (hashed, like a worker's)."""


@dataclass
class BuildResult:
    """What a build wrote (or would write, for a dry run)."""

    outdir: Path
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    files: Sequence[str] = field(default_factory=list)  # a PlannedPaths, from build()
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    phases: dict[str, float] = field(default_factory=dict)
    letters: int = 0

    def summary(self, command: str = "build") -> dict[str, Any]:
        """What ``build --json`` (``merge --json``) prints, without its ``"files"`` list
        (:func:`advocate.json_output.write` streams that from :attr:`files`); the shape
        is ``schemas/build-1.schema.json``."""
        from advocate.json_output import envelope

        return envelope(
            "build", self.warnings, command=command, outdir=str(self.outdir),
            dry_run=self.dry_run, file_count=len(self.files), letters=self.letters,
            seconds=round(self.seconds, 3),
            phases={name: round(value, 3) for name, value in self.phases.items()},
            campaigns=self.campaigns)


# -- workers -----------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(campaign_path: str, templates: str | None, day: str, paper: str,
                 seconds_cap: float | None = None, forked: bool = False) -> None:
    """Each worker loads the campaign once and keeps one renderer (one FontConfiguration).
    With a pack's templates it confines itself: the OS bounds its memory and each letter's
    CPU time (:mod:`advocate.limits`). Signals, its temporary folder and death with the
    parent are :mod:`advocate.children`'s."""
    limits.SECONDS_CAP = seconds_cap
    if forked:  # the parent's state that must not carry over (see _pool_context)
        from advocate.render.pdf import engine

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
        entry = Entry(f"{job.stem}.{fmt}", kind, fmt, document.lang, job.target, row)
        if fmt == "txt" and job.reading is not None:
            data = document.text().encode("utf-8")
        elif fmt == "eml":
            data = renderer.eml(document)
        elif fmt == "txt":
            data = document.text().encode("utf-8")
            entry.mailto, entry.mailto_form = _mailto(renderer, job.target, document)
            entry.mailto_long = entry.mailto is None
        else:
            data = renderer.file_bytes([document], fmt)
            entry.warnings = list(document.warnings)  # a letter over its page, say
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


def _mailto(renderer: Renderer, target: str, document: Any) -> tuple[str | None, str]:
    """The index's "open in mail" link for a letter (see :func:`letter_mailto`)."""
    from advocate.render.email_text import letter_mailto

    email = renderer.campaign.target(target).email
    return letter_mailto(document, [email] if email else [])


def _pool_forks(pdfs: bool = True) -> bool:
    """Whether the workers are forked: for a batch of PDF letters on Linux, from a process
    that runs a single thread and has made no font configuration (so no Pango or fontconfig
    state of its own to copy; importing WeasyPrint makes none); else they are new isolated
    interpreters (:mod:`advocate.children`). Forked workers start without starting Python
    and importing advocate and WeasyPrint again (1 s each) and with the font coverage the
    checks already read. A fork copies only the calling thread, whose locks and pools
    another thread may hold; and its memory counts again in each worker's resident size, so
    batches of text letters, a few seconds long, keep spawned workers."""
    engine = sys.modules.get("advocate.render.pdf.engine")
    if pdfs and sys.platform.startswith("linux") and not getattr(engine, "FONTS_LOADED", 0):
        with contextlib.suppress(OSError):
            if len(os.listdir("/proc/self/task")) == 1 and threading.active_count() == 1:
                return True
    return False


def _chunks(items: Sequence[LetterJob], size: int) -> Iterator[Sequence[LetterJob]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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

Progress = Callable[[int, int], None]


def check_formats(formats: Sequence[str]) -> None:
    """Refuse an empty or unknown list of letter formats, naming what is allowed."""
    unknown = [f for f in formats if f not in ALL_LETTER_FORMATS]
    if unknown or not formats:
        raise AdvocateError(f"unknown letter format(s): {', '.join(unknown) or '(none)'}",
                            hint=f"choose from {', '.join(ALL_LETTER_FORMATS)}")


def build(
    campaign_paths: Sequence[StrPath],
    outdir: StrPath,
    options: BuildOptions | None = None,
    *,
    signers: Sequence[Any] | None = None,
    signer_source: SignerSource | None = None,
    inputs: Sequence[StrPath] = (),
    progress: Progress | None = None,
    from_shards: ShardFiles | None = None,
    notices: Sequence[Problem] = (),
    reports: Mapping[str, bytes] | None = None,
) -> BuildResult:
    """Render every output of every campaign into ``outdir``, all or nothing, as
    ``options`` say (:class:`BuildOptions`; with ``documents=False``, only the letters, the
    index and the manifest).

    ``outdir`` is refused when it is a campaign file or one of ``inputs`` (the signer list),
    or lies inside a template folder: the library enforces this, not only the CLI.

    With ``options.shard``, only that shard's letters (:mod:`advocate.shard`), the documents
    only in the shard that renders them, no index.html, and a manifest that records the
    inputs (``signer_source``, a :class:`advocate.signers.source.SignerSource`, says where
    the signers came from). ``from_shards`` is for :func:`advocate.merge.merge`: letters (and
    maybe documents) are taken from shards, not rendered. With ``options.strict``, any
    warning is an error: nothing is written and AdvocateError carries every warning as an
    error.

    ``notices``: the signer list's warnings (columns it ignored...), reported with the
    build's own. ``reports``: files written at the top of ``outdir`` with everything else
    (``skipped-rows.csv``, the rows ``--on-bad-row skip`` left out)."""
    options = options or BuildOptions()
    if options.templates is not None:
        options = replace(options, templates=as_optional_path(options.templates))
    return _build([as_path(p) for p in campaign_paths], as_path(outdir), options,
                  signers=signers, progress=progress, inputs=[as_path(p) for p in inputs],
                  signer_source=signer_source, from_shards=from_shards, notices=notices,
                  reports=reports)


def _build(campaign_paths: list[Path], outdir: Path, options: BuildOptions, *,
           signers: Sequence[Any] | None, progress: Progress | None, inputs: list[Path],
           signer_source: SignerSource | None, from_shards: ShardFiles | None,
           notices: Sequence[Problem], reports: Mapping[str, bytes] | None) -> BuildResult:
    templates, jobs, force, dry_run = (options.templates, options.jobs, options.force,
                                       options.dry_run)
    lang, paper, formats, documents = (options.lang, options.paper, options.formats,
                                       options.documents)
    site, shard, day, strict = options.site, options.shard, options.day, options.strict
    from advocate.output.files import guard_output
    from advocate.output.staging import StagedOutput
    from advocate.templates.host import template_roots

    check_formats(formats)
    if shard is not None and signers and signer_source is None:
        raise AdvocateError("a sharded build records where its signer list comes from",
                            hint="pass signer_source (advocate.signers.source.SignerSource)")
    for path in campaign_paths:  # never into a pack's templates (or ours), never onto an input
        guard_output(outdir, inputs=[*campaign_paths, *inputs],
                     forbidden_dirs=template_roots(templates, path))
    started = time.monotonic()
    result = BuildResult(outdir, dry_run=dry_run)
    result.warnings.extend(p for p in notices if p not in result.warnings)
    reports = dict(reports or {})
    loaded: list[Campaign] = []
    problems: list[Problem] = []
    for path in campaign_paths:  # validate everything before writing anything
        try:
            campaign, warnings = load_campaign_checked(path)
        except AdvocateError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(campaign)
        result.warnings.extend(warnings)
    ids = [c.id for c in loaded]
    for ident in {i for i in ids if ids.count(i) > 1}:
        problems.append(Problem(f"two campaigns have the id '{ident}'",
                                hint="their outputs would share a folder; give each its own id"))
    if signers and ("pdf" in formats or documents):  # know before rendering anything
        for campaign in loaded:
            found = font_problems(signers, campaign_path=campaign.path, templates=templates,
                                  petition_only="pdf" not in formats)
            problems.extend(p for p in found if p.severity == "error" and p not in problems)
            result.warnings.extend(p for p in found if p.severity == "warning"
                                   and p not in result.warnings)
    if problems:
        raise AdvocateError(problems=problems)
    try:
        plans = [plan(c, signers, formats=formats, documents=documents, shard=shard, lang=lang)
                 for c in loaded]
    except AdvocateError as exc:  # --lang in no campaign's languages
        raise AdvocateError(problems=exc.problems) from None
    for pl in plans:
        result.warnings.extend(pl.warnings)
    site_paths: list[str] = []
    if site:  # the action page (advocate.site) in each campaign's folder, under site/
        from advocate.site import SITE_FILES

        site_paths = [f"{pl.folder}/{folder}/{name}" for pl in plans if _writes_site(pl)
                      for _, folder in _site_languages(pl, lang) for name in SITE_FILES]
    every_path = PlannedPaths(plans, [*site_paths, *reports])
    _refuse_warnings(result, strict)
    if dry_run:  # the same shape as a build's, but mailto: is known only once rendered
        result.files = every_path
        result.campaigns = [{**_campaign_summary(pl), "mailto": None} for pl in plans]
        result.letters = sum(len(pl.letters) for pl in plans)
        result.seconds = time.monotonic() - started
        return result

    day = day or today()
    total = len(every_path)
    done = 0

    def tick(count: int = 1) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    workers = max(1, jobs or os.cpu_count() or 1)
    with StagedOutput(outdir, force=force) as stage, contextlib.ExitStack() as closing:
        result.warnings.extend(stage.notes)
        stage.planned(every_path)
        if force:
            for pl in plans:
                stage.replace(_previous_files(outdir, pl.folder, result.warnings))
                if site and _writes_site(pl):
                    from advocate.site import SITE_FILES

                    stage.replace(f"{pl.folder}/{folder}/{name}"
                                  for _, folder in _site_languages(pl, lang)
                                  for name in SITE_FILES
                                  if (outdir / pl.folder / folder / name).is_file())
        for pl in plans:
            renderer = Renderer(pl.campaign, templates=templates, day=day,
                                paper=paper,  # type: ignore[arg-type]
                                petition_workers=min(workers, 2))  # a long petition: parts
            record = _shard_record(pl, templates, signer_source if signers else None,
                                   formats, lang, paper, documents, site, day, loaded)
            out = closing.enter_context(_CampaignOutput(stage, pl, record))

            def keep(entry: Entry, data: bytes | None, folder: str = pl.folder,
                     into: _CampaignOutput = out) -> None:
                if data is None:  # a worker wrote it into the staging folder
                    stage.adopt(f"{folder}/{entry.path}")
                else:
                    entry.sha256 = hashlib.sha256(data).hexdigest()
                    entry.size = len(data)
                    stage.add(f"{folder}/{entry.path}", data)
                result.warnings.extend(w for w in entry.warnings if w not in result.warnings)
                into.add(entry)
                tick()

            clock = time.monotonic()
            copied = from_shards.documents(pl.folder) if from_shards and pl.documents else None
            for entry, data in copied or []:  # rendered once, by the shard that was told to
                keep(entry, data)
            for job in pl.documents if copied is None else []:
                document = (renderer.brief(job.lang) if job.kind == "brief" else
                            renderer.sheet(job.lang) if job.kind == "sheet" else
                            renderer.petition(signers, job.lang, for_pdf=job.format == "pdf"))
                result.warnings.extend(w for w in document.warnings if w not in result.warnings)
                data = renderer.file_bytes([document], job.format)
                keep(Entry(job.path, job.kind, job.format, document.lang), data)
            result.phases["documents"] = result.phases.get("documents", 0.0) + \
                time.monotonic() - clock
            # The workers start only now: beside a long petition render they would take
            # the memory of all processes together past its budget (300 MiB).
            clock = time.monotonic()
            if from_shards is not None:
                for entry, copied_letter in from_shards.letters(pl, stage.staging):
                    keep(entry, copied_letter)
            else:
                # Each letter in its target's language, whatever --lang says of the documents.
                with _LetterRun(pl, renderer, templates, day, paper, workers, None,
                                stage.staging) as letters:
                    for entry, letter in letters:
                        keep(entry, letter)
            result.phases["letters"] = result.phases.get("letters", 0.0) + \
                time.monotonic() - clock
            result.letters += len(pl.letters)

            out.end_rows()
            if out.too_long:
                result.warnings.append(Problem(
                    f"{pl.folder}: {out.too_long} letter(s) have no mailto: link: even the "
                    "subject alone is longer than some mail clients accept (2,000 characters)",
                    hint="use the .eml drafts for those letters", severity="warning"))
            mailto_forms = {form: out.forms[form] for form in
                            ("full", "titles", "short", "subject", "none") if out.forms[form]}
            if pl.shard is not None:  # the merge writes the index, from every shard's links
                out.finish_links()
                tick()
            else:
                for name, page in _index_pages(renderer, pl, out):
                    keep(Entry(name, "index", "html"), page.encode("utf-8"))
            out.finish_manifest()
            tick()
            if site and _writes_site(pl):
                from advocate.site import build_site

                for page_lang, folder in _site_languages(pl, lang):
                    built = build_site(pl.campaign, templates=templates, lang=page_lang,
                                       paper=paper)
                    result.warnings.extend(w for w in built.warnings
                                           if w not in result.warnings)
                    for name, data in built.files.items():
                        stage.add(f"{pl.folder}/{folder}/{name}", data)
            summary = {**_campaign_summary(pl), "mailto": mailto_forms}
            if pl.shard is not None:
                summary["shard"] = str(pl.shard)
            result.campaigns.append(summary)
        for name, data in reports.items():
            stage.add(name, data)
        result.files = every_path if os.sep == "/" else [str(Path(p)) for p in every_path]
        _refuse_warnings(result, strict)  # inside the stage: nothing is published
        clock = time.monotonic()
    result.phases["publish"] = time.monotonic() - clock
    result.seconds = time.monotonic() - started
    return result


def _refuse_warnings(result: BuildResult, strict: bool) -> None:
    """``strict``: the build's warnings so far, raised as errors."""
    if strict and result.warnings:
        raise AdvocateError(problems=[replace(w, severity="error") for w in result.warnings])


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

    def __enter__(self) -> _LetterRun:
        pdfs = sum(1 for job in self.pl.letters if "pdf" in job.formats)
        small = pdfs < POOL_MIN_PDFS and len(self.pl.letters) < POOL_MIN_LETTERS
        if self.workers > 1 and not small and self.pl.campaign.path is not None:
            fork = _pool_forks(pdfs > 0)
            if fork:
                from advocate.render.pdf.engine import load_weasyprint

                load_weasyprint()  # imported once here rather than in every worker
            self.pool = Pool(self.workers, _init_worker, (*self.init, fork), fork=fork)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.pool is not None:
            # Failed or interrupted (Ctrl-C, SIGTERM): the workers stop now, not after their
            # chunks; the staging folder they write into is going away.
            self.pool.close(kill=exc_type is not None)

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
        tasks = ((chunk, self.lang, str(self.staging), self.pl.folder) for chunk in chunks)
        for _task, (kind, value) in self.pool.map(_worker_letters, tasks):  # in order
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
