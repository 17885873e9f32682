"""The speed rows issue 24 names, for an earlier checkout and this one, in one run.

Usage: ``python benchmarks/before_after.py --before /path/to/old/clone`` (the old clone with
its own ``.venv``, made by its ``make install``). Each of ``bench.py``'s start-up, PDF batch,
100,000-signer petition and build memory rows runs for the old tree and then for this one,
and the start-up commands of both trees run once more all in turns in one loop (the bare
imports measured between them), so that drift hits both alike. Prints markdown rows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402

ROWS = ("--only-startup", "--only-pdfbatch --pdfbatch-signers 50 --rounds 2",
        "--petition 100000", "--only-buildmem")


def bench_rows(tree: Path, row: str) -> list[str]:
    """One of bench.py's rows run by ``tree``'s own bench.py and virtual environment."""
    done = subprocess.run([str(tree / ".venv/bin/python"), "benchmarks/bench.py", *row.split()],
                          cwd=tree, capture_output=True, text=True, env=bench.ENV, check=True,
                          timeout=1800)
    return [line for line in done.stdout.splitlines()
            if line.startswith("|") and not line.startswith("|---")
            and not line.startswith("| measure")]


def startup_in_turns(trees: dict[str, Path], runs: int) -> list[str]:
    """Every tree's text letter (cache on and off) and brief, and the bare imports, in turns."""
    folder = Path(tempfile.mkdtemp(prefix="advocate-before-after-"))
    python = str(ROOT / ".venv/bin/python")
    commands = {"bare": [python, "-c", bench._BARE_IMPORTS],
                "bare-pdf": [python, "-c", "import weasyprint"]}
    envs: dict[str, dict[str, str]] = {}
    for name, tree in trees.items():
        subprocess.run([str(tree / ".venv/bin/python"), "-m", "compileall", "-q",
                        str(tree / "src/advocate")], check=True)
        advocate = str(tree / ".venv/bin/advocate")
        letter = [advocate, "letter", "kazakhstan-2022", "--to", "president", "--name",
                  "A. Writer", "--city", "Berlin", "--lang", "en", "--format", "txt"]
        cache = {**bench.ENV, "ADVOCATE_CACHE": "1",
                 "ADVOCATE_CACHE_DIR": str(folder / f"cache-{name}")}
        subprocess.run([*letter[:5], "--name", "Another Writer", *letter[7:]], check=True,
                       capture_output=True, env=cache)
        commands[f"{name} cached"], envs[f"{name} cached"] = letter, cache
        commands[f"{name} cold"] = letter
        envs[f"{name} cold"] = {**bench.ENV, "ADVOCATE_NO_CACHE": "1"}
        commands[f"{name} brief"] = [advocate, "brief", "kazakhstan-2022", "-o",
                                     str(folder / f"brief-{name}.pdf"), "--force"]
    got = bench._alternating(commands, runs, envs)
    rows = []
    for kind, base in (("cached", "bare"), ("cold", "bare"), ("brief", "bare-pdf")):
        (old, old_cpu), (new, new_cpu) = got[f"before {kind}"], got[f"after {kind}"]
        rows.append(f"| start-up, {kind} (in turns, {runs} rounds) | {old:.3f} s = "
                    f"{old / got[base][0]:.2f}x {base} (CPU {old_cpu:.3f} s) | {new:.3f} s = "
                    f"{new / got[base][0]:.2f}x (CPU {new_cpu:.3f} s) | wall {new / old:.2f}x, "
                    f"CPU {new_cpu / old_cpu:.2f}x |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True,
                        help="the earlier checkout, with its own .venv")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only-startup", action="store_true")
    options = parser.parse_args()
    trees = {"before": options.before.resolve(), "after": ROOT}
    if not options.only_startup:
        for row in ROWS:
            for name, tree in trees.items():
                for line in bench_rows(tree, row):
                    print(f"{name}: {line}", flush=True)
    print("| row | before | after | after / before |\n|---|---|---|---|")
    for line in startup_in_turns(trees, options.runs):
        print(line, flush=True)


if __name__ == "__main__":
    main()
