"""The one WeasyPrint entry point: an HTML string in, PDF bytes out, offline and private.

Why one module: left to its defaults WeasyPrint fetches URLs (a beacon to whoever wrote
the template), embeds any local file as an attachment, names the host's fonts in the PDF,
copies template-chosen metadata, drops broken images silently and hangs or crashes on
hostile CSS. Every PDF advocate writes goes through :class:`PdfRenderer`, which closes
each of those doors (see ``references/threats.md``, section 1).

WeasyPrint, Pillow and fontTools are imported inside functions only, so importing this
module (and running any text command) stays cheap.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import unicodedata
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from advocate.errors import AdvocateError, Problem
from advocate.limits import RenderTimeout, time_limit

__all__ = [
    "MAX_DEPTH",
    "MAX_IMAGE_PIXELS",
    "MAX_RESOURCE_BYTES",
    "PdfRenderer",
    "fonts_css",
    "missing_glyphs",
    "render_pdf",
]

#: Deepest element nesting accepted; WeasyPrint hits RecursionError at about 140.
MAX_DEPTH = 64
#: Largest raster image accepted, in pixels (Pillow's own bomb limit is 179 Mpx).
MAX_IMAGE_PIXELS = 50_000_000
#: Largest file (or decoded ``data:`` URL) a template may load.
MAX_RESOURCE_BYTES = 10 << 20

PDF_VARIANT = "pdf/ua-1"  # tagged, with /Lang and a title; never pdf/x-* (stamps local time)
PRODUCER = "advocate"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})  # links are never fetched

_FONT_FILES = {
    ("Advocate Serif", "normal", 400): "NotoSerif-Regular.ttf",
    ("Advocate Serif", "normal", 700): "NotoSerif-Bold.ttf",
    ("Advocate Serif", "italic", 400): "NotoSerif-Italic.ttf",
    ("Advocate Serif", "italic", 700): "NotoSerif-BoldItalic.ttf",
    ("Advocate Sans", "normal", 400): "NotoSans-Regular.ttf",
    ("Advocate Sans", "normal", 700): "NotoSans-Bold.ttf",
    ("Advocate Sans", "italic", 400): "NotoSans-Italic.ttf",
    ("Advocate Sans", "italic", 700): "NotoSans-BoldItalic.ttf",
}
_GLYPH_FAMILIES = {
    "serif": "NotoSerif",
    "advocate serif": "NotoSerif",
    "sans": "NotoSans",
    "sans-serif": "NotoSans",
    "advocate sans": "NotoSans",
}

# Fontconfig sees no system font at all: generic families go to the bundled fonts, so
# no host font can reach a PDF (or its subset names), and output does not depend on
# what the host has installed. Characters the bundled fonts lack become .notdef boxes;
# callers refuse such text first with missing_glyphs().
_GENERIC_FAMILIES = {
    "serif": "Advocate Serif",
    "sans-serif": "Advocate Sans",
    "monospace": "Advocate Sans",
    "system-ui": "Advocate Sans",
}
_FONTCONFIG_XML = "\n".join(
    [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        *(
            f'<alias binding="same"><family>{generic}</family>'
            f"<prefer><family>{family}</family></prefer></alias>"
            for generic, family in _GENERIC_FAMILIES.items()
        ),
        "</fontconfig>",
        "",
    ]
)

_HINT_FOLDER = "keep images, stylesheets and fonts inside the template folder"
_HINT_OFFLINE = (
    "advocate works offline: save the file inside the template folder and use a relative path"
)
_HINT_CSS = "check the template's CSS for extreme values, such as huge font sizes"

# Log records that describe the host, not the document.
_BENIGN_LOG_PREFIXES = ("Using fontTools instead of HarfBuzz-Subset",)

_LOG = logging.getLogger(__name__)


# --------------------------------------------------------------------------- fonts


@functools.cache
def _package_dir(name: str) -> Path | None:
    """A data folder shipped inside the installed package, if it exists."""
    resource = files("advocate").joinpath(name)
    path = resource if isinstance(resource, Path) else Path(str(resource))
    return path.resolve() if path.is_dir() else None


def _fonts_dir() -> Path:
    """The bundled fonts, found through importlib.resources (works when installed)."""
    path = _package_dir("fonts")
    if path is None:  # pragma: no cover - a broken install
        raise RuntimeError("advocate's bundled fonts are missing; reinstall advocate")
    return path


def _package_roots() -> list[Path]:
    """advocate's own folders that templates may always load from."""
    return [p for p in (_package_dir("fonts"), _package_dir("assets")) if p is not None]


