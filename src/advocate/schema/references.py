"""What a campaign file's ids must agree on, checked on the YAML document itself (so each
problem has its line and column): unique ids, references to ids that exist, translations
that name a language and hold what the campaign holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from advocate.errors import Problem, did_you_mean
from advocate.schema.fields import _LANG
from advocate.schema.ids import SLUG
from advocate.schema.load import YamlDocument


def _ids(items: Any, what: str, doc: YamlDocument, path: str,
         problems: list[Problem]) -> dict[str, int]:
    """The ids of a list of mappings, reporting duplicates."""
    seen: dict[str, int] = {}
    if not isinstance(items, list):
        return seen
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            ident = item["id"]
            if ident in seen:
                first = doc.mark((path, seen[ident], "id"))
                problems.append(doc.problem(
                    (path, index, "id"), f"duplicate {what} id '{ident}'",
                    f"first used at line {first[0]}" if first else None, at_value=True))
            else:
                seen[ident] = index
    return seen


def _references(doc: YamlDocument) -> Iterator[Problem]:
    """Every reference must resolve; checked on the raw data so it runs alongside pydantic."""
    data = doc.data
    problems: list[Problem] = []
    sources = _ids(data.get("sources"), "source", doc, "sources", problems)
    asks = _ids(data.get("asks"), "ask", doc, "asks", problems)
    _ids(data.get("targets"), "target", doc, "targets", problems)
    yield from problems

    def check(ref: Any, path: tuple[str | int, ...], known: dict[str, int], what: str) -> None:
        if isinstance(ref, str) and ref not in known and SLUG.match(ref):
            hint = did_you_mean(ref, list(known)) or (
                f"known {what}s: {', '.join(known)}" if known else f"add it under {what}s:")
            problems.append(doc.problem(path, f"unknown {what} '{ref}'", hint, at_value=True))

    problems.clear()
    for section in ("facts", "quotes"):
        items = data.get(section)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            ref = item.get("source")
            if isinstance(ref, list):
                for n, one in enumerate(ref):
                    check(one, (section, index, "source", n), sources, "source")
            else:
                check(ref, (section, index, "source"), sources, "source")
    targets = data.get("targets")
    for index, item in enumerate(targets if isinstance(targets, list) else []):
        if isinstance(item, dict) and isinstance(item.get("asks"), list):
            for n, one in enumerate(item["asks"]):
                check(one, ("targets", index, "asks", n), asks, "ask")
    detainees = data.get("detainees")
    if isinstance(detainees, list) and detainees:
        from advocate.schema.prison_mail import PROFILES

        _ids(detainees, "detainee", doc, "detainees", problems)
        for index, item in enumerate(detainees):
            if isinstance(item, dict):
                check(item.get("prison_mail"), ("detainees", index, "prison_mail"),
                      dict.fromkeys(PROFILES, 0), "prison-mail profile")
    ask_items = data.get("asks") if isinstance(data.get("asks"), list) else []
    thanked = {item["id"] for item in ask_items if isinstance(item, dict)
               and isinstance(item.get("id"), str) and item.get("thanks")}
    for index, item in enumerate(targets if isinstance(targets, list) else []):
        if isinstance(item, dict) and isinstance(item.get("acted"), list):
            for n, one in enumerate(item["acted"]):
                check(one, ("targets", index, "acted", n), asks, "ask")
                if isinstance(one, str) and one in asks and one not in thanked:
                    problems.append(doc.problem(
                        ("targets", index, "acted", n),
                        f"target '{item.get('id')}' has acted on ask '{one}', which has no "
                        "thanks: wording", f"add to ask '{one}' a line such as thanks: "
                        "Thank you for ... (a letter thanks a target for what it has done, "
                        "and never urges it)", at_value=True))
    target_ids = {item["id"]: n for n, item in enumerate(targets if isinstance(targets, list)
                                                         else []) if isinstance(item, dict)
                  and isinstance(item.get("id"), str)}
    deadlines = data.get("deadlines")
    for index, item in enumerate(deadlines if isinstance(deadlines, list) else []):
        if isinstance(item, dict) and "target" in item:
            check(item["target"], ("deadlines", index, "target"), target_ids, "target")
    yield from problems


def _translation_warnings(doc: YamlDocument) -> Iterator[Problem]:
    """Name every translatable field that lacks a declared language (a warning: it falls back)."""
    data = doc.data
    declared = [data.get("language", "en")]
    if isinstance(data.get("translations"), dict):
        declared += [lang for lang in data["translations"] if lang not in declared]
    if len(declared) < 2:
        return

    def walk(value: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
        if isinstance(value, dict):
            keys = list(value)
            if keys and all(isinstance(k, str) and _LANG.match(k) and isinstance(v, str)
                            for k, v in value.items()) and path[:1] != ("translations",):
                missing = [lang for lang in declared if lang not in value]
                if missing:
                    yield doc.problem(
                        path, f"{'.'.join(map(str, path))}: no {', '.join(missing)} text",
                        f"add `{missing[0]}:`, or letters in {', '.join(missing)} fall back "
                        f"to {declared[0]}", severity="warning")
                return
            for key, child in value.items():
                yield from walk(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from walk(child, (*path, index))

    yield from walk(data, ())
