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

import json
import re
import unicodedata
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from itertools import product
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, Problem
from advocate.render.documents import Renderer, Writer
from advocate.render.eml import (
    DRAFT_HEADERS,
    MAILTO_MAX,
    _fold_words,
    _mailbox_tokens,
    _mailto_addr,
    mailto_link,
)
from advocate.render.html import apply_csp
from advocate.schema.campaign import Campaign
from advocate.templates.stencil import FIELDS, Stencil
from advocate.text import markdown as markup
from advocate.text.bidi import INLINE_FIELDS, direction, plain
from advocate.text.localise import resolve_language

__all__ = ["SITE_CSP", "SITE_FIELDS", "SITE_FILES", "Site", "build_site", "write_site"]

#: The page's policy: its own script and style sheet, nothing else; no form goes anywhere.
SITE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; "
            "img-src 'self' data:; "
            "form-action 'none'; base-uri 'none'")
SITE_META = f'<meta http-equiv="Content-Security-Policy" content="{SITE_CSP}">'
#: The writer's fields the page asks for (all of ``advocate letter``'s: its --name, --city,
#: --email, --country, --note and --address).
SITE_FIELDS = ("name", "city", "email", "country", "note", "address")
#: The files of a site, by relative path.
SITE_FILES = ("index.html", "site.css", "site.js", "brief.html", "petition.html")
_SAMPLE = {"name": "Ab", "city": "Cd", "email": "ab@example.org", "country": "Gh",
           "note": "Ef", "address": "Ij"}
_PLACEHOLDERS = {f: chr(0xF0001 + i) for i, f in enumerate(FIELDS)}


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


def _stencil_data(stencil: Stencil, blocks: dict[str, int], strings: dict[str, int],
                  kinds: dict[str, str]) -> dict[str, Any] | None:
    """A stencil as the page's script uses it, every string a number in a shared table
    (stencils of one target share most of their text): value pieces (with placeholders)
    and the text plan (a fixed block as the number of its *text* in ``blocks``; a block
    with values as a list: n >= 0 Markdown ``strings[n]``, n < 0 printed value ``-n-1``).
    None when the browser could not reproduce it (a value block the plain path refuses)."""
    if stencil.blocks is None:
        return None

    def intern(text: str) -> int:
        return strings.setdefault(text, len(strings))

    plan: list[Any] = []
    for block in stencil.blocks:
        if isinstance(block, str):
            text = markup._block_text(block, markup.WIDTH)
            plan.append(blocks.setdefault(text, len(blocks)))
            kind = re.match(r"::: *([a-z]+)\n", block)
            if kind:
                kinds.setdefault(text, kind.group(1))
            continue
        sample = "".join(p if isinstance(p, str) else "x" for p in block)
        if markup._plain_block_text(sample, markup.WIDTH) is None:
            return None
        plan.append([intern(p) if isinstance(p, str) else -p - 1 for p in block])
    data: dict[str, Any] = {"values": [intern(v) for v in stencil.pieces[1::2]], "plan": plan}
    for key in ("subject", "title"):
        value = stencil.exported.get(key)
        if isinstance(value, str):
            data[key] = intern(value)
    return data


def _webmail(to: str, subject: str, body: str) -> list[tuple[str, str]]:
    from urllib.parse import quote

    def q(text: str) -> str:
        return quote(text, safe="")

    return [
        ("Gmail", f"https://mail.google.com/mail/?view=cm&fs=1&to={q(to)}&su={q(subject)}"
                  f"&body={q(body)}"),
        ("Outlook.com", f"https://outlook.live.com/mail/0/deeplink/compose?to={q(to)}"
                        f"&subject={q(subject)}&body={q(body)}"),
        ("Yahoo Mail", f"https://compose.mail.yahoo.com/?to={q(to)}&subject={q(subject)}"
                       f"&body={q(body)}"),
    ]


_STRINGS = {
    "write": "Write your letter", "target": "To", "all": "All targets",
    "language": "Language", "target_lang": "The target's language",
    "name": "Your name", "city": "Your city", "email": "Your email (optional)",
    "country": "Your country (optional)",
    "address": "Your postal address (optional, so a reply by post is possible)",
    "note": "A personal note (optional: identical letters get filtered as spam)",
    "remember": "Remember my details on this device", "forget": "Forget me",
    "letter": "Your letter", "copy": "Copy the text", "mail": "Open in your email program",
    "eml": "Download the email draft (.eml)", "print": "Print the letter",
    "webmail": "Or write it in webmail:", "facts": "The facts", "sources": "Sources",
    "documents": "Read more", "brief": "The briefing sheet",
    "petition": "The petition", "private": "This page sends nothing anywhere. What you "
    "type stays in your browser unless you click a link or ask it to remember you.",
    "nojs": "Without JavaScript: copy the letter below, add your name and city, and send "
    "it to the address shown.", "copied": "Copied.",
}


