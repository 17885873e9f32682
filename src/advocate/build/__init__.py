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
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advocate import limits
from advocate.children import Pool
from advocate.clock import today
from advocate.errors import AdvocateError, LimitError, Problem
from advocate.output.staging import open_staged
from advocate.pathlike import StrPath, as_optional_path, as_path
from advocate.reference import letter_reference
from advocate.render.documents import Renderer
from advocate.render.html import apply_csp
from advocate.render.preflight import font_problems
from advocate.render.writer import Writer
from advocate.schema.campaign import Campaign, load_campaign_checked
from advocate.shard import LINKS_FILE, Shard

if TYPE_CHECKING:
    from advocate.signers.source import SignerSource

LETTER_FORMATS = ("txt", "eml", "pdf")
#: The ``"schema"`` of every manifest.json (see :mod:`advocate.json_output`).
MANIFEST_SCHEMA = "manifest-1.schema.json"
#: Every format a letter can be written in (``--formats``).
ALL_LETTER_FORMATS = ("txt", "eml", "pdf", "md", "html")
CHUNK = 8  # PDF letters per task sent to a worker, at most (see _guided_chunks)
TEXT_CHUNK = 128  # text letters per task: a few milliseconds of work, so more per task
POOL_MIN_PDFS = 8  # fewer PDF letters render faster in process than by starting workers
POOL_MIN_LETTERS = 4000  # the same for text-only letters (measured: 2,000 are faster in process)


@dataclass(frozen=True, slots=True)  # one per letter: a million in a large build
class LetterJob:
    """One letter to render: which writer (by index in the list), to whom, in what formats.

    ``reading`` names the language of a reading copy (:mod:`advocate.render.reading`): the
    letter in the signer's language, for them to read, never sent; None: the letter itself,
    in its target's language."""

    index: int  # the signer's row in the list (1 = the first data row); 0: the fill-in letter
    target: str
    writer: Writer | None
    formats: tuple[str, ...]
    reading: str | None = None

    @property
    def stem(self) -> str:
        prefix = f"{self.index:05d}-" if self.index else ""
        copy = ".reading" if self.reading else ""  # its name says no language: the signer's
        return f"letters/{prefix}{self.target}{copy}"


@dataclass(frozen=True, slots=True)
class DocumentJob:
    """One campaign document (brief, petition, sheet) in one language and format.

    The campaign's own language keeps the plain names (``brief.pdf``), as builds before
    multilingual ones wrote them; every other language says itself (``brief.es.pdf``)."""

    kind: str
    format: str
    lang: str
    main: bool

    @property
    def path(self) -> str:
        return f"{self.kind}.{self.format}" if self.main else \
            f"{self.kind}.{self.lang}.{self.format}"


@dataclass
class Entry:
    """One output file, as the manifest lists it (no personal data)."""

    path: str
    kind: str
    format: str
    lang: str | None = None
    target: str | None = None
    signer_row: int | None = None
    sha256: str = ""
    size: int = 0
    mailto: str | None = None
    mailto_long: bool = False
    mailto_form: str | None = None  # full, titles, short, subject (see _mailto) or none
    warnings: list[Problem] = field(default_factory=list)  # of this file (not in the manifest)


@dataclass
class CampaignPlan:
    """Everything one campaign will produce."""

    campaign: Campaign
    folder: str
    letters: list[LetterJob]
    documents: list[DocumentJob]  # brief, petition, sheet: per language and format
    signer_count: int
    public_count: int
    dropped_duplicates: int = 0  # rows --dedupe first left out
    shard: Shard | None = None  # a shard's share of the letters (see advocate.shard)
    warnings: list[Problem] = field(default_factory=list)
    lang: str = ""  # the index page's language: --lang's, else the campaign's

    @property
    def sharded(self) -> bool:
        return self.shard is not None


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


# -- planning ----------------------------------------------------------------------------

def document_languages(campaign: Campaign, lang: str | None = None) -> list[str]:
    """The languages a build writes the brief, petition and sheet in: every language of the
    campaign (its own, then each translation), or only ``lang`` (``--lang``)."""
    if lang is None:
        return list(campaign.languages)
    from advocate.text.localise import resolve_language

    return [resolve_language(campaign, lang)]  # refused, by name, if the campaign lacks it


