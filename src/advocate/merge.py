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
rendered (hard-linked where one file system holds both, else copied; checked against the
shards' manifests either way), so everything a build guarantees holds: staged and published
all at once, never into a template folder, ``--force`` as in build.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from advocate.build import BuildResult, CampaignPlan, Entry, Progress, build, plan
from advocate.errors import AdvocateError, Problem
from advocate.shard import LINKS_FILE, file_sha256, shard_of, tree_sha256

#: The largest shard manifest read (a million letters' entries are about 250 MB).
MAX_MANIFEST_BYTES = 4 << 30
_DOCUMENT_KINDS = ("brief", "petition", "sheet")
#: How the keys of a shard's record are named in messages.
_WHAT = {"advocate_version": "advocate version", "weasyprint_version": "WeasyPrint version",
         "date": "letter date (SOURCE_DATE_EPOCH or the day it was built)",
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
    files: dict[str, dict[str, Any]]  # path -> manifest entry, in the manifest's order
    links: dict[str, list[Any]] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.where} (shard {self.index}/{self.count})"


def _fail(message: str, where: Path | str, hint: str | None = None) -> AdvocateError:
    return AdvocateError(message, file=str(where), hint=hint)


def _read_json(path: Path, limit: int) -> Any:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise _fail(f"cannot read: {exc.strerror}", path) from None
    if len(raw) > limit:
        raise _fail("too large to be a shard's manifest", path)
    try:
        return json.loads(raw)
    except ValueError:
        raise _fail("not valid JSON", path,
                    "it was changed or cut short; build this shard again") from None


def read_shard(where: Path) -> dict[str, _Part]:
    """The campaign folders of one shard folder, by folder name."""
    if not where.is_dir():
        raise _fail("shard folder not found", where, "give the -o folders of the shard builds")
    parts: dict[str, _Part] = {}
    for child in sorted(where.iterdir()):
        manifest = child / "manifest.json"
        if child.name.startswith(".") or not child.is_dir() or not manifest.is_file():
            continue
        data = _read_json(manifest, MAX_MANIFEST_BYTES)
        record = data.get("shard") if isinstance(data, dict) else None
        if not isinstance(record, dict):
            raise _fail("not a shard: this manifest has no shard record", manifest,
                        "merge the output folders of `advocate build --shard K/N`")
        try:
            part = _Part(where, child.name, int(record["index"]), int(record["count"]),
                         record, {"signers_count": data["signers"],
                                  "public_signers": data["public_signers"]},
                         {str(e["path"]): e for e in data["files"]})
        except (KeyError, TypeError, ValueError):
            raise _fail("a shard manifest with missing or malformed entries", manifest,
                        "build this shard again") from None
        if data.get("campaign") != child.name:
            raise _fail("the manifest belongs to another folder", manifest)
        links = _read_json(child / LINKS_FILE, MAX_MANIFEST_BYTES)
        if not isinstance(links, dict):
            raise _fail("not a shard's links file", child / LINKS_FILE, "build this shard again")
        part.links = links
        parts[child.name] = part
    if not parts:
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
        return [(self._entry(e), self._read(part, path)) for path, e in part.files.items()
                if e.get("kind") in _DOCUMENT_KINDS]

    def letters(self, pl: CampaignPlan, staging: Path) -> Iterator[tuple[Entry, bytes | None]]:
        """The letters, hard-linked from the shards into the staging folder where the file
        system allows (no second copy on disk; twice as fast as copying here), else read and
        handed over to be written; checked against the shards' manifests either way."""
        count = self._first(pl.folder).count
        shards = self.parts[pl.folder]
        link = True
        made: set[str] = set()
        for job in pl.letters:
            part = shards[shard_of(job.index, count)]
            for fmt in job.formats:
                path = f"{job.stem}.{fmt}"
                entry = self._entry(part.files[path])  # there: checked before the build
                if fmt == "txt":
                    mailto, form = (part.links.get(path) or [None, "none"])[:2]
                    entry.mailto, entry.mailto_form = mailto, form
                    entry.mailto_long = mailto is None
                if link:
                    staged = os.path.join(staging, pl.folder, *path.split("/"))
                    folder = os.path.dirname(staged)
                    if folder not in made:
                        os.makedirs(folder, exist_ok=True)
                        made.add(folder)
                    link = self._link(part, path, staged)
                    if link:
                        entry.sha256, entry.size = part.files[path]["sha256"], \
                            part.files[path]["size"]
                        yield entry, None
                        continue
                yield entry, self._read(part, path)

    @classmethod
    def _link(cls, part: _Part, path: str, staged: str) -> bool:
        """Hard-link a shard's file into the staging folder and check what is there now;
        False (nothing linked) if this file system cannot."""
        where = part.where / part.folder / path
        try:
            if not stat.S_ISREG(os.lstat(where).st_mode):
                raise _fail("not a regular file", where, f"build {part.describe()} again")
            os.link(where, staged, follow_symlinks=False)
        except FileNotFoundError:
            raise _fail("cannot read this shard's file: it is missing", where,
                        f"{part.describe()} is incomplete; build it again") from None
        except OSError:
            return False  # another file system, or no hard links here: copy instead
        cls._check(part, path, cls._bytes(part, Path(staged), where))
        return True

    @staticmethod
    def _entry(e: dict[str, Any]) -> Entry:
        return Entry(str(e["path"]), str(e["kind"]), str(e["format"]), e.get("lang"),
                     e.get("target"), e.get("signer_row"))

    @classmethod
    def _read(cls, part: _Part, path: str) -> bytes:
        """A shard's file, checked against its manifest entry (never through a link)."""
        where = part.where / part.folder / path
        data = cls._bytes(part, where, where)
        cls._check(part, path, data)
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
    def _check(part: _Part, path: str, data: bytes) -> None:
        expected = part.files[path]
        if len(data) != expected.get("size") or \
                hashlib.sha256(data).hexdigest() != expected.get("sha256"):
            raise _fail("changed since its shard was built (size or sha256 differs from its "
                        "manifest)", part.where / part.folder / path,
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
        owner: dict[str, _Part] = {}
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
            for path in part.files:
                if path in owner:
                    raise _fail(f"{folder}/{path} is in two shards: here and in "
                                f"{owner[path].where}", where,
                                "the shards overlap; build each with its own --shard K/N")
                owner[path] = part
        missing = [str(k) for k in range(base.count) if k not in shards]
        if missing:
            raise AdvocateError(
                f"{folder}: shard(s) {', '.join(missing)} of {base.count} missing",
                hint="give every shard's folder; shards are numbered from 0")
        by_folder[folder] = shards
    return ShardSet(by_folder)


def _check_plan(shards: ShardSet, campaign: Any, signers: Any) -> None:
    """Each shard holds exactly the files it should (letters, and documents if it renders
    them): no more, no fewer. The whole plan is made once and dealt out by row."""
    parts = shards.parts[campaign.id]
    base = parts[0]
    options = base.record["inputs"]["options"]
    owner = base.record.get("documents_shard")
    whole = plan(campaign, signers, formats=options["formats"],
                 documents=options["documents"] and owner is not None)
    expected: dict[int, set[str]] = {index: set() for index in parts}
    if owner is not None:
        expected[owner] |= {f"{kind}.{fmt}" for kind, fmt in whole.documents}
    for job in whole.letters:
        expected[shard_of(job.index, base.count)].update(
            f"{job.stem}.{fmt}" for fmt in job.formats)
    for index, part in parts.items():
        paths = expected[index]
        extra, lacking = set(part.files) - paths, paths - set(part.files)
        if lacking or extra:
            name = sorted(lacking or extra)[0]
            count = len(lacking or extra)
            raise _fail(f"{'lacks' if lacking else 'holds an unexpected'} "
                        f"{campaign.id}/{name}" + (f" (and {count - 1} more)" if count > 1
                                                   else ""), part.where,
                        f"{part.describe()} does not match its inputs; build it again")


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


def merge(shard_dirs: Sequence[Path], outdir: Path, *, force: bool = False,
          jobs: int | None = None, progress: Progress | None = None,
          dry_run: bool = False, campaigns: Sequence[Path] = (), signers: Path | None = None,
          templates: Path | None = None) -> BuildResult:
    """Join the shard folders into ``outdir``, as one unsharded build would have written it.

    The campaigns, signer list and templates are read again where the shards recorded them,
    or from ``campaigns``, ``signers`` and ``templates`` when they are elsewhere now (a
    campaign is matched to its shards by its sha256; each is checked against the record)."""
    from advocate.schema.campaign import load_campaign
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
    given: dict[str, Path] = {}
    for place in map(Path, campaigns):
        if not place.is_file():
            raise _fail("campaign file not found", place,
                        "give the campaign files the shards were built from")
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
    source_record = first["signers"]
    if source_record is not None:
        source = SignerSource.from_record(source_record)
        if signers is not None:
            source = replace(source, path=Path(signers))
        _check_input(source_record, "signer list", source.path, given=signers is not None)
        rows, warnings = source.read(loaded)
        inputs.append(source.path)
    elif signers is not None:
        raise AdvocateError("--signers given, but the shards were built without a signer list")
    for campaign in loaded:
        _check_plan(shards, campaign, rows)
    options = first["options"]
    result = build(paths, outdir, signers=rows, templates=folder_of_templates, jobs=jobs,
                   force=force, dry_run=dry_run, lang=options["lang"], paper=options["paper"],
                   formats=options["formats"], progress=progress,
                   documents=options["documents"], site=options["site"], inputs=inputs,
                   day=date.fromisoformat(first["date"]), from_shards=shards)
    result.warnings[:0] = [w for w in warnings if w not in result.warnings]
    return result

