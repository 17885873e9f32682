"""Ids: the one pattern for campaign, fact, ask, source and target ids (lowercase slugs)."""

from __future__ import annotations

import re

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)


def is_slug(value: object) -> bool:
    """Whether ``value`` is an id: lowercase letters and digits, single hyphens between."""
    return isinstance(value, str) and SLUG.match(value) is not None
