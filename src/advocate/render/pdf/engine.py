"""The renderer: the one place WeasyPrint turns an HTML string into PDF bytes.

Why one entry point: left to its defaults WeasyPrint fetches URLs (a beacon to whoever wrote
the template), embeds any local file as an attachment, names the host's fonts in the PDF,
copies template-chosen metadata, drops broken images silently and hangs or crashes on
hostile CSS. Every PDF advocate writes goes through :class:`PdfRenderer`, which closes
each of those doors (see ``references/threats.md``, section 1).

WeasyPrint, Pillow and fontTools are imported inside functions only, so importing this
module (and running any text command) stays cheap.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from advocate.clock import source_date_epoch
from advocate.errors import AdvocateError, LimitError, Problem
from advocate.limits import RenderTimeout, time_limit
from advocate.render.pdf.fonts import (
    BUNDLED_FONT_BYTES,
    fonts_css,
    package_roots,
    private_font_configuration,
    release_font_config,
)
from advocate.render.pdf.gate import HINT_CSS, LINK_SCHEMES, Refused, ResourceGate, short_url
from advocate.render.pdf.html_checks import check_depth, split_styles
from advocate.render.pdf.logs import GLIB_LOCAL, LogCollector, install_glib_handler

__all__ = ["PdfRenderer", "PdfResult", "render_pdf", "render_pdf_result"]


PDF_VARIANT = "pdf/ua-1"  # tagged, with /Lang and a title; never pdf/x-* (stamps local time)
PRODUCER = "advocate"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}

# ------------------------------------------------------------- WeasyPrint glue


#: The Linux names of the libraries WeasyPrint loads (in its own lists of names to try).
_SONAMES = ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libharfbuzz.so.0",
            "libfontconfig.so.1", "libpangoft2-1.0.so.0")
#: The Linux names of the libraries WeasyPrint loads when they are there.
_OPTIONAL_SONAMES = ("libharfbuzz-subset.so.0", "libharfbuzz-vector.so.0")
#: The names WeasyPrint 70 tries before those (Windows, MSYS and macOS ones), and for its
#: optional HarfBuzz libraries: on Linux, none of them is there to find.
_FOREIGN_NAMES = frozenset(
    f"{prefix}{stem}{suffix}"
    for stem, versions in (("gobject-2.0", ("-0", "", ".0")), ("pango-1.0", ("-0", "")),
                           ("harfbuzz", ("-0", "", "-0.0", ".0")),
                           ("harfbuzz-subset", ("-0", "", "-0.0", ".0")),
                           ("harfbuzz-vector", ("-0", "", "-0.0", ".0")),
                           ("fontconfig", ("-1", "", ".1")), ("pangoft2-1.0", ("-0", "")))
    for prefix in ("lib", "") for version in versions
    for suffix in (version, version + ".dylib", version + ".dll"))


@contextlib.contextmanager
def _direct_library_names() -> Iterator[None]:
    """While WeasyPrint is imported on Linux, the Windows and macOS names it tries first
    are not looked for with ``ctypes.util.find_library``: cffi runs ``ldconfig``, ``gcc``
    and ``ld`` for each one that fails to load (22 runs, 0.2-0.4 s of CPU in every process
    that renders a PDF: ``benchmarks/bench.py --only-findlib``). Only those names, only
    during the import, and only when every library loads by its Linux name, which
    WeasyPrint tries further down its list: the very same libraries are loaded, without
    the search; any other name (another library, another thread) is looked for as usual.
    No public setting of WeasyPrint or cffi skips the search on Linux."""
    import ctypes
    import ctypes.util

    original = ctypes.util.find_library
    absent = set(_FOREIGN_NAMES)

    def find_library(name: str) -> str | None:
        return None if name in absent else original(name)

    try:
        if sys.platform.startswith("linux"):
            for name in _SONAMES:
                ctypes.CDLL(name)
            for name in _OPTIONAL_SONAMES:  # one dlopen cannot load: no search finds it
                try:
                    ctypes.CDLL(name)
                except OSError:
                    absent.add(name)
            ctypes.util.find_library = find_library
    except OSError:
        pass  # an unusual install: let WeasyPrint and cffi search as they do
    try:
        yield
    finally:
        ctypes.util.find_library = original


@functools.cache
def load_weasyprint() -> Any:
    """Import WeasyPrint once, quietly, and build the classes that subclass it."""
    with warnings.catch_warnings(), _direct_library_names():
        # Host set-up notes, not document problems: our fonts are bundled and our
        # fontconfig is private (see _FONTCONFIG_XML).
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required")
        warnings.filterwarnings("ignore", message="FontConfig cannot load default config")
        warnings.filterwarnings("ignore", message="No fonts configured in FontConfig")
        import pydyf
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class GateFetcher(URLFetcher):  # type: ignore[misc]
        """WeasyPrint's fetcher interface over ResourceGate; never opens a socket."""

        def __init__(self, gate: ResourceGate) -> None:
            super().__init__(
                timeout=1, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True
            )
            self.gate = gate

        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                final_url, body, content_type = self.gate.open(url)
            except Refused as exc:
                raise FatalURLFetchingError(str(exc)) from None
            return URLFetcherResponse(final_url, body, {"Content-Type": content_type})

    class TrackingFontConfiguration(FontConfiguration):  # type: ignore[misc]
        """Notes when a template adds its own @font-face, so the shared configuration
        can be rebuilt and one document's fonts never change the next one's output."""

        sealed = False
        template_fonts = False

        def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
            if self.sealed:
                self.template_fonts = True
            return super().add_font_face(rule_descriptors, url_fetcher)

    return type(
        "Weasy",
        (),
        {
            "HTML": weasyprint.HTML,
            "CSS": weasyprint.CSS,
            "pydyf": pydyf,
            "FatalURLFetchingError": FatalURLFetchingError,
            "GateFetcher": GateFetcher,
            "FontConfiguration": TrackingFontConfiguration,
        },
    )



