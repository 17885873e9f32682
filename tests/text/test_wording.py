"""Issue 12: wording comes from the campaign, targets are addressed as what they are, and
a new language is a command away."""

from __future__ import annotations

from pathlib import Path

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import load_campaign
from advocate.templates.host import builtin_templates
from helpers import write

ROOT = Path(__file__).parents[1].parent

PRESS = """\
advocate: 1
id: press
title: Free the journalists
summary: Two journalists are held for their reporting.
as_of: 2024-05-01
facts:
  - text: Two journalists were detained on 1 March.
    figure: 2
    label: {en: journalists detained}
    source: report
  - text: They face up to twelve years in prison.
    figure: {en: "12 years"}
    source: report
sources:
  - id: report
    title: A report
    publisher: A publisher
asks:
  - id: release
    title: Release the journalists
    text: Release both journalists and drop every charge.
targets:
  - id: minister
    name: Ana Ministra
    title: Minister of Justice
    salutation: "Dear Minister,"
  - id: osce
    name: Jan Braathu
    title: OSCE Representative on Freedom of the Media
    salutation: "Dear Representative,"
    intermediary: true
"""

#: Sentences of the bundled campaign that once sat in the built-in wording.
CAMPAIGN_WORDS = ("peaceful protest", "мирный протест", "бейбіт наразылық", "Kazakhstan",
                  "Казахстан", "Қазақстан", "internet", "интернет")


def test_no_campaign_wording_in_the_built_in_templates() -> None:
    for path in builtin_templates().rglob("*.md.j2"):
        text = path.read_text(encoding="utf-8")
        for words in CAMPAIGN_WORDS:
            assert words.lower() not in text.lower(), f"{path}: {words}"


def test_a_closing_comes_from_the_campaign_and_only_from_it(tmp_path: Path) -> None:
    plain = load_campaign(write(tmp_path / "a.yaml", PRESS))
    letter = Renderer(plain).letter("minister", Writer("A. Writer", "Baku")).text()
    assert "International law" not in letter and "protest" not in letter
    closing = PRESS.replace("as_of:", "closing: Journalism is not a crime.\nas_of:")
    with_closing = load_campaign(write(tmp_path / "b.yaml", closing))
    text = Renderer(with_closing).letter("minister", Writer("A. Writer", "Baku")).text()
    assert "Journalism is not a crime." in " ".join(text.split())


def test_a_bare_number_figure_is_kept_as_written_and_figures_translate(tmp_path: Path) -> None:
    campaign = load_campaign(write(tmp_path / "a.yaml", PRESS))
    view, _ = Renderer(campaign).view("en")
    assert [f["figure"] for f in view["figures"]] == ["2", "12 years"]
    brief = Renderer(campaign).brief().markdown
    assert "**2** journalists detained" in brief and "**12 years**" in brief


