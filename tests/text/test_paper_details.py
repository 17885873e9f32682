"""Details a reader notices: numbers, places and names as the language writes them, Markdown
to paste elsewhere, sender lines flush with the margin, a document's end kept together, a
signature sheet that fills its page, check's shouting rule, hints, and -o refused early."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.check import check_campaign
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import load_campaign
from advocate.signers import Signer
from advocate.text.numbers import country_name, format_count, localise_places
from helpers import write

Run = Callable[..., Result]
NNBSP, NBSP = "\u202f", "\u00a0"


def _words(pdf: Path, page: int | None = None) -> list[tuple[str, float, float, float, float]]:
    """Every word of a PDF with its box (pdftotext -bbox): (word, x0, y0, x1, y1)."""
    args = ["pdftotext", "-bbox"] + (["-f", str(page), "-l", str(page)] if page else [])
    boxes = subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<', boxes)]


def test_counts_are_grouped_as_the_language_writes_them() -> None:
    assert format_count(20000, "en") == "20,000"
    assert format_count(20000, "fr") == f"20{NNBSP}000"  # CLDR: a narrow no-break space
    assert format_count(20000, "es") == "20.000"
    assert format_count(20000, "ru") == f"20{NBSP}000"


def test_the_petition_count_is_grouped(kz_path: Path) -> None:
    renderer = Renderer(load_campaign(kz_path))
    signers = [Signer(row=i, name=f"S{i}") for i in range(1, 20_001)]
    assert "**20,000** people have signed this petition; 0 agreed to be named below." in \
        renderer.petition(signers, "en").markdown
    assert f"**20{NBSP}000** человек подписали" in renderer.petition(signers, "ru").markdown


def test_country_codes_become_names_in_the_letters_language() -> None:
    assert (country_name("PE", "es"), country_name("PE", "en")) == ("Perú", "Peru")
    assert country_name("CN", "zh") == "中国"
    assert country_name("Peru", "es") == "Peru"  # a name the writer typed stays theirs
    assert country_name("XY", "en") == "XY"  # not a country
    assert localise_places({"city": "上海, CN", "country": None}, "en") == \
        {"city": "上海", "country": "China"}
    assert localise_places({"city": "Paris, TX", "country": None}, "en") == \
        {"city": "Paris, TX", "country": None}  # TX is no country: left as written


def test_a_signer_lists_country_code_is_named_in_the_letters_language(kz_path: Path) -> None:
    renderer = Renderer(load_campaign(kz_path))
    listed = Writer.from_signer(Signer(row=1, name="Rosa Quispe", city="Cusco", country="PE"))
    assert "Cusco, Peru" in renderer.letter("un-high-commissioner", listed).text()
    assert "Cusco, Перу" in renderer.letter("president", listed, "ru").text()
    typed = Writer("Rosa Quispe", "Cusco", country="PE")  # --country PE: theirs, as typed
    assert "Cusco, PE" in renderer.letter("un-high-commissioner", typed).text()


def test_petition_markdown_pastes_elsewhere(run: Run) -> None:
    result = run("petition", "kazakhstan-2022", "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert ":::" not in result.stdout and "\\[" not in result.stdout
    assert "- The internet was shut down for five days, which cut people off from news and " \
           "made official claims hard to verify. [1, 4]" in result.stdout
    assert "**To:**\n\n- Kassym-Jomart Tokayev" in result.stdout


def test_sender_lines_end_at_the_margin(kz_path: Path, tmp_path: Path) -> None:
    renderer = Renderer(load_campaign(kz_path))
    writer = Writer("Aigerim S.", "Berlin", "a@example.org", "DE",
                    address="Street 1\n10115 Berlin", from_list=True)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(renderer.pdf([renderer.letter("un-high-commissioner", writer)]))
    words = _words(pdf)
    lines: dict[float, float] = {}
    for word, _, y0, x1, _ in words:
        if word in ("S.", "Germany", "Berlin", "a@example.org"):
            lines[round(y0)] = max(lines.get(round(y0), 0.0), x1)
    ends = [x for y, x in sorted(lines.items())][:4]  # the four lines of the sender block
    assert len(ends) == 4 and max(ends) - min(ends) < 0.5, ends


WIDOW = """\
advocate: 1
id: widow
title: Widows and orphans
summary: A summary {lorem}end.
as_of: 2026-01-10
facts:
{facts}
sources:
{sources}
asks: [{{id: a, title: Ask, text: Do it.}}]
targets: [{{id: t, name: N, title: T, salutation: "Dear N,"}}]
"""


def test_a_petitions_last_page_never_holds_one_source_alone(tmp_path: Path) -> None:
    """Laid out so the last source alone (two lines) and the footer would spill onto the
    second page: the last two sources and the footer go over together."""
    facts = "\n".join(f"  - text: Fact number {i} {'word ' * 10}ends here.\n    source: s{i % 6}"
                      for i in range(14))
    sources = "\n".join(
        f"  - {{id: s{i}, title: Report number {i} on the events of the year in the capital "
        f"and in the provinces as the monitors saw them, publisher: Publisher {i}, "
        f"date: 2026-01-0{i + 1}}}" for i in range(6))
    path = write(tmp_path / "widow.yaml", WIDOW.format(lorem="lorem " * 90, facts=facts,
                                                       sources=sources))
    renderer = Renderer(load_campaign(path))
    pdf = tmp_path / "petition.pdf"
    pdf.write_bytes(renderer.pdf([renderer.petition(None)]))
    last = [w[0] for w in _words(pdf, page=2)]
    assert "Publisher" in last
    assert last.count("Publisher") >= 2, last  # never one source alone
    assert "Facts" in last  # with the footer


def test_the_signature_sheet_fills_its_page_and_asks_for_a_contact(
        kz_path: Path, tmp_path: Path) -> None:
    renderer = Renderer(load_campaign(kz_path))
    result = renderer.pdf_result([renderer.sheet()])
    assert result.pages == 1
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(result.data)
    words = _words(pdf)
    height = 841.89  # A4 in points
    date_y = next(y0 for w, _, y0, _, _ in words if w == "Date:")
    assert date_y > 0.85 * height, date_y  # the rows run down to the footer
    numbers = {int(w) for w, x0, *_ in words if w.isdigit() and x0 < 80}
    assert numbers == set(range(1, max(numbers) + 1)) and max(numbers) >= 12
    assert "phone" in [w[0] for w in words]  # "Email or phone (optional)"
    text = renderer.format([renderer.sheet()], "md")
    assert "| No. | Name | City | Email or phone (optional) |" in text


PRESS = """\
advocate: 1
id: press
title: Justice for the protesters
summary: The CIDH found a lethal use of force; we ask for investigations.
as_of: 2026-01-10
facts:
  - text: The CIDH documented 49 deaths.
    source: cidh
