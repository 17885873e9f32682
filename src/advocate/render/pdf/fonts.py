"""Font policy, in one place: which fonts a PDF may use, how fontconfig finds them (and no
host font), and which characters they can draw.

Every font is bundled in ``src/advocate/fonts`` (OFL; see ``OFL.txt`` and ``FONTS.md``
there), so the same input gives the same PDF bytes on any machine and no host font can
reach a PDF. Templates name two stacks: ``"Advocate Serif"`` (``serif``) and
``"Advocate Sans"`` (``sans-serif``). Each is Noto Serif or Noto Sans (Latin with
Vietnamese, Greek, Cyrillic with Kazakh) followed, character by character, by one font per
further script (:data:`SCRIPTS`), one CJK font (Chinese, Japanese and Korean: its ``locl``
feature follows the ``lang`` of the text) and two symbol fonts. A template pack may add its
own fonts (``fonts/`` in the pack, named by its CSS); :func:`pack_fonts` finds them so the
checks below count them too.

What no font draws is found before anything is rendered (:func:`undrawable`,
:func:`people_problems`): letters of a script without a font refuse the document, naming the
row and the script, never the text; emoji and other symbols are left out of the PDF only,
with a warning (the text and the ``.eml`` keep them).
"""

from __future__ import annotations

import functools
import gc
import os
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from advocate.errors import Problem
from advocate.text.stencil import FIELDS as WRITER_FIELDS

#: Scripts beyond Latin, Greek and Cyrillic: (family suffix, serif file stem, sans file stem).
SCRIPTS: tuple[tuple[str, str, str], ...] = (
    ("Arabic", "NotoNaskhArabic", "NotoSansArabic"),  # with Persian and Urdu letters
    ("Hebrew", "NotoSerifHebrew", "NotoSansHebrew"),
    ("Armenian", "NotoSerifArmenian", "NotoSansArmenian"),
    ("Georgian", "NotoSerifGeorgian", "NotoSansGeorgian"),
    ("Devanagari", "NotoSerifDevanagari", "NotoSansDevanagari"),
    ("Bengali", "NotoSerifBengali", "NotoSansBengali"),
    ("Tamil", "NotoSerifTamil", "NotoSansTamil"),
    ("Thai", "NotoSerifThai", "NotoSansThai"),
    ("Ethiopic", "NotoSerifEthiopic", "NotoSansEthiopic"),
)
#: One CJK font for both stacks (Noto Sans CJK SC holds every JP, KR, TC glyph too).
CJK_FILE = "NotoSansCJKsc-Regular.otf"
SYMBOL_FILES = ("NotoSansSymbols2-Regular.ttf", "NotoSansSymbols-Regular.ttf")
#: The bundled CJK font is larger than a template resource may be (gate.MAX_RESOURCE_BYTES).
BUNDLED_FONT_BYTES = 32 << 20
#: What the README promises (tests render a name in each).
COVERED_SCRIPTS = (
    "Latin (with Vietnamese)", "Greek", "Cyrillic (with Kazakh)", "Armenian", "Georgian",
    "Hebrew", "Arabic (with Persian and Urdu)", "Devanagari", "Bengali", "Tamil", "Thai",
    "Ethiopic", "Chinese (simplified and traditional)", "Japanese", "Korean",
)


def _faces() -> dict[tuple[str, str, int], str]:
    faces: dict[tuple[str, str, int], str] = {}
    for stack in ("Serif", "Sans"):
        for style, weight, stem in (("normal", 400, "Regular"), ("normal", 700, "Bold"),
                                    ("italic", 400, "Italic"), ("italic", 700, "BoldItalic")):
            faces[(f"Advocate {stack}", style, weight)] = f"Noto{stack}-{stem}.ttf"
    for script, serif, sans in SCRIPTS:
        for stack, stem in (("Serif", serif), ("Sans", sans)):
            for weight, name in ((400, "Regular"), (700, "Bold")):
                faces[(f"Advocate {stack} {script}", "normal", weight)] = f"{stem}-{name}.ttf"
    faces[("Advocate CJK", "normal", 400)] = CJK_FILE
    for index, filename in enumerate(SYMBOL_FILES):
        faces[(f"Advocate Symbols {index + 1}", "normal", 400)] = filename
    return faces


_FONT_FILES = _faces()


def stack(name: str) -> list[str]:
    """The families of one stack (``Serif`` or ``Sans``), in the order fontconfig tries them."""
    return [f"Advocate {name}", *(f"Advocate {name} {script}" for script, _, _ in SCRIPTS),
            "Advocate CJK", *(f"Advocate Symbols {i + 1}" for i in range(len(SYMBOL_FILES)))]


_STACKS = {"serif": "Serif", "advocate serif": "Serif", "sans": "Sans", "sans-serif": "Sans",
           "advocate sans": "Sans"}

