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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from markupsafe import Markup

from advocate.clock import today
from advocate.errors import AdvocateError, Problem
from advocate.render.html import apply_csp
from advocate.schema.campaign import Campaign
from advocate.templates.host import (
    AdvocateEnvironment,
    MarkdownText,
    escape_markdown,
    make_environment,
    render,
    template_roots,
)
from advocate.templates.stencil import StencilCache, shape
from advocate.text import markdown as markup
from advocate.text.bidi import ISOLATES, direction, isolate_view, plain, rtl_script
from advocate.text.localise import (
    Localiser,
    campaign_view,
    format_day,
    resolve_language,
    target_view,
)

if TYPE_CHECKING:
    from advocate.render.pdf.engine import PdfResult
    from advocate.signers import Signer

Kind = Literal["letter", "petition", "brief", "sheet"]
PAGE_BUDGET = {"letter": 1, "brief": 2, "sheet": 1}
_HEAD_OPEN = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


def _with_style(html: str, css: str) -> str:
    """``html`` with one more style sheet first in its head (a pack's own fonts)."""
    head = _HEAD_OPEN.search(html)
    style = f'<style type="text/css">{css}</style>'
    return style + html if head is None else html[: head.end()] + style + html[head.end():]


FIT_LEVELS = 2
Paper = Literal["a4", "letter"]


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

    @classmethod
    def from_signer(cls, signer: Signer) -> Writer:
        return cls(signer.name, signer.city, signer.email, signer.country, signer.note,
                   signer.row, signer.file, signer.line)

    def view(self) -> dict[str, Any]:
        one_line = {key: " ".join(value.split()) if value else None for key, value in (
            ("name", self.name), ("city", self.city), ("email", self.email),
            ("country", self.country))}
        note = self.note.strip() if self.note else None
        return {**one_line, "note": note}


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
    writer: Writer | None = field(default=None, repr=False)
    signers: Sequence[Signer] | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)
    _make_text: Callable[[], str] | None = field(default=None, repr=False)

    def text(self) -> str:
        """The plain-text form (computed once: the .txt file, the email body, the mailto)."""
        if self._text is None:
            self._text = self._make_text() if self._make_text else markup.to_text(self.markdown)
        return self._text


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


@contextlib.contextmanager
def _redacting(values: Sequence[str]) -> Iterator[None]:
    """Cut personal values (as typed or percent-encoded, as in a URL) out of any error a
    template or a PDF render raises: a hostile template can fail on purpose."""
    try:
        yield
    except AdvocateError as exc:
        forms = {f for v in values for f in (v, quote(v), quote(v, safe=""), " ".join(v.split()))}
        if not forms:
            raise
        pattern = re.compile("|".join(map(re.escape, sorted(forms, key=len, reverse=True))),
                             re.IGNORECASE)

        def clean(text: str | None) -> str | None:
            return pattern.sub("…", text) if text else text

        problems = [dataclasses.replace(p, message=clean(p.message) or "", hint=clean(p.hint),
                                        file=clean(p.file)) for p in exc.problems]
        raise AdvocateError(problems=problems) from None


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


def _cite(numbers: Sequence[int]) -> str:
    return "[" + ", ".join(str(n) for n in numbers) + "]"


