"""build --shard: which letters a shard renders (a fixed share of the rows, whatever --jobs),
where auto/N takes K from, and the messages for a bad --shard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate import build as builder
from advocate.errors import AdvocateError
from advocate.schema.campaign import load_campaign
from advocate.shard import ENV_VARS, Shard, index_from_env, parse_shard, shard_of
from advocate.signers import read_signers

REPO = Path(__file__).resolve().parent.parent
AZ = REPO / "examples" / "journalists-az"
Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def _no_runner_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ENV_VARS, "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT",
                 "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_MAX"):
        monkeypatch.delenv(name, raising=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_letter_is_in_exactly_one_shard() -> None:
    campaign = load_campaign(AZ / "campaign.yaml")
    signers = read_signers(AZ / "signers.csv")
    whole = builder.plan(campaign, signers, formats=("txt",))
    stems = [job.stem for job in whole.letters]
    for count in range(1, 8):
        shares = [[job.stem for job in builder.plan(campaign, signers, formats=("txt",),
                                                    shard=Shard(k, count)).letters]
                  for k in range(count)]
        assert sorted(s for share in shares for s in share) == sorted(stems)
        sizes = [len(share) for share in shares]
        assert max(sizes) - min(sizes) <= len(campaign.targets)  # one signer's letters


def test_a_shard_keeps_its_rows_when_the_list_grows(tmp_path: Path) -> None:
    """Rows, not a hash of the list: rows added at the end do not move anyone."""
    campaign = load_campaign(AZ / "campaign.yaml")
    lines = (AZ / "signers.csv").read_text(encoding="utf-8").splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(lines[:12]) + "\n", encoding="utf-8")
    before = builder.plan(campaign, read_signers(short), shard=Shard(2, 4))
    after = builder.plan(campaign, read_signers(AZ / "signers.csv"), shard=Shard(2, 4))
    assert {j.stem for j in before.letters} <= {j.stem for j in after.letters}
    assert {j.index for j in after.letters} == {r for r in range(1, len(lines)) if
                                                (r - 1) % 4 == 2}


def test_shard_of_rows_and_fill_in_letters() -> None:
    assert [shard_of(row, 3) for row in range(1, 8)] == [0, 1, 2, 0, 1, 2, 0]
    assert shard_of(0, 5) == 0  # no signer list: the fill-in letters are shard 0's
    campaign = load_campaign(AZ / "campaign.yaml")
    assert builder.plan(campaign, None, shard=Shard(1, 2)).letters == []
    assert len(builder.plan(campaign, None, shard=Shard(0, 2)).letters) == \
        len(campaign.targets)


def test_a_shard_is_the_same_whatever_jobs(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """One process, or a pool of two workers (forced even for a small list)."""
    from advocate.signers.source import SignerSource

    source = SignerSource(AZ / "signers.csv")
    signers, _ = source.read()
    monkeypatch.setattr(builder.letters, "POOL_MIN_LETTERS", 1)
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        builder.build([AZ / "campaign.yaml"], out, builder.BuildOptions(
                          formats=("txt", "eml"), jobs=jobs, documents=False, shard=Shard(1, 3)),
                      signers=signers, signer_source=source)
        outputs.append(tree(out))
    assert outputs[0] == outputs[1]
    assert any("/letters/00002-" in name for name in outputs[0])
    assert not any("/letters/00001-" in name for name in outputs[0])


@pytest.mark.parametrize(("env", "count", "index"), [
    ({"ADVOCATE_SHARD_INDEX": "2"}, 3, 2),
    ({"JOB_COMPLETION_INDEX": "0"}, 4, 0),
    ({"JOB_COMPLETION_INDEX": "3"}, 4, 3),
    ({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "0"}, 2, 1),
    ({"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1",
      "SLURM_ARRAY_TASK_COUNT": "4"}, 4, 3),  # --array=1-4
    ({"SLURM_ARRAY_TASK_ID": "1"}, 2, 1),  # no MIN: taken as counted from 0
    ({"SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "2",
      "SLURM_ARRAY_TASK_COUNT": "4"}, 4, 3),  # --array=0-6:2
    # As Slurm 22.05 sets them for --array=1-5:2%1 (one task at a time), task 5:
    ({"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "5",
      "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "3"}, 3, 2),
    ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "7", "SLURM_ARRAY_TASK_MAX": "7",
      "SLURM_ARRAY_TASK_STEP": "1", "SLURM_ARRAY_TASK_COUNT": "1"}, 1, 0),  # --array=7
    ({"ADVOCATE_SHARD_INDEX": "3", "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "3",
      "SLURM_ARRAY_TASK_COUNT": "1"}, 8, 3),  # one shard resubmitted: ours wins
    ({"ADVOCATE_SHARD_INDEX": "1", "JOB_COMPLETION_INDEX": "0"}, 2, 1),  # ours first
])
def test_auto_takes_the_index_from_the_runner(env: dict[str, str], count: int,
                                              index: int) -> None:
    assert index_from_env(count, env) == index
    assert parse_shard(f"auto/{count}", env) == Shard(index, count)


@pytest.mark.parametrize(("env", "message"), [
    ({}, "no shard index in the environment"),
    ({"JOB_COMPLETION_INDEX": "4"}, "JOB_COMPLETION_INDEX gives shard 4, not one of 0 to 3"),
    ({"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1"}, "gives shard 4"),
    ({"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "8"}, "the Slurm array has 8"),
    ({"ADVOCATE_SHARD_INDEX": "-1"}, "is not a whole number"),
    # for --array=1,2,4-9:5 (MIN 1, MAX 9, STEP 5, 4 tasks): task 2 would be shard 0 twice
    ({"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "9",
      "SLURM_ARRAY_TASK_STEP": "5", "SLURM_ARRAY_TASK_COUNT": "4"},
     r"\(1-9, 4 tasks, step 5\) is not evenly spaced, so its task IDs are not shards 0 to 3"),
])
def test_auto_refuses_a_missing_or_wrong_index(env: dict[str, str], message: str) -> None:
    with pytest.raises(AdvocateError, match=message):
        parse_shard("auto/4", env)


@pytest.mark.parametrize("task", ["0", "2", "3"])
def test_every_task_of_an_uneven_slurm_array_is_refused(task: str) -> None:
    env = {"SLURM_ARRAY_TASK_ID": task, "SLURM_ARRAY_TASK_MIN": "0",
           "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_STEP": "1",
           "SLURM_ARRAY_TASK_COUNT": "3"}  # --array=0,2,3, as Slurm 22.05 sets it: task 0
    # and task 2 alone would look right; refused all the same (shard 1 would be nobody's)
    with pytest.raises(AdvocateError, match="not evenly spaced") as caught:
        parse_shard("auto/3", env)
    assert "--array=0-2" in str(caught.value.problems[0].hint)


@pytest.mark.parametrize(("spec", "message"), [
    ("3/3", "K must be below N"), ("1/0", "N must be at least 1"), ("x", "is not K/N"),
    ("1-3", "is not K/N"), ("-1/3", "is not K/N"), ("1/3/4", "is not K/N"),
    ("auto/0", "N must be at least 1"), ("auto", "is not K/N"),
])
def test_bad_shard_syntax_exits_2_with_a_clear_message(run: Run, tmp_path: Path, spec: str,
                                                      message: str) -> None:
    out = tmp_path / "out"
    result = run("build", str(AZ / "campaign.yaml"), "--signers", str(AZ / "signers.csv"),
                 "-o", str(out), "--shard", spec, "--formats", "txt")
    assert result.exit_code == 2
    assert message in result.stderr and "--shard K/N" in result.stderr
    assert not out.exists()


def test_auto_in_the_cli_reads_each_variable(run: Run, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["build", str(AZ / "campaign.yaml"), "--signers", str(AZ / "signers.csv"),
            "--formats", "txt", "--no-documents", "-j", "1"]
    assert run(*args, "-o", str(tmp_path / "fixed"), "--shard", "1/3").exit_code == 0
    want = tree(tmp_path / "fixed")
    for name, value, extra in (("ADVOCATE_SHARD_INDEX", "1", {}),
                               ("JOB_COMPLETION_INDEX", "1", {}),
                               ("SLURM_ARRAY_TASK_ID", "2", {"SLURM_ARRAY_TASK_MIN": "1"})):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            for key, other in extra.items():
                patch.setenv(key, other)
            out = tmp_path / name
            result = run(*args, "-o", str(out), "--shard", "auto/3")
            assert result.exit_code == 0, result.stderr
            assert tree(out) == want, name
    result = run(*args, "-o", str(tmp_path / "none"), "--shard", "auto/3")
    assert result.exit_code == 2
    assert "no shard index in the environment" in result.stderr
    assert "JOB_COMPLETION_INDEX" in result.stderr


def test_documents_shard_needs_a_shard_in_range(run: Run, tmp_path: Path) -> None:
    args = ["build", str(AZ / "campaign.yaml"), "--signers", str(AZ / "signers.csv"),
            "-o", str(tmp_path / "out"), "--formats", "txt"]
    result = run(*args, "--documents-shard", "0")
    assert result.exit_code == 2 and "--documents-shard needs --shard" in result.stderr
    result = run(*args, "--shard", "0/2", "--documents-shard", "2")
    assert result.exit_code == 2 and "not a shard of 2" in result.stderr
    result = run(*args, "--shard", "0/2", "--watch")
    assert result.exit_code == 2 and "--watch" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_library_needs_the_signer_source_to_record_it(tmp_path: Path) -> None:
    signers = read_signers(AZ / "signers.csv")
    with pytest.raises(AdvocateError, match="records where its signer list comes from"):
        builder.build([AZ / "campaign.yaml"], tmp_path / "out",
                      builder.BuildOptions(shard=Shard(0, 2), formats=("txt",)), signers=signers)
    assert not (tmp_path / "out").exists()


def test_a_dry_run_lists_the_shard_share(run: Run, tmp_path: Path) -> None:
    result = run("build", str(AZ / "campaign.yaml"), "--signers", str(AZ / "signers.csv"),
                 "-o", str(tmp_path / "out"), "--shard", "0/2", "--dry-run",
                 "--formats", "txt")
    assert result.exit_code == 0
    names = result.stdout.split()
    assert any(name.endswith("/letters/00001-president.txt") for name in names)
    assert not any("/letters/00002-" in name for name in names)
    assert not any(name.endswith(("index.html", "brief.pdf")) for name in names)
    assert any(name.endswith("shard-links.json") for name in names)


def test_tree_hash_counts_pycache_like_any_folder(tmp_path: Path) -> None:
    """`__pycache__` was left out: a pack template served from it (templates/en linked to
    it) could change between the shards without the merge noticing."""
    from advocate.shard import tree_sha256

    (tmp_path / "__pycache__").mkdir()
    template = tmp_path / "__pycache__" / "letter.md.j2"
    template.write_text("one", encoding="utf-8")
    (tmp_path / "en").symlink_to("__pycache__")
    before = tree_sha256([tmp_path])
    template.write_text("two", encoding="utf-8")
    assert tree_sha256([tmp_path]) != before
