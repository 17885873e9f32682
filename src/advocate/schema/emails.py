"""Email addresses: the one validator and normaliser, for signers and campaign targets alike.

Reasons given in ``ValueError`` never quote the address, so they can go into messages.
Domains are normalised by IDNA 2008 with UTS 46 mapping, as mail software does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["email_key", "normalise_email", "normalised_key"]

# RFC 5322 atext; non-ASCII is allowed too (RFC 6531 internationalised local parts).
_ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"
)
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


_PLAIN_ASCII = re.compile(r"[!-~]+")
_LOCAL_ASCII = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")


def _split_email(s: str) -> tuple[str, str]:
    """Validate and normalise an address without length limits; reasons never quote it."""
    if not isinstance(s, str):
        raise TypeError("email must be a str")
    s = unicodedata.normalize("NFC", s).strip()
    if not s:
        raise ValueError("empty")
    # Printable ASCII without spaces has none of the characters refused: skip the look.
    if not _PLAIN_ASCII.fullmatch(s):
        _refuse_characters(s)
    at = s.count("@")
    if at == 0:
        raise ValueError("no @")
    if at > 1:
        raise ValueError("more than one @")
    local, domain = s.split("@")
    if not local:
        raise ValueError("nothing before the @")
    if not domain:
        raise ValueError("nothing after the @")
    _check_local(local)
    return local, _checked_domain(domain)


def _refuse_characters(s: str) -> None:
    """Spaces, control, invisible and unassigned characters, anywhere in the address."""
    for ch in s:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat in ("Zl", "Zp"):
            raise ValueError("contains a space")
        if cat == "Cc":
            raise ValueError("contains a control character")
        if cat == "Cf":
            raise ValueError("contains an invisible character")
        if cat in ("Cs", "Co", "Cn"):
            raise ValueError("contains an invalid character")


def _check_local(local: str) -> None:
    """The part before the @: dots only between characters, atext or non-ASCII."""
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError("misplaced dot before the @")
    if not _LOCAL_ASCII.fullmatch(local) and any(
        ch.isascii() and ch not in _ATEXT and ch != "." for ch in local
    ):
        raise ValueError("character not allowed before the @")


def _checked_domain(domain: str) -> str:
    """The part after the @ in lower-case ASCII (A-labels), checked label by label."""
    if domain.endswith("."):
        raise ValueError("domain ends with a dot")
    # An ASCII name needs only lower-casing (what the codec does to it; the label checks
    # below are the same either way).
    ascii_domain = domain.lower() if domain.isascii() else _idna(domain)
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        raise ValueError("domain has no dot")
    if not all(_LDH_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise ValueError("invalid domain")
    return ascii_domain


@lru_cache(maxsize=4096)
def _idna(domain: str) -> str:
    """The domain in lower-case ASCII (A-labels), by IDNA 2008 and UTS 46: 'bücher.example'
    becomes 'xn--bcher-kva.example', and 'straße.de' stays a different domain from
    'strasse.de' (the stdlib's IDNA 2003 codec would map 'ß' to 'ss'). The idna package
    loads on the first such domain: most lists and every campaign have none (2 ms)."""
    import idna

    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValueError("invalid domain") from None


# The shape of almost every address in a real list: plain ASCII, dots only between atoms,
# LDH labels. For these the checks of _split_email all pass and the result is known, so
# normalise_email takes it without the long way (tests check both ways agree).
_COMMON = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
)


def normalise_email(s: str) -> str:
    """The address to store and use: NFC, trimmed, IDNA lower-case domain, local part as typed.

    No provider rewriting (Gmail dots, ``+tag``): those are different addresses. Raises
    ValueError whose text is a reason ("more than one @") containing no part of the address.
    """
    common = _COMMON.fullmatch(s) if isinstance(s, str) else None
    if common is not None and len(s) <= 254 and len(common.group(1)) <= 64:
        domain = common.group(2)
        if not domain.rpartition(".")[2].isdigit():
            return f"{common.group(1)}@{domain.lower()}"
    local, domain = _split_email(s)
    if len(local.encode("utf-8")) > 64:
        raise ValueError("the part before the @ is too long")
    if len(domain) > 253:
        raise ValueError("domain too long")
    address = f"{local}@{domain}"
    if len(address.encode("utf-8")) > 254:
        raise ValueError("address too long")
    return address


def email_key(s: str) -> str:
    """Comparison key for duplicates: the casefolded normalised address (idempotent).

    Casefolding can produce text that is not NFC, and the reverse; iterating to a fixed point
    makes ``email_key(email_key(x)) == email_key(x)``. Length limits are not re-checked so a key
    that grew by casefolding (``ŉ`` → ``ʼn``) is still a key.
    """
    local, domain = _split_email(s)
    return normalised_key(f"{local}@{domain}")


def normalised_key(address: str) -> str:
    """:func:`email_key` of an address :func:`normalise_email` returned, without re-checking."""
    key = address
    if key.isascii():
        return key.lower()
    for _ in range(8):
        nxt = unicodedata.normalize("NFC", key.casefold())
        if nxt == key:
            break
        key = nxt
    return key
