"""The resource gate: what a template may load (files inside its folder, data: URLs), never
the network; sizes and image bombs refused."""

from __future__ import annotations

import base64
import os
import re
import stat
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

MAX_DEPTH = 64
#: Largest raster image accepted, in pixels (Pillow's own bomb limit is 179 Mpx).
MAX_IMAGE_PIXELS = 50_000_000
#: Largest file (or decoded ``data:`` URL) a template may load.
MAX_RESOURCE_BYTES = 10 << 20


LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})  # links are never fetched

_HINT_FOLDER = "keep images, stylesheets and fonts inside the template folder"
_HINT_OFFLINE = (
    "advocate works offline: save the file inside the template folder and use a relative path"
)
HINT_CSS = "check the template's CSS for extreme values, such as huge font sizes"

# ------------------------------------------------------------------ resource gate


class Refused(Exception):
    """A resource the gate will not hand to WeasyPrint."""


@dataclass(frozen=True)
class _Refusal:
    url: str
    reason: str
    hint: str

    @property
    def message(self) -> str:
        if not self.url:  # an address that may be made of personal data is not shown
            return f"refused: {self.reason}"
        return f"refused {short_url(self.url)!r}: {self.reason}"


def short_url(url: str, limit: int = 120) -> str:
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


class ResourceGate:
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

    def refuse(self, url: str, reason: str, hint: str = _HINT_FOLDER) -> Refused:
        return Refused(self.record(url, reason, hint).message)

    def open(self, url: str) -> tuple[str, bytes, str]:
        """Return ``(url, body, content type)`` for an allowed URL, else raise Refused."""
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


#: How font files start (TrueType, OpenType, collections, WOFF): no raster image does, so
#: Pillow (and its import, a tenth of a second) is spared the bundled fonts.
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf", b"wOFF", b"wOF2")


def _image_pixels(body: bytes) -> int | None:
    """Pixel count from the image header (no decoding), or None if not a raster image."""
    if body[:4] in _FONT_MAGIC:
        return None
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
