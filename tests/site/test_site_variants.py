"""Letters not all alike on the action page: each supporter's letter takes its variants in
the page's own script, as `advocate letter` takes a single letter's (from the name), in
Debian's Chromium, offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.site import write_site
from browser import Guard, launched
from campaign_fixtures import CAMPAIGN_FIXTURES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Campaign, Path]:
    import os

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1768435200")
    folder = tmp_path_factory.mktemp("varied")
    campaign = load_campaign(CAMPAIGN_FIXTURES / "varied.yaml")
    write_site(campaign, folder / "site")
    return campaign, folder / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


def letter(pg: Any, target: str, lang: str, name: str, city: str = "Oslo") -> str:
    pg.select_option("#target", target)
    pg.select_option("#lang", lang)
    pg.fill("#name", name)
    pg.fill("#city", city)
    return str(pg.locator("#letter").text_content())


def test_the_page_takes_each_names_variants_as_the_letter_command(
        browser: Any, varied: tuple[Campaign, Path]) -> None:
    campaign, site = varied
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    guard = Guard(context)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto((site / "index.html").as_uri())
    pg.wait_for_selector("#letter:not(:empty)", state="attached")
    renderer = Renderer(campaign)
    openings: set[str] = set()
    names = ["Ana", "Jane O'Brien", "محمد علي", "Ана Петрова", "Zoë", "李雷", "A. B. C."]
    for target in ("minister", "envoy"):
        for lang in ("en", "ar"):
            for name in names:
                shown = letter(pg, target, lang, name)
                made = renderer.letter(target, Writer(name=name, city="Oslo"), lang)
                assert shown == renderer.format([made], "txt"), (target, lang, name)
                openings.add(str(made.context["variants"]["opening"]))
    assert len(openings) >= 4  # the names took different variants (3 per language)
    # the same name, the same letter; and the fill-in letter without a name too
    assert letter(pg, "minister", "en", "Ana") == letter(pg, "minister", "en", "Ana")
    context.close()
    assert not errors, errors
    assert not guard.refused, guard.refused


def test_the_page_carries_every_variant_and_no_address(varied: tuple[Campaign, Path]) -> None:
    _, site = varied
    page = (site / "index.html").read_text(encoding="utf-8")
    for text in ("Please press the authorities to:", "I call on you to:", "With respect,"):
        assert text in page
    assert "{target}" not in page and "{ask:free}" not in page  # filled in ahead
