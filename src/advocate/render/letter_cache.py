"""``advocate letter`` in a blink: the letter's stencil kept on disk between runs.

For ``--format txt``, ``md`` and ``eml``, one writer (not ``--signers``).

Most of what ``advocate letter CAMPAIGN --to T --name ... --format txt`` costs is not the
letter: it is importing and building the campaign model, the Jinja host and the Markdown
parser, loading and checking the campaign and compiling its templates, the same for every
writer. The letter itself is a stencil (:mod:`advocate.text.stencil`) filled in with the
writer's details. So the first run keeps that stencil, with each fixed block's text already
converted, in a private cache folder; a later run whose inputs are all unchanged fills it in
without importing any of that, and prints exactly what a full run prints (the letters, and
the same warnings).

What is kept, and why it is safe:

* **No personal data.** A stencil holds the campaign's wording with placeholders where the
  writer's details go; the writer's name, city, email, country, note and address are never
  written (the key holds only which of them are set). The entry holds what the campaign
  file and its templates already hold, in the words of one target and language (with its
  ``variants:``, from which a writer's are chosen again), and the letter's date.
* **Exact or nothing.** The key is a SHA-256 of everything a letter depends on but the
  writer's values: the campaign file's bytes and path, the contents of its template
  folders (``--templates DIR`` and ``templates/`` beside the campaign), the date, the
  options, advocate's own files and the versions of the libraries that render. Any change
  is another key. An entry is only written after its stencil, filled in with this run's
  writer, gave exactly the letters the full render gave; an entry that cannot be read or
  does not parse is ignored (the full render runs).
* **Private and bounded.** The folder is created ``0700`` and used only if it and its
  ``letters/`` folder belong to this user and no one else can read or write them (never
  repaired: a folder others could write to may hold their entries); it is opened once, and
  every entry is opened relative to that handle without following a link, and read only if
  it is a regular file of this user's, ``0600``, with no other name. Entries are JSON (data,
  never code), written ``0600`` and atomically; entries older than a week, or past the
  500th, are removed. The key includes the user, and the entry holds no path: where the
  letter may be written (never into a template folder) is decided from this run's inputs.
* **Off unless asked.** A kept entry says which campaign someone wrote to, in which
  language, and when: evidence on a seized laptop. So nothing is read or written unless
  ``ADVOCATE_CACHE=1``; ``ADVOCATE_NO_CACHE=1`` turns it off whatever else is set.

Where: ``$ADVOCATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/advocate``, else
``~/.cache/advocate``. Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advocate import clock
from advocate.errors import AdvocateError, Problem
from advocate.render.writer import Writer
from advocate.text.bidi import isolate_view
from advocate.text.markdown import DOCUMENT_RULE, portable
from advocate.text.stencil import Filled, Stencil, shape
from advocate.text.variants import kept_texts

if TYPE_CHECKING:
    from advocate.render.document import Document
    from advocate.render.documents import Renderer

__all__ = ["CachedLetters", "LetterRequest", "cache_folder", "cached_letters",
           "folder_problem", "remember_letters"]

FORMAT = 3  # of an entry; a change makes every old entry another key
FORMATS = ("txt", "md", "eml")  # what a stencil gives without the renderer
MAX_AGE_DAYS = 7
MAX_ENTRIES = 500
_MAX_ENTRY_BYTES = 16 * 1024 * 1024
_MAX_FOLDER_FILES = 5_000  # a template folder larger than this: not kept (full render)
_HASHED_BYTES = 256 * 1024  # a template folder's files up to this size are hashed whole
_HASH_BUDGET = 16 * 1024 * 1024  # bytes hashed per folder at most (more: not kept)
_CAMPAIGN_BYTES = 1024 * 1024  # a larger campaign file is refused by the loader
# The libraries whose behaviour shapes a letter (a new version: another key).
_LIBRARIES = ("jinja2", "markupsafe", "markdown_it", "mdit_py_plugins", "pydantic",
              "pydantic_core", "yaml", "idna", "babel", "typer")


def _set(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0")


def cache_folder() -> Path | None:
    """The cache folder (see the module's docstring), or None when it is turned off (the
    default: ``ADVOCATE_CACHE=1`` turns it on, ``ADVOCATE_NO_CACHE=1`` off again)."""
    if _set("ADVOCATE_NO_CACHE") or not _set("ADVOCATE_CACHE"):
        return None
    explicit = os.environ.get("ADVOCATE_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "advocate"
    try:
        return Path.home() / ".cache" / "advocate"
    except RuntimeError:  # no home folder
        return None


@dataclass(frozen=True)
class LetterRequest:
    """One ``advocate letter`` run, as far as its letters go."""

    campaign: Path
    to: str | None
    lang: str | None
    templates: Path | None
    fmt: str
    paper: str  # the templates see it, even in a text letter
    writer: Writer | None

    @functools.cached_property
    def key(self) -> str | None:
        """The entry's name: a hash of every input but the writer's values (None when one
        cannot be read; the full render then reports it). Taken once, before the full
        render reads the inputs (see :func:`remember_letters`)."""
        return _safe_key(self)

    @property
    def view(self) -> dict[str, Any]:
        return (self.writer or Writer()).view()

    @property
    def signed(self) -> bool:
        return self.writer is not None and bool(self.writer.name)


@dataclass(frozen=True)
class CachedLetters:
    """What a run prints, from the cache: the letters and the warnings of a full run."""

    data: str
    load_warnings: list[Problem]
    letter_warnings: list[Problem]
    roots: list[Path]


def folder_problem() -> Problem | None:
    """A warning when the cache is on but its folder is refused (someone else's, or others
    may read or write it): the letters are still written, in full, and it is never repaired,
    as it may hold entries others planted."""
    folder = cache_folder()
    if folder is None or not hasattr(os, "getuid"):
        return None
    for place in (folder, folder / "letters"):
        try:
            state = os.lstat(place)
        except OSError:
            return None  # not there yet: made private by the first full run
        if not stat.S_ISDIR(state.st_mode) or state.st_uid != os.getuid() \
                or state.st_mode & 0o077:
            break
    else:
        return None
    return Problem("the letter cache is not used: the folder (or its letters/ folder) is "
                   "not a folder of yours that only you can read and write",
                   file=str(folder), hint="delete it (entries others planted there could "
                   "change your letters), or unset ADVOCATE_CACHE", severity="warning")


def cached_letters(request: LetterRequest) -> CachedLetters | None:
    """The letters from the kept stencil, or None (not kept, or changed: render in full)."""
    folder = cache_folder()
    if request.fmt not in FORMATS or folder is None:
        return None
    key = request.key  # before a full render reads the inputs, whatever happens next
    handle = _open_folder(folder, create=False)
    if handle is None:
        return None
    try:
        entry = _read(handle, f"{key}.json") if key is not None else None
    finally:
        os.close(handle)
    if entry is None:
        return None
    try:
        from advocate.templates.roots import template_roots

        # where the letter may go is decided by this run's inputs, never by the entry
        roots = template_roots(request.templates, request.campaign)
        return _fill(request, entry, roots)
    except (KeyError, TypeError, ValueError, IndexError, AdvocateError):
        return None  # (a bad --email, say: the full run reports it, after its warnings)


def remember_letters(request: LetterRequest, renderer: Renderer, documents: Sequence[Document],
                     load_warnings: Sequence[Problem], data: str,
                     render_warnings: Sequence[Problem] = ()) -> bool:
    """Keep the stencils of the letters a full render just made, if each fills in to exactly
    them and no input changed while it ran (the key, taken before the render, is taken
    again); True when an entry was written. Never raises: the letters are already out, and
    the cache only ever saves time."""
    try:
        if request.fmt not in FORMATS or not documents:
            return False
        folder = cache_folder()
        handle = _open_folder(folder, create=True) if folder is not None else None
        if handle is None:
            return False
        try:
            key = request.key
            if key is None or _safe_key(request) != key:
                return False
            entry = _entry(request, renderer, documents, load_warnings, data,
                           render_warnings)
            if entry is None:
                return False
            _write(handle, f"{key}.json", json.dumps(entry, ensure_ascii=False))
            _prune(handle)
            return True
        finally:
            os.close(handle)
    except Exception:
        return False


# -- the key ---------------------------------------------------------------------------------

def _safe_key(request: LetterRequest) -> str | None:
    try:
        return _key(request)
    except (OSError, AdvocateError, ValueError):
        return None


def _key(request: LetterRequest) -> str:
    digest = hashlib.sha256()

    def feed(*parts: object) -> None:
        digest.update(json.dumps(parts, ensure_ascii=False, default=str).encode() + b"\n")

    feed("advocate letter stencils", FORMAT, sys.version, request.fmt, request.paper,
         request.to, request.lang, "user", os.getuid())
    package = Path(__file__).resolve().parent.parent
    feed("code", _folder_state(package, hash_small=False, compiled=False))
    # advocate's own wording (a link to the repository's folder in a source checkout)
    feed("wording", _folder_state((package / "letter_templates").resolve(), hash_small=True))
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        state = os.stat(origin) if origin else None
        feed(name, origin, state and (state.st_size, state.st_mtime_ns))
    campaign = request.campaign
    feed("campaign", str(campaign), str(campaign.resolve()),
         _file_sha256(campaign, _CAMPAIGN_BYTES))
    if request.templates is not None:
        if not request.templates.is_dir():
            raise ValueError("--templates is not a folder")  # the full render says so
        feed("--templates", str(request.templates), str(request.templates.resolve()),
             _folder_state(request.templates, hash_small=True))
    beside = campaign.parent / "templates"
    try:
        mode = beside.lstat().st_mode
    except FileNotFoundError:
        feed("beside", None)
    else:
        feed("beside", stat.S_IFMT(mode), _folder_state(beside, hash_small=True)
             if stat.S_ISDIR(mode) else None)
    feed("date", clock.today().isoformat(), shape(request.view, request.signed))
    return digest.hexdigest()


def _file_sha256(path: Path | str, limit: int) -> str:
    """The SHA-256 of a regular file of at most ``limit`` bytes (anything else raises
    ValueError or OSError: a FIFO or a device is never read, so it cannot hang the key)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                         | getattr(os, "O_CLOEXEC", 0))
    try:
        state = os.fstat(descriptor)
        if not stat.S_ISREG(state.st_mode) or state.st_size > limit:
            raise ValueError("not a regular file, or too large")
        digest = hashlib.sha256()
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()
    finally:
        os.close(descriptor)


