"""Where templates come from, and which of them are untrusted.

Kept apart from the Jinja host (:mod:`advocate.templates.host`, which re-exports these) so
that a command can tell whether a campaign uses a pack's templates before importing Jinja:
the PDF commands decide at once whether to start the PDF engine ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from advocate.errors import AdvocateError

#: The wording templates of a language (``<lang>/<kind>.md.j2``): what `advocate new --lang`
#: copies and `advocate check` looks through for lines still to translate.
WORDING_KINDS = ("letter", "petition", "sheet", "brief", "followup")
#: Those every build renders (a follow-up is written by `advocate followup` only): a
#: language without them is refused before anything renders.
BUILD_WORDING_KINDS = WORDING_KINDS[:4]

__all__ = ["builtin_templates", "template_roots", "untrusted_roots"]


def builtin_templates() -> Path:
    """The folder of templates that ship inside the package."""
    return Path(str(resources.files("advocate") / "letter_templates"))


def untrusted_roots(roots: Sequence[Path]) -> list[Path]:
    """The template folders among ``roots`` that did not ship with advocate (a pack's
    ``templates/``, ``--templates DIR``): what they hold is untrusted."""
    builtin = builtin_templates().resolve()
    return [root for root in roots if root.is_dir() and root.resolve() != builtin
            and next(root.iterdir(), None) is not None]  # an empty folder serves nothing


def template_roots(templates: Path | None, campaign_path: Path | None) -> list[Path]:
    """Lookup order: ``--templates DIR``, ``templates/`` beside the campaign, built-in."""
    roots: list[Path] = []
    if templates is not None:
        if not templates.is_dir():
            raise AdvocateError("templates folder not found", file=str(templates),
                                hint="pass an existing folder to --templates")
        if templates.resolve() == Path(templates.resolve().anchor):
            raise AdvocateError("the filesystem root cannot be a template folder",
                                file=str(templates), hint="pass a folder of templates")
        roots.append(templates)
    if campaign_path is not None:
        beside = campaign_path.parent / "templates"
        if beside.is_symlink():
            # A pack's folder that is a link would make any folder its templates, readable
            # to the templates and the PDF renderer: refused, as links inside it are.
            raise AdvocateError("refused: the templates folder is a link", file=str(beside),
                                hint="a campaign's templates/ must be a real folder; copy "
                                "the templates in, or pass the folder with --templates")
        roots.append(beside)
    roots.append(builtin_templates())
    return roots
