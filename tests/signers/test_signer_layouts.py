"""Known exports are recognised by their header row and read without any flag.

The fixtures in tests/fixtures/signers/exports/ follow each platform's documented columns
(see docs/signers.md) with fictional people only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.signers import SignerReader, read_signers
from advocate.signers.layouts import LAYOUTS, normal_header

EXPORTS = Path(__file__).parent.parent / "fixtures" / "signers" / "exports"


def read(name: str, **options: object) -> tuple[list, SignerReader]:
    reader = SignerReader(EXPORTS / name, **options)  # type: ignore[arg-type]
    return list(reader), reader


def test_action_network_report() -> None:
    signers, reader = read("action-network.csv", dedupe="first")
    assert reader.stats.layout == "Action Network"
    assert [(s.name, s.email, s.city, s.country) for s in signers] == [
        ("Amara Okafor", "amara.okafor@example.org", "Nairobi", "KE"),
        ("Tomás Ferreira", "tomas.ferreira@example.net", "Lisboa", "PT"),
        ("Linh Nguyen", "LINH.NGUYEN@example.org", "Hà Nội", "VN"),
    ]
    assert (signers[0].given_name, signers[0].family_name) == ("Amara", "Okafor")
    # The same address in another case is a duplicate, and counted as one.
    assert (reader.stats.rows, reader.stats.duplicates, reader.stats.signers) == (4, 1, 3)
    # No consent column: counted, not named.
    assert reader.stats.public == 0
    notices = [p.message for p in reader.stats.notices]
    assert notices[0] == (
        "Action Network: ignored 5 columns: 'zip_code', 'can2_county', "
        "'can2_state_abbreviated', 'can2_phone', 'can2_subscription_date'"
    )
    assert "no consent column" in notices[1]


def test_action_network_duplicates_are_an_error_by_default() -> None:
    with pytest.raises(AdvocateError) as info:
        read_signers(EXPORTS / "action-network.csv")
    assert str(info.value).endswith(
        "action-network.csv:5: rows 3 and 4 have the same email "
        "(remove one, or pass --dedupe first)"
    )


def test_change_org_signatures() -> None:
    signers, reader = read("change-org.csv")
    assert reader.stats.layout == "Change.org signatures"
    assert [(s.name, s.email, s.city, s.country) for s in signers] == [
        ("Ingrid Solberg", None, "Bergen", "Norway"),
        ("Kwame Mensah", None, "Accra", "Ghana"),
        ("Farida Nurlanovna", None, "Almaty", "Kazakhstan"),
    ]


def test_google_forms_responses_with_the_forms_own_titles() -> None:
    signers, reader = read("google-forms.csv")
    assert reader.stats.layout == "Google Forms responses"
    assert [(s.name, s.email, s.city, s.country, s.public) for s in signers] == [
        ("Sofía Marín", "sofia.marin@example.org", "Valparaíso", "Chile", False),
        ("Yuki Tanaka", "yuki.tanaka@example.jp", "Sapporo", "Japan", False),
        ("Olek Kowalski", "olek.kowalski@example.pl", "Kraków", "Poland", False),
    ]
    # The consent question has the form's own title: one mapping names the signers.
    signers, reader = read(
        "google-forms.csv", columns={"public": "May we show your name on the petition?"}
    )
    assert reader.stats.layout == "Google Forms responses with a column mapping"
    assert [s.public for s in signers] == [True, False, True]
    assert reader.stats.public == 2


def test_mailchimp_audience_export() -> None:
    signers, reader = read("mailchimp.csv")
    assert reader.stats.layout == "Mailchimp audience export"
    assert [(s.name, s.email, s.given_name, s.family_name) for s in signers] == [
        ("Noor Haddad", "noor.haddad@example.org", "Noor", "Haddad"),
        ("Björn Lund", "bjorn.lund@example.se", "Björn", "Lund"),
    ]
    # NOTES is the list owner's own note about a contact: never a signer's letter note.
    assert all(s.note is None for s in signers)


def test_osdi_people() -> None:
    signers, reader = read("osdi.csv")
    assert reader.stats.layout == "OSDI people"
    assert [(s.name, s.email, s.city, s.country) for s in signers] == [
        ("Aroha Ngata", "aroha.ngata@example.nz", "Rotorua", "NZ"),
        ("Dmitri Volkov", "dmitri.volkov@example.org", "Tbilisi", "GE"),
    ]


@pytest.mark.parametrize(
    ("fixture", "layout"),
    [
        ("action-network.csv", "Action Network"),
        ("change-org.csv", "Change.org signatures"),
        ("google-forms.csv", "Google Forms responses"),
        ("mailchimp.csv", "Mailchimp audience export"),
        ("osdi.csv", "OSDI people"),
    ],
)
def test_each_export_is_recognised_by_exactly_its_layout(fixture: str, layout: str) -> None:
    header = (EXPORTS / fixture).read_text(encoding="utf-8").splitlines()[0].split(",")
    norm = [normal_header(h) for h in header]
    assert [lay.name for lay in LAYOUTS if lay.recognise(norm)] == [layout]


def test_validate_names_the_layout_and_counts(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(EXPORTS / "action-network.csv", "an.csv")
    result = run("validate", "kazakhstan-2022", "--signers", "an.csv", "--dedupe", "first")
    assert result.exit_code == 0, result.stderr
    assert (
        "advocate: ok: an.csv: Action Network: 4 rows, 1 duplicate dropped, 3 signers, "
        "0 consenting to be named"
    ) in result.stderr
    assert "Okafor" not in result.stderr and "example.org" not in result.stderr
