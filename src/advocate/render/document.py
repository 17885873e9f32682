"""A rendered document: its words (Markdown), what its layout needs and its email forms.

Kept apart from :class:`advocate.render.documents.Renderer`, which makes them, so that what
reads or writes a document (the letter cache, the page fit, the petition in parts) needs no
renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from advocate.errors import Problem
from advocate.render.writer import Writer
from advocate.templates.stencil import Filled
from advocate.text import markdown as markup

if TYPE_CHECKING:
    from advocate.signers import Signer


Kind = Literal["letter", "petition", "brief", "sheet", "followup",
               # paper for an event (advocate.kit)
               "poster", "casecards", "signin", "tally", "card", "postcards", "envelopes",
               "labels", "kit"]


Paper = Literal["a4", "letter"]


@dataclass
class Document:
    """One rendered document: its words (Markdown) and what its layout needs."""

    kind: Kind
    lang: str
    title: str
    markdown: str
    context: dict[str, Any]
    exported: dict[str, Any]
    subject: str | None = None
    target_id: str | None = None
    writer_row: int | None = None
    warnings: list[Problem] = field(default_factory=list)
    #: A letter's reference (:mod:`advocate.reference`), printed at its foot.
    reference: str | None = None
    writer: Writer | None = field(default=None, repr=False)
    signers: Sequence[Signer] | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)
    _make_text: Callable[[], str] | None = field(default=None, repr=False)
    #: The layout, when not the kind's own (``{kind}.html.j2``): a letter written by hand.
    layout: str | None = None
    #: The letter as filled in from its stencil (None: rendered in full); its email forms
    #: are filled in from the stencil's too.
    filled: Filled | None = field(default=None, repr=False)
    #: What follows the filled letter in ``markdown`` (its reference block), if anything.
    tail: str | None = field(default=None, repr=False)
    _emails: dict[str, str] = field(default_factory=dict, repr=False)

    def text(self) -> str:
        """The plain-text form (computed once: the .txt file)."""
        if self._text is None:
            self._text = self._make_text() if self._make_text else markup.to_text(self.markdown)
        return self._text

    def email_text(self) -> str:
        """The words as an email (the .eml body, the mailto): no postal blocks, paragraphs
        not hard-wrapped, the sender's details under the signature."""
        return self._email("full")

    def short_email_text(self, *, facts: bool = False) -> str:
        """A short email for a mailto link: asks by title, with or without the facts."""
        return self._email("titles" if facts else "short")

    def email_fixed(self, form: str) -> tuple[str, ...]:
        """Text that email form ``form`` holds whatever the writer's details (none when not
        known without making the form): a link that cannot fit is not made."""
        if self.filled is None or form not in ("full", "titles", "short"):
            return ()
        from advocate.render.email_text import EMAIL_FORMS, UNWRAPPED

        return self.filled.form_runs(form, EMAIL_FORMS[form], UNWRAPPED)

    def email_variant_text(self, form: str) -> tuple[str, ...]:
        """Text that email form ``form`` holds for this letter's variants, beside
        :meth:`email_fixed` (none when not known without making the form)."""
        if self.filled is None or form not in ("full", "titles", "short"):
            return ()
        from advocate.render.email_text import EMAIL_FORMS, UNWRAPPED

        return self.filled.form_variant_runs(form, EMAIL_FORMS[form], UNWRAPPED)

    def email_variant_measure(self, form: str, measure: Callable[[str], int]) -> int:
        """``measure`` summed over :meth:`email_variant_text`, kept for letters whose variants
        print the same in that form (0 when not known without making the form)."""
        if self.filled is None or form not in ("full", "titles", "short"):
            return 0
        from advocate.render.email_text import EMAIL_FORMS, UNWRAPPED

        return self.filled.form_variant_measure(form, EMAIL_FORMS[form], UNWRAPPED, measure)

    def _email(self, form: str) -> str:
        """An email form's text (computed once each: the draft and the link share it)."""
        if form not in self._emails:
            from advocate.render.email_text import email_form

            self._emails[form] = email_form(self.markdown, form, self.filled, self.tail,
                                            self.reference)
        return self._emails[form]


def named_count(signers: Sequence[Any] | None) -> int:
    """How many signers consent to be named (a compact list knows without a pass)."""
    known = getattr(signers, "named", None)
    if isinstance(known, int):
        return known
    return sum(1 for s in signers or () if s.public)
