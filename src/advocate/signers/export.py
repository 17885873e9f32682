"""Writing a checked signer list back out, so it can go back into a platform.

Two forms: advocate's own CSV (``name,email,city,country,note,public``; every cell quoted
and formula-looking cells neutralised with a leading ``'``, as everywhere advocate writes
CSV) and an OSDI people collection in JSON (``given_name``, ``family_name``,
``email_addresses``, ``postal_addresses``), which Action Network and other OSDI systems
import. By default only the signers who agreed to be named (``public``) are written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Literal

from advocate.signers.rules import KNOWN_COLUMNS, Signer

__all__ = ["ExportFormat", "export_signers", "osdi_person"]

ExportFormat = Literal["csv", "osdi-json"]


def csv_cell(v: str) -> str:
    """Neutralise spreadsheet formulas in a CSV cell advocate writes (OWASP CSV injection).

    A leading ``'`` makes Excel and LibreOffice show the text instead of running it. The
    triggers are ``= + - @``, tab, CR, LF and NUL, plus their full-width forms, which some
    East Asian Excel set-ups accept. Cost: a phone number like ``+44…`` shows a visible ``'``.
    Write with ``csv.writer(f, quoting=csv.QUOTE_ALL)`` as well.
    """
    if v[:1] in ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠"):
        return "'" + v
    return v


def osdi_person(signer: Signer) -> dict[str, object]:
    """One signer as an OSDI person. A name not split in the source is all ``given_name``."""
    person: dict[str, object] = {}
    if signer.given_name or signer.family_name:
        if signer.given_name:
            person["given_name"] = signer.given_name
        if signer.family_name:
            person["family_name"] = signer.family_name
    else:
        person["given_name"] = signer.name
    if signer.email:
        person["email_addresses"] = [{"address": signer.email, "primary": True}]
    address = {k: v for k, v in (("locality", signer.city), ("country", signer.country)) if v}
    if address:
        person["postal_addresses"] = [{**address, "primary": True}]
    if signer.lang:
        person["languages_spoken"] = [signer.lang]
    custom = {"public": "yes" if signer.public else "no"}
    if signer.note:
        custom["note"] = signer.note
    person["custom_fields"] = custom
    return person


def export_signers(
    signers: Iterable[Signer], to: ExportFormat, *, include_all: bool = False
) -> tuple[bytes, int]:
    """The signers (public ones unless ``include_all``) as CSV or OSDI JSON, and their count.

    Iterating ``signers`` may raise AdvocateError at the end (a reader that found problems):
    then nothing is returned, so nothing is written.
    """

    buffer = io.StringIO()
    count = 0
    if to == "csv":
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(KNOWN_COLUMNS)
        for s in signers:
            if not (s.public or include_all):
                continue
            count += 1
            writer.writerow([csv_cell(v or "") for v in (s.name, s.email, s.city, s.country,
                                                         s.note)] + ["yes" if s.public else "no"]
                            + [csv_cell(s.address or ""), s.lang or ""])
    elif to == "osdi-json":
        buffer.write('{"_embedded": {"osdi:people": [')
        for s in signers:
            if not (s.public or include_all):
                continue
            buffer.write(",\n" if count else "\n")
            buffer.write(json.dumps(osdi_person(s), ensure_ascii=False))
            count += 1
        buffer.write(f'\n]}}, "total_records": {count}}}\n')
    else:
        raise ValueError(f"unknown export format: {to}")
    return buffer.getvalue().encode("utf-8"), count
