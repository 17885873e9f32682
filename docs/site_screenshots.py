"""Screenshots of the action page (``advocate site``) at desktop and phone width, its letter
as paper, and an Arabic page (right to left) at phone width, for the README:
``.venv/bin/python docs/site_screenshots.py`` (needs Debian's chromium)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from advocate.campaigns import resolve_campaign
from advocate.schema.campaign import load_campaign
from advocate.site import write_site

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS = Path(__file__).parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        write_site(load_campaign(resolve_campaign("kazakhstan-2022")), site)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, width, height in (("desktop", 1280, 1000), ("phone", 360, 780)):
                context = browser.new_context(viewport={"width": width, "height": height})
                context.route("**/*", lambda route: route.continue_()
                              if route.request.url.startswith(("file:", "data:"))
                              else route.abort())
                page = context.new_page()
                page.goto((site / "index.html").as_uri())
                page.select_option("#target", "president")
                page.fill("#name", "Ana Writer")
                page.fill("#city", "Oslo")
                page.fill("#note", "I teach history; my students ask me what happened.")
                page.evaluate("document.activeElement.blur(); scrollTo(0, 0)")
                page.screenshot(path=str(DOCS / f"site-{name}.png"))
                if name == "desktop":  # the letter as the supporter sees it, as paper
                    # (the exit bar sticks to the top as the page scrolls: not over the letter)
                    page.evaluate("document.querySelector('.exit-bar').style.position = 'static'")
                    page.locator("#result").screenshot(path=str(DOCS / "site-letter.png"))
                context.close()
            world = DOCS.parent / "tests" / "fixtures" / "world" / "campaign.yaml"
            write_site(load_campaign(world), Path(tmp) / "arabic", lang="ar")
            context = browser.new_context(viewport={"width": 360, "height": 780})
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(("file:", "data:")) else route.abort())
            page = context.new_page()
            page.goto((Path(tmp) / "arabic" / "index.html").as_uri())
            page.select_option("#target", "ambassador")
            page.fill("#name", "محمد علي")
            page.fill("#city", "Paris")
            page.evaluate("document.activeElement.blur(); scrollTo(0, 0)")
            page.screenshot(path=str(DOCS / "site-arabic.png"))
            context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