def _folder_state(root: Path, *, hash_small: bool, compiled: bool = True) -> list[Any]:
    """Every file, folder and link under ``root`` with its size and time, or its SHA-256
    for a small regular file when ``hash_small``; FIFOs, devices and sockets by their type
    (never opened). ``__pycache__`` counts like any folder (a pack's template may live there)
    unless ``compiled`` is False (advocate's own code: Python writes it as it runs)."""
    found: list[Any] = []
    budget = _HASH_BUDGET
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if len(found) > _MAX_FOLDER_FILES:
                    raise ValueError("too many files to keep track of")  # (--templates ~)
                name = os.path.relpath(entry.path, root)
                state = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(state.st_mode):
                    found.append((name, "link", os.readlink(entry.path)))
                elif stat.S_ISDIR(state.st_mode):
                    if compiled or entry.name != "__pycache__":
                        found.append((name, "dir"))
                        stack.append(Path(entry.path))
                elif not stat.S_ISREG(state.st_mode):
                    found.append((name, "special", stat.S_IFMT(state.st_mode)))
                elif hash_small and state.st_size <= _HASHED_BYTES:
                    budget -= state.st_size
                    if budget < 0:
                        raise ValueError("too much to hash")
                    found.append((name, _file_sha256(entry.path, _HASHED_BYTES)))
                else:
                    found.append((name, state.st_size, state.st_mtime_ns))
    return found


