"""Safe file output: whole files or nothing, no clobbering, no personal data in names.

Everything advocate writes goes through here, so the rules live in one place:

* **Atomic.** Data goes to a temporary file in the destination's own directory (same file
  system), is fsync'ed, then published in one step: ``os.link`` (fails if the name exists,
  so nothing is ever overwritten by accident) or, with ``force``, ``os.replace``. Readers
  never see a half-written PDF; a full disk leaves no truncated file behind.
* **Private.** Files are created with mode ``0o600`` (owner only): letters and petitions carry
  names, addresses and political opinions, and a uniform mode is simpler to reason about
  than a per-format one. Temp files live in the output directory, never in a shared /tmp.
  File names are the index by default (``00017.pdf``); see :func:`safe_output_name`.
* **Batches are all-or-nothing.** :class:`~advocate.output.staging.StagedOutput` renders into
  a hidden staging folder inside the output folder and publishes only when every item
  succeeded.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from advocate.errors import AdvocateError

__all__ = [
    "FILE_MODE",
    "check_relpath",
    "guard_output",
    "safe_output_name",
    "write_file",
]

FILE_MODE = 0o600
_MAX_NAME_BYTES = 100
_SLUG_CHARS = 40
_EXT = re.compile(r"[a-z0-9]{1,10}")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{c}" for c in "123456789¹²³"}
    | {f"lpt{c}" for c in "123456789¹²³"}
)
# errno values meaning "this file system cannot hard-link" (FAT, exFAT, some network shares).
_NO_LINK = frozenset(
    getattr(errno, name)
    for name in ("EPERM", "EOPNOTSUPP", "ENOTSUP", "ENOSYS", "EMLINK", "EXDEV")
    if hasattr(errno, name)
)
_FORCE_HINT = "use --force to overwrite"


# --------------------------------------------------------------------------- names


def _is_reserved(component: str) -> bool:
    """Windows reserves CON, NUL, COM1… even with an extension, in any case."""
    stem = component.split(".", 1)[0].rstrip(" ").casefold()
    return stem in _RESERVED


def _slug(label: str, budget: int) -> str:
    """ASCII lower-case words joined by '-', or '' when nothing usable is left.

    NFKD and dropping combining marks turn 'José Núñez' into 'jose-nunez'. Scripts with no
    ASCII decomposition (Cyrillic, Arabic…) give '', and the caller falls back to the index:
    a guessed transliteration would collide and still not be the person's name.
    """
    decomposed = unicodedata.normalize("NFKD", label)
    ascii_text = "".join(
        ch for ch in decomposed if ch.isascii() and unicodedata.category(ch) != "Mn"
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    limit = min(_SLUG_CHARS, budget)
    if len(slug) > limit:
        cut = slug[:limit]
        if slug[limit] != "-" and "-" in cut:
            cut = cut.rsplit("-", 1)[0]  # end on a whole word
        slug = cut.strip("-")
    return slug


def safe_output_name(index: int, ext: str, label: str | None = None) -> str:
    """A file name that is safe on every platform and, by default, says nothing about anyone.

    ``safe_output_name(17, "pdf")`` is ``00017.pdf``. With a label (opt-in, e.g. a signer's
    name) it is ``00017-jose-nunez.pdf``: the numeric prefix keeps it unique, never empty,
    never ``.``/``..`` and never a reserved Windows name; the slug is ASCII letters, digits
    and '-' only (no separators, dots, controls or bidi overrides), at most 40 characters,
    and the whole name is at most 100 bytes.
    """
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError("index must be a non-negative int")
    ext = ext.removeprefix(".")
    if not _EXT.fullmatch(ext):
        raise ValueError("ext must be 1-10 lower-case letters or digits")
    prefix = f"{index:05d}"
    plain = f"{prefix}.{ext}"
    if len(plain) > _MAX_NAME_BYTES:
        raise ValueError("index too large for a file name")
    if label is None:
        return plain
    slug = _slug(label, _MAX_NAME_BYTES - len(plain) - 1)
    name = f"{prefix}-{slug}.{ext}" if slug else plain
    if _is_reserved(name):  # cannot happen with a numeric prefix; kept as a guard
        return plain
    return name


# --------------------------------------------------------------------------- errors


def _os_error(exc: OSError, path: Path, action: str = "write") -> AdvocateError:
    """A one-line user error for an OS failure; the temp file is the caller's to remove."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        hint = "the disk is full; free some space and try again"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "the folder is not writable; choose another output path"
    elif code == errno.ENOENT:
        hint = "the folder does not exist; create it first"
    elif code == errno.ENOTDIR:
        hint = "a part of the path is a file, not a folder"
    elif code == errno.EISDIR:
        hint = "the path is a folder; give a file name"
    else:
        hint = None
    reason = exc.strerror or type(exc).__name__
    return AdvocateError(f"cannot {action}: {reason}", file=str(path), hint=hint)


def _exists_error(path: Path) -> AdvocateError:
    # The location already names the file: "out.pdf: already exists (use --force ...)".
    return AdvocateError("already exists", file=str(path), hint=_FORCE_HINT)


# --------------------------------------------------------------------------- single files