class Renderer:
    """Renders one campaign's documents; holds its template environment."""

    def __init__(self, campaign: Campaign, *, templates: Path | None = None,
                 day: date | None = None, paper: Paper = "a4") -> None:
        self.campaign = campaign
        self.roots = template_roots(templates, campaign.path)
        self.env: AdvocateEnvironment = make_environment(
            self.roots, {"lines": _lines, "cite": _cite})
        self.day = day or today()
        self.paper: Paper = paper
        self._views: dict[str, tuple[dict[str, Any], list[Problem]]] = {}
        self._targets: dict[tuple[str, int], tuple[dict[str, Any], list[Problem]]] = {}
        self.stencils = StencilCache(self.env)

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
        view, warnings = self.view(lang)
        return {
            "campaign": view,
            "lang": lang,
            "dir": direction(lang),
            "rtl_script": rtl_script(lang),
            "date": format_day(self.day, lang),
            "date_iso": self.day.isoformat(),
            "paper": self.paper,
        }, list(warnings)

    def _document(self, kind: Kind, lang: str, context: dict[str, Any],
                  warnings: list[Problem], **extra: Any) -> Document:
        with _redacting(_personal_values([context])):
            text, exported = self._wording(kind, lang, context)
        title = str(exported.get("title") or context["campaign"]["title"])
        subject = exported.get("subject")
        return Document(kind, lang, title, text, context, exported,
                        str(subject) if subject else None, warnings=warnings, **extra)

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
        """A letter from ``writer`` (or a fill-in template) to one target."""
        target = self.campaign.target(target_id)
        lang = resolve_language(self.campaign, lang, target)
        context, warnings = self._base_context(lang)
        index = next(i for i, t in enumerate(self.campaign.targets) if t.id == target.id)
        if (lang, index) not in self._targets:
            loc = Localiser(self.campaign, lang)
            self._targets[(lang, index)] = (target_view(self.campaign, loc, index), loc.warnings)
        context["target"], target_warnings = self._targets[(lang, index)]
        warnings.extend(w for w in target_warnings if w not in warnings)
        view = context["writer"] = isolate_view((writer or Writer()).view(), lang)
        signed = context["signed"] = writer is not None and bool(writer.name)
        row = writer.row if writer else None
        # The second letter of a kind on: fill in a stencil rather than render in full.
        filled = self.stencils.fill((target_id, lang, shape(view, signed)),
                                     f"{lang}/letter.md.j2", context, view)
        if filled is None:
            return self._document("letter", lang, context, warnings, target_id=target_id,
                                  writer_row=row, writer=writer)
        subject = filled.exported.get("subject")
        title = str(filled.exported.get("title") or context["campaign"]["title"])
        return Document("letter", lang, title, filled.markdown, context, filled.exported,
                        str(subject) if subject else None, warnings=warnings,
                        target_id=target_id, writer_row=row, writer=writer,
                        _make_text=filled.text)

    def petition(self, signers: Sequence[Signer] | None = None,
                 lang: str | None = None, *, for_pdf: bool = False) -> Document:
        """The petition: text, asks, addressees, count and the signers who agreed to be named.

        ``for_pdf``: the document is only for :meth:`pdf`; a long list of names is then not
        put into its Markdown (the PDF prints it in parts, see ``render/petition_pdf.py``)."""
        from advocate.render import petition_pdf

        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        named = sum(1 for s in signers or () if s.public)
        if signers is None:
            context["signers"] = None
        elif for_pdf and named >= petition_pdf.PARTS_MIN_NAMED:
            context["signers"] = {"count": len(signers),
                                  "public": petition_pdf.stand_in(named)}
        else:
            context["signers"] = {
                "count": len(signers),
                "public": [isolate_view(Writer.from_signer(s).view(), lang)
                           for s in signers if s.public],
            }
        return self._document("petition", lang, context, warnings, signers=signers)

    def sheet(self, lang: str | None = None, rows: int = 20) -> Document:
        """A printable signature sheet for gathering signatures on paper."""
        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        context["rows"] = rows
        return self._document("sheet", lang, context, warnings)

    def brief(self, lang: str | None = None) -> Document:
        """The briefing sheet: figures, background, asks, quotes, targets, sources."""
        lang = resolve_language(self.campaign, lang)
        context, warnings = self._base_context(lang)
        return self._document("brief", lang, context, warnings)

    # -- media ------------------------------------------------------------------------

    def html(self, documents: Sequence[Document], *, for_print: bool = False,
             fit: int = 0) -> str:
        """One standalone HTML page holding documents of one kind (each its own page).

        ``fit`` > 0 asks the layout to tighten type and spacing (class ``fit-N``) so a
        document keeps to its page budget."""
        first = documents[0]
        context = dict(first.context)
        context.update(
            bodies=[Markup(markup.to_html(doc.markdown)) for doc in documents],
            title=first.title if len(documents) == 1 else str(first.context["campaign"]["title"]),
            subject=first.subject,
            labels=first.exported.get("labels", {}),
            print=for_print,
            fit=fit,
            qr=self._qr() if first.kind == "brief" else None,
        )
        with _redacting(_personal_values(doc.context for doc in documents)):
            text, _ = render(self.env, f"{first.kind}.html.j2", context)
        return apply_csp(text)

    def pdf(self, documents: Sequence[Document]) -> bytes:
        """The PDF of documents of one kind, one after another (imports WeasyPrint)."""
        return self.pdf_result(documents).data

    def pdf_result(self, documents: Sequence[Document]) -> PdfResult:
        """The PDF of documents of one kind, with its page count and the engine's warnings.

        A single letter must fit one page and a brief two: if the first render runs over,
        the layout is tightened (up to ``FIT_LEVELS`` times); if it still runs over, the
        document gets a warning rather than a silently cut text. WeasyPrint's warnings
        about a layout's CSS become warnings of the first document, naming the layout."""
        from advocate.render import pdf

        first = documents[0]
        parts = self._petition_in_parts(documents)
        if parts is not None:
            return parts
        symbols = self._check_glyphs(documents)
        pack_css = pdf.fonts.pack_fonts_css(pdf.fonts.pack_fonts(self.roots))
        private = _personal_values(doc.context for doc in documents)
        title = first.title if len(documents) == 1 else str(first.context["campaign"]["title"])
        if any(value.casefold() in title.casefold() for value in private):
            title = str(first.context["campaign"]["title"])  # PDF metadata names no one
        budget = PAGE_BUDGET.get(first.kind) if len(documents) == 1 else None
        # Relative URLs in a layout resolve beside it: a pack's own img/logo.png.
        layout = self.env.get_template(f"{first.kind}.html.j2").filename
        base = Path(layout).parent if layout else self.roots[-1]
        source = f"{first.kind}.html.j2"
        for level in range(FIT_LEVELS + 1 if budget else 1):
            html = pdf.fonts.strip_symbols(
                self.html(documents, for_print=True, fit=level), symbols)
            if pack_css:
                html = _with_style(html, pack_css)
            with _redacting(private):
                result = pdf.render_pdf_result(
                    html, title=title, lang=first.lang, base_dir=base, roots=self.roots,
                    paper=self.paper, source=source,
                    max_pages=budget if level < FIT_LEVELS else None)
            if budget is None or result.pages <= budget:
                break
        else:
            first.warnings.append(Problem(
                f"the {first.kind} runs to {result.pages} pages (the aim is at most {budget})",
                hint="shorten the campaign text or the note", severity="warning"))
        first.warnings.extend(
            Problem(f"{source}: {warning}", file=layout, severity="warning",
                    hint="check the layout's CSS: WeasyPrint ignored this")
            for warning in dict.fromkeys(result.warnings))
        return result

    #: Worker processes for a petition rendered in parts (see render/petition_pdf.py).
    petition_workers: int = 2
    petition_progress: Callable[[int, int], None] | None = None

    def _petition_in_parts(self, documents: Sequence[Document]) -> PdfResult | None:
        """A petition naming many signers, rendered in parts in parallel and joined (flat
        memory, numbered pages); None for any other document (or a layout that does not
        list the names in a table or list)."""
        from advocate.render import pdf, petition_pdf

        first = documents[0]
        named = [s for s in first.signers or () if s.public]
        if (first.kind != "petition" or len(documents) != 1
                or len(named) < petition_pdf.PARTS_MIN_NAMED):
            return None
        unmarked = first.markdown.replace(petition_pdf.MARK, "").replace(
            petition_pdf.MARK_CITY, "")
        symbols = self._check_glyphs([dataclasses.replace(first, markdown=unmarked)])
        with_stand = first
        if not isinstance((first.context.get("signers") or {}).get("public"),
                          petition_pdf.Stand):
            context = dict(first.context)
            context["signers"] = {"count": len(first.signers or ()),
                                  "public": petition_pdf.stand_in(len(named))}
            with_stand = self._document("petition", first.lang, context, [])
        bare = dataclasses.replace(with_stand, markdown=petition_pdf.MARK)
        def names() -> Iterator[tuple[str, str]]:
            for signer in named:
                view = isolate_view(Writer.from_signer(signer).view(), first.lang)
                yield view["name"] or "", view["city"] or ""

        layout = self.env.get_template("petition.html.j2").filename
        base = Path(layout).parent if layout else self.roots[-1]
        data = petition_pdf.render_petition_pdf(
            full_html=self.html([with_stand], for_print=True),
            bare_html=self.html([bare], for_print=True), names=names,
            title=first.title, lang=first.lang, base_dir=base,
            roots=self.roots, paper=self.paper, symbols=symbols,
            pack_css=pdf.fonts.pack_fonts_css(pdf.fonts.pack_fonts(self.roots)),
            workers=self.petition_workers, progress=self.petition_progress)
        if data is None:
            return None
        return pdf.PdfResult(*data)

    def _check_glyphs(self, documents: Sequence[Document]) -> set[str]:
        """Refuse text no font can draw, all rows at once, rather than show empty boxes;
        return the emoji and symbols to leave out of the PDF (each with a warning)."""
        from advocate.render.pdf import fonts

        extra = fonts.pack_fonts(self.roots)
        writers = [doc.writer for doc in documents if doc.writer is not None]
        named = [s for doc in documents for s in doc.signers or () if s.public]
        # by row and field, never the text
        found = fonts.people_problems(writers, extra) + fonts.people_problems(
            named, extra, fonts.PETITION_FIELDS)
        errors = [p for p in found if p.severity == "error"]
        if errors:
            raise AdvocateError(problems=errors)
        first = documents[0]
        first.warnings.extend(p for p in found if p not in first.warnings)
        personal = fonts.symbols_in(writers, extra) | fonts.symbols_in(
            named, extra, fonts.PETITION_FIELDS)
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
            return ("\n" + "=" * markup.WIDTH + "\n\n").join(doc.text() for doc in documents)
        if fmt == "md":
            return "\n* * *\n\n".join(doc.markdown for doc in documents)
        if fmt == "html":
            return self.html(documents)
        raise AdvocateError(f"unknown format '{fmt}'", hint="use txt, md or html (pdf: pdf())")

    def file_bytes(self, documents: Sequence[Document], fmt: str) -> bytes:
        """Documents as the bytes of a file in ``txt``, ``md``, ``html`` or ``pdf``."""
        if fmt == "pdf":
            return self.pdf(documents)
        return self.format(documents, fmt).encode("utf-8")

    def eml(self, document: Document) -> bytes:
        """An email draft (``.eml``) of a letter: To the target, From the writer."""
        from advocate.render.eml import build_eml

        target = self.campaign.target(document.target_id or "")
        writer = document.context["writer"]
        return build_eml(
            to_name=str(document.context["target"]["name"]), to_addr=target.email,
            from_name=plain(writer["name"] or ""),
            from_addr=plain(writer["email"]) if writer["email"] else writer["email"],
            subject=document.subject or document.title, body=document.text())

    def _qr(self) -> str | None:
        """The campaign page as a QR code, an SVG data URL made locally."""
        if not self.campaign.url:
            return None
        import segno

        svg = segno.make(self.campaign.url, error="m").svg_inline(scale=3, omitsize=True)
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