@functools.cache
def fonts_css() -> str:
    """``@font-face`` rules for "Advocate Serif" and "Advocate Sans" (the bundled Noto)."""
    fonts = _fonts_dir()
    rules = []
    for (family, style, weight), filename in _FONT_FILES.items():
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-style: {style}; '
            f'font-weight: {weight}; src: url("{(fonts / filename).as_uri()}"); }}'
        )
    return "\n".join(rules) + "\n"


@functools.cache
def _covered_codepoints(prefix: str) -> frozenset[int]:
    """Code points every style (regular, bold, italics) of a bundled family can draw."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    covered: frozenset[int] | None = None
    for style in ("Regular", "Bold", "Italic", "BoldItalic"):
        with TTFont(_fonts_dir() / f"{prefix}-{style}.ttf", lazy=True) as font:
            cmap = frozenset(font.getBestCmap())
        covered = cmap if covered is None else covered & cmap
    assert covered is not None
    return covered


def missing_glyphs(text: str, family: str = "serif") -> set[str]:
    """Characters of ``text`` the bundled font cannot draw (whitespace/controls ignored).

    Lets callers refuse a document up front instead of printing tofu boxes: fontconfig
    never falls back to host fonts (see ``_FONTCONFIG_XML``).
    """
    prefix = _GLYPH_FAMILIES.get(family.strip().lower())
    if prefix is None:
        raise ValueError(f"unknown font family {family!r}; use 'serif' or 'sans'")
    covered = _covered_codepoints(prefix)
    return {
        char
        for char in set(text)
        if ord(char) not in covered
        and not char.isspace()
        and unicodedata.category(char) not in ("Cc", "Cf")
    }


# ------------------------------------------------------------------ resource gate


class _Refused(Exception):
    """A resource the gate will not hand to WeasyPrint."""


@dataclass(frozen=True)
class _Refusal:
    url: str
    reason: str
    hint: str

    @property
    def message(self) -> str:
        return f"refused {_short_url(self.url)!r}: {self.reason}"


def _short_url(url: str, limit: int = 120) -> str:
    """URLs in messages: data: URLs and very long ones are cut short."""
    if url[:5].lower() == "data:":
        limit = min(limit, 40)
    return url if len(url) <= limit else url[: limit - 1] + "…"


_CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class _ResourceGate:
    """Allow-list for everything a document loads: ``data:`` URLs and regular files
    inside the allowed roots, nothing else, ever.

    Independent of WeasyPrint so the policy is plain code. Every refusal is recorded
    as well as raised, because SVG rendering swallows exceptions.
    """

    def __init__(self, roots: Sequence[Path], max_bytes: int = MAX_RESOURCE_BYTES) -> None:
        self.roots = roots
        self.max_bytes = max_bytes
        self.refusals: list[_Refusal] = []

    def record(self, url: str, reason: str, hint: str = _HINT_FOLDER) -> _Refusal:
        refusal = _Refusal(url, reason, hint)
        if refusal not in self.refusals:
            self.refusals.append(refusal)
        return refusal

    def refuse(self, url: str, reason: str, hint: str = _HINT_FOLDER) -> _Refused:
        return _Refused(self.record(url, reason, hint).message)

    def open(self, url: str) -> tuple[str, bytes, str]:
        """Return ``(url, body, content type)`` for an allowed URL, else raise _Refused."""
        try:
            scheme = urlsplit(url).scheme.lower() if ":" in url else ""
        except ValueError:  # 'http://[not-an-ip]/': urlsplit validates bracketed hosts
            raise self.refuse(url, "malformed URL", _HINT_OFFLINE) from None
        if scheme == "data":
            url_out, body, content_type = url, *self._decode_data(url)
        elif scheme == "file":
            url_out, body, content_type = self._read_file(url)
        else:
            what = f"{scheme}: URLs are not allowed" if scheme else "not an absolute URL"
            raise self.refuse(url, what, _HINT_OFFLINE)
        self._check_image(url, body)
        return url_out, body, content_type

    def _decode_data(self, url: str) -> tuple[bytes, str]:
        if len(url) > 2 * self.max_bytes:
            raise self.refuse(url, "data: URL too large", "use a smaller image")
        header, comma, payload = url[5:].partition(",")
        if not comma:
            raise self.refuse(url, "malformed data: URL", "check the data: URL")
        parts = [p.strip() for p in header.split(";")]
        is_base64 = parts[-1].lower() == "base64"
        if is_base64:
            parts.pop()
        content_type = parts[0].lower() if parts and parts[0] else "text/plain"
        try:
            raw = unquote_to_bytes(payload)
            body = base64.b64decode(raw + b"=" * (-len(raw) % 4)) if is_base64 else raw
        except ValueError:
            raise self.refuse(url, "malformed data: URL", "check the data: URL") from None
        if len(body) > self.max_bytes:
            raise self.refuse(url, "data: URL too large", "use a smaller image")
        return body, content_type

    def _read_file(self, url: str) -> tuple[str, bytes, str]:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self.refuse(url, "file URL with a host name", _HINT_FOLDER)
        from urllib.request import url2pathname  # lazy: pulls in http.client and ssl

        raw = url2pathname(unquote(parts.path))
        # Lexical check first: no filesystem call (stat, open) for paths outside the
        # roots, so /dev/zero or a network mount is never even probed.
        if raw.startswith(("//", "\\\\")) or "\x00" in raw:
            raise self.refuse(url, "outside the template folder")
        lexical = Path(os.path.normpath(raw))
        if not lexical.is_absolute() or not any(lexical.is_relative_to(r) for r in self.roots):
            raise self.refuse(url, "outside the template folder")
        try:
            real = lexical.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            raise self.refuse(url, "file not found", "check the file name") from None
        if not any(real.is_relative_to(r) for r in self.roots):
            raise self.refuse(url, "symlink leads outside the template folder")
        try:
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(real, flags)  # non-blocking: a FIFO must not hang the render
        except OSError:
            raise self.refuse(url, "file cannot be read", "check the file") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a folder: fdopen would raise
            os.close(fd)
            raise self.refuse(url, "not a regular file")
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > self.max_bytes:
                limit = self.max_bytes >> 20
                raise self.refuse(url, f"file too large (max {limit} MB)", "use a smaller file")
            body = handle.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise self.refuse(url, "file too large", "use a smaller file")
        content_type = _CONTENT_TYPES.get(real.suffix.lower(), "application/octet-stream")
        return real.as_uri(), body, content_type

    def _check_image(self, url: str, body: bytes) -> None:
        """Refuse raster images over MAX_IMAGE_PIXELS before anyone decodes them."""
        pixels = _image_pixels(body)
        if pixels is not None and pixels > MAX_IMAGE_PIXELS:
            size = f"{round(pixels / 1e6)} Mpx > {MAX_IMAGE_PIXELS // 1_000_000} Mpx"
            raise self.refuse(
                url,
                f"image too large ({size})",
                f"scale the image down to at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels",
            )


_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


def _image_pixels(body: bytes) -> int | None:
    """Pixel count from the image header (no decoding), or None if not a raster image."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DecompressionBombWarning and friends
        try:
            with Image.open(BytesIO(body)) as image:
                width, height = image.size
        except Image.DecompressionBombError as exc:
            match = _BOMB_PIXELS.search(str(exc))
            return int(match[1]) if match else MAX_IMAGE_PIXELS * 4
        except Exception:
            return None  # CSS, fonts, SVG: not for Pillow to judge
    return int(width) * int(height)


