"""The campaign in one language, as plain data for templates.

Templates never see the model: they get dictionaries of plain strings in the chosen
language, so they cannot call methods on it and a missing translation is decided here,
once. A translatable field missing in the chosen language falls back to the campaign's
language, and each fallback is reported as a warning at the field's ``file:line:col``:
never silent.

Dates are formatted for the locale by Babel ("17 January 2022", "17 января 2022 г.").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from advocate.errors import AdvocateError, Problem
from advocate.schema.campaign import Campaign, Target
from advocate.text.markdown import MarkdownText

# Babel locale per language where the bare code would pick an unusual convention.
_LOCALES = {"en": "en_GB"}


@lru_cache(maxsize=64)  # every letter of a batch carries the same date
def format_day(day: date, lang: str) -> str:
    """A date written out for ``lang`` by Babel: "17 January 2022", "17 января 2022 г."
    (its words made ahead by the installed Babel, text/dates.py, when there are some)."""
    locale = _LOCALES.get(lang, lang.replace("-", "_"))
    from advocate.text.dates import long_date

    written = long_date(day, locale)
    if written is not None:
        return written
    from babel.dates import format_date  # imported on first use, by a letter that has a date

    try:
        return format_date(day, format="long", locale=locale)
    except Exception:  # an unknown locale: fall back to ISO rather than fail a letter
        return day.isoformat()


@dataclass
class Localiser:
    """Picks each field's text in one language and records every fallback."""

    campaign: Campaign
    lang: str
    warnings: list[Problem] = field(default_factory=list)

    def text(self, value: Any, path: tuple[str | int, ...]) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if self.lang in value:
            return str(value[self.lang])
        base = self.campaign.language
        chosen = value.get(base) or next(iter(value.values()))
        doc = self.campaign.document
        where = ".".join(map(str, path))
        message = f"{where}: no '{self.lang}' text; using '{base}'"
        hint = f"add `{self.lang}:` to this field"
        self.warnings.append(
            doc.problem(path, message, hint, severity="warning") if doc else
            Problem(message, hint=hint, severity="warning"))
        return str(chosen)

    def markdown(self, value: Any, path: tuple[str | int, ...]) -> MarkdownText | None:
        text = self.text(value, path)
        return None if text is None else MarkdownText(text)


def resolve_language(campaign: Campaign, lang: str | None, target: Target | None = None) -> str:
    """``--lang``, else the target's language, else the campaign's."""
    if lang is not None:
        if lang not in campaign.languages:
            raise AdvocateError(
                f"campaign '{campaign.id}' has no '{lang}' text",
                file=str(campaign.path) if campaign.path else None,
                hint=f"languages: {', '.join(campaign.languages)}; add `{lang}` under "
                "translations: and translate the fields")
        return lang
    if target is not None and target.language in campaign.languages:
        return str(target.language)
    return campaign.language


def campaign_view(campaign: Campaign, loc: Localiser) -> dict[str, Any]:
    """Everything about the campaign a template may show, in ``loc.lang``."""
    numbers = campaign.source_numbers()
    lang = loc.lang
    organisation = None
    if campaign.organisation:
        organisation = {
            "name": loc.text(campaign.organisation.name, ("organisation", "name")),
            "url": campaign.organisation.url,
            "email": campaign.organisation.email,
        }
    facts = [
        {
            "text": loc.text(fact.text, ("facts", i, "text")),
            "figure": loc.text(fact.figure, ("facts", i, "figure")),
            "label": loc.text(fact.label, ("facts", i, "label")),
            "sources": sorted({numbers[s] for s in fact.source}),
        }
        for i, fact in enumerate(campaign.facts)
    ]
    quotes = [
        {
            "text": loc.text(quote.text, ("quotes", i, "text")),
            "speaker": loc.text(quote.speaker, ("quotes", i, "speaker")),
            "role": loc.text(quote.role, ("quotes", i, "role")),
            "sources": [numbers[quote.source]],
        }
        for i, quote in enumerate(campaign.quotes)
    ]
    sources = [
        {
            "number": numbers[source.id],
            "id": source.id,
            "title": source.title,
            "publisher": source.publisher,
            "date": format_day(source.date, lang) if source.date else None,
            "url": source.url,
        }
        for source in campaign.sources
    ]
    asks = {ask.id: ask_view(campaign, loc, i) for i, ask in enumerate(campaign.asks)}
    translation = campaign.translations.get(lang)
    return {
        "id": campaign.id,
        "title": loc.text(campaign.title, ("title",)),
        "summary": loc.text(campaign.summary, ("summary",)),
        "background": loc.markdown(campaign.background, ("background",)),
        "closing": loc.markdown(campaign.closing, ("closing",)),
        "language": lang,
        "as_of": format_day(campaign.as_of, lang),
        "as_of_iso": campaign.as_of.isoformat(),
        "url": campaign.url,
        "organisation": organisation,
        "facts": facts,
        "figures": [fact for fact in facts if fact["figure"]],
        "quotes": quotes,
        "sources": sources,
        "asks": list(asks.values()),
        "targets": [target_view(campaign, loc, i) for i in range(len(campaign.targets))],
        "reviewed": True if translation is None else translation.reviewed,
    }


