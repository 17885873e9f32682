"""What a merge checks in a shard beyond its own manifest: who each letter goes to.

Shard folders travel through CI runners and other machines, and a shard's manifest is
written by whoever wrote the shard: a file that matches its manifest proves nothing. So
:mod:`advocate.merge` checks what it can against the campaign and signer list it reads again
itself: every ``.eml`` draft is addressed to its target's own address (and from its
signer's), with advocate's headers and nothing else (no ``Cc``, ``Bcc``, ``Reply-To``, no
attachment); every "open in mail" link in ``shard-links.json`` is a ``mailto:`` to the
target's own address carrying only a subject and a body. Every line of a manifest or links
file is read with a length limit, so a line of hundreds of megabytes is refused, not held.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from advocate.errors import AdvocateError

__all__ = ["MAX_LINE_BYTES", "check_draft", "check_mail_link", "read_line"]

#: The longest line of a shard's manifest or links file (a line is one file's entry, or one
#: letter's link of at most MAILTO_MAX characters; the manifest's head lines are short).
MAX_LINE_BYTES = 64 * 1024
#: The headers advocate writes in a letter's draft (render/eml.py), each at most once.
_DRAFT_HEADERS = {"from", "to", "subject", "x-unsent", "x-mozilla-draft-info",
                  "x-uniform-type-identifier", "mime-version", "content-type",
                  "content-transfer-encoding", "x-advocate-reference"}
_FORMS = {"full", "titles", "short", "subject"}
_HINT = "the shard was changed after it was built; build it again from the campaign"


def read_line(handle: BinaryIO, path: Path, hint: str) -> bytes:
    """The next line (b"" at the end), refused when longer than :data:`MAX_LINE_BYTES`: a
    shard file is never read whole into memory, one line included."""
    line = handle.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise AdvocateError(f"a line longer than {MAX_LINE_BYTES:,} bytes", file=str(path),
                            hint=hint)
    return line


def _address(text: str) -> str:
    from advocate.schema.emails import normalise_email

    try:
        return normalise_email(text)
    except ValueError:
        return "\0invalid"  # never equal to a checked address


def _addresses(value: str) -> list[str]:
    from email.utils import getaddresses

    return [_address(addr) if addr else "\0invalid" for _, addr in getaddresses([value])]


def _headers(data: bytes) -> list[tuple[str, str]] | None:
    """A draft's headers as advocate writes them (ASCII, folded lines unfolded), or None."""
    head = data.split(b"\r\n\r\n", 1)[0]
    if len(head) == len(data) or not head.isascii():
        return None
    headers: list[tuple[str, str]] = []
    for line in head.decode("ascii").split("\r\n"):
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + line)
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or "\r" in line or "\n" in line:
            return None
        headers.append((name.lower(), value.strip()))
    return headers


def check_draft(data: bytes, *, to: str | None, sender: str | None, where: Path) -> None:
    """An ``.eml`` draft is addressed to ``to`` alone (none: no To), from ``sender``, with
    advocate's draft headers and nothing else, as plain text. (Read by hand: advocate's
    drafts are plain ASCII headers, and the email package's parser took a second per
    hundred drafts.)"""
    headers = _headers(data)
    if headers is None:
        raise AdvocateError("a draft whose headers cannot be read", file=str(where),
                            hint=_HINT)
    names = [name for name, _ in headers]
    values = dict(headers)
    if any(name not in _DRAFT_HEADERS for name in names) or len(names) != len(set(names)):
        raise AdvocateError("a draft with headers advocate does not write (a Cc, Bcc or "
                            "Reply-To, say, or one given twice)", file=str(where), hint=_HINT)
    recipients = _addresses(values["to"]) if "to" in values else []
    senders = _addresses(values["from"]) if "from" in values else []
    if recipients != ([_address(to)] if to else []):
        raise AdvocateError("a draft addressed to someone other than its target (its To: "
                            "is not the campaign's address for the target)", file=str(where),
                            hint=_HINT)
    if senders != ([_address(sender)] if sender else []):
        raise AdvocateError("a draft from someone other than its signer (its From: is not "
                            "the signer list's address)", file=str(where), hint=_HINT)
    if values.get("content-type", "").split(";")[0].strip().lower() != "text/plain":
        raise AdvocateError("a draft that is not plain text (an attachment, say)",
                            file=str(where), hint=_HINT)


def check_mail_link(value: Any, *, to: str | None, where: Path, letter: str) -> None:
    """An "open in mail" link ``[link, form]`` from a links file: a ``mailto:`` to the
    target's own address (none when it has none) with a subject and a body only, or no
    link at all (``[null, "none"]``)."""
    from advocate.render.eml import MAILTO_MAX, mailto_link

    bad = f"a link for {letter} that is not a mailto: to its target's own address"
    if not isinstance(value, list) or len(value) != 2:
        raise AdvocateError(bad, file=str(where), hint=_HINT)
    link, form = value
    if link is None and form == "none":
        return
    if not isinstance(link, str) or form not in _FORMS or len(link) > MAILTO_MAX:
        raise AdvocateError(bad, file=str(where), hint=_HINT)
    prefix = mailto_link([to] if to else [], "", "")
    rest = link[len(prefix):] if link.startswith(prefix) else None
    if rest is None or rest[:1] not in ("", "?"):
        raise AdvocateError(bad, file=str(where), hint=_HINT)
    fields = [field.partition("=")[0].lower() for field in rest[1:].split("&")] if rest else []
    if any(name not in ("subject", "body") for name in fields) or \
            len(fields) != len(set(fields)) or "#" in link:
        raise AdvocateError(bad + " (it names other recipients or fields)", file=str(where),
                            hint=_HINT)