def plan(campaign: Campaign, signers: Sequence[Any] | None, *,
         formats: Sequence[str] = LETTER_FORMATS, documents: bool = True,
         shard: Shard | None = None, lang: str | None = None) -> CampaignPlan:
    """What a campaign will produce: files named by number and target, never by a name
    (with ``shard``, that shard's share of the letters, and the documents only if it is the
    shard that renders them).

    Each letter is in its target's language; a signer whose list gives another language the
    campaign has text in also gets a reading copy in it (``...-president.reading.txt``).
    ``lang`` (``--lang``) picks the one language of the documents; it changes no letter."""
    from advocate.render.reading import reading_language
    from advocate.text.localise import resolve_language

    letters: list[LetterJob] = []
    targets = [(t.id, resolve_language(campaign, None, t)) for t in campaign.targets]
    unknown: dict[str, int] = {}
    if signers:
        formats = tuple(formats)  # one tuple shared by every letter
        copies = tuple(f for f in formats if f != "eml") or ("txt",)  # a copy is not sent
        for signer in signers:  # numbered by the signer's row in the list, as the index shows
            writer = Writer.from_signer(signer)
            own = getattr(signer, "lang", None)
            reading = reading_language(campaign, own) if own else None
            if own and reading is None:
                unknown[own] = unknown.get(own, 0) + 1
            for target, sent in targets:
                letters.append(LetterJob(signer.row, target, writer, formats))
                if reading is not None and reading != sent:
                    letters.append(LetterJob(signer.row, target, writer, copies, reading))
    else:
        letters.extend(LetterJob(0, t, None, tuple(f for f in formats if f != "eml"))
                       for t, _ in targets)
    if shard is not None:
        letters = [job for job in letters if shard.owns(job.index)]
        documents = documents and shard.renders_documents
    kinds = [("brief", "pdf"), ("brief", "html"), ("petition", "pdf"), ("petition", "md"),
             ("sheet", "pdf")] if documents else []
    jobs = [DocumentJob(kind, fmt, code, code == campaign.language)
            for code in document_languages(campaign, lang) for kind, fmt in kinds]
    public = sum(1 for s in signers or [] if s.public)
    pl = CampaignPlan(campaign, campaign.id, letters, jobs, len(signers or []), public,
                      getattr(signers, "dropped", 0), shard,
                      lang=document_languages(campaign, lang)[0])
    for code, count in sorted(unknown.items()):
        pl.warnings.append(Problem(
            f"{campaign.id}: {count} signer(s) read in '{code}', which the campaign has no "
            "text in: they get no reading copy", str(campaign.path) if campaign.path else None,
            hint=f"add `{code}:` under translations: and translate the fields",
            severity="warning"))
    return pl


def _planned_paths(plan_: CampaignPlan) -> Iterator[str]:
    yield from (f"{plan_.folder}/{job.path}" for job in plan_.documents)
    yield from (f"{plan_.folder}/{job.stem}.{fmt}" for job in plan_.letters
                for fmt in job.formats)
    last = [LINKS_FILE] if plan_.sharded else index_names(len(plan_.letters))  # the merge's
    yield from (f"{plan_.folder}/{name}" for name in last)
    yield f"{plan_.folder}/manifest.json"


def _planned_count(plan_: CampaignPlan) -> int:
    last = 1 if plan_.sharded else len(index_names(len(plan_.letters)))
    return len(plan_.documents) + sum(len(job.formats) for job in plan_.letters) + last + 1


class PlannedPaths(Sequence[str]):
    """Every file a build writes (relative to its output folder), made from the plans each
    time it is read: a million letters' names are not kept in a list."""

    def __init__(self, plans: Sequence[CampaignPlan], site: Sequence[str] = ()) -> None:
        self.plans, self.site = plans, site
        self._count = sum(_planned_count(pl) for pl in plans) + len(site)

    def __iter__(self) -> Iterator[str]:
        for pl in self.plans:
            yield from _planned_paths(pl)
        yield from self.site

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _site_languages(pl: CampaignPlan, lang: str | None) -> list[tuple[str | None, str]]:
    """The action pages a build writes, as (page language, folder): with ``--lang``, that one
    in ``site/``; else the campaign's own language in ``site/`` and each translation in
    ``site/LANG/`` (a bilingual campaign needs one build, not two)."""
    if lang is not None:
        return [(lang, "site")]
    languages = list(pl.campaign.languages)
    return [(None, "site"), *((other, f"site/{other}") for other in languages[1:])]


