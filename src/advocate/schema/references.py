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
    """Every reference must resolve; checked on the raw data so it runs alongside pydantic.
    Duplicate ids first, then each kind of reference in the file's order of sections."""
    data = doc.data
    problems: list[Problem] = []
    sources = _ids(data.get("sources"), "source", doc, "sources", problems)
    asks = _ids(data.get("asks"), "ask", doc, "asks", problems)
    _ids(data.get("targets"), "target", doc, "targets", problems)
    yield from problems
    refs = _References(doc)
    refs.sources(data, sources)
    targets = _list(data.get("targets"))
    for index, item in enumerate(targets):
        if isinstance(item, dict) and isinstance(item.get("asks"), list):
            for n, one in enumerate(item["asks"]):
                refs.check(one, ("targets", index, "asks", n), asks, "ask")
    refs.detainees(data.get("detainees"))
    refs.acted(data, targets, asks)
    target_ids = {item["id"]: n for n, item in enumerate(targets)
                  if isinstance(item, dict) and isinstance(item.get("id"), str)}
    for index, item in enumerate(_list(data.get("deadlines"))):
        if isinstance(item, dict) and "target" in item:
            refs.check(item["target"], ("deadlines", index, "target"), target_ids, "target")
    yield from refs.problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _References:
    """The problems of a campaign's references, as each kind is checked."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def check(self, ref: Any, path: tuple[str | int, ...], known: dict[str, int],
              what: str) -> None:
        """A reference (an id-like text) that names nothing known: with a "did you mean"."""
        if isinstance(ref, str) and ref not in known and SLUG.match(ref):
            hint = did_you_mean(ref, list(known)) or (
                f"known {what}s: {', '.join(known)}" if known else f"add it under {what}s:")
            self.problems.append(self.doc.problem(path, f"unknown {what} '{ref}'", hint,
                                                  at_value=True))

    def sources(self, data: Any, sources: dict[str, int]) -> None:
        """Each fact's and quote's source (one, or a list)."""
        for section in ("facts", "quotes"):
            for index, item in enumerate(_list(data.get(section))):
                if not isinstance(item, dict):
                    continue
                ref = item.get("source")
                if isinstance(ref, list):
                    for n, one in enumerate(ref):
                        self.check(one, (section, index, "source", n), sources, "source")
                else:
                    self.check(ref, (section, index, "source"), sources, "source")

    def detainees(self, detainees: Any) -> None:
        """Detainees' ids unique, and each one's prison-mail profile one there is."""
        if not isinstance(detainees, list) or not detainees:
            return
        from advocate.schema.prison_mail import PROFILES

        _ids(detainees, "detainee", self.doc, "detainees", self.problems)
        for index, item in enumerate(detainees):
            if isinstance(item, dict):
                self.check(item.get("prison_mail"), ("detainees", index, "prison_mail"),
                           dict.fromkeys(PROFILES, 0), "prison-mail profile")

    def acted(self, data: Any, targets: list[Any], asks: dict[str, int]) -> None:
        """The asks a target has acted on: asks there are, each with its thanks: wording."""
        thanked = {item["id"] for item in _list(data.get("asks")) if isinstance(item, dict)
                   and isinstance(item.get("id"), str) and item.get("thanks")}
        for index, item in enumerate(targets):
            if not isinstance(item, dict) or not isinstance(item.get("acted"), list):
                continue
            for n, one in enumerate(item["acted"]):
                self.check(one, ("targets", index, "acted", n), asks, "ask")
                if isinstance(one, str) and one in asks and one not in thanked:
                    self.problems.append(self.doc.problem(
                        ("targets", index, "acted", n),
                        f"target '{item.get('id')}' has acted on ask '{one}', which has no "
                        "thanks: wording", f"add to ask '{one}' a line such as thanks: "
                        "Thank you for ... (a letter thanks a target for what it has done, "
                        "and never urges it)", at_value=True))


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
