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
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1768435200"}
# The letter cache (render/letter_cache.py) of a run is its own, never the user's.
_CACHE = tempfile.mkdtemp(prefix="advocate-bench-cache-")
ENV["ADVOCATE_CACHE_DIR"] = _CACHE


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


def run_measured(args: list[str], samples: list[tuple[float, int]] | None = None
                 ) -> tuple[float, int, int, str]:
    """Wall time, peak RSS of the whole process tree, of its largest process, and stdout;
    ``samples`` gets (seconds, tree RSS in KiB) every 50 ms."""
    peak = 0
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                               text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            rss = tree_rss_kib(process.pid)
            peak = max(peak, rss)
            if samples is not None:
                samples.append((time.monotonic() - started, rss))
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


def build(campaign: str, signers: Path, out: Path, formats: str, jobs: int | None,
          *extra: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    os.sync()  # the last run's files and their removal reach the disk before this run is timed
    args = [str(BIN / "advocate"), "--quiet", "build", campaign, "--signers", str(signers),
            "-o", str(out), "--formats", formats, "--json", *extra]
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
    from advocate.render.documents import Renderer, Writer
    from advocate.schema.campaign import load_campaign

    renderer = Renderer(load_campaign(bundled_folder() / "kazakhstan-2022.yaml"))
    letter = renderer.letter("un-high-commissioner", Writer(name="A. Writer", city="Berlin"),
                             lang)
    return renderer.html([letter], for_print=True), renderer.roots[-1]


REFERENCE_PARAGRAPH = (
    "On 2 January 2022 protests began in Zhanaozen over the doubling of the price of "
    "liquefied gas, and spread within days to Almaty and other cities across the country. ")


def reference_letter_html() -> str:
    """The letter performance.md measured: serif 11.5 pt, sender and recipient blocks,
    date, subject, salutation, four justified hyphenated paragraphs, closing."""
    css = ("@page { size: A4; margin: 25mm 20mm; } body { font-family: serif; font-size: 11.5pt;"
           " line-height: 1.4 } p { text-align: justify; hyphens: auto; margin: 0 0 3mm }"
           " .sender, .date { text-align: right } .recipient { margin: 10mm 0 }"
           " h1 { font-size: 12pt } .closing { margin-top: 10mm }")
    paragraphs = "".join(f"<p>{REFERENCE_PARAGRAPH * 2}</p>" for _ in range(4))
    return (f'<html lang="en"><head><style>{css}</style></head><body>'
            '<div class="sender"><p>A. Writer</p><p>Berlin</p></div>'
            '<div class="recipient"><p>President</p><p>Astana</p></div>'
            '<p class="date">15 January 2026</p><h1>Subject: the detainees</h1>'
            f'<p>Dear President,</p>{paragraphs}<p class="closing">Yours sincerely,</p>'
            '<p>A. Writer</p></body></html>')


def weasyprint_reference(count: int) -> float:
    """Baseline: WeasyPrint's API on performance.md's reference letter (31/s per core there)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = reference_letter_html()
    fonts = FontConfiguration()
    HTML(string=html).write_pdf(font_config=fonts)
    started = time.monotonic()
    for _ in range(count):
        HTML(string=html).write_pdf(font_config=fonts)
    return count / (time.monotonic() - started)


def pdf_phase_rows(count: int) -> list[tuple[str, str, str]]:
    """Where a warm WeasyPrint letter's CPU goes (issue 28, item 7): parsing its HTML,
    styles and layout (``HTML.render``), ``write_pdf``; with what a batch can share through
    the public API (one ``FontConfiguration``, the parsed style sheets) already shared."""
    import statistics

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from advocate.render.pdf import fonts_css

    html, root = letter_html("en")
    fonts = FontConfiguration()
    css = CSS(string=fonts_css(), font_config=fonts)
    for _ in range(3):
        HTML(string=html, base_url=str(root)).write_pdf(stylesheets=[css], font_config=fonts)
    phases: dict[str, list[float]] = {"parse": [], "layout": [], "write": []}
    for _ in range(count):
        started = time.process_time()
        document = HTML(string=html, base_url=str(root))
        parsed = time.process_time()
        rendered = document.render(stylesheets=[css], font_config=fonts)
        laid_out = time.process_time()
        rendered.write_pdf()
        phases["parse"].append(parsed - started)
        phases["layout"].append(laid_out - parsed)
        phases["write"].append(time.process_time() - laid_out)
    median = {name: statistics.median(times) for name, times in phases.items()}
    total = sum(median.values())
    return [("a warm WeasyPrint letter's CPU by phase (the bundled letter, fonts and style "
             "sheets shared)", f"{total * 1000:.1f} ms",
             f"medians of {count}: parsing the HTML {median['parse'] * 1000:.1f} ms "
             f"({median['parse'] / total:.0%}), styles and layout "
             f"{median['layout'] * 1000:.1f} ms ({median['layout'] / total:.0%}), write_pdf "
             f"{median['write'] * 1000:.1f} ms ({median['write'] / total:.0%})")]


def raw_file_writes(folder: Path, count: int, size: int) -> float:
    """Baseline: the disk itself. Files of the letters' size created in one folder, then one
    sync, as a build does: files per second."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.sync()  # as build(): nothing of an earlier run left to write while this one is timed
    data = b"x" * size
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    started = time.monotonic()
    for i in range(count):
        fd = os.open(folder / f"{i:05d}.txt", flags, 0o600)
        os.write(fd, data)
        os.close(fd)
    os.sync()
    rate = count / (time.monotonic() - started)
    shutil.rmtree(folder, ignore_errors=True)
    return rate


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


_BARE_IMPORTS = "import typer, pydantic, jinja2, yaml"
#: The least a command that validates with a Pydantic model runs: the bare imports, then
#: one model defined and validated (the start-up rows' floor).
_ONE_MODEL = (_BARE_IMPORTS + "\nfrom pydantic import BaseModel, Field\n"
              "class One(BaseModel):\n    value: int = Field(1)\n"
              "One.model_validate({'value': 2})")


def _alternating(commands: dict[str, list[str]], runs: int,
                 envs: dict[str, dict[str, str]] | None = None
                 ) -> dict[str, tuple[float, float]]:
    """Each command ``runs`` times, taking turns (the order swapped every round, so drift
    and other load hit them alike): the median wall time and the median CPU time of each."""
    import resource
    import statistics

    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for round_ in range(runs):
        for name in names if round_ % 2 == 0 else reversed(names):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(commands[name], check=True, capture_output=True,
                           env=(envs or {}).get(name, ENV), cwd=ROOT)
            walls[name].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime + after.ru_stime
                              - before.ru_utime - before.ru_stime)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]))
            for name in names}


