"""What a kit folder holds, and how each of its documents is made.

Every check comes first (options, languages, wording templates, fonts through the
renderer), then every PDF is rendered into memory, then the folder is written whole
(:class:`advocate.output.files.StagedOutput`): an error leaves nothing half-written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from advocate.errors import AdvocateError, Problem
from advocate.kit import sheets
from advocate.kit.postal import Addressee, addressees, carry_lines
from advocate.render.document import Document, Kind
from advocate.render.documents import Renderer
from advocate.render.writer import Writer
from advocate.schema.campaign import Campaign, Detainee
from advocate.schema.prison_mail import PROFILES
from advocate.templates.host import template_roots
from advocate.text.localise import Localiser, format_day, resolve_language

#: The kit's documents with wording of their own, in every language the kit is made in.
KIT_KINDS: tuple[Kind, ...] = ("kit", "poster", "casecards", "signin", "tally")
#: What a detainee's cards need in the detainee's language.
CARD_KINDS: tuple[Kind, ...] = ("card",)
#: Ways a letter leaves the table, as the tally counts them (and ``advocate log`` reads).
CHANNELS = ("post", "email")
CARD_CHANNEL = "card"
#: A writer's name and city in a letter to write by hand: stand-ins that the layout turns
#: into blank lines (ASCII, so every font draws them and no template trips on them).
BLANK_NAME = "KITBLANKNAME"
BLANK_CITY = "KITBLANKCITY"
SIGN_IN_ROWS = 18
#: Languages whose built-in kit wording a native speaker has reviewed.
REVIEWED = ("en",)


@dataclass(frozen=True)
class KitOptions:
    """How the kit is made: the event, the paper, the posters and the languages."""

    day: date | None = None  # the event's date (letters are dated with it)
    place: str | None = None
    paper: sheets.Paper = "a4"
    posters: tuple[str, ...] = ()  # poster sizes (sheets.POSTERS); default: the paper's two
    langs: tuple[str, ...] = ()  # default: every campaign language
    templates: Path | None = None


@dataclass
class Kit:
    """A kit in memory: its files (relative path -> bytes) and the warnings made on the way."""

    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def event_day(text: str | None) -> date | None:
    """``--date`` as a date: an ISO date only, never a guessed format."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("x")
    except ValueError:
        raise AdvocateError(f"--date: '{text}' is not a date",
                            hint="write it as YYYY-MM-DD, e.g. 2026-12-10") from None


def _poster_sizes(options: KitOptions) -> list[str]:
    sizes = list(dict.fromkeys(options.posters)) or (
        ["a4", "a3"] if options.paper == "a4" else ["letter", "tabloid"])
    unknown = [s for s in sizes if s not in sheets.POSTERS]
    if unknown:
        raise AdvocateError(f"unknown poster size '{unknown[0]}'",
                            hint=f"use one of: {', '.join(sheets.POSTERS)}")
    return sizes


def _languages(campaign: Campaign, options: KitOptions) -> list[str]:
    langs = list(dict.fromkeys(options.langs)) or campaign.languages
    for lang in langs:
        resolve_language(campaign, lang)  # refuses a language the campaign has no text in
    return langs


def wording_problems(campaign: Campaign, langs: Sequence[str],
                     templates: Path | None = None) -> list[Problem]:
    """Every kit language (and every detainee's language) without the kit's wording
    templates, at the place in the campaign that asks for it, before anything renders."""
    roots = template_roots(templates, campaign.path)
    doc = campaign.document

    def missing(lang: str, kinds: Sequence[str]) -> list[str]:
        return [k for k in kinds
                if not any((root / lang / f"{k}.md.j2").is_file() for root in roots)]

    def where(lang: str) -> tuple[str | int, ...]:
        return ("language",) if lang == campaign.language else ("translations", lang)

    hint = ("copy the English ones (letter_templates/en/{kinds}.md.j2) into "
            "templates/{lang}/ beside the campaign and translate them, or pass --lang")
    problems: list[Problem] = []
    wanted = [(lang, KIT_KINDS, where(lang)) for lang in langs]
    wanted += [(d.language or campaign.language, CARD_KINDS,
                ("detainees", i, "language") if d.language else ("language",))
               for i, d in enumerate(campaign.detainees)]
    for lang, kinds, path in wanted:
        absent = missing(lang, kinds)
        if not absent:
            continue
        message = f"no kit wording templates for language '{lang}' ({', '.join(absent)})"
        text = hint.format(kinds="{" + ",".join(absent) + "}", lang=lang)
        problem = (doc.problem(path, message, text, at_value=True) if doc is not None
                   else Problem(message, hint=text))
        if problem not in problems:
            problems.append(problem)
    return problems