def _writes_site(pl: CampaignPlan) -> bool:
    """Whether this build writes the action page (--site): not a shard, the merge does
    (it does not depend on the signers, and takes a moment)."""
    return pl.shard is None


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
    *,
    signers: Sequence[Any] | None = None,
    templates: StrPath | None = None,
    jobs: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    lang: str | None = None,
    paper: str = "a4",
    formats: Sequence[str] = LETTER_FORMATS,
    progress: Progress | None = None,
    documents: bool = True,
    inputs: Sequence[StrPath] = (),
    site: bool = False,
    shard: Shard | None = None,
    signer_source: SignerSource | None = None,
    day: date | None = None,
    from_shards: ShardFiles | None = None,
    strict: bool = False,
    notices: Sequence[Problem] = (),
    reports: Mapping[str, bytes] | None = None,
) -> BuildResult:
    """Render every output of every campaign into ``outdir``, all or nothing (with
    ``documents=False``, only the letters, the index and the manifest).

    ``outdir`` is refused when it is a campaign file or one of ``inputs`` (the signer list),
    or lies inside a template folder: the library enforces this, not only the CLI.

    With ``shard``, only that shard's letters (:mod:`advocate.shard`), the documents only in
    the shard that renders them, no index.html, and a manifest that records the inputs
    (``signer_source``, a :class:`advocate.signers.source.SignerSource`, says where the
    signers came from). ``day`` is the letters' date (default: today, or
    ``SOURCE_DATE_EPOCH``). ``from_shards`` is for :func:`advocate.merge.merge`: letters (and
    maybe documents) are taken from shards, not rendered. With ``strict``, any warning is an
    error: nothing is written and AdvocateError carries every warning as an error.

    ``notices``: the signer list's warnings (columns it ignored...), reported with the
    build's own. ``reports``: files written at the top of ``outdir`` with everything else
    (``skipped-rows.csv``, the rows ``--on-bad-row skip`` left out)."""
    return _build([as_path(p) for p in campaign_paths], as_path(outdir), signers=signers,
                  templates=as_optional_path(templates), jobs=jobs, force=force,
                  dry_run=dry_run, lang=lang, paper=paper, formats=formats, progress=progress,
                  documents=documents, inputs=[as_path(p) for p in inputs], site=site,
                  shard=shard, signer_source=signer_source, day=day, from_shards=from_shards,
                  strict=strict, notices=notices, reports=reports)


def _build(campaign_paths: list[Path], outdir: Path, *, signers: Sequence[Any] | None,
           templates: Path | None, jobs: int | None, force: bool, dry_run: bool,
           lang: str | None, paper: str, formats: Sequence[str], progress: Progress | None,
           documents: bool, inputs: list[Path], site: bool, shard: Shard | None,
           signer_source: SignerSource | None, day: date | None,
           from_shards: ShardFiles | None, strict: bool, notices: Sequence[Problem],
           reports: Mapping[str, bytes] | None) -> BuildResult:
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
                                paper=paper)  # type: ignore[arg-type]
            renderer.petition_workers = min(workers, 2)  # a long petition renders in parts
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


def _previous_files(outdir: Path, folder: str, warnings: list[Problem]) -> list[str]:
    """The files the previous build of ``folder`` wrote, from its manifest (and the manifest
    itself); paths that are not plain file names inside the folder are ignored."""
    from advocate.output.files import check_relpath

    path = outdir / folder / "manifest.json"
    if not os.path.lexists(path):
        return []
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            data = json.loads(handle.read(64 << 20))
        files = [f"{folder}/{entry['path']}" for entry in data["files"]]
        if "shard" in data:
            files.append(f"{folder}/{LINKS_FILE}")
    except (OSError, ValueError, KeyError, TypeError):
        warnings.append(Problem(
            "the previous build's manifest cannot be read, so its files that this build "
            "does not write are left in place", str(path),
            hint="remove the folder before building, or check it", severity="warning"))
        return []
    kept: list[str] = [f"{folder}/manifest.json"]
    for rel in files:
        try:
            check_relpath(rel)
        except AdvocateError:
            continue
        if ".." not in rel.split("/"):
            kept.append(rel)
    return kept


