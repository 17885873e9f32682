"""``advocate followup``: the second letter, a calendar and the targets' address cards.

A target is *due* a follow-up when letters to it were delivered (logged sent, not returned)
and none of them has a reply: its follow-up date is the first delivered letter's day plus
``--after``. For every target due by today, a follow-up letter in its own wording
(``<lang>/followup.md.j2``, translatable like every wording template) cites the first
letter's date and reference. Beside the letters:

* ``followup.ics``: an iCalendar file (RFC 5545, written by the ``icalendar`` library) with
  each target's follow-up date, due or coming, and the campaign's ``deadlines:``. Events are
  all-day, their UIDs made from the campaign, target and date (importing the file again
  updates them rather than adding copies), and their time stamp is advocate's clock
  (``SOURCE_DATE_EPOCH``): the same log gives the same bytes.
* ``targets.vcf``: every target as a vCard 3.0 (RFC 2426, the version phones' address books
  import alike; text escaped and lines folded as RFC 6350 says). No maintained Python
  library writes vCards without pulling in a parser framework, and a card is a handful of
  lines: it is written here.
* ``followup.json``: which targets are due, when and why, for scripts.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError
from advocate.outcomes.store import LogStore

__all__ = ["FORMATS", "Due", "due_targets", "followup_files", "icalendar_file", "parse_after",
           "parse_formats", "vcards"]

FORMATS = ("txt", "md", "html", "pdf", "eml")
_AFTER = re.compile(r"(\d{1,4})\s*([dw]?)", re.IGNORECASE)
_NAMESPACE = uuid.UUID("6f1d3c1e-7a43-4f0e-9a55-2f4d1b0c8e11")  # advocate's UIDs (uuid5)


@dataclass(frozen=True)
class Due:
    """A target whose letters have had no reply: when the first went, and when to follow up."""

    target: str
    first_day: date
    reference: str  # the first delivered letter's
    letters: int  # delivered letters to the target
    due: date

    def data(self) -> dict[str, Any]:
        return {"target": self.target, "first_sent": self.first_day.isoformat(),
                "reference": self.reference, "letters": self.letters,
                "follow_up_on": self.due.isoformat()}

    def line(self, today: date) -> str:
        """``president: no reply since 2026-02-03 (2 letters, first H2D3D-Q54G5); follow-up
        due 2026-03-05`` (``on`` a day still to come)."""
        when = "due" if self.due <= today else "on"
        plural = "" if self.letters == 1 else "s"
        return (f"{self.target}: no reply since {self.first_day} ({self.letters} "
                f"letter{plural}, first {self.reference}); follow-up {when} {self.due}")


def parse_after(text: str) -> int:
    """``30d``, ``4w`` or ``30`` as days; AdvocateError otherwise."""
    match = _AFTER.fullmatch(text.strip())
    if not match or int(match.group(1)) < 1:
        raise AdvocateError(f"--after '{text[:20]}' is not a time", hint="write days or "
                            "weeks: 30d, 4w (at least one day)")
    days = int(match.group(1))
    return days * 7 if match.group(2).lower() == "w" else days


def parse_formats(text: str) -> list[str]:
    """``txt,pdf`` as the letter formats it names; AdvocateError for one that is none."""
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise AdvocateError(f"unknown letter format '{(unknown or [''])[0]}'",
                            hint=f"use some of {', '.join(FORMATS)}")
    return wanted


_DELIVERED = """
SELECT s.target, s.day, s.reference FROM events AS s
WHERE s.kind = 'sent' AND NOT EXISTS (
    SELECT 1 FROM events AS r WHERE r.reference = s.reference AND r.kind = 'returned')
ORDER BY s.target, s.day, s.reference
"""


def due_targets(store: LogStore, campaign: Any, after_days: int) -> list[Due]:
    """Every target of the campaign with delivered letters and no reply to any of them, in
    the campaign's order, with its follow-up date (which may be still to come)."""
    replied = {row[0] for row in store.db.execute(
        "SELECT DISTINCT target FROM events WHERE kind = 'replied'")}
    first: dict[str, tuple[str, str]] = {}
    count: dict[str, int] = {}
    for target, day, reference in store.db.execute(_DELIVERED):
        first.setdefault(target, (day, reference))
        count[target] = count.get(target, 0) + 1
    found = []
    for target in campaign.targets:
        if target.id in first and target.id not in replied:
            day = date.fromisoformat(first[target.id][0])
            found.append(Due(target.id, day, first[target.id][1], count[target.id],
                             day + timedelta(days=after_days)))
    return found


# -- the calendar ----------------------------------------------------------------------------

def _uid(*parts: str) -> str:
    return f"{uuid.uuid5(_NAMESPACE, chr(0).join(parts))}@advocate.invalid"


def _text(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or next(iter(value.values()), ""))
    return str(value)


