"""``advocate new``: a campaign skeleton that validates, with comments that teach the format."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from advocate.errors import AdvocateError
from advocate.schema.ids import is_slug
from advocate.templates.host import builtin_templates
from advocate.templates.roots import WORDING_KINDS

SKELETON = """\
# yaml-language-server: $schema=https://advocate-toolkit.invalid/campaign.schema.json
# A campaign for advocate. Check it with `advocate validate {id}.yaml`; see every key
# with `advocate schema`. Text fields may be plain text, or one text per language:
#   title: {{en: "...", ru: "..."}}
advocate: 1                      # format version
id: {id}                         # lowercase letters, digits and hyphens
title: Free the detained journalists
summary: >-
  One paragraph: what happened, to whom, and what we ask. This opens the petition
  and the briefing sheet.
language: en                     # the language of the text (en, ru, kk, ...)
as_of: {today}                   # when the facts were last checked (ISO date)
# url: https://example.org/campaign           # optional: printed as a QR code on the brief
# organisation: {{name: Our group, email: contact@example.org}}
# closing: Journalism is not a crime.  # optional: every letter's last word before the thanks

background: |
  A few short paragraphs of Markdown for the brief: the context a diplomat or a
  journalist needs.

facts:                           # each fact cites one or more sources below
  - text: Two journalists were detained on 1 March after reporting on the protests.
    figure: 2                    # optional headline figure for the brief
    label: journalists detained  # optional caption for the figure
    source: example-report

quotes:                          # optional
  - text: Journalism is not a crime.
    speaker: A press-freedom organisation
    source: example-report

sources:
  - id: example-report
    title: The report's own title, as published
    publisher: Who published it
    date: {today}                # optional
    # url: https://example.org/report          # optional

asks:                            # what you ask for: one line each, then the full text
  - id: release
    title: Release the detained journalists
    text: Release both journalists immediately and unconditionally, and drop all charges.

targets:                         # whom you write to
  - id: minister
    name: The Minister of Justice
    title: Ministry of Justice
    salutation: "Dear Minister,"
    # address: |                # optional postal address, one line per line
    #   Street 1
    #   City
    # email: minister@example.org   # only an address you have checked
    # language: en               # optional: the language of letters to this target
    # asks: [release]            # optional: default all asks
