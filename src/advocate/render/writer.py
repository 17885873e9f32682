"""Who writes a letter: a person from the command line, or one row of a signer list.

Kept apart from :mod:`advocate.render.documents` (and free of Jinja and Pydantic) because the
quick path of ``advocate letter`` (:mod:`advocate.render.letter_cache`) needs a writer's view
and nothing else of the renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advocate.text.stencil import FIELDS

if TYPE_CHECKING:
    from advocate.signers import Signer

__all__ = ["Writer"]

#: The writer's details that may hold more than one line (the rest are made one line).
MULTILINE = ("note", "address")


@dataclass(frozen=True)
class Writer:
    """Who writes a letter: from the command line, or one row of a signer list."""

    name: str | None = None
    city: str | None = None
    email: str | None = None
    country: str | None = None
    note: str | None = None
    row: int | None = None
    file: str | None = None  # the signer list, for messages ("signers.csv:3: row 2: ...")
    line: int | None = None
    address: str | None = None  # postal address (lines), so a reply by post is possible
    #: From a signer list: a country code an export gives ("PE") is written as the
    #: country's name in the letter's language. What someone types is theirs, as typed.
    from_list: bool = False

    @classmethod
    def from_signer(cls, signer: Signer) -> Writer:
        return cls(signer.name, signer.city, signer.email, signer.country, signer.note,
                   signer.row, signer.file, signer.line, getattr(signer, "address", None),
                   from_list=True)

    def view(self) -> dict[str, Any]:
        one_line = {key: " ".join(value.split()) if (value := getattr(self, key)) else None
                    for key in FIELDS if key not in MULTILINE}
        note = self.note.strip() if self.note else None
        # One line, as the sender line of a window envelope shows it: "Street 1, 10115 Berlin"
        lines = [" ".join(part.split()) for part in re.split(r"[\n,]", self.address or "")]
        address = ", ".join(part for part in lines if part) or None
        return {**one_line, "note": note, "address": address}
