"""The action page's print layout is one A4 page for every target and language, like the
PDF letter, even with a personal note (the kk letter to the president with a two-sentence
note used to run onto a second page). Debian's Chromium via Playwright, nothing downloaded;
any request that is not file: or data: fails the test."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api
from pypdf import PdfReader

from advocate.campaigns import resolve_campaign
from advocate.schema.campaign import load_campaign
from advocate.site import write_site
from browser import ARGS, CHROMIUM

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NOTE = ("I visited the country in 2019 and met people who have since been arrested. "
        "Please release them; their families have waited long enough, and so have we. "
        "I will keep writing until I hear that they are home.")


def write_letter(pg: Any, target: str, lang: str) -> None:
    """Pick a target and language and type a writer with a note and a postal address."""
    pg.select_option("#target", target)
    pg.select_option("#lang", lang)
    pg.fill("#name", "Zoë Example")
    pg.fill("#city", "Tbilisi")
    pg.fill("#note", NOTE)
    pg.fill("#address", "Rustaveli Ave 12\n0108 Tbilisi")


@pytest.mark.parametrize("source", ["kazakhstan-2022",
                                    str(ROOT / "examples" / "journalists-az" / "campaign.yaml")])
def test_print_is_one_page_for_every_target_and_language(tmp_path: Path, source: str) -> None:
    campaign = load_campaign(resolve_campaign(source))
    write_site(campaign, tmp_path / "site")
    refused: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context()
        context.route("**/*", guard)
        pg = context.new_page()
        pg.goto((tmp_path / "site" / "index.html").as_uri())
        pg.wait_for_selector("#letter:not(:empty)", state="attached")
        pages: dict[tuple[str, str], int] = {}
        for target in campaign.targets:
            for lang in campaign.languages:
                write_letter(pg, target.id, lang)
                pg.fill("#country", "Georgia")
                reader = PdfReader(BytesIO(pg.pdf(format="A4")))
                pages[(target.id, lang)] = len(reader.pages)
                text = reader.pages[0].extract_text()
                assert "Zoë Example" in text and "Rustaveli Ave 12, 0108 Tbilisi" in text
        browser.close()
    assert len(pages) == len(campaign.targets) * len(campaign.languages)
    assert all(n == 1 for n in pages.values()), pages
    assert not refused, refused


def test_print_layout_is_the_window_envelope_letter(tmp_path: Path) -> None:
    """Sender top right, the recipient in the DIN 5008 window (45 mm from the top of the
    sheet, 80 mm of text from 25 mm), the date below it, then the body; one page, looked at
    as PNG."""
    import subprocess

    campaign = load_campaign(resolve_campaign("kazakhstan-2022"))
    write_site(campaign, tmp_path / "site")
    mm = 96 / 25.4  # CSS px per millimetre
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page()
        pg.goto((tmp_path / "site" / "index.html").as_uri())
        pg.wait_for_selector("#letter:not(:empty)", state="attached")
        pg.select_option("#target", campaign.targets[0].id)
        pg.fill("#name", "Zoë Example")
        pg.fill("#city", "Tbilisi")
        pg.fill("#country", "Georgia")
        pg.fill("#address", "Rustaveli Ave 12\n0108 Tbilisi")
        pg.fill("#note", NOTE)
        pg.emulate_media(media="print")
        pg.wait_for_selector("#paper .sheet .sender", state="visible")
        box = {k: pg.locator(f"#paper .sheet {k}").bounding_box()
               for k in (".sender", ".recipient", ".date", ".body")}
        box[""] = pg.locator("#paper").bounding_box()
        sheet = box[""]
        assert sheet and all(box.values()), box
        sender, recipient, date, body = (box[k] for k in (".sender", ".recipient", ".date",
                                                          ".body"))
        assert sender and recipient and date and body
        assert abs(sender["y"] - sheet["y"]) < 1
        assert abs(sender["x"] + sender["width"] - sheet["x"] - sheet["width"]) < 1
        assert abs(recipient["y"] - sheet["y"]) < 1  # the block's top, then its padding
        window = pg.evaluate("getComputedStyle(document.querySelector('#paper .recipient'))"
                             ".paddingTop")
        assert abs(float(window.removesuffix("px")) - 27 * mm) < 1  # 18 + 27 = 45 mm
        assert abs(recipient["width"] - 80 * mm) < 1
        assert abs(recipient["x"] - sheet["x"]) < 1  # 25 mm from the sheet's edge
        assert date["y"] >= recipient["y"] + recipient["height"]
        assert body["y"] > date["y"]
        assert "Rustaveli Ave 12, 0108 Tbilisi" in str(pg.locator("#paper .sender")
                                                       .text_content())
        pdf = pg.pdf(format="A4")
        browser.close()
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    (tmp_path / "letter.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(tmp_path / "letter.pdf"),
                    str(tmp_path / "letter")], check=True)
    assert (tmp_path / "letter-1.png").stat().st_size > 10_000


def test_print_on_us_letter_is_one_letter_page(tmp_path: Path) -> None:
    """`advocate site --paper letter`: the page prints each letter on one US Letter page (the
    A4 page's on one A4 page), every target and language, with a note and an address; the
    recipient sits in a US #10 envelope's window, 1.9 in from the top (0.6 in margin and
    1.3 in), as the PDF letter's does."""
    campaign = load_campaign(resolve_campaign("kazakhstan-2022"))
    write_site(campaign, tmp_path / "letter", paper="letter")
    write_site(campaign, tmp_path / "a4")
    sizes: dict[tuple[str, str, str], tuple[int, float, float]] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for paper in ("letter", "a4"):
            pg = browser.new_page()
            pg.goto((tmp_path / paper / "index.html").as_uri())
            pg.wait_for_selector("#letter:not(:empty)", state="attached")
            for target in campaign.targets:
                for lang in campaign.languages:
                    write_letter(pg, target.id, lang)
                    reader = PdfReader(BytesIO(pg.pdf(prefer_css_page_size=True)))
                    box = reader.pages[0].mediabox
                    sizes[(paper, target.id, lang)] = (len(reader.pages), round(float(
                        box.width)), round(float(box.height)))
            if paper == "letter":
                pg.emulate_media(media="print")
                padding = pg.evaluate("getComputedStyle(document.querySelector("
                                      "'#paper .sheet .recipient')).paddingTop")
                assert padding == f"{1.3 * 96:g}px"
            pg.close()
        browser.close()
    assert {v for k, v in sizes.items() if k[0] == "letter"} == {(1, 612, 792)}, sizes
    assert {v for k, v in sizes.items() if k[0] == "a4"} == {(1, 595, 842)}, sizes
