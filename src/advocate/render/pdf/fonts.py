"""Font policy: the bundled fonts, a private fontconfig that sees no host font, and which
characters the fonts can draw."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
import unicodedata
from importlib.resources import files
from pathlib import Path
from typing import Any

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


def package_roots() -> list[Path]:
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



_ENV_LOCK = threading.Lock()


def private_font_configuration(cls: Any) -> Any:
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


def dispose_font_config(font_config: Any) -> None:
    """Remove the temporary font folder now (at exit at the latest): WeasyPrint's own
    ``__del__`` would run during interpreter shutdown and print a TypeError."""
    folder = font_config._folder
    font_config._folder = None
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