class KitMaker:
    """Renders one campaign's kit (see :func:`build_kit`)."""

    def __init__(self, campaign: Campaign, options: KitOptions) -> None:
        self.campaign = campaign
        self.options = options
        self.sizes = _poster_sizes(options)
        self.langs = _languages(campaign, options)
        problems = wording_problems(campaign, self.langs, options.templates)
        if problems:
            raise AdvocateError(problems=problems)
        self.renderer = Renderer(campaign, templates=options.templates, day=options.day,
                                 paper=options.paper)
        self.kit = Kit()
        card_langs = [d.language or campaign.language for d in campaign.detainees]
        for lang in dict.fromkeys([*self.langs, *card_langs]):
            if lang not in REVIEWED and not options.templates:
                self.kit.warnings.append(Problem(
                    f"the kit's built-in wording in '{lang}' has not yet been reviewed by a "
                    "native speaker", hint=f"have letter_templates/{lang}/ (poster, casecards, "
                    "signin, tally, kit, card) read before printing", severity="warning"))
        self.listing: list[dict[str, str]] = []  # what the cover sheet lists
        self._words: dict[str, Document] = {}  # the kit's words by language (see _bare)

    # -- one document -----------------------------------------------------------------

    def _event(self, lang: str) -> dict[str, Any]:
        day = self.options.day
        return {"date": format_day(day, lang) if day else None,
                "date_iso": day.isoformat() if day else None, "place": self.options.place}

    def _add(self, relpath: str, documents: Sequence[Document], kind: str,
             detail: str = "") -> None:
        result = self.renderer.pdf_result(documents)
        for warning in (*(w for doc in documents for w in doc.warnings), *result.problems):
            if warning not in self.kit.warnings:
                self.kit.warnings.append(warning)
        self.kit.files[relpath] = result.data
        self.listing.append({"file": relpath, "kind": kind, "detail": detail,
                             "pages": str(result.pages)})

    def _document(self, kind: Kind, lang: str, **extra: Any) -> Document:
        extra.setdefault("event", self._event(lang))
        return self.renderer.document(kind, lang, extra)

    def _bare(self, kind: Kind, lang: str, what: str, text: str,
              context: dict[str, Any]) -> Document:
        """A document drawn by its layout from its context (envelopes, labels), titled
        with the kit's word for ``kind`` in ``lang`` and ``what`` (the sheet's name); its
        Markdown is only the text it prints, for the font check. The kit's words come
        from its cover sheet's wording (rendered once per language)."""
        if lang not in self._words:
            self._words[lang] = self.renderer.document("kit", lang, {
                "event": self._event(lang), "files": [], "detainees": []})
        base = self._words[lang]
        word = str(base.exported.get("labels", {}).get(kind) or kind)
        return Document(kind, lang, f"{word} ({what})", text, {**base.context, **context},
                        base.exported)

    # -- the folder ---------------------------------------------------------------------

    def make(self) -> Kit:
        for lang in self.langs:
            self._posters(lang)
            self._case_cards(lang)
            self._add(f"sign-in-{lang}.pdf", [self._document("signin", lang,
                                                              rows=SIGN_IN_ROWS)],
                      "signin")
            self._add(f"tally-{lang}.pdf", [self._document(
                "tally", lang, rows=self._tally_rows(lang))], "tally")
            self._add(f"signature-sheet-{lang}.pdf", [self.renderer.sheet(lang)], "sheet")
        self.kit.files["tally.csv"] = self._tally_csv()
        self.listing.append({"file": "tally.csv", "kind": "tally-csv", "detail": "",
                             "pages": ""})
        self._letters()
        self._envelopes_and_labels()
        self._cards()
        for lang in self.langs:  # last: it lists everything else
            self._add(f"00-read-me-{lang}.pdf", [self._document(
                "kit", lang, files=list(self.listing), detainees=self._rules(lang))],
                "kit")
        return self.kit

    def _posters(self, lang: str) -> None:
        if not self.campaign.url:
            warning = Problem("the campaign has no url: the posters and case cards have no "
                              "QR code", file=str(self.campaign.path or ""),
                              hint="add `url:` (the action page or the brief) to the campaign",
                              severity="warning")
            if warning not in self.kit.warnings:
                self.kit.warnings.append(warning)
        for size in self.sizes:
            sheet = sheets.POSTERS[size]
            self._add(f"poster-{lang}-{size}.pdf", [self._document(
                "poster", lang, sheet={"id": sheet.id, "css": sheet.css,
                                       "width": sheet.width})], "poster", sheet.label)

    def _case_cards(self, lang: str) -> None:
        paper = sheets.PAPERS[self.options.paper]
        self._add(f"case-cards-{lang}.pdf", [self._document(
            "casecards", lang, grid=_grid(paper))], "casecards", paper.label)

    def _tally_rows(self, lang: str) -> list[dict[str, Any]]:
        loc = Localiser(self.campaign, lang)
        rows = [{"ref": t.id, "name": loc.text(t.name, ("targets", i, "name")),
                 "channel": channel}
                for i, t in enumerate(self.campaign.targets) for channel in CHANNELS
                if channel != "email" or t.email]
        rows += [{"ref": d.id, "name": loc.text(d.name, ("detainees", i, "name")),
                  "channel": CARD_CHANNEL} for i, d in enumerate(self.campaign.detainees)]
        return rows

    def _tally_csv(self) -> bytes:
        """The tally's CSV, one row per target and channel, dated, counts to fill in
        (docs/kit.md: ``advocate log --from`` reads it)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["target", "date", "channel", "count"])
        day = self.options.day.isoformat() if self.options.day else ""
        for row in self._tally_rows(self.campaign.language):
            writer.writerow([row["ref"], day, row["channel"], ""])
        return out.getvalue().encode("utf-8")

    def _letters(self) -> None:
        """Each target's letter with the writer's lines blank, in the target's language,
        and the envelope it goes in beside it."""
        blank = Writer(name=BLANK_NAME, city=BLANK_CITY)
        envelope = sheets.ENVELOPES[sheets.LETTER_ENVELOPE[self.options.paper]]
        for number, target in enumerate(self.campaign.targets, 1):
            letter = self.renderer.letter(target.id, blank)
            letter = replace(letter, writer=None, layout="handletter.html.j2", context={
                **letter.context,
                "blank_name": Markup('<span class="blank blank-name"></span>'),
                "blank_city": Markup('<span class="blank blank-city"></span>')})
            stem = f"letters/{number:02d}-{target.id}"
            self._add(f"{stem}-letter.pdf", [letter], "letter", target.id)
            who = [a for a in addressees(self.campaign, letter.lang) if a.id == target.id]
            if who:
                self._add(f"{stem}-envelope-{envelope.id}.pdf",
                          [self._envelopes(envelope, who, letter.lang if letter.lang in
                                           self.langs else self.langs[0])], "envelope",
                          envelope.sheet.label)

    def _envelopes(self, envelope: sheets.Envelope, who: Sequence[Addressee],
                   lang: str) -> Document:
        pages = [{"lines": list(a.lines), "carry": list(a.carry), "id": a.id} for a in who]
        return self._bare("envelopes", lang, envelope.sheet.label,
                          "\n\n".join("\n".join(a.lines) for a in who),
                          {"envelope": _envelope_view(envelope), "pages": pages})

    def _envelopes_and_labels(self) -> None:
        lang = self.langs[0]
        who = addressees(self.campaign, lang)
        if not who:
            self.kit.warnings.append(Problem(
                "no target or detainee has a postal address: no envelopes or labels",
                file=str(self.campaign.path or ""), severity="warning",
                hint="add `address:` to the targets you write to by post"))
            return
        for envelope in sheets.ENVELOPES.values():
            self._add(f"envelopes/envelopes-{envelope.id}.pdf",
                      [self._envelopes(envelope, who, lang)], "envelopes",
                      envelope.sheet.label)
        for label in sheets.LABELS.values():
            pages: list[dict[str, Any]] = [
                {"lines": list(a.lines), "id": a.id,
                 "size": sheets.label_size(label, a.lines) or sheets.LABEL_SIZES[-1]}
                for a in who]
            for a in who:
                if sheets.label_size(label, a.lines) is None:
                    self.kit.warnings.append(Problem(
                        f"the address of '{a.id}' is too long for a {label.name} label: "
                        "its last lines are cut off", file=str(self.campaign.path or ""),
                        hint="shorten the title or the address lines, or use the "
                        "envelopes", severity="warning"))
            words = self._bare("labels", lang, label.name, "\n\n".join(
                "\n".join(a.lines) for a in who),
                {"labels_sheet": _label_view(label), "pages": pages})
            self._add(f"labels/labels-{label.id}.pdf", [words], "labels", label.name)

    def _cards(self) -> None:
        """Each detainee's solidarity cards in their language: a folded card and four
        postcards to a page, each carrying what the prison's rules ask."""
        paper = sheets.PAPERS[self.options.paper]
        for index, detainee in enumerate(self.campaign.detainees):
            lang = detainee.language or self.campaign.language
            view = self._detainee_view(index, detainee, lang)
            for shape in ("folded", "postcards"):
                card = self._document("card", lang, detainee=view, shape=shape,
                                      grid=_grid(paper), sheet={
                                          "width": paper.width, "height": paper.height})
                self._add(f"cards/{detainee.id}-{shape}.pdf",
                          [replace(card, layout=f"card-{shape}.html.j2")], f"card-{shape}",
                          detainee.id)

    def _detainee_view(self, index: int, detainee: Detainee, lang: str) -> dict[str, Any]:
        loc = Localiser(self.campaign, lang)
        name = loc.text(detainee.name, ("detainees", index, "name")) or ""
        rules = PROFILES[detainee.prison_mail]
        postal = next((a for a in addressees(self.campaign, lang) if a.kind == "detainee"
                       and a.id == detainee.id), None)
        return {"id": detainee.id, "name": name, "address": list(postal.lines) if postal else [],
                "carry": list(carry_lines(self.campaign, detainee, name)),
                "profile": rules.id, "no_case": rules.no_case}

    def _rules(self, lang: str) -> list[dict[str, Any]]:
        """The prison-mail rules of each detainee, for the cover sheet."""
        found = []
        for index, detainee in enumerate(self.campaign.detainees):
            rules = PROFILES[detainee.prison_mail]
            view = self._detainee_view(index, detainee, lang)
            name, forbidden, notes = rules.words(lang)
            found.append({**view, "rules": {
                "name": name, "languages": [_language_name(code, lang)
                                            for code in rules.languages],
                "forbidden": list(forbidden), "notes": list(notes),
                "sources": [{"title": s.title, "publisher": s.publisher, "url": s.url,
                             "verified": s.verified} for s in rules.sources]}})
        return found


