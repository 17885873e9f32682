"""The signer rules hold whatever the source: CSV, TSV, YAML, .xlsx, .ods.

The same rows are written in each format; the same signers come out, and the same problems
are found (each located as its format allows), never quoting personal data.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from workbooks import write_ods, write_xlsx

from advocate.errors import AdvocateError
from advocate.signers import read_signers
from advocate.signers.rules import EmailSeen

HEADER = ["name", "email", "city", "public", "note"]
GOOD = [
    ["Aigerim Sadykova", "aigerim@example.kz", "Almaty", "yes", "I was there."],
    ["José Núñez", "JOSE@Example.org", "Lima", "", ""],
    ["Hana Kobayashi", "", "Osaka", "no", ""],
    ["Jose N.", "jose@example.ORG", "Lima", "yes", ""],  # the same address as row 2
]
BAD = [
    ["Secret Person", "secret.person(at)example.org", "", "yes", ""],
    ["   ", "", "Nowhere", "", ""],
    ["Quiet Name", "", "", "maybe", ""],
    ["Long Note", "", "", "", "x" * 10_001],
]


def write(kind: str, rows: list[list[str]], folder: Path) -> Path:
    table = [HEADER, *rows]
    if kind == "csv":
        path = folder / "s.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(table)
    elif kind == "tsv":
        path = folder / "s.tsv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter="\t").writerows(table)
    elif kind == "yaml":
        path = folder / "s.yaml"
        items = [{k: v for k, v in zip(HEADER, row, strict=True)} for row in rows]
        path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    elif kind == "xlsx":
        path = write_xlsx(folder / "s.xlsx", {"Signers": table})
    else:
        path = write_ods(folder / "s.ods", "Signers", table)
    return path


SOURCES = ["csv", "tsv", "yaml", "xlsx", "ods"]


@pytest.mark.parametrize("kind", SOURCES)
def test_same_signers_from_every_source(kind: str, tmp_path: Path) -> None:
    path = write(kind, GOOD, tmp_path)
    signers = read_signers(path, dedupe="first")
    assert [(s.name, s.email, s.city, s.public, s.note) for s in signers] == [
        ("Aigerim Sadykova", "aigerim@example.kz", "Almaty", True, "I was there."),
        ("José Núñez", "JOSE@example.org", "Lima", False, None),
        ("Hana Kobayashi", None, "Osaka", False, None),
    ]
    with pytest.raises(AdvocateError) as info:
        read_signers(path)
    assert [p.message for p in info.value.problems] == ["rows 2 and 4 have the same email"]


@pytest.mark.parametrize("kind", SOURCES)
def test_same_problems_from_every_source(kind: str, tmp_path: Path) -> None:
    path = write(kind, GOOD[:1] + BAD, tmp_path)
    with pytest.raises(AdvocateError) as info:
        read_signers(path)
    messages = [p.message.split(": ", 1)[-1] if ", cell " in p.message else p.message
                for p in info.value.problems]
    prefixes = [p.message.split(":", 1)[0].split(",")[0] for p in info.value.problems]
    assert prefixes == ["row 2", "row 3", "row 4", "row 5"]
    assert [m.split(": ", 1)[-1] for m in messages] == [
        "invalid email",
        "empty name",
        "invalid value for 'public'",
        "field 'note' too large",
    ]
    text = str(info.value)
    assert "Secret" not in text and "secret" not in text and "Quiet" not in text


def test_email_table_grows_and_keeps_first_rows() -> None:
    seen = EmailSeen()
    rows = {f"user{i}@example.org": i + 1 for i in range(5_000)}
    for email, row in rows.items():
        assert seen.first_row(email, row) is None
    assert seen.nbytes == 12 * 16_384  # 5,000 emails, kept at most half full
    for email, row in rows.items():
        assert seen.first_row(email.upper(), 99_999) == row
    assert seen.count == 5_000


def test_a_million_row_list_needs_no_more_than_its_email_table() -> None:
    # Memory of the check, not speed: the table for a million emails is 24 MiB.
    seen: Callable[[], EmailSeen] = lambda: EmailSeen(capacity=1_000_000)  # noqa: E731
    assert seen().nbytes == 12 * 2**21