"""


_TRAILING_COMMENT = re.compile(r"^(.*?\S)\s{2,}(# .*)$")
COMMENT_COLUMN = 34


def align_comments(text: str) -> str:
    """Line up the comments after the keys at one column, whatever length the id and the
    dates filled in (a key too long for it keeps two spaces before its comment)."""
    lines = []
    for line in text.split("\n"):
        match = _TRAILING_COMMENT.match(line)
        if match and not line.lstrip().startswith("#   "):
            code, comment = match.groups()
            line = code.ljust(COMMENT_COLUMN - 1) + comment if len(code) < COMMENT_COLUMN - 2 \
                else f"{code}  {comment}"
        lines.append(line)
    return "\n".join(lines)


def scaffold(name: str, directory: Path, *, templates: bool = False) -> list[Path]:
    """Write ``NAME.yaml`` (and optionally ``templates/``) into ``directory``; never overwrite."""
    from datetime import date

    if not is_slug(name):
        raise AdvocateError(f"'{name}' is not a campaign id",
                            hint="use lowercase letters, digits and hyphens, e.g. free-the-press")
    if not directory.is_dir():
        raise AdvocateError("no such folder", file=str(directory), hint="create it first")
    from advocate.output.files import write_file

    target = directory / f"{name}.yaml"
    written: list[Path] = []
    if os.path.lexists(target):  # a dangling link too: never written through
        raise AdvocateError("file exists", file=str(target),
                            hint="choose another name; advocate new never overwrites")
    copy_to = directory / "templates"
    if templates and os.path.lexists(copy_to):
        raise AdvocateError("folder exists", file=str(copy_to),
                            hint="move it away first; advocate new never overwrites")
    text = align_comments(SKELETON.format(id=name, today=date.today().isoformat()))
    if templates:  # copied first, beside, then renamed: all there or nothing
        staging = Path(tempfile.mkdtemp(dir=directory, prefix=".advocate-new-"))
        try:
            shutil.copytree(builtin_templates(), staging / "templates",
                            ignore=shutil.ignore_patterns("__pycache__"))
            os.rename(staging / "templates", copy_to)
        except OSError as exc:
            raise AdvocateError(f"cannot copy the templates: {exc.strerror or 'error'}",
                                file=str(copy_to), hint="check the folder") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    try:
        write_file(target, text.encode("utf-8"), mode=0o644)  # atomic, never over anything
    except AdvocateError:
        if templates:
            shutil.rmtree(copy_to, ignore_errors=True)
        raise
    written.append(target)
    if templates:
        written.append(copy_to)
    return written


#: The mark on each line of a copied wording template that still needs translating.
TRANSLATE_MARK = "{# TRANSLATE #}"
_HEAD = """\
{{#- {kind}.md.j2 in '{lang}', copied from the English by `advocate new --lang {lang}`.
    Translate every line marked TRANSLATE (the words outside {{{{ }}}} and {{% %}}; keep
    those as they are), then delete the mark. `advocate check` lists the marks left. -#}}
"""


def _needs_words(line: str) -> bool:
    """Whether a template line holds words to translate (text outside the Jinja tags, or
    quoted strings in a {% set %})."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("{#", ":::")) or stripped in ("{% else %}",):
        return False
    if stripped.startswith("{% set"):
        return '"' in stripped
    bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", stripped)
    return any(ch.isalpha() for ch in bare)


def wording_templates(lang: str, directory: Path) -> list[Path]:
    """Write ``templates/LANG/*.md.j2`` beside the campaign in ``directory``: the English
    wording with every line to translate marked. Never overwrites: a file that exists stops
    everything before anything is written."""
    from advocate.schema.fields import LANG_PATTERN

    if not re.fullmatch(LANG_PATTERN, lang):
        raise AdvocateError(f"'{lang}' is not a language code",
                            hint="use a BCP 47 code such as az, de or pt-BR")
    if not directory.is_dir():
        raise AdvocateError("no such folder", file=str(directory), hint="create it first")
    folder = directory / "templates" / lang
    source = builtin_templates() / "en"
    targets = [folder / f"{kind}.md.j2" for kind in WORDING_KINDS]
    existing = [path for path in targets if os.path.lexists(path)]
    if existing:
        raise AdvocateError("file exists", file=str(existing[0]),
                            hint="advocate new never overwrites; move it away first")
    if (builtin_templates() / lang / "letter.md.j2").exists():
        raise AdvocateError(f"advocate already has '{lang}' wording",
                            hint=f"to change it, copy {lang}/ with `advocate new NAME "
                            "--templates` and edit the copy")
    texts = []
    for kind in WORDING_KINDS:
        english = (source / f"{kind}.md.j2").read_text(encoding="utf-8")
        body = re.sub(r"\A\{#-.*?-#\}\n", "", english, flags=re.DOTALL)
        lines = [TRANSLATE_MARK + line if _needs_words(line) else line
                 for line in body.split("\n")]
        texts.append(_HEAD.format(kind=kind, lang=lang) + "\n".join(lines))
    _write_inside(directory, ("templates", lang), zip(targets, texts, strict=True))
    return targets


def _write_inside(directory: Path, folders: tuple[str, ...],
                  files: Iterable[tuple[Path, str]]) -> None:
    """Write ``files`` into ``directory/folders...``, each folder opened relative to the one
    before without following a link (a linked ``templates/`` would send the files
    elsewhere: renders refuse such a folder too); all of them or none."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    handles = [os.open(directory, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))]
    written: list[str] = []
    place = directory
    try:
        for name in folders:
            place = place / name
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=handles[-1])
            try:
                handles.append(os.open(name, flags, dir_fd=handles[-1]))
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise AdvocateError("refused: a link or not a folder", file=str(place),
                                        hint="advocate new writes only inside --dir; replace "
                                        "the link with a real folder") from None
                raise AdvocateError(f"cannot write: {exc.strerror or 'error'}",
                                    file=str(place), hint="check the folder") from None
        for path, text in files:
            try:
                out = os.open(path.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                              | getattr(os, "O_CLOEXEC", 0), 0o644, dir_fd=handles[-1])
            except FileExistsError:
                raise AdvocateError("file exists", file=str(path),
                                    hint="advocate new never overwrites; move it away "
                                    "first") from None
            except OSError as exc:
                raise AdvocateError(f"cannot write: {exc.strerror or 'error'}",
                                    file=str(path), hint="check the folder") from None
            written.append(path.name)
            with os.fdopen(out, "w", encoding="utf-8") as stream:
                stream.write(text)
    except BaseException:
        for name in written:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=handles[-1])
        raise
    finally:
        for handle in handles:
            os.close(handle)
