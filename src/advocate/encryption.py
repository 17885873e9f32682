"""Signer lists encrypted at rest with age (``signers.csv.age``), decrypted in memory only.

Organisers keep their lists encrypted, so that a copied folder or a seized laptop gives
nothing away. ``--signers list.csv.age`` (any text format advocate reads, plus ``.age``) is
read whole into memory, decrypted there by pyrage (the Rust age library), and parsed from
memory: no plaintext is written anywhere, temporary files included. The key is a passphrase
(asked for on the terminal, or read from ``--passphrase-file FILE`` or ``--passphrase-fd N``
for scripts) or an age identity file (``--identity FILE``: ``AGE-SECRET-KEY-1…`` lines, as
``age-keygen`` writes them, or an OpenSSH private key).

The key is never recorded: a shard's manifest names the encrypted file and its options,
and ``advocate merge`` asks for the key again. A spreadsheet (``.xlsx.age``) is decrypted
the same way and handed to the spreadsheet reader through a pipe
(:func:`advocate.signers.spreadsheet.sheet_table` with ``data``): never a file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from advocate.errors import AdvocateError

__all__ = ["SUFFIX", "AgeKey", "decrypt_list", "is_encrypted", "keys", "passphrase_in",
           "plain_name", "recipients"]

SUFFIX = ".age"
_MAX_SECRET_BYTES = 64 * 1024  # a passphrase or identity file larger than this is not one
# age adds a header (well under 64 KiB) and 16 bytes per 64 KiB chunk to the plaintext
_OVERHEAD = 64 * 1024
_HINT = ("give --passphrase-file FILE, --passphrase-fd N or --identity FILE, or run it on a "
         "terminal to be asked for the passphrase")


@dataclass(frozen=True)
class AgeKey:
    """What decrypts a list: a passphrase, or identities (never shown in a repr)."""

    passphrase: str | None = field(default=None, repr=False)
    identity_files: tuple[Path, ...] = ()

    @classmethod
    def from_options(cls, *, passphrase_file: Path | None = None,
                     passphrase_fd: int | None = None,
                     identity: Path | None = None) -> AgeKey | None:
        """The key the command line names (None: none named, ask on the terminal)."""
        given = [o for o in (passphrase_file, passphrase_fd, identity) if o is not None]
        if len(given) > 1:
            raise AdvocateError("give one of --passphrase-file, --passphrase-fd and --identity",
                                hint="a list is encrypted either to a passphrase or to a key")
        if passphrase_file is not None:
            return cls(passphrase=_first_line(_read_secret_file(passphrase_file),
                                              str(passphrase_file)))
        if passphrase_fd is not None:
            return cls(passphrase=_first_line(_read_fd(passphrase_fd),
                                              f"--passphrase-fd {passphrase_fd}"))
        if identity is not None:
            return cls(identity_files=(identity,))
        return None


def _read_secret_file(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise AdvocateError(f"cannot read: {exc.strerror or 'error'}", file=str(path)) from None
    with os.fdopen(descriptor, "rb") as handle:
        import stat

        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise AdvocateError("not a regular file", file=str(path),
                                hint="name the file that holds the passphrase or key")
        data = handle.read(_MAX_SECRET_BYTES + 1)
    if len(data) > _MAX_SECRET_BYTES:
        raise AdvocateError("too large for a passphrase or key file", file=str(path))
    return data


def _read_fd(number: int) -> bytes:
    chunks, size = [], 0
    try:
        while block := os.read(number, 4096):
            chunks.append(block)
            size += len(block)
            if size > _MAX_SECRET_BYTES:
                raise AdvocateError(f"--passphrase-fd {number}: more than a passphrase",
                                    hint="write the passphrase alone, then close the pipe")
    except OSError as exc:
        raise AdvocateError(f"--passphrase-fd {number}: cannot read: "
                            f"{exc.strerror or 'error'}",
                            hint="open the descriptor for advocate, e.g. 3<passphrase.txt") \
            from None
    return b"".join(chunks)


def passphrase_in(path: Path) -> str:
    """The first line of a passphrase file (``--encrypt-passphrase-file``)."""
    return _first_line(_read_secret_file(path), str(path))


def _first_line(data: bytes, where: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise AdvocateError("the passphrase is not UTF-8 text", file=where) from None
    line = text.split("\n", 1)[0].removesuffix("\r")
    if not line:
        raise AdvocateError("no passphrase (the first line is empty)", file=where)
    return line


def is_encrypted(path: Path | str) -> bool:
    return str(path).casefold().endswith(SUFFIX)


def plain_name(path: Path | str) -> str:
    """``signers.csv.age`` -> ``signers.csv`` (the format comes from the inner suffix)."""
    return str(path)[: -len(SUFFIX)]


def on_terminal() -> bool:
    """Whether a passphrase can be asked for (standard input is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


#: How the CLI supplies a key: given on the command line, else asked for on the terminal.
_KEYS: ContextVar[Callable[[str], AgeKey | None] | None] = ContextVar("age_keys", default=None)


@contextmanager
def keys(key: AgeKey | None, *, ask: bool = True) -> Iterator[None]:
    """Within the block, encrypted lists are decrypted with ``key``, or with a passphrase
    asked for on the terminal (when ``ask``, and standard input is one) if it is None."""
    def provide(filename: str) -> AgeKey | None:
        if key is not None:
            return key
        if ask and on_terminal():
            import getpass

            return AgeKey(passphrase=getpass.getpass(f"Passphrase for {filename}: "))
        return None

    token = _KEYS.set(provide)
    try:
        yield
    finally:
        _KEYS.reset(token)


def _identities(key: AgeKey) -> list[object]:
    import pyrage

    found: list[object] = []
    for path in key.identity_files:
        data = _read_secret_file(path)
        if data.lstrip().startswith(b"-----BEGIN"):
            try:
                found.append(pyrage.ssh.Identity.from_buffer(data))
            except (pyrage.IdentityError, ValueError):
                raise AdvocateError("not an SSH private key advocate can use (an encrypted "
                                    "one cannot be)", file=str(path)) from None
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except (pyrage.IdentityError, ValueError):
                raise AdvocateError("not an age identity", file=str(path), line=number,
                                    hint="an identity file holds AGE-SECRET-KEY-1… lines, "
                                    "as age-keygen writes them") from None
        if not found:
            raise AdvocateError("no identity in this file", file=str(path))
    return found


def decrypt_list(path: Path, filename: str, max_bytes: int) -> bytes:
    """The plaintext of an age-encrypted list, in memory (never on disk)."""
    import pyrage

    provide = _KEYS.get()
    key = provide(filename) if provide is not None else None
    if key is None:
        raise AdvocateError("an encrypted signer list, and no key to decrypt it",
                            file=filename, hint=_HINT)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes + _OVERHEAD:
                raise AdvocateError("file too large", file=filename,
                                    hint=f"{size:,} bytes; the limit is {max_bytes:,}; raise "
                                    "it with --max-signers-size")
            sealed = handle.read(max_bytes + _OVERHEAD + 1)
    except FileNotFoundError:
        raise AdvocateError("file not found", file=filename) from None
    except IsADirectoryError:
        raise AdvocateError("is a folder, not a signer file", file=filename) from None
    except OSError as exc:
        raise AdvocateError(f"cannot read: {exc.strerror or 'I/O error'}",
                            file=filename) from None
    try:
        if key.passphrase is not None:
            return bytes(pyrage.passphrase.decrypt(sealed, key.passphrase))
        return bytes(pyrage.decrypt(sealed, _identities(key)))  # type: ignore[arg-type]
    except pyrage.DecryptError:
        what = "passphrase" if key.passphrase is not None else "identity"
        raise AdvocateError(f"cannot decrypt: the wrong {what}, or not an age file",
                            file=filename, hint="a list encrypted with `age -p` needs its "
                            "passphrase; one encrypted with `age -r` needs the identity of "
                            "that recipient") from None


_RECIPIENT_HINT = ("give an age public key (age1…, as age-keygen prints it), an SSH public "
                   "key (ssh-ed25519 … or ssh-rsa …), or a file of them, one a line (an "
                   "identity file's AGE-SECRET-KEY-1… lines encrypt to their public keys)")


def _recipient(text: str, where: str, line: int | None = None) -> object:
    import pyrage

    try:
        if text.startswith("age1"):
            return pyrage.x25519.Recipient.from_str(text)
        if text.startswith(("ssh-", "ecdsa-")):
            return pyrage.ssh.Recipient.from_str(text)
        if text.upper().startswith("AGE-SECRET-KEY-1"):
            return pyrage.x25519.Identity.from_str(text).to_public()
    except (pyrage.RecipientError, pyrage.IdentityError, ValueError):
        pass
    # a public key given on the command line is shown; a file's lines never (a secret key?)
    shown = f": {text}" if line is None and len(text) <= 90 and text.isprintable() else ""
    raise AdvocateError(f"not an age recipient{shown}", file=where, line=line,
                        hint=_RECIPIENT_HINT)


def recipients(values: list[str]) -> list[object]:
    """The public keys an archive is encrypted to (``--encrypt-to``, repeatable): each an
    age or SSH public key, or a file of them (``age -R``'s recipients file, or an identity
    file: its keys' public halves). A bad one is an error naming it, before any work."""
    found: list[object] = []
    for value in values:
        text = value.strip()
        if text.upper().startswith("AGE-SECRET-KEY-"):
            raise AdvocateError("a secret key on the command line (other users can see it)",
                                file="--encrypt-to", hint="give its public key (age-keygen -y "
                                "key.txt), or the file that holds it")
        if text.startswith(("age1", "ssh-", "ecdsa-")):
            found.append(_recipient(text, "--encrypt-to"))
            continue
        if not os.path.lexists(value):
            raise AdvocateError("no such file, and not an age public key",
                                file=f"--encrypt-to {value[:90]}", hint=_RECIPIENT_HINT)
        data = _read_secret_file(Path(value))
        if data.lstrip().startswith(b"-----BEGIN"):
            raise AdvocateError("an SSH private key: give its public key (KEY.pub)",
                                file=value, hint=_RECIPIENT_HINT)
        before = len(found)
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            line = line.strip()
            if line and not line.startswith("#"):
                found.append(_recipient(line, value, number))
        if len(found) == before:
            raise AdvocateError("no recipient in this file", file=value, hint=_RECIPIENT_HINT)
    if not found:
        raise AdvocateError("no recipient to encrypt to", file="--encrypt-to",
                            hint=_RECIPIENT_HINT)
    return found