def startup_rows(folder: Path, runs: int) -> list[tuple[str, str, str]]:
    """Interactive commands beside the bare imports they cannot avoid, in the same run: a
    text letter against ``python -c "import typer, pydantic, jinja2, yaml"`` (goal: at most
    1.5x) and a PDF brief against ``python -c "import weasyprint"`` (goal: at most 0.7 s
    more). advocate's own modules are byte-compiled first, as an installed wheel's are
    (this machine sets PYTHONDONTWRITEBYTECODE, so a source checkout never caches them).

    The letter is measured as a writer meets it: its stencil kept by an earlier run
    (render/letter_cache.py; a fresh cache folder, primed by one run of another writer),
    and, beside it, with the cache turned off (every run a full render). The brief runs as
    the command does, with the PDF engine started ahead (render/pdf/ahead.py)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "advocate")],
                   check=True, capture_output=True)
    python, advocate = str(BIN / "python"), str(BIN / "advocate")
    cache = {**ENV, "ADVOCATE_CACHE": "1", "ADVOCATE_CACHE_DIR": str(folder / "startup-cache")}
    cold = {**ENV, "ADVOCATE_NO_CACHE": "1"}
    letter = [advocate, "letter", "kazakhstan-2022", "--to", "president", "--name",
              "A. Writer", "--city", "Berlin", "--lang", "en", "--format", "txt"]
    primer = [*letter[:5], "--name", "Another Writer", *letter[7:]]
    subprocess.run(primer, check=True, capture_output=True, env=cache, cwd=ROOT)
    brief = [advocate, "brief", "kazakhstan-2022", "-o", str(folder / "startup-brief.pdf"),
             "--force"]
    rows = []
    text = _alternating({"bare": [python, "-c", _BARE_IMPORTS], "letter": letter,
                         "full": letter, "model": [python, "-c", _ONE_MODEL]}, runs,
                        {"letter": cache, "full": cold,
                         "model": {**ENV, "PYDANTIC_DISABLE_PLUGINS": "__all__"}})
    (bare, bare_cpu), (took, took_cpu), (full, full_cpu), (model, model_cpu) = \
        text["bare"], text["letter"], text["full"], text["model"]
    rows.append(("start-up: `advocate letter ... --format txt` / bare `python -c \"import "
                 "typer, pydantic, jinja2, yaml\"`", f"{took / bare:.2f}x",
                 f"goal at most 1.5x; medians of {runs} alternating runs: {took:.3f} s vs "
                 f"{bare:.3f} s ({took - bare:+.3f} s); CPU {took_cpu:.3f} s vs "
                 f"{bare_cpu:.3f} s ({took_cpu / bare_cpu:.2f}x); the letter's stencil kept "
                 "by an earlier run of another writer"))
    rows.append(("start-up: the same letter with the cache off (`ADVOCATE_NO_CACHE=1`) / "
                 "bare imports", f"{full / bare:.2f}x",
                 f"a full render every run: {full:.3f} s vs {bare:.3f} s; CPU "
                 f"{full_cpu:.3f} s"))
    rows.append(("start-up floor: the bare imports and one Pydantic model validated / bare "
                 "imports", f"{model / bare:.2f}x",
                 f"{model:.3f} s vs {bare:.3f} s (CPU {model_cpu / bare_cpu:.2f}x): what any "
                 "command validating a campaign with a Pydantic model pays before reading it "
                 "(`BaseModel`, `Field`, one model's schema and validator, the plugin "
                 "loader's `importlib.metadata`; plugins off, as advocate runs); the cold "
                 f"letter above is {full / model:.2f}x this floor"))
    pdf = _alternating({"bare": [python, "-c", "import weasyprint"], "brief": brief}, runs)
    (bare, bare_cpu), (took, took_cpu) = pdf["bare"], pdf["brief"]
    rows.append(("start-up: `advocate brief -o brief.pdf` - bare `python -c \"import "
                 "weasyprint\"`", f"+{took - bare:.2f} s",
                 f"goal at most +0.7 s; medians of {runs} alternating runs: {took:.3f} s vs "
                 f"{bare:.3f} s ({took / bare:.2f}x); WeasyPrint loads in a child process "
                 "while the command renders the HTML: CPU of the command and that child "
                 f"{took_cpu:.3f} s vs {bare_cpu:.3f} s"))
    return rows


_READ_LIST = (
    "import sys\n"
    "from advocate.signers import iter_signers\n"
    "reader = iter_signers(sys.argv[1], dedupe='first')\n"
    "print(sum(1 for _ in reader), reader.stats.public)\n"
)
_CSV_BASELINE = (
    "import csv, sys\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
    "    print(sum(1 for _ in csv.reader(f)) - 1)\n"
)


def signer_list_rows(folder: Path, counts: tuple[int, ...]) -> list[tuple[str, str, str]]:
    """Reading, checking and de-duplicating signer lists as a stream (issue 14, item 2).

    Each list is read by a fresh process; memory is its peak RSS. The growth from the small
    to the large list, per row, is what reading costs per signer (the email table).
    """
    rows: list[tuple[str, str, str]] = []
    peaks: dict[int, int] = {}
    for count in counts:
        path = write_signers(folder / f"list-{count}.csv", count)
        size = path.stat().st_size
        # The sampled peak of each process itself (ru_maxrss of children is the largest child
        # so far, which an earlier, bigger process would hide).
        base_wall, base_rss, _, out = run_measured([sys.executable, "-c", _CSV_BASELINE,
                                                   str(path)])
        assert int(out) == count, out
        wall, rss, _, out = run_measured([sys.executable, "-c", _READ_LIST, str(path)])
        assert int(out.split()[0]) == count, out
        peaks[count] = rss
        rows.append((f"signer list of {count:,} rows ({size / 2**20:.0f} MiB CSV): read, "
                     "checked, de-duplicated", f"{wall:.1f} s, peak {rss / 1024:.0f} MiB",
                     f"{count / wall:,.0f} rows/s; baseline csv.reader over the same file "
                     f"{base_wall:.1f} s, peak {base_rss / 1024:.0f} MiB "
                     f"({wall / base_wall:.0f}x the time)"))
        path.unlink()
    if len(counts) > 1:
        small, large = counts[0], counts[-1]
        per_row = (peaks[large] - peaks[small]) * 1024 / (large - small)
        rows.append(("signer list: memory per row read", f"{per_row:.0f} bytes",
                     f"peak growth from {small:,} to {large:,} rows; the email table is 12 "
                     "bytes a slot, at most half full"))
    return rows


FIRST_NAMES = ["Anna", "Mohammed", "Li", "Olga", "Kwame", "Maria", "José", "Aigerim",
               "Nguyen", "Fatima", "Ingrid", "Chidi"]
LAST_NAMES = ["Schmidt", "Nurlanovna", "Okafor", "Ivanova", "Garcia-Fernández de la Vega",
              "Tanaka", "Kowalski", "Mensah", "Haddad", "Silva"]
CITIES = ["Berlin", "Almaty", "São Paulo", "Nairobi", "Москва", "Kraków", "Lagos", "Toronto",
          "Ciudad de México", "Jakarta"]


def write_petition_signers(path: Path, count: int) -> Path:
    """Fictional signers from many countries, two thirds of them agreeing to be named."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "city", "country", "public"])
        for i in range(1, count + 1):
            name = f"{FIRST_NAMES[i * 7 % 12]} {LAST_NAMES[i * 3 % 10]} {i}"
            writer.writerow([name, f"p{i}@example.org", CITIES[i * 11 % 10], "DE",
                             "yes" if i % 3 else "no"])
    return path


