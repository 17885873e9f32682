"""``advocate kit``: paper for a letter-writing night, one folder for the print shop.

From the campaign alone: posters with a QR code, case cards four to a page with cut marks,
a sign-in sheet, a tally sheet (and its CSV, for ``advocate log --from``), each target's
letter to write by hand with its addressed envelope, envelopes and address labels for
everyone the campaign writes to, and solidarity cards to the people it is about, written
to the rules of the prison that holds them. Every document is rendered by
:class:`advocate.render.documents.Renderer` (its wording in ``letter_templates/<lang>/``,
its layout in ``letter_templates/*.html.j2``), so PDFs are tagged, carry their language
and title, and use the bundled fonts. The folder is written whole or not at all.

The pieces: :mod:`.sheets` (paper, envelope and label geometry), :mod:`.postal`
(addresses in each country's format), :mod:`.plan` (what the folder holds and how each
document is made), :mod:`.prison_check` (``advocate check``'s prison-mail rule).
"""

from __future__ import annotations

from advocate.kit.plan import Kit, KitOptions, build_kit, write_kit

__all__ = ["Kit", "KitOptions", "build_kit", "write_kit"]
