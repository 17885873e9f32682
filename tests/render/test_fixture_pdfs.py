"""Every PDF a build makes, for every test campaign unlike the bundled one (long official
titles, right-to-left and CJK targets, a language with no bundled wording, three campaign
languages, signer lists from exports): read back from poppler's word boxes, no word lies
outside its page and no two words overlap. The letters (one page each, in each target's
language), the brief, the petition and the signature sheet in every campaign language."""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from campaign_fixtures import FIXTURE_CAMPAIGNS, FixtureCampaign

ADVOCATE = [sys.executable, "-m", "advocate"]
SLACK = 0.75  # points: a glyph's box may touch the page's edge or its neighbour's
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>", re.S)

Box = tuple[float, float, float, float, str]


def word_boxes(pdf: Path) -> list[tuple[float, float, list[Box]]]:
    """Each page's width, height and word boxes, as poppler reads them."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = []
    for width, height, body in _PAGE.findall(out):
        words = [(float(a), float(b), float(c), float(d), html.unescape(t))
                 for a, b, c, d, t in _WORD.findall(body)]
        pages.append((float(width), float(height), words))
    return pages


def _overlap(a: Box, b: Box) -> float:
    """How much of the smaller box the two share (0 to 1)."""
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    if dx <= SLACK or dy <= SLACK:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return dx * dy / smaller if smaller > 0 else 0.0


def layout_problems(pdf: Path) -> list[str]:
    problems = []
    for number, (width, height, words) in enumerate(word_boxes(pdf), 1):
        for box in words:
            if box[0] < -SLACK or box[1] < -SLACK or box[2] > width + SLACK \
                    or box[3] > height + SLACK:
                problems.append(f"{pdf.name} p{number}: {box[4]!r} outside the page")
        ordered = sorted(words, key=lambda b: b[1])
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                if b[1] >= a[3]:
                    break
                if _overlap(a, b) > 0.5:  # (font boxes hold their line's ascent and descent)
                    problems.append(f"{pdf.name} p{number}: {a[4]!r} overlaps {b[4]!r}")
    return problems


def _few_signers(campaign: FixtureCampaign, folder: Path) -> Path:
    """The campaign's first signer list cut to its first three rows (every letter's layout
    is the same wording; three writers from the export are enough to see names drawn)."""
    source = campaign.signer_paths()[0]
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    cut = folder / source.name
    with cut.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:4])
    return cut


@pytest.mark.slow
@pytest.mark.parametrize("campaign", FIXTURE_CAMPAIGNS, ids=lambda c: c.id)
def test_every_pdf_of_a_build_keeps_its_words_on_the_page_and_apart(
        campaign: FixtureCampaign, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [*ADVOCATE, "build", str(campaign.path), "--signers",
         str(_few_signers(campaign, tmp_path)), "--formats", "pdf", "-o", str(out),
         "--jobs", "1"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    pdfs = sorted(out.rglob("*.pdf"))
    kinds = {p.name.split(".")[0] for p in pdfs}
    assert {"brief", "petition", "sheet"} <= kinds
    for lang in campaign.languages[1:]:  # every campaign language has its documents
        assert (out / campaign.id / f"brief.{lang}.pdf").is_file()
    assert any(p.parent.name == "letters" for p in pdfs)
    problems = [problem for pdf in pdfs for problem in layout_problems(pdf)]
    assert not problems, "\n".join(problems[:40])


def test_the_check_sees_a_word_off_the_page_and_two_words_on_top_of_each_other(
        tmp_path: Path) -> None:
    """The check itself, on a PDF made to fail it."""
    from advocate.render.pdf import render_pdf

    page = ('<html><head><style>@page { size: A6; margin: 1cm } '
            '.off { margin-left: 70mm; white-space: nowrap } div { position: relative }'
            '.on { position: absolute; left: 0; top: 0 }</style></head><body>'
            '<div><span>Alpha</span><span class="on">Omega</span></div>'
            '<p class="off">Beyondtheedgeofthepage</p></body></html>')
    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(render_pdf(page, title="t", lang="en", base_dir=tmp_path))
    problems = layout_problems(pdf)
    assert any("'Beyondthee' outside the page" in p for p in problems), problems
    assert any("overlaps" in p for p in problems), problems
