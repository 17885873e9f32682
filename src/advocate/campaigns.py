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
    raise AdvocateError(f"no campaign file or bundled campaign named '{name}'", hint=hint)


def catalogue() -> list[str]:
    """What ``advocate list`` prints: each bundled campaign with its title, languages (and
    whether their translations are reviewed) and targets, then the built-in templates."""
    from advocate.schema.campaign import load_campaign
    from advocate.templates.host import builtin_templates

    lines = ["Bundled campaigns:"]
    for ident in bundled_ids():
        campaign = load_campaign(bundled_folder() / f"{ident}.yaml")
        title = campaign.title if isinstance(campaign.title, str) else \
            campaign.title.get(campaign.language, next(iter(campaign.title.values())))
        langs = [campaign.language] + [
            f"{code} (not yet reviewed)" if not tr.reviewed else code
            for code, tr in campaign.translations.items()]
        lines.append(f"  {ident}  {title}")
        lines.append(f"      languages: {', '.join(langs)}")
        lines.append(f"      targets: {', '.join(t.id for t in campaign.targets)}")
    root = builtin_templates()
    lines.append("")
    lines.append(f"Built-in templates ({root}):")
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        kinds = sorted(p.name.removesuffix(".md.j2") for p in folder.glob("*.md.j2"))
        lines.append(f"  {folder.name}: {', '.join(kinds)}")
    layouts = sorted(p.name for p in root.glob("*.j2"))
    lines.append(f"  layouts: {', '.join(layouts)}")
    return lines
