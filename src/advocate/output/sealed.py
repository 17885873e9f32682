"""A build's output as one encrypted archive (``build --encrypt-to``), for the trip to the
printer or the partner organisation: ``OUT.tar.age``, opened with
``age -d -i key.txt OUT.tar.age | tar x``.

The build is staged where it costs the least: in a private folder (``0700``) on a memory
file system (``$XDG_RUNTIME_DIR`` or ``/dev/shm``, when either is one), so that the letters
in plaintext never reach a disk; where there is none, in the system temp folder, and the
command says so. The folder is removed however the build ends (success, error, Ctrl-C,
SIGTERM, SIGHUP); only SIGKILL leaves it, in memory until the next reboot where it is one.
The archive is a tar written as a stream (never as a plaintext file; whole in memory only
for a passphrase, which pyrage encrypts from memory) straight into pyrage's encryption, into
a ``.advocate-*.part`` file beside ``OUT.tar.age`` that is renamed into place only when
complete. The tar is deterministic: entries sorted, times from ``SOURCE_DATE_EPOCH`` (else
now), owner 0, modes ``0700``/``0600``, no user or group names.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

from advocate.errors import AdvocateError, Problem

__all__ = ["ARCHIVE_SUFFIX", "SealedBuild", "archive_path", "memory_folder", "sealed_build"]

ARCHIVE_SUFFIX = ".tar.age"
STAGING_PREFIX = "advocate-sealed-"
_MEMORY_FILE_SYSTEMS = frozenset({"tmpfs", "ramfs"})


def archive_path(output: Path) -> Path:
    """``-o out`` -> ``out.tar.age``; a name that already ends in ``.tar.age`` stays."""
    output = Path(output)
    if output.name.casefold().endswith(ARCHIVE_SUFFIX):
        return output
    name = Path(os.path.abspath(output)).name
    if not name:
        raise AdvocateError("no name for the archive", file=str(output),
                            hint="give -o a name, e.g. -o out (writes out.tar.age)")
    return output.parent / f"{name}{ARCHIVE_SUFFIX}"


def _file_system(folder: str) -> str | None:
    """The type of the file system ``folder`` is on (Linux: /proc/self/mountinfo)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            lines = mounts.read().splitlines()
    except OSError:
        return None
    best, kind = "", None
    real = os.path.realpath(folder)
    for line in lines:
        fields = line.split(" - ", 1)
        parts = fields[0].split()
        if len(fields) != 2 or len(parts) < 5:
            continue
        point = parts[4].replace("\\040", " ")
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fields[1].split()[0]
    return kind


def memory_folder() -> str | None:
    """A folder of this user's on a memory file system, or None: ``$XDG_RUNTIME_DIR`` (the
    user's own, ``0700``), then ``/dev/shm`` (shared, sticky: the folder made in it is
    ``0700``)."""
    for folder in (os.environ.get("XDG_RUNTIME_DIR", ""), "/dev/shm"):
        if not folder or not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            continue
        if _file_system(folder) in _MEMORY_FILE_SYSTEMS:
            return folder
    return None


class _TarStream:
    """A deterministic tar of ``root`` as ``top/...``, made as it is read (``read(n)``, as
    pyrage asks for it): at most one file's bytes are held at a time."""

    def __init__(self, root: Path, top: str, mtime: int) -> None:
        self._root, self._top, self._mtime = root, top, mtime
        self._pending = bytearray()
        self.failure: BaseException | None = None
        self._entries = self._walk()
        self._tar: tarfile.TarFile | None = tarfile.open(  # noqa: SIM115 - closed by read()
            fileobj=self, mode="w|", format=tarfile.GNU_FORMAT)  # type: ignore[call-overload]

    def write(self, data: bytes) -> int:  # tarfile writes here
        self._pending += data
        return len(data)

    def _walk(self, folder: Path | None = None, name: str | None = None
              ) -> Iterator[tuple[str, Path | None]]:
        """Each folder, then its entries sorted by name, a folder's own entries in its place
        (as ``tar --sort=name``)."""
        folder, name = folder or self._root, name or self._top
        yield name, None
        with os.scandir(folder) as entries:
            found = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries)
        for entry, is_dir in found:
            if is_dir:
                yield from self._walk(folder / entry, f"{name}/{entry}")
            else:
                yield f"{name}/{entry}", folder / entry

    def _add(self, name: str, path: Path | None) -> None:
        assert self._tar is not None
        info = tarfile.TarInfo(name)
        info.mtime, info.uid, info.gid, info.uname, info.gname = self._mtime, 0, 0, "", ""
        if path is None:
            info.type, info.mode = tarfile.DIRTYPE, 0o700
            self._tar.addfile(info)
            return
        try:  # the build's own staging: regular files only, never through a link
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            fd = -1
        if fd < 0 or not stat.S_ISREG(os.fstat(fd).st_mode):
            if fd >= 0:
                os.close(fd)
            raise AdvocateError("the build wrote something that is not a file",
                                hint="this is a bug in advocate; please report it")
        with os.fdopen(fd, "rb") as handle:
            info.size, info.mode = os.fstat(fd).st_size, 0o600
            self._tar.addfile(info, handle)

    def read(self, size: int = -1) -> bytes:
        try:
            while self._tar is not None and (size < 0 or len(self._pending) < size):
                entry = next(self._entries, None)
                if entry is None:
                    self._tar.close()  # the end blocks, padded to a whole record
                    self._tar = None
                else:
                    self._add(*entry)
        except BaseException as exc:  # pyrage turns it into an I/O error: kept to re-raise
            self.failure = exc
            raise
        size = len(self._pending) if size < 0 else size
        chunk = bytes(self._pending[:size])
        del self._pending[:size]
        return chunk