def build_site(campaign: Campaign, *, templates: Path | None = None,
               lang: str | None = None) -> Site:
    """The action page of ``campaign``: every file, as bytes."""
    renderer = Renderer(campaign, templates=templates)
    page_lang = resolve_language(campaign, lang)
    langs = list(dict.fromkeys([page_lang, *campaign.languages]))
    blocks: dict[str, int] = {}
    kinds: dict[str, str] = {}
    stencils: dict[str, Any] = {}
    strings: dict[str, int] = {}
    targets: list[dict[str, Any]] = []
    generic: list[tuple[Any, Any, str | None]] = []
    warnings: list[Problem] = []
    rtl = False
    page_targets = renderer.view(page_lang)[0]["targets"]
    for index, target in enumerate(campaign.targets):
        own = resolve_language(campaign, None, target)
        targets.append({"id": target.id, "name": str(page_targets[index]["name"]),
                        "email": target.email, "lang": own,
                        "mailto": _mailto_addr(target.email) if target.email else None})
        document = renderer.letter(target.id, None, own)
        warnings += [w for w in document.warnings if w not in warnings]
        link = None
        if target.email:
            link = mailto_link([target.email], document.subject or document.title,
                               document.text())
            if len(link) > MAILTO_MAX:  # cut by some mail programs: the subject only
                link = mailto_link([target.email], document.subject or document.title, "")
        generic.append((target, document, link))
        for letter_lang in langs:
            rtl = rtl or direction(letter_lang) == "rtl"
            for bits in product((0, 1), repeat=len(SITE_FIELDS)):
                given = dict(zip(SITE_FIELDS, bits, strict=True))
                v = {f: _SAMPLE[f] if given[f] else None for f in SITE_FIELDS}
                writer = Writer(name=v["name"], city=v["city"], email=v["email"],
                                country=v["country"], note=v["note"], address=v["address"])
                used, stencil = renderer.letter_stencil(target.id, writer, letter_lang)
                entry = (None if stencil is None
                         else _stencil_data(stencil, blocks, strings, kinds))
                if entry is not None and target.email:
                    name = renderer.view(used)[0]["targets"][index]["name"]
                    entry["to"] = strings.setdefault(_fold_words("To", _mailbox_tokens(
                        str(name), target.email, "To")), len(strings))
                stencils.setdefault(f"{target.id}|{used}", []).append(entry)
    data = {
        "fields": list(SITE_FIELDS), "placeholders": _PLACEHOLDERS,
        "inline": list(INLINE_FIELDS),
        "languages": langs, "targets": targets, "stencils": stencils,
        "blocks": list(blocks), "strings": list(strings),
        # The container of each fixed block (recipient, date, ...), for the print layout.
        "blockKinds": [kinds.get(text, "") for text in blocks],
        "blockNames": sorted(markup.BLOCKS), "width": markup.WIDTH,
        "rtlLangs": sorted({lng for lng in langs if direction(lng) == "rtl"}),
        "strong": {"R": _bidi_ranges(("R", "AL")),
                   "L": _bidi_ranges(("L",)) if rtl else []},
        "separator": "\n" + "=" * markup.WIDTH + "\n\n",
        "messages": {"copied": _STRINGS["copied"]},
        "draftHeaders": list(DRAFT_HEADERS),  # the .eml draft's headers, written once
    }
    files: dict[str, bytes] = {
        "index.html": _page(renderer, page_lang, data, generic).encode("utf-8"),
        "site.css": _asset("site.css"),
        "site.js": _asset("site.js"),
        "brief.html": renderer.format([renderer.brief(page_lang)], "html").encode("utf-8"),
        "petition.html": renderer.format([renderer.petition(None, page_lang)],
                                         "html").encode("utf-8"),
    }
    return Site(files, warnings)


