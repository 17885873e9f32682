"""``advocate site``: a static action page where supporters write their own letters.

One folder of static files (``index.html``, ``site.css``, ``site.js``, the brief and the
petition as HTML) that never sends a byte anywhere. The letters on the page are the same
letters ``advocate letter`` writes: each target and language is rendered once per *shape*
(which of name, city, email and note are given) as a stencil
(:mod:`advocate.templates.stencil`), and the page's script fills in the supporter's values
as the batch does. It fills in the *text* form: the stencil's top-level blocks that hold no
value are converted to text here, once; the blocks that hold values are filled in and
converted in the browser by a port of the plain-block path of
:func:`advocate.text.markdown.to_text` (escape, unescape, hard breaks, textwrap's greedy
wrap). Whatever is typed is only ever set as text (``textContent``, ``value``, URL
encoding), never as markup.

Without JavaScript the page shows each target's fill-in letter and a ``mailto:`` link.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from itertools import product
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, Problem
from advocate.reference import letter_reference
from advocate.render.documents import Renderer
from advocate.render.email_text import (
    EMAIL_FORMS,
    UNWRAPPED,
    email_blocks,
    email_container,
    letter_mailto,
    sender_body,
    without_heading,
)
from advocate.render.eml import (
    DRAFT_HEADERS,
    MAILTO_MAX,
    fold_words,
    mailbox_tokens,
    mailto_address,
)
from advocate.render.writer import Writer
from advocate.schema.campaign import Campaign
from advocate.site.page import SITE_CSP, page_html
from advocate.site.words import page_words
from advocate.templates.stencil import FIELDS, Block, Stencil
from advocate.text import markdown as markup
from advocate.text.bidi import INLINE_FIELDS, direction
from advocate.text.localise import resolve_language
from advocate.text.variants import SLOT_MARKS

__all__ = ["SITE_CSP", "SITE_FIELDS", "SITE_FILES", "Site", "build_site", "page_words",
           "write_site"]

#: The writer's fields the page asks for (all of ``advocate letter``'s: its --name, --city,
#: --email, --country, --note and --address).
SITE_FIELDS = ("name", "city", "email", "country", "note", "address")
#: The files of a site, by relative path.
SITE_FILES = ("index.html", "site.css", "site.js", "brief.html", "petition.html")
_SAMPLE = {"name": "Ab", "city": "Cd", "email": "ab@example.org", "country": "Gh",
           "note": "Ef", "address": "Ij"}
_PLACEHOLDERS = {f: chr(0xF0001 + i) for i, f in enumerate(FIELDS)}
_MARKS = frozenset(SLOT_MARKS)


@dataclass
class Site:
    """The files of an action page, by relative path."""

    files: dict[str, bytes]
    warnings: list[Problem] = field(default_factory=list)


def _asset(name: str) -> bytes:
    return (resources.files("advocate.site") / name).read_bytes()


def _bidi_ranges(classes: tuple[str, ...]) -> list[list[int]]:
    """Code point ranges whose bidirectional class is one of ``classes`` (as Python's
    unicodedata says, so the page isolates exactly what the letter command isolates)."""
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        if unicodedata.bidirectional(chr(cp)) in classes:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return ranges


_FORMS = tuple(EMAIL_FORMS)  # full, titles, short


def _compact(data: dict[str, Any] | None, segments: dict[str, int] | None = None) -> Any:
    """A stencil's data in the page's compact form (a third of its JSON):
    ``"values|plan|subject|title|to"``, numbers comma-separated, the plan's items
    space-separated: ``n`` a fixed block, ``a-b`` fixed blocks a to b, ``(p,q,...)`` a block
    with values, ``@n`` the items of ``segments``' string n (a run of items that print no
    writer's value, the same in most shapes of a target: with ``variants:``, the blocks of
    its variant slots). With its own email forms: ``[that, {"full": "values|plan", ...}]``."""
    if data is None:
        return None

    def one(d: dict[str, Any], *keys: str) -> str:
        return "|".join([",".join(map(str, d["values"])), _compact_plan(d["plan"], segments),
                         *(str(d.get(k, "")) for k in keys)])

    text = one(data, "subject", "title", "to")
    forms = {f: one(data[f]) for f in _FORMS if f in data}
    return [text, forms] if forms else text


def _compact_plan(items: list[Any], segments: dict[str, int] | None) -> str:
    """A stencil's plan in :func:`_compact`'s form: runs of fixed blocks as ``a-b``, blocks
    with values as ``(p,q,...)``, and (given ``segments``) each run of items without a
    writer's value as ``@n``."""
    out: list[str] = []
    run: list[int] = []  # consecutive fixed blocks, written "a-b"

    def close() -> None:
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
            run.clear()

    for item in items:
        if isinstance(item, list):
            close()
            out.append("(" + ",".join(map(str, item)) + ")")
        else:
            if run and item != run[-1] + 1:
                close()
            run.append(item)
    close()
    return " ".join(out) if segments is None else _segmented(out, segments)


