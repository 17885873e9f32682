"""Properties of the untrusted-input boundaries (Hypothesis; bounded so the suite stays fast).

The module tests already hold these properties, which are not repeated here:
``load_yaml_bytes`` on arbitrary bytes (test_load), ``parse_signers`` on arbitrary bytes
and CSV/YAML-like text, ``email_key`` idempotent on arbitrary text (test_signers),
``safe_output_name`` safe for one name and ``csv_cell`` (test_output). This file adds:

* campaign files: YAML-shaped text through the loader *and* the model raises only
  AdvocateError, and every problem points inside the file;
* signer lists: messages never quote a cell, and name rows that exist;
* ``email_key``: idempotent and case-blind on well-formed addresses, the kind that
  really reach deduplication;
* ``safe_output_name``: no two signers ever share a file name, and every name stays in
  its folder;
* the PDF resource gate: any URL is served from inside the allowed folder or refused,
  with nothing but the gate's own refusal, and nothing outside is ever opened;
* templates: any token soup renders or raises AdvocateError, within its time limit;
* Markdown escaping: data stays data (text out equals text in).
"""

from __future__ import annotations

import os
import re
import string
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import advocate.render.pdf.gate
from advocate.errors import AdvocateError
from advocate.output.files import safe_output_name
from advocate.render.pdf.gate import Refused, ResourceGate
from advocate.schema.campaign import validate_document
from advocate.schema.load import load_yaml_bytes
from advocate.signers import email_key, normalise_email, parse_signers
from advocate.templates.host import escape_markdown, make_environment, render
from advocate.text.markdown import to_text

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# --------------------------------------------------------------------------- campaigns

_KEYS = ["advocate", "id", "title", "summary", "language", "as_of", "url", "facts", "sources",
         "asks", "targets", "quotes", "text", "source", "name", "salutation", "figure", "date",
         "translations", "en", "ru", "reviewed", "tittle", "<<", "? x", "1", "\"q\"", "-"]
_SCALARS = ["1", "0", "-1", "01234", "NO", "yes", "~", "null", "true", "12:30", "2022-01-17",
            "2024-13-45", "1.10", "0x1F", "\"\"", "''", "x", "kazakhstan-2022", "Bad Id", "&a x",
            "*a", "!!python/name:os.system", "!t x", "https://e.org", "a@b.org", "[a, b]",
            "{en: x, ru: y}", "{}", "[]", "|\n  block", ">-\n  folded", "\"\\u2028\"", "é"]


@st.composite
def _yaml_value(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.integers(0, 3 if depth < 3 else 0))
    pad = "  " * (depth + 1)
    if kind == 0:
        return " " + draw(st.sampled_from(_SCALARS))
    if kind == 1:
        items = draw(st.lists(_yaml_value(depth + 1), max_size=3))
        return "".join(f"\n{pad}-{item}" for item in items) or " []"
    if kind == 2:
        pairs = draw(st.lists(st.tuples(st.sampled_from(_KEYS), _yaml_value(depth + 1)),
                              max_size=4))
        return "".join(f"\n{pad}{key}:{value}" for key, value in pairs) or " {}"
    return " " + draw(st.text(string.printable, max_size=15)).replace("\n", " ")


@st.composite
def campaign_text(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(st.sampled_from(_KEYS), _yaml_value()), max_size=10))
    text = "".join(f"{key}:{value}\n" for key, value in pairs)
    if draw(st.booleans()):  # sometimes start from a whole, valid campaign and break one place
        text = _MINIMAL + text
    return text


_MINIMAL = (Path(__file__).parent / "fixtures" / "campaigns" / "minimal.yaml").read_text(
    encoding="utf-8")


@FAST
@given(campaign_text())
@example(_MINIMAL)
@example(_MINIMAL + "facts: []\n")
@example(_MINIMAL.replace("source: s", "source: [s, t, s]"))
def test_campaign_loader_and_model_raise_only_advocate_errors(text: str) -> None:
    raw = text.encode("utf-8")
    lines = len(re.findall(r"\r\n|[\r\n\x85\u2028\u2029]", text)) + 1  # YAML's line breaks
    try:
        campaign, warnings = validate_document(load_yaml_bytes(raw, "campaign.yaml"))
    except AdvocateError as exc:
        for problem in exc.problems:
            assert problem.file == "campaign.yaml"
            assert problem.line is None or 1 <= problem.line <= lines, problem
            assert problem.column is None or problem.column >= 1, problem
        return
    assert campaign.id and campaign.targets
    assert all(w.severity == "warning" for w in warnings)


# --------------------------------------------------------------------------- signer lists

_SECRET = st.text(alphabet=string.ascii_letters + "éöЖж", min_size=6, max_size=10).map(
    lambda s: "Q" + s)  # 'Q' + letters: never a column name, hint word or number
_CELL = st.one_of(_SECRET, st.sampled_from(["", "yes", "no", "maybe", "a@b@c", "x y@z.org"]),
                  _SECRET.map(lambda s: f"{s}@example.org"), _SECRET.map(lambda s: f'"{s}'),
                  _SECRET.map(lambda s: s + "\x07"))


