"""``advocate report``: what happened to a campaign's letters, per target and over time.

The counts come from the outcomes log (:mod:`advocate.outcomes.store`) in a few grouped
SQL queries, so a log of 100,000 letters reports in a fraction of a second
(``benchmarks/bench.py``). Text, JSON and CSV are for scripts and terminals; HTML and a
one-page PDF (the HTML printed by the one WeasyPrint entry point, :mod:`advocate.render.pdf`)
carry two charts.

Charts: pygal. It is a small, pure-Python, maintained library (3.1, 2025) that draws SVG
natively, with no C extension, no numpy and no font cache written to the user's home
folder (matplotlib, the other candidate, needs all three, and its first run wrote
``~/.cache/matplotlib``: a trace outside ``-o``). Its labels stay ``<text>``, so WeasyPrint
draws them with advocate's bundled fonts in any script. Each chart is an ``<img>`` of a
``data:`` SVG, which the documents' Content-Security-Policy allows and no script needs.
pygal's import adds a legacy import hook that :func:`_pygal` takes out again. Its SVG
carries a random id, the day it was drawn and an inline configuration script;
:func:`_svg` takes these out of its output text (the id made from the chart's own content),
so the same log gives the same bytes, as every advocate output does.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from html import escape
from typing import Any

from advocate.outcomes.store import LogStore

__all__ = ["FORMATS", "Report", "TargetOutcome", "make_report", "render_report"]

FORMATS = ("txt", "json", "csv", "html", "pdf", "osdi")


@dataclass
class TargetOutcome:
    """The letters to one target (or to all: ``id`` is ``*``) and what became of them."""

    id: str
    name: str
    made: int = 0
    sent: int = 0
    returned: int = 0
    replied: int = 0
    no_reply: int = 0
    median_days_to_reply: float | None = None
    first_sent: str | None = None
    last_reply: str | None = None

    @property
    def delivered(self) -> int:
        return self.sent - self.returned

    @property
    def awaiting(self) -> int:
        return max(0, self.delivered - self.replied - self.no_reply)

    @property
    def reply_rate(self) -> float | None:
        """Replies per delivered letter (sent, not returned); None before any is delivered."""
        return self.replied / self.delivered if self.delivered > 0 else None

    def data(self) -> dict[str, Any]:
        return {**asdict(self), "delivered": self.delivered, "awaiting": self.awaiting,
                "reply_rate": None if self.reply_rate is None else round(self.reply_rate, 4)}


@dataclass
class Report:
    campaign: str
    title: str
    lang: str
    as_of: str
    total: TargetOutcome
    targets: list[TargetOutcome]
    #: Per week (its Monday): letters sent, returned, replied in it.
    weeks: list[dict[str, Any]] = field(default_factory=list)
    #: Solidarity cards counted by tally sheets: detainee id, name, count.
    cards: list[dict[str, Any]] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "title": self.title, "as_of": self.as_of,
                "total": self.total.data(), "targets": [t.data() for t in self.targets],
                "weeks": self.weeks, "cards": self.cards}


def _text_of(value: Any, lang: str) -> str:
    """A campaign string that may be given per language."""
    if isinstance(value, dict):
        return str(value.get(lang) or next(iter(value.values()), ""))
    return str(value)


_COUNTS = "SELECT target, kind, day, count(*) FROM events GROUP BY target, kind, day"
_MADE = "SELECT target, count(*) FROM letters GROUP BY target"
_DAYS = """
SELECT julianday(p.day) - julianday(s.day)
FROM events AS p
JOIN events AS s ON s.reference = p.reference AND s.kind = 'sent'
WHERE p.target = ? AND p.kind = 'replied'
"""
_ZERO = {"sent": 0, "returned": 0, "replied": 0}


def make_report(store: LogStore, campaign: Any, as_of: date) -> Report:
    """The report of a campaign's log: every target of the campaign (and any target the log
    has that the campaign no longer lists), in the campaign's order. Three grouped queries,
    the first two over covering indexes: a hundred thousand letters in a fraction of a
    second."""
    lang = campaign.language
    names = {t.id: _text_of(t.name, lang) for t in campaign.targets}
    rows: dict[str, TargetOutcome] = {t: TargetOutcome(t, n) for t, n in names.items()}

    def row(target: str) -> TargetOutcome:
        if target not in rows:
            rows[target] = TargetOutcome(target, target)
        return rows[target]

    for target, made in store.db.execute(_MADE):
        row(target).made = made
    weeks: dict[str, dict[str, int]] = {}
    for target, kind, day, number in store.db.execute(_COUNTS):
        outcome = row(target)
        setattr(outcome, kind, getattr(outcome, kind) + number)
        if kind == "sent" and (outcome.first_sent is None or day < outcome.first_sent):
            outcome.first_sent = day
        if kind == "replied" and (outcome.last_reply is None or day > outcome.last_reply):
            outcome.last_reply = day
        if kind != "no_reply":
            start = date.fromisoformat(day)
            monday = (start - timedelta(days=start.weekday())).isoformat()
            weeks.setdefault(monday, dict(_ZERO))[kind] += number
    days: dict[str, list[float]] = {}
    for target in list(rows):  # one range of the index (target, kind, day) each
        gaps = [gap for (gap,) in store.db.execute(_DAYS, (target,))]
        if gaps:
            days[target] = gaps
            rows[target].median_days_to_reply = statistics.median(gaps)
    total = TargetOutcome("*", "All targets")
    for outcome in rows.values():
        for name in ("made", "sent", "returned", "replied", "no_reply"):
            setattr(total, name, getattr(total, name) + getattr(outcome, name))
    every = [gap for gaps in days.values() for gap in gaps]
    total.median_days_to_reply = statistics.median(every) if every else None
    firsts = [r.first_sent for r in rows.values() if r.first_sent]
    lasts = [r.last_reply for r in rows.values() if r.last_reply]
    total.first_sent, total.last_reply = min(firsts, default=None), max(lasts, default=None)
    detainees = {d.id: _text_of(d.name, lang) for d in getattr(campaign, "detainees", ())}
    cards = [{"detainee": who, "name": detainees.get(who, who), "count": count}
             for who, count in store.cards().items()]
    return Report(campaign.id, _text_of(campaign.title, lang), lang, as_of.isoformat(), total,
                  list(rows.values()), _every_week(weeks), cards)


def _every_week(counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Every week from the first to the last, those with nothing too: a chart's time runs
    evenly."""
    if not counts:
        return []
    first, last = date.fromisoformat(min(counts)), date.fromisoformat(max(counts))
    weeks = []
    while first <= last:
        key = first.isoformat()
        weeks.append({"week": key, **counts.get(key, _ZERO)})
        first += timedelta(days=7)
    return weeks


