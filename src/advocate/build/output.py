"""What a build writes besides the letters: each campaign's manifest and index pages, the
previous build's files to clear, and what a shard records of its inputs."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advocate.errors import AdvocateError, Problem
from advocate.output.staging import open_staged
from advocate.reference import letter_reference
from advocate.schema.campaign import Campaign
from advocate.shard import LINKS_FILE

if TYPE_CHECKING:
    from advocate.build.index_pages import IndexStream
    from advocate.signers.source import SignerSource
from advocate.build.planning import (
    MANIFEST_SCHEMA,
    CampaignPlan,
    Entry,
    _planned_count,
)


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


#: ``json.dumps(value, ensure_ascii=False)``, its encoder made once (a line or two of every
#: letter's goes through it; dumps makes a new encoder for each call given options).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode

class _CampaignOutput:
    """One campaign's manifest (and a shard's links file) written as its files come, and its
    index rows written into the index pages as they come (what ``index`` makes, when its first
    row is in: the documents are then known, and the letters' workers busy), or spooled to a
    file in the staging folder: only counts stay in memory, so a build of a million letters
    needs no more memory than one of a thousand."""

    def __init__(self, stage: Any, pl: CampaignPlan, record: dict[str, Any] | None,
                 index: Callable[[list[dict[str, Any]]], IndexStream | None] | None = None
                 ) -> None:
        self.stage, self.pl = stage, pl
        self.too_long = 0
        self.forms = dict.fromkeys(("full", "titles", "short", "subject", "none"), 0)
        self.documents: list[dict[str, Any]] = []  # the index's first page links them
        #: The index pages written as the rows come, once the first is in (or None).
        self.index: IndexStream | None = None
        self._make_index = index
        self._rows_go = pl.shard is None  # a shard's index is the merge's
        self._decided = False
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

    def __enter__(self) -> _CampaignOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        """Closed whatever happened (on an error the staging folder goes, and they in it)."""
        for handle in (self._manifest, self._links_file, self._spool, self.index):
            if handle is not None:
                handle.close()

    def add(self, entry: Entry) -> None:
        """One more file of the campaign, in the order of the manifest."""
        reference = (entry.reference or letter_reference(
            self.pl.campaign.id, entry.target, entry.signer_row)) \
            if entry.kind == "letter" and entry.target else None
        line = _ENCODE({
            "path": entry.path, "sha256": entry.sha256, "size": entry.size, "kind": entry.kind,
            "format": entry.format, "lang": entry.lang, "target": entry.target,
            "signer_row": entry.signer_row, "reference": reference})
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
        if entry.kind not in ("letter", "reading-copy") or not self._rows_go:
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

    def prepare_rows(self) -> None:
        """The documents are in, the letters' workers starting: the index's pages set up now,
        while the process waits for their first letters, not when those come."""
        if self._rows_go and not self._decided:
            self._decide()
            if self.index is not None:
                self.index.start()

    def _decide(self) -> None:
        """Where the rows go: into the index pages as they come, else into a spool."""
        self._decided = True
        if self._make_index is not None:
            self.index = self._make_index(self.documents)
        if self.index is None:
            fd, self.spool = tempfile.mkstemp(prefix=".index-rows-", suffix=".jsonl",
                                              dir=self.stage.staging)
            self._spool = os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 16)

    def _flush(self) -> None:
        if self._row is not None:
            if not self._decided:
                self._decide()
            if self.index is not None:
                self.index.add(self._row)
            else:
                self._spool.write(_ENCODE(self._row) + "\n")
            self.rows += 1
            self._row = None

    def end_rows(self) -> None:
        """Every letter is in: the spool of index rows is complete."""
        self._flush()
        self._key = None
        if self._rows_go and not self._decided:  # no letter at all
            self._decide()
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


def _campaign_summary(pl: CampaignPlan) -> dict[str, Any]:
    return {"id": pl.campaign.id, "folder": pl.folder, "letters": len(pl.letters),
            "signers": pl.signer_count, "public_signers": pl.public_count,
            "dropped_duplicates": pl.dropped_duplicates, "file_count": _planned_count(pl)}