def _segmented(out: list[str], segments: dict[str, int]) -> str:
    """The plan's items with each run of more than one item that prints no writer's value
    (no negative number) replaced by ``@n``, n its number in ``segments``."""
    joined: list[str] = []
    run_of: list[str] = []

    def flush() -> None:
        if len(run_of) > 1:
            joined.append(f"@{segments.setdefault(' '.join(run_of), len(segments))}")
        else:
            joined.extend(run_of)
        run_of.clear()

    for token in out:
        if token.startswith("(") and "-" in token:
            flush()
            joined.append(token)
        else:
            run_of.append(token)
    flush()
    return " ".join(joined)


class _Tables:
    """The strings the page's stencils share, each once: the fixed blocks (by Markdown), the
    texts they convert to, and the Markdown pieces of the blocks that hold values."""

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}
        self.strings: dict[str, int] = {}
        self.fixed: dict[str, int] = {}
        self.rows: list[list[Any]] = []
        self.wide: list[int] = []  # each fixed block unwrapped (the page's paper), -1: as rows

    def text(self, text: str) -> int:
        return self.texts.setdefault(text, len(self.texts))

    def string(self, text: str) -> int:
        return self.strings.setdefault(text, len(self.strings))

    def block(self, markdown: str) -> int:
        """A fixed block's number. Its row: [its text, its container, its text in each email
        form (one number if all are the same, -1 if left out), its text without its first
        heading (-1: nothing left; absent: no heading), its details as the email's signature
        (a sender block; absent otherwise)]."""
        if markdown in self.fixed:
            return self.fixed[markdown]
        kind = re.match(r"::: *([a-z]+)\n", markdown)
        forms = []
        for form in _FORMS:
            email = email_container(markdown, form)
            forms.append(self.text(markup.block_text(email, UNWRAPPED)) if email.strip()
                         else -1)
        row: list[Any] = [self.text(markup.block_text(markdown, markup.WIDTH)),
                          kind.group(1) if kind else "",
                          forms[0] if len(set(forms)) == 1 else forms, None, None]
        headless = without_heading(markdown)
        if headless is not None:
            row[3] = self.text(markup.block_text(headless, UNWRAPPED)) \
                if headless.strip() else -1
        sender = sender_body(markdown)
        if sender:
            row[4] = self.text(markup.block_text(f"::: signature\n{sender}\n:::", UNWRAPPED))
        while row[-1] is None:
            row.pop()
        self.fixed[markdown] = len(self.rows)
        self.rows.append(row)
        wide = markup.block_text(markdown, UNWRAPPED)
        self.wide.append(-1 if wide == markup.block_text(markdown, markup.WIDTH)
                         else self.text(wide))
        return self.fixed[markdown]


def _plain(block: str | Block, width: int) -> bool:
    """Whether the browser can convert a block that holds values (the plain path)."""
    if isinstance(block, str):
        return True
    sample = "".join(p if isinstance(p, str) else "x" for p in block)
    return markup.plain_block_text(sample, width) is not None


