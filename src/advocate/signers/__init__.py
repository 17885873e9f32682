"""Signer lists: read from where organisers keep them, checked strictly, written back out.

A signer list is personal data of the most sensitive kind (a signature reveals a political
opinion): no message, log or file name ever carries a name, an address or a cell's content,
every problem in a file is reported at once, and nothing is half-read.

Sources, one module each: CSV/TSV (:mod:`~advocate.signers.csvfile`, streamed), YAML
(:mod:`~advocate.signers.yamlfile`), spreadsheets (:mod:`~advocate.signers.spreadsheet`:
.xlsx, .xls, .ods, checked and read in a capped child process). Which column is which:
:mod:`~advocate.signers.columns` (``--columns`` mappings) and
:mod:`~advocate.signers.layouts` (platform exports recognised by their headers). The rules
every row follows (names, emails, consent, duplicates): :mod:`~advocate.signers.rules`.
Writing a list back out: :mod:`~advocate.signers.export`.
"""

from __future__ import annotations

from advocate.schema.emails import email_key, normalise_email
from advocate.signers.columns import ColumnMap, columns_from_mapping, parse_columns
from advocate.signers.read import (
    MAX_BYTES,
    SignerReader,
    SignerStats,
    iter_signers,
    parse_signers,
    parse_size,
    read_signers,
)
from advocate.signers.rules import KNOWN_COLUMNS, MAX_FIELD_CHARS, MAX_REPORTED, Dedupe, Signer

__all__ = [
    "KNOWN_COLUMNS",
    "MAX_BYTES",
    "MAX_FIELD_CHARS",
    "MAX_REPORTED",
    "ColumnMap",
    "Dedupe",
    "Signer",
    "SignerReader",
    "SignerStats",
    "columns_from_mapping",
    "email_key",
    "iter_signers",
    "normalise_email",
    "parse_columns",
    "parse_signers",
    "parse_size",
    "read_signers",
]
