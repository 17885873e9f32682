"""The action page's ``index.html``: the form, the letter as paper, the facts, and what the
page keeps to itself (no referrer, no DNS prefetch, a quick exit, remembering only when
asked and only for the tab's life).

Every campaign value is escaped here; the script (site.js) sets what a supporter types
only as text."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from advocate.render.email_text import UNWRAPPED
from advocate.render.html import apply_csp
from advocate.site.words import language_name
from advocate.text import markdown as markup
from advocate.text.bidi import direction, plain

__all__ = ["EXIT_URL", "SITE_CSP", "SITE_META", "page_html", "sheet_html"]

#: The page's policy: its own script and style sheet, nothing else; no form goes anywhere.
SITE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; "
            "img-src 'self' data:; "
            "form-action 'none'; base-uri 'none'")
SITE_META = f'<meta http-equiv="Content-Security-Policy" content="{SITE_CSP}">'
#: Where "Exit this page" goes: a blank page. Any site named here would be contacted the
#: moment someone leaves (the page promises to contact nothing), could be blocked or
#: telling in the supporter's country, and fails to load offline.
EXIT_URL = "about:blank"
_HEAD_BLOCKS = ("sender", "recipient", "date")
_ITEM = re.compile(r"^(\d+[.)]|[-*•]) ")
_RULE = re.compile(r"^[-=]{3,}$")
_KIND = re.compile(r"::: *([a-z]+)\n")


def e(value: object) -> str:
    return escape(str(value or ""))


def sheet_html(markdown: str, lang: str) -> str:
    """A letter as the page shows it without JavaScript: the same paper as site.js's
    ``paper()`` (sender, recipient and date blocks, then each paragraph whole, never the
    72-column text wrapped again by the browser)."""
    chunks = markup.text_blocks(markdown)
    if chunks is None:  # reference links reach across blocks: one block, converted whole
        chunks = [markdown]
    head = {kind: [] for kind in _HEAD_BLOCKS}  # type: dict[str, list[str]]
    body: list[str] = []
    for chunk in chunks:
        kind_match = _KIND.match(chunk)
        kind = kind_match.group(1) if kind_match else ""
        text = plain(markup.block_text(chunk, UNWRAPPED)).rstrip("\n")
        if not text.strip():
            continue
        if kind in head:
            head[kind].append(text)
            continue
        lines = text.split("\n")
        heading = len(lines) > 1 and bool(_RULE.match(lines[-1]))
        parts = [f'<div class="{"item" if _ITEM.match(line) else "line"}">{e(line)}</div>'
                 for line in (lines[:-1] if heading else lines)]
        css = " ".join(filter(None, ["block", kind, "heading" if heading else ""]))
        body.append(f'<div class="{css}">{"".join(parts)}</div>')
    heads = "".join(f'<div class="{kind}">{e(chr(10).join(head[kind]))}</div>'
                    for kind in _HEAD_BLOCKS)
    return (f'<article class="sheet" lang="{e(lang)}" dir="{direction(lang)}">{heads}'
            f'<div class="body">{"".join(body)}</div></article>')


def _facts(facts: Sequence[dict[str, Any]]) -> str:
    """Each fact as a card: its figure and label (when it has one) above its text."""
    items = []
    for fact in facts:
        cites = "".join(f' <a href="#source-{n}" class="cite">[{n}]</a>' for n in fact["sources"])
        figure = ""
        if fact["figure"]:
            label = f' <span class="label">{e(fact["label"])}</span>' if fact["label"] else ""
            figure = f'<p class="figure"><span class="number">{e(fact["figure"])}</span>{label}</p>'
        items.append(f'<li class="fact{" has-figure" if figure else ""}">{figure}'
                     f'<p class="text">{e(fact["text"])}{cites}</p></li>')
    return "".join(items)


def _sources(sources: Sequence[dict[str, Any]]) -> str:
    return "".join(
        f'<li id="source-{src["number"]}" value="{src["number"]}">'
        + (f'<a href="{e(src["url"])}" rel="noreferrer noopener"><bdi>{e(src["title"])}</bdi></a>'
           if src["url"] else f'<bdi>{e(src["title"])}</bdi>')
        + (f', <bdi>{e(src["publisher"])}</bdi>' if src["publisher"] else "")
        + (f', <bdi>{e(src["date"])}</bdi>' if src["date"] else "") + "</li>"
        for src in sources)


def _generic(generic: Sequence[tuple[Any, Any, str | None]], mail_word: str) -> str:
    """Each target's fill-in letter and mail link, for a browser without JavaScript."""
    out = []
    for target, document, link in generic:
        mail = (f'<p><a class="mailto" href="{e(link)}">{mail_word}: {e(target.email)}</a></p>'
                if link else (f"<p>{e(target.email)}</p>" if target.email else ""))
        out.append(
            f'<section class="generic" data-target="{e(target.id)}" lang="{e(document.lang)}" '
            f'dir="{direction(document.lang)}" aria-label="{e(document.title)}">'
            f"<h3>{e(document.context['target']['name'])}</h3>{mail}"
            f"{sheet_html(document.markdown, document.lang)}</section>")
    return "".join(out)