# Fontconfig sees no system font at all: generic families go to the bundled stacks, and
# each stack lists its script fonts (``accept``: after the family, before anything else),
# so every character finds the same font on every machine and no host font can reach a
# PDF (or its subset names).
_GENERIC_FAMILIES = {
    "serif": "Advocate Serif",
    "sans-serif": "Advocate Sans",
    "monospace": "Advocate Sans",
    "system-ui": "Advocate Sans",
}


def _family_list(tag: str, families: Iterable[str]) -> str:
    return f"<{tag}>" + "".join(f"<family>{f}</family>" for f in families) + f"</{tag}>"


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
        *(
            f'<alias binding="same"><family>Advocate {name}</family>'
            f"{_family_list('accept', stack(name)[1:])}</alias>"
            for name in ("Serif", "Sans")
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
    """``@font-face`` rules for every bundled face (see the module docstring)."""
    fonts = _fonts_dir()
    rules = []
    for (family, style, weight), filename in _FONT_FILES.items():
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-style: {style}; '
            f'font-weight: {weight}; src: url("{(fonts / filename).as_uri()}"); }}'
        )
    return "\n".join(rules) + "\n"


def bundled_font_files() -> list[Path]:
    """Every bundled font file (for tests and the docs)."""
    return [_fonts_dir() / name for name in dict.fromkeys(_FONT_FILES.values())]


@functools.cache
def _cmap(path: Path, _stamp: tuple[int, int] = (0, 0)) -> frozenset[int]:
    """The code points one font file maps (``_stamp`` keys the cache to the file's state)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with TTFont(path, lazy=True, fontNumber=0) as font:
        # Glyphs numbered rather than named: only the code points are wanted, and reading
        # the names (the 'post' table) was two thirds of the time (0.3 s for the fonts).
        font.setGlyphOrder([f"g{i}" for i in range(font["maxp"].numGlyphs)])
        return frozenset(font.getBestCmap() or ())


_SFNT = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def _read_cmap(path: Path) -> frozenset[int] | None:
    """The code points of a plain TrueType/OpenType file's best cmap subtable (format 4 or
    12), read straight from the file: what fontTools' ``getBestCmap`` gives for the bundled
    fonts (tests/test_cli_startup.py compares all of them) in a tenth of the time, without
    naming every glyph. None for anything else (a collection, another format, an odd
    table), which fontTools then reads."""
    import struct

    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] not in _SFNT:
            return None
        (count,) = struct.unpack(">H", head[4:6])
        records = handle.read(16 * count)
        tables = {records[i:i + 4]: struct.unpack(">II", records[i + 8:i + 16])
                  for i in range(0, len(records) - 15, 16)}
        if b"cmap" not in tables or b"DMAP" in tables:
            return None
        offset, length = tables[b"cmap"]
        handle.seek(offset)
        data = handle.read(length)
    if len(data) < 4:
        return None
    subtables: dict[tuple[int, int], int] = {}
    for i in range(struct.unpack(">H", data[2:4])[0]):
        platform, encoding, where = struct.unpack(">HHI", data[4 + 8 * i:12 + 8 * i])
        subtables.setdefault((platform, encoding), where)
    best = next((subtables[key] for key in _CMAP_PREFERENCES if key in subtables), None)
    if best is None or best + 4 > len(data):
        return None
    (fmt,) = struct.unpack(">H", data[best:best + 2])
    if fmt == 4:
        return _cmap_format_4(data[best:])
    if fmt == 12:
        return _cmap_format_12(data[best:])
    return None


def _cmap_format_4(data: bytes) -> frozenset[int] | None:
    import struct

    length, _, segments2 = struct.unpack(">HHH", data[2:8])
    count = segments2 // 2
    words = struct.unpack(f">{(length - 14) // 2}H", data[14:14 + (length - 14) // 2 * 2])
    end, start = words[:count], words[count + 1:2 * count + 1]
    delta, range_offset = words[2 * count + 1:3 * count + 1], words[3 * count + 1:4 * count + 1]
    glyphs = words[4 * count + 1:]
    if len(range_offset) != count:
        return None
    codes: dict[int, int] = {}
    for i in range(count - 1):  # as fontTools: not the final 0xFFFF segment
        first, last, shift, offset = start[i], end[i], delta[i], range_offset[i]
        if offset == 0:
            codes.update((code, (code + shift) & 0xFFFF) for code in range(first, last + 1))
            continue
        partial = offset // 2 - first + i - count
        for code in range(first, last + 1):
            index = code + partial
            if not 0 <= index < len(glyphs):
                return None
            codes[code] = (glyphs[index] + shift) & 0xFFFF if glyphs[index] else 0
    return frozenset(code for code, glyph in codes.items() if glyph)


def _cmap_format_12(data: bytes) -> frozenset[int] | None:
    import struct

    length, _, groups = struct.unpack(">III", data[4:16])
    if length != 16 + 12 * groups or len(data) < length:
        return None
    codes: list[int] = []
    previous_end = -1
    for first, last, glyph in struct.iter_unpack(">III", data[16:length]):
        if first > last or first <= previous_end or last > 0x10FFFF:
            return None  # odd groups: fontTools' own rules apply
        if first == last:
            if glyph:
                codes.append(first)
        else:
            codes.extend(range(first + (glyph == 0), last + 1))
        previous_end = last
    return frozenset(codes)


@functools.cache
def _bundled_cmap(path: Path) -> frozenset[int]:
    """A bundled font's code points: read directly, or by fontTools."""
    return _read_cmap(path) or _cmap(path)


