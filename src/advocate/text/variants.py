"""Letters that are not all alike: which variant of each sentence a letter takes.

Officials' mail filters drop identical letters. A campaign may give variants of its
letters' sentences (``variants:``, :mod:`advocate.schema.variants`); a wording template
prints ``{{ variants.opening }}`` where the campaign's variants of slot ``opening`` go. Each
letter takes one combination, chosen here without randomness, so the same input gives the
same bytes on every machine, in every shard:

* A letter of a signer list (row >= 1) takes combination ``(a * row + b) mod N``, where N
  is the number of combinations the target's letter has and ``a`` (coprime with N) and
  ``b`` come from a hash of the campaign and target ids. So rows 1..N all take different
  combinations: 10,000 letters to one target are all different when N >= 10,000.
* A letter written one at a time (``advocate letter``, the action page: row 0) takes the
  combination of a hash of the writer's name (:func:`name_hash`, which the page's script
  computes too): the same writer gets the same letter, another most likely another one.

A variant is plain text (printed escaped, as a writer's value is), so a letter's stencil
holds each slot as one printed value (:data:`SLOT_MARKS`) and fills it in per letter: the
stencil path stays as fast with variants as without. Stdlib only, so a kept stencil
(:mod:`advocate.render.letter_cache`) chooses without the campaign model.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SLOT_MARKS", "choose", "combinations", "kept_texts", "name_hash"]

#: The character that stands for slot number i in a stencil (Supplementary Private Use
#: Area, in the range a campaign may not use: see advocate.text.stencil.RESERVED).
SLOT_MARKS = tuple(chr(0xF00F0 + i) for i in range(16))  # schema.variants.MAX_SLOTS
_KEY = b"advocate letter variants v1"


def combinations(sizes: Sequence[int]) -> int:
    """How many different letters ``sizes`` (variants per slot used) make."""
    return math.prod(max(1, s) for s in sizes)


def _digest(*parts: str) -> int:
    message = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(message, key=_KEY, digest_size=16).digest(), "big")


def name_hash(campaign_id: str, target_id: str, name: str) -> int:
    """A 32-bit hash of a single letter's writer: FNV-1a over the UTF-8 of campaign, target
    and name (NUL between), then murmur3's finaliser; site.js computes the same, so the
    action page's letter is ``advocate letter``'s for the same name."""
    h = 0x811C9DC5
    for byte in f"{campaign_id}\x00{target_id}\x00{name}".encode("utf-8", "surrogatepass"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


@functools.lru_cache(maxsize=256)
def _walk(campaign_id: str, target_id: str, total: int) -> tuple[int, int]:
    """The step (coprime with ``total``) and start of the rows' walk through the
    combinations of one target's letters."""
    seed = _digest(campaign_id, target_id, "rows")
    step = (seed >> 64) % total or 1
    while math.gcd(step, total) != 1:
        step = step % (total - 1) + 1
    return step, seed % total


def choose(sizes: Sequence[int], campaign_id: str, target_id: str, row: int | None,
           name: str | None = None) -> tuple[int, ...]:
    """The variant each slot takes (an index per slot of ``sizes``) in the letter from
    signer ``row`` (None or 0: a single letter, chosen by its writer's ``name``)."""
    total = combinations(sizes)
    if total <= 1:
        return tuple(0 for _ in sizes)
    if row:
        step, start = _walk(campaign_id, target_id, total)
        index = (step * row + start) % total
    else:
        index = name_hash(campaign_id, target_id, name or "") % total
    picks = []
    for size in sizes:
        size = max(1, size)
        picks.append(index % size)
        index //= size
    return tuple(picks)


def kept_texts(data: Any, writer: Mapping[str, Any]) -> list[str]:
    """A single letter's text of every slot, from the variants a kept stencil holds
    (:meth:`advocate.render.variants.LetterVariants.kept`: the campaign and target ids,
    each slot's texts, the numbers of the slots its wording prints) and the writer's
    details; ValueError when ``data`` is not that."""
    if data is None:
        return []
    campaign, target, texts, used = (data["campaign"], data["target"], data["texts"],
                                     data["used"])
    if not (isinstance(campaign, str) and isinstance(target, str) and isinstance(texts, list)
            and all(isinstance(t, list) and t and all(isinstance(x, str) for x in t)
                    for t in texts)
            and isinstance(used, list) and all(type(n) is int and 0 <= n < len(texts)
                                               for n in used)):
        raise ValueError("variants")
    name = writer.get("name")
    picks = choose([len(texts[n]) for n in used], campaign, target, None,
                   None if name is None else str(name))
    chosen = [slot[0] for slot in texts]
    for n, pick in zip(used, picks, strict=True):
        chosen[n] = texts[n][pick]
    return chosen
