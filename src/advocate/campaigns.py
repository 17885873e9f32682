"""Finding campaigns: a path to a YAML file, or the id of a campaign bundled with advocate."""

from __future__ import annotations

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
    """The file for CAMPAIGN: an existing path, else a bundled campaign id."""
    path = Path(name)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists() or "/" in name:
        if not path.exists():
            raise AdvocateError("no such file", file=name,
                                hint="check the path, or run `advocate list`")
        return path
    if name in bundled_ids():
        return bundled_folder() / f"{name}.yaml"
    raise AdvocateError(f"no campaign file or bundled campaign named '{name}'",
                        hint=f"bundled campaigns: {', '.join(bundled_ids()) or 'none'}")