# ------------------------------------------------------------- WeasyPrint glue


@functools.cache
def _weasy() -> Any:
    """Import WeasyPrint once, quietly, and build the classes that subclass it."""
    with warnings.catch_warnings():
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
        """WeasyPrint's fetcher interface over _ResourceGate; never opens a socket."""

        def __init__(self, gate: _ResourceGate) -> None:
            super().__init__(
                timeout=1, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True
            )
            self.gate = gate

        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                final_url, body, content_type = self.gate.open(url)
            except _Refused as exc:
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


_ENV_LOCK = threading.Lock()


def _private_font_configuration(cls: Any) -> Any:
    """A FontConfiguration whose fontconfig knows no system font (see _FONTCONFIG_XML)."""
    with _ENV_LOCK, tempfile.TemporaryDirectory(prefix="advocate-fc-") as folder:
        conf = Path(folder) / "fonts.conf"
        conf.write_text(_FONTCONFIG_XML, encoding="utf-8")
        previous = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(conf)  # read once, by FcInitLoadConfigAndFonts
        try:
            return cls()
        finally:
            if previous is None:
                del os.environ["FONTCONFIG_FILE"]
            else:
                os.environ["FONTCONFIG_FILE"] = previous


def _dispose_font_config(font_config: Any) -> None:
    """Remove the temporary font folder now (at exit at the latest): WeasyPrint's own
    ``__del__`` would run during interpreter shutdown and print a TypeError."""
    folder = font_config._folder
    font_config._folder = None
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _finisher(document: Any, pdf: Any) -> None:
    """Producer is advocate, in /Info and in the XMP packet (no engine version)."""
    pydyf = _weasy().pydyf
    pdf.info["Producer"] = pydyf.String(PRODUCER)
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.extra.get("Type") == "/Metadata":
            obj.stream = [
                re.sub(rb'(Producer=")[^"]*"', b"\\g<1>" + PRODUCER.encode() + b'"', bytes(chunk))
                for chunk in obj.stream
            ]


