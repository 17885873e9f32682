"""The ``variants:`` of a campaign: other wordings of its letters' sentences, checked.

A campaign may give, per *slot* (a sentence a wording template prints as
``{{ variants.SLOT }}``: ``opening``, ``transition``, ``urge``, ``press``, ``closing``,
``thanks``, ``sign_off`` in the built-in wording), several ways to say the same thing, so
that letters are not all alike (:mod:`advocate.text.variants` chooses). Either a list, each
variant a text or ``{language: text}`` like any translatable field::

    variants:
      opening:
        - en: I am writing to you about the events of January 2022.
          ru: Пишу Вам в связи с событиями января 2022 года.
        - ...

or, where a translation has its own variants, a list per language
(``opening: {en: [...], ru: [...]}``); a language without its own list takes the campaign
language's, with a warning.

What a variant may not do is change what the letter asks or cites: the asks and facts are
the campaign's structured fields. So every variant is one line of plain text (printed
escaped, never as Markdown); it names the campaign's things only through placeholders
(``{target}``, ``{campaign}``, ``{ask:ID}``, ``{source:ID}``), every variant of a slot uses
the same placeholders, and none holds a web or mail address. This module holds those rules
and the field's pydantic type (``Campaign.variants``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from advocate.errors import Problem

if TYPE_CHECKING:
    from advocate.schema.load import YamlDocument

__all__ = ["KINDS", "MAX_LENGTH", "MAX_SLOTS", "MAX_VARIANTS", "PLACEHOLDER", "SLOT_NAME",
           "VARIANTS", "Variants", "fill_in", "placeholders", "slot_lists", "variant_problems"]

MAX_SLOTS = 16
MAX_VARIANTS = 64
MAX_LENGTH = 1000
SLOT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: ``{target}``, ``{campaign}``, ``{ask:ID}``, ``{source:ID}``; ``{{`` and ``}}`` are braces.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z]+)(?::([a-z0-9][a-z0-9-]*))?\}|[{}]")
#: What a placeholder may name, and whether it takes an id.
KINDS = {"target": False, "campaign": False, "ask": True, "source": True}
_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:|[^\s@]@[^\s@]+\.[a-z]",
                      re.IGNORECASE)
LANG_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
_LANG = re.compile(LANG_PATTERN)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _slot_variants(value: Any) -> Any:
    """A slot's variants: a list (each a text, or one per language), or a list per
    language (:func:`variant_problems` checks the texts themselves)."""
    if isinstance(value, list) and value and all(
            _text(item) or (isinstance(item, dict) and item and all(
                isinstance(k, str) and _LANG.match(k) and _text(v) for k, v in item.items()))
            for item in value):
        return value
    if isinstance(value, dict) and value and all(
            isinstance(lang, str) and _LANG.match(lang) and isinstance(items, list) and items
            and all(_text(t) for t in items) for lang, items in value.items()):
        return value
    raise PydanticCustomError(
        "variants", "expected a list of variants (each a text or {language: text}), or a "
        "list of them per language code")


_ONE = {"anyOf": [{"type": "string", "minLength": 1},
                  {"type": "object", "minProperties": 1, "propertyNames": {"pattern": LANG_PATTERN},
                   "additionalProperties": {"type": "string", "minLength": 1}}]}
_SLOT = {"anyOf": [
    {"type": "array", "minItems": 1, "items": _ONE},
    {"type": "object", "minProperties": 1, "propertyNames": {"pattern": LANG_PATTERN},
     "additionalProperties": {"type": "array", "minItems": 1,
                              "items": {"type": "string", "minLength": 1}}}]}
#: ``Campaign.variants``: slot name -> its variants (checked by :func:`variant_problems`).
Variants = Annotated[dict[str, Annotated[Any, BeforeValidator(_slot_variants)]],
                     WithJsonSchema({"type": "object", "maxProperties": 16,
                                     "propertyNames": {"pattern": r"^[a-z][a-z0-9_]{0,39}$"},
                                     "additionalProperties": _SLOT})]
VARIANTS: Any = Field(
    default_factory=dict, description="other wordings of the letters' sentences, by slot "
    "(opening, transition, urge, press, closing, thanks, sign_off): each letter takes its "
    "own combination, so letters are not all alike. One line of plain text each; "
    "placeholders {target}, {campaign}, {ask:ID}, {source:ID}, the same in every variant "
    "of a slot")


def placeholders(text: str) -> list[tuple[str, str | None]] | None:
    """The placeholders a variant's text uses, in order (``("ask", "release")``,
    ``("target", None)``); None when a brace stands alone or a placeholder is malformed."""
    found: list[tuple[str, str | None]] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group() in ("{{", "}}"):
            continue
        if match.group(1) is None:
            return None
        found.append((match.group(1), match.group(2)))
    return found


def fill_in(text: str, values: Mapping[tuple[str, str | None], str]) -> str:
    """A variant's text with its placeholders replaced by ``values`` (``{{``: a brace)."""
    def one(match: re.Match[str]) -> str:
        whole = match.group()
        if whole in ("{{", "}}"):
            return whole[0]
        return values.get((match.group(1), match.group(2)), whole)

    return PLACEHOLDER.sub(one, text)