def page_html(view: dict[str, Any], lang: str, data: dict[str, Any],
              generic: Sequence[tuple[Any, Any, str | None]],
              words: tuple[str, dict[str, str]], paper: str) -> str:
    """The page, with the policy first in its real head."""
    words_lang, s = words[0], {k: escape(v) for k, v in words[1].items()}
    options = "".join(f'<option value="{e(t["id"])}">{e(t["name"])}</option>'
                      for t in data["targets"])
    lang_options = "".join(
        f'<option value="{e(code)}" lang="{e(code)}" dir="{direction(code)}">'
        f"{e(language_name(code))}</option>" for code in data["languages"])
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    html = f"""<!DOCTYPE html>
<html lang="{e(words_lang)}" dir="{direction(words_lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="x-dns-prefetch-control" content="off">
<title>{e(view["title"])}</title>
<link rel="stylesheet" href="site.css">
<script src="site.js" defer></script>
</head>
<body class="paper-{paper}">
<a class="skip" href="#write">{s["skip"]}</a>
<div class="exit-bar"><a id="exit" class="exit" href="{EXIT_URL}" rel="noreferrer">\
{s["exit"]}</a><span class="exit-key js-only" hidden>{s["exit_key"]}</span></div>
<header lang="{e(lang)}" dir="{direction(lang)}"><h1>{e(view["title"])}</h1>
<p>{e(view["summary"])}</p></header>
<main>
<section id="write" aria-labelledby="write-h">
<h2 id="write-h">{s["write"]}</h2>
<p class="nojs">{s["nojs"]}</p>
<form id="form" class="js-only" hidden>
<div class="row wide"><label for="target">{s["target"]}</label>
<select id="target" name="target"><option value="*">{s["all"]}</option>{options}</select></div>
<div class="row"><label for="lang">{s["language"]}</label>
<select id="lang" name="lang"><option value="">{s["target_lang"]}</option>
{lang_options}</select></div>
<div class="row"><label for="reading">{s["reading"]}</label>
<select id="reading" name="reading"><option value="">{s["reading_none"]}</option>
{lang_options}</select></div>
<div class="row"><label for="name">{s["name"]}</label>
<input id="name" name="name" dir="auto" autocomplete="name"></div>
<div class="row"><label for="city">{s["city"]}</label>
<input id="city" name="city" dir="auto" autocomplete="address-level2"></div>
<div class="row"><label for="email">{s["email"]}</label>
<input id="email" name="email" type="email" autocomplete="email"></div>
<div class="row"><label for="country">{s["country"]}</label>
<input id="country" name="country" dir="auto" autocomplete="country-name"></div>
<div class="row wide"><label for="address">{s["address"]}</label>
<textarea id="address" name="address" dir="auto" rows="3" autocomplete="street-address">\
</textarea></div>
<div class="row wide"><label for="note">{s["note"]}</label>
<textarea id="note" name="note" dir="auto" rows="4"></textarea></div>
<div class="row check wide"><input id="remember" type="checkbox" aria-describedby="kept">
<label for="remember">{s["remember"]}</label>
<button type="button" id="forget">{s["forget"]}</button>
<p id="remember-off" class="muted" hidden>{s["remember_file"]}</p></div>
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
<pre id="letter" hidden></pre>
<div id="paper" class="preview" role="region" tabindex="0" aria-labelledby="result-h"></div>
<div id="reading-copy"></div>
</section>
<div id="generic">{_generic(generic, s["mail"])}</div>
</section>
<section id="facts" aria-labelledby="facts-h"><h2 id="facts-h">{s["facts"]}</h2>
<ul class="facts" lang="{e(lang)}" dir="{direction(lang)}">{_facts(view["facts"])}</ul>
<h3>{s["sources"]}</h3>
<ol class="sources" lang="{e(lang)}" dir="{direction(lang)}">{_sources(view["sources"])}</ol>
</section>
<nav aria-label="{s["documents"]}"><h2>{s["documents"]}</h2><ul>
<li><a href="brief.html" rel="noreferrer">{s["brief"]}</a></li>
<li><a href="petition.html" rel="noreferrer">{s["petition"]}</a></li>
</ul></nav>
</main>
<footer><p>{s["private"]}</p><p id="kept">{s["kept"]}</p></footer>
<script type="application/json" id="data">{payload}</script>
</body>
</html>
"""
    return apply_csp(html, SITE_META, source="index.html")
