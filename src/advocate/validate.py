"""``advocate validate``: can advocate read these campaign files, and this signer list?

Each campaign is loaded strictly and the wording of every language it asks for is looked
for; a signer list is read as a build reads it, every row checked, with the rows a PDF's
fonts could not draw. Nothing is rendered. :func:`validate_campaigns` returns a
:class:`ValidateReport` (every problem, what each campaign and the list hold, the ``ok``
lines) from which the command prints its messages and its ``--json``
(validate-1.schema.json); it raises only for what stops it from reading at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from advocate.errors import AdvocateError, Problem, counted
from advocate.pathlike import StrPath, as_optional_path
from advocate.signers.source import SignerSource

__all__ = ["CampaignValidation", "SignerValidation", "ValidateReport", "validate_campaigns"]


@dataclass
class CampaignValidation:
    """One campaign file that loaded: its warnings, the wording it lacks, and (when it lacks
    none) what it holds, as ``--json`` lists it."""

    name: str  # as given: a file, or a bundled id
    warnings: list[Problem]
    missing: list[Problem] = field(default_factory=list)  # wording templates not found
    record: dict[str, Any] | None = None

    @property
    def ok_line(self) -> str | None:
        """``ok: FILE: 5 facts, 3 asks, 4 targets (en, ru)``; None when wording is missing."""
        if self.record is None:
            return None
        facts, asks, targets = (self.record[key] for key in ("facts", "asks", "targets"))
        return (f"ok: {self.record['file'] or self.name}: {counted(facts, 'fact')}, "
                f"{counted(asks, 'ask')}, {counted(targets, 'target')}"
                f" ({', '.join(self.record['languages'])})")


@dataclass
class SignerValidation:
    """The signer list read: the reader's notices, the rows ``--on-bad-row skip`` left out
    (said, not counted as problems), the rows no font draws, and what the list holds."""

    file: str
    notices: list[Problem]
    skipped: list[Problem]
    fonts: list[Problem]
    stats: Any  # advocate.signers.read.SignerStats

    @property
    def record(self) -> dict[str, Any] | None:
        """The list as ``--json`` describes it; None when a row cannot be drawn."""
        if any(p.severity == "error" for p in self.fonts):
            return None
        stats = self.stats
        return {"file": self.file, "layout": stats.layout, "sheet": stats.sheet,
                "rows": stats.rows, "duplicates": stats.duplicates, "signers": stats.signers,
                "public": stats.public}

    @property
    def ok_line(self) -> str | None:
        """``ok: FILE: CSV: 120 rows, 2 duplicates dropped, ...``; None with a font error."""
        return None if self.record is None else f"ok: {self.file}: {self.stats.summary()}"


@dataclass
class ValidateReport:
    """What :func:`validate_campaigns` found, in the order it found it."""

    problems: list[Problem] = field(default_factory=list)  # errors and warnings, as --json
    campaigns: list[CampaignValidation] = field(default_factory=list)  # those that loaded
    signers: SignerValidation | None = None  # None: no list, or it could not be read

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def envelope(self) -> dict[str, Any]:
        """The ``--json`` document (validate-1.schema.json)."""
        from advocate import json_output

        return json_output.envelope(
            "validate", self.problems,
            campaigns=[c.record for c in self.campaigns if c.record is not None],
            signers=self.signers.record if self.signers else None)


def validate_campaigns(names: Sequence[str], *, signers: SignerSource | None = None,
                       templates: StrPath | None = None, lang: str | None = None,
                       on_campaign: Callable[[CampaignValidation], None] | None = None,
                       ) -> ValidateReport:
    """Check campaign files (paths, bundled ids, or folders of campaign files) and a signer
    list, as far as each can be read: every problem goes into the report, none is raised.

    ``lang`` also asks for that language's wording. ``on_campaign`` hears of each campaign
    as soon as it is checked (the command prints its warnings and ``ok`` line then)."""
    from advocate.campaigns import expand_campaigns, resolve_campaign
    from advocate.render.preflight import wording_problems
    from advocate.schema.campaign import load_campaign_checked

    report = ValidateReport()
    loaded = []
    for name in expand_campaigns(names):
        try:
            campaign, warnings = load_campaign_checked(resolve_campaign(name))
        except AdvocateError as exc:
            report.problems.extend(exc.problems)
            continue
        loaded.append(campaign)
        result = CampaignValidation(name, warnings, wording_problems(
            campaign, templates=as_optional_path(templates), lang=lang))
        if not result.missing:
            result.record = {
                "campaign": name, "file": str(campaign.path) if campaign.path else None,
                "id": campaign.id, "facts": len(campaign.facts), "asks": len(campaign.asks),
                "targets": len(campaign.targets), "languages": list(campaign.languages)}
        report.problems += [*warnings, *result.missing]
        report.campaigns.append(result)
        if on_campaign is not None:
            on_campaign(result)
    if signers is not None:
        try:
            report.signers = _validated_signers(signers, loaded)
        except AdvocateError as exc:
            report.problems.extend(exc.problems)
        else:
            report.problems += [*report.signers.notices, *report.signers.fonts]
    return report


def _validated_signers(source: SignerSource, campaigns: Sequence[Any]) -> SignerValidation:
    """Every row of the list read (as the campaigns' ``signers:`` sections say), and the
    rows no font of theirs draws."""
    from advocate.render.signer_fonts import streamed_font_problems
    from advocate.signers.source import skipped_problems_of

    reader = source.reader(campaigns)
    fonts = streamed_font_problems(reader, [c.path for c in campaigns] or [None])
    return SignerValidation(str(source.path), list(reader.stats.notices),
                            skipped_problems_of(reader), fonts, reader.stats)
