"""Each letter's variant of each sentence (``variants:``), as the Renderer uses them.

The campaign's variants of a slot, in a target's language with their placeholders filled
in, are made once per target and language; a letter's combination is chosen by
:func:`advocate.text.variants.choose` over the slots its wording actually prints for that
target (found once by rendering the wording with each slot's mark), so a slot the
template leaves out for a target (``press`` for a target asked directly) never wastes a
choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from advocate.errors import AdvocateError, Problem
from advocate.schema.campaign import Campaign
from advocate.templates.host import AdvocateEnvironment, render
from advocate.text.localise import Localiser, variants_view
from advocate.text.stencil import FIELDS
from advocate.text.variants import SLOT_MARKS, choose, combinations

__all__ = ["LetterVariants"]

_PROBE_WRITER = {"name": "Ab", "city": "Cd", "email": "ab@example.org", "country": "Ef",
                 "note": "Gh", "address": "Ij"}


class LetterVariants:
    """The variants of one campaign's letters: texts by target and language, the slots each
    target's wording prints, and each letter's pick."""

    def __init__(self, campaign: Campaign, env: AdvocateEnvironment, *,
                 longest: bool = False) -> None:
        self.campaign = campaign
        self.env = env
        #: The campaign's slots, in file order: slot i is printed as SLOT_MARKS[i].
        self.slots: tuple[str, ...] = tuple(campaign.variants)
        self._texts: dict[tuple[str, int], tuple[dict[str, list[str]], list[Problem]]] = {}
        self._used: dict[tuple[str, str], tuple[str, ...]] = {}
        #: Take each slot's longest variant (``advocate check``'s page counts), not a pick.
        self.longest = longest
        self._plans: dict[tuple[str, str], tuple[dict[str, list[str]], list[Problem],
                                                 tuple[str, ...], list[int]]] = {}

    def texts(self, target_id: str, lang: str) -> tuple[dict[str, list[str]], list[Problem]]:
        """Each slot's variants in ``lang`` for letters to ``target_id``, and the fallback
        warnings that made them."""
        index = next(i for i, t in enumerate(self.campaign.targets) if t.id == target_id)
        if (lang, index) not in self._texts:
            loc = Localiser(self.campaign, lang)
            self._texts[(lang, index)] = (variants_view(self.campaign, loc, index), loc.warnings)
        return self._texts[(lang, index)]

    def used(self, target_id: str, lang: str, context: Mapping[str, Any]) -> tuple[str, ...]:
        """The slots the wording of ``lang`` prints in a letter to ``target_id`` (every
        field of the writer given), in campaign order."""
        key = (target_id, lang)
        if key not in self._used:
            marks = dict(zip(self.slots, SLOT_MARKS, strict=False))
            probe = {**context, "writer": {f: _PROBE_WRITER[f] for f in FIELDS},
                     "signed": True, "variants": marks}
            try:
                text, _ = render(self.env, f"{lang}/letter.md.j2", probe)
            except AdvocateError:
                self._used[key] = self.slots  # the letter's own render reports it
            else:
                self._used[key] = tuple(s for s in self.slots if marks[s] in text)
        return self._used[key]

    def combinations(self, target_id: str, lang: str, context: Mapping[str, Any]) -> int:
        """How many different letters to ``target_id`` in ``lang`` the variants make."""
        texts, _ = self.texts(target_id, lang)
        return combinations([len(texts[s]) for s in self.used(target_id, lang, context)])

    def pick(self, target_id: str, lang: str, context: Mapping[str, Any], row: int | None,
             writer: Mapping[str, Any]) -> tuple[dict[str, str], list[Problem]]:
        """This letter's text of every slot (the first variant of a slot it does not
        print), and the warnings of the texts: from signer ``row``, or a single letter
        chosen by ``writer``'s name."""
        if not self.slots:
            return {}, []
        key = (target_id, lang)
        plan = self._plans.get(key)
        if plan is None:
            texts, warnings = self.texts(target_id, lang)
            used = self.used(target_id, lang, context)
            plan = self._plans[key] = (texts, warnings, used, [len(texts[s]) for s in used])
        texts, warnings, used, sizes = plan
        if self.longest:
            picks = tuple(texts[s].index(max(texts[s], key=len)) for s in used)
        else:
            name = writer.get("name")
            picks = choose(sizes, self.campaign.id, target_id, row,
                           None if row or name is None else str(name))
        chosen = {slot: texts[slot][0] for slot in self.slots}
        for slot, n in zip(used, picks, strict=True):
            chosen[slot] = texts[slot][n]
        return chosen, warnings

    def kept(self, target_id: str, lang: str, context: Mapping[str, Any]) -> dict[str, Any] | None:
        """What a kept stencil needs to choose a single letter's variants without the
        campaign (:func:`advocate.text.variants.kept_texts`); None without variants."""
        if not self.slots:
            return None
        texts, _ = self.texts(target_id, lang)
        used = self.used(target_id, lang, context)
        return {"campaign": self.campaign.id, "target": target_id,
                "texts": [texts[slot] for slot in self.slots],
                "used": [self.slots.index(slot) for slot in used]}

    def put(self, context: dict[str, Any], warnings: list[Problem], row: int | None,
            writer: Mapping[str, Any], given: Mapping[str, str] | None = None
            ) -> Sequence[str]:
        """Put this letter's variants into its ``context`` (``variants``) and their
        fallback warnings into ``warnings``; return them as a stencil fills them in (slot
        i's text at i). ``given``: the text of each slot, taken as it is (the fit loop's
        least letter gives each a zero-width space)."""
        target, lang = context["target"]["id"], context["lang"]
        chosen, varied = self.pick(target, lang, context, row, writer)
        if given is not None:
            chosen = dict(given)
        context["variants"] = chosen
        warnings.extend(w for w in varied if w not in warnings)
        return [chosen[slot] for slot in self.slots]
