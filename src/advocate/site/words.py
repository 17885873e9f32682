"""The action page's own words (labels, buttons, the privacy line) and language names.

advocate ships them for a dozen languages (``strings.json``, drafts until a native speaker
has checked them); a campaign supplies or corrects them under ``page_words:``. Language
names come from CLDR through Babel, each in its own language ("Español", "Русский")."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from advocate.errors import Problem
from advocate.schema.campaign import Campaign
from advocate.text.localise import language_name

__all__ = ["bundled_words", "language_name", "page_words"]


@lru_cache(maxsize=1)
def bundled_words() -> dict[str, Any]:
    """strings.json: ``{"reviewed": [...], "words": {lang: {key: text}}}``."""
    data: dict[str, Any] = json.loads(
        (resources.files("advocate.site") / "strings.json").read_bytes())
    return data


def _supplied(campaign: Campaign | None, code: str) -> dict[str, str]:
    """The words the campaign gives for ``code`` under ``page_words:``."""
    if campaign is None or code not in campaign.page_words:
        return {}
    return campaign.page_words[code].model_dump(by_alias=True, exclude_none=True)


def _where(campaign: Campaign | None, code: str | None) -> dict[str, Any]:
    """The place a warning about the page's words points at: the campaign's
    ``page_words: CODE:`` if it has one, else the campaign file."""
    if campaign is None or campaign.document is None:
        return {}
    doc = campaign.document
    path = ("page_words", code) if code and code in campaign.page_words else ("language",)
    line, column = doc.mark(path) or (None, None)
    return {"file": doc.filename, "line": line, "column": column}


def page_words(lang: str, campaign: Campaign | None = None
               ) -> tuple[str, dict[str, str], list[Problem]]:
    """The page's own words in ``lang`` or its base language (``pt-BR``: ``pt``), else in
    English: the language they are in, every word, and warnings (words not yet reviewed by
    a native speaker; words missing, and how to supply them in the campaign).

    The campaign's ``page_words:`` for a language win over advocate's own; a word neither
    has is English, and said so."""
    table = bundled_words()
    english: dict[str, str] = table["words"]["en"]
    base = lang.replace("_", "-").split("-")[0].lower()
    for code in dict.fromkeys([lang, base]):
        own = _supplied(campaign, code)
        shipped: dict[str, str] = table["words"].get(code, {})
        if not own and not shipped:
            continue
        words = {**english, **shipped, **own}
        warnings: list[Problem] = []
        missing = [key for key in english if key not in own and key not in shipped]
        if missing:
            shown = ", ".join(missing[:6]) + (", …" if len(missing) > 6 else "")
            warnings.append(Problem(
                f"{len(missing)} of the page's own words in '{code}' are in English: {shown}",
                hint=f"add them under `page_words: {code}:` in the campaign "
                "(docs/campaign-format.md lists every word)", severity="warning",
                **_where(campaign, code)))
        if code not in table["reviewed"] and any(key not in own for key in shipped):
            warnings.append(Problem(
                f"advocate's own page words in '{code}' have not yet been reviewed by a "
                "native speaker", hint="have them read before the page goes out; correct any "
                f"word under `page_words: {code}:` in the campaign", severity="warning",
                **_where(campaign, code)))
        return code, words, warnings
    return "en", dict(english), [Problem(
        f"the page's own words (labels, buttons) are in English: advocate has none in "
        f"'{lang}'", hint=f"the campaign's words and letters are in their own languages; "
        f"to give the page's words too, add `page_words: {base}:` to the campaign with "
        "every word (docs/campaign-format.md lists them)", severity="warning",
        **_where(campaign, None))]
