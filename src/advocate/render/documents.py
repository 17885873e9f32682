"""Documents from a campaign: letters, petitions, signature sheets and briefs.

Each kind of document has one wording template in Markdown per language
(``en/letter.md.j2``) and one layout per medium (``letter.html.j2``). The Markdown is
rendered once; plain text comes from it directly, HTML wraps it in the layout, and the PDF
is that HTML printed by :mod:`advocate.render.pdf`. A wording template exports what the layout
and the email need with ``{% set %}``: ``subject``, ``title``, ``labels``.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from advocate.clock import today
from advocate.errors import AdvocateError, Problem, redacted
from advocate.pathlike import StrPath, as_optional_path
from advocate.reference import converted_with, letter_reference
from advocate.render.email_text import wording_titles
from advocate.render.html import apply_csp
from advocate.render.variants import LetterVariants
from advocate.render.writer import Writer as Writer  # the documents' writer, re-exported
from advocate.schema.campaign import Campaign
from advocate.templates import compiled
from advocate.templates.host import (
    AdvocateEnvironment,
    builtin_templates,
    make_environment,
    render,
    template_roots,
    untrusted_roots,
)
from advocate.templates.stencil import (
    Stencil,
    StencilCache,
    make_stencil,
    marking_environment,
    shape,
)
from advocate.text import markdown as markup
from advocate.text.bidi import direction, isolate_view, rtl_script
from advocate.text.localise import (
    Localiser,
    campaign_view,
    format_day,
    language_name,
    resolve_language,
    target_view,
)
from advocate.text.numbers import localise_places
from advocate.text.stencil import text_plan

if TYPE_CHECKING:
    from advocate.render.pdf.engine import PdfResult
    from advocate.signers import Signer


from advocate.render.document import Document, Kind, Paper, named_count
from advocate.render.glyphs import add_new, check_glyphs
from advocate.render.long_petition import petition_in_parts
from advocate.render.page_fit import (
    SHEET_ROWS,
    PageFit,
)
from advocate.render.preflight import font_problems, wording_problems
from advocate.render.privacy import PersonaProbe, _as_persona, _personal_values, persona_context
from advocate.render.typeset import (
    _URL,
    _cite,
    _lines,
    _names,
    _number,
    _reference_block,
    typeset,
    with_reference,
)

#: The entry (Renderer), the writer it takes, and the two checks made before rendering that
#: the command line imports from here.
__all__ = ["Renderer", "Writer", "font_problems", "wording_problems"]

def renderer_environment(roots: Sequence[Path]) -> AdvocateEnvironment:
    """The Jinja environment a :class:`Renderer` renders in: the host's, with its filters."""
    return make_environment(roots, {"lines": _lines, "cite": _cite, "number": _number,
                                    "language_name": language_name})


def write_compiled_templates(folder: Path | None = None) -> list[Path]:
    """The built-in templates' code as a Renderer's environment compiles them, into
    ``folder`` (default: where it ships, templates/compiled): ``make ahead``."""
    builtin = builtin_templates()
    names = sorted(path.relative_to(builtin).as_posix() for path in builtin.rglob("*.j2"))
    return compiled.write_compiled(renderer_environment([builtin]), names,
                                   folder or compiled.compiled_folder())


