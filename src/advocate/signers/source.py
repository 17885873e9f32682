"""Where a signer list comes from and how it is read: the file and the reading options.

A :class:`SignerSource` is what ``--signers FILE`` with ``--encoding``, ``--dedupe``,
``--columns``, ``--sheet-name``, ``--max-signers-size`` and ``--on-bad-row``
stand for. The CLI builds one and
reads it; a sharded build records it (path, options, the file's sha256) in each shard's
manifest, and ``advocate merge`` reads the same list again the same way from that record.
A campaign's ``signers:`` section fills in the columns and the sheet when no option does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from advocate.errors import Problem
from advocate.signers.read import MAX_BYTES, BadRow, SignerList, SignerReader, parse_size
from advocate.signers.rules import Dedupe


@dataclass(frozen=True)
class SignerSource:
    """A signer list's file and the options it is read with (all as the user gave them)."""

    path: Path
    encoding: str | None = None
    dedupe: Dedupe = "error"
    columns: str | None = None  # a --columns mapping, e.g. name="Full Name",email=Mail
    sheet: str | None = None
    max_size: str | None = None  # e.g. 200M
    on_bad_row: BadRow = "error"  # skip: leave bad rows out, and report them

    def reader(self, campaigns: Sequence[Any] = (),
               languages: Sequence[str] = ()) -> SignerReader:
        """A reader set up from the options, then from the campaigns' ``signers:`` sections."""
        from advocate.signers.columns import parse_columns

        mapping: Mapping[str, str | Sequence[str]] | None = (
            parse_columns(self.columns) if self.columns is not None else None)
        sheet = self.sheet
        for campaign in campaigns:
            section = getattr(campaign, "signers", None)
            if section is not None:
                if mapping is None and section.columns:
                    mapping = dict(section.columns)
                sheet = sheet if sheet is not None else section.sheet
                break
        langs = [*languages, *(lang for c in campaigns for lang in c.languages)]
        return SignerReader(self.path, encoding=self.encoding, dedupe=self.dedupe,
                            columns=mapping, sheet=sheet, languages=langs,
                            on_bad_row=self.on_bad_row,
                            max_bytes=parse_size(self.max_size) if self.max_size else MAX_BYTES)

    def read(self, campaigns: Sequence[Any] = ()) -> tuple[SignerList, list[Problem]]:
        """Every signer (duplicates dropped as ``dedupe`` says) and the reader's notices."""
        reader = self.reader(campaigns)
        rows = SignerList.of(reader)
        return rows, list(reader.stats.notices)

    def rows(self, campaigns: Sequence[Any] = (), *,
             compact: bool = False) -> tuple[Any, list[Problem], list[Problem]]:
        """The signers (duplicates dropped as ``dedupe`` says; ``compact``: only what a
        petition prints, so a million rows fit), the reader's notices, and the rows
        ``on_bad_row="skip"`` left out (row, column and reason, never the content)."""
        reader = self.reader(campaigns)
        if compact:
            from advocate.signers.compact import PetitionSigners

            rows: Any = PetitionSigners.of(reader)
        else:
            rows = SignerList.of(reader)
        return rows, list(reader.stats.notices), skipped_problems_of(reader)

    def record(self) -> dict[str, Any]:
        """The options as plain data (the path as an absolute path), for a shard's manifest."""
        data = asdict(self)
        data["path"] = str(Path(self.path).absolute())
        return data

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> SignerSource:
        return cls(path=Path(data["path"]), encoding=data.get("encoding"),
                   dedupe=data.get("dedupe", "error"), columns=data.get("columns"),
                   sheet=data.get("sheet"), max_size=data.get("max_size"),
                   on_bad_row=data.get("on_bad_row", "error"))


def skipped_problems_of(reader: SignerReader) -> list[Problem]:
    """The rows a reader's ``on_bad_row="skip"`` left out, as warnings: row, column and
    reason, never the content (none when it skipped nothing)."""
    stats = reader.stats
    if not stats.skipped_count:
        return []
    from advocate.signers.skipped import skipped_problems

    return skipped_problems(stats.file, stats.skipped, stats.skipped_count)
