"""``advocate merge SHARD_DIR... -o OUT``: the shards of one build joined into one output.

The result is the output of one unsharded ``advocate build`` of the same inputs, byte for
byte: the same files, one ``manifest.json`` and one ``index.html``. The merge reads each
shard's manifest (:mod:`advocate.shard` says what it records) and refuses, naming the shard
folder and what differs:

* shards of different campaigns, campaign files, signer lists, templates, options, dates or
  versions of advocate or WeasyPrint;
* a shard index missing, or given twice; a file claimed by two shards; a letter a shard
  should hold and does not, or holds and should not; a file changed since its shard wrote it;
* inputs (campaign, signer list, templates) that changed since the shards were built: the
  merge reads them again, from the paths the shards recorded (or where ``--campaign``,
  ``--signers`` and ``--templates`` say they are now), to render the documents (unless
  ``--documents-shard`` named a shard that did) and the index.

Then it runs :func:`advocate.build.build` with the letters taken from the shards instead of
rendered (copied, never hard-linked: a shard's file written to after the merge must not
change a merged letter; checked against the shards' manifests), so everything a build
guarantees holds: staged and published all at once, never into a template folder,
``--force`` as in build.

A shard's manifest is written by whoever wrote the shard, so what matters is also checked
against the campaign and the signer list the merge reads again (:mod:`advocate.shard_checks`):
each ``.eml`` draft's recipient and sender, and each "open in mail" link of
``shard-links.json`` (a ``mailto:`` to the target's own address only). Every line of a
shard's manifest and links file is read with a length limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from advocate.build import BuildOptions, BuildResult, Progress, build
from advocate.build.planning import CampaignPlan, Entry, plan
from advocate.errors import AdvocateError, Problem
from advocate.output.staging import STAGING_PREFIX
from advocate.pathlike import StrPath, as_optional_path, as_path
from advocate.shard import LINKS_FILE, file_sha256, shard_of, tree_sha256
from advocate.shard_checks import check_draft, check_mail_link, read_line

#: The largest shard manifest read (a million letters' entries are about 250 MB).
MAX_MANIFEST_BYTES = 4 << 30
_DOCUMENT_KINDS = ("brief", "petition", "sheet")
#: How the keys of a shard's record are named in messages.
_WHAT = {"advocate_version": "advocate version", "weasyprint_version": "WeasyPrint version",
         "date": "letter date (SOURCE_DATE_EPOCH or the day it was built)",
         "source_date_epoch": "SOURCE_DATE_EPOCH",
         "campaign": "campaign file", "templates": "templates", "signers": "signer list",
         "options": "options", "count": "number of shards",
         "documents_shard": "--documents-shard", "signers_count": "number of signers",
         "public_signers": "number of public signers",
         "campaigns": "campaigns of the build (in order)"}


@dataclass
class _Part:
    """One campaign folder of one shard."""

    where: Path  # the shard folder as given
    folder: str
    index: int
    count: int
    record: dict[str, Any]  # the manifest's "shard" object
    head: dict[str, Any]  # signers, public_signers

    def describe(self) -> str:
        return f"{self.where} (shard {self.index}/{self.count})"

    @property
    def manifest(self) -> Path:
        return self.where / self.folder / "manifest.json"

    def files(self) -> Generator[dict[str, Any], None, None]:
        """The manifest's entries, in its order, read one line at a time: a shard of a
        million letters is never held in memory (see :func:`_manifest_entries`)."""
        with _open(self.manifest) as handle:
            _manifest_head(handle, self.manifest)
            yield from _manifest_entries(handle, self.manifest)

    def links(self) -> Generator[tuple[str, list[Any]], None, None]:
        """The links file's (path, [link, form]), in its order, one line at a time."""
        path = self.where / self.folder / LINKS_FILE
        with _open(path) as handle:
            first = read_line(handle, path, "build this shard again")
            if first != b"{\n":
                raise _fail("not a shard's links file", path, "build this shard again")
            while line := read_line(handle, path, "build this shard again"):
                if line == b"}\n":
                    return
                if line == b"\n":  # the one line of a file with no links (PDF letters only)
                    continue
                item = _line_json(b"{" + line.rstrip(b"\n").rstrip(b",") + b"}", path)
                if not isinstance(item, dict) or len(item) != 1:
                    break
                yield next(iter(item.items()))
        raise _fail("not a shard's links file (cut short or changed)", path,
                    "build this shard again")