def slot_lists(value: Any) -> Iterator[tuple[tuple[str | int, ...], str | None, Any]]:
    """Each variant of a slot's raw value: its path below the slot, its language (None: a
    plain text, the same in every language) and its text."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                for lang, text in item.items():
                    yield (index, lang), str(lang), text
            else:
                yield (index,), None, item
    elif isinstance(value, dict):
        for lang, items in value.items():
            for index, text in enumerate(items if isinstance(items, list) else []):
                yield (lang, index), str(lang), text


def _text_problem(text: str) -> tuple[str, str] | None:
    """What is wrong with one variant's text, and the hint; None if nothing."""
    if not text.strip():
        return "is empty", "write the sentence, or remove the entry"
    if text != text.strip():
        return ("starts or ends with spaces", "remove them (a variant is one line of text)")
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text):
        return ("must be one line: no line breaks or control characters",
                "write the variant on one line (a folded `>-` block is one line)")
    if any(0xF0000 <= ord(ch) <= 0xF01FF for ch in text):
        return "holds a private-use character advocate reserves", "remove it"
    if len(text) > MAX_LENGTH:
        return (f"is {len(text)} characters long", f"keep a variant under {MAX_LENGTH} "
                "characters: it is a sentence or a short paragraph")
    if _ADDRESS.search(text):
        return ("holds a web or mail address",
                "a variant only rewords the letter: put links in the campaign's sources")
    return None


def variant_problems(doc: YamlDocument) -> list[Problem]:
    """Every problem of the raw ``variants:`` (errors and warnings), each at its place."""
    data = doc.data if isinstance(doc.data, dict) else {}
    slots = data.get("variants")
    if not isinstance(slots, dict):
        return []  # absent; or not a mapping, which the model reports
    problems: list[Problem] = []
    ids = {kind: {item.get("id") for item in data.get(kind + "s") or []
                  if isinstance(item, dict)} for kind in ("ask", "source")}
    if len(slots) > MAX_SLOTS:
        problems.append(doc.problem(("variants",), f"variants: {len(slots)} slots, at most "
                                    f"{MAX_SLOTS}", "merge or remove some slots"))
    declared = [data.get("language") or "en"]
    if isinstance(data.get("translations"), dict):
        declared += [lang for lang in data["translations"] if lang not in declared]
    for slot, value in slots.items():
        where = ("variants", slot)
        if not isinstance(slot, str) or not SLOT_NAME.match(slot):
            problems.append(doc.problem(where, f"'{slot}' is not a slot name", "use lowercase "
                            "letters, digits and _ (a template prints {{ variants.NAME }})"))
            continue
        if isinstance(value, dict):
            problems += _language_lists(doc, slot, value, declared)
        elif not isinstance(value, list) or not value:
            continue  # the model says what it should be
        elif len(value) > MAX_VARIANTS:
            problems.append(doc.problem(where, f"variants.{slot}: {len(value)} variants, at "
                                        f"most {MAX_VARIANTS}", "keep the best of them"))
        problems += _slot_texts(doc, slot, value, ids)
    return problems