def test_validate_names_a_language_without_wording_and_new_lang_writes_it(
        tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    text = PRESS.replace("as_of:", "translations: {az: {reviewed: false}}\nas_of:", 1)
    text = text.replace('    salutation: "Dear Minister,"\n',
                        '    salutation: "Dear Minister,"\n    language: az\n', 1)
    path = write(tmp_path / "press.yaml", text)
    result = run("validate", str(path))
    assert result.exit_code == 2
    line = text.splitlines().index("translations: {az: {reviewed: false}}") + 1
    assert f"press.yaml:{line}:" in result.stderr
    assert "no wording templates for language 'az'" in result.stderr
    assert "advocate new --lang az" in result.stderr
    assert run("validate", str(path), "--lang", "de").exit_code == 2
    made = run("new", "--lang", "az", "--dir", str(tmp_path))
    assert made.exit_code == 0, made.stderr
    letter = tmp_path / "templates" / "az" / "letter.md.j2"
    assert "{# TRANSLATE #}Yours sincerely," in letter.read_text(encoding="utf-8")
    assert run("validate", str(path)).exit_code == 0
    # the copy renders (marks are Jinja comments), and a second run never overwrites
    assert "Yours sincerely," in run("letter", str(path), "--to", "minister").stdout
    before = letter.read_bytes()
    again = run("new", "--lang", "az", "--dir", str(tmp_path))
    assert again.exit_code == 2 and "never overwrites" in again.stderr
    assert letter.read_bytes() == before
    assert run("new", "kept-working", "--dir", str(tmp_path)).exit_code == 0
    assert (tmp_path / "kept-working.yaml").exists()


def test_petition_and_sheet_address_each_target_and_carry_date_and_country(
        tmp_path: Path) -> None:
    from advocate.signers import Signer

    text = PRESS.replace("as_of:", "organisation: {name: Press Watch, email: "
                         "info@press.example}\nas_of:", 1)
    renderer = Renderer(load_campaign(write(tmp_path / "p.yaml", text)))
    signers = [Signer(1, "Jean Dupont", city="Lyon", country="FR", public=True),
               Signer(2, "Thabo Nkosi", city="Johannesburg", public=True)]
    petition = renderer.petition(signers).markdown
    sheet = renderer.sheet().markdown
    for doc in (petition, sheet):
        assert "- Ana Ministra, Minister of Justice\n" in doc
        assert "Jan Braathu, OSCE Representative on Freedom of the Media (asked to call on " \
            "the authorities to act)" in doc
        assert "Date: " in doc
    assert "Press Watch · info@press.example" in sheet
    assert "Press Watch. info@press.example" in petition
    assert "| Name | City | Country |" in petition and "| Jean Dupont | Lyon | France |" in petition
    no_country = renderer.petition([Signer(1, "Jean Dupont", public=True)]).markdown
    assert "Country" not in no_country


def test_names_urls_and_citations_are_typeset(tmp_path: Path) -> None:
    from advocate.render.typeset import typeset

    html = typeset('<p>Volker Türk said so [1, 4]. See '
                   'https://example.org/reports/a-b?x=1&amp;y=2. Or http://x.org/a.</p>'
                   '<a href="https://x.org/a">x</a>', ["Volker Türk"])
    assert '<span class="name">Volker Türk</span>' in html
    assert "so\u00a0[1,\u00a04]" in html  # the mark stays with its word
    assert "https://<wbr>example<wbr>.org/<wbr>reports/<wbr>a-b?<wbr>x=<wbr>1&amp;<wbr>y=<wbr>2. " \
        in html  # breaks after / ? = & and before dots; the full stop is not the URL's
    assert "http://x.org/a." in html  # short: fits on a line as it is
    assert '<a href="https://x.org/a">' in html  # tags untouched
    campaign = load_campaign(write(tmp_path / "a.yaml", PRESS))
    renderer = Renderer(campaign)
    page = renderer.html([renderer.letter("osce", Writer("Ana-Maria Popescu", "Iași"))])
    for name in ("Jan Braathu", "Ana-Maria Popescu"):
        assert f'<span class="name">{name}</span>' in page


def test_the_letter_body_lines_up_with_the_address_and_the_date_stands_below(
        tmp_path: Path) -> None:
    """Read the PDF back with pdftotext's boxes: the recipient's name starts where the body
    does, and the date is below the last address line (not beside it)."""
    import re
    import subprocess

    campaign = load_campaign(write(tmp_path / "a.yaml", PRESS))
    renderer = Renderer(campaign)
    (tmp_path / "l.pdf").write_bytes(renderer.pdf([renderer.letter(
        "osce", Writer("Ana Writer", "Baku"))]))
    boxes = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "l.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    words = [(w, float(x), float(y)) for x, y, w in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)<', boxes)]

    def first(word: str) -> tuple[float, float]:
        return next((x, y) for w, x, y in words if w == word)

    name_x, _ = first("Jan")
    body_x, _ = first("Dear")
    assert abs(name_x - body_x) < 1.0
    _, title_y = first("Media")
    date_y = max(y for w, x, y in words if re.fullmatch(r"20\d\d", w))
    assert date_y > title_y + 10  # below the address block, a line apart at least


def test_check_warns_of_a_quoted_salutation_and_of_words_left_to_translate(
        tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    from advocate.check import check_campaign

    text = PRESS.replace('salutation: "Dear Minister,"', "salutation: '\"Dear Minister,\"'")
    text = text.replace("as_of:", "translations: {az: {}}\nas_of:", 1)
    path = write(tmp_path / "press.yaml", text)
    assert run("new", "--lang", "az", "--dir", str(tmp_path)).exit_code == 0
    found = [str(p) for p in check_campaign(path, render_pdfs=False)]
    line = text.splitlines().index("    salutation: '\"Dear Minister,\"'") + 1
    assert any(f"press.yaml:{line}:" in p and "quotation marks" in p for p in found), found
    assert any("letter.md.j2" in p and "still marked for translation" in p for p in found)


def test_the_skeleton_comments_line_up(tmp_path: Path) -> None:
    import re

    from advocate.scaffold import COMMENT_COLUMN, scaffold

    for name in ("a", "a-much-longer-campaign-id"):
        (path,) = scaffold(name, tmp_path)
        matches = [re.match(r"^(.*?\S)(\s{2,})# ", line)
                   for line in path.read_text().splitlines()]
        columns = {len(m.group(1)) + len(m.group(2)) for m in matches
                   if m and len(m.group(1)) < COMMENT_COLUMN - 2}
        assert columns == {COMMENT_COLUMN - 1}, (name, columns)


def test_the_example_campaign_in_azerbaijani_has_no_wording_of_another_campaign() -> None:
    campaign = load_campaign(ROOT / "examples" / "journalists-az" / "campaign.yaml")
    renderer = Renderer(campaign)
    letter = renderer.letter("prosecutor-general", Writer("Leyla M.", "Bakı"))
    assert letter.lang == "az"
    text = " ".join(letter.text().split())
    assert "Hörmətlə xahiş edirəm:" in text
    assert text.rstrip().endswith("Leyla M. Bakı Ref. BSR03-CQ6NS")
    assert "Jurnalistika cinayət deyil" in text
    for words in CAMPAIGN_WORDS:
        assert words.lower() not in text.lower()
    for path in (ROOT / "examples" / "journalists-az" / "templates" / "az").iterdir():
        assert "TRANSLATE #" not in path.read_text(encoding="utf-8"), path


def test_every_bundled_letter_has_a_mailto_link_within_the_limit(tmp_path: Path) -> None:
    from advocate.build import BuildOptions, build
    from advocate.campaigns import resolve_campaign
    from advocate.render.eml import MAILTO_MAX
    from advocate.signers import read_signers

    result = build([resolve_campaign("kazakhstan-2022")], tmp_path / "out",
                   BuildOptions(formats=("txt",), documents=False, jobs=1),
                   signers=read_signers(ROOT / "examples" / "signers.csv"))
    assert not [w for w in result.warnings if "mailto" in str(w)]
    forms = result.campaigns[0]["mailto"]
    assert forms == {"titles": 12, "subject": 36}
    index = (tmp_path / "out" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    import re

    links = re.findall(r'href="(mailto:[^"]*)"', index)
    assert len(links) == 48 and max(map(len, links)) <= MAILTO_MAX