def _fail(message: str, where: Path | str, hint: str | None = None) -> AdvocateError:
    return AdvocateError(message, file=str(where), hint=hint)


def _open(path: Path) -> Any:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")
    except OSError as exc:
        raise _fail(f"cannot read: {exc.strerror}", path) from None


def _line_json(line: bytes, path: Path) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise _fail("not valid JSON", path,
                    "it was changed or cut short; build this shard again") from None


_FILES_LINE = b'  "files": [\n'
_MALFORMED = "a shard manifest with missing or malformed entries"


def _manifest_head(handle: Any, path: Path) -> dict[str, Any]:
    """The head of a shard manifest as a build writes it (one file per line), up to its
    files, which are left to read with :func:`_manifest_entries`."""
    head = [b"{"]
    if read_line(handle, path, "build this shard again") != b"{\n":
        raise _fail(_MALFORMED, path, "build this shard again")
    size = 0
    while True:
        line = read_line(handle, path, "build this shard again")
        size += len(line)
        if line == _FILES_LINE:
            break
        if not line or size > MAX_MANIFEST_BYTES:
            raise _fail(_MALFORMED, path, "build this shard again")
        head.append(line)
    data = _line_json(b"".join(head).rstrip().rstrip(b",") + b"}", path)
    if not isinstance(data, dict):
        raise _fail(_MALFORMED, path, "build this shard again")
    return data


def _manifest_entries(handle: Any, path: Path) -> Iterator[dict[str, Any]]:
    """The entries after the head, one line at a time (a line is one file)."""
    while line := read_line(handle, path, "build this shard again"):
        if line == b"  ]\n":
            if handle.read(3) != b"}\n":
                break
            return
        entry = _line_json(line.strip().rstrip(b","), path)
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            break
        yield entry
    raise _fail(_MALFORMED + " (cut short or changed)", path, "build this shard again")


def read_shard(where: Path) -> dict[str, _Part]:
    """The campaign folders of one shard folder, by folder name."""
    if not where.is_dir():
        raise _fail("shard folder not found", where, "give the -o folders of the shard builds")
    parts: dict[str, _Part] = {}
    for child in sorted(where.iterdir()):
        manifest = child / "manifest.json"
        if child.name.startswith(".") or not child.is_dir() or not manifest.is_file():
            continue
        with _open(manifest) as handle:
            data = _manifest_head(handle, manifest)  # the entries are read as the merge goes
        record = data.get("shard")
        if not isinstance(record, dict):
            raise _fail("not a shard: this manifest has no shard record", manifest,
                        "merge the output folders of `advocate build --shard K/N`")
        try:
            part = _Part(where, child.name, int(record["index"]), int(record["count"]),
                         record, {"signers_count": data["signers"],
                                  "public_signers": data["public_signers"]})
        except (KeyError, TypeError, ValueError):
            raise _fail("a shard manifest with missing or malformed entries", manifest,
                        "build this shard again") from None
        if data.get("campaign") != child.name:
            raise _fail("the manifest belongs to another folder", manifest)
        if not (child / LINKS_FILE).is_file():
            raise _fail("cannot read: No such file or directory", child / LINKS_FILE,
                        "build this shard again")
        parts[child.name] = part
    if not parts:
        if any(where.glob(f"{STAGING_PREFIX}*")):  # killed, or still running
            raise _fail("no shard output here, only the staging folder of a build that did "
                        "not finish", where, "build this shard again (and wait for it)")
        raise _fail("no shard output here (no <campaign>/manifest.json)", where,
                    "give the -o folders of `advocate build --shard K/N`")
    return parts


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return "none" if value is None else str(value)