sources:
  - id: cidh
    title: Informe sobre la situación de derechos humanos
    publisher: CIDH
    url: https://www.oas.org/es/cidh/informes/pdfs/2023/informe.pdf
asks:
  - id: investigate
    title: Investigate every death
    text: Investigate every death, as the CIDH asks.
targets:
  - {id: t, name: N, title: T, salutation: "Dear N,", email: n@example.org}
"""


def test_an_acronym_is_not_shouting_because_a_url_spells_it_small(tmp_path: Path) -> None:
    path = write(tmp_path / "press.yaml", PRESS)
    found = [p.message for p in check_campaign(path, render_pdfs=False)]
    assert not any("shouting" in m for m in found), found
    loud = write(tmp_path / "loud.yaml", PRESS.replace(
        "Investigate every death, as", "INVESTIGATE every death, investigate it as"))
    assert any("'INVESTIGATE' reads as shouting" in p.message
               for p in check_campaign(loud, render_pdfs=False))


def test_a_comma_in_a_flow_mapping_gets_a_quoting_hint(run: Run, tmp_path: Path) -> None:
    text = PRESS.replace("as_of:", "translations:\n  ru: {reviewed: false, note: "
                         "machine-assisted, checked by one volunteer}\nas_of:")
    path = write(tmp_path / "c.yaml", text)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert ("unknown key 'checked by one volunteer' (a comma inside {...} starts a new key: "
            "put the value in quotes, e.g. note: \"..., checked by one volunteer\")") \
        in result.stderr
    quoted = write(tmp_path / "q.yaml", text.replace(
        "note: machine-assisted, checked by one volunteer",
        'note: "machine-assisted, checked by one volunteer"'))
    assert run("validate", str(quoted)).exit_code == 0


def test_docs_example_translation_note_validates() -> None:
    docs = (Path(__file__).parents[1].parent / "docs" / "campaign-format.md").read_text("utf-8")
    assert 'ru: {reviewed: false, note: "machine-assisted, checked by one volunteer"}' in docs


@pytest.mark.parametrize("args", [
    ("brief", "kazakhstan-2022", "-f", "pdf"),
    ("petition", "kazakhstan-2022", "-f", "pdf"),
    ("letter", "kazakhstan-2022", "--to", "president", "-f", "pdf", "--name", "A"),
])
def test_an_existing_output_is_refused_before_anything_renders(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        args: tuple[str, ...]) -> None:
    def never(*_: object, **__: object) -> None:
        raise AssertionError("rendered before refusing the output")

    monkeypatch.setattr(Renderer, "pdf", never)
    monkeypatch.setattr(Renderer, "_document", never)
    out = write(tmp_path / "out.pdf", "earlier")
    result = run(*args, "-o", str(out))
    assert result.exit_code == 2
    assert f"{out}: already exists (use --force to overwrite)" in result.stderr
    assert out.read_text(encoding="utf-8") == "earlier"


def test_an_earlier_site_is_refused_before_the_page_renders(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import advocate.site

    def never(*_: object, **__: object) -> None:
        raise AssertionError("rendered before refusing the output")

    out = tmp_path / "site"
    out.mkdir()
    write(out / "index.html", "earlier")
    monkeypatch.setattr(advocate.site, "build_site", never)
    result = run("site", "kazakhstan-2022", "-o", str(out))
    assert result.exit_code == 2
    assert "already exist" in result.stderr and "--force" in result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "earlier"
