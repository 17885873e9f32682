"""The one door every HTML page goes out through: the Content-Security-Policy.

Every HTML file advocate writes (letters, briefs, petitions, the build's index, the action
page) passes through :func:`apply_csp`, so a page opens in a browser without fetching
anything, whatever its layout says. A browser enforces every CSP it is given, so a second,
looser one in a template cannot widen this one.

The policy must sit in the document's *real* ``<head>``, before anything else in it: a
``<meta>`` inside a comment, a ``<script>`` or a ``<template>`` is no policy at all, and a
policy given after an element does not cover that element. A string search cannot know
where the head is (``<!--<head>-->``), so the result is checked by parsing it as a browser
does (HTML5, with WeasyPrint's own parser, ``tinyhtml5``), and a layout where the policy
cannot be placed first in the head is refused.

HTML from a campaign pack's own templates (``trusted=False``) is also checked whole:
no ``<meta http-equiv="refresh">`` (a browser follows it whatever the policy says), no
``<link>`` to another site (``dns-prefetch`` and ``preconnect`` are not covered by every
browser's policy), and, when ``allowed_links`` is given, no link, form or ``ping`` to an
address the campaign file does not name: a link made from a signer's data would send it
to whoever wrote the pack with one click.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from advocate.errors import AdvocateError

__all__ = ["CSP_META", "CSP_POLICY", "apply_csp", "check_html", "parse_html", "tree_depth"]

#: The policy for documents: nothing loads but inline styles and data: images and fonts.
CSP_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP_POLICY}">'
_HEAD = re.compile(r"<head\b[^>]*>(\s*<meta charset=[^>]*>)?\s*", re.IGNORECASE)
_DOCTYPE = re.compile(r"\A\ufeff?[ \t\r\n\f]*<!doctype[ \t\r\n\f]+html[ \t\r\n\f]*>",
                      re.IGNORECASE)
_NS = "{http://www.w3.org/1999/xhtml}"
#: Attributes holding an address a browser may go to or send to.
_URL_ATTRS = ("href", "src", "action", "formaction", "ping", "poster", "data", "cite",
              "background", "srcset", "manifest", "xlink:href")
_HINT = ("advocate's HTML must open in a browser without contacting anyone; "
         "link only to addresses the campaign file names")


def parse_html(html: str) -> Any:
    """The element tree a browser builds from ``html`` (the ``<html>`` element)."""
    import tinyhtml5  # type: ignore[import-untyped]

    return tinyhtml5.parse(html)


def _local(tag: Any) -> str | None:
    return tag[len(_NS):] if isinstance(tag, str) and tag.startswith(_NS) else None


def _policy_first(root: Any, policy: str) -> bool:
    """Whether the first thing in the real head (after ``<meta charset>``) is a meta giving
    exactly ``policy``."""
    elements = [child for child in root if isinstance(child.tag, str)]
    if not elements or _local(elements[0].tag) != "head":
        return False
    head = [child for child in elements[0] if isinstance(child.tag, str)]
    while head and _local(head[0].tag) == "meta" and set(head[0].attrib) == {"charset"}:
        head.pop(0)  # <meta charset> loads nothing: it may come first
    if not head or _local(head[0].tag) != "meta":
        return False
    attrs = {key.lower(): value for key, value in head[0].attrib.items()}
    if (attrs.get("http-equiv") or "").strip().lower() != "content-security-policy":
        return False
    return attrs.get("content") == policy


@lru_cache(maxsize=64)
def _placed(prefix: str, policy: str) -> bool:
    """Whether a document starting with ``prefix`` (ending in the policy's meta) has the
    policy first in its real head. What the parser does with a token depends only on what
    came before it, so the prefix decides; layouts repeat, so the answer is cached."""
    return _policy_first(parse_html(prefix), policy)


def tree_depth(root: Any) -> int:
    """The deepest element nesting in a parsed tree (without recursion)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node if isinstance(child.tag, str))
    return deepest


def _refused(message: str, source: str | None, hint: str = _HINT) -> AdvocateError:
    return AdvocateError(message, file=source, hint=hint)


