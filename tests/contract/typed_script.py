"""A script written from the README and the package docstring: mypy --strict must pass it."""

from __future__ import annotations

from pathlib import Path

import advocate
from advocate import BuildResult, Document, PdfResult, Problem, Renderer, Writer


def letters(campaign_file: str, out: str) -> int:
    campaign = advocate.load_campaign(campaign_file)
    renderer = Renderer(campaign)
    letter: Document = renderer.letter("president", Writer(name="A. Writer", city="Berlin"))
    text: str = renderer.format([letter], "txt")
    pdf: PdfResult = renderer.pdf_result([letter])
    problems: list[Problem] = advocate.check_campaign(campaign_file, render_pdfs=False)
    result: BuildResult = advocate.build_campaigns([campaign_file], Path(out))
    report = advocate.verify_build(out)
    return len(text) + pdf.pages + len(problems) + len(result.files) + report.files