def _source_date() -> str | None:
    """SOURCE_DATE_EPOCH as a W3C UTC date, or None: PDFs carry no date otherwise."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise AdvocateError(
            f"SOURCE_DATE_EPOCH is not a valid timestamp: {value[:20]!r}",
            hint="set it to a whole number of seconds since 1970-01-01 UTC, or unset it",
        ) from None
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------- failure capture


class _LogCollector(logging.Handler):
    """Keeps WeasyPrint's WARNING/ERROR records: the only trace of a dropped image."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(_BENIGN_LOG_PREFIXES):
            self.records.append(record)


_GLIB_LOCAL = threading.local()
_GLIB_HANDLERS: list[Any] = []  # ctypes callbacks must outlive every call into GLib
_GLIB_DOMAINS = (b"Pango", b"GLib", b"GLib-GObject")
_GLIB_LEVELS = 1 | 2 | 8 | 16  # recursion, fatal flags; CRITICAL, WARNING


def _glib_message(domain: bytes | None, level: int, message: bytes | None, _data: Any) -> None:
    text = f"{(domain or b'GLib').decode(errors='replace')}: "
    text += (message or b"").decode(errors="replace")
    sink: list[str] | None = getattr(_GLIB_LOCAL, "sink", None)
    if sink is not None:
        sink.append(text)
    else:
        _LOG.warning("%s", text)