class Renderer:
    """Renders one campaign's documents; holds its template environment."""

    def __init__(self, campaign: Campaign, *, templates: StrPath | None = None,
                 day: date | None = None, paper: Paper = "a4",
                 petition_workers: int = 2, longest_variants: bool = False) -> None:
        """``longest_variants``: every letter takes each slot's longest variant rather than
        its own pick (``advocate check``: a page count that holds for every combination)."""
        self.campaign = campaign
        self.roots = template_roots(as_optional_path(templates), campaign.path)
        #: Only advocate's own templates: no template-made link or layout to check.
        self.trusted = not untrusted_roots(self.roots)
        self.env: AdvocateEnvironment = renderer_environment(self.roots)
        self.day = day or today()
        self.paper: Paper = paper
        self._views: dict[str, tuple[dict[str, Any], list[Problem]]] = {}
        self._targets: dict[tuple[str, int], tuple[dict[str, Any], list[Problem]]] = {}
        self.stencils = StencilCache(self.env)
        self.variants = LetterVariants(campaign, self.env, longest=longest_variants)
        self._links: frozenset[str] | None = None
        self._bases: dict[tuple[str, date, str], tuple[dict[str, Any], list[Problem]]] = {}
        #: The last writer's views (:meth:`_writer_views`).
        self._last_writer: tuple[Writer | None, dict[str, dict[str, Any]]] | None = None
        #: Errors and titles checked against made-up people (render/privacy.py).
        self.probe = PersonaProbe(self._persona_documents, self._layout_file)
        #: The page-fit loop and what it learnt of letters that run over (render/page_fit.py).
        self.fit = PageFit(self)
        #: Worker processes for a petition rendered in parts (see render/petition_pdf.py).
        self.petition_workers = petition_workers

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
                return self._wording(kind, lang, persona_context(context, persona))

            raise self.probe.withheld(exc, people, again, f"{lang}/{kind}.md.j2") from None
        subject, title = wording_titles(exported, context["campaign"]["title"])
        return Document(kind, lang, title, text, context, exported, subject,
                        warnings=warnings, **extra)

    def _persona_documents(self, documents: Sequence[Document],
                           persona: dict[str, str]) -> list[Document]:
        """The same documents, written by made-up people (see :class:`PersonaProbe`)."""
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

    # -- documents --------------------------------------------------------------------

    def letters(self, to: str | None, writers: Sequence[Writer | None],
                lang: str | None = None) -> list[Document]:
        """A letter from each writer (``None``: a fill-in letter) to target ``to``, or to
        every target when ``to`` is None; writer by writer, targets in campaign order.
        Every target is checked before any letter is written."""
        targets = [self.campaign.target(to).id] if to else [t.id for t in self.campaign.targets]
        return [self.letter(t, w, lang) for w in writers for t in targets]

    def eml_draft(self, documents: Sequence[Document]) -> bytes:
        """The ``.eml`` draft of exactly one letter (a draft is one message)."""
        return self.eml_draft_result(documents)[0]

    def eml_draft_result(self, documents: Sequence[Document]) -> tuple[bytes, list[Problem]]:
        """The ``.eml`` draft of exactly one letter, and its warnings: a target without an
        email address gets a draft with no To: line."""
        if len(documents) != 1 or documents[0].kind != "letter":
            raise AdvocateError("--format eml writes one message",
                                hint="pass --to TARGET and one writer, or use `advocate build`")
        letter = documents[0]
        warnings = [] if self.campaign.target(letter.target_id or "").email else [Problem(
            f"target '{letter.target_id}' has no email address; the draft has no To: line",
            hint="add the recipient in your mail client", severity="warning")]
        return self.eml(letter), warnings

    def letter(self, target_id: str, writer: Writer | None = None,
               lang: str | None = None, *,
               variants: Mapping[str, str] | None = None) -> Document:
        """A letter from ``writer`` (or a fill-in template) to one target, its reference
        at its foot. ``variants``: the text of each slot, as given (the fit loop's least
        letter), else the writer's row or name chooses."""
        lang, context, warnings = self._letter_context(target_id, writer, lang)
        view = context["writer"]
        signed = context["signed"]
        row = writer.row if writer else None
        reference = letter_reference(self.campaign.id, target_id, row)
        chosen = self.variants.put(context, warnings, row, self._writer_view(writer),
                                   variants)
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

        def text() -> str:  # the reference block's text made once (converted_with)
            return markup.joined_blocks([filled.text(),
                                         converted_with(markup.block_text, block, reference)])

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
        views = self._writer_views(writer)
        shown = views.get(lang)
        if shown is None:
            view = views[""]
            if writer is not None and writer.from_list:  # an export's "PE": "Perú", "Peru"
                view = localise_places(view, lang)
            shown = views[lang] = isolate_view(view, lang)
        context["writer"] = dict(shown)  # a letter's own
        context["signed"] = writer is not None and bool(writer.name)
        context["variants"] = {}  # a letter's own: letter() picks them
        return lang, context, warnings

    def _writer_views(self, writer: Writer | None) -> dict[str, dict[str, Any]]:
        """``writer``'s view (key '') and, by language, the view its letters show, kept for
        the writer's next letters: a build writes each writer's letter to every target in
        turn, and a :class:`Writer` is frozen. Not to be changed: callers copy."""
        last = self._last_writer
        if last is None or last[0] is not writer:
            last = self._last_writer = (writer, {"": (writer or Writer()).view()})
        return last[1]

    def _writer_view(self, writer: Writer | None) -> dict[str, Any]:
        """``writer.view()`` (:meth:`_writer_views`)."""
        return self._writer_views(writer)[""]

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
        named = named_count(signers)
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
        :meth:`PageFit.filled_sheet`); its text and HTML have ``SHEET_ROWS``."""
        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        context["rows"] = rows or SHEET_ROWS
        context["_fill_page"] = rows is None
        return self._document("sheet", lang, context, warnings)

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
            raise self.probe.withheld(exc, documents, lambda persona: self.html(
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

    def pdf(self, documents: Sequence[Document],
            progress: Callable[[int, int], None] | None = None) -> bytes:
        """The PDF of documents of one kind, one after another (imports WeasyPrint);
        ``progress`` is called with (pages done, pages) as a petition in parts renders."""
        return self.pdf_result(documents, progress).data

    def pdf_result(self, documents: Sequence[Document],
                   progress: Callable[[int, int], None] | None = None) -> PdfResult:
        """The PDF of documents of one kind, with its page count and the engine's warnings.

        A single letter must fit one page and a brief two: if the first render runs over,
        the layout is tightened (up to ``FIT_LEVELS`` times); if it still runs over, the
        result holds a warning rather than a silently cut text. WeasyPrint's warnings about a
        layout's CSS become such warnings too, naming the layout (``PdfResult.problems``:
        the documents are left as they were).
        A pack's layout renders in the confined child (:mod:`advocate.limits`); its errors
        and its title are checked against made-up people (see :meth:`_private`)."""
        from advocate.render import pdf

        first = documents[0]
        parts = petition_in_parts(self, documents, workers=self.petition_workers,
                                  progress=progress)
        if parts is not None:
            return parts
        if len(documents) == 1 and first.kind == "sheet" and first.context.get("_fill_page"):
            documents = [first := self.fit.filled_sheet(first)]
        symbols, glyph_warnings = check_glyphs(documents, self.roots, self.campaign.path)
        pack_css = pdf.fonts.pack_fonts_css(pdf.fonts.pack_fonts(self.roots))
        private = _personal_values(doc.context for doc in documents)
        title = self.probe.title_of(documents)

        def render(made: Sequence[Document]) -> PdfResult:
            result, fit_warnings = self.fit.render(made, title, private, symbols, pack_css,
                                                   probing=self.probe.probing)
            problems: list[Problem] = []
            add_new(problems, [w for w in (*glyph_warnings, *fit_warnings)
                               if w not in made[0].warnings])
            return dataclasses.replace(result, problems=problems)

        try:
            return render(documents)
        except AdvocateError as exc:
            raise self.probe.withheld(exc, documents, lambda persona: render(
                self._persona_documents(documents, persona)), f"{first.kind}.html.j2") from None

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
        return self.file_result(documents, fmt)[0]

    def file_result(self, documents: Sequence[Document],
                    fmt: str) -> tuple[bytes, list[Problem]]:
        """Documents as a file's bytes and the warnings their render gave (a PDF's: a letter
        over its page, say; the documents' own warnings stay theirs)."""
        if fmt == "pdf":
            result = self.pdf_result(documents)
            return result.data, result.problems
        return self.format(documents, fmt).encode("utf-8"), []

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