def _language_name(code: str, lang: str) -> str:
    """A language's name in ``lang`` ("русский", "Russian"), from Babel's CLDR data."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(code).get_display_name(Locale.parse(lang.replace("-", "_"))))
    except (ValueError, UnknownLocaleError):
        return code


def _grid(paper: sheets.Sheet) -> dict[str, float]:
    """Four cards to a page, two by two, centred, with room for cut marks around them."""
    margin = 10.0
    width = (paper.width - 2 * margin) / 2
    height = (paper.height - 2 * margin) / 2
    return {"width": width, "height": height, "left": margin, "top": margin,
            "page_width": paper.width, "page_height": paper.height, "mark": 6.0}


def _envelope_view(envelope: sheets.Envelope) -> dict[str, Any]:
    return {"id": envelope.id, "css": envelope.sheet.css, "width": envelope.sheet.width,
            "height": envelope.sheet.height, "to_left": envelope.to_left,
            "to_top": envelope.to_top, "to_width": envelope.to_width,
            "from_left": envelope.from_left, "from_top": envelope.from_top}


def _label_view(label: sheets.LabelSheet) -> dict[str, Any]:
    cells = [label.origin(i) for i in range(label.per_sheet)]
    return {"id": label.id, "css": label.paper.css, "width": label.width,
            "height": label.height, "inset": label.inset,
            "cells": [{"left": x, "top": y} for x, y in cells]}


def build_kit(campaign: Campaign, options: KitOptions | None = None) -> Kit:
    """The kit of one campaign in memory, every check done first."""
    return KitMaker(campaign, options or KitOptions()).make()


def write_kit(campaign: Campaign, outdir: Path, options: KitOptions | None = None, *,
              force: bool = False) -> Kit:
    """Build the kit and write it into ``outdir``, all of it or nothing."""
    from advocate.output.files import guard_output
    from advocate.output.staging import StagedOutput

    options = options or KitOptions()
    roots = template_roots(options.templates, campaign.path)
    guard_output(outdir, inputs=[p for p in (campaign.path,) if p is not None],
                 forbidden_dirs=roots)
    if str(outdir).startswith("/dev"):
        raise AdvocateError("the kit goes into a folder", hint="pass -o DIR")
    kit = build_kit(campaign, options)
    with StagedOutput(outdir, force=force) as stage:
        stage.planned(kit.files)
        for relpath, data in kit.files.items():
            stage.add(relpath, data)
    return kit
