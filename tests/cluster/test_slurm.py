"""docs/scaling/'s Slurm scripts, submitted to a real one-node Slurm exactly as docs/scaling.md
tells a user: the array's shards merge into one build's output byte for byte, an uneven
array is refused, and a killed shard is named by the merge and recovered by resubmitting it.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from one_node import OneNodeSlurm

REPO = Path(__file__).resolve().parents[2]
SHARDS_SCRIPT = REPO / "docs" / "scaling" / "slurm-shards.sh"
MERGE_SCRIPT = REPO / "docs" / "scaling" / "slurm-merge.sh"
AZ = REPO / "examples" / "journalists-az"
EPOCH = "1768435200"
#: Every wait is bounded: a whole array of the bundled example takes some 30 s here.
WAIT = 240


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def user_env(inputs: Path, out: Path) -> dict[str, str]:
    """What the user exports before `sbatch --export=ALL` (docs/scaling.md): advocate on
    PATH, the inputs and the output folder on the shared file system, one date."""
    bin_dir = str(Path(sys.executable).parent)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "CAMPAIGN": str(inputs / "campaign.yaml"), "SIGNERS": str(inputs / "signers.csv"),
            "OUT": str(out), "SOURCE_DATE_EPOCH": EPOCH, "FORMATS": "txt,eml"}


def shared_inputs(folder: Path, signers: Path = AZ / "signers.csv") -> Path:
    """The campaign, its templates and a signer list in the 'shared file system'."""
    folder.mkdir(parents=True)
    shutil.copy(AZ / "campaign.yaml", folder / "campaign.yaml")
    shutil.copytree(AZ / "templates", folder / "templates")
    shutil.copy(signers, folder / "signers.csv")
    return folder


def one_build(inputs: Path) -> dict[str, bytes]:
    """The unsharded build of the same inputs, at the same paths, with the same date."""
    out = inputs.parent / f"{inputs.name}-single"
    if not out.exists():
        # Without the letter cache the shards may have filled: a reference of its own.
        env = {**os.environ, **user_env(inputs, out), "ADVOCATE_NO_CACHE": "1"}
        done = subprocess.run([sys.executable, "-m", "advocate", "--quiet", "build",
                               env["CAMPAIGN"], "--signers", env["SIGNERS"], "--formats",
                               "txt,eml", "-o", str(out)],
                              env=env, capture_output=True, text=True, timeout=WAIT, check=False)
        assert done.returncode == 0, done.stderr
    return tree(out)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The journalists-az example as inputs on the shared file system (one for the module,
    so that its unsharded build is made once)."""
    return shared_inputs(tmp_path_factory.mktemp("shared") / "in")


def array_size(script: Path) -> int:
    found = re.search(r"^#SBATCH --array=(\d+)-(\d+)$", script.read_text(encoding="utf-8"), re.M)
    assert found, f"{script.name} has no #SBATCH --array=A-B line"
    return int(found.group(2)) - int(found.group(1)) + 1


def output_of(task_stdout: str) -> str:
    return Path(task_stdout).read_text(encoding="utf-8", errors="replace")


def test_the_documented_array_and_merge_give_one_builds_output(
        slurm: OneNodeSlurm, bundled: Path, tmp_path: Path) -> None:
    """`sbatch --export=ALL slurm-shards.sh`, then the merge with --dependency=afterok: on
    the array's job id, as the docs have them: 8 shards of 2 CPUs each (here, on a node of
    2 CPUs, one after another)."""
    out = tmp_path / "out"
    env = user_env(bundled, out)
    count = array_size(SHARDS_SCRIPT)
    shards = slurm.sbatch(["--export=ALL", str(SHARDS_SCRIPT)], cwd=tmp_path, env=env)
    merge = slurm.sbatch([f"--dependency=afterok:{shards}", "--export=ALL", str(MERGE_SCRIPT)],
                         cwd=tmp_path, env=env)
    tasks = slurm.wait(shards, WAIT, count=count)
    assert {t.state for t in tasks.values()} == {"COMPLETED"}, tasks
    assert sorted(tasks) == sorted(f"{shards}_{k}" for k in range(count))
    (merged,) = slurm.wait(merge, WAIT).values()
    assert (merged.state, merged.exit_code) == ("COMPLETED", "0:0"), output_of(merged.stdout)
    assert sorted(p.name for p in out.iterdir()) == \
        sorted([f"shard-{k}" for k in range(count)] + ["merged"])
    assert tree(out / "merged") == one_build(bundled)


def test_a_based_stepped_throttled_array_gives_the_same_shards(
        slurm: OneNodeSlurm, bundled: Path, tmp_path: Path) -> None:
    """--array=1-5:2%1 (tasks 1, 3, 5, one at a time): shards 0, 1 and 2, in shard-0..2."""
    out = tmp_path / "out"
    env = user_env(bundled, out)
    shards = slurm.sbatch(["--array=1-5:2%1", "--cpus-per-task=1", "--export=ALL",
                           str(SHARDS_SCRIPT)], cwd=tmp_path, env=env)
    merge = slurm.sbatch([f"--dependency=afterok:{shards}", "--export=ALL", str(MERGE_SCRIPT)],
                         cwd=tmp_path, env=env)
    tasks = slurm.wait(shards, WAIT, count=3)
    assert sorted(tasks) == [f"{shards}_{k}" for k in (1, 3, 5)]
    assert {t.state for t in tasks.values()} == {"COMPLETED"}, tasks
    assert sorted(p.name for p in out.iterdir() if p.name != "merged") == \
        ["shard-0", "shard-1", "shard-2"]
    (merged,) = slurm.wait(merge, WAIT).values()
    assert merged.state == "COMPLETED", output_of(merged.stdout)
    assert tree(out / "merged") == one_build(bundled)


