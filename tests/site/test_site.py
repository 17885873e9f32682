"""The action page (``advocate site``) in a real browser: Debian's Chromium, driven by
Playwright for Python (no browser download). Every request the page makes is routed: only
file: and data: may load, anything else fails the test."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from advocate.campaigns import resolve_campaign
from advocate.render.documents import Renderer, Writer
from advocate.render.email_text import letter_mailto
from advocate.schema.campaign import Campaign, load_campaign
from advocate.site import SITE_CSP, build_site, write_site
from browser import Guard, launched

AXE = Path(__file__).parents[1] / "fixtures" / "axe" / "axe.min.js"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(resolve_campaign("kazakhstan-2022"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    import os

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1768435200")
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(campaign, out)
    return out


@pytest.fixture(scope="module")
def mailable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Campaign, Path]:
    """The bundled campaign with an email address for every target, and its site."""
    import os

    # Module-scoped, so built before conftest's per-test SOURCE_DATE_EPOCH: fix the date here.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1768435200")
    source = resolve_campaign("kazakhstan-2022").read_text(encoding="utf-8")
    head, targets = source.split("\ntargets:\n", 1)
    targets = re.sub(r"^  - id: ([a-z-]+)$", r"  - id: \1\n    email: \1@example.org",
                     targets, flags=re.MULTILINE)
    folder = tmp_path_factory.mktemp("mailable")
    path = folder / "campaign.yaml"
    path.write_text(head + "\ntargets:\n" + targets, encoding="utf-8")
    campaign = load_campaign(path)
    write_site(campaign, folder / "site")
    return campaign, folder / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.fixture
def page(browser: Any, site: Path) -> Iterator[tuple[Any, Guard]]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    guard = Guard(context)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    pg.goto((site / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    yield pg, guard
    context.close()
    assert not errors, errors
    assert not guard.refused, guard.refused


def fill(pg: Any, target: str, lang: str, name: str, city: str, note: str,
         email: str = "", country: str = "", address: str = "") -> str:
    pg.select_option("#target", target)
    pg.select_option("#lang", lang)
    for field, value in (("name", name), ("city", city), ("email", email), ("note", note),
                         ("country", country), ("address", address)):
        pg.fill(f"#{field}", value)
    return str(pg.locator("#letter").text_content())


def expected(campaign: Campaign, target: str | None, lang: str | None, **fields: Any) -> str:
    renderer = Renderer(campaign)
    writer = Writer(**{k: v or None for k, v in fields.items()})
    return renderer.format(renderer.letters(target, [writer], lang), "txt")


INPUTS = [
    ("Ана Петрова", "Алматы", "Я пишу вам как учитель.\nПрошу ответить."),
    ("Jane O'Brien-Smith", "Berlin", "1. I *care* about [this](http://x) & more\n\n# Second "
     "paragraph with a very long line that has to be wrapped at seventy-two columns, twice "
     "over, to check the greedy wrap exactly."),
    ("محمد علي", "Paris", ""),
]


def test_letters_match_the_letter_command(page: tuple[Any, Guard], campaign: Campaign) -> None:
    """For every bundled target and language, the page's letter is `advocate letter`'s."""
    pg, _ = page
    for target in campaign.targets:
        for lang in campaign.languages:
            for name, city, note in INPUTS:
                shown = fill(pg, target.id, lang, name, city, note)
                assert shown == expected(campaign, target.id, lang, name=name, city=city,
                                         note=note), (target.id, lang, name)
            for name, city, country, address in ADDRESSES:
                shown = fill(pg, target.id, lang, name, city, "", country=country,
                             address=address)
                assert shown == expected(campaign, target.id, lang, name=name, city=city,
                                         country=country, address=address), (target.id, lang)
                if address:
                    assert address.splitlines()[0].strip() in shown


# (name, city, country, address) as `advocate letter --country ... --address ...` takes them:
# multi-line, commas, blank lines and stray spaces, Markdown-hostile, right-to-left.
ADDRESSES = [
    ("Zoë Example", "Tbilisi", "Georgia", "Rustaveli Ave 12, apt. 3\n\n  0108  Tbilisi "),
    ("Jane *Doe*", "Berlin", "", "Hauptstraße 1\n10115 Berlin\nGermany"),
    ("محمد علي", "Paris", "France", ""),
    ("Ана", "Алматы", "Қазақстан", "ул. Абая [5] <b>x</b>\nкв. 7 & 8"),
]


def test_all_targets_in_their_own_languages(page: tuple[Any, Guard],
                                            campaign: Campaign) -> None:
    pg, _ = page
    shown = fill(pg, "*", "", "Ana", "", "A note.")
    renderer = Renderer(campaign)
    letters = [renderer.letter(t.id, Writer(name="Ana", note="A note.")) for t in
               campaign.targets]
    assert shown == renderer.format(letters, "txt")


def test_hostile_input_is_text(page: tuple[Any, Guard], campaign: Campaign) -> None:
    pg, _ = page
    name = '<img src=x onerror=alert(1)>"&amp;'
    note = "<script>alert(2)</script>\n\n</pre><b>bold</b> javascript:alert(3)"
    target = campaign.targets[0]
    shown = fill(pg, target.id, "en", name, "<i>c</i>", note)
    assert shown == expected(campaign, target.id, "en", name=name, city="<i>c</i>", note=note)
    assert pg.locator("#letter *").count() == 0  # no element came from the input
    assert pg.locator("img").count() == 0
    assert pg.title() == campaign.title if isinstance(campaign.title, str) else True
    for link in pg.locator("a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith("javascript:")
        assert "<" not in href and '"' not in href


def test_mailto_and_eml(browser: Any, mailable: tuple[Campaign, Path]) -> None:
    """The page's mail link and .eml draft are the letter command's, byte for byte: the
    letter's email form (no postal blocks, paragraphs unwrapped, the sender's details under
    the signature), and the link in the longest form that fits (build's index does the same)."""
    campaign, site = mailable
    context = browser.new_context()
    guard = Guard(context)
    pg = context.new_page()
    pg.goto((site / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    renderer = Renderer(campaign)
    forms = set()
    for target in campaign.targets:
        for name, lang, note in (("Zoë Writer", "en", "Please act!"), ("Ana Smith", "ru", ""),
                                 ("Jo", "en", "")):
            shown = fill(pg, target.id, lang, name, "Łódź", note, email="zoe@Example.ORG",
                         address="Main St 1\n00-001 Łódź" if note else "")
            writer = Writer(name=name, city="Łódź", email="zoe@Example.ORG", note=note or None,
                            address="Main St 1\n00-001 Łódź" if note else None)
            doc = renderer.letter(target.id, writer, lang)
            assert shown == doc.text()
            href = str(pg.locator("#mailto").get_attribute("href"))
            link, form = letter_mailto(doc, [str(target.email)])
            forms.add(form)
            assert href == link, (target.id, lang, form)
            data = str(pg.locator("#eml").get_attribute("href"))
            assert data.startswith("data:message/rfc822;base64,")
            raw = base64.b64decode(data.split(",", 1)[1])
            assert raw == renderer.eml(doc), (target.id, lang)  # byte for byte
            message = message_from_bytes(raw, policy=policy.default)
            assert message["From"].addresses[0].addr_spec == "zoe@example.org"
            body = message.get_content()
            assert body == doc.email_text().replace("\n", "\r\n") or \
                body.replace("\r\n", "\n") == doc.email_text()
            assert "Łódź" in body and str(doc.context["date"]) not in body  # no postal head
    context.close()
    assert not guard.refused
    assert forms >= {"titles"}, forms  # the letters are long: the link carries the asks' titles


def test_webmail_links_are_plain_links(page: tuple[Any, Guard], campaign: Campaign) -> None:
    pg, _ = page
    target = campaign.targets[0]
    fill(pg, target.id, "en", "Ana", "Oslo", "")
    links = pg.locator("#webmail a").all()
    assert [link.text_content() for link in links] == ["Gmail", "Outlook.com", "Yahoo Mail"]
    assert all((link.get_attribute("href") or "").startswith("https://") for link in links)


def test_csp_and_sizes(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    head = html[:html.index("</head>")]
    assert f'content="{SITE_CSP}"' in head
    assert "unsafe-inline" not in head
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
    assert not re.search(r"https?://(?!)", head)
    # What the page loads (the brief and the petition are only linked): under 200 KB.
    total = sum((site / name).stat().st_size for name in ("index.html", "site.css", "site.js"))
    assert total < 200_000, total


def test_without_javascript(browser: Any, site: Path, campaign: Campaign) -> None:
    context = browser.new_context(java_script_enabled=False)
    guard = Guard(context)
    pg = context.new_page()
    pg.goto((site / "index.html").as_uri())
    assert not pg.locator("#form").is_visible()
    generic = pg.locator("#generic section")
    assert generic.count() == len(campaign.targets)
    renderer = Renderer(campaign)
    first = renderer.letter(campaign.targets[0].id)
    # The letter as paper: each paragraph whole (never the 72-column text wrapped again),
    # the heading without its underline of dashes; the same words, in the same order.
    shown = generic.first.locator(".sheet").inner_text()
    words = first.text().replace("\u2068", "").replace("\u2069", "").split()
    assert shown.split() == [w for w in words if set(w) != {"-"}]
    assert generic.first.locator(".sheet .heading").inner_text() == first.title.replace(
        "\u2068", "").replace("\u2069", "") or generic.first.locator(".sheet .heading").count()
    assert generic.first.locator("pre").count() == 0
    assert pg.locator("#generic a.mailto").count() == 0  # no target has an address
    assert pg.locator("a[href='brief.html']").is_visible()
    context.close()
    assert not guard.refused


def test_without_javascript_mail_links(browser: Any, mailable: tuple[Campaign, Path]) -> None:
    campaign, site = mailable
    context = browser.new_context(java_script_enabled=False)
    guard = Guard(context)
    pg = context.new_page()
    pg.goto((site / "index.html").as_uri())
    links = pg.locator("#generic a.mailto")
    assert links.count() == len(campaign.targets)
    for target, link in zip(campaign.targets, links.all(), strict=True):
        assert (link.get_attribute("href") or "").startswith(
            f"mailto:{target.id}@example.org?subject=")
    context.close()
    assert not guard.refused


def test_phone_width(browser: Any, site: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    guard = Guard(context)
    pg = context.new_page()
    pg.goto((site / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    pg.fill("#name", "A very long name without any spaces" * 3)
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
    assert not guard.refused


def test_print_is_one_page(page: tuple[Any, Guard], campaign: Campaign) -> None:
    pg, _ = page
    fill(pg, campaign.targets[0].id, "en", "Ana Writer", "Oslo", "I care about this.")
    pdf = pg.pdf(format="A4", print_background=False)
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "Ana Writer" in reader.pages[0].extract_text()


def test_a_reading_copy_in_the_supporters_language(page: tuple[Any, Guard],
                                                   campaign: Campaign) -> None:
    """The letter to the president goes in Russian; a supporter who reads English asks for a
    copy in English: shown below, marked as a translation that is not sent, with the note as
    written; the text copied, mailed and printed stays the Russian letter alone."""
    pg, _ = page
    note = "Я пишу вам как учитель."
    shown = fill(pg, "president", "", "Ana Writer", "Oslo", note)
    assert shown == expected(campaign, "president", None, name="Ana Writer", city="Oslo",
                             note=note)
    assert pg.locator("#reading-copy .sheet").count() == 0  # none unless asked
    pg.select_option("#reading", "en")
    copy = pg.locator("#reading-copy .sheet.reading")
    assert copy.count() == 1 and copy.get_attribute("lang") == "en"
    assert copy.locator(".reading-note").inner_text() == (
        "A translation for you to read: only the letter above is sent.")
    english = Renderer(campaign).letter("president", Writer(name="Ana Writer", city="Oslo",
                                                            note=note), "en")
    text = copy.locator(".body").inner_text()
    opening = str(english.context["variants"]["opening"])  # the English letter's own
    assert opening in " ".join(text.split()) and note in text  # the note as written
    assert str(english.context["target"]["salutation"]) in text
    assert pg.locator("#letter").text_content() == shown  # what is copied and sent
    reader = PdfReader(BytesIO(pg.pdf(format="A4")))
    assert len(reader.pages) == 1 and opening[:20] not in reader.pages[0].extract_text()
    pg.select_option("#reading", "ru")  # the letter's own language: no copy
    assert pg.locator("#reading-copy .sheet").count() == 0
    pg.select_option("#reading", "en")
    pg.select_option("#target", "*")  # several letters: no reading copy
    assert pg.locator("#reading-copy .sheet").count() == 0
    pg.select_option("#reading", "")


def test_accessibility(browser: Any, site: Path) -> None:
    """axe-core (vendored, MPL-2.0): no serious or critical violation, with and without JS."""
    for js in (True, False):
        context = browser.new_context(bypass_csp=True, java_script_enabled=True)
        guard = Guard(context)
        pg = context.new_page()
        pg.goto((site / "index.html").as_uri())
        if js:
            pg.wait_for_selector("#letter:not(:empty)", state="attached")
        pg.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = pg.evaluate("axe.run(document).then(r => JSON.stringify(r.violations))")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in json.loads(result) if v["impact"] in ("serious", "critical")]
        context.close()
        assert not bad, bad
        assert not guard.refused


def test_build_site_is_deterministic(campaign: Campaign) -> None:
    assert build_site(campaign).files == build_site(campaign).files


def test_cli_site_and_build_site(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from advocate.cli import app
    from advocate.site import SITE_FILES

    runner = CliRunner()
    result = runner.invoke(app, ["site", "kazakhstan-2022", "-o", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(SITE_FILES)
    again = runner.invoke(app, ["site", "kazakhstan-2022", "-o", str(tmp_path / "s")])
    assert again.exit_code == 2  # never over an earlier site without --force
    missing = runner.invoke(app, ["site", str(tmp_path / "nope.yaml"), "-o",
                                  str(tmp_path / "t")])
    assert missing.exit_code == 2 and not (tmp_path / "t").exists()
    built = runner.invoke(app, ["build", "kazakhstan-2022", "--site", "--no-documents",
                                "--formats", "txt", "-o", str(tmp_path / "b")])
    assert built.exit_code == 0, built.output
    folder = tmp_path / "b" / "kazakhstan-2022" / "site"
    assert (folder / "index.html").read_bytes() == (tmp_path / "s" / "index.html").read_bytes()
    # One build, a page in every campaign language: the translations in site/LANG/, each
    # the page `advocate site --lang LANG` writes.
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["kk", "ru"]
    for lang in ("ru", "kk"):
        alone = runner.invoke(app, ["site", "kazakhstan-2022", "--lang", lang,
                                    "-o", str(tmp_path / f"s-{lang}")])
        assert alone.exit_code == 0, alone.output
        page = (folder / lang / "index.html").read_bytes()
        assert page == (tmp_path / f"s-{lang}" / "index.html").read_bytes()
        assert f'<html lang="{lang}"'.encode() in page
        assert sorted(p.name for p in (folder / lang).iterdir()) == sorted(SITE_FILES)


_WORLD_EXPECTED = """
import base64, csv, json, sys
from pathlib import Path
from advocate.render.documents import Renderer, Writer
from advocate.render.email_text import letter_mailto
from advocate.schema.campaign import load_campaign
root = Path(sys.argv[1])
campaign = load_campaign(root / "campaign.yaml")
renderer = Renderer(campaign)
rows = list(csv.DictReader((root / "signers.csv").open(encoding="utf-8")))
out = []
for target in campaign.targets:
    for number, row in enumerate(rows):
        address = f"{number} Main Street\\n{row['city']}" if number % 3 == 0 else ""
        doc = renderer.letter(target.id, Writer(
            name=row["name"] or None, city=row["city"] or None, email=row["email"] or None,
            note=row["note"] or None, country=row["country"] or None,
            address=address or None))
        link = letter_mailto(doc, [target.email])[0] if target.email else None
        out.append([target.id, number, row, address, doc.lang, doc.text(), link,
                    base64.b64encode(renderer.eml(doc)).decode()])
print(json.dumps(out))
"""


def test_another_campaign_world_scripts(browser: Any, tmp_path: Path) -> None:
    """Another campaign (jailed journalists in Azerbaijan, one target in Azerbaijani from
    the campaign's own templates) and 31 signers in the world's scripts (right-to-left ones
    too): for every target and signer, the page's letter, mail link and .eml draft are the
    letter command's, byte for byte."""
    import subprocess
    import sys

    root = Path(__file__).parents[1].parent / "examples" / "journalists-az"
    # The site and the letter command's letters in processes of their own: the campaign's
    # own templates render in forked, confined children, which would hold this process's
    # pipe to the Playwright driver open (and its exit would wait for them).
    subprocess.run([sys.executable, "-m", "advocate", "site", str(root / "campaign.yaml"),
                    "-o", str(tmp_path / "site")], check=True, timeout=300)
    expected = json.loads(subprocess.run(
        [sys.executable, "-c", _WORLD_EXPECTED, str(root)], check=True, timeout=300,
        capture_output=True, text=True).stdout)
    context = browser.new_context()
    context.set_default_timeout(15_000)
    guard = Guard(context)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto((tmp_path / "site" / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    langs = set()
    for target, number, row, address, lang, text, link, eml in expected:
        shown = fill(pg, target, "", row["name"], row["city"], row["note"],
                     email=row["email"], country=row["country"], address=address)
        langs.add(lang)
        assert shown == text, (target, number)
        if link is not None:
            assert pg.locator("#mailto").get_attribute("href") == link, (target, number)
        data = str(pg.locator("#eml").get_attribute("href"))
        assert data.split(",", 1)[1] == eml, (target, number)
    context.close()
    assert not errors, errors
    assert not guard.refused
    assert langs == {"en", "az"}
    assert len(expected) == 4 * 31


def test_quoted_printable_is_binascii(browser: Any) -> None:
    """site.js's quoted-printable encoder (the .eml body) against Python's binascii, which
    render/eml.py uses, over generated text: soft breaks at 76, '=' and dots at a line's
    start, trailing spaces, tabs, multi-byte characters, lines near the limit."""
    import binascii
    import random

    source = (Path(__file__).parents[1].parent / "src/advocate/site/site.js").read_text()
    function = source[source.index("  function qp(text) {"):source.index("  function eml(l, v) {")]
    rng = random.Random(7)
    alphabet = ["a", "b", " ", ".", "=", "\t", "\n", "\r\n", "é", "ह", "😀", "  ", ".\n",
                "x" * 70, "y" * 74, "z" * 75]
    cases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
             for _ in range(2000)]
    context = browser.new_context()
    pg = context.new_page()
    got = pg.evaluate(f"(cases) => {{ {function}; return cases.map(qp); }}", cases)
    context.close()
    for case, encoded in zip(cases, got, strict=True):
        data = case.encode().replace(b"\r\n", b"\n")
        expected = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
        assert encoded == expected.replace(b"\n", b"\r\n").decode(), case


def test_language_attributes(campaign: Campaign) -> None:
    """The page's own words are in the page's language (its html lang says so: English
    where advocate has none); the campaign's words carry their language and direction, so a
    screen reader switches voice for them (the fill-in letters, each its target's)."""
    html = build_site(campaign, lang="ru").files["index.html"].decode()
    assert re.search(r'<html lang="ru" dir="ltr">', html)
    assert re.search(r'<header lang="ru" dir="ltr">', html)
    assert re.search(r'<ul class="facts" lang="ru" dir="ltr">', html)
    assert re.search(r'<section class="generic" data-target="[a-z-]+" lang="(ru|kk|en)"', html)


def test_a_right_to_left_letter(browser: Any, tmp_path: Path) -> None:
    """A target written to in Arabic (the world campaign's ambassador): the letter is set right
    to left, marked Arabic, and is the letter command's text; what a supporter types follows
    its own direction."""
    world = load_campaign(Path(__file__).parents[1] / "fixtures" / "world" / "campaign.yaml")
    write_site(world, tmp_path / "site")
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    guard = Guard(context)
    pg = context.new_page()
    pg.goto((tmp_path / "site" / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    shown = fill(pg, "ambassador", "", "محمد علي", "Paris", "أكتب إليكم بصفتي معلماً.")
    assert shown == expected(world, "ambassador", None, name="محمد علي", city="Paris",
                             note="أكتب إليكم بصفتي معلماً.")
    letter = pg.evaluate("() => { const l = document.querySelector('#letter'); return "
                         "[l.getAttribute('lang'), getComputedStyle(l).direction]; }")
    assert letter == ["ar", "rtl"]
    typed = pg.evaluate("() => ['#name', '#note'].map(s => "
                        "getComputedStyle(document.querySelector(s)).direction)")
    assert typed == ["rtl", "rtl"]  # dir=auto: Arabic typed in is set right to left
    sheet = pg.evaluate("() => { const s = document.querySelector('#paper .sheet'); return "
                        "[s.getAttribute('lang'), getComputedStyle(s).direction]; }")
    assert sheet == ["ar", "rtl"]  # the letter as paper, set right to left
    box = pg.locator("#paper .sheet").bounding_box()
    line = pg.evaluate("() => { const r = document.createRange(); const l = "
                       "document.querySelector('#paper .sheet .body .line'); "
                       "r.selectNodeContents(l); const rects = r.getClientRects(); "
                       "return [rects[0].right, rects[0].left]; }")
    assert line[0] > box["x"] + box["width"] * 0.9  # the salutation starts on the right
    assert line[1] - box["x"] > box["width"] / 2  # and is short: it ends past the middle
    context.close()
    assert not guard.refused


def test_page_words_exist_in_every_language_they_claim() -> None:
    """Every language of the page's own words has every word English has, none empty, and
    the choice falls back from a regional tag to its language, then to English (warned)."""
    from advocate.site import page_words

    table = json.loads((Path(__file__).parents[1].parent / "src" / "advocate" / "site" /
                        "strings.json").read_text(encoding="utf-8"))
    english = table["words"]["en"]
    assert table["reviewed"] == ["en"]
    for lang, words in table["words"].items():
        assert set(words) == set(english), lang
        assert all(isinstance(v, str) and v.strip() for v in words.values()), lang
        if lang != "en":
            assert sum(words[k] == english[k] for k in english) <= 1, lang  # translated
    assert page_words("ru-RU")[:2] == ("ru", table["words"]["ru"])
    assert "not yet been reviewed" in page_words("kk")[2][0].message
    assert page_words("en")[2] == []
    lang, words, warnings = page_words("az")
    assert (lang, words) == ("en", english)
    assert "are in English: advocate has none in 'az'" in warnings[0].message


def test_the_page_in_russian(campaign: Campaign) -> None:
    """`advocate site --lang ru`: the page's own words are Russian, and marked so."""
    site = build_site(campaign, lang="ru")
    html = site.files["index.html"].decode()
    assert re.search(r'<html lang="ru" dir="ltr">', html)
    for word in ("Ваше имя", "Скопировать текст", "Эта страница ничего никуда не отправляет",
                 "Перейти к письму"):
        assert word in html
    assert '<label for="name">Ваше имя</label>' in html
    assert ">Your name<" not in html and "Copy the text" not in html  # ("[Your name]" is the
    # fill-in placeholder of the English letter to the UN, not the page's word)
    assert json.loads(html.split('<script type="application/json" id="data">')[1]
                      .split("</script>")[0])["messages"] == {
        "copied": "Скопировано.", "forgotten": "Ваши данные удалены.",
        "reading": "Перевод для вас: отправляется только письмо выше."}
    assert any("'ru' have not yet been reviewed" in w.message for w in site.warnings)


def test_an_arabic_page_reads_right_to_left(browser: Any, tmp_path: Path) -> None:
    """The page in Arabic: dir=rtl on the page, labels and fields set from the right, no
    serious accessibility violation, nothing fetched; the letter is the letter command's."""
    world = load_campaign(Path(__file__).parents[1] / "fixtures" / "world" / "campaign.yaml")
    write_site(world, tmp_path / "site", lang="ar")
    context = browser.new_context(viewport={"width": 1000, "height": 900}, bypass_csp=True)
    guard = Guard(context)
    pg = context.new_page()
    pg.goto((tmp_path / "site" / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    assert pg.evaluate("() => [document.documentElement.lang, document.documentElement.dir, "
                       "getComputedStyle(document.body).direction]") == ["ar", "rtl", "rtl"]
    assert pg.locator("label[for=name]").text_content() == "اسمك"
    text = pg.evaluate("() => { const r = document.createRange(); r.selectNodeContents("
                       "document.querySelector('label[for=name]')); const b = "
                       "r.getBoundingClientRect(); return [b.left, b.right]; }")
    field = pg.locator("#name").bounding_box()
    assert abs(text[1] - (field["x"] + field["width"])) < 2  # the label's words on the right
    assert text[0] > field["x"] + field["width"] / 2
    lang, reading = pg.locator("#lang").bounding_box(), pg.locator("#reading").bounding_box()
    assert lang["x"] > reading["x"]  # a row's first field is on the right
    shown = fill(pg, "ambassador", "", "محمد علي", "Paris", "")
    assert shown == expected(world, "ambassador", None, name="محمد علي", city="Paris")
    pg.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = pg.evaluate("axe.run(document).then(r => JSON.stringify(r.violations))")
    bad = [(v["id"], v["impact"]) for v in json.loads(result)
           if v["impact"] in ("serious", "critical")]
    context.close()
    assert not bad, bad
    assert not guard.refused