@FAST
@given(header=st.permutations(["name", "email", "city", "note", "public"]).map(
           lambda h: h[: 2 + len(h) % 4]),
       rows=st.lists(st.lists(_CELL, min_size=1, max_size=6), min_size=1, max_size=6),
       suffix=st.sampled_from(["csv", "tsv"]))
def test_signer_messages_never_quote_a_cell(header: list[str], rows: list[list[str]],
                                            suffix: str) -> None:
    sep = "," if suffix == "csv" else "\t"
    text = sep.join(header) + "\n" + "".join(sep.join(row) + "\n" for row in rows)
    try:
        parse_signers(text.encode("utf-8"), f"signers.{suffix}")
    except AdvocateError as exc:
        message = str(exc)
        for row in rows:
            for cell in row:
                value = cell.strip().strip('"').strip("\x07")
                if value.startswith("Q"):
                    assert value not in message, (value, message)
                    assert value.split("@")[0] not in message
        for problem in exc.problems:
            assert problem.file == f"signers.{suffix}"
            assert problem.line is None or 1 <= problem.line <= len(rows) + 2


@FAST
@given(items=st.lists(st.dictionaries(st.sampled_from(["name", "email", "note", "nmae"]),
                                      _CELL, max_size=3), min_size=1, max_size=5))
def test_yaml_signer_messages_never_quote_a_value(items: list[dict[str, str]]) -> None:
    lines = []
    for item in items:
        entries = [f"{key}: {quote_yaml(value)}" for key, value in item.items()] or ["{}"]
        lines.append("- " + "\n  ".join(entries))
    try:
        parse_signers("\n".join(lines).encode("utf-8"), "signers.yaml")
    except AdvocateError as exc:
        for item in items:
            for value in item.values():
                value = value.strip('"').strip("\x07")
                if value.startswith("Q"):
                    assert value not in str(exc)


def quote_yaml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\x07", "\\a") + '"'


# --------------------------------------------------------------------------- emails


@FAST
@given(st.emails())
def test_email_key_is_idempotent_and_case_blind_on_real_addresses(address: str) -> None:
    try:
        normal = normalise_email(address)
    except ValueError as exc:
        assert address.split("@")[0] not in str(exc) or len(address.split("@")[0]) < 3
        return
    key = email_key(normal)
    assert email_key(key) == key
    assert email_key(address) == key
    assert email_key(address.upper()) == key == email_key(address.swapcase())
    assert key == key.strip() and key.count("@") == 1


# --------------------------------------------------------------------------- file names


@FAST
@given(st.lists(st.tuples(st.integers(0, 99_999), st.one_of(st.none(), st.text(max_size=80))),
                min_size=1, max_size=30, unique_by=lambda t: t[0]))
def test_no_two_signers_share_a_file_name(entries: list[tuple[int, str | None]]) -> None:
    folder = Path("/srv/out")
    names = [safe_output_name(index, "pdf", label) for index, label in entries]
    assert len({name.casefold() for name in names}) == len(names)
    for name in names:
        path = Path(os.path.normpath(folder / name))
        assert path.parent == folder


# --------------------------------------------------------------------------- the PDF gate


