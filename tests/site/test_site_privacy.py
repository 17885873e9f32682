"""The action page forgets when asked and keeps to itself: remembering is explicit, lasts
only as long as the tab, is undone by unticking or "Forget me", and is off for a page opened
from a file; a quick exit ("Exit this page", or Shift three times) replaces the page at
once, also without JavaScript; no referrer and no DNS prefetch; axe finds nothing serious.

A page served from a web origin is needed for storage: Playwright answers
``https://action.invalid/`` from the site folder itself (no socket, no network)."""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advocate.campaigns import resolve_campaign
from advocate.schema.campaign import load_campaign
from advocate.site import SITE_CSP, write_site
from advocate.site.page import EXIT_URL
from browser import Guard, launched

pytestmark = pytest.mark.slow

AXE = Path(__file__).parents[1] / "fixtures" / "axe" / "axe.min.js"
ORIGIN = "https://action.invalid/"
KEY = "advocate-site:/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1768435200")
    out = tmp_path_factory.mktemp("private") / "site"
    write_site(load_campaign(resolve_campaign("kazakhstan-2022")), out)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


class Served:
    """A context where ``https://action.invalid/NAME`` is the site's file NAME and every
    other request but file: and data: is refused (and kept, to fail the test)."""

    def __init__(self, browser: Any, site: Path, **options: Any) -> None:
        self.context = browser.new_context(**options)
        self.refused = Guard(self.context).refused
        self.context.route(ORIGIN + "**", self._serve)
        self.site = site

    def _serve(self, route: Any) -> None:
        name = route.request.url[len(ORIGIN):].split("?")[0] or "index.html"
        path = self.site / name
        if not path.is_file() or path.resolve().parent != self.site.resolve():
            route.fulfill(status=404, body="")
            return
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(),
                      headers={"Content-Type": f"{kind}; charset=utf-8"})

    def page(self) -> Any:
        pg = self.context.new_page()
        pg.goto(ORIGIN + "index.html")
        pg.wait_for_selector("#paper .sheet")
        return pg

    def close(self) -> None:
        self.context.close()
        assert not self.refused, self.refused


def stored(pg: Any) -> dict[str, Any]:
    return {"session": pg.evaluate(f"sessionStorage.getItem({KEY!r})"),
            "local": pg.evaluate(f"localStorage.getItem({KEY!r})")}


def test_nothing_is_kept_unless_asked(browser: Any, site: Path) -> None:
    served = Served(browser, site)
    pg = served.page()
    pg.fill("#name", "Kept Name")
    pg.fill("#note", "A note.")
    assert stored(pg) == {"session": None, "local": None}
    assert pg.evaluate("sessionStorage.length + localStorage.length") == 0
    pg.reload()
    pg.wait_for_selector("#paper .sheet")
    assert pg.input_value("#name") == "" and not pg.is_checked("#remember")
    served.close()


def test_remembering_lasts_for_the_tab_only(browser: Any, site: Path) -> None:
    """Ticked: kept in sessionStorage (never localStorage), restored on reload with the box
    ticked; a new tab, as after closing this one, starts empty."""
    served = Served(browser, site)
    pg = served.page()
    pg.check("#remember")
    pg.fill("#name", "Kept Name")
    pg.fill("#city", "Oslo")
    kept = stored(pg)
    assert kept["local"] is None
    assert json.loads(kept["session"])["name"] == "Kept Name"
    pg.reload()
    pg.wait_for_selector("#paper .sheet")
    assert pg.input_value("#name") == "Kept Name" and pg.is_checked("#remember")
    other = served.page()  # another tab of the same site: its own session
    assert other.input_value("#name") == "" and not other.is_checked("#remember")
    assert stored(other) == {"session": None, "local": None}
    served.close()


def test_unticking_deletes_and_stops_the_restore(browser: Any, site: Path) -> None:
    served = Served(browser, site)
    pg = served.page()
    pg.check("#remember")
    pg.fill("#name", "Kept Name")
    assert stored(pg)["session"] is not None
    pg.uncheck("#remember")
    assert stored(pg) == {"session": None, "local": None}
    pg.fill("#name", "Typed After")  # typing on does not store it again
    assert stored(pg) == {"session": None, "local": None}
    pg.reload()
    pg.wait_for_selector("#paper .sheet")
    assert not pg.is_checked("#remember") and pg.input_value("#name") == ""
    served.close()


def test_forget_me_deletes_clears_and_says_so(browser: Any, site: Path) -> None:
    served = Served(browser, site)
    pg = served.page()
    pg.check("#remember")
    pg.fill("#name", "Kept Name")
    pg.fill("#note", "My note")
    pg.click("#forget")
    assert stored(pg) == {"session": None, "local": None}
    assert pg.input_value("#name") == "" and pg.input_value("#note") == ""
    assert not pg.is_checked("#remember")
    assert pg.text_content("#status") == "Your details are forgotten."
    pg.reload()
    pg.wait_for_selector("#paper .sheet")
    assert pg.input_value("#name") == ""
    served.close()