def _slot_texts(doc: YamlDocument, slot: str, value: Any,
                ids: dict[str, set[Any]]) -> list[Problem]:
    """The problems of each variant's text in one slot: its text, its placeholders, and
    placeholders that differ from the slot's first variant's."""
    problems: list[Problem] = []
    first: tuple[tuple[str | int, ...], Counter[tuple[str, str | None]]] | None = None
    for path, lang, text in slot_lists(value):
        at = ("variants", slot, *path)
        if lang is not None and not _LANG.match(lang):
            continue  # the model reports it
        if not isinstance(text, str):
            continue
        name = ".".join(map(str, at))
        used = placeholders(text)
        wrong = _text_problem(text)
        if wrong is None and used is None:
            wrong = ("has a brace that is not a placeholder", "placeholders are "
                     "{target}, {campaign}, {ask:ID} and {source:ID}; write {{ and }} "
                     "for a brace")
        if wrong is None and used is not None:
            wrong = _unknown(used, ids)
        if wrong is not None:
            problems.append(doc.problem(at, f"{name}: {wrong[0]}", wrong[1], at_value=True))
            continue
        assert used is not None
        counted = Counter(used)
        if first is None:
            first = (path, counted)
        elif counted != first[1]:
            problems.append(doc.problem(
                at, f"{name}: uses {_names(counted)}, but "
                f"variants.{slot}.{'.'.join(map(str, first[0]))} uses {_names(first[1])}",
                "every variant of a slot says the same things in other words: use the "
                "same placeholders in each (a variant never adds an ask or a source)",
                at_value=True))
    return problems


def _language_lists(doc: YamlDocument, slot: str, value: dict[Any, Any],
                    declared: list[str]) -> list[Problem]:
    """Checks of a slot given as a list per language, and the languages it lacks."""
    problems: list[Problem] = []
    for lang, items in value.items():
        if isinstance(items, list) and len(items) > MAX_VARIANTS:
            problems.append(doc.problem(("variants", slot, lang),
                                        f"variants.{slot}.{lang}: {len(items)} variants, at "
                                        f"most {MAX_VARIANTS}", "keep the best of them"))
    missing = [lang for lang in declared if lang not in value]
    if missing and len(declared) > 1:
        base = declared[0] if declared[0] in value else next(iter(value), declared[0])
        problems.append(doc.problem(
            ("variants", slot), f"variants.{slot}: no {', '.join(missing)} variants",
            f"add `{missing[0]}:` with its own list, or letters in {', '.join(missing)} take "
            f"the {base} variants", severity="warning"))
    return problems


def _unknown(used: list[tuple[str, str | None]],
             ids: dict[str, set[Any]]) -> tuple[str, str] | None:
    for kind, ident in used:
        if kind not in KINDS:
            return (f"unknown placeholder {{{kind}}}",
                    "placeholders are {target}, {campaign}, {ask:ID} and {source:ID}")
        if KINDS[kind] != (ident is not None):
            return (f"{{{kind}}} " + ("needs an id, e.g. {" + kind + ":ID}" if KINDS[kind]
                                      else "takes no id"), "see docs/campaign-format.md")
        if ident is not None and ident not in ids[kind]:
            known = ", ".join(sorted(str(i) for i in ids[kind] if isinstance(i, str)))
            return f"no {kind} '{ident}'", f"known {kind}s: {known}"
    return None


def _names(counted: Counter[tuple[str, str | None]]) -> str:
    if not counted:
        return "no placeholder"
    return ", ".join(("{" + kind + (":" + ident if ident else "") + "}") +
                     (f" ×{n}" if n > 1 else "") for (kind, ident), n in sorted(
                         counted.items(), key=lambda item: (item[0][0], item[0][1] or "")))