class SealedBuild:
    """The place a build writes to (:attr:`folder`, private and in memory where it can be),
    sealed into ``archive``, encrypted to ``recipients``, when the block ends normally (or
    by :meth:`seal`). Leaving the block removes the folder, whatever happened.

    ``notices`` says where the plaintext was staged when it could not be in memory."""

    def __init__(self, archive: Path, recipients: Sequence[object], *, force: bool = False,
                 inputs: Sequence[Path] = (), passphrase: str | None = None) -> None:
        from advocate.output.files import check_output_file, guard_output

        self.archive = Path(archive)
        if not self.archive.name.casefold().endswith(ARCHIVE_SUFFIX):
            raise AdvocateError(f"an encrypted archive's name ends in {ARCHIVE_SUFFIX}",
                                file=str(archive))
        check_output_file(self.archive, force=force)
        guard_output(self.archive, inputs=inputs)
        self.recipients, self.force = list(recipients), force
        self._passphrase = passphrase  # instead of recipients: age's scrypt, alone
        if (passphrase is None) == (not self.recipients):
            raise AdvocateError("an archive is encrypted to public keys or to a passphrase",
                                hint="give --encrypt-to or --encrypt-passphrase-file, not both")
        self.notices: list[Problem] = []
        self._staging: str | None = None
        self.folder = Path()
        self.sealed = False

    def __enter__(self) -> SealedBuild:
        root = memory_folder()
        if root is None:
            root = tempfile.gettempdir()
            self.notices.append(Problem(
                "no memory file system here: the build is staged in plaintext on disk, in a "
                f"private folder ({STAGING_PREFIX}…) of {root}, removed when it ends",
                str(self.archive), hint="on Linux, /dev/shm or $XDG_RUNTIME_DIR keeps it in "
                "memory", severity="warning"))
        self._staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root)  # 0700
        self.folder = Path(self._staging) / self.archive.name[: -len(ARCHIVE_SUFFIX)]
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Sealed if the block ended normally; the staging folder removed in every case."""
        try:
            if kind is None and self._staging is not None and not self.sealed:
                self.seal()
        finally:
            if self._staging is not None:
                import shutil

                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging = None

    def __str__(self) -> str:
        return f"{self.archive} (encrypted)"

    def seal(self) -> Path:
        """The folder, as a tar encrypted to the recipients, written to ``archive`` whole or
        not at all (through a ``.advocate-*.part`` file beside it)."""
        import pyrage

        from advocate.clock import epoch_seconds
        from advocate.output.files import _exists_error, _fsync_dir, _os_error, _publish_new

        mtime = epoch_seconds()
        stream = _TarStream(self.folder, self.folder.name,
                            int(time.time()) if mtime is None else mtime)
        parent = self.archive.parent
        try:
            fd, name = tempfile.mkstemp(dir=parent, prefix=".advocate-", suffix=".part")
        except OSError as exc:
            raise _os_error(exc, self.archive) from None
        part = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                try:
                    if self._passphrase is not None:  # pyrage has no stream for it: in memory
                        handle.write(pyrage.passphrase.encrypt(stream.read(), self._passphrase))
                    else:
                        pyrage.encrypt_io(stream, handle, self.recipients)  # type: ignore[arg-type]
                except BaseException:
                    if stream.failure is not None:  # Ctrl-C, a signal, a bug: as it was
                        raise stream.failure from None
                    raise
                handle.flush()
                os.fsync(handle.fileno())
            if self.force:
                os.replace(part, self.archive)
            else:
                _publish_new(part, self.archive, 0o600)
        except FileExistsError:
            raise _exists_error(self.archive) from None
        except pyrage.EncryptError:
            raise AdvocateError("cannot encrypt to these recipients", file=str(self.archive),
                                hint="check the keys given to --encrypt-to") from None
        except OSError as exc:
            raise _os_error(exc, self.archive) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        _fsync_dir(parent)
        self.sealed = True
        return self.archive


def sealed_build(output: Path, encrypt_to: Sequence[str] | None, *, force: bool,
                 inputs: Sequence[Path], refuse: dict[str, object],
                 passphrase_file: Path | None = None) -> SealedBuild | None:
    """``build -o OUTPUT --encrypt-to ...`` (or ``--encrypt-passphrase-file FILE``): its
    archive's staging, every recipient checked before any work (None without either).
    ``refuse`` names the options given that an archive cannot honour (``--watch``,
    ``--dry-run``, ``--shard``)."""
    if not encrypt_to and passphrase_file is None:
        return None
    option = "--encrypt-to" if encrypt_to else "--encrypt-passphrase-file"
    for name, given in refuse.items():
        if given:
            raise AdvocateError(f"{option} cannot be combined with {name}",
                                hint="build once, then encrypt that build")
    from advocate.encryption import passphrase_in, recipients

    if encrypt_to and passphrase_file is not None:
        raise AdvocateError("give --encrypt-to or --encrypt-passphrase-file, not both",
                            hint="age encrypts to a passphrase alone, or to public keys")
    return SealedBuild(archive_path(output), recipients(list(encrypt_to)) if encrypt_to else [],
                       force=force, inputs=inputs, passphrase=passphrase_in(passphrase_file)
                       if passphrase_file is not None else None)