def test_an_uneven_array_is_refused_by_every_task(slurm: OneNodeSlurm, bundled: Path,
                                                  tmp_path: Path) -> None:
    """--array=0,2,3: three tasks, but not 0-2; no task may build a shard that is not its."""
    out = tmp_path / "out"
    shards = slurm.sbatch(["--array=0,2,3", "--cpus-per-task=1", "--export=ALL",
                           str(SHARDS_SCRIPT)], cwd=tmp_path, env=user_env(bundled, out))
    tasks = slurm.wait(shards, WAIT, count=3)
    for task in tasks.values():
        assert (task.state, task.exit_code) == ("FAILED", "2:0"), task
        said = output_of(task.stdout)
        assert "not evenly spaced" in said and "--array=0-2" in said, said
    assert not out.exists() or not any(out.iterdir())


def many_signers(path: Path, count: int) -> Path:
    """A signer list from many countries and scripts (right-to-left, CJK, Cyrillic)."""
    names = ["Nguyễn Thị Thu Hằng", "محمد الأحمد", "李小龍", "Ольга Петренко", "Zeynep Kaya",
             "שירה כהן", "Amara Okafor", "Søren Ødegård", "김민준", "José María Pérez"]
    countries = ["VN", "EG", "TW", "UA", "TR", "IL", "NG", "NO", "KR", "AR"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "city", "country", "note", "public"])
        for row in range(count):
            k = row % len(names)
            writer.writerow([f"{names[k]} {row}", f"signer{row}@example.org", "",
                             countries[k], "", "yes" if row % 3 else "no"])
    return path


def test_a_killed_shard_is_named_by_the_merge_and_recovered_by_resubmitting_it(
        slurm: OneNodeSlurm, tmp_path: Path) -> None:
    """scancel one running task: the afterok merge never starts (Slurm says why), a merge
    run anyway refuses naming the missing shard (exit 2), and `sbatch --array=1
    --export=ALL,SHARDS=2` builds that shard alone; the merge then equals one build."""
    inputs = shared_inputs(tmp_path / "in", many_signers(tmp_path / "signers.csv", 100))
    out = tmp_path / "out"
    env = user_env(inputs, out)
    shards = slurm.sbatch(["--array=0-1", "--cpus-per-task=1", "--export=ALL",
                           str(SHARDS_SCRIPT)], cwd=tmp_path, env=env)
    merge = slurm.sbatch([f"--dependency=afterok:{shards}", "--export=ALL", str(MERGE_SCRIPT)],
                         cwd=tmp_path, env=env)
    victim = f"{shards}_1"
    slurm.wait_for(victim, "RUNNING", WAIT)  # its 200 letters take seconds
    subprocess.run(["scancel", victim], env=slurm.env(), check=True, timeout=60)
    tasks = slurm.wait(shards, WAIT, count=2)
    assert tasks[f"{shards}_0"].state == "COMPLETED", tasks
    assert tasks[victim].state == "CANCELLED", tasks  # it was running: not finished first
    stuck = slurm.wait_for_reason(merge, "DependencyNeverSatisfied", WAIT)
    assert stuck.state == "PENDING"
    # The merge, run without waiting for the shards, says which shard is missing.
    early = slurm.sbatch(["--export=ALL", str(MERGE_SCRIPT)], cwd=tmp_path, env=env)
    (refused,) = slurm.wait(early, WAIT).values()
    assert (refused.state, refused.exit_code) == ("FAILED", "2:0"), refused
    said = output_of(refused.stdout)
    said = " ".join(said.split())  # the message is wrapped to the width of no terminal
    # Killed before its build began, or while it wrote (only a staging folder left):
    assert "journalists-az: shard(s) 1 of 2 missing" in said or \
        f"{out / 'shard-1'}: no shard output here, only the staging folder of a build that " \
        "did not finish" in said, said
    assert not (out / "merged").exists()
    # Resubmit the one shard, then a merge after it (the first merge waits forever).
    again = slurm.sbatch(["--array=1", "--cpus-per-task=1", "--export=ALL,SHARDS=2",
                          str(SHARDS_SCRIPT)], cwd=tmp_path, env=env)
    subprocess.run(["scancel", merge], env=slurm.env(), check=True, timeout=60)
    merge = slurm.sbatch([f"--dependency=afterok:{again}", "--export=ALL", str(MERGE_SCRIPT)],
                         cwd=tmp_path, env=env)
    (rebuilt,) = slurm.wait(again, WAIT).values()
    assert rebuilt.state == "COMPLETED", output_of(rebuilt.stdout)
    (merged,) = slurm.wait(merge, WAIT).values()
    assert merged.state == "COMPLETED", output_of(merged.stdout)
    assert tree(out / "merged") == one_build(inputs)


@pytest.fixture(autouse=True)
def _no_leftover_jobs(slurm: OneNodeSlurm) -> None:
    """Each test starts on an empty queue (a failed test's jobs are cancelled)."""
    subprocess.run(["scancel", "--user=root"], env=slurm.env(), check=False, timeout=60)
    slurm.until_empty(WAIT)
