"""`advocate signers FILE --to csv|osdi-json`: the checked list written back out."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.signers import Signer
from advocate.signers.export import export_signers

LIST = (
    "Timestamp,Email Address,First name,Last name,Town,Display my name\n"
    "2026-03-01,amina.yusuf@example.org,Amina,Yusuf,Kano,Yes\n"
    '2026-03-01,=cmd@example.org,"=HYPERLINK(""http://x.invalid"")",Smith,+Oslo,yes\n'
    "2026-03-02,pablo.ruiz@example.es,Pablo,Ruiz,Sevilla,No\n"
    "2026-03-03,AMINA.YUSUF@example.org,Amina,Y.,Kano,Yes\n"
)
MAP = 'public="Display my name"'


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("list.csv").write_text(LIST, encoding="utf-8")
    return tmp_path


def test_csv_public_only_deduplicated_and_neutralised(
    run: Callable[..., Result], here: Path
) -> None:
    result = run("signers", "list.csv", "--columns", MAP)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        ["name", "email", "city", "country", "note", "public", "address", "lang"],
        ["Amina Yusuf", "amina.yusuf@example.org", "Kano", "", "", "yes", "", ""],
        ["'=HYPERLINK(\"http://x.invalid\") Smith", "'=cmd@example.org", "'+Oslo", "", "",
         "yes", "", ""],
    ]
    assert "4 rows, 1 duplicate dropped, 3 signers, 2 consenting to be named; writing 2" \
        in result.stderr
    assert "Amina" not in result.stderr


def test_all_and_osdi_json_to_a_file(run: Callable[..., Result], here: Path) -> None:
    result = run("signers", "list.csv", "--columns", MAP, "--to", "osdi-json", "--all",
                 "-o", "people.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    data = json.loads(Path("people.json").read_text(encoding="utf-8"))
    people = data["_embedded"]["osdi:people"]
    assert data["total_records"] == len(people) == 3
    assert people[0] == {
        "given_name": "Amina",
        "family_name": "Yusuf",
        "email_addresses": [{"address": "amina.yusuf@example.org", "primary": True}],
        "postal_addresses": [{"locality": "Kano", "primary": True}],
        "custom_fields": {"public": "yes"},
    }
    assert people[2]["custom_fields"] == {"public": "no"}
    assert os.stat("people.json").st_mode & 0o777 == 0o600


def test_nothing_is_written_when_a_row_is_bad(run: Callable[..., Result], here: Path) -> None:
    Path("list.csv").write_text(LIST + "2026-03-04,not-an-address,Li,Wei,Xi'an,Yes\n",
                                encoding="utf-8")
    result = run("signers", "list.csv", "--columns", MAP, "-o", "out.csv")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "advocate: error: list.csv:6: row 5: invalid email (no @)"
    )
    assert not Path("out.csv").exists()


def test_a_name_not_split_goes_whole_into_given_name() -> None:
    data, count = export_signers([Signer(row=1, name="Ли Вэй", public=True, note="Free them.")],
                                 "osdi-json")
    person = json.loads(data)["_embedded"]["osdi:people"][0]
    assert count == 1
    assert person == {"given_name": "Ли Вэй", "custom_fields": {"public": "yes",
                                                                "note": "Free them."}}