def _differs(first: _Part, other: _Part) -> str | None:
    """What of ``other``'s record differs from ``first``'s, named for a message."""
    mine = {**other.record["inputs"], **other.head, "count": other.count,
            "documents_shard": other.record.get("documents_shard")}
    theirs = {**first.record["inputs"], **first.head, "count": first.count,
              "documents_shard": first.record.get("documents_shard")}
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key), theirs.get(key)
        if a == b:
            continue
        what = str(_WHAT.get(key, key))
        if key == "options" and isinstance(a, dict) and isinstance(b, dict):
            names = [name for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
            return "; ".join(f"option {name}: {_shown(a.get(name))} here, "
                             f"{_shown(b.get(name))} there" for name in names)
        if isinstance(a, dict) and isinstance(b, dict) and "sha256" in a:
            return f"{what} (its sha256 or path)"
        if key in ("signers", "templates", "campaign"):
            return what
        return f"{what}: {a} here, {b} there"
    return None  # the same build


@dataclass
class ShardSet:
    """The checked shards of one build, campaign folder by campaign folder: where the
    merge's :func:`~advocate.build.build` takes the letters (and maybe documents) from."""

    parts: dict[str, dict[int, _Part]]  # folder -> shard index -> part

    def _first(self, folder: str) -> _Part:
        return self.parts[folder][0]

    def documents(self, folder: str) -> list[tuple[Entry, bytes]] | None:
        owner = self._first(folder).record.get("documents_shard")
        if owner is None:
            return None
        part = self.parts[folder][owner]
        found: list[dict[str, Any]] = []
        with contextlib.closing(part.files()) as entries:
            for e in entries:  # the documents come first, then the letters
                if e.get("kind") not in _DOCUMENT_KINDS:
                    break
                found.append(e)
        return [(self._entry(e), self._read(part, e)) for e in found]

    def letters(self, pl: CampaignPlan, staging: Path) -> Iterator[tuple[Entry, bytes | None]]:
        """The letters, read from the shards and handed over to be written (copies, never
        hard links: appending to a shard's file after the merge changed the merged letter),
        each checked against its shard's manifest, and drafts and links against the
        campaign and signer list (:mod:`advocate.shard_checks`). Each shard's manifest and
        links are read along, a line at a time, in the plan's order."""
        count = self._first(pl.folder).count
        shards = self.parts[pl.folder]
        with contextlib.ExitStack() as closing:
            entries = {k: closing.enter_context(contextlib.closing(
                e for e in part.files() if e.get("kind") not in _DOCUMENT_KINDS))
                for k, part in shards.items()}
            links = {k: _Ahead(closing.enter_context(contextlib.closing(part.links())))
                     for k, part in shards.items()}
            for job in pl.letters:
                k = shard_of(job.index, count)
                part = shards[k]
                to = pl.campaign.target(job.target).email
                for fmt in job.formats:
                    path = f"{job.stem}.{fmt}"
                    found = next(entries[k], None)
                    if found is None or found["path"] != path:  # checked before the build
                        raise _fail(f"lacks {pl.folder}/{path}: its manifest changed during "
                                    "the merge", part.where, f"build {part.describe()} again")
                    entry = self._entry(found)
                    data = self._read(part, found)
                    where = part.where / part.folder / path
                    if fmt == "eml":
                        check_draft(data, to=to, where=where,
                                    sender=job.writer.email if job.writer else None)
                    if fmt == "txt":
                        value = links[k].take(path) or [None, "none"]
                        check_mail_link(value, to=to, letter=path,
                                        where=part.where / part.folder / LINKS_FILE)
                        mailto, form = value[:2]
                        entry.mailto, entry.mailto_form = mailto, form
                        entry.mailto_long = mailto is None
                    yield entry, data

    @staticmethod
    def _entry(e: dict[str, Any]) -> Entry:
        return Entry(str(e["path"]), str(e["kind"]), str(e["format"]), e.get("lang"),
                     e.get("target"), e.get("signer_row"))

    @classmethod
    def _read(cls, part: _Part, expected: dict[str, Any]) -> bytes:
        """A shard's file, checked against its manifest entry (never through a link)."""
        where = part.where / part.folder / expected["path"]
        data = cls._bytes(part, where, where)
        cls._check(part, expected, data)
        return data

    @staticmethod
    def _bytes(part: _Part, source: Path, where: Path) -> bytes:
        try:
            fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    raise _fail("not a regular file", where)
                return handle.read()
        except OSError as exc:
            raise _fail(f"cannot read this shard's file: {exc.strerror}", where,
                        f"{part.describe()} is incomplete; build it again") from None

    @staticmethod
    def _check(part: _Part, expected: dict[str, Any], data: bytes) -> None:
        if len(data) != expected.get("size") or \
                hashlib.sha256(data).hexdigest() != expected.get("sha256"):
            raise _fail("changed since its shard was built (size or sha256 differs from its "
                        "manifest)", part.where / part.folder / expected["path"],
                        f"build {part.describe()} again")


def check_shards(shard_dirs: Sequence[Path]) -> ShardSet:
    """Read the shard folders and refuse any set that is not one whole build."""
    if not shard_dirs:
        raise AdvocateError("no shard folders to merge", hint="give the shard folders")
    read = [(Path(d), read_shard(Path(d))) for d in shard_dirs]
    first_dir, first = read[0]
    for where, parts in read[1:]:
        if set(parts) != set(first):
            raise _fail(f"holds the campaign folder(s) {', '.join(sorted(parts))}, but "
                        f"{first_dir} holds {', '.join(sorted(first))}", where,
                        "merge only the shards of one build")
    by_folder: dict[str, dict[int, _Part]] = {}
    for folder in first:
        base = first[folder]
        shards: dict[int, _Part] = {}
        for where, parts in read:
            part = parts[folder]
            differs = _differs(base, part)
            if differs:
                raise _fail(f"not of the same build as {base.where} ({folder}): {differs}",
                            where, "build every shard from the same inputs and options, with "
                            "the same advocate and SOURCE_DATE_EPOCH")
            if part.index in shards:
                raise _fail(f"shard {part.index}/{part.count} is given twice: here and in "
                            f"{shards[part.index].where}", where, "give each shard folder once")
            shards[part.index] = part
        missing = [str(k) for k in range(base.count) if k not in shards]
        if missing:
            raise AdvocateError(
                f"{folder}: shard(s) {', '.join(missing)} of {base.count} missing",
                hint="give every shard's folder; shards are numbered from 0")
        by_folder[folder] = shards
    return ShardSet(by_folder)


class _Ahead:
    """A links file read along with the letters: a letter without a link has no line."""

    def __init__(self, items: Iterator[tuple[str, list[Any]]]) -> None:
        self.items, self.next = items, next(items, None)

    def take(self, path: str) -> list[Any] | None:
        if self.next is None or self.next[0] != path:
            return None
        found, self.next = self.next[1], next(self.items, None)
        return found


def _campaign_files(folders: list[str], records: list[Any], campaigns: list[Path]) -> list[Path]:
    """Each shard folder's campaign file (where read, or --campaign's by sha256), checked."""
    given: dict[str, Path] = {}
    for place in map(Path, campaigns):
        if not place.is_file():
            raise _fail("no such file", place, "give the campaign files the shards were built from")
        given[file_sha256(place)] = place
    paths: list[Path] = []
    for folder, record in zip(folders, records, strict=True):
        campaign = record["campaign"]
        if campaign.get("path") is None:
            raise AdvocateError("a shard's campaign has no file to read again",
                                hint="build the shards from campaign files")
        path = given.get(campaign["sha256"])
        if campaigns and path is None:
            raise _fail(f"no campaign file given is the one of {folder} (by its sha256)",
                        campaigns[0], "give every campaign the shards were built from")
        path = path or Path(campaign["path"])
        _check_input(campaign, "campaign file", path)
        paths.append(path)
    return paths


def _check_plan(shards: ShardSet, campaign: Any, signers: Any) -> None:
    """Each shard holds exactly the files it should (letters, and documents if it renders
    them): no more, no fewer, and none another shard holds. The whole plan is made once and
    dealt out by row; each shard's manifest is read along with it, a line at a time, both in
    the build's order (documents, then letters by row, target and format)."""
    parts = shards.parts[campaign.id]
    base = parts[0]
    options = base.record["inputs"]["options"]
    owner = base.record.get("documents_shard")
    whole = plan(campaign, signers, formats=options["formats"], lang=options.get("lang"),
                 documents=options["documents"] and owner is not None)
    documents = [job.path for job in whole.documents]
    key = _build_order(documents, campaign, options["formats"])

    def expected(index: int) -> Iterator[str]:
        if index == owner:
            yield from documents
        for job in whole.letters:
            if shard_of(job.index, base.count) == index:
                yield from (f"{job.stem}.{fmt}" for fmt in job.formats)

    for index, part in parts.items():
        with contextlib.closing(part.files()) as held:
            lacking, extra, counts = _differences(expected(index), held, key)
        for path in extra:  # another shard's letter: are they both claiming it?
            place = key(path)
            other = parts.get(shard_of(place[1], base.count)) \
                if place is not None and place[0] == 1 else None
            if other is not None and other is not part and \
                    any(e.get("path") == path for e in other.files()):
                first, second = sorted((part, other), key=lambda p: p.index)
                raise _fail(f"{campaign.id}/{path} is in two shards: here and in "
                            f"{first.where}", second.where,
                            "the shards overlap; build each with its own --shard K/N")
        if lacking or extra:
            name = (lacking or extra)[0]
            count = counts[0] if lacking else counts[1]
            raise _fail(f"{'lacks' if lacking else 'holds an unexpected'} "
                        f"{campaign.id}/{name}" + (f" (and {count - 1} more)" if count > 1
                                                   else ""), part.where,
                        f"{part.describe()} does not match its inputs; build it again")


_Key = Callable[[str], tuple[int, ...] | None]


def _build_order(documents: list[str], campaign: Any, formats: list[str]) -> _Key:
    """Where a path comes in the build's order: documents, letters by row, target and format."""
    order = {name: (0, i) for i, name in enumerate(documents)}
    targets = {t.id: i for i, t in enumerate(campaign.targets)}
    numbers = {fmt: i for i, fmt in enumerate(formats)}

    def key(path: str) -> tuple[int, ...] | None:
        if path in order:
            return order[path]
        stem, _, fmt = path.removeprefix("letters/").rpartition(".")
        copy = stem.endswith(".reading")  # a reading copy follows its letter
        stem = stem.removesuffix(".reading")
        row, _, target = stem.partition("-") if stem[:1].isdigit() else ("0", "", stem)
        if not path.startswith("letters/") or not row.isdigit() or target not in targets \
                or fmt not in numbers:
            return None
        return (1, int(row), targets[target], int(copy), numbers[fmt])

    return key


def _differences(wanted: Iterator[str], held: Iterator[Any],
                 key: _Key) -> tuple[list[str], list[str], list[int]]:
    """A shard's files against those it should hold (in the build's order): the first it
    lacks, the first it holds beyond them, and how many of each."""
    lacking, extra, counts = list[str](), list[str](), [0, 0]
    want = next(wanted, None)
    got = next(held, None)
    while want is not None or got is not None:
        path = None if got is None else str(got["path"])
        if want is not None and path == want:
            want, got = next(wanted, None), next(held, None)
            continue
        place = None if path is None else key(path)
        if path is not None and (want is None or place is None or place < (key(want) or ())):
            counts[1] += 1
            extra[:1] = extra[:1] or [path]
            got = next(held, None)
        else:
            assert want is not None
            counts[0] += 1
            lacking[:1] = lacking[:1] or [want]
            want = next(wanted, None)
    return lacking, extra, counts


def _check_input(record: dict[str, Any] | None, what: str, path: Path,
                 given: bool = False) -> None:
    """The input at ``path`` is the one the shards recorded (by its sha256)."""
    if record is None:
        return
    if not path.is_file():
        raise _fail(f"the {what} the shards were built from is not here", path,
                    f"merge where the shards' inputs are, at the same paths, or give the "
                    f"{what}'s new place (--campaign, --signers, --templates)")
    if file_sha256(path) != record.get("sha256"):
        if given:
            raise _fail(f"not the {what} the shards were built from (its sha256 differs)",
                        path, f"give the {what} the shards read")
        raise _fail(f"the {what} changed since the shards were built", path,
                    "build the shards again, or restore it")


def shards_clock(recorded: int | None) -> contextlib.AbstractContextManager[None]:
    """The merge's clock is the shards': what it renders (the documents' PDFs carry the
    instant) must be what one build with their ``SOURCE_DATE_EPOCH`` would have made. Unset
    here, it is taken from the shards; set to another value, the merge refuses."""
    from advocate.clock import epoch_seconds, pinned_epoch

    here = epoch_seconds()
    if here == recorded:
        return contextlib.nullcontext()
    if here is None and recorded is not None:
        return pinned_epoch(recorded)
    built = f"built with SOURCE_DATE_EPOCH={recorded}" if recorded is not None else \
        "built without SOURCE_DATE_EPOCH"
    raise AdvocateError(f"SOURCE_DATE_EPOCH is {here} here, but the shards were {built}",
                        hint="unset it (the merge takes the shards') or set it as for the shards")


def merge(shard_dirs: Sequence[StrPath], outdir: StrPath, *, force: bool = False,
          jobs: int | None = None, progress: Progress | None = None,
          dry_run: bool = False, campaigns: Sequence[StrPath] = (),
          signers: StrPath | None = None, templates: StrPath | None = None) -> BuildResult:
    """Join the shard folders into ``outdir``, as one unsharded build would have written it.

    The campaigns, signer list and templates are read again where the shards recorded them,
    or from ``campaigns``, ``signers`` and ``templates`` when they are elsewhere now (a
    campaign is matched to its shards by its sha256; each is checked against the record)."""
    return _merge([as_path(p) for p in shard_dirs], as_path(outdir), force=force, jobs=jobs,
                  progress=progress, dry_run=dry_run, campaigns=[as_path(p) for p in campaigns],
                  signers=as_optional_path(signers), templates=as_optional_path(templates))


def _merge(shard_dirs: list[Path], outdir: Path, *, force: bool, jobs: int | None,
           progress: Progress | None, dry_run: bool, campaigns: list[Path],
           signers: Path | None, templates: Path | None) -> BuildResult:
    from advocate.schema.campaign import load_campaign
    from advocate.signers.skipped import build_reports
    from advocate.signers.source import SignerSource
    from advocate.templates.host import template_roots

    target = Path(os.path.normcase(Path(outdir).resolve()))
    for where in shard_dirs:
        root = Path(os.path.normcase(Path(where).resolve()))
        if target.is_relative_to(root):
            raise _fail("refusing to write into or over a shard folder", outdir,
                        f"{where} is read by this merge; choose another output folder")
    shards = check_shards(shard_dirs)
    order = next(iter(shards.parts.values()))[0].record["inputs"].get("campaigns") or []
    folders = sorted(shards.parts, key=lambda f: order.index(f) if f in order else len(order))
    records = [shards.parts[folder][0].record["inputs"] for folder in folders]
    first = records[0]
    clock = shards_clock(first.get("source_date_epoch"))  # refused before any work
    paths = _campaign_files(folders, records, campaigns)
    recorded = first["templates"]["path"]
    folder_of_templates = templates or (Path(recorded) if recorded else None)
    loaded = [load_campaign(path) for path in paths]
    for record, campaign in zip(records, loaded, strict=True):
        if tree_sha256(template_roots(folder_of_templates, campaign.path)) != \
                record["templates"]["sha256"]:
            raise _fail("the templates are not those the shards were built with"
                        if templates else "the templates changed since the shards were built",
                        folder_of_templates or campaign.path or "templates",
                        "build the shards again, or give the templates they used")
    warnings: list[Problem] = []
    rows = None
    inputs: list[Path] = []
    reports: dict[str, bytes] = {}  # the rows --on-bad-row skip left out, as a build lists them
    source_record = first["signers"]
    if source_record is not None:
        source = SignerSource.from_record(source_record)
        if signers is not None:
            source = replace(source, path=Path(signers))
        _check_input(source_record, "signer list", source.path, given=signers is not None)
        rows, warnings = source.read(loaded)
        inputs.append(source.path)
        reports = build_reports(rows)
    elif signers is not None:
        raise AdvocateError("--signers given, but the shards were built without a signer list")
    for campaign in loaded:
        _check_plan(shards, campaign, rows)
    options = first["options"]
    with clock:
        result = build(paths, outdir, BuildOptions(
            templates=folder_of_templates, formats=tuple(options["formats"]),
            lang=options["lang"], paper=options["paper"], documents=options["documents"],
            site=options["site"], day=date.fromisoformat(first["date"]), jobs=jobs,
            force=force, dry_run=dry_run), signers=rows, progress=progress, inputs=inputs,
            from_shards=shards, reports=reports)
    result.warnings[:0] = [w for w in warnings if w not in result.warnings]
    return result