def _remote(url: str) -> bool:
    """An address that leaves the document (not relative, not #fragment, not data:)."""
    url = url.strip()
    if url.startswith(("//", "\\\\", "/\\", "\\/")):
        return True
    scheme = urlsplit(url).scheme.lower() if ":" in url else ""
    return bool(scheme) and scheme != "data"


def check_html(root: Any, *, source: str | None,
               allowed_links: Collection[str] | None = None) -> None:
    """Refuse what a browser would act on in spite of the policy (see the module doc)."""
    for element in root.iter():
        name = _local(element.tag)
        if name is None:
            continue
        attrs = {key.lower(): value for key, value in element.attrib.items()}
        if name == "meta" and (attrs.get("http-equiv") or "").strip().lower() == "refresh":
            raise _refused('<meta http-equiv="refresh"> is not allowed', source,
                           "a page that sends its reader elsewhere can carry the letter "
                           "along; remove it")
        if name == "link" and _remote(attrs.get("href") or ""):
            raise _refused("<link> to another site is not allowed", source,
                           "put styles in <style> in the template")
        if allowed_links is None:
            continue
        for attr in _URL_ATTRS:
            value = attrs.get(attr)
            if not value:
                continue
            urls = [part.strip().split()[0] for part in value.split(",") if part.strip()] \
                if attr == "srcset" else value.split() if attr == "ping" else [value]
            for url in urls:
                if _remote(url) and url.strip() not in allowed_links:
                    raise _refused(f"<{name} {attr}> leads to an address the campaign file "
                                   "does not name", source)


def apply_csp(html: str, policy_meta: str = CSP_META, *, trusted: bool = True,
              source: str | None = None, allowed_links: Collection[str] | None = None,
              max_depth: int | None = None, for_print: bool = False) -> str:
    """``html`` with ``policy_meta`` first in its real head, checked by parsing.

    The policy goes right after ``<head>`` (and a charset ``<meta>``), where layouts keep
    it; if the parse shows that is not the real head, right after the doctype, where the
    parser opens the head for it. A layout where neither works is refused. Untrusted HTML
    (``trusted=False``: a pack's templates) is also checked whole by :func:`check_html`,
    and its element nesting measured on the parsed tree (``max_depth``); HTML only for the
    PDF renderer (``for_print``) is measured but not checked, the renderer's own resource
    gate and link vetting see to it."""
    policy = re.search(r'content="([^"]*)"', policy_meta)
    content = policy.group(1) if policy else ""
    candidates: list[int] = []
    head = _HEAD.search(html)
    if head is not None:
        candidates.append(head.end())
    doctype = _DOCTYPE.match(html)
    candidates.append(doctype.end() if doctype else 0)
    result = None
    for position in candidates:
        present = html.startswith(policy_meta, position)
        prefix = html[:position] + policy_meta
        if _placed(prefix, content):
            result = html if present else prefix + html[position:]  # lines stay put
            break
    if result is None:
        raise _refused("the layout's <head> cannot be found, so its pages could not be kept "
                       "offline", source, "start the layout with <!DOCTYPE html><html><head>, "
                       "with nothing hidden before it")
    if not trusted:
        root = parse_html(result)
        if not _policy_first(root, content):  # pragma: no cover - the prefix decides
            raise _refused("the page's policy is not first in its <head>", source)
        if not for_print:
            check_html(root, source=source, allowed_links=allowed_links)
        if max_depth is not None and tree_depth(root) > max_depth:
            raise _refused(f"document nested too deeply (max {max_depth})", source,
                           "flatten the template's HTML (check that every tag is closed "
                           "in the order it was opened)")
    return result


_HEAD_OPEN = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


def with_style(html: str, css: str) -> str:
    """``html`` with one more style sheet first in its head (a pack's own fonts)."""
    head = _HEAD_OPEN.search(html)
    style = f'<style type="text/css">{css}</style>'
    return style + html if head is None else html[: head.end()] + style + html[head.end():]