@functools.cache
def _install_glib_handler() -> bool:
    """Route Pango/GLib criticals into the render's error list instead of raw stderr."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0"
    try:
        glib = ctypes.CDLL(name)
        set_handler = glib.g_log_set_handler
    except (OSError, AttributeError):  # pragma: no cover - unusual platforms
        return False
    callback_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p
    )
    callback = callback_type(_glib_message)
    _GLIB_HANDLERS.append(callback)
    set_handler.argtypes = [ctypes.c_char_p, ctypes.c_int, callback_type, ctypes.c_void_p]
    set_handler.restype = ctypes.c_uint
    for domain in _GLIB_DOMAINS:
        set_handler(domain, _GLIB_LEVELS, callback, None)
    return True


# ------------------------------------------------------------------ depth probe

_VOID = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
        "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
_CLOSES_P = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section",
        "table", "ul",
    }
)  # fmt: skip
# tag -> (tags it implicitly closes, tags that stop the search)
_IMPLIED_END = {
    "li": ({"li"}, {"ul", "ol", "menu"}),
    "dt": ({"dt", "dd"}, {"dl"}),
    "dd": ({"dt", "dd"}, {"dl"}),
    "tr": ({"tr", "td", "th"}, {"table", "thead", "tbody", "tfoot"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    "thead": ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}),
    "tbody": ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}),
    "tfoot": ({"thead", "tbody", "tfoot", "tr", "td", "th"}, {"table"}),
    "option": ({"option"}, {"select", "datalist", "optgroup"}),
    "optgroup": ({"optgroup", "option"}, {"select"}),
}


class _DepthProbe(HTMLParser):
    """Approximate element depth (with HTML's common implied end tags), so a deeply
    nested document gets a clear message instead of WeasyPrint's RecursionError."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.stack: list[str] = []
        self.too_deep_at: tuple[int, int] | None = None
        #: Plain <style> elements of the <head>: (start, end) positions, and their text.
        self.styles: list[tuple[tuple[int, int], tuple[int, int], str]] = []
        self._style: tuple[tuple[int, int], list[str]] | None = None

    def handle_data(self, data: str) -> None:
        if self._style is not None:
            self._style[1].append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style" and self.stack[-2:] == ["html", "head"] and all(
                (k, (v or "").strip().lower()) == ("type", "text/css") for k, v in attrs):
            self._style = (self.getpos(), [])
        if tag in _VOID:
            return
        if self.stack and self.stack[-1] == "p" and tag in _CLOSES_P:
            self.stack.pop()
        if tag in _IMPLIED_END:
            closes, stops = _IMPLIED_END[tag]
            outermost = None
            for index in range(len(self.stack) - 1, -1, -1):
                if self.stack[index] in stops:
                    break
                if self.stack[index] in closes:
                    outermost = index
            if outermost is not None:
                del self.stack[outermost:]
        self.stack.append(tag)
        if len(self.stack) > self.limit and self.too_deep_at is None:
            self.too_deep_at = self.getpos()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <x/> closes itself only in SVG and MathML; in HTML it opens an element.
        if "svg" not in self.stack and "math" not in self.stack:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style is not None:
            self.styles.append((self._style[0], self.getpos(), "".join(self._style[1])))
            self._style = None
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index] == tag:
                del self.stack[index:]
                return


def _check_depth(html: str, source: str | None) -> _DepthProbe:
    """Refuse documents nested deeper than MAX_DEPTH, pointing at the offending tag."""
    probe = _DepthProbe(MAX_DEPTH)
    probe.feed(html)
    probe.close()
    if probe.too_deep_at is not None:
        line, column = probe.too_deep_at
        raise AdvocateError(
            f"document nested too deeply (max {MAX_DEPTH})",
            file=source,
            line=line,
            column=column + 1,
            hint="flatten the template's HTML",
        )
    return probe


# Style sheets that fetch nothing and register nothing document-wide can be parsed once and
# reused: a batch of letters shares one (parsing it is a sixth of a letter's render). One
# with a backslash is not: a CSS escape could spell url( past this check.
_NOT_REUSABLE = re.compile(r"url\s*\(|@import|@font-face|@counter-style|@layer|image-set|"
                           r"src\s*\(", re.IGNORECASE)