def _finisher(document: Any, pdf: Any) -> None:
    """Producer is advocate, in /Info and in the XMP packet (no engine version)."""
    pydyf = load_weasyprint().pydyf
    pdf.info["Producer"] = pydyf.String(PRODUCER)
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            obj.stream = [
                re.sub(rb'(Producer=")[^"]*"', b"\\g<1>" + PRODUCER.encode() + b'"', bytes(chunk))
                for chunk in obj.stream
            ]


def _source_date() -> str | None:
    """SOURCE_DATE_EPOCH as a W3C UTC date, or None: PDFs carry no date otherwise."""
    instant = source_date_epoch()
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None



# ---------------------------------------------------------------------- renderer


@dataclass(frozen=True)
class PdfResult:
    """One render: the PDF, its page count, WeasyPrint's warnings (a template's CSS), and
    the warnings of the documents' render (a letter over its page, a character no font
    draws), returned here rather than added to the documents."""

    data: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Outcome:
    """Everything that went wrong in one render, most important first when reported."""

    timed_out: bool = False
    failure: str | None = None
    failure_hint: str = HINT_CSS
    glib: list[str] = field(default_factory=list)


class PdfRenderer:
    """Renders HTML to PDF/UA with one shared FontConfiguration and pre-parsed font CSS.

    Create one per process (batch workers each make their own); not for concurrent
    use from several threads (calls are serialised by a lock).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fonts_held: list[Any] = []  # the font configuration (release_font_config)
        self._base_css: dict[str, Any] = {}
        self._stale = False
        self._cleanup: Callable[[], object] | None = None
        self._setup()

    def _setup(self) -> None:
        """(Re)build the font configuration and the stylesheets parsed against it."""
        weasy = load_weasyprint()
        _FONTS_LOADED.set()  # Pango and fontconfig hold state in this process from now on
        font_config = private_font_configuration(weasy.FontConfiguration)
        fetcher = weasy.GateFetcher(ResourceGate(package_roots(), BUNDLED_FONT_BYTES))
        fonts = weasy.CSS(string=fonts_css(), font_config=font_config, url_fetcher=fetcher)
        if fetcher.gate.refusals:  # pragma: no cover - a broken install
            raise RuntimeError(fetcher.gate.refusals[0].message)
        self._fonts_css = fonts
        self._base_css = {}
        self._template_css: dict[str, Any] = {}
        font_config.sealed = True
        if self._cleanup is not None:
            self._cleanup()  # the old configuration's temporary font folder goes now
        self._fonts_held = [font_config]
        self._cleanup = weakref.finalize(self, release_font_config, self._fonts_held,
                                         os.getpid())
        del font_config
        self._stale = False
        install_glib_handler()

    @property
    def _font_config(self) -> Any:
        return self._fonts_held[0]

    def _page_css(self, paper: str) -> Any:
        """Default page size and font as a *user* stylesheet: templates override both."""
        size = PAPER_SIZES.get(paper.strip().lower())
        if size is None:
            raise AdvocateError(f"unknown paper size {paper!r}", hint="use A4 or letter")
        if size not in self._base_css:
            css = f'@page {{ size: {size}; }}\nhtml {{ font-family: "Advocate Serif", serif; }}\n'
            weasy = load_weasyprint()
            fetcher = weasy.GateFetcher(ResourceGate(package_roots(), BUNDLED_FONT_BYTES))
            self._base_css[size] = weasy.CSS(
                string=css, font_config=self._font_config, url_fetcher=fetcher
            )
        return self._base_css[size]

    def render(
        self,
        html: str,
        *,
        title: str,
        lang: str,
        base_dir: Path,
        roots: Sequence[Path] = (),
        timeout: float = 60.0,
        paper: str = "A4",
        source: str | None = None,
        max_pages: int | None = None,
        allowed_links: Collection[str] | None = None,
    ) -> bytes:
        """Render one HTML document to PDF bytes, or raise AdvocateError; never half a PDF.

        The same as :meth:`render_result`, for callers that need only the bytes."""
        return self.render_result(html, title=title, lang=lang, base_dir=base_dir, roots=roots,
                                  timeout=timeout, paper=paper, source=source,
                                  max_pages=max_pages, allowed_links=allowed_links).data

    def render_result(
        self,
        html: str,
        *,
        title: str,
        lang: str,
        base_dir: Path,
        roots: Sequence[Path] = (),
        timeout: float = 60.0,
        paper: str = "A4",
        source: str | None = None,
        max_pages: int | None = None,
        allowed_links: Collection[str] | None = None,
    ) -> PdfResult:
        """Render one HTML document: its PDF bytes, page count and the engine's warnings.

        ``base_dir`` resolves relative URLs; files may be loaded only from it, ``roots``
        and advocate's own fonts. ``source`` names the template in error messages. With
        ``max_pages``, a layout longer than that is not written out (empty bytes, and its
        page count): the caller will tighten it and try again. With ``allowed_links`` (a
        pack's templates), every link to another site must be one of them.
        """
        if not title.strip() or not lang.strip():
            raise ValueError("a PDF needs a title and a language (PDF/UA)")
        probe = check_depth(html, source)
        try:
            base = Path(base_dir).resolve(strict=True)
        except OSError:
            raise AdvocateError(
                "template folder not found", file=str(base_dir), hint="check the path"
            ) from None
        allowed = [base]
        for root in roots:
            with contextlib.suppress(OSError):
                allowed.append(Path(root).resolve(strict=True))
        allowed += package_roots()
        if any(root == Path(root.anchor) for root in allowed):
            raise ValueError("the filesystem root cannot be a template folder")
        gate = ResourceGate(allowed)
        created = _source_date()
        with self._lock:
            if self._stale:
                self._setup()
            sheets = [self._fonts_css, self._page_css(paper)]
            split = split_styles(html, probe)
            if split is not None:
                reused = [self._reused_css(text) for text in split[1]]
                if all(css is not None for css in reused):
                    html = split[0]
                    sheets += reused
            return self._render_locked(
                html, sheets, title, lang, base, gate, timeout, created, source, max_pages,
                allowed_links,
            )

    def _reused_css(self, text: str) -> Any | None:
        """A template's style sheet parsed once (it fetches nothing: see _NOT_REUSABLE);
        None for one that WeasyPrint warns about, which stays in the document so that
        each render reports its warnings."""
        if text in self._template_css:
            return self._template_css[text]
        weasy = load_weasyprint()
        gate = ResourceGate([])
        collector = LogCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            css = weasy.CSS(string=text, font_config=self._font_config,
                            url_fetcher=weasy.GateFetcher(gate))
        except Exception:
            css = None  # rendered inline, where the failure is reported
        finally:
            logger.removeHandler(collector)
        if collector.records or gate.refusals:
            css = None
        if len(self._template_css) >= 16:
            self._template_css.clear()
        self._template_css[text] = css
        return css

    def _render_locked(
        self,
        html: str,
        sheets: list[Any],
        title: str,
        lang: str,
        base: Path,
        gate: ResourceGate,
        timeout: float,
        created: str | None,
        source: str | None,
        max_pages: int | None = None,
        allowed_links: Collection[str] | None = None,
    ) -> PdfResult:
        weasy = load_weasyprint()
        fetcher = weasy.GateFetcher(gate)
        outcome = _Outcome()
        collector = LogCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        GLIB_LOCAL.sink = outcome.glib
        pdf: bytes | None = None
        pages = 0
        try:
            with time_limit(timeout) as clock:
                try:
                    document = weasy.HTML(
                        string=html, base_url=base.as_uri() + "/", url_fetcher=fetcher
                    ).render(
                        font_config=self._font_config,
                        stylesheets=sheets,
                        pdf_variant=PDF_VARIANT,
                    )
                    self._vet(document, gate, allowed_links)
                    self._scrub(document.metadata, title, lang, created)
                    pages = len(document.pages)
                    if max_pages is not None and pages > max_pages:
                        pdf = b""  # too long: not worth writing out
                    elif not gate.refusals:
                        pdf = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=_finisher)
                except weasy.FatalURLFetchingError as exc:
                    if not gate.refusals:  # a bug in the gate, not a refusal
                        outcome.failure = f"could not load a resource ({exc})"
                except RecursionError:
                    outcome.failure = "document too deeply nested or too complex"
                    outcome.failure_hint = "flatten the template's HTML"
                except MemoryError:
                    outcome.failure = "out of memory"
                    outcome.failure_hint = "use smaller images and fewer pages"
                except Exception as exc:
                    text = str(exc).splitlines()[0][:200] if str(exc) else ""
                    outcome.failure = f"{type(exc).__name__}: {text}".rstrip(": ")
            outcome.timed_out = clock.expired
        except RenderTimeout:
            outcome.timed_out = True
        finally:
            GLIB_LOCAL.sink = None
            logger.removeHandler(collector)
            if (
                self._font_config.template_fonts
                or outcome.timed_out
                or (pdf is None and not gate.refusals)
            ):
                # Template fonts, or a render cut short: the next one starts clean.
                self._stale = True
        warnings = [
            r.getMessage()[:300] for r in collector.records if r.levelno < logging.ERROR
        ]
        errors = [r for r in collector.records if r.levelno >= logging.ERROR]
        self._raise_for(outcome, gate, errors, timeout, source)
        assert pdf is not None
        return PdfResult(pdf, pages, warnings)

    @staticmethod
    def _vet(document: Any, gate: ResourceGate,
             allowed_links: Collection[str] | None = None) -> None:
        """Refuse attachments and links that would embed a file or reveal a local path,
        and (``allowed_links``) links to addresses the campaign file does not name."""
        for attachment in document.metadata.attachments:
            with attachment.source as (_, url, _, _):  # the gate refuses most right here
                gate.record(url, "PDF attachments are not allowed", "remove the attachment")
        for page in document.pages:
            for link_type, target, _, _ in page.links:
                if link_type == "attachment":
                    gate.record(target, "PDF attachments are not allowed", "remove rel=attachment")
                elif link_type == "external":
                    scheme = urlsplit(target).scheme.lower()
                    if scheme == "file":
                        gate.record(
                            target,
                            "a link to a local file would reveal the folder's path",
                            "link to https:// addresses or to #anchors in the document",
                        )
                    elif scheme not in LINK_SCHEMES:
                        gate.record(
                            target,
                            f"{scheme or 'relative'} links are not allowed",
                            "link to https:// or mailto: addresses",
                        )
                    elif allowed_links is not None and target not in allowed_links:
                        # Not named: the address may be made of a signer's data.
                        gate.record(
                            "",
                            "a link leads to an address the campaign file does not name",
                            "a pack's templates may link only to the campaign's addresses",
                        )

    @staticmethod
    def _scrub(metadata: Any, title: str, lang: str, created: str | None) -> None:
        """Metadata comes from advocate, never from the template (tracking IDs, names)."""
        metadata.title = title
        metadata.lang = lang
        metadata.authors = []
        metadata.keywords = []
        metadata.custom = {}
        metadata.attachments = []
        metadata.xmp_metadata = []
        metadata.generator = None
        metadata.description = None
        metadata.created = metadata.modified = created

    @staticmethod
    def _raise_for(
        outcome: _Outcome,
        gate: ResourceGate,
        errors: list[logging.LogRecord],
        timeout: float,
        source: str | None,
    ) -> None:
        def problem(message: str, hint: str) -> Problem:
            return Problem(message, file=source, hint=hint)

        if outcome.timed_out:
            limit = f"{timeout:g}"
            raise LimitError(
                problems=[
                    problem(
                        f"PDF render exceeded {limit} s",
                        "simplify the template: fewer table cells, fewer pages",
                    )
                ]
            )
        if gate.refusals:
            raise AdvocateError(problems=[problem(r.message, r.hint) for r in gate.refusals[:10]])
        if outcome.failure is not None:
            raise AdvocateError(
                problems=[problem(f"PDF render failed: {outcome.failure}", outcome.failure_hint)]
            )
        if outcome.glib:
            detail = outcome.glib[0][:200]
            raise AdvocateError(problems=[problem(f"PDF render failed: {detail}", HINT_CSS)])
        if errors:
            record = errors[0]
            first = record.getMessage()[:200]
            if record.msg.startswith("Failed to load image") and record.args:
                url = short_url(str(record.args[0]))  # type: ignore[index]
                message = f"image {url!r} could not be loaded and would be missing"
                hint = "check that the file is a PNG, JPEG, GIF, WebP or SVG image"
            elif first.endswith("has no required alt description"):
                message = "an image has no alt text, which an accessible (PDF/UA) PDF requires"
                hint = 'give every <img> an alt="..." attribute (alt="" for decoration)'
            else:
                message, hint = f"PDF render failed: {first}", HINT_CSS
            raise AdvocateError(problems=[problem(message, hint)])


#: Set once this process has made a font configuration (see :func:`fonts_loaded`).
_FONTS_LOADED = threading.Event()


def fonts_loaded() -> bool:
    """Whether this process has made a font configuration: Pango and fontconfig then hold
    state that a forked child must not copy (see advocate.build.letters._pool_forks)."""
    return _FONTS_LOADED.is_set()
_SHARED: PdfRenderer | None = None
_SHARED_LOCK = threading.Lock()


def shared_renderer() -> PdfRenderer:
    """This process's renderer (made on first use: it imports WeasyPrint)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = PdfRenderer()
        return _SHARED


def forget_shared_renderer() -> None:
    """In a worker forked from a process that made one: make its own on first use."""
    global _SHARED
    _SHARED = None




def render_pdf(html: str, **options: Any) -> bytes:
    """Render one HTML document to PDF bytes with this process's shared renderer
    (options as for :meth:`PdfRenderer.render`)."""
    return render_pdf_result(html, **options).data


def render_pdf_result(html: str, **options: Any) -> PdfResult:
    """Like :func:`render_pdf`: the bytes, the page count (to keep documents to their
    budget; with ``max_pages``, a longer document comes back as empty bytes) and the
    engine's warnings about the template's CSS and HTML. Here, in this process
    (:func:`advocate.render.pdf.render_pdf_result` hands it to the engine started ahead when
    this process has one)."""
    return shared_renderer().render_result(html, **options)