def ask_view(campaign: Campaign, loc: Localiser, index: int) -> dict[str, Any]:
    ask = campaign.asks[index]
    return {
        "id": ask.id,
        "title": loc.text(ask.title, ("asks", index, "title")),
        "text": loc.markdown(ask.text, ("asks", index, "text")),
    }


def target_view(campaign: Campaign, loc: Localiser, index: int) -> dict[str, Any]:
    target = campaign.targets[index]
    address = loc.text(target.address, ("targets", index, "address"))
    wanted = {ask.id for ask in campaign.asks_for(target)}
    acted = {ask.id for ask in campaign.acted_for(target)}
    return {
        "id": target.id,
        "name": loc.text(target.name, ("targets", index, "name")),
        "title": loc.text(target.title, ("targets", index, "title")),
        "salutation": loc.text(target.salutation, ("targets", index, "salutation")),
        "address": [line.strip() for line in address.splitlines() if line.strip()]
        if address else [],
        "email": target.email,
        "intermediary": target.intermediary,
        "asks": [ask_view(campaign, loc, i) for i, ask in enumerate(campaign.asks)
                 if ask.id in wanted],
        # asks it has already acted on: thanked, never urged (each with its "thanks" line)
        "thanked": [{**ask_view(campaign, loc, i),
                     "thanks": loc.text(ask.thanks, ("asks", i, "thanks"))}
                    for i, ask in enumerate(campaign.asks) if ask.id in acted],
    }


def language_name(code: object) -> str:
    """A language's name in that language, as a menu or a list shows it ("Español",
    "Русский", "العربية", "中文"), from CLDR through Babel; the code itself if CLDR has none.
    (Also a template filter: a template may pass anything, and gets it back as text.)"""
    if not isinstance(code, str) or len(code) > 35:
        return str(code)
    return _language_name(code)


@lru_cache(maxsize=256)
def _language_name(code: str) -> str:
    from babel import Locale, UnknownLocaleError  # on first use, as format_day

    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def variants_view(campaign: Campaign, loc: Localiser, index: int) -> dict[str, list[str]]:
    """Each slot's variants (``variants:``) in ``loc.lang`` for letters to target ``index``,
    placeholders filled in: plain text, printed escaped. A language a slot has no list of
    takes the campaign language's, with a warning, as any field does."""
    from advocate.schema.variants import fill_in

    if not campaign.variants:
        return {}
    target = campaign.targets[index]
    values: dict[tuple[str, str | None], str] = {
        ("target", None): loc.text(target.name, ("targets", index, "name")) or "",
        ("campaign", None): loc.text(campaign.title, ("title",)) or ""}
    for i, ask in enumerate(campaign.asks):
        values[("ask", ask.id)] = loc.text(ask.title, ("asks", i, "title")) or ""
    for source in campaign.sources:
        values[("source", source.id)] = source.publisher
    view: dict[str, list[str]] = {}
    for slot, given in campaign.variants.items():
        path: tuple[str | int, ...] = ("variants", slot)
        if isinstance(given, dict):
            lang = loc.lang if loc.lang in given else (
                campaign.language if campaign.language in given else next(iter(given)))
            if lang != loc.lang:
                doc = campaign.document
                message = f"variants.{slot}: no '{loc.lang}' variants; using '{lang}'"
                hint = f"add `{loc.lang}:` with its own list to this slot"
                loc.warnings.append(doc.problem(path, message, hint, severity="warning")
                                    if doc else Problem(message, hint=hint, severity="warning"))
            texts = [str(t) for t in given[lang]]
        else:
            texts = [loc.text(item, (*path, n)) or "" for n, item in enumerate(given)]
        view[slot] = [fill_in(text, values) for text in texts]
    return view
