"""Personal data kept out of messages and PDF metadata: the values to redact, and the
made-up people a template's error or title is checked against."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from advocate.errors import AdvocateError, LimitError
from advocate.render.document import Document
from advocate.text.bidi import ISOLATES


def _personal_values(contexts: Iterable[dict[str, Any]]) -> list[str]:
    """The writer's and the named signers' details in template contexts (never to be shown
    in a message, whatever a template does with them)."""
    values: list[str] = []
    for context in contexts:
        people = [context.get("writer") or {}]
        signers = context.get("signers")
        if isinstance(signers, dict):
            people += signers.get("public") or []
        for person in people:
            for key, value in person.items():
                if isinstance(value, str) and key != "country":  # a country names no one
                    values += [value, value.strip(ISOLATES), *value.splitlines()]
    # Two-letter values would blank ordinary words of a message ("de" in "undefined").
    return [v.strip() for v in values if len(v.strip()) >= 3]


#: Made-up people. A template's error, or a PDF title it sets, is shown only when it is the
#: same for both of them as for the real writer: then it holds nothing derived from personal
#: data, whatever the template did with it (reversed, replaced, encoded...). Redaction by
#: matching the value cannot know every form a template can give it.
#: They differ from each other as much as they can (short and long, first letters, ASCII
#: or not), so a title that is the same for both says next to nothing about anyone.
_PERSONAS = (
    {"name": "Al Ex", "city": "Ely", "email": "a@example.org", "note": "Hi."},
    {"name": "Zoë Maximilian Placeholder-Othersmith", "city": "Łódź-on-the-Long-River",
     "email": "zoe.maximilian.placeholder@example.net",
     "note": "Another note, a good deal longer than the first one, with two sentences. "
     "Ünïcode too."},
)


def _as_persona(person: Any, persona: dict[str, str]) -> Any:
    """``person`` (a Writer or Signer) with the persona's details where it has details."""
    if person is None:
        return None
    return dataclasses.replace(person, **{key: value for key, value in persona.items()
                                          if getattr(person, key, None)})


def _has_people(documents: Sequence[Document]) -> bool:
    return any((doc.writer is not None and any(doc.writer.view().values()))
               or any(s.public for s in doc.signers or ()) for doc in documents)


def persona_context(context: dict[str, Any], persona: dict[str, str]) -> dict[str, Any]:
    """A template context with the writer's and named signers' details those of
    ``persona`` (where they have details)."""
    changed = dict(context)
    writer = context.get("writer")
    if isinstance(writer, dict):
        changed["writer"] = {key: (persona.get(key, value) if value else value)
                             for key, value in writer.items()}
    signers = context.get("signers")
    if isinstance(signers, dict) and signers.get("public"):
        changed["signers"] = {**signers, "public": [
            {key: (persona.get(key, value) if value else value)
             for key, value in person.items()} for person in signers["public"]]}
    return changed


class PersonaProbe:
    """Whether a template's error or title depends on personal data, found by rendering
    again for made-up people (:data:`_PERSONAS`). ``remake`` makes the same documents as
    written by a persona; ``layout_file`` names a template's file for a message."""

    def __init__(self, remake: Callable[[Sequence[Document], dict[str, str]], list[Document]],
                 layout_file: Callable[[str], str]) -> None:
        self.remake = remake
        self.layout_file = layout_file
        #: Rendering for made-up people now: no probe within a probe, no fit shortcut.
        self.probing = False

    def withheld(self, exc: AdvocateError, documents: Sequence[Document],
                 again: Callable[[dict[str, str]], object], name: str) -> AdvocateError:
        """``exc`` if made-up people get the very same error; else one that says where,
        and nothing that could come from the signer's data."""
        if self.probing or not _has_people(documents) or isinstance(exc, LimitError):
            return exc  # a limit's message is advocate's own words, never the data's
        if self._same_error_for_personas(exc, again):
            return exc
        rows = sorted({doc.writer.row for doc in documents
                       if doc.writer is not None and doc.writer.row})
        which = f"row {rows[0]}: " if len(rows) == 1 else ""
        return AdvocateError(
            f"{which}the template failed on this signer's details (the message is withheld: "
            "it depends on personal data)", file=self.layout_file(name),
            hint="try the template with made-up details (advocate letter --name ...) to see "
            "the error")

    def _same_error_for_personas(self, exc: AdvocateError,
                                 again: Callable[[dict[str, str]], object]) -> bool:
        self.probing = True
        try:
            for persona in _PERSONAS:
                try:
                    again(persona)
                except AdvocateError as other:
                    if other.problems != exc.problems:
                        return False
                else:
                    return False
            return True
        finally:
            self.probing = False

    def title_of(self, documents: Sequence[Document]) -> str:
        """The PDF title: the document's own, unless it depends on personal data (then the
        campaign's): PDF metadata names no one, however a template spells the name."""
        first = documents[0]
        campaign = str(first.context["campaign"]["title"])
        title = first.title if len(documents) == 1 else campaign
        if title == campaign or self.probing or not _has_people(documents):
            return title
        self.probing = True
        try:
            for persona in _PERSONAS:
                if self.remake(documents, persona)[0].title != title:
                    return campaign
        except AdvocateError:
            return campaign
        finally:
            self.probing = False
        return title