@functools.cache
def _stack_coverage(name: str) -> frozenset[int]:
    """What one stack draws in every style: its Latin family in all four styles, and each
    further family in its regular and bold faces."""
    covered: set[int] = set()
    for family in stack(name):
        cmaps = [_bundled_cmap(_fonts_dir() / filename)
                 for (fam, _, _), filename in _FONT_FILES.items() if fam == family]
        covered |= frozenset.intersection(*cmaps)
    return frozenset(covered)


@functools.cache
def _bundled_coverage() -> frozenset[int]:
    """What both stacks draw (names appear in serif letters and in sans tables)."""
    return _stack_coverage("Serif") & _stack_coverage("Sans")


FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff")


def pack_fonts(roots: Sequence[Path]) -> list[Path]:
    """Font files in the ``fonts/`` folder of template roots (``--templates DIR`` or
    ``templates/`` beside the campaign): a pack's CSS names them with ``@font-face``."""
    found: list[Path] = []
    builtin = _package_dir("letter_templates")
    for root in roots:
        folder = Path(root) / "fonts"
        if builtin is not None and Path(root).resolve() == builtin:
            continue
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir()
                            if p.suffix.lower() in FONT_SUFFIXES and p.is_file())
    return found


@functools.cache
def _face(path: Path, _stamp: tuple[int, int] = (0, 0)) -> tuple[str, str, int] | None:
    """(family, style, weight) a font file declares, or None if it is no font."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1)
            os2 = font.get("OS/2")
            weight = int(os2.usWeightClass) if os2 is not None else 400
            italic = bool(os2.fsSelection & 1) if os2 is not None else False
    except Exception:
        return None
    if not family:
        return None
    return str(family), "italic" if italic else "normal", max(100, min(900, weight))


def pack_fonts_css(paths: Sequence[Path]) -> str:
    """``@font-face`` rules for a pack's own fonts, under the family names the files
    declare: the pack's CSS names that family (``font-family: "Noto Sans Khmer", serif``),
    and where it does not, fontconfig still finds the font for characters nothing else
    draws. The files are loaded through the resource gate like any other."""
    rules = []
    for path in paths:
        info = path.stat()
        face = _face(path, (info.st_mtime_ns, info.st_size))
        if face is None:
            continue
        family, style, weight = face
        quoted = family.replace("\\", "").replace('"', "")
        rules.append(f'@font-face {{ font-family: "{quoted}"; font-style: {style}; '
                     f'font-weight: {weight}; src: url("{path.resolve().as_uri()}"); }}')
    return "\n".join(rules)


def _extra_coverage(extra: Sequence[Path]) -> frozenset[int]:
    covered: set[int] = set()
    for path in extra:
        try:
            info = path.stat()
            covered |= _cmap(path, (info.st_mtime_ns, info.st_size))
        except Exception:  # not a font fontTools can read: the render will say so
            continue
    return frozenset(covered)


# ------------------------------------------------------------------ what is drawn

#: Not drawn by any font, so never "missing": variation selectors (emoji presentation).
_INVISIBLE = frozenset([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


@dataclass(frozen=True)
class Undrawable:
    """A character no font draws: ``script`` names its script (``"Khmer"``) or ``None``
    for an emoji or other symbol, which is left out of the PDF rather than refused."""

    char: str
    script: str | None

    @property
    def symbol(self) -> bool:
        return self.script is None

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"


def script_name(char: str) -> str | None:
    """The name of the script ``char`` is written in, or None for symbols, emoji,
    punctuation and marks that belong to no one script (and private or unassigned ones)."""
    from fontTools import unicodedata as ucd  # type: ignore[import-untyped]

    code = ucd.script(char)
    if code in ("Zyyy", "Zinh", "Zzzz") or unicodedata.category(char) in ("Co", "Cn"):
        return None
    return str(ucd.script_name(code, default=code)).replace("_", " ")


def _drawable(char: str, covered: frozenset[int]) -> bool:
    return (ord(char) in covered or char.isspace() or ord(char) in _INVISIBLE
            or unicodedata.category(char) in ("Cc", "Cf"))


def _coverage(extra: Sequence[Path]) -> frozenset[int]:
    return _bundled_coverage() | _extra_coverage(extra) if extra else _bundled_coverage()


def _undrawable(text: str, covered: frozenset[int]) -> list[Undrawable]:
    if text.isascii():
        return []
    return [Undrawable(char, script_name(char))
            for char in sorted(set(text)) if not _drawable(char, covered)]


def undrawable(text: str, extra: Sequence[Path] = ()) -> list[Undrawable]:
    """Characters of ``text`` that neither stack (nor the fonts in ``extra``) can draw,
    in code point order; whitespace, controls and format characters never count."""
    return _undrawable(text, _coverage(extra)) if not text.isascii() else []


def missing_glyphs(text: str, family: str = "serif") -> set[str]:
    """Characters of ``text`` one bundled stack cannot draw (whitespace/controls ignored)."""
    name = _STACKS.get(family.strip().lower())
    if name is None:
        raise ValueError(f"unknown font family {family!r}; use 'serif' or 'sans'")
    covered = _stack_coverage(name)
    return {char for char in set(text) if not _drawable(char, covered)}


def strip_symbols(html: str, chars: Iterable[str]) -> str:
    """``html`` without the symbols no font draws (the PDF leaves them out, with a warning)."""
    table = {ord(c): None for c in chars}
    return html.translate(table) if table else html


#: What a petition prints of each signer who agreed to be named.
PETITION_FIELDS = ("name", "city")
HINT_SCRIPT = ("add a font for {scripts} to the fonts/ folder of your templates, see "
               "docs/fonts.md; or give the {fields} in a script the bundled fonts cover")


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def people_problems(people: Iterable[Any], extra: Sequence[Path] = (),
                    fields: Sequence[str] = WRITER_FIELDS) -> list[Problem]:
    """One problem per person (signer row or letter writer) whose details hold characters
    no font can draw: an error naming the scripts, or a warning for emoji and symbols
    (left out of the PDF only). Names the row and the field, never the text itself."""
    problems: list[Problem] = []
    covered = _coverage(extra)
    for person in people:
        scripts: dict[str, None] = {}
        letter_fields: dict[str, None] = {}
        symbol_fields: dict[str, None] = {}
        for field in fields:
            value = getattr(person, field, None)
            if not isinstance(value, str) or not value:
                continue
            for item in _undrawable(value, covered):
                if item.symbol:
                    symbol_fields[field] = None
                else:
                    scripts[item.script or ""] = None
                    letter_fields[field] = None
        row = getattr(person, "row", None)
        file, line = getattr(person, "file", None), getattr(person, "line", None)
        prefix = f"row {row}: " if row else ""
        if scripts:
            names = _join(list(scripts))
            verb = "holds" if len(letter_fields) == 1 else "hold"
            problems.append(Problem(
                f"{prefix}the {_join(list(letter_fields))} {verb} "
                f"{names} letters, which no font of advocate's can draw in a PDF",
                hint=HINT_SCRIPT.format(scripts=names, fields=_join(list(letter_fields))),
                file=file, line=line))
        if symbol_fields:
            problems.append(Problem(
                f"{prefix}the {_join(list(symbol_fields))} "
                f"{'holds' if len(symbol_fields) == 1 else 'hold'} emoji or symbols no "
                "font draws: they are left out of the PDF (the text and .eml keep them)",
                hint="nothing to do, or remove them from the signer list", severity="warning",
                file=file, line=line))
    return problems


def symbols_in(people: Iterable[Any], extra: Sequence[Path] = (),
               fields: Sequence[str] = WRITER_FIELDS) -> set[str]:
    """The emoji and symbols in people's details that no font draws."""
    found: set[str] = set()
    covered = _coverage(extra)
    for person in people:
        for field in fields:
            value = getattr(person, field, None)
            if isinstance(value, str) and value:
                found |= {i.char for i in _undrawable(value, covered) if i.symbol}
    return found


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


#: Font configurations a forked child inherited: kept alive until the child's ``os._exit``,
#: for their temporary folders are the parent's.
_INHERITED: list[Any] = []


def release_font_config(held: list[Any], owner: int) -> None:
    """Let go of a font configuration while the interpreter still runs (at exit at the
    latest), so that WeasyPrint's own ``__del__`` removes its temporary font folder now and
    not during interpreter shutdown, where it prints a TypeError. ``held`` is the only
    reference advocate keeps (a one-item list the renderer shares with this finaliser).

    ``owner`` is the process that made the configuration: a forked child (a confined
    render) inherits it, and must not remove the folder its parent is still using."""
    if owner != os.getpid():
        _INHERITED.extend(held)
        return
    held.clear()
    gc.collect()  # the last render's styles may still point at it, in reference cycles