def petition_baseline(count: int, tagged: bool = False) -> float:
    """Baseline: WeasyPrint's own API in this one process rendering the first ``count``
    named signers of the same list as one plain running list (the same HTML advocate puts
    in a part, in one document): names per second. ``tagged``: as a tagged PDF/UA, as the
    petition's parts are (issue 28 states its goal against the untagged one)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from advocate.render import petition_pdf
    from advocate.render.pdf import fonts_css

    names = [(f"{FIRST_NAMES[i * 7 % 12]} {LAST_NAMES[i * 3 % 10]} {i}", CITIES[i * 11 % 10])
             for i in range(1, count * 3 // 2 + 2) if i % 3][:count]
    pages = list(petition_pdf.pages_of_stream(iter(names)))
    html = (f"<html><head><style>{petition_pdf._NAMES_CSS}</style></head><body>"
            f"{petition_pdf.names_html(pages, '<h2>Signatories</h2>')}</body></html>")
    fonts = FontConfiguration()
    css = CSS(string=fonts_css(), font_config=fonts)
    HTML(string="<p>warm-up</p>").write_pdf(stylesheets=[css], font_config=fonts)
    started = time.monotonic()
    HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts,
                                **({"pdf_variant": "pdf/ua-1"} if tagged else {}))
    return count / (time.monotonic() - started)


def petition_rows(folder: Path, signers: int, baseline_names: int) -> list[tuple[str, str, str]]:
    """The petition's delivery PDF for ``signers`` (two thirds named), beside WeasyPrint
    rendering a plain list of the same names in one process, measured in turn."""
    rows: list[tuple[str, str, str]] = []
    path = write_petition_signers(folder / f"petition-{signers}.csv", signers)
    named = sum(1 for i in range(1, signers + 1) if i % 3)
    base_rate = petition_baseline(baseline_names)
    out = folder / "petition.pdf"
    size = ["--max-signers-size", "200M"] if signers > 250_000 else []  # over the 20 MiB cap
    samples: list[tuple[float, int]] = []
    wall, peak, largest, _ = run_measured([str(BIN / "advocate"), "--quiet", "petition",
                                           "kazakhstan-2022", "--signers", str(path),
                                           "--format", "pdf", "-o", str(out), "--force",
                                           *size], samples)
    from pypdf import PdfReader

    pages = len(PdfReader(out).pages)
    base_again = petition_baseline(baseline_names)  # the machine drifts: measure twice
    base = (base_rate + base_again) / 2
    tagged = petition_baseline(baseline_names, tagged=True)
    rate = named / wall
    flat = "/".join(  # memory over the run: flat when the list grows
        f"{max((r for t, r in samples if abs(t - wall * q) < wall * 0.05), default=0) / 1024:.0f}"
        for q in (0.2, 0.4, 0.6, 0.8))
    rows.append((f"advocate petition --format pdf: {signers:,} signers ({named:,} named)",
                 f"{wall:.1f} s, peak {peak / 1024:.0f} MiB",
                 f"goal: 60 s and 500 MiB for 100,000; {pages} pages; {rate:.0f} names/s for "
                 f"the whole command (reading the list included) = **{rate / (2 * base):.2f}x** "
                 f"the two-core ceiling below (goal 0.9x; {rate / base:.2f}x one process); "
                 f"largest process {largest / 1024:.0f} MiB; all "
                 f"processes at 20/40/60/80% of the run: {flat} MiB"))
    rows.append((f"baseline: WeasyPrint API, the first {baseline_names:,} of those names as "
                 "one running list, 1 process", f"{base:.0f} names/s",
                 f"measured before and after ({base_rate:.0f}, {base_again:.0f}); x 2 cores "
                 f"= {2 * base:.0f} names/s, the two-core ceiling for the ratio above"))
    rows.append(("baseline: the same, as a tagged PDF/UA (as the petition's parts are)",
                 f"{tagged:.0f} names/s",
                 f"x 2 cores = {2 * tagged:.0f} names/s; the petition = "
                 f"**{rate / (2 * tagged):.2f}x** this ceiling; the tags cost "
                 f"{base / tagged:.2f}x the untagged time"))
    return rows


_ENGINE_WORKER = r"""
import json, sys, time
from collections.abc import Callable, Sequence
from pathlib import Path
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

work = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
share, part, out = int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
fonts = FontConfiguration()
sheets = [CSS(string=work["fonts_css"], font_config=fonts),
          CSS(string=work["page_css"], font_config=fonts)]
letters = work["letters"]

def one(i, target):
    html, base = letters[i % len(letters)]
    HTML(string=html, base_url=base).write_pdf(target, stylesheets=sheets, font_config=fonts,
                                               pdf_variant="pdf/ua-1")

for i in range(len(letters)):  # warm: every distinct letter once (fonts, hyphenation)
    one(i, out / f"warm-{part}.pdf")
print("ready", flush=True)
sys.stdin.readline()
started, cpu = time.monotonic(), time.process_time()
for i in range(part, share, 2):  # the even or the odd letters of the batch
    one(i, out / f"{part}-{i:05d}.pdf")
print(time.monotonic() - started, time.process_time() - cpu, flush=True)
"""


def engine_letters(signers: Path, count: int) -> list[tuple[str, str]]:
    """The final HTML of the first ``count`` letters advocate's build writes from ``signers``
    (each at the fit level advocate settled on), with their base URLs: the baseline's input."""
    from advocate.campaigns import bundled_folder
    from advocate.render import pdf
    from advocate.render.documents import Renderer, Writer
    from advocate.schema.campaign import load_campaign_checked
    from advocate.signers import read_signers

    campaign, _ = load_campaign_checked(bundled_folder() / "kazakhstan-2022.yaml")
    renderer = Renderer(campaign)
    seen: list[tuple[str, str]] = []
    original = pdf.render_pdf_result

    def spy(html: str, **options: object) -> object:
        result = original(html, **options)
        if result.data:
            seen.append((html, Path(str(options["base_dir"])).resolve().as_uri() + "/"))
        return result

    pdf.render_pdf_result = spy  # type: ignore[assignment]
    try:
        for signer in read_signers(signers):
            for target in campaign.targets:
                if len(seen) >= count:
                    return seen
                renderer.pdf([renderer.letter(target.id, Writer.from_signer(signer))])
    finally:
        pdf.render_pdf_result = original  # type: ignore[assignment]
    return seen


def engine_batch(work: Path, letters: int, folder: Path) -> tuple[float, float]:
    """Baseline: WeasyPrint's own API in two processes (one per core), each already warm
    (imported, one shared FontConfiguration, every distinct letter rendered once) before
    the clock starts, together rendering ``letters`` letters: letters per second, and CPU
    seconds per letter while the clock ran."""
    out = folder / "engine-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", _ENGINE_WORKER, str(work), str(letters),
                               str(part), str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=ENV) for part in (0, 1)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    cpu = 0.0
    for proc in procs:
        said, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit("the engine baseline failed")
        cpu += float(said.split()[1])
    wall = time.monotonic() - started
    shutil.rmtree(out, ignore_errors=True)
    return letters / wall, cpu / letters


def pdfbatch_rows(folder: Path, signer_count: int, rounds: int) -> list[tuple[str, str, str]]:
    """PDF letters at the engine's limit (issue 14, item 5): ``advocate build --formats pdf
    --no-documents`` (its letter phase, the workers' start-up included) beside WeasyPrint's
    own API rendering the same letters' HTML in two warm processes, in turns (engine first in
    even rounds, advocate first in odd ones): the median of the rounds' ratios."""
    from advocate.render.pdf import fonts_css

    signers = write_signers(folder / "pdfbatch-signers.csv", signer_count)
    work = folder / "pdfbatch-letters.json"
    sample = engine_letters(signers, 40)  # ten writers (two with a note) x four targets
    page_css = '@page { size: A4; }\nhtml { font-family: "Advocate Serif", serif; }\n'
    work.write_text(json.dumps({"fonts_css": fonts_css(), "page_css": page_css,
                                "letters": sample}), encoding="utf-8")
    cpus = os.cpu_count() or 1
    ratios: list[float] = []
    ours: list[float] = []
    theirs: list[float] = []
    walls: list[float] = []
    peaks: list[float] = []
    letters = 0
    cpu_ours: list[float] = []
    cpu_theirs: list[float] = []
    import resource

    for turn in range(rounds):
        # Engine first in even rounds, advocate first in odd ones: a load that comes or goes
        # during a round (other sessions) favours neither side over the rounds.
        if turn % 2 == 0:
            base, base_cpu = engine_batch(work, signer_count * 4, folder)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = build("kazakhstan-2022", signers, folder / "out-pdfbatch", "pdf", None,
                       "--no-documents")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if turn % 2 == 1:
            base, base_cpu = engine_batch(work, signer_count * 4, folder)
        cpu_ours.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                        / result["letters"])
        cpu_theirs.append(base_cpu)
        letters = result["letters"]
        rate = letters / result["phases"]["letters"]
        theirs.append(base)
        ours.append(rate)
        ratios.append(rate / base)
        walls.append(result["wall"])
        peaks.append(result["peak_tree_mib"])
    shutil.rmtree(folder / "out-pdfbatch", ignore_errors=True)
    middle = sorted(range(rounds), key=lambda i: ratios[i])[rounds // 2]
    return [
        (f"advocate build --formats pdf --no-documents: {letters} PDF letters, --jobs {cpus}",
         f"{ours[middle]:.1f} letters/s = **{ratios[middle]:.2f}x** the engine",
         f"goal 0.90x; letter phase (workers' start-up included); median of {rounds} rounds' "
         f"ratios ({', '.join(f'{r:.2f}' for r in ratios)}); whole command "
         f"{walls[middle]:.1f} s, peak {peaks[middle]:.0f} MiB for all processes; CPU "
         f"{1000 * cpu_ours[middle]:.0f} ms a letter for the whole command (all processes, "
         f"start-up included) against the engine's {1000 * cpu_theirs[middle]:.0f} ms"),
        (f"baseline: WeasyPrint API, the same letters' HTML, {cpus} warm processes",
         f"{theirs[middle]:.1f} letters/s",
         f"each process imported, fonts set up and every distinct letter rendered once "
         f"before the clock; {letters} letters (40 distinct, at advocate's fit level), "
         f"PDF/UA; measured beside each advocate run, before and after it in turn "
         f"({', '.join(f'{b:.1f}' for b in theirs)})"),
    ]
def mailmerge_command(folder: Path, given: str | None) -> list[str]:
    """mailmerge (PyPI), installed for the benchmark only: into a virtual environment in the
    run's temporary folder (removed with it), unless ``--mailmerge PATH`` names one."""
    if given:
        return [given]
    venv = folder / "mailmerge-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "mailmerge"], check=True,
                   capture_output=True)
    return [str(venv / "bin" / "mailmerge")]


