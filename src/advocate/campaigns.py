"""Finding campaigns: a path to a YAML file, or the id of a campaign bundled with advocate."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from advocate.errors import AdvocateError


def bundled_folder() -> Path:
    """The folder of campaigns that ship inside the package."""
    return Path(str(resources.files("advocate") / "campaigns"))


def bundled_ids() -> list[str]:
    """The ids of the bundled campaigns, sorted."""
    return sorted(path.stem for path in bundled_folder().glob("*.yaml"))


def resolve_campaign(name: str) -> Path:
    """The file for CAMPAIGN: a path (it has a ``/`` or ends in ``.yaml``/``.yml``), else
    the id of a bundled campaign. A bare id always means the bundled campaign: a file of
    that name in the working folder must not silently take its place."""
    path = Path(name)
    if path.suffix.lower() in (".yaml", ".yml") or "/" in name or os.sep in name:
        if not path.exists():
            raise AdvocateError("no such file", file=name,
                                hint="check the path, or run `advocate list`")
        return path
    if name in bundled_ids():
        return bundled_folder() / f"{name}.yaml"
    hint = f"bundled campaigns: {', '.join(bundled_ids()) or 'none'}"
    if path.exists():
        hint = f"to use the file of that name, write ./{name}"
    raise AdvocateError(f"no bundled campaign named '{name}'", hint=hint)
