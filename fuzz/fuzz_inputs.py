"""Fuzz advocate's untrusted-input parsers and its template host (atheris / libFuzzer).

One target, four boundaries, chosen by the first byte of each input:

* ``0``: a campaign file: ``load_yaml_bytes`` + ``validate_document``; a campaign that
  validates is also rendered (letter as text, Markdown and HTML; brief as Markdown), so
  hostile campaign text runs through localisation, the wording templates and markup.
* ``1``: a signer list: ``parse_signers`` (byte 2 picks ``.csv``/``.tsv``/``.txt``/
  ``.yaml``, byte 3 the encoding and dedupe mode); every parsed signer then writes a
  letter (text and ``.eml``), so hostile names and notes reach the Markdown and the
  email headers.
* ``2``: a template: the rest of the input is written as a file into a temporary folder
  (``from_string`` is refused by design) and rendered through ``make_environment`` +
  ``render`` with hostile data; Markdown output then goes through ``markup``. An error
  message that quotes the writer's data is a finding (personal data on stderr).
* ``3``: the PDF resource gate (``advocate.render.pdf.gate.ResourceGate``): a URL (byte 2 picks a
  prefix) must be served from inside the allowed folder or refused with the gate's own
  refusal; a symlink in the folder points at a secret file that must never be served.

The contract under test: every input ends in a clean result or an ``AdvocateError``.
Anything else (another exception, a render that takes far longer than its limit, a
document far larger than its source allows) is a finding: it is raised, so libFuzzer
saves the input under ``-artifact_prefix``.

Run (see fuzz/README.md)::

    .venv/bin/python fuzz/fuzz_inputs.py -artifact_prefix=fuzz/findings/ \
        -max_total_time=600 -rss_limit_mb=4096 -timeout=30 fuzz/work fuzz/corpus

Without atheris, ``--replay FILE_OR_DIR...`` runs inputs once each (a regression check).
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

try:
    import atheris
except ImportError:  # --replay still works
    atheris = None


def _imports() -> None:
    global AdvocateError, load_yaml_bytes, validate_document, parse_signers
    global make_environment, render, markup, Renderer, Writer, render_module
    global campaign_view, Localiser, load_campaign, bundled_folder
    from advocate.campaigns import bundled_folder as _bundled_folder
    from advocate.errors import AdvocateError as _AdvocateError
    from advocate.render import documents as _render_module
    from advocate.render.documents import Renderer as _Renderer
    from advocate.render.documents import Writer as _Writer
    from advocate.schema.campaign import load_campaign as _load_campaign
    from advocate.schema.campaign import validate_document as _validate_document
    from advocate.schema.load import load_yaml_bytes as _load_yaml_bytes
    from advocate.signers import parse_signers as _parse_signers
    from advocate.templates.host import make_environment as _make_environment
    from advocate.templates.host import render as _render
    from advocate.text import markdown as _markup
    from advocate.text.localise import Localiser as _Localiser
    from advocate.text.localise import campaign_view as _campaign_view

    AdvocateError, load_yaml_bytes, validate_document = (
        _AdvocateError, _load_yaml_bytes, _validate_document)
    parse_signers, make_environment, render, markup = (
        _parse_signers, _make_environment, _render, _markup)
    Renderer, Writer, render_module = _Renderer, _Writer, _render_module
    campaign_view, Localiser, load_campaign, bundled_folder = (
        _campaign_view, _Localiser, _load_campaign, _bundled_folder)


if atheris is not None and "--replay" not in sys.argv:
    with atheris.instrument_imports(include=["advocate", "yaml", "jinja2", "markdown_it"]):
        _imports()
else:
    _imports()

os.environ.setdefault("SOURCE_DATE_EPOCH", "1768435200")

#: Render limit given to templates; a render that overruns it by far is a finding.
TEMPLATE_SECONDS = 1.0
#: Longest rendered template output accepted without complaint (the bundled letters are
#: ~4 KB); the template's own size bounds what it can legitimately produce.
MAX_OUTPUT = 4_000_000

WORK = Path(tempfile.mkdtemp(prefix="advocate-fuzz-"))
TEMPLATES = WORK / "tpl"
TEMPLATES.mkdir()
(TEMPLATES / "inc.txt.j2").write_text("included {{ writer.name }}\n", encoding="utf-8")
(TEMPLATES / "macros.txt.j2").write_text(
    "{% macro greet(n) %}Hello {{ n }}{% endmacro %}", encoding="utf-8")
(TEMPLATES / "base.html.j2").write_text(
    "<html><body>{% block body %}{% endblock %}</body></html>", encoding="utf-8")
CAMPAIGN_DIR = WORK / "pack"
CAMPAIGN_DIR.mkdir()

_KINDS = (".txt.j2", ".html.j2", ".md.j2", ".css.j2")
_SIGNER_NAMES = ("signers.csv", "signers.tsv", "signers.txt", "signers.yaml")
_ENCODINGS = (None, None, None, "cp1252", "utf-16", "latin-1")

#: Marks the writer's data: no message may ever contain it (personal data in stderr).
PRIVATE = "Qzelda"
HOSTILE = {
    "name": f"{PRIVATE} <script>alert(1)</script> {{{{ 7*7 }}}} ::: recipient",
    "city": "=HYPERLINK(\"http://x/\")",
    "email": "a@example.org",
    "country": "x\u202egpj.exe",
    "note": "::: sender\nMallory\n:::\n\n<img src=http://x/p.gif> [l](javascript:x)",
}

_BUNDLED = None
_CONTEXT: dict | None = None


class Finding(Exception):
    """Not an AdvocateError and not a clean result."""


def _context() -> dict:
    """What a real wording template gets, built once from the bundled campaign."""
    global _BUNDLED, _CONTEXT
    if _CONTEXT is None:
        _BUNDLED = load_campaign(bundled_folder() / "kazakhstan-2022.yaml")
        loc = Localiser(_BUNDLED, "en")
        view = campaign_view(_BUNDLED, loc)
        _CONTEXT = {
            "campaign": view,
            "target": view["targets"][0],
            "writer": dict(HOSTILE),
            "signer": dict(HOSTILE),
            "signers": {"count": 2, "public": [dict(HOSTILE)]},
            "lang": "en",
            "date": "15 January 2026",
            "date_iso": "2026-01-15",
            "paper": "a4",
            "bodies": ["<p>x</p>"],
            "title": "t",
            "labels": {},
            "print": False,
            "fit": 0,
            "qr": None,
            "rows": 3,
        }
    return _CONTEXT


def _bounded(what: str, started: float, limit: float) -> None:
    elapsed = time.monotonic() - started
    if elapsed > limit:
        raise Finding(f"{what} took {elapsed:.1f} s (limit {limit:g} s)")


def fuzz_campaign(raw: bytes) -> None:
    path = CAMPAIGN_DIR / "campaign.yaml"
    try:
        doc = load_yaml_bytes(raw, str(path))
        campaign, _warnings = validate_document(doc)
    except AdvocateError:
        return
    # A valid campaign: its text goes through every wording template as data.
    started = time.monotonic()
    try:
        renderer = Renderer(campaign)
        for target in campaign.targets[:2]:
            for lang in campaign.languages[:2]:
                letter = renderer.letter(target.id, Writer(**{
                    k: v for k, v in HOSTILE.items() if k != "email"}), lang)
                letter.text()
                renderer.html([letter])
        brief = renderer.brief()
        brief.text()
    except AdvocateError:
        pass
    _bounded("campaign render", started, 30)


def fuzz_signers(raw: bytes) -> None:
    if len(raw) < 2:
        return
    name = _SIGNER_NAMES[raw[0] % len(_SIGNER_NAMES)]
    encoding = _ENCODINGS[raw[1] % len(_ENCODINGS)]
    dedupe = "first" if raw[1] & 0x80 else "error"
    try:
        signers = parse_signers(raw[2:], name, encoding=encoding, dedupe=dedupe)
    except AdvocateError:
        return
    for signer in signers:
        if not signer.name:
            raise Finding("a signer without a name was accepted")
        if repr(signer) != f"Signer(row={signer.row})":
            raise Finding("Signer repr shows more than the row")
    global _BUNDLED
    _context()
    renderer = Renderer(_BUNDLED)
    for signer in signers[:3]:
        try:
            letter = renderer.letter("un-high-commissioner", Writer.from_signer(signer), "en")
            letter.text()
            renderer.eml(letter)
        except AdvocateError:
            pass


def fuzz_template(raw: bytes) -> None:
    if not raw:
        return
    kind = _KINDS[raw[0] % len(_KINDS)]
    name = "fuzz" + kind
    (TEMPLATES / name).write_bytes(raw[1:])
    env = make_environment([TEMPLATES], {"lines": render_module._lines,
                                         "cite": render_module._cite})
    started = time.monotonic()
    try:
        text, _exported = render(env, name, _context(), seconds=TEMPLATE_SECONDS)
    except AdvocateError as exc:
        _bounded("template render (refused)", started, TEMPLATE_SECONDS + 5)
        message = str(exc)
        if "MemoryError" in message:
            raise Finding("template exhausted memory: " + message) from None
        if PRIVATE.casefold() in message.casefold():
            raise Finding("a template error quotes the writer's data: " + message) from None
        return
    _bounded("template render", started, TEMPLATE_SECONDS + 5)
    if len(text) > MAX_OUTPUT:
        raise Finding(f"a {len(raw)}-byte template produced {len(text):,} characters")
    if kind == ".md.j2":
        markup.to_text(text)
        markup.to_html(text)


GATE_ROOT = WORK / "gate"
(GATE_ROOT / "sub").mkdir(parents=True)
(WORK / "secret.png").write_bytes(b"SECRET-BYTES")
(GATE_ROOT / "ok.css").write_bytes(b"p { color: teal }")
(GATE_ROOT / "link.png").symlink_to(WORK / "secret.png")
_GATE_PREFIXES = ("", "file://", "file:", "FILE:///", "data:", "http://", str(GATE_ROOT),
                  "file://" + str(GATE_ROOT) + "/")


def fuzz_gate(raw: bytes) -> None:
    """The PDF resource gate: any URL is served from inside its root or refused."""
    from advocate.render.pdf.gate import Refused, ResourceGate

    if not raw:
        return
    prefix = _GATE_PREFIXES[raw[0] % len(_GATE_PREFIXES)]
    url = prefix + raw[1:].decode("utf-8", "replace")
    gate = ResourceGate([GATE_ROOT], max_bytes=1 << 16)
    try:
        final_url, body, _type = gate.open(url)
    except Refused:
        return
    if b"SECRET-BYTES" in body:
        raise Finding("the gate served a file from outside its root")
    if not final_url.lower().startswith(("data:", GATE_ROOT.as_uri().lower() + "/")):
        raise Finding("the gate served something that is neither data: nor inside its root")


TARGETS = (fuzz_campaign, fuzz_signers, fuzz_template, fuzz_gate)


def _run(data: bytes) -> None:
    if not data:
        return
    TARGETS[data[0] % len(TARGETS)](data[1:])


def _signature(exc: BaseException) -> str:
    """A finding's kind: exception type and the innermost advocate frame (or its text)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "advocate" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    if isinstance(exc, Finding):
        where = str(exc).split(":")[0].split(" produced")[0].split(" took")[0][:60]
        where = "".join(ch for ch in where if not ch.isdigit())
    return f"{type(exc).__name__}@{where}"


