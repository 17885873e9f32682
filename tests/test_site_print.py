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

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NOTE = ("I visited the country in 2019 and met people who have since been arrested. "
        "Please release them; their families have waited long enough, and so have we. "
        "I will keep writing until I hear that they are home.")


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
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context()
        context.route("**/*", guard)
        pg = context.new_page()
        pg.goto((tmp_path / "site" / "index.html").as_uri())
        pg.wait_for_selector("#letter:not(:empty)")
        pages: dict[tuple[str, str], int] = {}
        for target in campaign.targets:
            for lang in campaign.languages:
                pg.select_option("#target", target.id)
                pg.select_option("#lang", lang)
                pg.fill("#name", "Zoë Example")
                pg.fill("#city", "Tbilisi")
                pg.fill("#note", NOTE)
                reader = PdfReader(BytesIO(pg.pdf(format="A4")))
                pages[(target.id, lang)] = len(reader.pages)
                assert "Zoë Example" in reader.pages[0].extract_text()
        browser.close()
    assert len(pages) == len(campaign.targets) * len(campaign.languages)
    assert all(n == 1 for n in pages.values()), pages
    assert not refused, refused
