"""Finding campaigns: a path to a YAML file, or the id of a campaign bundled with advocate."""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError
from advocate.pathlike import StrPath


def bundled_folder() -> Path:
    """The folder of campaigns that ship inside the package."""
    return Path(str(resources.files("advocate") / "campaigns"))


def bundled_ids() -> list[str]:
    """The ids of the bundled campaigns, sorted."""
    return sorted(path.stem for path in bundled_folder().glob("*.yaml"))


def resolve_campaign(name: StrPath) -> Path:
    """The file for CAMPAIGN: a path (it has a ``/`` or ends in ``.yaml``/``.yml``), else
    the id of a bundled campaign. A bare id always means the bundled campaign: a file of
    that name in the working folder must not silently take its place."""
    if not isinstance(name, str):  # a Path (or other os.PathLike) is always a file
        name = os.fspath(name)
        name = name if "/" in name or os.sep in name else os.path.join(".", name)
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


def catalogue_data() -> dict[str, Any]:
    """The bundled campaigns (id, title, languages with whether their translation is
    reviewed, target ids) and the built-in templates (folder, kinds per language, layouts):
    what ``advocate list`` prints, and ``advocate list --json`` (list-1.schema.json)."""
    from advocate.schema.campaign import load_campaign
    from advocate.templates.host import builtin_templates

    campaigns: list[dict[str, Any]] = []
    for ident in bundled_ids():
        campaign = load_campaign(bundled_folder() / f"{ident}.yaml")
        title = campaign.title if isinstance(campaign.title, str) else \
            campaign.title.get(campaign.language, next(iter(campaign.title.values())))
        campaigns.append({
            "id": ident, "title": title,
            "languages": [{"code": campaign.language, "reviewed": True}] + [
                {"code": code, "reviewed": bool(tr.reviewed)}
                for code, tr in campaign.translations.items()],
            "targets": [t.id for t in campaign.targets]})
    root = builtin_templates()
    languages = {folder.name: sorted(p.name.removesuffix(".md.j2")
                                     for p in folder.glob("*.md.j2"))
                 for folder in sorted(p for p in root.iterdir() if p.is_dir())}
    return {"campaigns": campaigns,
            "templates": {"folder": str(root), "languages": languages,
                          "layouts": sorted(p.name for p in root.glob("*.j2"))}}


def catalogue() -> list[str]:
    """What ``advocate list`` prints: each bundled campaign with its title, languages (and
    whether their translations are reviewed) and targets, then the built-in templates."""
    data = catalogue_data()
    lines = ["Bundled campaigns:"]
    for campaign in data["campaigns"]:
        langs = [lang["code"] if lang["reviewed"] else f"{lang['code']} (not yet reviewed)"
                 for lang in campaign["languages"]]
        lines.append(f"  {campaign['id']}  {campaign['title']}")
        lines.append(f"      languages: {', '.join(langs)}")
        lines.append(f"      targets: {', '.join(campaign['targets'])}")
    templates = data["templates"]
    lines.append("")
    lines.append(f"Built-in templates ({templates['folder']}):")
    for lang, kinds in templates["languages"].items():
        lines.append(f"  {lang}: {', '.join(kinds)}")
    lines.append(f"  layouts: {', '.join(templates['layouts'])}")
    return lines


def expand_campaigns(names: Sequence[str]) -> list[str]:
    """The CAMPAIGN arguments with each folder replaced by the campaign files in it
    (``*.yaml`` and ``*.yml``, sorted; not its subfolders). A bundled id stays an id even
    when a folder of that name exists, as :func:`resolve_campaign` says."""
    expanded: list[str] = []
    for name in names:
        folder = Path(name)
        if not folder.is_dir() or ("/" not in name and os.sep not in name
                                   and name in bundled_ids()):
            expanded.append(name)
            continue
        found = sorted(p for p in folder.iterdir()
                       if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
        if not found:
            raise AdvocateError("no campaign files (*.yaml, *.yml) in this folder", file=name,
                                hint="give campaign files, or a folder that holds some")
        expanded += [str(p) for p in found]
    return expanded
