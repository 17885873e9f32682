"""Documents from a campaign: letters, petitions, signature sheets and briefs.

Each kind of document has one wording template in Markdown per language
(``en/letter.md.j2``) and one layout per medium (``letter.html.j2``). The Markdown is
rendered once; plain text comes from it directly, HTML wraps it in the layout, and the PDF
is that HTML printed by :mod:`advocate.render.pdf`. A wording template exports what the layout
and the email need with ``{% set %}``: ``subject``, ``title``, ``labels``.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import pass_context
from markupsafe import Markup

from advocate import limits
from advocate.clock import today
from advocate.errors import AdvocateError, LimitError, Problem, redacted
from advocate.pathlike import StrPath, as_optional_path
from advocate.reference import letter_reference, reference_block
from advocate.render.email_text import wording_titles
from advocate.render.html import apply_csp, with_style
from advocate.render.variants import LetterVariants
from advocate.render.writer import Writer as Writer  # the documents' writer, re-exported
from advocate.schema.campaign import Campaign
from advocate.templates.host import (
    AdvocateEnvironment,
    make_environment,
    render,
    template_roots,
    untrusted_roots,
)
from advocate.templates.stencil import (
    FIELDS,
    Filled,
    Shape,
    Stencil,
    StencilCache,
    make_stencil,
    marking_environment,
    shape,
)
from advocate.text import markdown as markup
from advocate.text.bidi import ISOLATES, direction, isolate, isolate_view, plain, rtl_script
from advocate.text.localise import (
    Localiser,
    campaign_view,
    format_day,
    language_name,
    resolve_language,
    target_view,
)
from advocate.text.markdown import MarkdownText, escape_markdown
from advocate.text.numbers import format_count, localise_places
from advocate.text.stencil import text_plan

if TYPE_CHECKING:
    from advocate.render.pdf.engine import PdfResult
    from advocate.signers import Signer

Kind = Literal["letter", "petition", "brief", "sheet", "followup",
               # paper for an event (advocate.kit)
               "poster", "casecards", "signin", "tally", "card", "postcards", "envelopes",
               "labels", "kit"]
_URL = re.compile(r"(?:https?|mailto):[^\s<>\"'()\[\]]+", re.IGNORECASE)
PDF_SECONDS = 60.0  # the PDF renderer's own time limit (render_pdf_pages' default)
PAGE_BUDGET = {"letter": 1, "brief": 2, "sheet": 1, "followup": 1, "poster": 1}
FIT_LEVELS = 2
#: A letter's target, language and writer's shape (see Renderer._fit_key).
FitKey = tuple[str, str, Shape]
#: The least text a writer's value can be (see Renderer._overflows_anyway).
_LEAST = "\u200b"
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

    def _email(self, form: str) -> str:
        """An email form's text (computed once each: the draft and the link share it)."""
        if form not in self._emails:
            from advocate.render.email_text import email_form

            self._emails[form] = email_form(self.markdown, form, self.filled, self.tail)
        return self._emails[form]


SHEET_ROWS = 20  # a signature sheet's rows in text and HTML (its PDF fills the page)
#: More rows than a page holds (32 rows of 8.2 mm fill A4): those on its first page fit.
SHEET_PROBE_ROWS = 40
SHEET_FOOTER_ROWS = 2  # the room the footer (date, organiser) takes below the last row


def _rows_on_first_page(data: bytes) -> int:
    """How many numbered rows (1, 2, 3...) the first page of a sheet's PDF holds."""
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(data)).pages[0].extract_text() or ""
    numbers = {int(word) for word in text.split() if word.isdigit() and len(word) <= 3}
    count = 0
    while count + 1 in numbers:
        count += 1
    return count if count < SHEET_PROBE_ROWS else 0


@pass_context
def _number(context: Any, value: Any) -> str:
    """``{{ signers.count | number }}``: a count grouped as the document's language writes
    it (20,000 / 20 000 / 20.000)."""
    return format_count(value, str(context.get("lang") or "en"))


def _lines(value: Any) -> MarkdownText:
    """Lines of text as Markdown hard-broken lines (addresses, sender blocks)."""
    if value is None:
        return MarkdownText("")
    items = value if isinstance(value, list | tuple) else str(value).splitlines()
    return MarkdownText("\\\n".join(escape_markdown(str(item)) for item in items if item))


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


def _pdf_confined(env: AdvocateEnvironment, html: str, options: dict[str, Any]) -> PdfResult:
    """In the confined child: one PDF render."""
    from advocate.render import pdf

    return pdf.render_pdf_result(html, **options)


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


def _named_count(signers: Sequence[Any] | None) -> int:
    """How many signers consent to be named (a compact list knows without a pass)."""
    known = getattr(signers, "named", None)
    if isinstance(known, int):
        return known
    return sum(1 for s in signers or () if s.public)


def _has_people(documents: Sequence[Document]) -> bool:
    return any((doc.writer is not None and any(doc.writer.view().values()))
               or any(s.public for s in doc.signers or ()) for doc in documents)


