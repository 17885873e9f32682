"""Batches written whole or not at all: a hidden staging folder inside the output folder,
filled by this process and by batch workers, published only when every item succeeded (the
single-file rules are :mod:`advocate.output.files`')."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from advocate.errors import AdvocateError, Problem
from advocate.output.dead_staging import OWNER_FILE, STAGING_PREFIX, remove_dead_staging
from advocate.output.files import (
    _FORCE_HINT,
    _NO_LINK,
    FILE_MODE,
    _exists_error,
    _fsync_dir,
    _os_error,
    _publish_new,
    check_relpath,
)

__all__ = ["STAGING_PREFIX", "StagedOutput", "open_staged", "remove_dead_staging",
           "write_staged"]

_STAGED_DIRS: set[str] = set()  # folders below staging folders known to exist


def _create_staged(staging: Path | str, relpath: str, mode: int,
                   parts: tuple[str, ...] | None = None) -> tuple[int, str]:
    """A new file below a staging folder, open for writing: safe path, never over anything,
    no links. Its descriptor and path. ``parts``: ``check_relpath(relpath)``, if made."""
    staged = os.path.join(os.fspath(staging), *(parts or check_relpath(relpath)))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    parent = os.path.dirname(staged)
    if parent not in _STAGED_DIRS:
        os.makedirs(parent, exist_ok=True)
        _STAGED_DIRS.add(parent)
    try:
        fd = os.open(staged, flags, mode)
    except FileNotFoundError:  # a staging folder of the same name, gone: start again
        _STAGED_DIRS.discard(parent)
        os.makedirs(parent, exist_ok=True)
        fd = os.open(staged, flags, mode)
    return fd, staged


def open_staged(staging: Path | str, relpath: str, mode: int = FILE_MODE) -> BinaryIO:
    """A new file below a staging folder, opened for buffered writing (a manifest written as
    its files come), with the same checks as :func:`write_staged`."""
    fd, _ = _create_staged(staging, relpath, mode)
    return os.fdopen(fd, "wb", buffering=1 << 16)


def write_staged(staging: Path | str, relpath: str, data: bytes, mode: int = FILE_MODE,
                 parts: tuple[str, ...] | None = None) -> str:
    """Write one new file below a staging folder: safe path, never over anything, no links.

    Used by :class:`StagedOutput` and by batch workers writing into its staging folder (the
    bytes then never travel back to the parent). Synced to disk later, once, on commit.
    ``parts``: the path checked already (``check_relpath(relpath)``)."""
    fd, staged = _create_staged(staging, relpath, mode, parts)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return staged


def _count_files(folder: Path | str) -> tuple[int, bool]:
    """The files below ``folder``, and whether no folder in it is a link: counted, not
    listed (a folder of a million letters)."""
    found, plain = 0, True
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                more, inner = _count_files(entry.path)
                found, plain = found + more, plain and inner
            elif entry.is_symlink() and os.path.isdir(entry.path):
                plain = False
            else:
                found += 1
    return found, plain


def _folded(relpath: str) -> str:
    """The case-folded name, the same string object when it is one already (memory)."""
    key = relpath.casefold()
    return relpath if key == relpath else key


@dataclass
class _Publishing:
    """A commit under way: what it has done (undone on failure) and where it is."""

    outroot: Path  # the output folder's real path: nothing is published outside it
    backups: Path  # where replaced files wait until the end
    dest: Path  # the file or folder being published (named if that fails)
    done: list[tuple[Path, Path | None]] = field(default_factory=list)  # (dest, backup)
    moved: list[tuple[Path, Path]] = field(default_factory=list)  # (dest, staged) folders
    published: list[str] = field(default_factory=list)  # relpaths
    ready: set[Path] = field(default_factory=set)  # folders checked and made


class StagedOutput:
    """Publish a batch of files into ``outdir`` all together, or not at all.

    Usage::

        with StagedOutput(out, force=args.force) as stage:
            stage.planned(every_relpath)          # refuse existing files before rendering
            for rel, data in render_everything():
                stage.add(rel, data)
        print(stage.published)

    Files are written (mode 0o600) into ``outdir/.advocate-staging-XXXX/`` and synced to
    disk once, before publishing. On a normal exit, a folder that does not exist in
    ``outdir`` yet and holds exactly the staged files is published whole, with one rename
    (``letters/`` on a first build); other files are published one by one (``os.link``, or
    ``os.replace`` with ``force``). If publishing fails halfway, the files already published
    are removed, the ones they replaced are restored from hard-link backups, renamed folders
    go back, and folders this run created are removed. On an exception in the block nothing
    is published. Either way the staging folder is removed.

    Limits: publishing can be many renames, not one, so another process listing ``outdir`` at
    that moment can see part of the batch; a power cut or SIGKILL while publishing can leave part
    of it published and a ``.advocate-staging-*`` folder behind (safe to delete); and a
    rollback that itself fails (e.g. the disk vanished) is reported, not repaired.
    """

    def __init__(self, outdir: Path, *, force: bool = False, mode: int = FILE_MODE) -> None:
        self.outdir = Path(outdir)
        self.force = force
        self.mode = mode
        self._published: list[str] = []  # relpaths, sorted (see published)
        self._staging: Path | None = None
        # Relpaths staged (the file is os.path.join(staging, relpath)): a set of strings,
        # shared with _names where the name is already in lower case, as a build of a
        # million letters holds millions of them.
        self._files: set[str] = set()
        self._names: set[str] = set()  # casefolded relpaths (macOS/Windows ignore case)
        self._dirs: set[str] = set()  # casefolded folder prefixes
        self._created: list[Path] = []  # folders this run created, parents first
        self._lock = threading.Lock()
        # casefolded relpath -> relpath, checked by planned(); files staged later keep
        # these strings, not a second copy of each
        self._planned: dict[str, str] = {}
        # casefolded folders that did not exist when planned(): their files need no check
        # one by one (publishing refuses any that appeared since), nor a name kept each
        self._fresh: set[str] = set()
        self._known_dirs: set[str] = set()  # casefolded folders whose prefixes are in _dirs
        #: Warnings for the user (a dead build's staging folder removed).
        self.notes: list[Problem] = []
        self._stale: set[str] = set()  # files of an earlier build to remove on commit
        #: Files of an earlier build removed on commit (see :meth:`replace`).
        self.removed: list[Path] = []
        self._fd: int | None = None
        self._base = self.outdir  # the open output folder, from __enter__ on

    # -- life cycle

    def __enter__(self) -> StagedOutput:
        try:
            self._make_dirs(self.outdir)
        except BaseException:
            self._remove_created_dirs()  # __exit__ does not run when __enter__ fails
            raise
        try:
            self._open_base()
        except OSError as exc:
            self._remove_created_dirs()
            raise _os_error(exc, self.outdir, "open the output folder") from None
        self.notes = [Problem("removed the staging folder of an interrupted build",
                              str(self.shown(folder)), hint="it held no published file",
                              severity="warning")
                      for folder in remove_dead_staging(self._base)]
        try:
            self._staging = Path(tempfile.mkdtemp(dir=self._base, prefix=STAGING_PREFIX))
            # Who owns it: a later build removes it if this process died without cleaning up.
            with open(self._staging / OWNER_FILE, "x", encoding="ascii") as owner:
                owner.write(f"{os.getpid()}\n")
        except OSError as exc:
            if self._staging is not None:
                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging = None
            self._remove_created_dirs()
            self._close_base()
            raise _os_error(exc, self.outdir, "create the staging folder") from None
        return self

    def _open_base(self) -> None:
        """Resolve the output folder once: everything after goes through an open handle on
        it, so swapping the folder for a symlink mid-build cannot send the letters (staged
        or published) anywhere else. On Linux the handle's /proc path stands for it (worker
        processes can use it too); elsewhere its real path, resolved now."""
        self._fd = os.open(self.outdir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        handle = Path(f"/proc/{os.getpid()}/fd/{self._fd}")
        self._base = handle if handle.is_dir() else Path(os.path.realpath(self.outdir))

    def _close_base(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def shown(self, path: Path | str) -> Path:
        """A path below the output folder as the user named it (for messages)."""
        text, base = str(path), str(self._base)
        if text == base or text.startswith(base + os.sep):
            return self.outdir / os.path.relpath(text, base)
        return Path(text)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        published = False
        try:
            if exc_type is None:
                self._commit()
                published = True
        finally:
            if self._staging is not None:
                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging = None
            if not published:
                self._remove_created_dirs()  # after the staging folder is gone
            self._close_base()

    @property
    def published(self) -> list[Path]:
        """The files published, once the batch is (made on each call from their names)."""
        return [self.outdir / rel for rel in self._published]

    # -- public API

    def planned(self, relpaths: Iterable[str]) -> None:
        """Pre-flight: validate every path and refuse, in one error, all that would clobber."""
        problems: list[Problem] = []
        seen: set[str] = set()
        kept: dict[str, str] = {}  # those in folders that exist (others need no check later)
        parents: dict[str, bool] = {}  # folder -> whether it exists (then files may too)
        existing: list[Path] = []
        for rel in relpaths:
            check_relpath(rel)
            key = _folded(rel)
            if key in seen:
                problems.append(Problem("two outputs would have the same file name",
                                        str(self.outdir / rel),
                                        hint="file names differ only in letter case, or repeat"))
            seen.add(key)
            folder = rel.rpartition("/")[0]
            if folder not in parents:
                parents[folder] = self._planned_folder(folder, problems)
            if not parents[folder]:
                continue  # a folder still to be made holds nothing to clobber
            if not self.force:
                kept[key] = rel
            dest = self.outdir / rel
            if os.path.lexists(dest):
                if dest.is_dir() and not dest.is_symlink():
                    problems.append(Problem("is a folder", str(dest), hint="remove it"))
                elif not self.force:
                    existing.append(dest)
        if len(existing) == 1:
            problems.append(Problem("already exists", str(existing[0]), hint=_FORCE_HINT))
        elif existing:  # a rebuild: one line with a count, not one per file
            problems.append(Problem(f"{len(existing):,} files from an earlier build already "
                                    "exist", str(self.outdir), hint=_FORCE_HINT + " them"))
        if problems:
            raise AdvocateError(problems=problems)
        self._planned.update(kept)

    def _planned_folder(self, folder: str, problems: list[Problem]) -> bool:
        """Whether a planned file's folder exists (a new one is noted as fresh); a file
        where a folder on its way should be is a problem."""
        parent = self.outdir / folder
        while parent != self.outdir and not os.path.lexists(parent):
            parent = parent.parent
        if os.path.lexists(parent) and not parent.is_dir():
            problems.append(Problem("not a folder", str(parent), hint="remove or rename it"))
        if parent != self.outdir / folder:
            self._fresh.add(folder.casefold())
            return False
        return True

    def replace(self, relpaths: Iterable[str]) -> None:
        """With ``force``: the files an earlier build wrote (from its manifest). Those this
        batch does not write again are removed when it is published, and nothing else: a
        rebuild with fewer signers or formats leaves no withdrawn signer's letter behind."""
        if not self.force:
            raise RuntimeError("StagedOutput.replace needs force")
        for rel in relpaths:
            check_relpath(rel)
            self._stale.add(rel)

    @property
    def staging(self) -> Path:
        """The staging folder: worker processes may write files into it with
        :func:`write_staged`, then the owner :meth:`adopt` s them."""
        if self._staging is None:
            raise RuntimeError("StagedOutput.staging outside its with-block")
        return self._staging

    def add(self, relpath: str, data: bytes) -> Path:
        """Stage one file; returns the path it will have in ``outdir`` once published."""
        self.put(relpath, data)
        return self.outdir.joinpath(*relpath.split("/"))

    def put(self, relpath: str, data: bytes) -> None:
        """Stage one file (:meth:`add` without the path: a build's thousands of letters)."""
        staged, parts = self._reserve(relpath)
        try:
            write_staged(self.staging, relpath, data, self.mode, parts)
        except OSError as exc:
            raise _os_error(exc, self.outdir.joinpath(*parts)) from None
        with self._lock:
            self._files.add(staged)

    def adopt(self, relpath: str) -> None:
        """Take on a file another process wrote into :attr:`staging` (same checks as add).

        Called once per file of a batch of thousands, so it works on strings and trusts the
        writer: a file that is not there fails the publish (nothing is published then)."""
        staged, _ = self._reserve(relpath)  # the file is os.path.join(staging, relpath)
        with self._lock:
            self._files.add(staged)

    def _reserve(self, relpath: str) -> tuple[str, tuple[str, ...]]:
        """Claim a path: no two outputs with one name, nothing existing without force.
        Returns ``relpath`` (the string planned() was given for it, if it is the same) and
        its checked parts."""
        parts = check_relpath(relpath)
        if self._staging is None:
            raise RuntimeError("StagedOutput used outside its with-block")
        with self._lock:
            key = relpath.casefold()
            planned = self._planned.get(key)
            if planned == relpath:
                relpath = planned  # one string kept for both, not two
            if key == relpath:
                key = relpath
            folder = key.rpartition("/")[0]
            if folder in self._known_dirs:
                prefixes: set[str] = set()
                clash = key in self._names or key in self._dirs
            else:
                prefixes = {"/".join(parts[:i]).casefold() for i in range(1, len(parts))}
                clash = key in self._names or key in self._dirs or bool(prefixes & self._names)
            if clash:
                raise AdvocateError(
                    "two outputs would have the same file name",
                    file=str(self.outdir.joinpath(*parts)),
                    hint="file names differ only in letter case, or repeat",
                )
            # Planned paths were checked before rendering began; others fail fast here.
            if not self.force and key not in self._planned and folder not in self._fresh:
                dest = self.outdir.joinpath(*parts)
                if os.path.lexists(dest):
                    raise _exists_error(dest)
            self._names.add(key)
            if prefixes:
                self._dirs |= prefixes
                self._known_dirs.add(folder)
        return relpath, parts

    # -- internals

    def _make_dirs(self, directory: Path) -> None:
        """mkdir -p, remembering which folders we created so a rollback can remove them."""
        missing: list[Path] = []
        probe = directory
        while not os.path.lexists(probe):
            missing.append(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
        if os.path.lexists(probe) and not probe.is_dir():
            raise AdvocateError("not a folder", file=str(probe), hint="choose another output path")
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except FileExistsError:
                continue  # created meanwhile by someone else: not ours to remove
            except OSError as exc:
                raise _os_error(exc, folder, "create the folder") from None
            self._created.append(folder)

    def _remove_created_dirs(self) -> None:
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: never removes anyone else's files
        self._created.clear()

    def _whole_folders(self) -> dict[str, list[str]]:
        """Staged folders that can be published whole, with one rename: their place in
        ``outdir`` is free and they hold exactly the files staged (nothing else)."""
        missing: dict[str, bool] = {}
        groups: dict[str, list[str]] = {}
        for rel in self._files:
            parts = rel.split("/")
            for depth in range(1, len(parts)):
                prefix = "/".join(parts[:depth])
                if prefix not in missing:
                    missing[prefix] = not os.path.lexists(self._base / prefix)
                if missing[prefix]:
                    groups.setdefault(prefix, []).append(rel)
                    break
        assert self._staging is not None
        whole: dict[str, list[str]] = {}
        for folder, rels in groups.items():
            found, plain = _count_files(self._staging / folder)
            if plain and found == len(rels):
                whole[folder] = rels
        return whole

    def _check_place(self, folder: Path, outroot: Path, named: Path) -> None:
        """Refuse a destination folder whose nearest existing ancestor leads out of outdir
        (the error names ``named``, the file or folder to be published there)."""
        existing = folder
        while not os.path.lexists(existing) and existing != self._base:
            existing = existing.parent
        if not existing.resolve().is_relative_to(outroot):
            raise AdvocateError(
                "refusing to write outside the output folder",
                file=str(self.shown(named)),
                hint="a folder on the way is a symlink that leads elsewhere",
            )

    def _commit(self) -> None:
        assert self._staging is not None
        # One sync for the whole batch instead of an fsync per file (a millisecond each):
        # every staged file is on disk before the first one is published.
        if hasattr(os, "sync"):
            os.sync()
        step = _Publishing(self._base.resolve(), self._staging / ".backup", self._base)
        try:
            whole = self._whole_folders()
            self._publish_files(step, {rel for rels in whole.values() for rel in rels})
            # Folders new to outdir go whole, one rename each, after the single files.
            for folder, rels in sorted(whole.items()):
                step.dest = dest = self._base / folder
                self._check_place(dest.parent, step.outroot, dest)
                self._make_dirs(dest.parent)
                if os.path.lexists(dest):  # appeared since the check
                    raise _exists_error(self.shown(dest))
                os.rename(self._staging / folder, dest)
                step.moved.append((dest, self._staging / folder))
                step.published += rels
            self._remove_stale(step)
            for parent in {self._base, *(d.parent for d, _ in [*step.done, *step.moved])}:
                _fsync_dir(parent)
        except BaseException as exc:
            undone = self._rollback(step.done, step.moved)
            if isinstance(exc, OSError):
                error = _os_error(exc, self.shown(step.dest))
                if not undone:
                    error.problems.append(_rollback_problem(self.outdir))
                raise error from None
            if not undone and isinstance(exc, AdvocateError):
                exc.problems.append(_rollback_problem(self.outdir))
            raise
        step.published.sort()
        self._published = step.published
        self._created.clear()

    def _publish_files(self, step: _Publishing, inside: set[str]) -> None:
        """Each staged file not ``inside`` a folder published whole, put in place."""
        assert self._staging is not None
        for number, rel in enumerate(sorted(self._files)):
            if rel in inside:
                continue
            staged = os.path.join(self._staging, rel)
            step.dest = dest = self._base / rel
            if dest.parent not in step.ready:
                self._check_place(dest.parent, step.outroot, dest)
                self._make_dirs(dest.parent)
                step.ready.add(dest.parent)
            if not os.path.lexists(dest):
                try:
                    _publish_new(staged, dest, self.mode)
                except FileExistsError:
                    raise _exists_error(self.shown(dest)) from None  # appeared since add()
                step.done.append((dest, None))
            else:
                self._replace_file(step, staged, dest, str(number))
            step.published.append(rel)

    def _replace_file(self, step: _Publishing, staged: str, dest: Path, backup: str) -> None:
        """With ``force``: a file over an earlier one, kept as ``backup`` until the end."""
        if not self.force:
            raise _exists_error(self.shown(dest))
        if dest.is_dir() and not dest.is_symlink():
            raise AdvocateError("is a folder", file=str(self.shown(dest)), hint="remove it")
        step.backups.mkdir(exist_ok=True)
        kept = step.backups / backup
        try:
            os.link(dest, kept, follow_symlinks=False)  # old file stays in place
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            os.replace(dest, kept)  # no hard links: move it aside instead
        step.done.append((dest, kept))
        os.replace(staged, dest)

    def _remove_stale(self, step: _Publishing) -> None:
        """Files of the previous build that this one does not write (--force): gone, with a
        backup until the end, so a failure puts them back too."""
        for number, rel in enumerate(sorted(self._stale - self._files)):
            step.dest = dest = self._base / rel
            if not os.path.lexists(dest) or (dest.is_dir() and not dest.is_symlink()):
                continue
            self._check_place(dest.parent, step.outroot, dest)
            step.backups.mkdir(exist_ok=True)
            backup = step.backups / f"stale-{number}"
            os.replace(dest, backup)
            step.done.append((dest, backup))
            self.removed.append(self.shown(dest))

    def _rollback(self, done: list[tuple[Path, Path | None]],
                  moved: Sequence[tuple[Path, Path]] = ()) -> bool:
        """Undo a half-finished publish; True if everything was put back."""
        ok = True
        for dest, backup in reversed(done):
            try:
                if backup is None:
                    dest.unlink()
                else:
                    os.replace(backup, dest)
            except OSError:
                ok = False
        for dest, staged in reversed(moved):
            try:
                os.rename(dest, staged)  # back into the staging folder, removed with it
            except OSError:
                ok = False
        return ok


def _rollback_problem(outdir: Path) -> Problem:
    return Problem("could not undo every file of this run", str(outdir),
                   hint="check the folder before using its contents")
