"""What ``advocate check`` does over many campaigns: each one linted (:mod:`advocate.check`),
its problems of ignored rules left out, a signer list's rows no font draws added, warnings
made errors with ``strict``; a :class:`CheckReport` of it all, from which the command prints
its messages, its ``--json`` (check-1.schema.json) and its exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advocate.check import (
    CHECK_RULES,
    MAX_AGE_DAYS,
    check_campaign,
    exit_code,
    ignored,
    ok_line,
    strictly,
    unknown_codes,
)
from advocate.errors import AdvocateError, Problem
from advocate.pathlike import StrPath, as_optional_path
from advocate.signers.source import SignerSource

__all__ = ["CampaignCheck", "CheckOptions", "CheckReport", "check_campaigns", "rules_table"]


def rules_table() -> str:
    """Every rule's code and what it finds, a line each (``advocate check --rules``)."""
    width = max(map(len, CHECK_RULES))
    return "\n".join(f"{code:<{width}}  {what}" for code, what in CHECK_RULES.items())


@dataclass(frozen=True)
class CheckOptions:
    """How to check: facts older than ``max_age_days`` are stale; ``strict`` makes every
    warning an error; the rules in ``ignore`` are left out (a code no rule has is refused
    here, with a "did you mean"); ``render_pdfs`` counts the pages of letters and briefs."""

    max_age_days: int = MAX_AGE_DAYS
    strict: bool = False
    ignore: tuple[str, ...] = ()
    render_pdfs: bool = True
    templates: StrPath | None = None

    def __post_init__(self) -> None:
        bad = unknown_codes(self.ignore)
        if bad:
            raise AdvocateError(problems=bad)


@dataclass
class CampaignCheck:
    """One campaign's outcome: its problems (sorted by place), how many an ignored rule
    left out, and the signer list's notices and skipped rows (said, never counted: a
    form's time stamp column is no reason for ``strict`` to fail)."""

    name: str  # as given: a file, or a bundled id
    path: Path | None  # None: the name resolves to no campaign
    problems: list[Problem]
    ignored: int = 0
    notices: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)  # its --json entry
    ok_line: str | None = None  # ``ok: NAME (2 warnings)...``; None with an error


@dataclass
class CheckReport:
    """Every campaign's :class:`CampaignCheck`, in the order checked."""

    campaigns: list[CampaignCheck] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.campaigns for p in c.problems]

    @property
    def exit_code(self) -> int:
        """0 with only warnings (or nothing), 2 with an error."""
        return exit_code(self.problems)

    def envelope(self) -> dict[str, Any]:
        """The ``--json`` document (check-1.schema.json)."""
        from advocate import json_output

        return json_output.envelope("check", self.problems,
                                    campaigns=[c.record for c in self.campaigns])


def check_campaigns(names: Sequence[str], options: CheckOptions | None = None, *,
                    signers: SignerSource | None = None,
                    on_campaign: Callable[[CampaignCheck], None] | None = None) -> CheckReport:
    """Check campaign files (paths, bundled ids, or folders of campaign files), each with
    the signer list if one is given: every problem goes into the report, none is raised.

    ``on_campaign`` hears of each campaign as soon as it is checked (the command prints
    its problems then: a folder of campaigns, each rendering its letters, takes a while)."""
    from advocate.campaigns import expand_campaigns

    if not names:
        raise AdvocateError("advocate check needs a campaign file or bundled id",
                            hint="advocate check my-campaign.yaml")
    report = CheckReport()
    for name in expand_campaigns(names):
        result = _check_one(name, options or CheckOptions(), signers)
        report.campaigns.append(result)
        if on_campaign is not None:
            on_campaign(result)
    return report


def _check_one(name: str, options: CheckOptions, signers: SignerSource | None,
               ) -> CampaignCheck:
    from advocate.campaigns import resolve_campaign

    templates = as_optional_path(options.templates)
    try:
        path = resolve_campaign(name)
    except AdvocateError as exc:
        result = CampaignCheck(name, None, exc.problems)
    else:
        found = check_campaign(path, max_age_days=options.max_age_days,
                               render_pdfs=options.render_pdfs, templates=templates)
        result = CampaignCheck(name, path, *ignored(found, options.ignore))
        if signers is not None:
            _add_signer_problems(result, path, signers, templates)
    if options.strict:
        result.problems = strictly(result.problems)
    errors = sum(1 for p in result.problems if p.severity == "error")
    result.record = {"campaign": name, "file": str(result.path) if result.path else None,
                     "errors": errors, "warnings": len(result.problems) - errors,
                     "ignored": result.ignored}
    if not errors:  # (adds the letters' combinations to the record)
        result.ok_line = ok_line(name, len(result.problems), result.record, result.path,
                                 templates)
    return result


def _add_signer_problems(result: CampaignCheck, path: Path, signers: SignerSource,
                         templates: Path | None) -> None:
    """The list read as a build of this campaign reads it (its ``signers:`` section and
    languages, unless the campaign has errors), and the rows a PDF could not draw."""
    from advocate.render.signer_fonts import font_problems_for
    from advocate.schema.campaign import load_campaign

    try:
        loaded = [] if any(p.severity == "error" for p in result.problems) else \
            [load_campaign(path)]
        rows, result.notices, result.skipped = signers.rows(loaded)
    except AdvocateError as exc:
        result.problems = [*result.problems, *exc.problems]
    else:
        result.problems = [*result.problems, *font_problems_for(rows, [path], templates)]