def font_problems(people: Iterable[Any], *, campaign_path: Path | None = None,
                  templates: Path | None = None, petition_only: bool = False) -> list[Problem]:
    """Know before you render: every signer row (or writer) whose details a PDF could not
    draw, all at once, by row, script and field, never the text (errors), and the rows whose
    emoji or symbols a PDF leaves out (warnings). Fonts of the template pack count."""
    from advocate.render.pdf import fonts

    extra = fonts.pack_fonts(template_roots(templates, campaign_path))
    if petition_only:  # no letter PDFs: only the petition's named signers are printed
        named = [p for p in people if getattr(p, "public", False)]
        return fonts.people_problems(named, extra, fonts.PETITION_FIELDS)
    return fonts.people_problems(people, extra)


WORDING_KINDS = ("letter", "petition", "sheet", "brief")


def wording_problems(campaign: Campaign, *, templates: Path | None = None,
                     lang: str | None = None) -> list[Problem]:
    """Every language the campaign (a target, a translation, ``--lang``) asks for that has
    no wording templates, at the place that asks for it: known before anything renders."""
    roots = template_roots(templates, campaign.path)
    doc = campaign.document

    def missing(code: str) -> list[str]:
        return [kind for kind in WORDING_KINDS
                if not any((root / code / f"{kind}.md.j2").is_file() for root in roots)]

    where = str(campaign.path.parent) if campaign.path else "."
    hint = ("write them with `advocate new --lang {code} --dir " + where + "` (the English "
            "wording, marked for translation, in templates/{code}/ beside the campaign)")
    wanted: list[tuple[str, tuple[str | int, ...] | None]] = [(campaign.language, ("language",))]
    wanted += [(code, ("translations", code)) for code in campaign.translations]
    wanted += [(str(t.language), ("targets", i, "language"))
               for i, t in enumerate(campaign.targets) if t.language]
    if lang is not None:
        wanted = [(lang, None)]
    problems: list[Problem] = []
    seen: set[str] = set()
    for code, path in wanted:
        if code in seen:
            continue
        seen.add(code)
        kinds = missing(code)
        if not kinds:
            continue
        message = f"no wording templates for language '{code}' ({', '.join(kinds)})"
        if path is not None and doc is not None:
            problems.append(doc.problem(path, message, hint.format(code=code), at_value=True))
        else:
            problems.append(Problem(f"--lang {code}: {message}", hint=hint.format(code=code)))
    return problems


_TAG = re.compile(r"(<[^>]*>)")
_CITATION = re.compile(r"\s+\[(\d+(?:, \d+)*)\]")
_URL = re.compile(r"https?://(?:(?!&quot;|&#x27;|&#39;|&lt;|&gt;)[^\s<>\"])+"
                  r"(?<![.,;:!?)])")
_URL_SHORT = 40  # a shorter address fits on a line: left as it is
_URL_BREAK = re.compile(r"(?<=[/?=#])(?=[^/])|(?<=&amp;)|(?<=[^/.])(?=\.)")


def _names(context: dict[str, Any]) -> list[str]:
    """The people a document names: its targets, quoted speakers and its writer."""
    campaign = context.get("campaign") or {}
    found = [t.get("name") for t in campaign.get("targets") or []]
    found += [q.get("speaker") for q in campaign.get("quotes") or []]
    found += [(context.get("target") or {}).get("name"), (context.get("writer") or {}).get("name")]
    clean = {plain(str(n)).strip() for n in found if n}
    return sorted((n for n in clean if len(n) >= 3), key=len, reverse=True)


def typeset(html: str, names: Sequence[str]) -> str:
    """Typographic care a text cannot take itself, in an HTML body's text (never its tags):

    * people's names are marked ``<span class="name">``: layouts never hyphenate them;
    * URLs get break opportunities (``<wbr>``) after ``/ ? & = #`` and before a dot, so a
      long address breaks where a reader expects, never mid-word with a hyphen;
    * a citation mark ``[1, 4]`` is bound to the word before it (no-break spaces), so it
      never stands alone at the start of a line.
    """
    escaped = [escape(n) for n in names]  # as the Markdown renderer escapes text
    people = re.compile("|".join(map(re.escape, escaped))) if escaped else None
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):
        text = parts[index]
        if not text or text.isspace():
            continue
        text = _CITATION.sub(lambda m: "\u00a0[" + m.group(1).replace(", ", ",\u00a0") + "]",
                             text)
        if people is not None:
            text = people.sub(lambda m: f'<span class="name">{m.group()}</span>', text)
        text = _URL.sub(lambda m: _URL_BREAK.sub("<wbr>", m.group())
                        if len(m.group()) > _URL_SHORT else m.group(), text)
        parts[index] = text
    return "".join(parts)


def with_reference(markdown: str, block: str) -> str:
    """A letter's Markdown with its reference block at its foot."""
    return f"{markdown}\n\n{block}"


def _reference_block(reference: str, exported: dict[str, Any]) -> str:
    """The reference block, labelled as the wording's ``labels.reference`` (if it gives one)."""
    labels = exported.get("labels")
    label = labels.get("reference") if isinstance(labels, dict) else None
    return reference_block(reference, label if isinstance(label, str) else None)


def _cite(numbers: Sequence[int]) -> str:
    return "[" + ", ".join(str(n) for n in numbers) + "]"


