"""Issue 12: wording comes from the campaign, targets are addressed as what they are, and
a new language is a command away."""

from __future__ import annotations

from pathlib import Path

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import load_campaign
from advocate.templates.host import builtin_templates
from helpers import write

ROOT = Path(__file__).parent.parent

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