# -- formats ---------------------------------------------------------------------------------

_COLUMNS = ("made", "sent", "returned", "replied", "no_reply", "awaiting")


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def report_text(report: Report) -> str:
    lines = [f"Outcomes of {report.title} ({report.campaign}), as of {report.as_of}", ""]
    width = max(12, *(len(t.id) for t in report.targets))
    head = f"{'target':<{width}}  " + "  ".join(f"{c.replace('_', ' '):>8}" for c in _COLUMNS)
    lines += [head + f"  {'reply rate':>10}  {'median days':>11}", "-" * (len(head) + 25)]
    for row in [*report.targets, report.total]:
        label = "all targets" if row.id == "*" else row.id
        lines.append(f"{label:<{width}}  " + "  ".join(
            f"{getattr(row, c):>8}" for c in _COLUMNS)
            + f"  {_rate(row.reply_rate):>10}  {_days(row.median_days_to_reply):>11}")
    if report.weeks:
        lines += ["", "Week of       sent  returned  replied"]
        lines += [f"{w['week']}  {w['sent']:>5}  {w['returned']:>8}  {w['replied']:>7}"
                  for w in report.weeks]
    if report.cards:
        lines += ["", "Solidarity cards  " + ", ".join(
            f"{c['detainee']}: {c['count']}" for c in report.cards)]
    return "\n".join(lines) + "\n"


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["target", "name", *_COLUMNS, "reply_rate", "median_days_to_reply",
                     "first_sent", "last_reply"])
    for row in [*report.targets, report.total]:
        writer.writerow([row.id, row.name, *(getattr(row, c) for c in _COLUMNS),
                         "" if row.reply_rate is None else f"{row.reply_rate:.4f}",
                         "" if row.median_days_to_reply is None else
                         f"{row.median_days_to_reply:g}", row.first_sent or "",
                         row.last_reply or ""])
    return out.getvalue()


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SANS = '"Advocate Sans", "Noto Sans", sans-serif'


def _svg(chart: Any) -> str:
    """A pygal chart as a ``data:`` URL of SVG: no script, no comment, no random id."""
    text = chart.render(is_unicode=True)
    text = _COMMENT.sub("", _SCRIPT.sub("", text))
    stable = hashlib.sha256(_UUID.sub("", text).encode()).hexdigest()[:16]
    text = _UUID.sub(f"advocate-{stable}", text)
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode()).decode()


def _pygal() -> Any:
    """pygal, imported without its one side effect: on import it appends a legacy finder
    (``pygal.PluginImportFixer``, for its map plugins, which advocate does not use) to
    ``sys.meta_path``, where every later import that no other finder resolves makes Python
    warn (ImportWarning). The finder is taken out again, by its public class."""
    import sys

    before = list(sys.meta_path)
    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path if finder in before
                        or not isinstance(finder, pygal.PluginImportFixer)]
    return pygal