def test_a_copy_left_by_an_earlier_version_is_deleted(browser: Any, site: Path) -> None:
    """Earlier pages kept the details in localStorage, readable by every page of the origin
    for good: the page deletes that copy and never restores from it."""
    served = Served(browser, site)
    pg = served.page()
    pg.evaluate(f"localStorage.setItem({KEY!r}, JSON.stringify({{name: 'Old Copy'}}))")
    pg.reload()
    pg.wait_for_selector("#paper .sheet")
    assert pg.input_value("#name") == "" and not pg.is_checked("#remember")
    assert stored(pg)["local"] is None
    served.close()


def test_remembering_is_off_for_a_page_opened_from_a_file(browser: Any, site: Path) -> None:
    """Every local file shares a file: page's storage (a mailed attachment could read it):
    the box is disabled, the page says why, and nothing is stored whatever is typed."""
    context = browser.new_context()
    pg = context.new_page()
    pg.goto((site / "index.html").as_uri())
    pg.wait_for_selector("#paper .sheet")
    assert pg.is_disabled("#remember")
    off = pg.locator("#remember-off")
    assert off.is_visible() and "opened from a file" in off.inner_text()
    pg.fill("#name", "Typed Name")
    pg.evaluate("document.querySelector('#remember').click()")  # even if forced
    pg.fill("#name", "Typed Name")
    assert pg.evaluate("sessionStorage.length + localStorage.length") == 0
    context.close()


def test_the_privacy_line_says_who_can_read_what_is_kept(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    footer = html[html.index("<footer>"):html.index("</footer>")]
    assert "sends nothing anywhere" in footer
    assert "until you close it" in footer and "anyone using this device" in footer
    assert "any page of this website" in footer and "Forget me" in footer
    assert 'aria-describedby="kept"' in html  # the box points at the line that explains it


def test_no_referrer_no_dns_prefetch_and_the_policy(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    head = html[:html.index("</head>")]
    assert '<meta name="referrer" content="no-referrer">' in head
    assert '<meta http-equiv="x-dns-prefetch-control" content="off">' in head
    assert f'content="{SITE_CSP}"' in head
    assert "default-src 'none'; script-src 'self'; style-src 'self'" in SITE_CSP
    assert "unsafe-inline" not in SITE_CSP
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
    assert not re.search(r"\sstyle=", html)  # no inline style either
    for link in re.findall(r"<a [^>]*href=\"(?:https?:|about:)[^>]*>", html):
        assert 'rel="noreferrer' in link, link


@pytest.mark.parametrize("how", ["button", "shift"])
def test_quick_exit_replaces_the_page(browser: Any, site: Path, how: str) -> None:
    """The button, or Shift pressed three times, clears what was typed and replaces the
    page: Back does not return to it."""
    served = Served(browser, site)
    pg = served.context.new_page()
    pg.goto("about:blank#before")
    pg.goto(ORIGIN + "index.html")
    pg.wait_for_selector("#paper .sheet")
    pg.fill("#name", "Secret Name")
    assert pg.locator("#exit").is_visible()
    if how == "button":
        pg.click("#exit")
    else:
        pg.locator("#name").focus()
        for _ in range(3):
            pg.keyboard.press("Shift")
    pg.wait_for_url(EXIT_URL)
    assert "Secret Name" not in pg.content()
    pg.go_back()
    assert pg.url == "about:blank#before"  # the action page is gone from the history
    served.close()


def test_shift_with_other_keys_between_does_not_exit(browser: Any, site: Path) -> None:
    """Typing capitals (Shift with letters) never counts as the exit key."""
    served = Served(browser, site)
    pg = served.page()
    pg.locator("#name").focus()
    for letter in "ABC":
        pg.keyboard.press(f"Shift+{letter}")
    pg.wait_for_timeout(200)
    assert pg.url == ORIGIN + "index.html" and pg.input_value("#name") == "ABC"
    served.close()


def test_quick_exit_without_javascript_is_a_plain_link(browser: Any, site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto((site / "index.html").as_uri())
    link = pg.locator("a#exit")
    assert link.is_visible() and link.get_attribute("href") == EXIT_URL
    assert "noreferrer" in (link.get_attribute("rel") or "")
    assert not pg.locator(".exit-key").is_visible()  # the key needs the script: not offered
    link.click()
    pg.wait_for_url(EXIT_URL)
    context.close()


def test_exit_and_remember_pass_axe(browser: Any, site: Path) -> None:
    """axe-core: no serious or critical violation on the served page (where remembering is
    on), on the page from a file (where it is off), and on that page as a browser without
    JavaScript shows it (its script not loaded; axe itself still runs)."""
    for served_page, script in ((True, True), (False, True), (False, False)):
        if served_page:
            served = Served(browser, site, bypass_csp=True)
            context, pg = served.context, served.page()
        else:
            context = browser.new_context(bypass_csp=True)
            if not script:
                context.route("**/site.js", lambda route: route.abort())
            pg = context.new_page()
            pg.goto((site / "index.html").as_uri())
            if script:
                pg.wait_for_selector("#paper .sheet")
        pg.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = pg.evaluate("axe.run(document).then(r => JSON.stringify(r.violations))")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in json.loads(result) if v["impact"] in ("serious", "critical")]
        context.close()
        assert not bad, (served_page, script, bad)