_SEEN: set[str] = set()


def check_one(data: bytes) -> None:
    """The fuzz target: clean result or AdvocateError, else raise.

    With ADVOCATE_FUZZ_KEEP_GOING=DIR, each new kind of finding is saved once into DIR
    (input and message) and fuzzing goes on, so one shallow bug does not hide the rest.
    """
    keep_going = os.environ.get("ADVOCATE_FUZZ_KEEP_GOING")
    if not keep_going:
        _run(data)
        return
    try:
        _run(data)
    except Exception as exc:
        signature = _signature(exc)
        if signature in _SEEN:
            return
        _SEEN.add(signature)
        import hashlib
        import traceback

        folder = Path(keep_going)
        folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in signature)
        stem = f"finding-{safe}-{hashlib.sha1(data).hexdigest()[:10]}"
        if any(folder.glob(f"finding-{safe}-*")):
            return  # found in an earlier run of the loop
        (folder / f"{stem}.bin").write_bytes(data)
        (folder / f"{stem}.txt").write_text(
            signature + "\n" + "".join(traceback.format_exception(exc))[-4000:],
            encoding="utf-8")
        print(f"NEW FINDING {signature}", file=sys.stderr, flush=True)


def _limit_memory() -> None:
    """Keep a runaway allocation inside this process (MemoryError, not the OOM killer)."""
    limit = int(os.environ.get("ADVOCATE_FUZZ_AS_MB", "6144")) << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def replay(paths: list[str]) -> int:
    files: list[Path] = []
    for arg in paths:
        p = Path(arg)
        files.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    failures = 0
    for file in files:
        try:
            check_one(file.read_bytes())
        except Exception as exc:
            failures += 1
            print(f"FINDING {file}: {type(exc).__name__}: {str(exc)[:300]}")
    print(f"replayed {len(files)} inputs, {failures} findings")
    return 1 if failures else 0


def main() -> None:
    _limit_memory()
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        sys.exit(replay(sys.argv[2:]))
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris, or use --replay")
    atheris.Setup(sys.argv, check_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
