"""``advocate check``'s prison-mail rule: cards and notes to a detainee that their prison's
published rules (:mod:`advocate.schema.prison_mail`) would hold back.

Checked, for each detainee, on the card ``advocate kit`` prints for them (its wording in the
detainee's language) and on the campaign's closing line (``closing``, which goes into
letters): the language the prison reads, words in another script (FSIN returns letters
with foreign words), anything about the case (the campaign's title, asks and facts), and
the details the rules want on every page (a register number, a year of birth). Warnings,
each at the detainee's line in the campaign file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from advocate.errors import AdvocateError, Problem
from advocate.render.documents import Renderer
from advocate.schema.campaign import Campaign
from advocate.schema.load import YamlDocument
from advocate.schema.prison_mail import PROFILES
from advocate.text.localise import Localiser

_LETTERS = re.compile(r"[^\W\d_]+")
#: The script a language is written in, for the rule "no word in another script".
_SCRIPTS = {"ru": "CYRILLIC", "kk": "CYRILLIC", "uk": "CYRILLIC", "be": "CYRILLIC",
            "en": "LATIN", "ar": "ARABIC", "fa": "ARABIC"}


def _script(word: str) -> str:
    name = unicodedata.name(word[0], "")
    return name.split(" ")[0] if name else ""


def foreign_words(text: str, lang: str) -> list[str]:
    """Words of ``text`` not in the script of ``lang`` (unknown languages: none)."""
    script = _SCRIPTS.get(lang.split("-")[0])
    if script is None:
        return []
    return list(dict.fromkeys(w for w in _LETTERS.findall(text) if _script(w) != script))


def _case_phrases(campaign: Campaign, lang: str) -> list[str]:
    """What is about the case: the campaign's title, its asks' titles and its facts."""
    loc = Localiser(campaign, lang)
    found = [loc.text(campaign.title, ("title",))]
    found += [loc.text(a.title, ("asks", i, "title")) for i, a in enumerate(campaign.asks)]
    found += [loc.text(f.text, ("facts", i, "text")) for i, f in enumerate(campaign.facts)]
    return [" ".join(p.split()) for p in found if p and len(p) >= 8]


def prison_mail_problems(campaign: Campaign, doc: YamlDocument,
                         renderer: Renderer) -> Iterator[Problem]:
    """Warnings for mail to each detainee that their prison's rules would hold back."""
    for index, detainee in enumerate(campaign.detainees):
        rules = PROFILES[detainee.prison_mail]
        lang = detainee.language or campaign.language
        where = ("detainees", index)
        why = f"{rules.name}: see `advocate kit`'s read-me for the rules and their sources"
        if rules.languages and lang not in rules.languages:
            yield doc.problem((*where, "language") if detainee.language else where,
                              f"detainee '{detainee.id}': cards are in '{lang}', but the prison "
                              f"({rules.id}) hands over mail only in "
                              f"{', '.join(rules.languages)}", why, severity="warning")
        if "number" in rules.every_page and not detainee.number:
            yield doc.problem(where, f"detainee '{detainee.id}': the prison ({rules.id}) needs "
                              "the register number on every page", "add `number:`",
                              severity="warning")
        if "birth_year" in rules.every_page and not detainee.birth_year:
            yield doc.problem(where, f"detainee '{detainee.id}': the prison ({rules.id}) "
                              "matches mail by name and year of birth", "add `birth_year:`",
                              severity="warning")
        try:
            card = renderer.document("card", lang, {"detainee": {
                "id": detainee.id, "name": Localiser(campaign, lang).text(
                    detainee.name, (*where, "name")), "carry": [], "address": [],
                "profile": rules.id, "no_case": rules.no_case}, "event": {}})
        except AdvocateError as exc:
            yield from (p if p.severity == "warning" else Problem(
                p.message, p.file, p.line, p.column, p.hint, "warning") for p in exc.problems)
            continue
        texts = [("card", card.text())]
        closing = Localiser(campaign, lang).text(campaign.closing, ("closing",))
        if closing:
            texts.append(("closing", closing))
        for what, text in texts:
            name = Localiser(campaign, lang).text(detainee.name, (*where, "name")) or ""
            text = " ".join(text.replace(name, " ").split())  # lines unwrapped
            if rules.single_script:
                foreign = foreign_words(text, lang)
                if foreign:
                    yield doc.problem(where, f"detainee '{detainee.id}': the {what} has words "
                                      f"the prison ({rules.id}) may not hand over: "
                                      f"{', '.join(foreign[:5])}", why, severity="warning")
            if rules.no_case:
                about = [p for p in _case_phrases(campaign, lang) if p in text]
                if about:
                    yield doc.problem(where, f"detainee '{detainee.id}': the {what} speaks of "
                                      f"the case (“{about[0][:60]}”), which the prison "
                                      f"({rules.id}) may hold back", why, severity="warning")
