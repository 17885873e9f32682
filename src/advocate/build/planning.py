"""What a build will write, known before anything renders: the letter and document jobs
of each campaign, their paths and the languages of its documents."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advocate.errors import Problem
from advocate.render.writer import Writer
from advocate.schema.campaign import Campaign
from advocate.shard import LINKS_FILE, Shard

if TYPE_CHECKING:
    pass

LETTER_FORMATS = ("txt", "eml", "pdf")
#: The ``"schema"`` of every manifest.json (see :mod:`advocate.json_output`).
MANIFEST_SCHEMA = "manifest-1.schema.json"
#: Every format a letter can be written in (``--formats``).
ALL_LETTER_FORMATS = ("txt", "eml", "pdf", "md", "html")

#: Letter rows on one page of the index: a build with more writes ``index.html`` and then
#: ``index-2.html``, ``index-3.html``... (a build with fewer, one ``index.html`` as ever).
INDEX_PAGE_ROWS = 2000


def index_page_names(letter_rows: int) -> list[str]:
    """The index pages' file names for ``letter_rows`` rows (one row per signer and target)."""
    pages = max(1, -(-letter_rows // INDEX_PAGE_ROWS))
    return ["index.html", *(f"index-{number}.html" for number in range(2, pages + 1))]


@dataclass(frozen=True)
class BuildOptions:
    """How to build: what decides the output (what a shard's manifest records of its
    inputs, and what ``advocate merge`` builds again with) and how the build runs."""

    #: A template pack (``--templates DIR``); None: beside the campaign, then advocate's.
    templates: Path | None = None
    #: The letters' formats (``--formats``), of :data:`ALL_LETTER_FORMATS`.
    formats: tuple[str, ...] = LETTER_FORMATS
    #: The documents' language (``--lang``); None: every language of the campaign.
    lang: str | None = None
    paper: str = "a4"
    #: The brief, petition and sheet too (False: only letters, index and manifest).
    documents: bool = True
    #: The action page (``--site``), in each campaign's folder.
    site: bool = False
    #: The letters' date (None: today, or ``SOURCE_DATE_EPOCH``).
    day: date | None = None
    #: Only this shard's letters (:mod:`advocate.shard`); its manifest records the inputs.
    shard: Shard | None = None
    #: Worker processes (None: one per core).
    jobs: int | None = None
    #: Replace what a previous build wrote in the output folder.
    force: bool = False
    #: Plan and check only: what would be written, nothing written.
    dry_run: bool = False
    #: Any warning is an error: nothing is written.
    strict: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "formats", tuple(self.formats))  # a list given: one shape


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
    #: A letter's reference, when its render knew it (else the manifest computes it).
    reference: str | None = None
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

    @cached_property
    def index_rows(self) -> int:
        """The index's rows: one per signer and target (a reading copy is on its letter's
        row, so it adds no row and no page)."""
        count, last = 0, None
        for job in self.letters:
            key = (job.writer.row if job.writer else None, job.target)
            if key != last:
                count, last = count + 1, key
        return count

    @property
    def index_names(self) -> list[str]:
        """The index pages' file names, for :attr:`index_rows` rows."""
        return index_page_names(self.index_rows)


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
    last = [LINKS_FILE] if plan_.sharded else plan_.index_names  # the merge's
    yield from (f"{plan_.folder}/{name}" for name in last)
    yield f"{plan_.folder}/manifest.json"


def _planned_count(plan_: CampaignPlan) -> int:
    last = 1 if plan_.sharded else len(plan_.index_names)
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
