"""Measure advocate's speed and memory beside the baselines, in one run on this machine.

    .venv/bin/python benchmarks/bench.py             # full run (a few minutes)
    .venv/bin/python benchmarks/bench.py --quick     # smaller numbers, for a smoke test

Prints a Markdown table (and writes it into docs/benchmarks.md with --write). Machines like
this one drift by 15-30% between runs, so compare rows of the same run, as ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1768435200"}


def write_signers(path: Path, count: int) -> Path:
    """Fictional signers: names and example.org addresses, a note on every fifth."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "city", "country", "note", "public"])
        for i in range(1, count + 1):
            note = "I followed the events of January 2022 closely." if i % 5 == 0 else ""
            writer.writerow([f"Person {i}", f"person{i}@example.org", "Berlin", "DE", note,
                             "yes" if i % 2 else "no"])
    return path


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        stack.extend(int(c) for c in children)
    return total


def run_measured(args: list[str]) -> tuple[float, int, int, str]:
    """Wall time, peak RSS of the whole process tree, of its largest process, and stdout."""
    peak = 0
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                               text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    done.set()
    sampler.join()
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{err}")
    import resource

    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak, largest, out


def build(campaign: str, signers: Path, out: Path, formats: str, jobs: int | None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    args = [str(BIN / "advocate"), "--quiet", "build", campaign, "--signers", str(signers),
            "-o", str(out), "--formats", formats, "--json"]
    if jobs:
        args += ["--jobs", str(jobs)]
    wall, peak, largest, stdout = run_measured(args)
    summary = json.loads(stdout)
    summary["wall"] = wall
    summary["peak_tree_mib"] = peak / 1024
    summary["largest_process_mib"] = largest / 1024
    return summary


def letter_html(lang: str = "en") -> tuple[str, Path]:
    from advocate.campaigns import bundled_folder
    from advocate.model import load_campaign
    from advocate.render import Renderer, Writer

    renderer = Renderer(load_campaign(bundled_folder() / "kazakhstan-2022.yaml"))
    letter = renderer.letter("un-high-commissioner", Writer(name="A. Writer", city="Berlin"),
                             lang)
    return renderer.html([letter], for_print=True), renderer.roots[-1]


def weasyprint_in_process(count: int) -> float:
    """Baseline: WeasyPrint's own API, one shared FontConfiguration, one process."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from advocate.pdf import fonts_css

    html, base = letter_html()
    fonts = FontConfiguration()
    from weasyprint import CSS

    css = CSS(string=fonts_css(), font_config=fonts)
    HTML(string=html, base_url=str(base)).write_pdf(stylesheets=[css], font_config=fonts)
    started = time.monotonic()
    for _ in range(count):
        HTML(string=html, base_url=str(base)).write_pdf(stylesheets=[css], font_config=fonts)
    return count / (time.monotonic() - started)


def weasyprint_shell_loop(count: int, folder: Path) -> float:
    """Baseline: a shell loop calling the `weasyprint` command once per letter."""
    html, _ = letter_html()
    source = folder / "letter.html"
    source.write_text(html, encoding="utf-8")
    started = time.monotonic()
    for i in range(count):
        subprocess.run([str(BIN / "weasyprint"), str(source), str(folder / f"{i}.pdf")],
                       check=True, capture_output=True, env=ENV)
    return count / (time.monotonic() - started)


def command_time(args: list[str], repeat: int = 3) -> float:
    """Best wall time of a whole command (start-up included)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.monotonic()
        subprocess.run(args, check=True, capture_output=True, env=ENV)
        best = min(best, time.monotonic() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    options = parser.parse_args()
    pdf_signers = 25 if options.quick else 100      # x 4 targets = PDF letters
    text_signers = 250 if options.quick else 2500   # x 4 targets = text+eml letters
    baseline_count = 10 if options.quick else 60
    shell_count = 3 if options.quick else 8
    rows: list[tuple[str, str, str]] = []

    with tempfile.TemporaryDirectory(prefix="advocate-bench-") as tmp:
        folder = Path(tmp)
        cpus = os.cpu_count() or 1

        advocate = str(BIN / "advocate")
        letter_cmd = [advocate, "letter", "kazakhstan-2022", "--to", "president", "--name",
                      "A. Writer", "--city", "Berlin", "--lang", "en"]
        rows.append(("text letter, whole command", f"{command_time(letter_cmd):.2f} s", ""))
        brief_cmd = [advocate, "brief", "kazakhstan-2022", "-o", str(folder / "b.pdf"),
                     "--force"]
        rows.append(("brief PDF, whole command", f"{command_time(brief_cmd):.2f} s",
                     "goal: well under 2 s"))

        shell = weasyprint_shell_loop(shell_count, folder)
        rows.append(("baseline: `weasyprint` command per letter", f"{shell:.1f} letters/s", ""))
        native = weasyprint_in_process(baseline_count)
        rows.append(("baseline: WeasyPrint API, shared fonts, 1 process",
                     f"{native:.1f} letters/s", f"x {cpus} cores = {native * cpus:.0f}/s"))

        signers = write_signers(folder / "pdf-signers.csv", pdf_signers)
        result = build("kazakhstan-2022", signers, folder / "out-pdf", "pdf", None)
        letters = result["letters"]
        rate = letters / result["phases"]["letters"]
        rows.append((f"advocate build: {letters} PDF letters, --jobs {cpus}",
                     f"{rate:.1f} letters/s",
                     f"goal 50/s; whole build {result['wall']:.1f} s, peak "
                     f"{result['peak_tree_mib']:.0f} MiB for all processes"))

        signers = write_signers(folder / "text-signers.csv", text_signers)
        result = build("kazakhstan-2022", signers, folder / "out-text", "txt,eml", None)
        letters = result["letters"]
        rate = letters / result["phases"]["letters"]
        rows.append((f"advocate build: {letters} text+eml letters", f"{rate:.0f} letters/s",
                     f"goal 5,000/s; end to end {letters / result['wall']:.0f}/s "
                     f"({result['wall']:.1f} s with the brief and petition PDFs)"))
        rows.append((f"peak memory, {letters} letters (txt+eml)",
                     f"{result['peak_tree_mib']:.0f} MiB",
                     f"all processes together; largest one "
                     f"{result['largest_process_mib']:.0f} MiB; goal under 300 MiB"))

    table = ["| measure | result | notes |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    print(text)
    if options.write:
        target = ROOT / "docs" / "benchmarks.md"
        page = target.read_text(encoding="utf-8") if target.exists() else ""
        start, end = "<!-- bench:start -->", "<!-- bench:end -->"
        if start in page and end in page:
            before, rest = page.split(start, 1)
            page = before + start + "\n" + text + "\n" + end + rest.split(end, 1)[1]
            target.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()
