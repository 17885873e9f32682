"""Personal data kept out of messages and PDF metadata: the values to redact, and the
made-up people a template's error or title is checked against."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

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