def _fsync_dir(directory: Path) -> None:
    """Make a rename or link durable; best effort (not every platform can open a dir)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(directory: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a fresh ``.advocate-*.part`` file in ``directory`` and fsync it."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=".advocate-", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if mode != 0o600:
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _copy_exclusive(src: Path | str, dest: Path, mode: int) -> None:
    """No-clobber publish where hard links do not exist (FAT/exFAT): not atomic, but never
    overwrites and never follows a symlink planted at ``dest``; a failed copy is removed."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(dest, flags, mode)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            dest.unlink()
        raise


def _publish_new(src: Path | str, dest: Path, mode: int) -> None:
    """Make ``src`` appear at ``dest`` only if ``dest`` does not exist (FileExistsError)."""
    try:
        os.link(src, dest, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        _copy_exclusive(src, dest, mode)


_SPECIAL = ("/dev/", "/proc/", "/sys/")


def _through_special(path: Path) -> bool:
    """Whether ``path``, or a link on the way to what it names, is in /dev, /proc or /sys
    (``/dev/stdout`` -> ``/proc/self/fd/1`` may end at a regular file: still not ours)."""
    where = os.path.abspath(path)
    for _ in range(40):
        if where.startswith(_SPECIAL):
            return True
        if not os.path.islink(where):
            return os.path.realpath(where).startswith(_SPECIAL)
        try:
            where = os.path.join(os.path.dirname(where), os.readlink(where))
        except OSError:
            return False
        where = os.path.abspath(where)
    return True


def check_output_file(path: Path, *, force: bool = False) -> None:
    """Refuse ``path`` as an output file now, before anything is rendered for it: its folder
    missing, a folder or a device in its place, or a file there without ``force``.
    :func:`write_file` checks the same again when it writes."""
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise AdvocateError(
            "folder does not exist", file=str(parent), hint="create it first, or choose another -o"
        )
    if path.is_dir():
        raise AdvocateError("is a folder", file=str(path), hint="give a file name")
    try:
        target = os.stat(path)  # through a link: /dev/stdout is a link to a device
    except OSError:
        target = None
    if _through_special(path) or (target is not None and not stat.S_ISREG(target.st_mode)):
        # With --force, os.replace would turn /dev/null or /dev/stdout into a regular file.
        raise AdvocateError("not a regular file", file=str(path),
                            hint="-o takes a file path, or - for standard output")
    if not force and os.path.lexists(path):
        raise _exists_error(path)


def write_file(path: Path, data: bytes, *, force: bool = False, mode: int = FILE_MODE) -> Path:
    """Write ``data`` to ``path`` atomically; refuse to overwrite unless ``force``.

    Either the whole new file is at ``path`` or ``path`` is exactly as before, and no
    ``.part`` file is left behind. OS failures (missing folder, read-only folder, full disk)
    become one AdvocateError naming the path.
    """
    path = Path(path)
    parent = path.parent
    check_output_file(path, force=force)
    try:
        tmp = _write_temp(parent, data, mode)
    except OSError as exc:
        raise _os_error(exc, path) from None
    try:
        if force:
            os.replace(tmp, path)  # replaces a symlink itself, never what it points to
        else:
            _publish_new(tmp, path, mode)
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError as exc:
        raise _os_error(exc, path) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(parent)
    return path


# --------------------------------------------------------------------------- guards


def _resolve(p: Path) -> Path:
    return Path(os.path.normcase(Path(p).resolve()))


def guard_output(out: Path, *, inputs: Sequence[Path], forbidden_dirs: Sequence[Path] = ()) -> None:
    """Refuse an output path that is an input file or lies inside a forbidden folder.

    Symlinks are resolved on both sides, so ``-o link-to-signers.csv`` is caught too.
    ``forbidden_dirs`` should be the campaign pack and template folders (and the installed
    package data), not the working directory.
    """
    target = _resolve(out)
    for item in inputs:
        same = target == _resolve(item)
        if not same:
            with contextlib.suppress(OSError):
                same = Path(out).exists() and os.path.samefile(out, item)
        if same:
            raise AdvocateError(
                "refusing to overwrite an input file",
                file=str(out),
                hint=f"{item} is read by this command; choose another output path",
            )
    for folder in forbidden_dirs:
        root = _resolve(folder)
        if target == root or target.is_relative_to(root):
            raise AdvocateError(
                "refusing to write into the campaign folder",
                file=str(out),
                hint=f"{folder} holds campaign or template files; choose an output outside it",
            )


# --------------------------------------------------------------------------- batches


# A staged path: '/'-separated components of letters, digits, '.', '_' and '-' (not first),
# none ending in '.', none a name Windows reserves (CON, NUL, COM1... with any extension).
_SAFE_PATH = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]{0,99}/)*[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_UNSAFE_PART = re.compile(
    r"\.(?:/|$)|(?:^|/)(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\.[^/]*)?(?:/|$)", re.IGNORECASE)


def check_relpath(relpath: str) -> tuple[str, ...]:
    """Split a staged path into safe components, or raise AdvocateError (one regular
    expression each way: a batch checks tens of thousands)."""
    if not _SAFE_PATH.fullmatch(relpath) or _UNSAFE_PART.search(relpath):
        # Not echoed: with opt-in labels a path may hold part of a name.
        raise AdvocateError(
            "unsafe output path",
            hint="output paths are relative, '/'-separated, and use only letters, digits,"
            " '.', '_' and '-' (not first)",
        )
    return tuple(relpath.split("/"))
