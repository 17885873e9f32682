"""threats.md's bad-input catalogue (items 1-37), shared by the tests in this folder:
the hostile packs (``HOSTILE_PACKS``), the runner that checks every refusal (``Cli``),
and the limits cut to seconds. Every hostile input goes through ``advocate.cli.app`` as
a user would run it. A refusal must be exactly this, every time:


* exit code 2, nothing on stdout;
* one clear ``advocate: error: PLACE: message (hint)`` line per problem on stderr, where
  PLACE names the file (and line and column, or the signer row) at fault;
* no personal data on stderr: neither the signer list's names and emails nor the
  ``--name``/``--email``/``--city`` given on the command line;
* nothing written anywhere: every file and folder under the test's folder is unchanged
  (no output, no ``.part`` file, no staging folder), and the pack itself is untouched.

``HOSTILE_PACKS`` is also run by tests/test_offline.py in a child process whose sockets
and DNS are patched to record any attempt (it must record none).
"""


from __future__ import annotations

import functools
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from advocate.cli import app
from advocate.templates.host import builtin_templates
from helpers import snapshot, write

FIXTURES = Path(__file__).parents[1] / "fixtures" / "signers"

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
        re.compile(rf"^advocate: error: {re.escape(WORDING)}(:\d+)?: template render exceeded "
                   r"10 s \(the template loops too long\)$")),
    "12-recursive-macro": (
        _tpl("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
        re.compile(rf"^advocate: error: {re.escape(WORDING)}(:\d+)?: template recursion too "
                   "deep")),
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



# Equal nested lists hidden below the size estimate: each comparison walks 100,000 items in
# C, where no signal handler runs. Only the kernel's CPU limit ends it.
_SORT_BOMB = ("{% set m = range(100000)|list %}{% set n = range(100000)|list %}"
              "{{ ([[[[m]]], [[[n]]]] * 50000)|sort|length }}")
