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
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advocate import limits
from advocate.build.index_pages import index_stream, rendered_index
from advocate.build.letters import _LetterRun
from advocate.build.output import (
    _campaign_summary,
    _CampaignOutput,
    _previous_files,
    _shard_record,
)
from advocate.build.planning import (
    ALL_LETTER_FORMATS,
    LETTER_FORMATS,
    BuildOptions,
    CampaignPlan,
    Entry,
    PlannedPaths,
    _site_languages,
    _writes_site,
    plan,
)
from advocate.clock import today
from advocate.errors import AdvocateError, Problem
from advocate.pathlike import StrPath, as_optional_path, as_path
from advocate.render.documents import Renderer
from advocate.render.preflight import font_problems
from advocate.schema.campaign import Campaign, load_campaign_checked

if TYPE_CHECKING:
    from advocate.signers.source import SignerSource

__all__ = ["ALL_LETTER_FORMATS", "LETTER_FORMATS", "BuildOptions", "BuildResult",
           "CampaignPlan", "Entry", "Progress", "ShardFiles", "build", "check_formats", "plan"]

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
    """The phases of a build: inputs checked, campaigns loaded and planned (nothing written
    yet), then each campaign rendered into the staging folder, published all at once."""
    from advocate.output.staging import StagedOutput

    _check_inputs(campaign_paths, outdir, options, signers, signer_source, inputs)
    started = time.monotonic()
    result = BuildResult(outdir, dry_run=options.dry_run)
    result.warnings.extend(p for p in notices if p not in result.warnings)
    reports = dict(reports or {})
    loaded = _load_campaigns(campaign_paths, options, signers, result)
    plans = _plan_campaigns(loaded, signers, options, result)
    every_path = PlannedPaths(plans, [*_site_paths(plans, options), *reports])
    _refuse_warnings(result, options.strict)
    if options.dry_run:  # the same shape as a build's, but mailto: is known only once rendered
        result.files = every_path
        result.campaigns = [{**_campaign_summary(pl), "mailto": None} for pl in plans]
        result.letters = sum(len(pl.letters) for pl in plans)
        result.seconds = time.monotonic() - started
        return result

    options = replace(options, day=options.day or today())
    with StagedOutput(outdir, force=options.force) as stage, \
            contextlib.ExitStack() as closing:
        run = _CampaignRun(stage, closing, options, result, signers, signer_source, loaded,
                           from_shards, _Ticks(len(every_path), progress))
        result.warnings.extend(stage.notes)
        stage.planned(every_path)
        if options.force:
            _replace_previous(stage, outdir, plans, options, result)
        for pl in plans:
            run.campaign(pl)
        for name, data in reports.items():
            stage.add(name, data)
        result.files = every_path if os.sep == "/" else [str(Path(p)) for p in every_path]
        _refuse_warnings(result, options.strict)  # inside the stage: nothing is published
        clock = time.monotonic()
    result.phases["publish"] = time.monotonic() - clock
    result.seconds = time.monotonic() - started
    return result


def _check_inputs(campaign_paths: list[Path], outdir: Path, options: BuildOptions,
                  signers: Sequence[Any] | None, signer_source: SignerSource | None,
                  inputs: list[Path]) -> None:
    """Refused before anything is read: unknown formats, a shard that cannot record its
    signers, an output folder onto an input or into a template folder."""
    from advocate.output.files import guard_output
    from advocate.templates.host import template_roots

    check_formats(options.formats)
    if options.shard is not None and signers and signer_source is None:
        raise AdvocateError("a sharded build records where its signer list comes from",
                            hint="pass signer_source (advocate.signers.source.SignerSource)")
    for path in campaign_paths:  # never into a pack's templates (or ours), never onto an input
        guard_output(outdir, inputs=[*campaign_paths, *inputs],
                     forbidden_dirs=template_roots(options.templates, path))


def _load_campaigns(campaign_paths: list[Path], options: BuildOptions,
                    signers: Sequence[Any] | None, result: BuildResult) -> list[Campaign]:
    """Every campaign validated, and the signers' details checked against the fonts,
    before anything is written: every problem at once."""
    loaded: list[Campaign] = []
    problems: list[Problem] = []
    for path in campaign_paths:
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
    if signers and ("pdf" in options.formats or options.documents):  # know before rendering
        for campaign in loaded:
            found = font_problems(signers, campaign_path=campaign.path,
                                  templates=options.templates,
                                  petition_only="pdf" not in options.formats)
            problems.extend(p for p in found if p.severity == "error" and p not in problems)
            result.warnings.extend(p for p in found if p.severity == "warning"
                                   and p not in result.warnings)
    if problems:
        raise AdvocateError(problems=problems)
    return loaded


