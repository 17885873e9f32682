"""What shards built on a cluster's nodes get wrong, and the merge catches: SOURCE_DATE_EPOCH
(PDFs carry the instant, not only the day, so shards must agree on it to the second, and the
documents the merge renders are dated as the shards' were, in a Kubernetes merge Job or a
Slurm merge job started without it), and a shard killed while it wrote."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import FIXED_EPOCH

REPO = Path(__file__).resolve().parent.parent
AZ = REPO / "examples" / "journalists-az"
Run = Callable[..., Result]
BUILD = ("build", str(AZ / "campaign.yaml"), "--signers", str(AZ / "signers.csv"),
         "--formats", "txt,eml")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def shards(run: Run, tmp_path: Path, *epochs: str, more: tuple[str, ...] = ()) -> list[str]:
    folders = []
    for k, epoch in enumerate(epochs):
        os.environ["SOURCE_DATE_EPOCH"] = epoch  # restored by conftest's monkeypatch
        folder = str(tmp_path / f"shard-{k}")
        result = run(*BUILD, *more, "--shard", f"{k}/{len(epochs)}", "-o", folder)
        assert result.exit_code == 0, result.stderr
        folders.append(folder)
    return folders


def test_a_merge_without_source_date_epoch_dates_its_documents_as_the_shards(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(*BUILD, "-o", str(tmp_path / "single")).exit_code == 0
    folders = shards(run, tmp_path, FIXED_EPOCH, FIXED_EPOCH)
    record = json.loads((tmp_path / "shard-1" / "journalists-az" / "manifest.json")
                        .read_text(encoding="utf-8"))["shard"]["inputs"]
    assert (record["source_date_epoch"], record["date"]) == (int(FIXED_EPOCH), "2026-01-15")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    result = run("merge", *folders, "-o", str(tmp_path / "merged"))
    assert result.exit_code == 0, result.stderr
    assert "SOURCE_DATE_EPOCH" not in os.environ  # the shards' clock was for the merge only
    merged, single = tree(tmp_path / "merged"), tree(tmp_path / "single")
    assert any(name.endswith("petition.pdf") for name in merged)  # dated documents
    assert merged == single


def test_a_merge_with_another_source_date_epoch_is_refused(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = shards(run, tmp_path, FIXED_EPOCH, FIXED_EPOCH, more=("--no-documents",))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(FIXED_EPOCH) + 99))
    result = run("merge", *folders, "-o", str(tmp_path / "merged"))
    assert result.exit_code == 2
    assert (f"SOURCE_DATE_EPOCH is {int(FIXED_EPOCH) + 99} here, but the shards were built "
            f"with SOURCE_DATE_EPOCH={FIXED_EPOCH}") in result.stderr
    assert "unset it" in result.stderr
    assert not (tmp_path / "merged").exists()


def test_shards_dated_the_same_day_but_another_second_are_refused(
        run: Run, tmp_path: Path) -> None:
    """Before, only the day was compared: the PDF letters of one shard would have carried
    another creation date than one build's."""
    later = str(int(FIXED_EPOCH) + 3600)  # 01:00 the same day
    folders = shards(run, tmp_path, FIXED_EPOCH, later, more=("--no-documents",))
    result = run("merge", *folders, "-o", str(tmp_path / "merged"))
    assert result.exit_code == 2
    assert f"SOURCE_DATE_EPOCH: {later} here, {FIXED_EPOCH} there" in result.stderr
    assert "shard-1" in result.stderr
    assert not (tmp_path / "merged").exists()


def test_a_shard_killed_while_writing_is_named_as_unfinished(run: Run, tmp_path: Path) -> None:
    """As a cancelled Slurm task leaves it: the shard's folder with only a staging folder."""
    (folder,) = shards(run, tmp_path, FIXED_EPOCH, more=("--no-documents",))
    killed = tmp_path / "out" / "shard-1"
    (killed / ".advocate-staging-x1y2").mkdir(parents=True)
    result = run("merge", folder, str(killed), "-o", str(tmp_path / "merged"))
    assert result.exit_code == 2
    assert f"{killed}: no shard output here, only the staging folder of a build that did " \
        "not finish" in result.stderr.replace("\n", " ")
    assert "build this shard again" in result.stderr
    assert not (tmp_path / "merged").exists()
