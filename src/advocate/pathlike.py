"""What the library takes for a path: a ``str`` or any ``os.PathLike`` (``pathlib.Path``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeAlias

#: A path as the library's public functions take it: ``"campaign.yaml"`` or ``Path(...)``.
StrPath: TypeAlias = str | os.PathLike[str]


def as_path(path: StrPath) -> Path:
    """``path`` as a :class:`pathlib.Path` (the same object when it already is one)."""
    return path if isinstance(path, Path) else Path(path)


def as_optional_path(path: StrPath | None) -> Path | None:
    """:func:`as_path`, with None kept as None (an option left out)."""
    return None if path is None else as_path(path)