def _shard_record(pl: CampaignPlan, templates: Path | None, source: SignerSource | None,
                  formats: Sequence[str], lang: str | None, paper: str, documents: bool,
                  site: bool, day: date, loaded: Sequence[Campaign]) -> dict[str, Any] | None:
    """What a shard's manifest records of its inputs (None: not a shard)."""
    if pl.shard is None:
        return None
    from advocate.shard import inputs_record
    from advocate.templates.host import template_roots

    record: dict[str, Any] = {
        "index": pl.shard.index, "count": pl.shard.count, "documents_shard": pl.shard.documents,
        "inputs": inputs_record(
            campaign_path=pl.campaign.path, templates=templates,
            template_roots=template_roots(templates, pl.campaign.path), signers=source,
            formats=formats, lang=lang, paper=paper, documents=documents, site=site, day=day)}
    record["inputs"]["campaigns"] = [c.id for c in loaded]  # in the build's order
    return record


#: Letter rows on one page of the index: a build with more writes ``index.html`` and then
#: ``index-2.html``, ``index-3.html``... (a build with fewer, one ``index.html`` as ever).
INDEX_PAGE_ROWS = 2000


#: The index pages linked by number from each page: the first, the last and these many
#: either side of the page itself (a million letters make hundreds of pages).
PAGE_LINKS_AROUND = 3


