"""The log's sent letters as OSDI 1.1 outreaches, for Action Network and other OSDI systems.

An outreach (opensupporter/osdi-docs, ``outreaches.md``) is one person's contact with
targets: its ``action_date``, its ``type`` ("postal mail", "email", "in-person", or
another type as needed: advocate writes "fax" for a fax) and its ``targets``. advocate
exports one per letter logged as sent, identified as ``advocate:REFERENCE``; the person
who wrote it is left out (the log does not know them, by design), as are the letter's
text and subject (the log does not keep them). OSDI's target has no field for a whole
name: the target's name goes into ``family_name`` whole, its title into ``title``.
"""

from __future__ import annotations

import json
from typing import Any

from advocate.outcomes.store import LogStore

__all__ = ["OSDI_TYPES", "outreaches"]

OSDI_TYPES = {"post": "postal mail", "email": "email", "hand": "in-person", "fax": "fax"}


def _text(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or next(iter(value.values()), ""))
    return str(value)


def outreaches(store: LogStore, campaign: Any) -> str:
    """A HAL collection (``_embedded: {"osdi:outreaches": [...]}``) of every sent letter,
    by day and reference."""
    lang = campaign.language
    targets = {t.id: {"title": " ".join(_text(t.title, lang).split()),
                      "family_name": " ".join(_text(t.name, lang).split())}
               for t in campaign.targets}
    items = []
    for reference, target, day, channel in store.db.execute(
            "SELECT reference, target, day, channel FROM events WHERE kind = 'sent' "
            "ORDER BY day, reference"):
        items.append({
            "identifiers": [f"advocate:{reference}"],
            "origin_system": "advocate",
            "action_date": f"{day}T00:00:00Z",
            "type": OSDI_TYPES.get(channel or "", channel or "postal mail"),
            "targets": [targets.get(target, {"family_name": target})],
        })
    data = {"origin_system": "advocate", "total_records": len(items),
            "_embedded": {"osdi:outreaches": items}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