@pytest.fixture(scope="module")
def gate_folder() -> Iterator[Path]:
    """root/ (allowed) holding files, a subfolder, a symlink out and a FIFO; secret/ beside."""
    with tempfile.TemporaryDirectory(prefix="advocate-gate-") as name:
        base = Path(name).resolve()
        root, secret = base / "root", base / "secret"
        (root / "sub").mkdir(parents=True)
        secret.mkdir()
        (secret / "key.png").write_bytes(b"SECRET-BYTES")
        (root / "ok.css").write_bytes(b"p { color: teal }")
        (root / "sub" / "in.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        (root / "link.png").symlink_to(secret / "key.png")
        (root / "sub" / "up").symlink_to(secret)
        os.mkfifo(root / "pipe.css")
        yield root


_SEGMENTS = ["..", ".", "%2e%2e", "%2E%2E", "..%2f", "%2f", "ok.css", "sub", "in.svg",
             "link.png", "up", "key.png", "pipe.css", "secret", "root", "", "%00", "\x00",
             "..\\..", "%5c", "etc", "passwd", "dev", "zero", "~", "%252e%252e", "a b"]
_SCHEMES = ["file://", "FILE://", "file:", "file:///", "File://localhost", "file://evil.example",
            "file:////evil", "data:", "http://", "https://", "ftp://", "jar:file://", "", "//"]


@st.composite
def urls(draw: st.DrawFn, root: Path) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=60))
    scheme = draw(st.sampled_from(_SCHEMES))
    if scheme == "data:":
        kind = draw(st.sampled_from(["text/css", "image/svg+xml", "", "text/plain;base64"]))
        body = draw(st.text(string.printable, max_size=30))
        return f"data:{kind},{quote(body) if draw(st.booleans()) else body}"
    start = draw(st.sampled_from([str(root), str(root.parent), "", "/etc", str(root / "sub")]))
    segments = draw(st.lists(st.sampled_from(_SEGMENTS), max_size=6))
    return scheme + start + "/" + "/".join(segments)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_gate_serves_only_files_inside_the_root(gate_folder: Path, data: st.DataObject,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = gate_folder
    url = data.draw(urls(root))
    opened: list[str] = []
    real_open = os.open

    def spy_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(advocate.render.pdf.gate.os, "open", spy_open)
        gate = ResourceGate([root], max_bytes=1 << 16)
        try:
            final_url, body, content_type = gate.open(url)
        except Refused as exc:
            assert gate.refusals and str(exc) == gate.refusals[-1].message
            assert all(Path(p).resolve().is_relative_to(root) for p in opened), opened
            return
    assert b"SECRET-BYTES" not in body
    assert isinstance(content_type, str) and content_type
    for path in opened:
        assert Path(path).resolve().is_relative_to(root), path
    if final_url.startswith("file:"):
        served = Path(url2pathname(unquote(urlsplit(final_url).path)))
        assert served.is_relative_to(root) and served.is_file() and not served.is_symlink()
        assert body == served.read_bytes()
    else:
        assert final_url.lower().startswith("data:") and final_url == url


def test_gate_refuses_a_folder(gate_folder: Path) -> None:
    """Found by the property above: a folder URL escaped as IsADirectoryError (and leaked
    the descriptor os.open had returned) instead of a recorded refusal."""
    gate = ResourceGate([gate_folder])
    for url in (gate_folder.as_uri() + "/", (gate_folder / "sub").as_uri()):
        with pytest.raises(Refused, match="not a regular file"):
            gate.open(url)
    assert len(gate.refusals) == 2


@pytest.mark.parametrize("url", ["http://[x.example]/p.gif", "http://[::1/p.gif",
                                 "https://[1, }}, ]/", "file://[evil]/etc/passwd"])
def test_gate_refuses_malformed_hosts(gate_folder: Path, url: str) -> None:
    """Found by fuzz/fuzz_inputs.py: urlsplit() raises ValueError for a bracketed host that
    is not an IP address, and that escaped the gate instead of a recorded refusal."""
    gate = ResourceGate([gate_folder])
    with pytest.raises(Refused):
        gate.open(url)
    assert len(gate.refusals) == 1


@FAST
@given(st.text(max_size=200))
@example("http://[x]/")
def test_gate_never_raises_anything_but_a_refusal(tmp_path_factory: pytest.TempPathFactory,
                                                  url: str) -> None:
    root = tmp_path_factory.getbasetemp()
    gate = ResourceGate([root / "nothing-here"])
    try:
        final_url, _body, _type = gate.open(url)
    except Refused:
        return
    assert final_url.lower().startswith("data:")


# --------------------------------------------------------------------------- templates

_TOKENS = ["{{", "}}", "{%", "%}", "{#", "#}", " ", "\n", "writer", ".name", ".note", "campaign",
           ".facts", "[0]", "|", "center(", "join(", "length", "upper", "e", "safe", "list",
           "range(", "1000", "100000", ")", "(", ",", "*", "**", "~", "+", "%", "'x'", '"%s"',
           "for", "i", "in", "endfor", "if", "endif", "set", "=", "macro", "m()", "endmacro",
           "include", '"inc.txt.j2"', '"../x.txt.j2"', "import", "as", "extends", "block b",
           "endblock", "__class__", "__globals__", "attr(", "'format'", "lipsum", "cycler",
           "namespace(", "dict(", "self", "loop", ".index", "caller", "call", "endcall",
           "raw", "endraw", "filter", "endfilter", "with", "endwith", "do", "None", "true"]


@pytest.fixture(scope="module")
def template_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="advocate-tpl-") as name:
        folder = Path(name)
        (folder / "inc.txt.j2").write_text("included {{ writer.name }}\n", encoding="utf-8")
        yield folder


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(tokens=st.lists(st.sampled_from(_TOKENS), max_size=25),
       kind=st.sampled_from([".txt.j2", ".md.j2", ".html.j2"]))
def test_any_template_renders_or_raises_advocate_error(template_folder: Path,
                                                       tokens: list[str], kind: str) -> None:
    name = "t" + kind
    (template_folder / name).write_text("".join(tokens), encoding="utf-8")
    env = make_environment([template_folder])
    context = {"writer": {"name": "Ana <b>", "note": "::: x"},
               "campaign": {"facts": [{"text": "F"}]}}
    started = time.monotonic()
    try:
        text, _ = render(env, name, context, seconds=0.5)
    except AdvocateError:
        return
    finally:
        assert time.monotonic() - started < 5
    assert isinstance(text, str)


# --------------------------------------------------------------------------- Markdown


@FAST
@given(st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " éЖ",
               min_size=1, max_size=60))
@example("1) item")
@example("+ list")
@example("    indented code")
@example("a  \\")
@example("<!-- x -->")
@example("[a]: http://e.example")
def test_escaped_text_reads_back_as_itself(text: str) -> None:
    """Signer and campaign text is data: through Markdown it comes back word for word."""
    assume(text.strip())
    assert " ".join(to_text(escape_markdown(text)).split()) == " ".join(text.split())
