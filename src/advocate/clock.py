"""The one clock: ``SOURCE_DATE_EPOCH`` (reproducible builds), else the real time.

Letters carry a date and PDFs a creation date; both read it here, so one malformed value
gets one message, and the same input gives the same bytes on any machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from advocate.errors import AdvocateError


def source_date_epoch() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC instant, or None when it is unset or empty."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise AdvocateError(
            f"SOURCE_DATE_EPOCH is not a valid timestamp: {value[:20]!r}",
            hint="set it to a whole number of seconds since 1970-01-01 UTC, or unset it",
        ) from None


def epoch_seconds() -> int | None:
    """``SOURCE_DATE_EPOCH`` as seconds (what PDFs are dated with), or None when unset."""
    instant = source_date_epoch()
    return int(instant.timestamp()) if instant else None


@contextmanager
def pinned_epoch(seconds: int) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` set to ``seconds`` for the block (and the workers it starts):
    a merge dates the documents it renders as its shards dated theirs."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(seconds)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def today() -> date:
    """The letter date: ``SOURCE_DATE_EPOCH``'s day in UTC, else today's local date."""
    instant = source_date_epoch()
    return instant.date() if instant else date.today()