def _split_styles(html: str, probe: _DepthProbe) -> tuple[str, list[str]] | None:
    """The document without its <head> style sheets, and their text, when every one of
    them can be reused (see above); else None."""
    if not probe.styles:
        return None
    texts = [text for _, _, text in probe.styles]
    if any("\\" in t or _NOT_REUSABLE.search(t) for t in texts):
        return None
    starts = [0, *(m.end() for m in re.finditer("\n", html))]
    pieces: list[str] = []
    position = 0
    for (line, column), (end_line, end_column), _ in probe.styles:
        start = starts[line - 1] + column
        close = html.find(">", starts[end_line - 1] + end_column)
        if close < 0 or not html.startswith("<style", start):
            return None
        pieces.append(html[position:start])
        position = close + 1
    pieces.append(html[position:])
    return "".join(pieces), texts


# ---------------------------------------------------------------------- renderer


@dataclass
class _Outcome:
    """Everything that went wrong in one render, most important first when reported."""

    timed_out: bool = False
    failure: str | None = None
    failure_hint: str = _HINT_CSS
    glib: list[str] = field(default_factory=list)


class PdfRenderer:
    """Renders HTML to PDF/UA with one shared FontConfiguration and pre-parsed font CSS.

    Create one per process (batch workers each make their own); not for concurrent
    use from several threads (calls are serialised by a lock).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._font_config: Any = None
        self._base_css: dict[str, Any] = {}
        self._stale = False
        self._cleanup: Callable[[], object] | None = None
        #: WARNING records (as text) of the last render: template CSS/HTML problems.
        self.warnings: list[str] = []
        #: Pages of the last PDF rendered (letters must fit one page, briefs two).
        self.pages = 0
        self._setup()

    def _setup(self) -> None:
        """(Re)build the font configuration and the stylesheets parsed against it."""
        weasy = _weasy()
        font_config = _private_font_configuration(weasy.FontConfiguration)
        fetcher = weasy.GateFetcher(_ResourceGate(_package_roots()))
        fonts = weasy.CSS(string=fonts_css(), font_config=font_config, url_fetcher=fetcher)
        if fetcher.gate.refusals:  # pragma: no cover - a broken install
            raise RuntimeError(fetcher.gate.refusals[0].message)
        self._fonts_css = fonts
        self._base_css = {}
        self._template_css: dict[str, Any] = {}
        font_config.sealed = True
        if self._cleanup is not None:
            self._cleanup()  # the old configuration's temporary font folder goes now
        self._font_config = font_config
        self._cleanup = weakref.finalize(self, _dispose_font_config, font_config)
        self._stale = False
        _install_glib_handler()

    def _page_css(self, paper: str) -> Any:
        """Default page size and font as a *user* stylesheet: templates override both."""
        size = PAPER_SIZES.get(paper.strip().lower())
        if size is None:
            raise AdvocateError(f"unknown paper size {paper!r}", hint="use A4 or letter")
        if size not in self._base_css:
            css = f'@page {{ size: {size}; }}\nhtml {{ font-family: "Advocate Serif", serif; }}\n'
            weasy = _weasy()
            fetcher = weasy.GateFetcher(_ResourceGate(_package_roots()))
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
    ) -> bytes:
        """Render one HTML document to PDF bytes, or raise AdvocateError; never half a PDF.

        ``base_dir`` resolves relative URLs; files may be loaded only from it, ``roots``
        and advocate's own fonts. ``source`` names the template in error messages. With
        ``max_pages``, a layout longer than that is not written out (empty bytes; see
        ``pages``): the caller will tighten it and try again.
        """
        if not title.strip() or not lang.strip():
            raise ValueError("a PDF needs a title and a language (PDF/UA)")
        probe = _check_depth(html, source)
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
        allowed += _package_roots()
        if any(root == Path(root.anchor) for root in allowed):
            raise ValueError("the filesystem root cannot be a template folder")
        gate = _ResourceGate(allowed)
        created = _source_date()
        with self._lock:
            if self._stale:
                self._setup()
            sheets = [self._fonts_css, self._page_css(paper)]
            split = _split_styles(html, probe)
            if split is not None:
                reused = [self._reused_css(text) for text in split[1]]
                if all(css is not None for css in reused):
                    html = split[0]
                    sheets += reused
            return self._render_locked(
                html, sheets, title, lang, base, gate, timeout, created, source, max_pages
            )

    def _reused_css(self, text: str) -> Any | None:
        """A template's style sheet parsed once (it fetches nothing: see _NOT_REUSABLE);
        None for one that WeasyPrint warns about, which stays in the document so that
        each render reports its warnings."""
        if text in self._template_css:
            return self._template_css[text]
        weasy = _weasy()
        gate = _ResourceGate([])
        collector = _LogCollector()
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
        gate: _ResourceGate,
        timeout: float,
        created: str | None,
        source: str | None,
        max_pages: int | None = None,
    ) -> bytes:
        weasy = _weasy()
        fetcher = weasy.GateFetcher(gate)
        outcome = _Outcome()
        collector = _LogCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        _GLIB_LOCAL.sink = outcome.glib
        pdf: bytes | None = None
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
                    self._vet(document, gate)
                    self._scrub(document.metadata, title, lang, created)
                    self.pages = len(document.pages)
                    if max_pages is not None and self.pages > max_pages:
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
            _GLIB_LOCAL.sink = None
            logger.removeHandler(collector)
            if (
                self._font_config.template_fonts
                or outcome.timed_out
                or (pdf is None and not gate.refusals)
            ):
                # Template fonts, or a render cut short: the next one starts clean.
                self._stale = True
        self.warnings = [
            r.getMessage()[:300] for r in collector.records if r.levelno < logging.ERROR
        ]
        errors = [r for r in collector.records if r.levelno >= logging.ERROR]
        self._raise_for(outcome, gate, errors, timeout, source)
        assert pdf is not None
        return pdf

    @staticmethod
    def _vet(document: Any, gate: _ResourceGate) -> None:
        """Refuse attachments and links that would embed a file or reveal a local path."""
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
        gate: _ResourceGate,
        errors: list[logging.LogRecord],
        timeout: float,
        source: str | None,
    ) -> None:
        def problem(message: str, hint: str) -> Problem:
            return Problem(message, file=source, hint=hint)

        if outcome.timed_out:
            limit = f"{timeout:g}"
            raise AdvocateError(
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
            raise AdvocateError(problems=[problem(f"PDF render failed: {detail}", _HINT_CSS)])
        if errors:
            record = errors[0]
            first = record.getMessage()[:200]
            if record.msg.startswith("Failed to load image") and record.args:
                url = _short_url(str(record.args[0]))  # type: ignore[index]
                message = f"image {url!r} could not be loaded and would be missing"
                hint = "check that the file is a PNG, JPEG, GIF, WebP or SVG image"
            elif first.endswith("has no required alt description"):
                message = "an image has no alt text, which an accessible (PDF/UA) PDF requires"
                hint = 'give every <img> an alt="..." attribute (alt="" for decoration)'
            else:
                message, hint = f"PDF render failed: {first}", _HINT_CSS
            raise AdvocateError(problems=[problem(message, hint)])


_SHARED: PdfRenderer | None = None
_SHARED_LOCK = threading.Lock()


def _shared() -> PdfRenderer:
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = PdfRenderer()
        return _SHARED


def render_pdf(html: str, **options: Any) -> bytes:
    """Render one HTML document to PDF bytes with this process's shared renderer
    (options as for :meth:`PdfRenderer.render`)."""
    return render_pdf_pages(html, **options)[0]


def render_pdf_pages(
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
) -> tuple[bytes, int]:
    """Like :func:`render_pdf`, and the number of pages (to keep documents to their budget).

    With ``max_pages``, a longer document comes back as empty bytes and its page count."""
    renderer = _shared()
    data = renderer.render(html, title=title, lang=lang, base_dir=base_dir, roots=roots,
                           timeout=timeout, paper=paper, source=source, max_pages=max_pages)
    return data, renderer.pages