class Renderer:
    """Renders one campaign's documents; holds its template environment."""

    def __init__(self, campaign: Campaign, *, templates: StrPath | None = None,
                 day: date | None = None, paper: Paper = "a4") -> None:
        self.campaign = campaign
        self.roots = template_roots(as_optional_path(templates), campaign.path)
        #: Only advocate's own templates: no template-made link or layout to check.
        self.trusted = not untrusted_roots(self.roots)
        self.env: AdvocateEnvironment = make_environment(
            self.roots, {"lines": _lines, "cite": _cite, "number": _number,
                         "language_name": language_name})
        self.day = day or today()
        self.paper: Paper = paper
        self._views: dict[str, tuple[dict[str, Any], list[Problem]]] = {}
        self._targets: dict[tuple[str, int], tuple[dict[str, Any], list[Problem]]] = {}
        self.stencils = StencilCache(self.env)
        self.variants = LetterVariants(campaign, self.env)
        self._links: frozenset[str] | None = None
        self._probing = False  # rendering for made-up people (see _private)
        # Fit levels at which a letter of a key ran over, and whether the least letter of
        # that key does (see _overflows_anyway).
        self._bases: dict[tuple[str, date, str], tuple[dict[str, Any], list[Problem]]] = {}
        self._overflowed: set[tuple[FitKey, int]] = set()
        self._least_overflows: dict[tuple[FitKey, int], bool] = {}

    # -- data -------------------------------------------------------------------------

    def view(self, lang: str) -> tuple[dict[str, Any], list[Problem]]:
        """The campaign in ``lang`` (cached) and the fallback warnings it produced."""
        if lang not in self._views:
            loc = Localiser(self.campaign, lang)
            self._views[lang] = (campaign_view(self.campaign, loc), loc.warnings)
        return self._views[lang]

    def _wording(self, kind: str, lang: str, context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = f"{lang}/{kind}.md.j2"
        try:
            return render(self.env, name, context)
        except AdvocateError as exc:
            if exc.first.message == f"template not found: {name}":
                raise AdvocateError(
                    f"no {kind} template for language '{lang}'",
                    hint=f"add templates/{lang}/{kind}.md.j2 beside the campaign "
                    "(copy one with `advocate new --templates`)") from None
            raise

    def _base_context(self, lang: str) -> tuple[dict[str, Any], list[Problem]]:
        """A new context for ``lang`` (made once per language, copied for each letter)."""
        key = (lang, self.day, self.paper)
        if key not in self._bases:
            view, warnings = self.view(lang)
            self._bases[key] = ({
                "campaign": view,
                "lang": lang,
                "dir": direction(lang),
                "rtl_script": rtl_script(lang),
                "date": format_day(self.day, lang),
                "date_iso": self.day.isoformat(),
                "paper": self.paper,
            }, warnings)
        base, warnings = self._bases[key]
        return dict(base), list(warnings)

    def _document(self, kind: Kind, lang: str, context: dict[str, Any],
                  warnings: list[Problem], **extra: Any) -> Document:
        try:
            with redacted(_personal_values([context])):
                text, exported = self._wording(kind, lang, context)
        except AdvocateError as exc:
            people = [Document(kind, lang, "", "", context, {}, writer=extra.get("writer"),
                               signers=extra.get("signers"))]

            def again(persona: dict[str, str]) -> object:
                return self._wording(kind, lang, self._persona_context(context, persona))

            raise self._private(exc, people, again, f"{lang}/{kind}.md.j2") from None
        subject, title = wording_titles(exported, context["campaign"]["title"])
        return Document(kind, lang, title, text, context, exported, subject,
                        warnings=warnings, **extra)

    # -- personal data in messages ---------------------------------------------------

    @staticmethod
    def _persona_context(context: dict[str, Any], persona: dict[str, str]) -> dict[str, Any]:
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

    def _persona_documents(self, documents: Sequence[Document],
                           persona: dict[str, str]) -> list[Document]:
        """The same documents, written by made-up people."""
        made: list[Document] = []
        for doc in documents:
            if doc.kind == "letter" and doc.writer is not None:
                made.append(self.letter(doc.target_id or "", _as_persona(doc.writer, persona),
                                        doc.lang))
            elif doc.kind == "petition" and doc.signers:
                made.append(self.petition([_as_persona(s, persona) for s in doc.signers],
                                          doc.lang))
            else:
                made.append(doc)
        return made

    def _private(self, exc: AdvocateError, documents: Sequence[Document],
                 again: Callable[[dict[str, str]], object], name: str) -> AdvocateError:
        """``exc`` if made-up people get the very same error; else one that says where,
        and nothing that could come from the signer's data."""
        if self._probing or not _has_people(documents) or isinstance(exc, LimitError):
            return exc  # a limit's message is advocate's own words, never the data's
        self._probing = True
        try:
            for persona in _PERSONAS:
                try:
                    again(persona)
                except AdvocateError as other:
                    if other.problems != exc.problems:
                        break
                else:
                    break
            else:
                return exc
        finally:
            self._probing = False
        rows = sorted({doc.writer.row for doc in documents
                       if doc.writer is not None and doc.writer.row})
        which = f"row {rows[0]}: " if len(rows) == 1 else ""
        return AdvocateError(
            f"{which}the template failed on this signer's details (the message is withheld: "
            "it depends on personal data)", file=self._layout_file(name),
            hint="try the template with made-up details (advocate letter --name ...) to see "
            "the error")

    def _title_of(self, documents: Sequence[Document]) -> str:
        """The PDF title: the document's own, unless it depends on personal data (then the
        campaign's): PDF metadata names no one, however a template spells the name."""
        first = documents[0]
        campaign = str(first.context["campaign"]["title"])
        title = first.title if len(documents) == 1 else campaign
        if title == campaign or self._probing or not _has_people(documents):
            return title
        self._probing = True
        try:
            for persona in _PERSONAS:
                if self._persona_documents(documents, persona)[0].title != title:
                    return campaign
        except AdvocateError:
            return campaign
        finally:
            self._probing = False
        return title

    # -- documents --------------------------------------------------------------------

    def letters(self, to: str | None, writers: Sequence[Writer | None],
                lang: str | None = None) -> list[Document]:
        """A letter from each writer (``None``: a fill-in letter) to target ``to``, or to
        every target when ``to`` is None; writer by writer, targets in campaign order.
        Every target is checked before any letter is written."""
        targets = [self.campaign.target(to).id] if to else [t.id for t in self.campaign.targets]
        return [self.letter(t, w, lang) for w in writers for t in targets]

    def eml_draft(self, documents: Sequence[Document]) -> bytes:
        """The ``.eml`` draft of exactly one letter (a draft is one message); a target
        without an email address gets a draft with no To: line and a warning."""
        if len(documents) != 1 or documents[0].kind != "letter":
            raise AdvocateError("--format eml writes one message",
                                hint="pass --to TARGET and one writer, or use `advocate build`")
        letter = documents[0]
        if not self.campaign.target(letter.target_id or "").email:
            letter.warnings.append(Problem(
                f"target '{letter.target_id}' has no email address; the draft has no To: line",
                hint="add the recipient in your mail client", severity="warning"))
        return self.eml(letter)

    def letter(self, target_id: str, writer: Writer | None = None,
               lang: str | None = None) -> Document:
        """A letter from ``writer`` (or a fill-in template) to one target, its reference
        at its foot."""
        lang, context, warnings = self._letter_context(target_id, writer, lang)
        view = context["writer"]
        signed = context["signed"]
        row = writer.row if writer else None
        reference = letter_reference(self.campaign.id, target_id, row)
        chosen = self.variants.put(context, warnings, row, (writer or Writer()).view())
        # The second letter of a kind on: fill in a stencil rather than render in full.
        filled = self.stencils.fill((target_id, lang, shape(view, signed)),
                                     f"{lang}/letter.md.j2", context, view,
                                     self.variants.slots, chosen)
        if filled is None:
            document = self._document("letter", lang, context, warnings, target_id=target_id,
                                      writer_row=row, writer=writer)
            block = _reference_block(reference, document.exported)
            document.markdown = with_reference(document.markdown, block)
            document.reference = reference
            return document
        subject, title = wording_titles(filled.exported, context["campaign"]["title"])
        block = _reference_block(reference, filled.exported)

        def text() -> str:
            return markup.joined_blocks([filled.text(), markup.block_text(block)])

        return Document("letter", lang, title, with_reference(filled.markdown, block), context,
                        filled.exported, subject, warnings=warnings, target_id=target_id,
                        writer_row=row, writer=writer, _make_text=text, reference=reference,
                        filled=filled, tail=block)

    def letter_stencil(self, target_id: str, writer: Writer,
                       lang: str | None = None) -> tuple[str, Stencil | None]:
        """The language and the stencil of letters to ``target_id`` from writers shaped like
        ``writer`` (None: the template cannot be filled in from a stencil), with the
        reference of ``writer``'s row (a single letter's: row 0) at its foot."""
        lang, context, _ = self._letter_context(target_id, writer, lang)
        if self.stencils._marking is None:
            self.stencils._marking = marking_environment(self.env)
        stencil = make_stencil(self.env, self.stencils._marking, f"{lang}/letter.md.j2",
                               context, context["writer"], self.variants.slots)
        if stencil is None:
            return lang, None
        block = _reference_block(letter_reference(self.campaign.id, target_id, writer.row),
                                 stencil.exported)
        pieces = (*stencil.pieces[:-1], with_reference(stencil.pieces[-1], block))
        return lang, Stencil(pieces, stencil.exported, text_plan(pieces))

    def _letter_context(self, target_id: str, writer: Writer | None,
                        lang: str | None) -> tuple[str, dict[str, Any], list[Problem]]:
        target = self.campaign.target(target_id)
        lang = resolve_language(self.campaign, lang, target)
        context, warnings = self._base_context(lang)
        index = next(i for i, t in enumerate(self.campaign.targets) if t.id == target.id)
        if (lang, index) not in self._targets:
            loc = Localiser(self.campaign, lang)
            self._targets[(lang, index)] = (target_view(self.campaign, loc, index), loc.warnings)
        context["target"], target_warnings = self._targets[(lang, index)]
        warnings.extend(w for w in target_warnings if w not in warnings)
        view = (writer or Writer()).view()
        if writer is not None and writer.from_list:  # an export's "PE": "Perú", "Peru"
            view = localise_places(view, lang)
        context["writer"] = isolate_view(view, lang)
        context["signed"] = writer is not None and bool(writer.name)
        context["variants"] = {}  # a letter's own: letter() picks them
        return lang, context, warnings

    def followup(self, target_id: str, first: dict[str, Any],
                 lang: str | None = None) -> Document:
        """A second, fill-in letter to a target that has not replied (wording
        ``<lang>/followup.md.j2``, the letter's layout). ``first`` is what it cites of the
        first letters: ``date`` (a date), ``reference``, ``letters`` (how many were sent)
        and ``days`` (since then); the first letter's reference stands at its foot."""
        lang, context, warnings = self._letter_context(target_id, None, lang)
        context["first"] = {**first, "date": format_day(first["date"], lang),
                            "date_iso": first["date"].isoformat()}
        document = self._document("followup", lang, context, warnings, target_id=target_id)
        document.markdown = with_reference(
            document.markdown, _reference_block(first["reference"], document.exported))
        document.reference = first["reference"]
        return document

    def petition(self, signers: Sequence[Signer] | None = None,
                 lang: str | None = None, *, for_pdf: bool = False) -> Document:
        """The petition: text, asks, addressees, count and the signers who agreed to be named.

        ``for_pdf``: the document is only for :meth:`pdf`; a long list of names is then not
        put into its Markdown (the PDF prints it in parts, see ``render/petition_pdf.py``)."""
        from advocate.render import petition_pdf

        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        named = _named_count(signers)
        if signers is None:
            context["signers"] = None
        elif for_pdf and named >= petition_pdf.PARTS_MIN_NAMED:
            context["signers"] = {"count": len(signers),
                                  "public": petition_pdf.stand_in(named)}
        else:
            context["signers"] = {
                "count": len(signers),
                "public": [isolate_view(localise_places(Writer.from_signer(s).view(), lang),
                                        lang) for s in signers if s.public],
            }
        return self._document("petition", lang, context, warnings, signers=signers)

    def sheet(self, lang: str | None = None, rows: int | None = None) -> Document:
        """A printable signature sheet for gathering signatures on paper.

        ``rows=None``: as many rows as fill the page (its PDF counts them, see
        :meth:`_filled_sheet`); its text and HTML have ``SHEET_ROWS``."""
        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        context["rows"] = rows or SHEET_ROWS
        context["_fill_page"] = rows is None
        return self._document("sheet", lang, context, warnings)

    def _filled_sheet(self, sheet: Document) -> Document:
        """The sheet with as many rows as its first page holds: rendered once with more rows
        than any page holds, the rows on that PDF's first page counted (by their numbers)."""
        from advocate.render import pdf

        probe = self.sheet(sheet.lang, rows=SHEET_PROBE_ROWS)
        layout = self.env.get_template("sheet.html.j2").filename
        html = self.html([probe], for_print=True)
        options: dict[str, Any] = dict(
            title=sheet.title, lang=sheet.lang, roots=self.roots, paper=self.paper,
            base_dir=Path(layout).parent if layout else self.roots[-1],
            source="sheet.html.j2", allowed_links=None if self.trusted else
            self.campaign_links())
        if self.trusted or limits.CONFINED or not limits.CAN_CONFINE:
            result = pdf.render_pdf_result(html, **options)
        else:
            result = self.env.confined().call(_pdf_confined, html, options,
                                              seconds=PDF_SECONDS, what=str(layout))
        rows = _rows_on_first_page(result.data) - SHEET_FOOTER_ROWS
        if rows < 1:
            return sheet  # the head fills the page: the fit levels shrink it as ever
        filled = self.sheet(sheet.lang, rows=rows)
        filled.warnings[:] = sheet.warnings
        return filled

    def brief(self, lang: str | None = None) -> Document:
        """The briefing sheet: figures, background, asks, quotes, targets, sources."""
        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        return self._document("brief", lang, context, warnings)

    def document(self, kind: Kind, lang: str, extra: dict[str, Any]) -> Document:
        """A document of ``kind`` from its wording ``{lang}/{kind}.md.j2``, the campaign in
        ``lang`` and ``extra`` in its context (the kit's poster, cards and sheets)."""
        context, warnings = self._base_context(lang)
        context.update(extra)
        return self._document(kind, lang, context, warnings)

    # -- media ------------------------------------------------------------------------

    def html(self, documents: Sequence[Document], *, for_print: bool = False,
             fit: int = 0) -> str:
        """One standalone HTML page holding documents of one kind (each its own page).

        ``fit`` > 0 asks the layout to tighten type and spacing (class ``fit-N``) so a
        document keeps to its page budget."""
        first = documents[0]
        context = dict(first.context)
        context.update(
            bodies=[Markup(typeset(markup.to_html(doc.markdown), _names(doc.context)))
                    for doc in documents],
            title=first.title if len(documents) == 1 else str(first.context["campaign"]["title"]),
            subject=first.subject,
            labels=first.exported.get("labels", {}),
            print=for_print,
            fit=fit,
            qr=self._qr() if first.kind in ("brief", "poster", "casecards") else None,
        )
        source = first.layout or f"{first.kind}.html.j2"
        try:
            with redacted(_personal_values(doc.context for doc in documents)):
                text, _ = render(self.env, source, context)
        except AdvocateError as exc:
            raise self._private(exc, documents, lambda persona: self.html(
                self._persona_documents(documents, persona), for_print=for_print, fit=fit),
                source) from None
        return self.checked_html(text, source, for_print=for_print)

    def checked_html(self, text: str, source: str, *, for_print: bool = False) -> str:
        """A page with the Content-Security-Policy in its real head; from a pack's own
        templates, also checked whole (:func:`advocate.render.html.apply_csp`)."""
        from advocate.render.pdf.html_checks import MAX_DEPTH, check_depth

        if self.trusted:
            return apply_csp(text, source=source)
        if for_print:
            check_depth(text, source)  # the tags, with the place of the deepest one
        return apply_csp(text, trusted=False, source=self._layout_file(source),
                         allowed_links=self.campaign_links(), max_depth=MAX_DEPTH,
                         for_print=for_print)

    def _layout_file(self, name: str) -> str:
        try:
            return self.env.get_template(name).filename or name
        except Exception:  # the render just loaded it; a name is enough for a message
            return name

    def from_builtin(self, name: str, depth: int = 0) -> bool:
        """Whether template ``name``, and every template it uses, is advocate's own or a
        pack's unchanged copy of it (``advocate new --templates``): then nothing of a pack's
        own making runs in it (a pack's ``base.css.j2`` could write HTML into a page)."""
        filename = Path(self._layout_file(name))
        builtin = self.roots[-1].resolve()
        try:
            own = (builtin / name).read_text(encoding="utf-8")
            if not filename.resolve().is_relative_to(builtin) and \
                    filename.read_text(encoding="utf-8") != own:
                return False
        except OSError:
            return False
        uses = re.findall(r"\{%-?\s*(?:include|extends|import|from)\s+([^\s%]+)", own)
        return depth < 8 and all(
            used[:1] in "'\"" and used[-1:] == used[:1] and
            self.from_builtin(used[1:-1], depth + 1) for used in uses)

    def campaign_links(self) -> frozenset[str]:
        """Every address the campaign file names: the only ones a pack's pages may link to
        (a link a template builds from a signer's data would send it away in one click)."""
        if self._links is None:
            found: set[str] = set()
            stack: list[Any] = [self.campaign.model_dump()]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    stack.extend(item.values())
                elif isinstance(item, list | tuple):
                    stack.extend(item)
                elif isinstance(item, str):
                    found.update(_URL.findall(item))
                    if "@" in item and " " not in item.strip():
                        found.add("mailto:" + item.strip())
            self._links = frozenset(u.rstrip(".,;:") for u in found) | frozenset(found)
        return self._links

    def pdf(self, documents: Sequence[Document]) -> bytes:
        """The PDF of documents of one kind, one after another (imports WeasyPrint)."""
        return self.pdf_result(documents).data

    def pdf_result(self, documents: Sequence[Document]) -> PdfResult:
        """The PDF of documents of one kind, with its page count and the engine's warnings.

        A single letter must fit one page and a brief two: if the first render runs over,
        the layout is tightened (up to ``FIT_LEVELS`` times); if it still runs over, the
        document gets a warning rather than a silently cut text. WeasyPrint's warnings
        about a layout's CSS become warnings of the first document, naming the layout.
        A pack's layout renders in the confined child (:mod:`advocate.limits`); its errors
        and its title are checked against made-up people (see :meth:`_private`)."""
        from advocate.render import pdf

        first = documents[0]
        parts = self._petition_in_parts(documents)
        if parts is not None:
            return parts
        if len(documents) == 1 and first.kind == "sheet" and first.context.get("_fill_page"):
            documents = [first := self._filled_sheet(first)]
        symbols = self._check_glyphs(documents)
        pack_css = pdf.fonts.pack_fonts_css(pdf.fonts.pack_fonts(self.roots))
        private = _personal_values(doc.context for doc in documents)
        title = self._title_of(documents)
        try:
            return self._pdf(documents, title, private, symbols, pack_css)
        except AdvocateError as exc:
            raise self._private(exc, documents, lambda persona: self._pdf(
                self._persona_documents(documents, persona), title, private, symbols,
                pack_css), f"{first.kind}.html.j2") from None

    def _pdf(self, documents: Sequence[Document], title: str, private: list[str],
             symbols: set[str], pack_css: str | None) -> PdfResult:
        from advocate.render import pdf

        first = documents[0]
        budget = PAGE_BUDGET.get(first.kind) if len(documents) == 1 else None
        # Relative URLs in a layout resolve beside it: a pack's own img/logo.png.
        source = first.layout or f"{first.kind}.html.j2"
        layout = self.env.get_template(source).filename
        base = Path(layout).parent if layout else self.roots[-1]
        fits = self._fit_key(documents) if budget else None
        for level in range(FIT_LEVELS + 1 if budget else 1):
            options: dict[str, Any] = dict(
                title=title, lang=first.lang, base_dir=base, roots=self.roots,
                paper=self.paper, source=source,
                max_pages=budget if level < FIT_LEVELS else None,
                allowed_links=None if self.trusted else self.campaign_links())
            if fits is not None and level < FIT_LEVELS and \
                    self._overflows_anyway(fits, level, first, symbols, pack_css, options):
                continue  # a tighter level: the same PDF as trying this one first
            html = pdf.fonts.strip_symbols(
                self.html(documents, for_print=True, fit=level), symbols)
            if pack_css:
                html = with_style(html, pack_css)
            with redacted(private):
                if self.trusted or limits.CONFINED or not limits.CAN_CONFINE:
                    result = pdf.render_pdf_result(html, **options)
                else:  # a pack's layout: in the confined child, under the OS's limits
                    result = self.env.confined().call(
                        _pdf_confined, html, options, seconds=PDF_SECONDS,
                        what=str(layout or source))
            if budget is None or result.pages <= budget:
                break
            if fits is not None:
                self._overflowed.add((fits, level))
        else:
            # by target and signer row, never the name
            who = f" to '{first.target_id}'" if first.target_id else ""
            row = f" of signer row {first.writer_row}" if first.writer_row else ""
            first.warnings.append(Problem(
                f"the {first.kind}{who}{row} runs to {result.pages} pages (the aim is at most "
                f"{budget})",
                hint="shorten the campaign text or the note", severity="warning"))
        first.warnings.extend(
            Problem(f"{source}: {warning}", file=layout, severity="warning",
                    hint="check the layout's CSS: WeasyPrint ignored this")
            for warning in dict.fromkeys(result.warnings))
        return result

    def _fit_key(self, documents: Sequence[Document]) -> FitKey | None:
        """Letters that share a key differ only in their writer's values (advocate's own
        templates, which print the writer's fields and nothing made of them): the key of
        what :meth:`_overflows_anyway` knows about them. None for anything else."""
        first = documents[0]
        if (len(documents) != 1 or first.kind != "letter" or first.writer is None
                or not self.trusted or self._probing):
            return None
        return (first.target_id or "", first.lang,
                shape(first.context["writer"], first.context["signed"]))

    def _overflows_anyway(self, key: FitKey, level: int, first: Document, symbols: set[str],
                          pack_css: str | None, options: dict[str, Any]) -> bool:
        """Whether a letter is sure to run over its page at fit ``level``, known without
        laying it out: the same letter with every one of its writer's values cut down to
        one zero-width space (the least text a value can be) runs over at that level. More
        text never makes a page shorter, so the letter's own layout at that level would
        only be thrown away: the fit loop goes on to the next level and the PDF is the one
        trying every level in turn gives. Checked once per key and level, and only after
        a letter of that key has run over at that level or the one before (letters that
        fit cost nothing; the first letter that runs over asks at its next level already)."""
        from advocate.render import pdf

        if (key, level) not in self._overflowed and (key, level - 1) not in self._overflowed:
            return False  # only where a letter of this key ran over, or one level looser
        known = self._least_overflows.get((key, level))
        if known is None:
            writer = first.writer
            assert writer is not None  # see _fit_key
            view = first.context["writer"]
            values: dict[str, Any] = {
                f: _LEAST if view.get(f) else getattr(writer, f) for f in FIELDS}
            least = dataclasses.replace(writer, **values)
            known = False
            with contextlib.suppress(AdvocateError):
                letter = self.letter(key[0], least, key[1])
                if shape(letter.context["writer"], letter.context["signed"]) == key[2]:
                    html = pdf.fonts.strip_symbols(
                        self.html([letter], for_print=True, fit=level), symbols)
                    if pack_css:
                        html = with_style(html, pack_css)
                    budget = options["max_pages"]
                    result = pdf.render_pdf_result(html, **options)
                    known = result.pages > budget
            self._least_overflows[(key, level)] = known
        return known

    #: Worker processes for a petition rendered in parts (see render/petition_pdf.py).
    petition_workers: int = 2
    petition_progress: Callable[[int, int], None] | None = None
    #: A signer file this large probably names enough signers for a petition in parts.
    PETITION_PARTS_FILE_BYTES = 64 * 1024

    def expect_petition_pdf(self, signers: Path | None) -> None:
        """A petition PDF will be made from the signer file ``signers``: when it is long,
        start the workers of a petition in parts now, so they set up WeasyPrint and the
        fonts while the list is read."""
        from advocate.render import petition_pdf

        try:
            size = signers.stat().st_size if signers is not None else 0
        except OSError:
            return  # reading the list will say what is wrong
        if size >= self.PETITION_PARTS_FILE_BYTES:
            petition_pdf.start_workers(self.petition_workers, confine=not self.trusted)

    def _petition_in_parts(self, documents: Sequence[Document]) -> PdfResult | None:
        """A petition naming many signers, rendered in parts in parallel and joined (flat
        memory, numbered pages); None for any other document (or a layout that does not
        list the names in a table or list)."""
        first = documents[0]
        if first.kind != "petition" or len(documents) != 1:
            return None  # (without importing the parts machinery: a brief does not need it)
        from advocate.render import pdf, petition_pdf

        signers = first.signers or ()
        count = _named_count(signers)
        if count < petition_pdf.PARTS_MIN_NAMED:
            return None
        unmarked = first.markdown.replace(petition_pdf.MARK, "").replace(
            petition_pdf.MARK_CITY, "")
        symbols = self._check_glyphs([dataclasses.replace(first, markdown=unmarked)])
        with_stand = first
        if not isinstance((first.context.get("signers") or {}).get("public"),
                          petition_pdf.Stand):
            context = dict(first.context)
            context["signers"] = {"count": len(signers),
                                  "public": petition_pdf.stand_in(count)}
            with_stand = self._document("petition", first.lang, context, [])
        bare = dataclasses.replace(with_stand, markdown=petition_pdf.MARK)
        def names() -> Iterator[tuple[str, str]]:  # streamed: a million are never held
            # As Writer.view and isolate_view make them, without a dict per signer.
            pairs = getattr(signers, "named_pairs", None)
            found = pairs() if pairs is not None else (
                (s.name, s.city) for s in signers if s.public)
            lang = first.lang
            for name, city in found:
                yield (isolate(" ".join(name.split()), lang) if name else "",
                       isolate(" ".join(city.split()), lang) if city else "")

        layout = self.env.get_template("petition.html.j2").filename
        base = Path(layout).parent if layout else self.roots[-1]
        data = petition_pdf.render_petition_pdf(
            full_html=self.html([with_stand], for_print=True),
            bare_html=self.html([bare], for_print=True), names=names,
            title=first.title, lang=first.lang, base_dir=base,
            roots=self.roots, paper=self.paper, symbols=symbols,
            pack_css=pdf.fonts.pack_fonts_css(pdf.fonts.pack_fonts(self.roots)),
            workers=self.petition_workers, progress=self.petition_progress,
            allowed_links=None if self.trusted else self.campaign_links())
        if data is None:
            return None
        return pdf.PdfResult(*data)

    def _check_glyphs(self, documents: Sequence[Document]) -> set[str]:
        """Refuse text no font can draw, all rows at once, rather than show empty boxes;
        return the emoji and symbols to leave out of the PDF (each with a warning)."""
        from advocate.render.pdf import fonts

        extra = fonts.pack_fonts(self.roots)
        writers = [doc.writer for doc in documents if doc.writer is not None]
        def named() -> Iterator[Any]:  # streamed: a million are never held at once
            return (s for doc in documents for s in doc.signers or () if s.public)

        # by row and field, never the text
        found = fonts.people_problems(writers, extra) + fonts.people_problems(
            named(), extra, fonts.PETITION_FIELDS)
        errors = [p for p in found if p.severity == "error"]
        if errors:
            raise AdvocateError(problems=errors)
        first = documents[0]
        first.warnings.extend(p for p in found if p not in first.warnings)
        personal = fonts.symbols_in(writers, extra) | fonts.symbols_in(
            named(), extra, fonts.PETITION_FIELDS)
        text = "".join(dict.fromkeys(doc.markdown for doc in documents))
        missing = [i for i in fonts.undrawable(text, extra) if i.char not in personal]
        campaign = str(self.campaign.path) if self.campaign.path else None
        letters = [i for i in missing if not i.symbol]
        if letters:
            scripts = ", ".join(dict.fromkeys(str(i.script) for i in letters))
            shown = " ".join(f"{i.char} ({i.code})" for i in letters[:12])
            raise AdvocateError(
                f"no font of advocate's can draw these {scripts} letters: {shown}",
                file=campaign, hint=fonts.HINT_SCRIPT.format(scripts=scripts, fields="text"))
        symbols = [i for i in missing if i.symbol]
        if symbols:
            shown = " ".join(f"{i.char} ({i.code})" for i in symbols[:12])
            warning = Problem(f"no font draws these symbols, left out of the PDF: {shown}",
                              file=campaign, hint="the text and HTML keep them",
                              severity="warning")
            if warning not in first.warnings:
                first.warnings.append(warning)
        return personal | {i.char for i in symbols}

    def format(self, documents: Sequence[Document], fmt: str) -> str:
        """Documents in one of the text formats ``txt``, ``md`` or ``html``, one after
        another (a PDF is bytes: :meth:`pdf`)."""
        if not documents:
            raise AdvocateError("nothing to render", hint="check --to and --signers")
        if fmt == "txt":
            return markup.DOCUMENT_RULE[fmt].join(doc.text() for doc in documents)
        if fmt == "md":  # to paste elsewhere: no layout fences, citations as written
            return markup.DOCUMENT_RULE[fmt].join(markup.portable(doc.markdown)
                                                  for doc in documents)
        if fmt == "html":
            return self.html(documents)
        raise AdvocateError(f"unknown format '{fmt}'", hint="use txt, md or html (pdf: pdf())")

    def file_bytes(self, documents: Sequence[Document], fmt: str) -> bytes:
        """Documents as the bytes of a file in ``txt``, ``md``, ``html`` or ``pdf``."""
        if fmt == "pdf":
            return self.pdf(documents)
        return self.format(documents, fmt).encode("utf-8")

    def eml(self, document: Document, body: str | None = None) -> bytes:
        """An email draft (``.eml``) of a letter: To the target, From the writer; its body
        the letter's email form unless ``body`` is given."""
        from advocate.render.eml import letter_draft

        target = self.campaign.target(document.target_id or "")
        return letter_draft(
            to_name=str(document.context["target"]["name"]), to_addr=target.email,
            writer=document.context["writer"], subject=document.subject or document.title,
            body=document.email_text() if body is None else body,
            reference=document.reference)

    def _qr(self) -> str | None:
        """The campaign page as a QR code, an SVG data URL made locally."""
        if not self.campaign.url:
            return None
        import segno

        svg = segno.make(self.campaign.url, error="m").svg_inline(scale=3, omitsize=True)
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
