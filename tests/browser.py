"""Debian's Chromium for the action page's tests, through Playwright (never a downloaded
browser), offline: one launch, and a guard that lets file: and data: through and refuses
(and keeps, to fail the test) any other request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launched() -> Iterator[Any]:
    """A browser for a module's tests (a fixture's body: yields it, closes it)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Guard:
    """Routes every request of a context: file: and data: go on, anything else is aborted
    and kept in ``refused``."""

    def __init__(self, context: Any) -> None:
        self.refused: list[str] = []
        context.route("**/*", self.handle)

    def handle(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()
