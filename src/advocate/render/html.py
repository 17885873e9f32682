"""The one door every HTML page goes out through: the Content-Security-Policy.

Every HTML file advocate writes (letters, briefs, petitions, the build's index, the action
page) passes through :func:`apply_csp`, so a page opens in a browser without fetching
anything, whatever its layout says. A browser enforces every CSP it is given, so a second,
looser one in a template cannot widen this one.
"""

from __future__ import annotations

import re

#: The policy for documents: nothing loads but inline styles and data: images and fonts.
CSP_META = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "img-src data:; style-src 'unsafe-inline'; font-src data:\">")
_HEAD = re.compile(r"<head\b[^>]*>(\s*<meta charset=[^>]*>)?\s*", re.IGNORECASE)


def apply_csp(html: str, policy_meta: str = CSP_META) -> str:
    """``html`` with ``policy_meta`` first in its head (unless it already is)."""
    head = _HEAD.search(html)
    if head is None:
        return policy_meta + html
    if html.startswith(policy_meta, head.end()):
        return html
    return html[: head.end()] + policy_meta + html[head.end():]  # no newline: lines stay put