def _charts(report: Report) -> list[tuple[str, str]]:
    """(caption, data URL) of each chart; none for an empty log."""
    pygal = _pygal()
    from pygal.style import Style

    style = Style(font_family=_SANS, label_font_family=_SANS, major_label_font_family=_SANS,
                  legend_font_family=_SANS, title_font_family=_SANS, value_font_family=_SANS,
                  background="white", plot_background="white", label_font_size=12,
                  major_label_font_size=12, legend_font_size=13,
                  colors=("#1f5fa8", "#2e8b57", "#c0392b", "#7f8c8d"),
                  guide_stroke_color="#d0d0d0", major_guide_stroke_color="#b0b0b0",
                  guide_stroke_dasharray="2,3", major_guide_stroke_dasharray="2,3")
    options: dict[str, Any] = {"js": [], "style": style, "disable_xml_declaration": True,
                               "pretty_print": False, "legend_at_bottom": True,
                               "legend_at_bottom_columns": 3, "print_zeroes": False}
    charts: list[tuple[str, str]] = []
    if report.total.made:
        bars = pygal.HorizontalBar(width=760, height=120 + 46 * len(report.targets),
                                   **options)
        listed = report.targets[::-1]  # pygal draws the first label at the bottom
        bars.x_labels = [t.id for t in listed]
        for name in ("sent", "replied", "returned"):
            bars.add(name, [getattr(t, name) for t in listed])
        charts.append(("Letters per target: sent, replied, returned", _svg(bars)))
    if report.weeks:
        weekly = pygal.Bar(width=760, height=300, x_label_rotation=-40,
                           show_minor_x_labels=len(report.weeks) <= 12,
                           x_labels_major_count=12, **options)
        weekly.x_labels = [w["week"] for w in report.weeks]
        for name in ("sent", "replied", "returned"):
            weekly.add(name, [w[name] for w in report.weeks])
        charts.append(("Per week (starting Monday): letters sent, replies, returns",
                       _svg(weekly)))
    return charts


_CSS = """
@page { size: A4; margin: 14mm 14mm 12mm; }
body { font-family: "Advocate Sans", "Noto Sans", Arial, sans-serif; font-size: 9.5pt;
       color: #222; margin: 0 auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 15pt; margin: .6em 0 .2em; }
p.muted, figcaption { color: #555; }
.figures { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .6em 0; }
.figures div { min-width: 6.5rem; }
.figures b { display: block; font-size: 15pt; }
@media screen { .wide { overflow-x: auto; } }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 5px; text-align: right; }
th:first-child, td:first-child { text-align: start; }
tr.total td { font-weight: bold; border-top: 1.5px solid #444; }
figure { margin: .4em 0; break-inside: avoid; }
figure img { width: 100%; height: auto; max-width: 760px; display: block; }
@media print { body { padding: 0; max-width: none; } }
"""


def report_html(report: Report) -> str:
    """The report as one HTML page: no script, its charts as images."""
    from advocate.render.html import apply_csp

    t = report.total
    figures = [("letters made", str(t.made)), ("sent", str(t.sent)),
               ("returned", str(t.returned)), ("replied", str(t.replied)),
               ("reply rate", _rate(t.reply_rate)),
               ("median days to a reply", _days(t.median_days_to_reply))]
    if report.cards:
        figures.append(("solidarity cards", str(sum(c["count"] for c in report.cards))))
    rows = []
    for row in [*report.targets, t]:
        label = escape(row.name) + ("" if row.id == "*" else
                                    f' <span class="muted">({escape(row.id)})</span>')
        rows.append(f'<tr{" class=total" if row.id == "*" else ""}><td>{label}</td>' + "".join(
            f"<td>{getattr(row, c)}</td>" for c in _COLUMNS)
            + f"<td>{_rate(row.reply_rate)}</td><td>{_days(row.median_days_to_reply)}</td>"
            "</tr>")
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in _COLUMNS)
    charts = "".join(f'<figure><img src="{url}" alt="{escape(caption)}">'
                     f"<figcaption>{escape(caption)}</figcaption></figure>"
                     for caption, url in _charts(report))
    html = (
        f'<!DOCTYPE html><html lang="{escape(report.lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Outcomes: {escape(report.title)}</title><style>{_CSS}</style></head><body>"
        f"<main><h1>Outcomes: {escape(report.title)}</h1>"
        f'<p class="muted">Campaign {escape(report.campaign)} · as of {report.as_of} · '
        f"first letter sent {t.first_sent or '–'} · last reply {t.last_reply or '–'}</p>"
        '<div class="figures">' + "".join(f"<div><b>{v}</b>{escape(k)}</div>"
                                          for k, v in figures) + "</div>"
        f'<div class="wide"><table><thead><tr><th>target</th>{head}<th>reply rate</th>'
        f"<th>median days</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f"{charts}</main></body></html>\n")
    return apply_csp(html, source="report")


def render_report(report: Report, fmt: str) -> str | bytes:
    """The report in ``fmt`` (one of :data:`FORMATS`): text, or the PDF's bytes."""
    if fmt == "txt":
        return report_text(report)
    if fmt == "json":
        return json.dumps(report.data(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return report_csv(report)
    if fmt == "html":
        return report_html(report)
    if fmt == "pdf":
        return _pdf(report_html(report), report)
    raise ValueError(fmt)


def _pdf(html: str, report: Report) -> bytes:
    from importlib import resources
    from pathlib import Path

    from advocate.render.pdf import render_pdf_result

    base = Path(str(resources.files("advocate") / "letter_templates"))
    result = render_pdf_result(html, title=f"Outcomes: {report.title}", lang=report.lang,
                               base_dir=base, source="report")
    return result.data

