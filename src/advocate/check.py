"""``advocate check``: lint a campaign for its evidence and for the letters it produces.

``advocate validate`` answers "can advocate read this file?"; ``advocate check`` answers
"is it a good campaign?". It follows Amnesty's appeal-letter guidance (see
``references/peers.md``): every fact sourced and every source used, facts checked
recently, every ask sent to someone, every target reachable, and letters that are
polite, cover every ask of their target, name their sender and keep to one page.

Every problem points at the ``file:line:col`` of the part of the campaign it is about.
Letter problems caused by a template (a missing salutation, say) point at the campaign
field the template failed to print and name the template in the hint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from advocate.clock import today as default_today
from advocate.errors import AdvocateError, Problem, did_you_mean
from advocate.pathlike import StrPath, as_optional_path
from advocate.render.documents import Renderer
from advocate.render.page_fit import PAGE_BUDGET
from advocate.render.writer import Writer
from advocate.schema.campaign import CHECK_RULES, Campaign, CheckCode, load_campaign_checked
from advocate.schema.load import PathKey, YamlDocument
from advocate.text.localise import Localiser

__all__ = [
    "BRIEF_PAGES",
    "CHECK_RULES",
    "LETTER_PAGES",
    "MAX_AGE_DAYS",
    "WRITER",
    "check_campaign",
    "exit_code",
    "ignored",
    "problems_json",
    "strictly",
    "unknown_codes",
]

MAX_AGE_DAYS = 90
LETTER_PAGES = PAGE_BUDGET["letter"]  # one definition: render.page_fit
BRIEF_PAGES = PAGE_BUDGET["brief"]
#: The writer of the letters that ``check`` renders: a placeholder, never a real person.
WRITER = Writer(name="A. Writer", city="Berlin")

#: Translatable fields scanned for shouting. Quotes are left alone: they are someone
#: else's words, quoted as spoken.
_TEXT_FIELDS: tuple[PathKey, ...] = (
    ("title",), ("summary",), ("background",),
    ("facts", "*", "text"), ("facts", "*", "label"),
    ("asks", "*", "title"), ("asks", "*", "text"),
    ("targets", "*", "salutation"),
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PUNCT = re.compile(r"[!?]*(?:!!|\?!|!\?)[!?]*")
_POLITE = "a calm, factual tone persuades, as Amnesty's appeal-letter guidance advises"


# -- entry points ----------------------------------------------------------------------

def check_campaign(path: StrPath, *, max_age_days: int = MAX_AGE_DAYS,
                   today: date | None = None, render_pdfs: bool = True,
                   templates: StrPath | None = None, ignore: Iterable[str] = ()
                   ) -> list[Problem]:
    """Every problem and warning ``advocate check`` finds in one campaign file, each with
    the code of its rule (:data:`CHECK_RULES`), but those of the rules in ``ignore`` or in
    the campaign's ``check: {ignore: [...]}``.

    Validation errors (the file cannot be read) are returned as they are, and nothing
    else is checked. Otherwise: the model's warnings, the evidence checks, the text
    checks, and the letters for every target in every language of the campaign (with
    ``render_pdfs``, also their page counts and the brief's). Sorted by file and line.
    """
    try:
        campaign, warnings = load_campaign_checked(path)
    except AdvocateError as exc:
        return _sorted(exc.problems)
    problems = _check(campaign, warnings, max_age_days=max_age_days, today=today,
                      render_pdfs=render_pdfs, templates=templates)
    skip = [*ignore, *(campaign.check.ignore if campaign.check else ())]
    return ignored(problems, skip)[0] if skip else problems


def _check(campaign: Campaign, warnings: list[Problem], *, max_age_days: int,
           today: date | None, render_pdfs: bool, templates: StrPath | None) -> list[Problem]:
    document = campaign.document
    assert document is not None  # loaded from a file
    day = today or default_today()
    problems = list(warnings)
    problems += _evidence(campaign, document, day, max_age_days)
    problems += _shouting(document)
    problems += _targets(campaign, document)
    problems += _salutations(document)
    try:
        # a page count holds for every combination: each slot's longest variant
        renderer = Renderer(campaign, templates=as_optional_path(templates), day=day,
                            longest_variants=True)
    except AdvocateError as exc:
        return _sorted([*problems, *exc.problems])
    problems += _untranslated(campaign, renderer)
    problems += _unused_variants(campaign, document, renderer)
    problems += _letters(campaign, document, renderer, render_pdfs)
    if campaign.detainees:  # mail to people in prison, by their prison's rules
        from advocate.kit.postal import address_problems
        from advocate.kit.prison_check import prison_mail_problems

        problems += prison_mail_problems(campaign, document, renderer)
        problems += address_problems(campaign, document)
    if render_pdfs:
        problems += _briefs(campaign, document, renderer)
    return _sorted(problems)


def _rule(code: CheckCode, problem: Problem) -> Problem:
    """``problem``, marked as found by the rule ``code`` (see :data:`CHECK_RULES`)."""
    return replace(problem, code=code)


def ignored(problems: Iterable[Problem], codes: Iterable[str]) -> tuple[list[Problem], int]:
    """The problems whose rule is not in ``codes``, and how many were left out."""
    skip, found = set(codes), list(problems)
    kept = [p for p in found if p.code is None or p.code not in skip]
    return kept, len(found) - len(kept)


def unknown_codes(codes: Iterable[str]) -> list[Problem]:
    """A problem for each ``--ignore`` code that is no rule's (with a "did you mean")."""
    return [Problem(f"no check rule is called '{code}'",
                    hint=did_you_mean(code, CHECK_RULES) or
                    f"the rules: {', '.join(CHECK_RULES)}") for code in codes
            if code not in CHECK_RULES]


def strictly(problems: Iterable[Problem]) -> list[Problem]:
    """``--strict``: every warning becomes an error."""
    return [replace(p, severity="error") for p in problems]


def exit_code(problems: Iterable[Problem]) -> int:
    """0 when there are only warnings (or nothing), 2 when there is an error."""
    return 2 if any(p.severity == "error" for p in problems) else 0


def problems_json(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """One object per problem, the shape of every JSON output (advocate.json_output)."""
    from advocate.json_output import problem_json

    return [problem_json(p) for p in problems]


# -- evidence --------------------------------------------------------------------------

def _evidence(campaign: Campaign, doc: YamlDocument, day: date, max_age: int) -> Iterator[Problem]:
    cited = {ref for fact in campaign.facts for ref in fact.source}
    cited |= {quote.source for quote in campaign.quotes}
    for index, source in enumerate(campaign.sources):
        if source.id not in cited:
            yield _rule("uncited-source", doc.problem(
                ("sources", index, "id"), f"source '{source.id}' is never cited",
                              f"cite it from a fact or a quote with `source: {source.id}`, "
                              "or remove it", severity="warning", at_value=True))
        if source.date is not None and source.date > campaign.as_of:
            yield _rule("source-after-as-of", doc.problem(
                ("sources", index, "date"),
                f"source '{source.id}' is dated {source.date.isoformat()}, after as_of "
                f"({campaign.as_of.isoformat()})",
                "correct the date, or set as_of to the day you last checked the facts",
                at_value=True))
    age = (day - campaign.as_of).days
    if age > max_age:
        yield _rule("stale-facts", doc.problem(("as_of",), f"facts last checked {age} days ago",
                          "check them and update as_of, or pass --max-age",
                          severity="warning", at_value=True))
    elif age < 0:
        yield _rule("future-as-of", doc.problem(
            ("as_of",), f"as_of ({campaign.as_of.isoformat()}) is in the future",
                          "set it to the day you last checked the facts",
                          severity="warning", at_value=True))
    sent = {ask.id for target in campaign.targets
            for ask in [*campaign.asks_for(target), *campaign.acted_for(target)]}
    for index, ask in enumerate(campaign.asks):
        if ask.id not in sent:
            yield _rule("unsent-ask", doc.problem(
                ("asks", index, "id"), f"ask '{ask.id}' goes to no target",
                              "add it to a target's `asks:` list, or leave `asks:` out to "
                              "send every ask", severity="warning", at_value=True))


def _targets(campaign: Campaign, doc: YamlDocument) -> Iterator[Problem]:
    for index, target in enumerate(campaign.targets):
        if target.address is None and target.email is None:
            yield _rule("unreachable-target", doc.problem(("targets", index, "id"),
                              f"target '{target.id}' has no address and no email",
                              "add a postal address, or an email address you have checked, "
                              "so letters can reach them", severity="warning", at_value=True))
        # A target in a language the campaign has no text in: a load warning (validate too).


_QUOTES = ('"', "“", "”", "„", "«", "»", "‘", "’", "'", "「", "」")


def _salutations(doc: YamlDocument) -> Iterator[Problem]:
    """Quotes around a whole salutation ('"Dear Minister,"' inside YAML quotes) would be
    printed in every letter."""
    for path, text in _fields(doc.data, ("targets", "*", "salutation")):
        value = text.strip()
        if len(value) >= 2 and value[0] in _QUOTES and value[-1] in _QUOTES:
            yield _rule("quoted-salutation", doc.problem(
                path, f"{'.'.join(map(str, path))}: the salutation is in "
                              "quotation marks, which every letter would print",
                              "remove the inner quotes: salutation: \"Dear Minister,\"",
                              severity="warning", at_value=True))


def _untranslated(campaign: Campaign, renderer: Renderer) -> Iterator[Problem]:
    """Lines of a wording template still marked for translation (`advocate new --lang`)."""
    from advocate.scaffold import TRANSLATE_MARK
    from advocate.templates.roots import WORDING_KINDS

    seen: set[str] = set()
    for lang in campaign.languages + [str(t.language) for t in campaign.targets
                                      if t.language]:
        for kind in WORDING_KINDS:
            for root in renderer.roots:
                path = root / lang / f"{kind}.md.j2"
                if not path.is_file():
                    continue
                if str(path) not in seen:
                    seen.add(str(path))
                    lines = path.read_text(encoding="utf-8").split("\n")
                    marked = [n for n, line in enumerate(lines, 1) if TRANSLATE_MARK in line]
                    if marked:
                        yield _rule("untranslated-template", Problem(
                            f"{len(marked)} line(s) still marked for translation",
                            file=str(path), line=marked[0], severity="warning",
                            hint="translate each line marked TRANSLATE, then delete the mark"))
                break


# -- polite text -----------------------------------------------------------------------

def _fields(data: Any, pattern: PathKey, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every text at ``pattern`` (``*`` matches any list index), one per language."""
    if not pattern:
        if isinstance(data, str):
            yield path, data
        elif isinstance(data, dict):
            for lang, text in data.items():
                if isinstance(text, str):
                    yield (*path, lang), text
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(data, list):
        for index, item in enumerate(data):
            yield from _fields(item, rest, (*path, index))
    elif isinstance(data, dict) and head in data:
        yield from _fields(data[head], rest, (*path, head))


_NOT_PROSE = frozenset(("url", "email"))  # keys whose values are addresses, not words
_ADDRESS = re.compile(r"(?:https?://|www\.|mailto:)\S+|\S+@\S+", re.IGNORECASE)


def _all_text(data: Any) -> Iterator[str]:
    """The campaign's prose: every text but addresses (a URL's "cidh" is not a word)."""
    if isinstance(data, str):
        yield _ADDRESS.sub(" ", data)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in _NOT_PROSE:
                yield from _all_text(value)
    elif isinstance(data, list):
        for value in data:
            yield from _all_text(value)


def _acronyms(data: Any) -> set[str]:
    """Words the campaign writes in capitals in its sources (a publisher "CIDH", a title):
    names, not shouting, wherever else they appear."""
    sources = data.get("sources") if isinstance(data, dict) else None
    return {word for text in _all_text(sources or []) for word in _WORD.findall(text)
            if _is_caps(word)}


def _is_caps(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _caps_runs(text: str) -> Iterator[str]:
    """Three or more words in capitals in a row: "RELEASE THEM NOW"."""
    run: list[re.Match[str]] = []

    def done() -> Iterator[str]:
        if len(run) >= 3:
            yield text[run[0].start():run[-1].end()]

    for match in _WORD.finditer(text):
        if _is_caps(match.group()) and (
                not run or not text[run[-1].end():match.start()].strip()):
            run.append(match)
            continue
        yield from done()
        run = [match] if _is_caps(match.group()) else []
    yield from done()


def _shouting(doc: YamlDocument) -> Iterator[Problem]:
    """Shouting in the campaign's own text: capitals where a sentence would do, "!!", "?!".

    A single word in capitals is shouting only when the campaign also writes it in lower
    case ("release ... RELEASE"); "CSTO" or "ICCPR" never appear so, and are acronyms. Web
    and email addresses are not words ("cidh" in a URL), and a word in capitals in the
    sources (a publisher "CIDH") is a name."""
    lower = {word.lower() for text in _all_text(doc.data) for word in _WORD.findall(text)
             if not _is_caps(word)} - {word.lower() for word in _acronyms(doc.data)}
    for pattern in _TEXT_FIELDS:
        for path, text in _fields(doc.data, pattern):
            where = ".".join(map(str, path))
            shouted: list[str] = list(_caps_runs(text))
            inside = {word for phrase in shouted for word in _WORD.findall(phrase)}
            shouted += [word for word in dict.fromkeys(_WORD.findall(text))
                        if len(word) >= 4 and _is_caps(word) and word.lower() in lower
                        and word not in inside]
            for phrase in shouted:
                yield _rule("shouting", doc.problem(path, f"{where}: '{phrase}' reads as shouting",
                                  f"write it in sentence case: {_POLITE}",
                                  severity="warning", at_value=True))
            for marks in dict.fromkeys(m.group() for m in _PUNCT.finditer(text)):
                yield _rule("shouting", doc.problem(path, f"{where}: '{marks}' reads as shouting",
                                  f"one full stop is enough: {_POLITE}",
                                  severity="warning", at_value=True))


# -- letters and briefs ----------------------------------------------------------------

def _squash(text: str) -> str:
    """Text without whitespace, so line wrapping cannot hide a phrase."""
    return re.sub(r"\s+", "", text)


def _template_name(renderer: Renderer, name: str) -> str:
    """How to name a wording template in a hint: its path, or "the built-in ..."."""
    from jinja2 import TemplateError

    from advocate.templates.host import builtin_templates

    try:
        filename = renderer.env.get_template(name).filename
    except (AdvocateError, TemplateError):  # rendering reports it
        return f"the template {name}"
    if filename is None:
        return f"the template {name}"
    found = Path(filename)
    if found.is_relative_to(builtin_templates().resolve()):
        return f"the built-in template {name}"
    try:
        return f"the template {found.relative_to(Path.cwd())}"
    except ValueError:
        return f"the template {found}"


def _value_path(doc: YamlDocument, path: PathKey, lang: str) -> PathKey:
    """The path of a translatable field's text in ``lang`` when it has one."""
    return (*path, lang) if (*path, lang) in doc.value_marks else path


def _located(problems: Iterable[Problem], doc: YamlDocument, where: PathKey) -> Iterator[Problem]:
    """Problems from rendering, placed in the campaign file when they name no file."""
    for problem in problems:
        if problem.file is None:
            located = doc.problem(where, problem.message, problem.hint, at_value=True)
            yield replace(located, severity=problem.severity)
        else:
            yield problem


def _lang_path(campaign: Campaign, lang: str) -> PathKey:
    return ("language",) if lang == campaign.language else ("translations", lang)


def _letters(campaign: Campaign, doc: YamlDocument, renderer: Renderer,
             render_pdfs: bool) -> Iterator[Problem]:
    caps = {word for text in _all_text(doc.data) for word in _WORD.findall(text)
            if _is_caps(word)}
    for lang in campaign.languages:
        loc = Localiser(campaign, lang)
        template = _template_name(renderer, f"{lang}/letter.md.j2")
        for index, target in enumerate(campaign.targets):
            at = ("targets", index, "id")
            letter = f"the letter to '{target.id}' ({lang})"
            try:
                document = renderer.letter(target.id, WRITER, lang)
            except AdvocateError as exc:
                yield from _located(exc.problems, doc, _lang_path(campaign, lang))
                break  # the same template fails for every target
            text = _squash(document.text())
            salutation = loc.text(target.salutation, ("targets", index, "salutation")) or ""
            if _squash(salutation) not in text:
                yield _rule("letter-salutation", doc.problem(
                    _value_path(doc, ("targets", index, "salutation"), lang),
                    f"{letter} lacks its salutation",
                    f"{template} must print {{{{ target.salutation }}}}",
                    severity="warning", at_value=True))
            for ask in campaign.asks_for(target):
                ask_index = campaign.asks.index(ask)
                title = loc.text(ask.title, ("asks", ask_index, "title")) or ""
                if _squash(title) not in text:
                    where: PathKey = (
                        ("targets", index, "asks", target.asks.index(ask.id))
                        if target.asks is not None
                        else _value_path(doc, ("asks", ask_index, "title"), lang))
                    yield _rule("letter-ask-missing", doc.problem(
                        where, f"{letter} leaves out ask '{ask.id}'",
                        f"{template} must list every ask in target.asks",
                        severity="warning", at_value=True))
            if _squash(WRITER.name or "") not in text:
                yield _rule("letter-sender", doc.problem(
                    at, f"{letter} does not name its sender",
                    f"{template} must print {{{{ writer.name }}}}: a name and an address "
                    "show that a letter is genuine", severity="warning", at_value=True))
            words = document.text().replace(document.reference or "\0", "")  # (its own caps)
            loud = [word for word in dict.fromkeys(_WORD.findall(words))
                    if len(word) >= 4 and _is_caps(word) and word not in caps]
            if loud:
                yield _rule("letter-shouts", doc.problem(
                    at, f"{letter} shouts: {', '.join(loud)}",
                    f"{template} writes words in capitals: {_POLITE}",
                    severity="warning", at_value=True))
            if render_pdfs:
                try:
                    pages = renderer.pdf_result([document]).pages
                except AdvocateError as exc:
                    yield from _located(exc.problems, doc, at)
                    continue
                if pages > LETTER_PAGES:
                    yield _rule("letter-pages", doc.problem(
                        at, f"{letter} runs to {pages} pages (the aim is one)",
                        "shorten the facts, or the asks this target receives: Amnesty's "
                        "guidance is one page at most", severity="warning", at_value=True))


def letter_combinations(path: StrPath, *, templates: StrPath | None = None) -> dict[str, int]:
    """How many different letters each target's variants (``variants:``) make, in the
    target's own language: 1 for a campaign without variants."""
    campaign = load_campaign_checked(path)[0]
    renderer = Renderer(campaign, templates=as_optional_path(templates))
    found = {}
    for target in campaign.targets:
        lang, context, _ = renderer._letter_context(target.id, None, None)
        found[target.id] = renderer.variants.combinations(target.id, lang, context)
    return found


def ok_line(name: str, warnings: int, summary: dict[str, Any], path: StrPath | None,
            templates: StrPath | None = None) -> str:
    """``check``'s line for a campaign without errors: ok, its warnings, and how many
    different letters each target gets (``variants:``; also put into ``summary``, its
    ``--json`` record, as ``combinations``)."""
    line = f"ok: {name}" + (f" ({warnings:,} warning{'s' if warnings != 1 else ''})"
                            if warnings else "")
    if path is None:
        return line
    combinations = summary["combinations"] = letter_combinations(path, templates=templates)
    if all(n <= 1 for n in combinations.values()):
        return line
    return line + "; different letters per target: " + ", ".join(
        f"{target} {n:,}" for target, n in combinations.items())


def _unused_variants(campaign: Campaign, doc: YamlDocument,
                     renderer: Renderer) -> Iterator[Problem]:
    """A slot no target's letter prints, in any language: a misspelt name, or wording that
    does not know it."""
    used: set[str] = set()
    for lang in campaign.languages:
        for target in campaign.targets:
            context = renderer._letter_context(target.id, None, lang)[1]
            used.update(renderer.variants.used(target.id, lang, context))
    for slot in campaign.variants:
        if slot not in used:
            known = "opening, transition, urge, press, closing, thanks, sign_off"
            yield _rule("unused-variant", doc.problem(
                ("variants", slot), f"no letter prints the variants of '{slot}'",
                did_you_mean(slot, known.split(", ")) or f"the built-in wording's slots: "
                f"{known}; a template of your own prints {{{{ variants.{slot} }}}}",
                severity="warning"))


def _briefs(campaign: Campaign, doc: YamlDocument, renderer: Renderer) -> Iterator[Problem]:
    where: PathKey = ("background",) if "background" in doc.data else ("facts",)
    for lang in campaign.languages:
        try:
            brief = renderer.brief(lang)
            pages = renderer.pdf_result([brief]).pages
        except AdvocateError as exc:
            yield from _located(exc.problems, doc, _lang_path(campaign, lang))
            continue
        if pages > BRIEF_PAGES:
            yield _rule("brief-pages", doc.problem(
                _value_path(doc, where, lang),
                f"the brief ({lang}) runs to {pages} pages (the aim is at most two)",
                "shorten the background, the facts or the quotes",
                severity="warning", at_value=True))


def _sorted(problems: Sequence[Problem]) -> list[Problem]:
    """Each problem once, by file, line and column (problems without a place first)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file or "", p.line or 0, p.column or 0))