def index_names(letter_rows: int) -> list[str]:
    """The index pages' file names for ``letter_rows`` rows (one row per signer and target)."""
    pages = max(1, -(-letter_rows // INDEX_PAGE_ROWS))
    return ["index.html", *(f"index-{number}.html" for number in range(2, pages + 1))]


class _CampaignOutput:
    """One campaign's manifest (and a shard's links file) written as its files come, and its
    index rows spooled to a file in the staging folder: only counts stay in memory, so a
    build of a million letters needs no more memory than one of a thousand."""

    def __init__(self, stage: Any, pl: CampaignPlan, record: dict[str, Any] | None) -> None:
        self.stage, self.pl = stage, pl
        self.too_long = 0
        self.forms = dict.fromkeys(("full", "titles", "short", "subject", "none"), 0)
        self.documents: list[dict[str, Any]] = []
        self.rows = 0
        self._files = 0
        self._links = 0
        self._row: dict[str, Any] | None = None
        self._key: tuple[int | None, str | None] | None = None
        head: dict[str, Any] = {"schema": MANIFEST_SCHEMA, "advocate": 1,
                                "campaign": pl.campaign.id,
                                "signers": pl.signer_count, "public_signers": pl.public_count}
        if record is not None:
            head["shard"] = record
        self._manifest = open_staged(stage.staging, f"{pl.folder}/manifest.json", stage.mode)
        # One file per line, each encoded by json's C encoder (indent= takes the pure-Python
        # one, a second for 20,000 files).
        self._manifest.write("".join(
            ["{\n", *(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n"
                      for key, value in head.items()), '  "files": [']).encode("utf-8"))
        self._links_file = None
        if pl.shard is not None:
            self._links_file = open_staged(stage.staging, f"{pl.folder}/{LINKS_FILE}",
                                            stage.mode)
            self._links_file.write(b"{\n")
        self.spool = ""
        self._spool: Any = None
        if pl.shard is None:  # a shard's index is the merge's
            fd, self.spool = tempfile.mkstemp(prefix=".index-rows-", suffix=".jsonl",
                                              dir=stage.staging)
            self._spool = os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 16)

    def __enter__(self) -> _CampaignOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        """Closed whatever happened (on an error the staging folder goes, and they in it)."""
        for handle in (self._manifest, self._links_file, self._spool):
            if handle is not None:
                handle.close()

    def add(self, entry: Entry) -> None:
        """One more file of the campaign, in the order of the manifest."""
        reference = letter_reference(self.pl.campaign.id, entry.target, entry.signer_row) \
            if entry.kind == "letter" and entry.target else None
        line = json.dumps({
            "path": entry.path, "sha256": entry.sha256, "size": entry.size, "kind": entry.kind,
            "format": entry.format, "lang": entry.lang, "target": entry.target,
            "signer_row": entry.signer_row, "reference": reference}, ensure_ascii=False)
        self._manifest.write(f"{',' if self._files else ''}\n    {line}".encode())
        self._files += 1
        self.too_long += entry.mailto_long
        if entry.mailto_form:
            self.forms[entry.mailto_form] = self.forms.get(entry.mailto_form, 0) + 1
        if entry.mailto_form is not None and self._links_file is not None:
            # path: [link, form], which the merge puts in the index
            sep = ",\n" if self._links else ""
            self._links_file.write(f"{sep}{json.dumps(entry.path)}: "
                                   f"{json.dumps([entry.mailto, entry.mailto_form])}"
                                   .encode())
            self._links += 1
        if entry.kind in ("brief", "petition", "sheet"):
            self.documents.append({"path": entry.path, "kind": entry.kind,
                                   "format": entry.format, "lang": entry.lang})
        if entry.kind not in ("letter", "reading-copy") or self._spool is None:
            return
        key = (entry.signer_row, entry.target)
        if key != self._key:  # a letter's files come one after another
            self._flush()
            self._key = key
            self._row = {"row": entry.signer_row, "target": entry.target, "files": [],
                         "mailto": None, "lang": entry.lang, "reference": reference}
        assert self._row is not None
        self._row["files"].append({"path": entry.path, "format": entry.format,
                                   "reading": entry.lang if entry.kind == "reading-copy"
                                   else None})
        if entry.mailto:
            self._row["mailto"] = entry.mailto
            self._row["mailto_form"] = entry.mailto_form

    def _flush(self) -> None:
        if self._row is not None:
            self._spool.write(json.dumps(self._row, ensure_ascii=False) + "\n")
            self.rows += 1
            self._row = None

    def end_rows(self) -> None:
        """Every letter is in: the spool of index rows is complete."""
        self._flush()
        self._key = None
        if self._spool is not None:
            self._spool.close()

    def read_rows(self) -> Iterator[dict[str, Any]]:
        with open(self.spool, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    def finish_links(self) -> None:
        assert self._links_file is not None
        self._links_file.write(b"\n}\n")
        self._links_file.close()
        self.stage.adopt(f"{self.pl.folder}/{LINKS_FILE}")

    def finish_manifest(self) -> None:
        self._manifest.write(b"\n  ]\n}\n")
        self._manifest.close()
        self.stage.adopt(f"{self.pl.folder}/manifest.json")
        if self.spool:
            with contextlib.suppress(OSError):
                os.remove(self.spool)


def _index_pages(renderer: Renderer, pl: CampaignPlan,
                 out: _CampaignOutput) -> Iterator[tuple[str, str]]:
    """The index: one page of every letter's row, or pages of INDEX_PAGE_ROWS rows each,
    linked to each other, with the documents on the first; rendered from the spooled rows."""
    from advocate.templates.host import render

    names = index_names(len(pl.letters))
    builtin = renderer.from_builtin("index.html.j2")
    view, _ = renderer.view(pl.lang or pl.campaign.language)
    targets = {t["id"]: t for t in view["targets"]}
    rows = out.read_rows()
    first = 1
    for number, name in enumerate(names, start=1):
        letters = [row for _, row in zip(range(INDEX_PAGE_ROWS), rows, strict=False)]
        if not builtin:
            # A pack's own index gets the links to the files, not the letters' text: a
            # mailto: link holds a whole letter, its writer's name and note included.
            for row in letters:
                row["mailto"] = None
        text, _ = render(renderer.env, "index.html.j2", {
            "campaign": view, "lang": pl.lang or pl.campaign.language,
            "documents": out.documents if number == 1 else [], "letters": letters,
            "signers": pl.signer_count, "public": pl.public_count, "targets": targets,
            "letters_total": out.rows, "page": number, "pages": len(names),
            "page_files": names, "page_first": first, "page_links": [
                {"number": n, "file": names[n - 1]} for n in sorted({1, len(names), *range(
                    max(1, number - PAGE_LINKS_AROUND),
                    min(len(names), number + PAGE_LINKS_AROUND) + 1)})],
            "page_prev": names[number - 2] if number > 1 else None,
            "page_next": names[number] if number < len(names) else None,
        })
        first += len(letters)
        del letters
        yield name, (apply_csp(text, source="index.html.j2") if builtin  # our links
                     else renderer.checked_html(text, "index.html.j2"))


def _campaign_summary(pl: CampaignPlan) -> dict[str, Any]:
    return {"id": pl.campaign.id, "folder": pl.folder, "letters": len(pl.letters),
            "signers": pl.signer_count, "public_signers": pl.public_count,
            "dropped_duplicates": pl.dropped_duplicates, "file_count": _planned_count(pl)}