def mailmerge_inputs(folder: Path, signers: Path) -> tuple[Path, Path, Path, int]:
    """The same letters for mailmerge: one template choosing by target between the four
    bundled letters' email text (advocate's own, with mailmerge's ``{{name}}``-style fields
    where the writer's details go), and a database row per letter (signer x target)."""
    from advocate.campaigns import bundled_folder
    from advocate.render.documents import Renderer, Writer
    from advocate.schema.campaign import load_campaign

    campaign = load_campaign(bundled_folder() / "kazakhstan-2022.yaml")
    renderer = Renderer(campaign)
    writer = Writer(name="{{name}}", city="{{city}}", email="{{email}}", country="{{country}}")
    branches = []
    for number, target in enumerate(campaign.targets):
        letter = renderer.letter(target.id, writer)
        keyword = "if" if number == 0 else "elif"
        branches.append(f"{{% {keyword} target == '{target.id}' %}}"
                        f"TO: {target.email}\nSUBJECT: {letter.subject or letter.title}\n"
                        f"FROM: {{{{name}}}} <{{{{email}}}}>\n\n{letter.email_text()}")
    template = folder / "mailmerge_template.txt"
    template.write_text("".join(branches) + "{% endif %}", encoding="utf-8")
    database = folder / "mailmerge_database.csv"
    rows = 0
    with signers.open(encoding="utf-8", newline="") as source, \
            database.open("w", encoding="utf-8", newline="") as out:
        table = csv.writer(out)
        table.writerow(["target", "name", "email", "city", "country"])
        for row in csv.DictReader(source):
            for target in campaign.targets:
                table.writerow([target.id, row["name"], row["email"], row["city"],
                                row["country"]])
                rows += 1
    config = folder / "mailmerge_server.conf"
    config.write_text("[smtp_server]\nhost = localhost\nport = 25\nsecurity = Never\n"
                      "username = nobody\n", encoding="utf-8")
    return template, database, config, rows


def _pty_or_pipe(args: list[str], terminal: bool) -> float:
    """Wall time of a command whose stdout and stderr are a pseudo-terminal (read as a
    terminal would be) or a pipe."""
    import pty

    started = time.monotonic()
    if not terminal:
        done = subprocess.run(args, capture_output=True, env=ENV, check=False)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr.decode()}")
        return time.monotonic() - started
    main, side = pty.openpty()
    process = subprocess.Popen(args, stdout=side, stderr=side, env=ENV)
    os.close(side)
    while True:
        try:
            if not os.read(main, 65536):
                break
        except OSError:  # EIO: the command closed its side
            break
    os.close(main)
    if process.wait() != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return time.monotonic() - started


