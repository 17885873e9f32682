"""The action page and the build's index hold on every screen, for campaigns unlike ours
(tests/fixtures/campaigns: an 83-letter UN title, Arabic first, Chinese-only targets, a
language advocate has no wording for) in every language each has: at 320, 360, 390, 768,
1200, 1280 and 1920 px the document is no wider than the viewport, and every visible thing is
inside it and clear of its neighbours (tests/layout.py). Debian's Chromium, one browser,
every request that is not file: or data: refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import Guard, launched
from campaign_fixtures import FIXTURE_CAMPAIGNS
from layout import layout_problems

pytestmark = pytest.mark.slow

WIDTHS = (320, 360, 390, 768, 1200, 1280, 1920)
#: (campaign, page language) for every language of every test campaign.
PAGES = [(c.id, lang) for c in FIXTURE_CAMPAIGNS for lang in c.languages]

# The sites and builds in a process of their own: the campaigns' own templates render in
# forked, confined children, which would hold this process's pipe to Playwright open.
_BUILD = """
import sys
from pathlib import Path
from advocate.schema.campaign import load_campaign
from advocate.site import write_site
sys.path.insert(0, sys.argv[2])
from campaign_fixtures import FIXTURE_CAMPAIGNS
out = Path(sys.argv[1])
for fixture in FIXTURE_CAMPAIGNS:
    campaign = load_campaign(fixture.path)
    for lang in fixture.languages:
        write_site(campaign, out / "site" / fixture.id / lang, lang=lang)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layout")
    env_epoch = {"SOURCE_DATE_EPOCH": "1768435200"}

    subprocess.run([sys.executable, "-c", _BUILD, str(out), str(Path(__file__).parents[1])],
                   check=True, timeout=900, env={**os.environ, **env_epoch})
    for fixture in FIXTURE_CAMPAIGNS:
        signers = fixture.signer_paths()[0]
        subprocess.run([sys.executable, "-m", "advocate", "-q", "build", str(fixture.path),
                        "--signers", str(signers), "--formats", "txt,eml", "--no-documents",
                        "-o", str(out / "build")], check=True, timeout=900,
                       env={**os.environ, **env_epoch})
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


def _context(browser: Any, width: int, *, js: bool = True) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 800},
                                  java_script_enabled=js)
    return context, Guard(context).refused


#: Every control of the form inside the content column (at 1200 px the fields once ran
#: 95 px past it, with a long target's name in the "To" menu).
INSIDE_COLUMN = """() => {
  const column = document.querySelector('#write').getBoundingClientRect();
  return [...document.querySelectorAll('#form input, #form select, #form textarea, #form button')]
    .map((el) => [el.id, el.getBoundingClientRect()])
    .filter(([, r]) => r.width && (r.left < column.left - 1 || r.right > column.right + 1))
    .map(([id, r]) => `#${id} spans ${Math.round(r.left)}..${Math.round(r.right)}px, outside ` +
         `the content column ${Math.round(column.left)}..${Math.round(column.right)}px`);
}"""
WRITER = {"name": "Maximiliana Quispe-Wiśniewska de la Torre", "city": "San Juan de Lurigancho",
          "note": "Escribo desde lejos, pero con la memoria de quienes ya no pueden escribir.",
          "address": "Av. Próceres de la Independencia 1234, interior 5\n15434 Lima"}


@pytest.mark.parametrize(("campaign", "lang"), PAGES, ids=[f"{c}-{lang}" for c, lang in PAGES])
def test_the_action_page_holds_at_every_width(browser: Any, built: Path, campaign: str,
                                              lang: str) -> None:
    """Every width, with the first target's letter, the longest-named target's with a
    reading copy in another language, and all targets' letters at once, filled in with long
    values; and without JavaScript."""
    index = built / "site" / campaign / lang / "index.html"
    data = json.loads(index.read_text(encoding="utf-8").split(
        '<script type="application/json" id="data">')[1].split("</script>")[0])
    longest = max(data["targets"], key=lambda t: len(t["name"]))
    reading = next(code for code in data["languages"] if code != longest["lang"])
    found: dict[str, list[str]] = {}
    for width in WIDTHS:
        context, refused = _context(browser, width)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        pg.goto(index.as_uri())
        pg.wait_for_selector("#paper .sheet")
        found[f"{width} first target"] = layout_problems(pg)
        for field, value in WRITER.items():
            pg.fill(f"#{field}", value)
        pg.select_option("#target", longest["id"])
        pg.select_option("#reading", reading)  # with a reading copy below the letter
        assert pg.locator("#reading-copy .sheet").count() == 1
        found[f"{width} {longest['id']} read in {reading}"] = layout_problems(pg)
        pg.select_option("#target", "*")
        found[f"{width} all targets"] = layout_problems(pg) + pg.evaluate(INSIDE_COLUMN)
        context.close()
        assert not errors and not refused, (errors, refused)
        if width in (320, 1280):
            context, refused = _context(browser, width, js=False)
            pg = context.new_page()
            pg.goto(index.as_uri())
            found[f"{width} without JavaScript"] = layout_problems(pg)
            context.close()
            assert not refused
    bad = {state: problems for state, problems in found.items() if problems}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("campaign", [c.id for c in FIXTURE_CAMPAIGNS])
def test_the_build_index_holds_at_every_width(browser: Any, built: Path, campaign: str) -> None:
    index = built / "build" / campaign / "index.html"
    found: dict[int, list[str]] = {}
    for width in WIDTHS:
        context, refused = _context(browser, width)
        pg = context.new_page()
        pg.goto(index.as_uri())
        found[width] = layout_problems(pg)
        context.close()
        assert not refused
    bad = {width: problems for width, problems in found.items() if problems}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
