"""Letters not all alike across the tool: advocate check counts them, merged shards are
the single build."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from campaign_fixtures import CAMPAIGN_FIXTURES
from helpers import write

VARIED = CAMPAIGN_FIXTURES / "varied.yaml"  # a campaign with variants:, in English and Arabic
BASE, _, _rest = VARIED.read_text(encoding="utf-8").partition("variants:\n")
VARIANTS = "variants:\n" + _rest
N = BASE.count("\n")  # the line before "variants:"


def test_check_counts_each_targets_letters_and_names_an_unused_slot(
        tmp_path: Path, run: Callable[..., Result]) -> None:
    path = write(tmp_path / "v.yaml", BASE + VARIANTS + '  openning: ["Hello.", "Hi."]\n')
    from advocate.check import check_campaign, letter_combinations

    assert letter_combinations(path) == {"minister": 3 * 4 * 2 * 2, "envoy": 3 * 2 * 2 * 2}
    unused = [p for p in check_campaign(path, render_pdfs=False) if p.code == "unused-variant"]
    assert [(p.line, p.message, p.hint) for p in unused] == [
        (N + VARIANTS.count("\n") + 1, "no letter prints the variants of 'openning'",
         "did you mean 'opening'?")]
    result = run("check", str(path), "--no-pdf")
    assert result.exit_code == 0
    assert "different letters per target: minister 48, envoy 24" in result.stderr
    plain = write(tmp_path / "plain.yaml", BASE)
    assert letter_combinations(plain) == {"minister": 1, "envoy": 1}
    assert "different letters" not in run("check", str(plain), "--no-pdf").stderr


def test_merged_shards_of_a_varied_campaign_are_the_single_build(tmp_path: Path) -> None:
    import subprocess

    from advocate.campaigns import resolve_campaign
    from test_merge import assert_same_output, build_shards, cli, single_build

    campaign = resolve_campaign("kazakhstan-2022")
    signers = write(tmp_path / "signers.csv", "name,city\n" + "".join(
        f"Person {i},Almaty\n" for i in range(1, 31)))
    options = ["--formats", "txt,eml", "--no-documents"]
    single = single_build(campaign, signers, tmp_path / "single", options)
    shards = build_shards(campaign, signers, tmp_path, 3, options)
    merged = subprocess.run(cli("merge", *shards, "-o", tmp_path / "merged"),
                            capture_output=True, text=True, check=False, timeout=600)
    assert merged.returncode == 0, merged.stderr
    assert_same_output(single, tmp_path / "merged")
    letters = sorted((tmp_path / "merged").rglob("*-president.txt"))
    assert len(letters) == 30
    bodies = {re.sub(r"Person \d+", "", p.read_text(encoding="utf-8").split("Ref.")[0])
              for p in letters}
    assert len(bodies) == 30  # only the variants tell them apart