def _plan_campaigns(loaded: list[Campaign], signers: Sequence[Any] | None,
                    options: BuildOptions, result: BuildResult) -> list[CampaignPlan]:
    try:
        plans = [plan(c, signers, formats=options.formats, documents=options.documents,
                      shard=options.shard, lang=options.lang) for c in loaded]
    except AdvocateError as exc:  # --lang in no campaign's languages
        raise AdvocateError(problems=exc.problems) from None
    for pl in plans:
        result.warnings.extend(pl.warnings)
    return plans


def _site_paths(plans: list[CampaignPlan], options: BuildOptions) -> list[str]:
    """The action page's files (advocate.site) in each campaign's folder, under site/."""
    if not options.site:
        return []
    from advocate.site import SITE_FILES

    return [f"{pl.folder}/{folder}/{name}" for pl in plans if _writes_site(pl)
            for _, folder in _site_languages(pl, options.lang) for name in SITE_FILES]


def _replace_previous(stage: Any, outdir: Path, plans: list[CampaignPlan],
                      options: BuildOptions, result: BuildResult) -> None:
    """With --force: the files the previous build wrote go, unless written again."""
    for pl in plans:
        stage.replace(_previous_files(outdir, pl.folder, result.warnings))
        if options.site and _writes_site(pl):
            from advocate.site import SITE_FILES

            stage.replace(f"{pl.folder}/{folder}/{name}"
                          for _, folder in _site_languages(pl, options.lang)
                          for name in SITE_FILES
                          if (outdir / pl.folder / folder / name).is_file())