def _page(renderer: Renderer, lang: str, data: dict[str, Any],
          generic: list[tuple[Any, Any, str | None]]) -> str:
    s = {k: escape(v) for k, v in _STRINGS.items()}
    view, _ = renderer.view(lang)

    def e(value: object) -> str:
        return escape(str(value or ""))

    options = "".join(f'<option value="{e(t["id"])}">{e(t["name"])}</option>'
                      for t in data["targets"])
    lang_options = "".join(f'<option value="{e(lng)}">{e(lng)}</option>'
                           for lng in data["languages"])
    fallback = []
    for target, document, link in generic:
        mail = (f'<p><a class="mailto" href="{e(link)}">{s["mail"]}: {e(target.email)}</a></p>'
                if link else (f"<p>{e(target.email)}</p>" if target.email else ""))
        fallback.append(
            f'<section class="generic" data-target="{e(target.id)}" lang="{e(document.lang)}" '
            f'dir="{direction(document.lang)}" aria-label="{e(document.title)}">'
            f"<h3>{e(document.context['target']['name'])}</h3>{mail}"
            f'<pre class="letter-text">{e(plain(document.text()))}</pre></section>')
    facts = "".join(
        f'<li>{e(f["label"] or "")} {e(f["figure"] or "")} {e(f["text"])} '
        + "".join(f'<a href="#source-{n}" class="cite">[{n}]</a>' for n in f["sources"])
        + "</li>" for f in view["facts"])
    sources = "".join(
        f'<li id="source-{src["number"]}" value="{src["number"]}">'
        + (f'<a href="{e(src["url"])}" rel="noreferrer noopener">{e(src["title"])}</a>'
           if src["url"] else e(src["title"]))
        + (f', {e(src["publisher"])}' if src["publisher"] else "")
        + (f', {e(src["date"])}' if src["date"] else "") + "</li>"
        for src in view["sources"])
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    html = f"""<!DOCTYPE html>
<html lang="{e(lang)}" dir="{direction(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{e(view["title"])}</title>
<link rel="stylesheet" href="site.css">
<script src="site.js" defer></script>
</head>
<body>
<a class="skip" href="#write">Skip to the letter</a>
<header><h1>{e(view["title"])}</h1><p>{e(view["summary"])}</p></header>
<main>
<section id="write" aria-labelledby="write-h">
<h2 id="write-h">{s["write"]}</h2>
<p class="nojs">{s["nojs"]}</p>
<form id="form" class="js-only" hidden>
<div class="row"><label for="target">{s["target"]}</label>
<select id="target" name="target"><option value="*">{s["all"]}</option>{options}</select></div>
<div class="row"><label for="lang">{s["language"]}</label>
<select id="lang" name="lang"><option value="">{s["target_lang"]}</option>
{lang_options}</select></div>
<div class="row"><label for="name">{s["name"]}</label>
<input id="name" name="name" autocomplete="name"></div>
<div class="row"><label for="city">{s["city"]}</label>
<input id="city" name="city" autocomplete="address-level2"></div>
<div class="row"><label for="email">{s["email"]}</label>
<input id="email" name="email" type="email" autocomplete="email"></div>
<div class="row"><label for="country">{s["country"]}</label>
<input id="country" name="country" autocomplete="country-name"></div>
<div class="row"><label for="address">{s["address"]}</label>
<textarea id="address" name="address" rows="3" autocomplete="street-address"></textarea></div>
<div class="row"><label for="note">{s["note"]}</label>
<textarea id="note" name="note" rows="4"></textarea></div>
<div class="row check"><input id="remember" type="checkbox">
<label for="remember">{s["remember"]}</label>
<button type="button" id="forget">{s["forget"]}</button></div>
</form>
<section id="result" class="js-only" aria-labelledby="result-h" hidden>
<h3 id="result-h">{s["letter"]}</h3>
<div class="actions">
<button type="button" id="copy">{s["copy"]}</button>
<a id="mailto" class="button" href="#">{s["mail"]}</a>
<a id="eml" class="button" href="#" download="letter.eml">{s["eml"]}</a>
<button type="button" id="print">{s["print"]}</button>
<span id="status" role="status" aria-live="polite"></span>
</div>
<p class="webmail">{s["webmail"]} <span id="webmail"></span></p>
<pre id="letter" class="letter-text" tabindex="0" aria-labelledby="result-h"></pre>
<div id="paper" aria-hidden="true"></div>
</section>
<div id="generic">{"".join(fallback)}</div>
</section>
<section id="facts" aria-labelledby="facts-h"><h2 id="facts-h">{s["facts"]}</h2>
<ul>{facts}</ul>
<h3>{s["sources"]}</h3><ol class="sources">{sources}</ol></section>
<nav aria-label="{s["documents"]}"><h2>{s["documents"]}</h2><ul>
<li><a href="brief.html">{s["brief"]}</a></li><li><a href="petition.html">{s["petition"]}</a></li>
</ul></nav>
</main>
<footer><p>{s["private"]}</p></footer>
<script type="application/json" id="data">{payload}</script>
</body>
</html>
"""
    return apply_csp(html, SITE_META, source="index.html")


def write_site(campaign: Campaign, outdir: Path, *, templates: Path | None = None,
               lang: str | None = None, force: bool = False,
               inputs: tuple[Path, ...] = ()) -> Site:
    """Build the action page and write it into ``outdir`` atomically (all or nothing)."""
    from advocate.output.files import StagedOutput, guard_output

    site = build_site(campaign, templates=templates, lang=lang)
    paths = [p for p in (campaign.path, *inputs) if p is not None]
    guard_output(outdir, inputs=paths)
    if str(outdir).startswith("/dev"):
        raise AdvocateError("the site must go into a folder", hint="pass -o DIR")
    # World-readable: a site holds no personal data and is meant to be served.
    with StagedOutput(outdir, force=force, mode=0o644) as stage:
        for relpath, data in site.files.items():
            stage.add(relpath, data)
    return site