def _stencil_data(stencil: Stencil, tables: _Tables,
                  width: int = markup.WIDTH) -> dict[str, Any] | None:
    """A stencil as the page's script uses it, every string a number in a shared table
    (stencils of one target share most of their text): value pieces (with placeholders)
    and the text plan (a fixed block as its number; a block with values as a list: n >= 0
    Markdown ``strings[n]``, n < 0 printed value ``-n-1``). For the letter's text form
    (``width`` 72), its email forms too (see :func:`_email_forms`). None when the browser
    could not reproduce it (a value block the plain path refuses)."""
    if stencil.blocks is None or not all(_plain(b, width) for b in stencil.blocks):
        return None
    narrow = width == markup.WIDTH  # else an email form's own plan: texts by number
    # A value that is a variant slot's mark alone goes into the plan as that string (the
    # script puts the supporter's variant, escaped, in its place): fewer numbers per stencil.
    own = stencil.pieces[1::2]
    kept = {i: n for n, i in enumerate(i for i, v in enumerate(own) if v not in _MARKS)}
    plan: list[Any] = [
        (tables.block(block) if narrow else tables.text(markup.block_text(block, width)))
        if isinstance(block, str) else
        [tables.string(p) if isinstance(p, str) else
         tables.string(own[p]) if own[p] in _MARKS else -kept[p] - 1 for p in block]
        for block in stencil.blocks]
    data: dict[str, Any] = {"values": [tables.string(own[i]) for i in kept], "plan": plan}
    if not narrow:
        return data
    for key in ("subject", "title"):
        value = stencil.exported.get(key)
        if isinstance(value, str):
            data[key] = tables.string(value)
    return _email_forms(data, stencil, tables)


def _email_forms(data: dict[str, Any], stencil: Stencil,
                 tables: _Tables) -> dict[str, Any] | None:
    """The email forms (render/email_text.py's, for the .eml draft and the mailto link).
    The browser makes each block by block from the text plan (``emailFor``); where that is
    not exactly the rewrite of the whole letter (checked here on the stencil), the form's
    own stencil goes with the data. None if a form cannot be made at all."""
    marked = stencil.marked_blocks()
    for form, rewrite in EMAIL_FORMS.items():
        exact = stencil.rewritten(rewrite)
        if exact is None or exact.blocks is None:
            return None
        derived = email_blocks(marked, form) if marked is not None else None
        whole = [b.rstrip("\n") for b in exact.marked_blocks() or []]
        if derived is not None and derived == whole \
                and all(_plain(b, UNWRAPPED) for b in exact.blocks):
            continue
        own = _stencil_data(exact, tables, UNWRAPPED)
        if own is None:
            return None
        data[form] = own
    return data




def _variants(renderer: Renderer, target_id: str, lang: str, tables: _Tables,
              warnings: list[Problem]) -> list[Any]:
    """The variants of a target's letters in ``lang`` as the page's script chooses them
    (from the supporter's name, as :func:`advocate.text.variants.choose` does for a single
    letter): ``[mark, texts, printed]`` per slot, each text a number in the shared strings
    (targets share them), ``printed`` whether the wording prints it for this target (only
    those take part in the choice)."""
    texts, fallbacks = renderer.variants.texts(target_id, lang)
    warnings += [w for w in fallbacks if w not in warnings]
    context = renderer._letter_context(target_id, None, lang)[1]
    printed = renderer.variants.used(target_id, lang, context)
    return [[SLOT_MARKS[i], [tables.string(t) for t in texts[slot]], int(slot in printed)]
            for i, slot in enumerate(renderer.variants.slots)]