def peer_rows(folder: Path, signer_count: int, given: str | None,
              pty_pairs: int) -> list[tuple[str, str, str]]:
    """advocate's text and email letters beside their peers, in one run (issue 28): mailmerge
    printing the same messages (``--dry-run --no-limit --output-format raw`` to /dev/null),
    creating the same files with nothing else to do, and the progress bar's cost on a
    pseudo-terminal against a pipe."""
    import statistics

    signers = write_signers(folder / "peer-signers.csv", signer_count)
    mailmerge = mailmerge_command(folder, given)
    template, database, config, messages = mailmerge_inputs(folder, signers)
    merge_args = [*mailmerge, "--dry-run", "--no-limit", "--output-format", "raw",
                  "--template", str(template), "--database", str(database), "--config",
                  str(config)]
    version = subprocess.run([*mailmerge, "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()

    def merge_rate() -> float:
        started = time.monotonic()
        with open(os.devnull, "wb") as sink:
            subprocess.run(merge_args, check=True, stdout=sink, stderr=subprocess.PIPE,
                           env=ENV, cwd=folder)
        return messages / (time.monotonic() - started)

    rows: list[tuple[str, str, str]] = []
    # mailmerge, then each advocate case, then mailmerge again: the load that comes or goes
    # during the section meets both sides.
    merged = [merge_rate()]
    runs: dict[str, dict] = {}
    # Each build into a folder of its own, all removed only after the last timed run: on
    # this disk, removing 20,000 files goes on after os.sync() returns, and the build timed
    # next ran at half its rate (10,000 .eml letters: 2,569/s after the removal, 5,002-5,943/s
    # without one; 2026-12-07).
    outs = {formats: folder / f"peer-out-{formats.replace(',', '-')}"
            for formats in ("txt,eml", "eml")}
    for formats, out in outs.items():
        runs[formats] = build("kazakhstan-2022", signers, out, formats, None, "--no-documents")
    merged.append(merge_rate())
    merge = statistics.mean(merged)
    txt_eml = runs["txt,eml"]
    size = sum(p.stat().st_size for p in (outs["eml"] / "kazakhstan-2022").rglob("*.eml"))
    letters = txt_eml["letters"]
    files = runs["eml"]["file_count"]
    raw = raw_file_writes(folder / "peer-raw", 2 * letters, max(size // letters, 1))
    for out in outs.values():
        shutil.rmtree(out, ignore_errors=True)
    raw_letters = raw / 2
    for formats, what in (("txt,eml", "text+eml"), (("eml"), ".eml")):
        result = runs[formats]
        rate = result["letters"] / result["wall"]
        goal = "goal 5,000/s" if formats == "txt,eml" else "goal 2x mailmerge"
        rows.append((f"advocate build --formats {formats} --no-documents: {result['letters']} "
                     f"{what} letters, on disk, whole command",
                     f"{rate:.0f} letters/s = **{rate / merge:.2f}x** mailmerge, "
                     f"{rate / raw_letters:.2f}x file creation",
                     f"{goal}; {result['wall']:.2f} s for {result['file_count']} files; letter "
                     f"phase {result['letters'] / result['phases']['letters']:.0f}/s; peak "
                     f"{result['peak_tree_mib']:.0f} MiB"))
    rows.append((f"peer: {version}, --dry-run --no-limit --output-format raw, the same "
                 f"{messages} messages to /dev/null", f"{merge:.0f} messages/s",
                 f"one process; installed for the benchmark only; before and after advocate "
                 f"({', '.join(f'{m:.0f}' for m in merged)}); the same four letters' email "
                 "text (advocate's), by target; no notes"))
    rows.append((f"baseline: creating {2 * letters} files of the .eml's size on disk, one "
                 "process", f"{raw_letters:.0f} letters/s",
                 f"{raw:.0f} files/s (two files a letter, as txt+eml; {files} for .eml alone)"))
    # The progress bar: the same build on a pseudo-terminal and in a pipe, in turns, written
    # to tmpfs when there is one: on the shared disk the pairs measured the disk (0.44-2.38x).
    shm = Path("/dev/shm")
    place = "tmpfs" if shm.is_dir() else "disk"
    out = Path(tempfile.mkdtemp(prefix="advocate-bench-", dir=shm)) / "o" if shm.is_dir() \
        else folder / "peer-pty"
    args = [str(BIN / "advocate"), "build", "kazakhstan-2022", "--signers", str(signers),
            "-o", str(out), "--formats", "txt,eml", "--no-documents", "--force"]
    ratios, ttys, pipes = [], [], []
    for pair in range(pty_pairs):
        times = {}
        for terminal in ((True, False) if pair % 2 == 0 else (False, True)):
            shutil.rmtree(out, ignore_errors=True)
            times[terminal] = _pty_or_pipe(args, terminal)
        ttys.append(times[True])
        pipes.append(times[False])
        ratios.append(times[True] / times[False])
    shutil.rmtree(out.parent if place == "tmpfs" else out, ignore_errors=True)
    rows.append((f"progress bar: the txt+eml build ({letters} letters, output on {place}) on a "
                 "pseudo-terminal / in a pipe", f"**{statistics.median(ratios):.3f}x**",
                 f"goal under 1.05x; median of {pty_pairs} alternating pairs "
                 f"({', '.join(f'{r:.2f}' for r in ratios)}); medians "
                 f"{statistics.median(ttys):.2f} s vs {statistics.median(pipes):.2f} s"))
    return rows


def pdf_peer_rows(folder: Path, signer_count: int, shell_count: int) -> list[tuple[str, str, str]]:
    """advocate's PDF letters beside the `weasyprint` command run per letter and WeasyPrint's
    API warm in one process, on the same letter's HTML."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    signers = write_signers(folder / "pdfpeer-signers.csv", signer_count)
    shell = weasyprint_shell_loop(shell_count, folder)
    html, root = letter_html()
    fonts = FontConfiguration()
    HTML(string=html, base_url=str(root)).write_pdf(font_config=fonts)
    count = max(8, shell_count * 3)
    started = time.monotonic()
    for _ in range(count):
        HTML(string=html, base_url=str(root)).write_pdf(font_config=fonts)
    warm = count / (time.monotonic() - started)
    result = build("kazakhstan-2022", signers, folder / "pdfpeer-out", "pdf", 1,
                   "--no-documents")
    shutil.rmtree(folder / "pdfpeer-out", ignore_errors=True)
    rate = result["letters"] / result["wall"]
    return [
        (f"advocate build --formats pdf --no-documents -j 1: {result['letters']} PDF letters, "
         "whole command", f"{rate:.1f} letters/s = **{rate / shell:.1f}x** the `weasyprint` "
         f"command, {rate / warm:.2f}x the warm API", "one process, start-up included (see the "
         "PDF batch rows for two cores against two warm processes)"),
        ("peer: the `weasyprint` command per letter (advocate's letter HTML)",
         f"{shell:.2f} letters/s", f"{shell_count} runs"),
        ("peer: WeasyPrint API, warm, one process, the same HTML", f"{warm:.1f} letters/s",
         f"one FontConfiguration, {count} letters after one to warm up"),
    ]


def _tree_digest(folder: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def shard_rows(folder: Path, signers: int, formats: str) -> list[tuple[str, str, str]]:
    """Two shards built at once (one process and --jobs 1 each, as two one-core machines
    would) and merged, beside one unsharded build with --jobs 2, on the same inputs; the
    merged output must be the single build's, byte for byte (issue 14, item 3)."""
    path = write_signers(folder / f"shard-signers-{signers}.csv", signers)
    advocate = str(BIN / "advocate")
    common = ["--quiet", "build", "kazakhstan-2022", "--signers", str(path), "--formats",
              formats, "--no-documents"]
    single = build("kazakhstan-2022", path, folder / "shard-single", formats, 2,
                   "--no-documents")
    letters = single["letters"]
    outs = [folder / f"shard-{k}" for k in range(2)]
    for out in outs:
        shutil.rmtree(out, ignore_errors=True)
    started = time.monotonic()
    procs = [subprocess.Popen([advocate, *common, "-o", str(out), "--shard", f"{k}/2", "-j",
                               "1"], env=ENV, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
             for k, out in enumerate(outs)]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"shard build failed:\n{err}")
    shards = time.monotonic() - started
    merged = folder / "shard-merged"
    shutil.rmtree(merged, ignore_errors=True)
    merge, _, _, _ = run_measured([advocate, "--quiet", "merge", *map(str, outs), "-o",
                                   str(merged)])
    same = _tree_digest(merged) == _tree_digest(folder / "shard-single")
    if not same:
        raise SystemExit("the merged shards differ from the single build")
    files = single["file_count"]
    label = "PDF" if formats == "pdf" else formats.replace(",", "+")
    rows = [(f"build --shard 0/2 and 1/2 at once (-j 1 each), then merge: {letters} "
             f"{label} letters", f"{shards + merge:.1f} s",
             f"**{(shards + merge) / single['wall']:.2f}x** the single build below; shards "
             f"{shards:.1f} s ({letters / shards:.0f} letters/s), merge {merge:.1f} s "
             f"({files / merge:.0f} files/s); output identical byte for byte"),
            (f"baseline: one unsharded build, -j 2: {letters} {label} letters",
             f"{single['wall']:.1f} s", f"{letters / single['wall']:.0f} letters/s; "
             f"{files} files")]
    for out in [*outs, merged, folder / "shard-single"]:
        shutil.rmtree(out, ignore_errors=True)
    return rows


#: Starts a command from a small process and prints its peak resident memory (KiB). Linux
#: keeps a process's peak across execve, and a child started straight from this script
#: begins with the script's own memory (which grows as sections run: 141 MiB in one full
#: run), so the command is started from a fresh interpreter of about 10 MiB.
_PEAK_OF = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_kib(args: list[str]) -> tuple[int, float]:
    """Peak resident memory of one command (of its largest process, from wait4: not
    sampled) and its wall time."""
    started = time.monotonic()
    process = subprocess.run([sys.executable, "-c", _PEAK_OF, shutil.which(args[0]) or args[0],
                              *args[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=ENV, check=False)
    err = process.stderr.decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{err}")
    return int(err.split()[-1]), time.monotonic() - started


#: Memory per letter before the manifest and index were streamed (docs/scaling.md): 57 MiB
#: for 1,000 txt+eml letters, 135 MiB for 10,000.
OLD_BYTES_PER_LETTER = 9000


def buildmem_rows(folder: Path, counts: tuple[int, int]) -> list[tuple[str, str, str]]:
    """Peak memory of `build --no-documents --formats txt,eml -j 1` and of `merge` of two
    shards of it, at two signer counts (x 4 targets = letters): the growth per letter
    between them, beside the figure before the manifest and index were streams."""
    advocate = str(BIN / "advocate")
    builds: list[tuple[int, int, float]] = []  # letters, peak KiB, seconds
    merges: list[tuple[int, int, float]] = []
    for count in counts:
        path = write_signers(folder / f"buildmem-{count}.csv", count)
        common = ["--quiet", "build", "kazakhstan-2022", "--signers", str(path), "--formats",
                  "txt,eml", "--no-documents", "-j", "1"]
        out = folder / f"buildmem-{count}"
        shutil.rmtree(out, ignore_errors=True)
        peak, wall = peak_rss_kib([advocate, *common, "-o", str(out)])
        letters = sum(1 for _ in (out / "kazakhstan-2022" / "letters").glob("*.txt"))
        builds.append((letters, peak, wall))
        shards = [folder / f"buildmem-{count}-shard-{k}" for k in range(2)]
        for k, shard in enumerate(shards):
            shutil.rmtree(shard, ignore_errors=True)
            peak_rss_kib([advocate, *common, "-o", str(shard), "--shard", f"{k}/2"])
        merged = folder / f"buildmem-{count}-merged"
        shutil.rmtree(merged, ignore_errors=True)
        peak, wall = peak_rss_kib([advocate, "--quiet", "merge", *map(str, shards), "-o",
                                   str(merged), "-j", "1"])
        if _tree_digest(merged) != _tree_digest(out):
            raise SystemExit("the merged shards differ from the single build")
        merges.append((letters, peak, wall))
        for place in [out, merged, *shards]:
            shutil.rmtree(place, ignore_errors=True)
    rows: list[tuple[str, str, str]] = []
    for name, found in (("build --no-documents --formats txt,eml -j 1", builds),
                        ("merge of 2 shards of it, -j 1", merges)):
        (l1, p1, w1), (l2, p2, w2) = found
        per = (p2 - p1) * 1024 / (l2 - l1)
        rows.append((f"peak memory, {name}: {l1:,} and {l2:,} letters",
                     f"{per:,.0f} B/letter",
                     f"{p1 / 1024:.0f} MiB and {p2 / 1024:.0f} MiB ({w1:.1f} s, {w2:.1f} s): "
                     f"(peak2 - peak1) / (letters2 - letters1); before the streamed manifest "
                     f"and index, about {OLD_BYTES_PER_LETTER:,} B/letter "
                     f"({OLD_BYTES_PER_LETTER / max(per, 1):.0f}x); goal well under 1,000"))
    return rows


def buildmem_documents_rows(folder: Path, counts: tuple[int, int]) -> list[tuple[str, str, str]]:
    """Peak memory of every process of ``build --formats txt,eml`` *with* the brief, petition
    and sheet (default ``-j``: the main process and its workers, resident sizes summed, sampled
    every 50 ms) at two signer counts (x 4 targets = letters): the peak at the first (issue
    28: under 300 MiB for 10,000 letters), and how it grows per letter to the second."""
    advocate = str(BIN / "advocate")
    found: list[tuple[int, int, int, float]] = []  # letters, tree peak KiB, largest, seconds
    for count in counts:
        path = write_signers(folder / f"buildmem-docs-{count}.csv", count)
        out = folder / f"buildmem-docs-{count}"
        shutil.rmtree(out, ignore_errors=True)
        wall, peak, largest, _ = run_measured([advocate, "--quiet", "build", "kazakhstan-2022",
                                               "--signers", str(path), "--formats", "txt,eml",
                                               "-o", str(out)])
        letters = sum(1 for _ in (out / "kazakhstan-2022" / "letters").glob("*.txt"))
        found.append((letters, peak, largest, wall))
        shutil.rmtree(out, ignore_errors=True)
    (l1, p1, m1, w1), (l2, p2, _, w2) = found
    per = (p2 - p1) * 1024 / (l2 - l1)
    return [
        (f"peak memory, build --formats txt,eml with the documents: {l1:,} letters",
         f"**{p1 / 1024:.0f} MiB**",
         f"all processes summed (resident, sampled every 50 ms); largest one {m1 / 1024:.0f} "
         f"MiB; {w1:.1f} s; goal under 300 MiB"),
        (f"peak memory growth, the same build: {l1:,} to {l2:,} letters",
         f"{per:,.0f} B/letter",
         f"{p1 / 1024:.0f} MiB and {p2 / 1024:.0f} MiB ({w1:.1f} s, {w2:.1f} s), all "
         f"processes summed: (peak2 - peak1) / (letters2 - letters1); the petition of the "
         f"larger list renders in parts, by two workers of its own"),
    ]


def kit_rows(folder: Path, runs: int) -> list[tuple[str, str, str]]:
    """``advocate kit`` (issue 26) beside ``advocate brief`` on the same campaign, taking turns:
    the whole folder for a letter-writing night (the test fixture: three languages, two
    detainees, 33 PDFs and a CSV) against one PDF. Goal: the kit in seconds, not minutes."""
    advocate = str(BIN / "advocate")
    campaign = str(ROOT / "tests" / "fixtures" / "kit" / "campaign.yaml")
    kit = [advocate, "kit", campaign, "--date", "2026-12-10", "--place", "Hall",
           "-o", str(folder / "kit"), "--force"]
    brief = [advocate, "brief", campaign, "-o", str(folder / "kit-brief.pdf"), "--force"]
    took = _alternating({"brief": brief, "kit": kit}, runs)
    (bw, bc), (kw, kc) = took["brief"], took["kit"]
    files = sum(1 for p in (folder / "kit").rglob("*") if p.is_file())
    return [("baseline: `advocate brief` (one PDF), same campaign",
             f"{bw:.2f} s wall, {bc:.2f} s CPU", f"median of {runs}"),
            (f"`advocate kit` ({files} files), same campaign", f"{kw:.2f} s wall, "
             f"{kc:.2f} s CPU", f"{kw / bw:.1f}x the brief's wall time, {kc / bc:.1f}x its CPU; "
             "goal: under 30 s")]
def write_outcomes_log(path: Path, letters: int) -> None:
    """An outcomes log of ``letters`` letters to the bundled campaign's four targets: 90%
    sent over ten weeks, 2% returned, 20% replied after 3 to 40 days, 5% marked no reply."""
    from datetime import date, timedelta

    from advocate.campaigns import bundled_folder
    from advocate.outcomes.store import Event, Letter, LogStore
    from advocate.reference import letter_reference
    from advocate.schema.campaign import load_campaign

    campaign = load_campaign(bundled_folder() / "kazakhstan-2022.yaml")
    targets = [t.id for t in campaign.targets]
    start = date(2026, 1, 5)
    with LogStore(path, campaign.id) as store, store.writing() as db:
        made = [Letter(letter_reference(campaign.id, targets[i % len(targets)],
                                        i // len(targets) + 1),
                       targets[i % len(targets)], "en", "2026-01-01") for i in range(letters)]
        store.add_letters(db, made)
        for i, letter in enumerate(made):
            if i % 10 == 9:
                continue
            sent = start + timedelta(days=i % 70)
            store.put_event(db, Event(letter.reference, "sent", sent.isoformat(), "post"))
            if i % 50 == 0:
                store.put_event(db, Event(letter.reference, "returned",
                                          (sent + timedelta(days=9)).isoformat()))
            elif i % 5 == 1:
                store.put_event(db, Event(letter.reference, "replied", (
                    sent + timedelta(days=3 + i % 38)).isoformat(), summary="Acknowledged"))
            elif i % 20 == 3:
                store.put_event(db, Event(letter.reference, "no_reply", "2026-05-01"))


def outcomes_rows(folder: Path, letters: int) -> list[tuple[str, str, str]]:
    """`advocate report` on a log of ``letters`` letters (text and JSON, whole command)
    beside a bare `sqlite3` count of the same log's letters in a fresh Python (goal: 2 s)."""
    log = folder / f"outcomes-{letters}.log.sqlite"
    log.unlink(missing_ok=True)
    write_outcomes_log(log, letters)
    advocate = str(BIN / "advocate")

    def timed(args: list[str]) -> tuple[float, float]:
        """Best wall time of 3 and the CPU seconds (user + system) of that best run: on a
        shared machine the wall time says more about the neighbours than the command."""
        best = (float("inf"), 0.0)
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            subprocess.run(args, check=True, capture_output=True, env=ENV)
            wall = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            best = min(best, (wall, cpu))
        return best

    count = timed([sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect("
                   "sys.argv[1]).execute('SELECT count(*) FROM letters').fetchone())", str(log)])
    startup = timed([advocate, "validate", "kazakhstan-2022"])
    rows = [(f"baseline: bare sqlite3 count of a {letters:,}-letter log, fresh Python",
             f"{count[0]:.2f} s", f"best of 3; CPU {count[1]:.2f} s"),
            ("baseline: advocate validate kazakhstan-2022 (start-up and campaign load)",
             f"{startup[0]:.2f} s", f"best of 3; CPU {startup[1]:.2f} s")]
    for fmt in ("txt", "json"):
        took = timed([advocate, "report", "kazakhstan-2022", "--log", str(log), "--format",
                      fmt])
        rows.append((f"advocate report --format {fmt}, {letters:,}-letter log, whole command",
                     f"{took[0]:.2f} s", f"goal under 2 s; {took[0] / count[0]:.1f}x the "
                     f"sqlite3 count, {took[0] - startup[0]:+.2f} s over validate; CPU "
                     f"{took[1]:.2f} s; best of 3"))
    return rows


def variant_rows(folder: Path, count: int) -> list[tuple[str, str, str]]:
    """Letters not all alike: the share of distinct bodies among ``count`` letters to one
    target (the bundled campaign's variants; a body is the letter without the writer's
    sender block, signature and reference), and the build with and without variants."""
    import re

    from advocate.campaigns import resolve_campaign
    from advocate.render.documents import Renderer, Writer
    from advocate.schema.campaign import load_campaign

    campaign = load_campaign(resolve_campaign("kazakhstan-2022"))
    renderer = Renderer(campaign)
    own = re.compile(r"::: (?:sender|signature|reference)\n.*?\n:::\n", re.DOTALL)
    rows: list[tuple[str, str, str]] = []
    for target in ("president", "un-high-commissioner"):
        bodies = set()
        for row in range(1, count + 1):
            writer = Writer(name=f"Person {row}", city="Berlin", row=row)
            bodies.add(own.sub("", renderer.letter(target, writer).markdown))
        lang = renderer.letter(target, None).lang
        rows.append((f"variants: distinct letter bodies, {count:,} letters to `{target}` "
                     f"({lang})", f"{len(bodies) / count:.2%}",
                     f"goal at least 99%; {len(bodies):,} distinct; same city, no note: "
                     "only the variants differ"))
    # The same build with and without the variants (the campaign file cut before them).
    source = resolve_campaign("kazakhstan-2022").read_text(encoding="utf-8")
    plain = folder / "kazakhstan-2022-plain.yaml"
    plain.write_text(source.split("\nvariants:\n", 1)[0].rsplit("\n# Other wordings", 1)[0]
                     + "\n", encoding="utf-8")
    signers = folder / "variant-signers.csv"
    people = max(count // 10, 50)
    with signers.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "city"])
        out.writerows([f"Person {i}", "Berlin"] for i in range(1, people + 1))
    # Three rounds, the order alternating (machines like this one drift): the median ratio.
    paths = {"with": str(resolve_campaign("kazakhstan-2022")), "without": str(plain)}
    rounds: list[dict[str, float]] = []
    for n in range(3):
        rates = {}
        for name in (("with", "without") if n % 2 == 0 else ("without", "with")):
            result = build(paths[name], signers, folder / f"variants-{name}", "txt", None,
                           "--no-documents")
            rates[name] = result["letters"] / result["wall"]
            shutil.rmtree(folder / f"variants-{name}", ignore_errors=True)
        rounds.append(rates)
    ratios = sorted(r["with"] / r["without"] for r in rounds)
    middle = next(r for r in rounds if r["with"] / r["without"] == ratios[1])
    rows.append((f"variants: advocate build --no-documents, {people:,} signers x 4 targets, "
                 "txt, with / without variants",
                 f"{middle['with']:.0f} / {middle['without']:.0f} letters/s = "
                 f"**{ratios[1]:.2f}x**",
                 f"median of 3 alternating rounds ({', '.join(f'{r:.2f}' for r in ratios)}); "
                 "whole command; each slot is a value of the letter's stencil"))
    return rows


Rows = list[tuple[str, str, str]]


def _counts(options: argparse.Namespace) -> argparse.Namespace:
    """The sizes every section runs at: the full run's, or --quick's smoke test."""
    quick = options.quick

    def pair(given: str | None, small: str, full: str) -> tuple[int, int]:
        first, second = map(int, (given or (small if quick else full)).split(","))
        return first, second

    return argparse.Namespace(
        peer_signers=options.peer_signers or (250 if quick else 2500),
        pty_pairs=options.pty_pairs or (2 if quick else 8),
        variant_letters=2_000 if quick else 10_000,
        outcome_letters=10_000 if quick else 100_000,
        buildmem=pair(options.buildmem_signers, "250,2500", "1000,10000"),
        buildmem_documents=pair(options.buildmem_documents_signers, "250,2500", "2500,25000"),
        startup_runs=5 if quick else 15,
        shard_cases=((250, "txt,eml"), (5, "pdf")) if quick else ((2500, "txt,eml"), (25, "pdf")),
        list_counts=(10_000, 100_000) if quick else (100_000, 1_000_000),
        batch_signers=options.pdfbatch_signers or (25 if quick else 100),
        rounds=options.rounds or (1 if quick else 3),
        text_signers=250 if quick else 2500,  # x 4 targets = text+eml letters
        baseline_count=10 if quick else 60,
        shell_count=3 if quick else 8,
        petition=options.petition or (10_000 if quick else 100_000),
        million=100_000 if quick else 1_000_000,
        petition_baseline=1000 if quick else 5000,
    )


def engine_rows(folder: Path, n: argparse.Namespace) -> Rows:
    """Whole commands and the PDF engine's own rates, then the PDF batch beside it."""
    advocate = str(BIN / "advocate")
    cpus = os.cpu_count() or 1
    rows: Rows = []
    letter_cmd = [advocate, "letter", "kazakhstan-2022", "--to", "president", "--name",
                  "A. Writer", "--city", "Berlin", "--lang", "en"]
    rows.append(("text letter, whole command", f"{command_time(letter_cmd):.2f} s",
                 "best of 3 (the first keeps the letter's stencil; see the start-up rows)"))
    brief_cmd = [advocate, "brief", "kazakhstan-2022", "-o", str(folder / "b.pdf"), "--force"]
    rows.append(("brief PDF, whole command", f"{command_time(brief_cmd):.2f} s",
                 "goal: well under 2 s"))
    shell = weasyprint_shell_loop(n.shell_count, folder)
    rows.append(("baseline: `weasyprint` command per letter", f"{shell:.1f} letters/s", ""))
    reference = weasyprint_reference(n.baseline_count)
    rows.append(("baseline: WeasyPrint API, performance.md's reference letter, 1 process",
                 f"{reference:.1f} letters/s",
                 f"x {cpus} cores = {reference * cpus:.0f}/s (31/s per core in "
                 "performance.md)"))
    # The PDF batch beside two warm WeasyPrint processes on the same letters' HTML.
    # --no-documents: the workers would otherwise start on the letters while the brief
    # and petition render, and the letter phase alone would flatter them.
    rows += pdfbatch_rows(folder, n.batch_signers, n.rounds)
    rows += pdf_phase_rows(10 if n.baseline_count < 60 else 30)
    return rows


def text_build_rows(folder: Path, n: argparse.Namespace) -> Rows:
    """Text and email letters on disk and on tmpfs beside creating the files alone, and a
    whole build with its documents."""
    rows: Rows = []
    signers = write_signers(folder / "text-signers.csv", n.text_signers)
    shm = Path("/dev/shm")
    places = [("disk", folder)] + ([("tmpfs", shm)] if shm.is_dir() else [])
    for place, root in places:
        out = Path(tempfile.mkdtemp(prefix="advocate-bench-", dir=root))
        try:
            result = build("kazakhstan-2022", signers, out / "o", "txt,eml", None,
                           "--no-documents")
            letters, files = result["letters"], result["file_count"]
            rows.append((f"advocate build --no-documents: {letters} text+eml letters, "
                         f"output on {place}", f"{letters / result['wall']:.0f} letters/s",
                         f"goal 5,000/s; whole command, {result['wall']:.2f} s for {files} "
                         f"files; letter phase {letters / result['phases']['letters']:.0f}"
                         f"/s; peak {result['peak_tree_mib']:.0f} MiB"))
            size = sum(p.stat().st_size for p in (out / "o").rglob("*.txt")) // letters
            raw = raw_file_writes(root / "advocate-bench-raw", files, max(size, 1))
            rows.append((f"baseline: creating {files} files of that size on {place}, "
                         "one process", f"{raw / 2:.0f} letters/s",
                         f"{raw:.0f} files/s; a letter is two files (txt, eml)"))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    result = build("kazakhstan-2022", signers, folder / "out-text", "txt,eml", None)
    letters = result["letters"]
    rows.append((f"advocate build: {letters} text+eml letters with the brief, petition "
                 "and sheet", f"{letters / result['wall']:.0f} letters/s",
                 f"whole command {result['wall']:.1f} s; its documents phase "
                 f"{result['phases']['documents']:.1f} s (a petition naming "
                 f"{n.text_signers // 2:,} signers)"))
    rows.append((f"peak memory, {letters} letters (txt+eml)",
                 f"{result['peak_tree_mib']:.0f} MiB",
                 f"all processes together; largest one "
                 f"{result['largest_process_mib']:.0f} MiB; goal under 300 MiB"))
    return rows


def _peers(folder: Path, n: argparse.Namespace) -> Rows:
    rows = peer_rows(folder, n.peer_signers, n.mailmerge, n.pty_pairs)
    return rows + pdf_peer_rows(folder, 5 if n.quick else 10, 3 if n.quick else 6)


def _shards(folder: Path, n: argparse.Namespace) -> Rows:
    return [row for count, formats in n.shard_cases
            for row in shard_rows(folder, count, formats)]


#: Each section of the benchmark: its rows, in the full run's order (``--only NAME``).
SECTIONS: dict[str, Callable[[Path, argparse.Namespace], Rows]] = {
    "engine": engine_rows,
    "textbuild": text_build_rows,
    "startup": lambda folder, n: startup_rows(folder, n.startup_runs),
    "shard": _shards,
    "signers": lambda folder, n: signer_list_rows(folder, n.list_counts),
    "buildmem": lambda folder, n: buildmem_rows(folder, n.buildmem)
    + buildmem_documents_rows(folder, n.buildmem_documents),
    "outcomes": lambda folder, n: outcomes_rows(folder, n.outcome_letters),
    "variants": lambda folder, n: variant_rows(folder, n.variant_letters),
    "kit": lambda folder, n: kit_rows(folder, 2 if n.quick else 3),
    "peers": _peers,
    "pdfbatch": lambda folder, n: pdfbatch_rows(folder, n.batch_signers, n.rounds),
    "pdfphases": lambda folder, n: pdf_phase_rows(10 if n.quick else 30),
    "petition": lambda folder, n: petition_rows(folder, n.petition, n.petition_baseline),
    "million": lambda folder, n: petition_rows(folder, n.million, n.petition_baseline),
}
#: Sections only asked for by name (each is part of another, or its own long run).
_NOT_IN_FULL_RUN = {"pdfbatch", "pdfphases"}
#: The older --only-X flags, each one section.
_ONLY_FLAGS = {"signers": "only the signer-list reading case",
               "pdfbatch": "only the PDF letter batch beside the engine (issue 14, item 5)",
               "startup": "only the start-up rows: text letter and PDF brief beside the "
                          "bare imports",
               "shard": "only the shard-and-merge rows (two shards + merge vs one build)",
               "buildmem": "only the memory-per-letter rows of build and merge, and with "
                           "the documents",
               "variants": "only the variants rows: distinct letter bodies, build speed "
                           "with and without variants",
               "kit": "only the kit row, beside the brief (issue 26)",
               "outcomes": "only the rows of advocate report on a 100,000-letter log",
               "peers": "only the peers rows: mailmerge, file creation, the progress bar on "
                        "a terminal, the weasyprint command and API (issue 28)"}


def parse_options(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--only", action="append", choices=list(SECTIONS), default=[],
                        help="only this section (repeatable); the full run has all but "
                        + ", ".join(sorted(_NOT_IN_FULL_RUN)))
    for name, what in _ONLY_FLAGS.items():
        parser.add_argument(f"--only-{name}", action="append_const", const=name, dest="only",
                            help=what)
    parser.add_argument("--petition", type=int, default=None, metavar="SIGNERS",
                        help="only the petition rows, for this many signers")
    parser.add_argument("--pdfbatch-signers", type=int, default=None, metavar="N",
                        help="signers for the PDF batch (x 4 letters; default 100, quick 25)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="advocate/engine turns for the PDF batch (default 3, quick 1)")
    parser.add_argument("--buildmem-signers", default=None, metavar="N1,N2",
                        help="the two signer counts of the memory-per-letter rows (default "
                        "1000,10000; quick 250,2500)")
    parser.add_argument("--buildmem-documents-signers", default=None, metavar="N1,N2",
                        help="the signer counts of the with-documents memory rows (default "
                        "2500,25000 = 10,000 and 100,000 letters; quick 250,2500)")
    parser.add_argument("--peer-signers", type=int, default=None, metavar="N",
                        help="signers for the peers rows (x 4 letters; default 2500, quick 250)")
    parser.add_argument("--pty-pairs", type=int, default=None, metavar="N",
                        help="terminal/pipe pairs for the progress bar row (default 8)")
    parser.add_argument("--mailmerge", default=None, metavar="PATH",
                        help="a mailmerge command to use (default: installed from PyPI into "
                        "the run's temporary folder, removed after)")
    options = parser.parse_args(argv)
    if options.petition and not options.only:
        options.only = ["petition"]
    return options


def main() -> None:
    options = parse_options()
    sizes = _counts(options)
    sizes.quick, sizes.mailmerge = options.quick, options.mailmerge
    names = options.only or [name for name in SECTIONS if name not in _NOT_IN_FULL_RUN]
    rows: Rows = []
    with tempfile.TemporaryDirectory(prefix="advocate-bench-") as tmp:
        for name in names:
            section = SECTIONS[name](Path(tmp), sizes)
            print("\n".join(f"| {a} | {b} | {c} |" for a, b, c in section), flush=True)
            rows += section
    if options.write and not options.only:
        write_table(rows)


def write_table(rows: Rows) -> None:
    """The full run's table into docs/benchmarks.md, between its markers."""
    table = ["| measure | result | notes |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    target = ROOT / "docs" / "benchmarks.md"
    page = target.read_text(encoding="utf-8") if target.exists() else ""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in page and end in page:
        before, rest = page.split(start, 1)
        page = before + start + "\n" + "\n".join(table) + "\n" + end + rest.split(end, 1)[1]
        target.write_text(page, encoding="utf-8")

if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(_CACHE, ignore_errors=True)