def icalendar_file(campaign: Any, dues: Sequence[Due], stamp: date) -> bytes:
    """The calendar (RFC 5545): one all-day event per follow-up date and per deadline."""
    from icalendar import Calendar, Event

    lang = campaign.language
    title = _text(campaign.title, lang)
    names = {t.id: _text(t.name, lang) for t in campaign.targets}
    calendar = Calendar()
    calendar.add("prodid", "-//advocate//outcomes//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{title}: follow-ups and deadlines")
    stamped = datetime.combine(stamp, time(0, 0), tzinfo=UTC)

    def event(day: date, summary: str, description: str, uid: str) -> Event:
        item = Event()
        item.add("uid", uid)
        item.add("dtstamp", stamped)
        item.add("dtstart", day)
        item.add("dtend", day + timedelta(days=1))
        item.add("summary", summary)
        item.add("description", description)
        item.add("transp", "TRANSPARENT")
        return item

    for due in dues:
        calendar.add_component(event(
            due.due, f"Follow up: {names.get(due.target, due.target)} ({title})",
            f"No reply to {due.letters} letter(s) sent since {due.first_day.isoformat()} "
            f"(first reference {due.reference}). Write again: advocate followup "
            f"{campaign.id} --after ...", _uid(campaign.id, "followup", due.target)))
    for index, deadline in enumerate(campaign.deadlines):
        about = f" ({names[deadline.target]})" if deadline.target in names else ""
        note = _text(deadline.note, lang) if deadline.note else ""
        calendar.add_component(event(
            deadline.date, f"{_text(deadline.title, lang)}{about}",
            (note + "\n\n" if note else "") + f"Deadline of the campaign {title}.",
            _uid(campaign.id, "deadline", str(index), deadline.date.isoformat())))
    return bytes(calendar.to_ical())


# -- address cards ---------------------------------------------------------------------------

def _escape(value: str) -> str:
    """A vCard text value (RFC 6350 3.4): backslash, comma, semicolon and line breaks."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return re.sub(r"\r\n|\r|\n", r"\\n", value)


def _fold(line: str) -> str:
    """Lines of at most 75 octets (RFC 6350 3.2), never splitting a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out) + "\r\n"


def vcards(campaign: Any) -> str:
    """Every target as a vCard 3.0: name, title, organisation line, postal address, email,
    and the salutation as a note."""
    lang = campaign.language
    cards = []
    for target in campaign.targets:
        name = " ".join(_text(target.name, lang).split())
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escape(name)}",
                 f"N:{_escape(name)};;;;", f"TITLE:{_escape(_text(target.title, lang))}"]
        if target.email:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK:{target.email}")
        address = _text(target.address, lang) if target.address else ""
        if address.strip():
            street = "\n".join(line.strip() for line in address.strip().splitlines())
            lines.append(f"ADR;TYPE=WORK:;;{_escape(street)};;;;")
            lines.append(f"LABEL;TYPE=WORK:{_escape(street)}")
        salutation = _text(target.salutation, lang) if target.salutation else ""
        if salutation:
            lines.append(f"NOTE:{_escape(salutation)}")
        lines += [f"CATEGORIES:{_escape(campaign.id)}",
                  f"UID:urn:uuid:{uuid.uuid5(_NAMESPACE, campaign.id + chr(0) + target.id)}",
                  "END:VCARD"]
        cards.append("".join(_fold(line) for line in lines))
    return "".join(cards)


# -- the files -------------------------------------------------------------------------------

def followup_files(renderer: Any, campaign: Any, dues: Sequence[Due], today: date,
                   formats: Sequence[str], lang: str | None = None,
                   ) -> tuple[dict[str, bytes], list[Any]]:
    """Every file of ``advocate followup -o DIR`` (path: bytes) and the letters' warnings:
    a letter to each target due by ``today``, the calendar, the cards, the summary."""
    files: dict[str, bytes] = {}
    warnings: list[Any] = []
    written = []
    for due in dues:
        if due.due > today:
            continue
        first = {"date": due.first_day, "reference": due.reference, "letters": due.letters,
                 "days": (today - due.first_day).days}
        document = renderer.followup(due.target, first, lang)
        for fmt in formats:
            name = f"followup-{due.target}.{fmt}"
            if fmt == "eml":
                files[name] = renderer.eml(document)
            else:
                files[name], found = renderer.file_result([document], fmt)
                warnings += [w for w in found if w not in warnings]
        warnings += [w for w in document.warnings if w not in warnings]
        written.append(due.target)
    files["followup.ics"] = icalendar_file(campaign, dues, today)
    files["targets.vcf"] = vcards(campaign).encode("utf-8")
    summary = {"campaign": campaign.id, "as_of": today.isoformat(),
               "letters": [f"followup-{t}.{fmt}" for t in written for fmt in formats],
               "due": [d.data() for d in dues if d.due <= today],
               "coming": [d.data() for d in dues if d.due > today]}
    files["followup.json"] = (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode()
    return files, warnings


def write_followups(outdir: Path, files: dict[str, bytes], *, force: bool,
                    inputs: Sequence[Path]) -> list[Path]:
    """The files into ``outdir``, all of them or none."""
    from advocate.output.files import guard_output
    from advocate.output.staging import StagedOutput

    guard_output(outdir, inputs=list(inputs))
    with StagedOutput(outdir, force=force) as stage:
        stage.planned(files)
        for relpath, data in files.items():
            stage.add(relpath, data)
    return [outdir / name for name in files]