def build_site(campaign: Campaign, *, templates: Path | None = None,
               lang: str | None = None, paper: str = "a4") -> Site:
    """The action page of ``campaign``: every file, as bytes. ``paper`` (``a4`` or
    ``letter``) is the size its letters print on, as the PDF letter's ``--paper``."""
    if paper not in ("a4", "letter"):
        raise AdvocateError(f"unknown paper size '{paper}'", hint="use a4 or letter")
    renderer = Renderer(campaign, templates=templates, paper=paper)  # type: ignore[arg-type]
    page_lang = resolve_language(campaign, lang)
    words_lang, words, warnings = page_words(page_lang, campaign)
    langs = list(dict.fromkeys([page_lang, *campaign.languages]))
    tables = _Tables()
    stencils: dict[str, Any] = {}
    targets: list[dict[str, Any]] = []
    generic: list[tuple[Any, Any, str | None]] = []
    varied: dict[str, list[Any]] = {}  # each slot's mark, name and texts (site.js picks)
    segments: dict[str, int] = {}  # runs of plan items the stencils share (_compact)
    rtl = False
    page_targets = renderer.view(page_lang)[0]["targets"]
    for index, target in enumerate(campaign.targets):
        own = resolve_language(campaign, None, target)
        targets.append({"id": target.id, "name": str(page_targets[index]["name"]),
                        "email": target.email, "lang": own,
                        "mailto": mailto_address(target.email) if target.email else None,
                        # a letter written here is a single letter: row 0's reference
                        "reference": letter_reference(campaign.id, target.id, 0)})
        document = renderer.letter(target.id, None, own)
        warnings += [w for w in document.warnings if w not in warnings]
        link = letter_mailto(document, [target.email])[0] if target.email else None
        generic.append((target, document, link))
        for letter_lang in langs:
            rtl = rtl or direction(letter_lang) == "rtl"
            for bits in product((0, 1), repeat=len(SITE_FIELDS)):
                given = dict(zip(SITE_FIELDS, bits, strict=True))
                v = {f: _SAMPLE[f] if given[f] else None for f in SITE_FIELDS}
                writer = Writer(name=v["name"], city=v["city"], email=v["email"],
                                country=v["country"], note=v["note"], address=v["address"])
                used, stencil = renderer.letter_stencil(target.id, writer, letter_lang)
                entry = None if stencil is None else _stencil_data(stencil, tables)
                if entry is not None and target.email:
                    name = renderer.view(used)[0]["targets"][index]["name"]
                    entry["to"] = tables.string(fold_words("To", mailbox_tokens(
                        str(name), target.email, "To")))
                stencils.setdefault(f"{target.id}|{used}", []).append(_compact(entry, segments))
            varied[f"{target.id}|{used}"] = _variants(renderer, target.id, used, tables, warnings)
    data = {
        "fields": list(SITE_FIELDS), "placeholders": _PLACEHOLDERS,
        "inline": list(INLINE_FIELDS), "campaign": campaign.id, "variants": varied,
        "segments": list(segments),
        "languages": langs, "targets": targets, "stencils": stencils,
        "texts": list(tables.texts), "strings": list(tables.strings), "fixed": tables.rows,
        "wide": tables.wide,
        "blockNames": sorted(markup.BLOCKS), "width": markup.WIDTH, "emailWidth": UNWRAPPED,
        "mailtoMax": MAILTO_MAX,
        "rtlLangs": sorted({lng for lng in langs if direction(lng) == "rtl"}),
        "strong": {"R": _bidi_ranges(("R", "AL")),
                   "L": _bidi_ranges(("L",)) if rtl else []},
        "separator": markup.DOCUMENT_RULE["txt"],
        "messages": {"copied": words["copied"], "forgotten": words["forgotten"],
                     "reading": words["reading_note"]},
        "draftHeaders": list(DRAFT_HEADERS),  # the .eml draft's headers, written once
    }
    files: dict[str, bytes] = {
        "index.html": page_html(renderer.view(page_lang)[0], page_lang, data, generic,
                                (words_lang, words), paper).encode("utf-8"),
        "site.css": _asset("site.css"),
        "site.js": _asset("site.js"),
        "brief.html": renderer.format([renderer.brief(page_lang)], "html").encode("utf-8"),
        "petition.html": renderer.format([renderer.petition(None, page_lang)],
                                         "html").encode("utf-8"),
    }
    return Site(files, warnings)


def write_site(campaign: Campaign, outdir: Path, *, templates: Path | None = None,
               lang: str | None = None, force: bool = False,
               inputs: tuple[Path, ...] = (), paper: str = "a4") -> Site:
    """Build the action page and write it into ``outdir`` atomically (all or nothing)."""
    from advocate.output.files import guard_output
    from advocate.output.staging import StagedOutput

    paths = [p for p in (campaign.path, *inputs) if p is not None]
    guard_output(outdir, inputs=paths)
    if str(outdir).startswith("/dev"):
        raise AdvocateError("the site must go into a folder", hint="pass -o DIR")
    # World-readable: a site holds no personal data and is meant to be served.
    with StagedOutput(outdir, force=force, mode=0o644) as stage:
        stage.planned(SITE_FILES)  # an earlier site without --force: refused before rendering
        site = build_site(campaign, templates=templates, lang=lang, paper=paper)
        for relpath, data in site.files.items():
            stage.add(relpath, data)
    return site