# -- entries ---------------------------------------------------------------------------------

def _entry(request: LetterRequest, renderer: Renderer, documents: Sequence[Document],
           load_warnings: Sequence[Problem], data: str,
           render_warnings: Sequence[Problem] = ()) -> dict[str, Any] | None:
    """The entry for these letters, or None unless filling it in (:func:`_fill`, the very
    code a later run uses) gives exactly ``data``, what this run printed, and its warnings
    (the documents' own, then the format's: a draft with no To: line, say)."""
    writer = request.writer or Writer()
    letters = []
    for document in documents:
        if document.kind != "letter" or document.target_id is None:
            return None
        lang, stencil = renderer.letter_stencil(document.target_id, writer, document.lang)
        if stencil is None or lang != document.lang:
            return None
        target = renderer.campaign.target(document.target_id)
        letters.append({"lang": lang, "stencil": stencil.with_texts().to_data(),
                        # no personal data: the campaign's variants, chosen again per writer
                        "variants": renderer.variants.kept(document.target_id, lang,
                                                           document.context),
                        "warnings": [asdict(p) for p in document.warnings],
                        "campaign_title": str(document.context["campaign"]["title"]),
                        "to_name": str(document.context["target"]["name"]),
                        "to_addr": target.email, "reference": document.reference})
    entry = {"format": FORMAT, "load_warnings": [asdict(p) for p in load_warnings],
             "letters": letters, "render_warnings": [asdict(p) for p in render_warnings]}
    again = _fill(request, entry, renderer.roots)
    if again is None or again.data != data or again.load_warnings != list(load_warnings) \
            or again.letter_warnings != [*(p for d in documents for p in d.warnings),
                                         *render_warnings]:
        return None  # a bug if it happens: keep nothing, the full render stands
    return entry