class _Ticks:
    """The build's progress: files done of all it will write."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def __call__(self, count: int = 1) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done, self.total)


class _CampaignRun:
    """One campaign after another into the staging folder, phase by phase: its documents,
    its letters, its index and manifest, its action page."""

    def __init__(self, stage: Any, closing: contextlib.ExitStack, options: BuildOptions,
                 result: BuildResult, signers: Sequence[Any] | None,
                 signer_source: SignerSource | None, loaded: Sequence[Campaign],
                 from_shards: ShardFiles | None, tick: _Ticks) -> None:
        self.stage, self.closing, self.options, self.result = stage, closing, options, result
        self.signers, self.signer_source, self.loaded = signers, signer_source, loaded
        self.from_shards, self.tick = from_shards, tick
        self.workers = max(1, options.jobs or os.cpu_count() or 1)

    def campaign(self, pl: CampaignPlan) -> None:
        options, result = self.options, self.result
        assert options.day is not None  # set by _build
        renderer = Renderer(pl.campaign, templates=options.templates, day=options.day,
                            paper=options.paper,  # type: ignore[arg-type]
                            petition_workers=min(self.workers, 2))  # a long petition: parts
        record = _shard_record(pl, options.templates,
                               self.signer_source if self.signers else None, options.formats,
                               options.lang, options.paper, options.documents, options.site,
                               options.day, self.loaded)
        # Advocate's own index is written as the letters come (not a merge's: its rows come
        # from the shards' manifests); else spooled and rendered after them.
        index = (lambda documents: index_stream(self.stage, pl, renderer, documents)) \
            if self.from_shards is None else None
        out = self.closing.enter_context(_CampaignOutput(self.stage, pl, record, index))
        clock = time.monotonic()
        if self._documents(pl, renderer, out):
            limits.give_back_memory()  # what the PDF renders freed, before the workers start
        result.phases["documents"] = result.phases.get("documents", 0.0) + \
            time.monotonic() - clock
        # The workers start only now: beside a long petition render they would take
        # the memory of all processes together past its budget (300 MiB).
        clock = time.monotonic()
        self._letters(pl, renderer, out)
        result.phases["letters"] = result.phases.get("letters", 0.0) + \
            time.monotonic() - clock
        result.letters += len(pl.letters)
        clock = time.monotonic()  # after the last letter: what is left of the index, manifest
        mailto_forms = self._index_and_manifest(pl, renderer, out)
        result.phases["index"] = result.phases.get("index", 0.0) + time.monotonic() - clock
        if options.site and _writes_site(pl):
            self._site(pl)
        summary = {**_campaign_summary(pl), "mailto": mailto_forms}
        if pl.shard is not None:
            summary["shard"] = str(pl.shard)
        result.campaigns.append(summary)

    def _keep(self, out: _CampaignOutput, entry: Entry, data: bytes | None) -> None:
        """A file of the campaign's into the staging folder and its manifest."""
        folder = out.pl.folder
        if data is None:  # a worker wrote it into the staging folder
            self.stage.adopt(f"{folder}/{entry.path}")
        else:
            entry.sha256 = hashlib.sha256(data).hexdigest()
            entry.size = len(data)
            self.stage.put(f"{folder}/{entry.path}", data)
        if entry.warnings:
            self.result.warnings.extend(w for w in entry.warnings
                                        if w not in self.result.warnings)
        out.add(entry)
        self.tick()

    def _documents(self, pl: CampaignPlan, renderer: Renderer, out: _CampaignOutput) -> bool:
        """The brief, petition and sheet: rendered here, or copied from the shard that was
        told to render them. Whether any was rendered here."""
        shards = self.from_shards
        copied = shards.documents(pl.folder) if shards and pl.documents else None
        for entry, data in copied or []:  # rendered once, by the shard that was told to
            self._keep(out, entry, data)
        for job in pl.documents if copied is None else []:
            document = (renderer.brief(job.lang) if job.kind == "brief" else
                        renderer.sheet(job.lang) if job.kind == "sheet" else
                        renderer.petition(self.signers, job.lang,
                                          for_pdf=job.format == "pdf"))
            data, found = renderer.file_result([document], job.format)
            self.result.warnings.extend(w for w in (*document.warnings, *found)
                                        if w not in self.result.warnings)
            self._keep(out, Entry(job.path, job.kind, job.format, document.lang), data)
        return copied is None and bool(pl.documents)

    def _letters(self, pl: CampaignPlan, renderer: Renderer, out: _CampaignOutput) -> None:
        if self.from_shards is not None:
            for entry, copied_letter in self.from_shards.letters(pl, self.stage.staging):
                self._keep(out, entry, copied_letter)
            return
        options = self.options
        assert options.day is not None  # set by _build
        # Each letter in its target's language, whatever --lang says of the documents.
        with _LetterRun(pl, renderer, options.templates, options.day, options.paper,
                        self.workers, None, self.stage.staging) as letters:
            out.prepare_rows()  # while the workers start
            for entry, letter in letters:
                self._keep(out, entry, letter)

    def _index_and_manifest(self, pl: CampaignPlan, renderer: Renderer,
                            out: _CampaignOutput) -> dict[str, int]:
        """The index pages (a shard's links instead) and the manifest; the mailto: forms
        the letters' links took."""
        out.end_rows()
        if out.too_long:
            self.result.warnings.append(Problem(
                f"{pl.folder}: {out.too_long} letter(s) have no mailto: link: even the "
                "subject alone is longer than some mail clients accept (2,000 characters)",
                hint="use the .eml drafts for those letters", severity="warning"))
        mailto_forms = {form: out.forms[form] for form in
                        ("full", "titles", "short", "subject", "none") if out.forms[form]}
        if pl.shard is not None:  # the merge writes the index, from every shard's links
            out.finish_links()
            self.tick()
        elif out.index is not None:  # written as the letters came: staged, not yet listed
            for name, sha256, size in out.index.finish():
                self._keep(out, Entry(name, "index", "html", sha256=sha256, size=size), None)
        else:
            for name, page in rendered_index(renderer, pl, out.documents, out.rows,
                                          out.read_rows()):
                self._keep(out, Entry(name, "index", "html"), page.encode("utf-8"))
        out.finish_manifest()
        self.tick()
        return mailto_forms

    def _site(self, pl: CampaignPlan) -> None:
        from advocate.site import build_site

        for page_lang, folder in _site_languages(pl, self.options.lang):
            built = build_site(pl.campaign, templates=self.options.templates, lang=page_lang,
                               paper=self.options.paper)
            self.result.warnings.extend(w for w in built.warnings
                                        if w not in self.result.warnings)
            for name, data in built.files.items():
                self.stage.add(f"{pl.folder}/{folder}/{name}", data)


def _refuse_warnings(result: BuildResult, strict: bool) -> None:
    """``strict``: the build's warnings so far, raised as errors."""
    if strict and result.warnings:
        raise AdvocateError(problems=[replace(w, severity="error") for w in result.warnings])
