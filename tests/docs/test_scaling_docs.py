"""docs/scaling/: the Kubernetes, Slurm and GitHub Actions examples are run, as far as this
machine can: their advocate commands, with the runner's variables set as the runner sets
them, build shards that merge into the single build's output byte for byte."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from advocate.schema.load import load_yaml

REPO = Path(__file__).resolve().parents[1].parent
EXAMPLES = REPO / "docs" / "scaling"
AZ = REPO / "examples" / "journalists-az"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def environment(**extra: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "JOB_COMPLETION", "ADVOCATE_SHARD"))}
    return {**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", **extra}


def single(tmp_path: Path, formats: str) -> dict[str, bytes]:
    out = tmp_path / "single"
    subprocess.run([sys.executable, "-m", "advocate", "--quiet", "build",
                    str(AZ / "campaign.yaml"), "--signers", str(AZ / "signers.csv"),
                    "--formats", formats, "-o", str(out)], check=True, env=environment())
    return tree(out)


def job(name: str) -> Any:
    return load_yaml(EXAMPLES / name).data


def test_the_kubernetes_indexed_job_runs_and_merges(tmp_path: Path) -> None:
    shards, merge = job("k8s-shards.yaml"), job("k8s-merge.yaml")
    spec = shards["spec"]
    assert spec["completionMode"] == "Indexed"
    count = spec["completions"]
    assert spec["parallelism"] == count
    container = spec["template"]["spec"]["containers"][0]
    script = container["args"][0]
    assert f"--shard auto/{count}" in script
    values = {e["name"]: e["value"] for e in container["env"]}
    assert values["SOURCE_DATE_EPOCH"].isdigit()
    data = tmp_path / "data"
    (data / "in").mkdir(parents=True)
    for name in ("campaign.yaml", "signers.csv"):
        (data / "in" / name).write_bytes((AZ / name).read_bytes())
    shutil.copytree(AZ / "templates", data / "in" / "templates")
    values = {k: v.replace("/data", str(data)) for k, v in values.items()}
    values["FORMATS"] = "txt,eml"  # the example's PDFs, at this machine's speed, are slow
    for index in range(count):  # each pod as Kubernetes runs it
        subprocess.run(container["command"] + [script], check=True,
                       env=environment(**values, JOB_COMPLETION_INDEX=str(index)))
    merge_container = merge["spec"]["template"]["spec"]["containers"][0]
    merge_script = merge_container["args"][0].replace("/data", str(data))
    # The merge Job's own environment: no SOURCE_DATE_EPOCH (it takes the shards').
    merge_env = {k: v for k, v in environment().items() if k != "SOURCE_DATE_EPOCH"}
    merge_env.update({e["name"]: e["value"] for e in merge_container.get("env", [])})
    subprocess.run(merge_container["command"] + [merge_script], check=True, env=merge_env)
    got = tree(data / "out" / "merged")
    # The single build of the same inputs (the same paths, so the same recorded inputs).
    out = tmp_path / "single"
    subprocess.run([sys.executable, "-m", "advocate", "--quiet", "build",
                    str(data / "in" / "campaign.yaml"), "--signers",
                    str(data / "in" / "signers.csv"), "--formats", "txt,eml", "-o", str(out)],
                   check=True, env=environment(SOURCE_DATE_EPOCH=values["SOURCE_DATE_EPOCH"]))
    assert got == tree(out)


def test_the_slurm_array_script_runs_and_merges(tmp_path: Path) -> None:
    script = (EXAMPLES / "slurm-shards.sh").read_text(encoding="utf-8")
    array = re.search(r"#SBATCH --array=(\d+)-(\d+)", script)
    assert array
    low, high = int(array.group(1)), int(array.group(2))
    count = high - low + 1
    out = tmp_path / "out"
    common = {"CAMPAIGN": str(AZ / "campaign.yaml"), "SIGNERS": str(AZ / "signers.csv"),
              "OUT": str(out), "FORMATS": "txt,eml", "SOURCE_DATE_EPOCH": "1768435200"}
    for task in range(1, count + 1):  # as submitted with --array=1-N: counted from 1
        subprocess.run(["bash", str(EXAMPLES / "slurm-shards.sh")], check=True,
                       env=environment(**common, SLURM_ARRAY_TASK_ID=str(task),
                                       SLURM_ARRAY_TASK_MIN="1",
                                       SLURM_ARRAY_TASK_COUNT=str(count),
                                       SLURM_CPUS_PER_TASK="1"))
    assert sorted(p.name for p in out.iterdir()) == sorted(f"shard-{k}" for k in range(count))
    subprocess.run(["bash", str(EXAMPLES / "slurm-merge.sh")], check=True,
                   env=environment(**common))
    assert tree(out / "merged") == single(tmp_path, "txt,eml")


def shard_record(folder: Path) -> tuple[int, int]:
    text = (folder / "journalists-az" / "manifest.json").read_text(encoding="utf-8")
    record = json.loads(text)["shard"]
    return record["index"], record["count"]


def test_the_slurm_script_names_folders_by_shard_and_resubmits_one(tmp_path: Path) -> None:
    """A stepped array's task writes shard-K of its shard K, not of its task ID; a shard
    resubmitted alone (--array=2 --export=ALL,SHARDS=4) is shard 2 of 4, not 0 of 1; an
    ADVOCATE_SHARD_INDEX left in the submitting shell does not override Slurm's index."""
    out = tmp_path / "out"
    common = {"CAMPAIGN": str(AZ / "campaign.yaml"), "SIGNERS": str(AZ / "signers.csv"),
              "OUT": str(out), "FORMATS": "txt", "SOURCE_DATE_EPOCH": "1768435200",
              "ADVOCATE_SHARD_INDEX": "0", "SLURM_CPUS_PER_TASK": "1"}
    script = ["bash", str(EXAMPLES / "slurm-shards.sh")]
    stepped = {"SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_MIN": "0",  # --array=0-6:2
               "SLURM_ARRAY_TASK_MAX": "6", "SLURM_ARRAY_TASK_STEP": "2",
               "SLURM_ARRAY_TASK_COUNT": "4"}
    subprocess.run(script, check=True, env={**environment(), **common, **stepped})
    assert [p.name for p in out.iterdir()] == ["shard-3"]
    assert shard_record(out / "shard-3") == (3, 4)
    alone = {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2",  # --array=2
             "SLURM_ARRAY_TASK_MAX": "2", "SLURM_ARRAY_TASK_STEP": "1",
             "SLURM_ARRAY_TASK_COUNT": "1", "SHARDS": "4"}
    subprocess.run(script, check=True, env={**environment(), **common, **alone})
    assert shard_record(out / "shard-2") == (2, 4)
    # Without SHARDS, that one-task array would be a build of everything as shard 0 of 1,
    # over shard-0 (--force): the script refuses it.
    lone = {k: v for k, v in alone.items() if k != "SHARDS"}
    before = tree(out)
    done = subprocess.run(script, env={**environment(), **common, **lone},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "--array=K --export=ALL,SHARDS=N" in done.stderr
    assert tree(out) == before
    # A variable missing: exit code 1 and the script says which.
    done = subprocess.run(script, env={**environment(), **common, **stepped,
                                       "SOURCE_DATE_EPOCH": ""},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "set SOURCE_DATE_EPOCH once for all shards" in done.stderr


def test_the_github_actions_matrix_matches_its_shard_count() -> None:
    workflow = job("github-actions.yml")
    shard_job = workflow["jobs"]["shard"]
    matrix = shard_job["strategy"]["matrix"]["shard"]
    assert matrix == list(range(len(matrix)))
    steps = " ".join(str(step.get("run", "")) for step in shard_job["steps"])
    assert f"--shard auto/{len(matrix)}" in steps
    build = next(s for s in shard_job["steps"] if "ADVOCATE_SHARD_INDEX" in s.get("env", {}))
    assert build["env"]["ADVOCATE_SHARD_INDEX"] == "${{ matrix.shard }}"
    merge_job = workflow["jobs"]["merge"]
    assert merge_job["needs"] == "shard"
    assert any("advocate --quiet merge shards/shard-*" in str(s.get("run", ""))
               for s in merge_job["steps"])
    assert workflow["env"]["SOURCE_DATE_EPOCH"].isdigit()


def test_the_kubernetes_manifests_are_valid_kubernetes() -> None:
    """Checked against Kubernetes' own OpenAPI schema (kubernetes-validate, offline; strict:
    an unknown field is an error), for Kubernetes 1.29 (the first with
    ``backoffLimitPerIndex`` on by default, as the manifest says) and the newest release the
    package knows (1.27 and older have no such field). A misspelt field fails the check."""
    import copy

    import kubernetes_validate
    import kubernetes_validate.utils

    for name in ("k8s-shards.yaml", "k8s-merge.yaml"):
        manifest = job(name)
        versions = kubernetes_validate.utils.all_versions()
        for version in ("1.29", versions[-1]):
            kubernetes_validate.validate(manifest, version, strict=True)
        broken = copy.deepcopy(manifest)
        broken["spec"]["template"]["spec"]["containers"][0]["comand"] = ["sh"]
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, versions[-1], strict=True)


def test_the_github_actions_workflow_is_a_valid_workflow() -> None:
    """Checked against SchemaStore's workflow schema (as vendored by check-jsonschema)."""
    import json
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("github-workflows.json").read_text(encoding="utf-8"))
    workflow = job("github-actions.yml")
    jsonschema.validate(workflow, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**workflow, "jobs": {"shard": {"run-on": "x"}}}, schema)