def _fill(request: LetterRequest, entry: dict[str, Any],
          roots: Sequence[Path]) -> CachedLetters | None:
    """What the run prints, from an entry; None if the entry cannot give it. ``roots``, the
    template folders the output may not go into, come from the run, never from the entry."""
    if entry.get("format") != FORMAT:
        return None
    view, texts, warnings = request.view, [], []
    expected = shape(view, request.signed)
    letters = entry["letters"]
    if request.fmt == "eml" and len(letters) != 1:
        return None  # one draft is one message: the full run says so
    for letter in letters:
        lang = letter["lang"]
        if not isinstance(lang, str):
            return None
        isolated = isolate_view(view, lang)
        if shape(isolated, request.signed) != expected:
            return None
        filled = Stencil.from_data(letter["stencil"]).fill(
            isolated, kept_texts(letter.get("variants"), view))
        if request.fmt == "eml":
            texts.append(_eml(letter, filled, isolated))
        else:
            texts.append(filled.text() if request.fmt == "txt" else portable(filled.markdown))
        warnings += _problems(letter["warnings"])
    if not texts:
        return None
    warnings += _problems(entry.get("render_warnings", []))
    return CachedLetters(DOCUMENT_RULE.get(request.fmt, "").join(texts),
                         _problems(entry["load_warnings"]), warnings, list(roots))


def _eml(letter: dict[str, Any], filled: Filled, view: dict[str, Any]) -> str:
    """The draft :meth:`Renderer.eml_draft` writes (advocate.render.documents)."""
    from advocate.render.email_text import email_body, wording_titles
    from advocate.render.eml import letter_draft

    subject, title = wording_titles(filled.exported, letter["campaign_title"])
    to_addr, reference = letter["to_addr"], letter.get("reference")
    if not (to_addr is None or isinstance(to_addr, str)):
        raise ValueError("to_addr")
    if not (reference is None or isinstance(reference, str)):
        raise ValueError("reference")
    return letter_draft(to_name=str(letter["to_name"]), to_addr=to_addr, writer=view,
                        subject=subject or title, body=email_body(filled.markdown),
                        reference=reference).decode("ascii")


def _problems(data: Iterable[Any]) -> list[Problem]:
    problems = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            raise ValueError("warning")
        problems.append(Problem(**item))
    return problems


# -- the folder ------------------------------------------------------------------------------

_DIRECTORY = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_DIRECTORY", 0) \
    | getattr(os, "O_CLOEXEC", 0)


def _mine_alone(descriptor: int, kind: int) -> bool:
    """Whether an open file is of ``kind``, this user's, and closed to everyone else."""
    state = os.fstat(descriptor)
    return stat.S_IFMT(state.st_mode) == kind and state.st_uid == os.getuid() \
        and not state.st_mode & 0o077


def _open_folder(folder: Path, *, create: bool) -> int | None:
    """A handle on ``folder/letters`` if both are this user's alone (made so when ``create``
    and missing), else None: a folder that is not is refused, never repaired."""
    if not hasattr(os, "getuid") or not hasattr(os, "O_NOFOLLOW"):
        return None  # (no owner to check: no cache)
    outer = inner = -1
    try:
        if create:
            folder.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder, 0o700)
        outer = os.open(folder, _DIRECTORY)
        if not _mine_alone(outer, stat.S_IFDIR):
            return None
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir("letters", 0o700, dir_fd=outer)
        inner = os.open("letters", _DIRECTORY, dir_fd=outer)
        if not _mine_alone(inner, stat.S_IFDIR):
            return None
        handle, inner = inner, -1
        return handle
    except OSError:
        return None
    finally:
        for descriptor in (outer, inner):
            if descriptor >= 0:
                os.close(descriptor)


def _read(folder: int, name: str) -> dict[str, Any] | None:
    """An entry, if it is a regular file of this user's alone with no other name."""
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                             | getattr(os, "O_CLOEXEC", 0), dir_fd=folder)
    except OSError:
        return None
    try:
        state = os.fstat(descriptor)
        if not _mine_alone(descriptor, stat.S_IFREG) or state.st_nlink != 1 \
                or state.st_size > _MAX_ENTRY_BYTES:
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = json.loads(handle.read(_MAX_ENTRY_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return data if isinstance(data, dict) else None


def _write(folder: int, name: str, text: str) -> None:
    """Atomically, readable by this user only, inside the folder's handle."""
    temporary = f".tmp-{os.urandom(8).hex()}.json"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | getattr(os, "O_CLOEXEC", 0), 0o600, dir_fd=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(text)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise


def _prune(folder: int) -> None:
    """Entries older than MAX_AGE_DAYS go, then the oldest past MAX_ENTRIES."""
    now = time.time()
    entries = []
    with os.scandir(folder) as found:
        for item in found:
            if not item.name.endswith(".json") or not item.is_file(follow_symlinks=False):
                continue
            modified = item.stat(follow_symlinks=False).st_mtime
            stale = item.name.startswith(".tmp-") and now - modified > 3600
            if stale or now - modified > MAX_AGE_DAYS * 86400:
                with contextlib.suppress(OSError):
                    os.unlink(item.name, dir_fd=folder)
            elif not item.name.startswith("."):
                entries.append((modified, item.name))
    for _, name in sorted(entries)[:max(0, len(entries) - MAX_ENTRIES)]:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=folder)
