"""Column mapping: --columns, the campaign's signers: section, joined names, notices."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.signers import SignerReader, parse_columns, parse_signers


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ('name="Full Name",email="Email Address"',
         {"name": ("Full Name",), "email": ("Email Address",)}),
        ("name=Full Name, email = E-mail", {"name": ("Full Name",), "email": ("E-mail",)}),
        ('name="First Name"+"Last Name"', {"name": ("First Name", "Last Name")}),
        ("name=Vorname+Nachname", {"name": ("Vorname", "Nachname")}),
        ('note="Why, in ""your"" words"', {"note": ('Why, in "your" words',)}),
        ('NAME="A+B"', {"name": ("A+B",)}),
    ],
)
def test_parse_columns(spec: str, expected: dict[str, tuple[str, ...]]) -> None:
    assert parse_columns(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nmae=Full Name", "--columns: unknown signer field 'nmae' (did you mean 'name'? "
                           "known columns: name, email, city, country, note, public, address, "
                           "lang)"),
        ("name", "--columns: 'name' has no '='"),
        ('name="Full', "--columns: unclosed quote"),
        ("email=A+B", "--columns: only name may join several columns, not 'email'"),
        ("name=A,name=B", "--columns: 'name' is mapped twice"),
        ("name=", "--columns: 'name' needs a column title"),
    ],
)
def test_parse_columns_errors(spec: str, message: str) -> None:
    with pytest.raises(AdvocateError) as info:
        parse_columns(spec)
    assert str(info.value).startswith(message)


def test_mapping_joins_first_and_last_and_ignores_the_rest_with_one_notice(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Vorname,Nachname,E-Mail-Adresse,Postleitzahl,Öffentlich\n"
        "Jörg,Brandt,joerg@example.de,10115,ja\n"
        "Aylin,,aylin@example.de,20095,nein\n",
        encoding="utf-8",
    )
    reader = SignerReader(
        path,
        columns=parse_columns('name=Vorname+Nachname,email="E-Mail-Adresse",public=Öffentlich'),
        languages=["de"],
    )
    signers = list(reader)
    assert [(s.name, s.email, s.public) for s in signers] == [
        ("Jörg Brandt", "joerg@example.de", True),
        ("Aylin", "aylin@example.de", False),
    ]
    assert [str(p) for p in reader.stats.notices] == [
        f"{path}:1: column mapping: ignored 1 column: 'Postleitzahl'"
    ]


def test_a_mapped_column_that_is_not_there(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Full Name,Mail\nAna Lima,ana@example.org\n", encoding="utf-8")
    with pytest.raises(AdvocateError) as info:
        list(SignerReader(path, columns={"email": "Email Address"}))
    assert str(info.value) == (
        f"{path}:1: no column 'Email Address' for email (check --columns (or the campaign's "
        "signers: columns): titles are compared ignoring case and surrounding spaces)"
    )


def test_common_titles_without_a_mapping() -> None:
    [signer] = parse_signers(b"Full Name,E-mail,Town\nAna Lima,ana@example.org,Rio\n", "s.csv")
    assert (signer.name, signer.email, signer.city) == ("Ana Lima", "ana@example.org", "Rio")


def test_advocates_own_columns_stay_strict() -> None:
    # One of advocate's own column names: a typo in another is an error, not ignored.
    with pytest.raises(AdvocateError) as info:
        parse_signers(b"name,emial\nAna,a@example.org\n", "s.csv")
    assert "unknown column 'emial' (did you mean 'email'?" in str(info.value)


def test_yaml_keys_can_be_mapped_too() -> None:
    [signer] = parse_signers("- Vollständiger Name: Jörg\n  Mail: j@example.de\n".encode(),
                             "s.yaml", columns={"name": "Vollständiger Name", "email": "Mail"})
    assert (signer.name, signer.email) == ("Jörg", "j@example.de")


def test_the_campaign_file_signers_section(
    run: Callable[..., Result], tmp_path: Path, kz_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    campaign = kz_path.read_text(encoding="utf-8") + (
        "signers:\n  columns:\n    name: [Prénom, Nom]\n    public: Afficher mon nom\n"
    )
    Path("campaign.yaml").write_text(campaign, encoding="utf-8")
    Path("s.csv").write_text("Prénom,Nom,Afficher mon nom\nÉloïse,Martin,oui\n",
                             encoding="utf-8")
    result = run("validate", "campaign.yaml", "--signers", "s.csv")
    # The campaign's languages are en, ru and kk; French "oui" is read all the same.
    assert result.exit_code == 0, result.stderr
    Path("s.csv").write_text("Prénom,Nom,Afficher mon nom\nÉloïse,Martin,peut-être\n",
                             encoding="utf-8")
    result = run("validate", "campaign.yaml", "--signers", "s.csv")
    assert result.exit_code == 2
    assert "s.csv:2:3: row 1, " not in result.stderr
    assert "s.csv:2: row 1: invalid value for 'public' (use yes or no (or " in result.stderr
    Path("s.csv").write_text("Prénom,Nom,Afficher mon nom\nÉloïse,Martin,да\n", encoding="utf-8")
    result = run("validate", "campaign.yaml", "--signers", "s.csv")
    assert result.exit_code == 0, result.stderr
    assert "column mapping: 1 row, 0 duplicates dropped, 1 signer, 1 consenting to be named" \
        in result.stderr
    # --columns wins over the campaign's section.
    result = run("validate", "campaign.yaml", "--signers", "s.csv", "--columns", "name=Nom")
    assert result.exit_code == 0, result.stderr
    assert "0 consenting to be named" in result.stderr


def test_bad_signers_section_is_a_campaign_error(
    run: Callable[..., Result], tmp_path: Path, kz_path: Path
) -> None:
    path = tmp_path / "campaign.yaml"
    path.write_text(kz_path.read_text(encoding="utf-8")
                    + "signers:\n  columns:\n    nmae: Full Name\n", encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 2
    line = len(kz_path.read_text(encoding="utf-8").splitlines()) + 3
    assert f"campaign.yaml:{line}:" in result.stderr
    assert ("input should be 'name', 'email', 'city', 'country', 'note', 'public', 'address' "
            "or 'lang'") in result.stderr
