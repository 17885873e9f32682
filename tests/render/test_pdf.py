"""advocate.render.pdf: the one WeasyPrint entry point.

What is proved here: PDFs are tagged, titled, carry only advocate's metadata, use only
the bundled fonts and are byte-identical whatever the time zone; every hostile input of
threats.md catalogue items 1-10 (and the beacons via <object>, <embed> and SVG) ends in
one exact AdvocateError, with no attempt to reach the network.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

import advocate.render.pdf
import advocate.render.pdf.engine
import advocate.render.pdf.gate
import advocate.render.pdf.html_checks
from advocate.errors import AdvocateError
from advocate.render.pdf import (
    MAX_DEPTH,
    PdfRenderer,
    PdfResult,
    fonts_css,
    missing_glyphs,
    render_pdf,
)
from advocate.render.pdf.gate import Refused, ResourceGate

SRC = Path(advocate.__file__).resolve().parents[1]
FONTS = Path(advocate.__file__).resolve().parent / "fonts"

KAZAKH = "әғқңөұүһі ӘҒҚҢӨҰҮҺІ"
HINT_FOLDER = "keep images, stylesheets and fonts inside the template folder"
HINT_OFFLINE = (
    "advocate works offline: save the file inside the template folder and use a relative path"
)


def page(body: str, head: str = "", lang: str = "kk") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Template title</title>{head}</head><body>{body}</body></html>"
    )


SIMPLE = page(
    f"<h1>Қазақстан 2022</h1><p>Бейбіт наразылық білдірушілерді босатыңыз. {KAZAKH}</p>"
    "<p><b>Release</b> <i>everyone</i> <b><i>detained</i></b>.</p>",
    head=(
        '<meta name="author" content="Template Author">'
        '<meta name="keywords" content="tracking-id-42">'
        '<meta name="generator" content="Evil 1.0">'
        '<meta name="description" content="planted">'
        '<meta name="dcterms.created" content="2020-01-01T10:00:00+03:30">'
        '<meta name="campaign-tracker" content="abc123">'
    ),
)

RENDER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from advocate.render.pdf import render_pdf
    html = Path(sys.argv[1]).read_text(encoding="utf-8")
    pdf = render_pdf(html, title="Open letter", lang="kk", base_dir=Path(sys.argv[2]))
    Path(sys.argv[3]).write_bytes(pdf)
    """
)


# ------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def network_spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record (and refuse) every way WeasyPrint's stock fetcher could reach out."""
    attempts: list[str] = []

    def spy(name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise OSError(f"test: {name} called")

        return refuse

    monkeypatch.setattr(socket, "getaddrinfo", spy("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", spy("create_connection"))
    monkeypatch.setattr(urllib.request.AbstractHTTPHandler, "do_open", spy("http"))
    monkeypatch.setattr(urllib.request.FileHandler, "file_open", spy("file"))
    monkeypatch.setattr(urllib.request.FTPHandler, "ftp_open", spy("ftp"))
    yield attempts
    assert attempts == []


@pytest.fixture(autouse=True)
def _no_source_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDFs carry no date unless SOURCE_DATE_EPOCH is set; tests that want one set it."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer()


@pytest.fixture
def tpl(tmp_path: Path) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def big_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Catalogue item 7: 20000 x 20000 pixels, a few hundred KB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "big.png"
    Image.new("1", (20000, 20000)).save(path, compress_level=1)
    return path


def render(renderer: PdfRenderer, html: str, base_dir: Path, **kwargs: Any) -> bytes:
    return render_result(renderer, html, base_dir, **kwargs).data


def render_result(renderer: PdfRenderer, html: str, base_dir: Path, **kwargs: Any) -> PdfResult:
    options: dict[str, Any] = {"title": "Open letter", "lang": "kk", "base_dir": base_dir}
    options.update(kwargs)
    return renderer.render_result(html, **options)


def refusal(renderer: PdfRenderer, html: str, base_dir: Path, **kwargs: Any) -> AdvocateError:
    with pytest.raises(AdvocateError) as caught:
        render(renderer, html, base_dir, **kwargs)
    return caught.value


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(BytesIO(pdf))


def embedded_fonts(pdf: bytes) -> dict[str, str]:
    """BaseFont name -> family name read from the embedded font program itself."""
    found: dict[str, str] = {}
    for pdf_page in reader(pdf).pages:
        for ref in pdf_page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            data = descriptor["/FontFile2"].get_object().get_data()
            with TTFont(BytesIO(data)) as program:
                found[str(font["/BaseFont"])] = program["name"].getDebugName(1)
    return found


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TZ")}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


def svg_data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def tiny_png(path: Path) -> Path:
    Image.new("RGB", (4, 4), (200, 30, 30)).save(path)
    return path


# ------------------------------------------------------------ fonts and glyphs


def test_fonts_css_declares_both_stacks_and_every_script() -> None:
    css = fonts_css()
    faces = re.findall(
        r'font-family: "(Advocate [^"]+)"; font-style: (\w+); '
        r'font-weight: (\d+); src: url\("([^"]+)"\)',
        css,
    )
    assert len(faces) == css.count("@font-face") == 8 + 9 * 4 + 1 + 2
    assert {(family, style, weight) for family, style, weight, _ in faces} >= {
        (family, style, weight)
        for family in ("Advocate Serif", "Advocate Sans")
        for style in ("normal", "italic")
        for weight in ("400", "700")
    }
    for _, _, _, url in faces:
        assert url.startswith("file:///")
        path = Path(urllib.request.url2pathname(url.removeprefix("file://")))
        assert path.parent == FONTS and path.is_file() and path.name.startswith("Noto")
    # every bundled file is declared, and every file is under the OFL shipped beside it
    declared = {Path(urllib.request.url2pathname(u.removeprefix("file://"))).name
                for *_, u in faces}
    assert declared == {p.name for p in FONTS.iterdir() if p.suffix in (".ttf", ".otf")}
    assert "SIL Open Font License" in (FONTS / "OFL.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("family", ["serif", "sans"])
def test_missing_glyphs_covers_the_worlds_scripts_not_emoji(family: str) -> None:
    assert missing_glyphs(KAZAKH + KAZAKH.upper() + "«Әділет» — №1 ₸ …", family) == set()
    world = ("Nguyễn Αλέξανδρος Қайрат Արամ ნინო דוד محمد پرویز ٹھاکر राम রবি முருகன் "
             "สมชาย አበበ 王小明 陳大文 山田太郎 김민준 ★ ✓")
    assert missing_glyphs(world, family) == set()
    assert missing_glyphs("Қазақстан ខ្មែរ 😀 ok", family) == {"ខ", "្", "ម", "ែ", "រ", "😀"}
    # whitespace, controls and format characters are not drawn, so never "missing"
    assert missing_glyphs("a\tb\n\u00a0\u2003\u200b\u00ad\u200d\x07\ufe0f", family) == set()


def test_missing_glyphs_rejects_unknown_family() -> None:
    with pytest.raises(ValueError, match="unknown font family"):
        missing_glyphs("x", "cursive")


# ------------------------------------------------------------------ good PDFs


def test_simple_document_is_tagged_titled_and_private(renderer: PdfRenderer, tpl: Path) -> None:
    pdf = render(renderer, SIMPLE, tpl)
    doc = reader(pdf)
    assert len(doc.pages) == 1
    text = doc.pages[0].extract_text()
    assert "Қазақстан 2022" in text
    assert "Бейбіт наразылық білдірушілерді босатыңыз." in text
    assert KAZAKH in text
    # metadata is advocate's: no author, keywords, generator, dates or custom keys
    assert dict(doc.trailer["/Info"]) == {"/Producer": "advocate", "/Title": "Open letter"}
    catalog = doc.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "kk"
    assert "/Names" not in catalog  # no attachments
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b'pdf:Producer="advocate"' in xmp and b"Open letter" in xmp
    for leak in (b"WeasyPrint", b"Template", b"tracking", b"Evil", b"planted", b"2020"):
        assert leak not in xmp
    assert b"WeasyPrint" not in pdf and b"Template Author" not in pdf


def test_only_bundled_fonts_reach_the_pdf(renderer: PdfRenderer, tpl: Path) -> None:
    """Host fonts are invisible: asking for them, or for generics, gives bundled Noto."""
    html = page(
        "<p style=\"font-family: 'DejaVu Sans'\">Қазақ DejaVu</p>"
        "<p style=\"font-family: 'Liberation Serif', 'Noto Sans Thai'\">host</p>"
        '<p style="font-family: serif">serif <b>bold</b> <i>italic</i> <b><i>both</i></b></p>'
        '<p style="font-family: sans-serif">sans</p><pre>monospace</pre>'
        "<p style=\"font-family: 'Advocate Sans'\"><b>Sans</b> <i>sans</i> <b><i>bi</i></b></p>"
    )
    fonts = embedded_fonts(render(renderer, html, tpl))
    assert len(fonts) == 8
    for base_font, family in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+Advocate-(Serif|Sans)(-Bold)?(-Italic)?", base_font)
        assert family in ("Noto Serif", "Noto Sans")


def test_two_renders_are_byte_identical(renderer: PdfRenderer, tpl: Path) -> None:
    assert render(renderer, SIMPLE, tpl) == render(renderer, SIMPLE, tpl)


def test_same_bytes_in_any_time_zone(renderer: PdfRenderer, tpl: Path, tmp_path: Path) -> None:
    source = tmp_path / "doc.html"
    source.write_text(SIMPLE, encoding="utf-8")
    runs = {}
    for zone in ("UTC", "Asia/Tehran"):  # in parallel: each is a fresh interpreter
        out = tmp_path / f"{zone.replace('/', '-')}.pdf"
        command = [sys.executable, "-c", RENDER_SCRIPT, str(source), str(tpl), str(out)]
        runs[out] = subprocess.Popen(command, env=subprocess_env(TZ=zone))
    for process in runs.values():
        assert process.wait(timeout=60) == 0
    outputs = [out.read_bytes() for out in runs]
    assert outputs[0] == outputs[1] == render(renderer, SIMPLE, tpl)


def test_source_date_epoch_sets_utc_dates(
    renderer: PdfRenderer, tpl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    info = reader(render(renderer, SIMPLE, tpl)).trailer["/Info"]
    assert info["/CreationDate"] == "D:19700101000000Z"
    assert info["/ModDate"] == "D:19700101000000Z"
    assert set(info) == {"/Producer", "/Title", "/CreationDate", "/ModDate"}


def test_bad_source_date_epoch_is_a_user_error(
    renderer: PdfRenderer, tpl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    error = refusal(renderer, SIMPLE, tpl)
    assert error.first.message == "SOURCE_DATE_EPOCH is not a valid timestamp: 'yesterday'"


def test_files_inside_the_template_folder_render(renderer: PdfRenderer, tpl: Path) -> None:
    """The allow-list is not a deny-all: relative CSS, images, fonts and data: SVG work."""
    (tpl / "img").mkdir()
    tiny_png(tpl / "img" / "logo.png")
    (tpl / "fonts").mkdir()
    shutil.copy(FONTS / "NotoSans-Regular.ttf", tpl / "fonts" / "Mine.ttf")
    (tpl / "style.css").write_text(
        '@font-face { font-family: Mine; src: url("fonts/Mine.ttf"); }\n'
        "h1 { font-family: Mine; color: #1a4d80; }\n",
        encoding="utf-8",
    )
    svg = svg_data_url(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
        '<rect width="20" height="20" fill="teal"/></svg>'
    )
    html = page(
        f'<h1>Қазақстан</h1><img src="img/logo.png" alt="logo"><img src="{svg}" alt="box">',
        head='<link rel="stylesheet" href="style.css">',
    )
    baseline = render(renderer, SIMPLE, tpl)
    result = render_result(renderer, html, tpl)
    pdf = result.data
    assert result.warnings == []
    assert any(name.endswith("+Mine") for name in embedded_fonts(pdf))
    assert len(reader(pdf).pages[0].images) == 1  # the PNG; the SVG is drawn as vectors
    # a template's own @font-face does not change the next document's output
    assert render(renderer, SIMPLE, tpl) == baseline


def test_letter_paper_and_unknown_paper(renderer: PdfRenderer, tpl: Path) -> None:
    box = reader(render(renderer, SIMPLE, tpl, paper="letter")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    error = refusal(renderer, SIMPLE, tpl, paper="A5")
    assert (error.first.message, error.first.hint) == (
        "unknown paper size 'A5'",
        "use A4 or letter",
    )


def test_template_page_size_wins_over_paper(renderer: PdfRenderer, tpl: Path) -> None:
    html = page("<p>x</p>", head="<style>@page { size: A5 }</style>")
    box = reader(render(renderer, html, tpl, paper="letter")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)


def test_missing_template_folder_and_bad_arguments(renderer: PdfRenderer, tmp_path: Path) -> None:
    error = refusal(renderer, SIMPLE, tmp_path / "nowhere")
    assert str(error) == f"{tmp_path / 'nowhere'}: template folder not found (check the path)"
    with pytest.raises(ValueError, match="needs a title and a language"):
        render(renderer, SIMPLE, tmp_path, title=" ")
    with pytest.raises(ValueError, match="filesystem root"):
        render(renderer, SIMPLE, tmp_path, roots=[Path("/")])


def test_css_warnings_are_kept_not_fatal(
    renderer: PdfRenderer, tpl: Path, caplog: pytest.LogCaptureFixture
) -> None:
    html = page("<p>x</p>", head="<style>p { colr: red }</style>")
    result = render_result(renderer, html, tpl)
    assert reader(result.data).pages and result.pages == 1
    assert len(result.warnings) == 1 and "colr" in result.warnings[0]
    caplog.clear()  # the expected WARNING (conftest fails on stray ones)


def test_render_pdf_uses_one_shared_renderer(tpl: Path) -> None:
    pdf = render_pdf(SIMPLE, title="Open letter", lang="kk", base_dir=tpl)
    assert pdf.startswith(b"%PDF-1.7")
    engine = advocate.render.pdf.engine
    assert engine.shared_renderer() is engine.shared_renderer()


def test_clean_render_logs_nothing(
    renderer: PdfRenderer, tpl: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        result = render_result(renderer, SIMPLE, tpl)
    assert [r for r in caplog.records if r.name != "weasyprint.progress"] == []
    assert result.warnings == []


def test_importing_advocate_pdf_does_not_import_weasyprint() -> None:
    code = (
        "import sys, advocate.render.pdf\n"
        "heavy = {'weasyprint', 'PIL', 'fontTools', 'pydyf'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]"


def test_render_off_the_main_thread(renderer: PdfRenderer, tpl: Path) -> None:
    """No timer there (signals are main-thread only), but rendering works."""
    results: list[bytes] = []
    worker = threading.Thread(target=lambda: results.append(render(renderer, SIMPLE, tpl)))
    worker.start()
    worker.join(30)
    assert results and results[0] == render(renderer, SIMPLE, tpl)


# ---------------------------------------------------- hostile inputs, items 1-6


def test_attachment_of_a_local_file(renderer: PdfRenderer, tpl: Path) -> None:
    html = page("<p>x</p>", head='<link rel="attachment" href="file:///etc/passwd">')
    error = refusal(renderer, html, tpl, source="letter.html.j2")
    assert str(error) == (
        f"letter.html.j2: refused 'file:///etc/passwd': outside the template folder ({HINT_FOLDER})"
    )


def test_attachments_inside_the_folder_are_refused_too(renderer: PdfRenderer, tpl: Path) -> None:
    notes = tpl / "notes.txt"
    notes.write_text("signers", encoding="utf-8")
    for html in (
        page("<p>x</p>", head='<link rel="attachment" href="notes.txt">'),
        page('<a rel="attachment" href="notes.txt">notes</a>'),
    ):
        error = refusal(renderer, html, tpl)
        assert error.first.message == (
            f"refused '{notes.as_uri()}': PDF attachments are not allowed"
        )


def test_relative_path_out_of_the_folder(
    renderer: PdfRenderer, tpl: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.png").write_bytes(b"not for the PDF")
    error = refusal(renderer, page('<img src="../secret.png">'), tpl)
    assert error.first.message == (
        f"refused '{(tmp_path / 'secret.png').as_uri()}': outside the template folder"
    )
    key = Path(os.path.normpath(tpl / "../../../home/u/.ssh/id_ed25519"))
    error = refusal(renderer, page('<img src="../../../home/u/.ssh/id_ed25519">'), tpl)
    assert error.first.message == f"refused '{key.as_uri()}': outside the template folder"
    assert error.first.hint == HINT_FOLDER


def test_symlink_out_of_the_folder(renderer: PdfRenderer, tpl: Path, tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name,email\nAigerim,a@example.org\n", encoding="utf-8")
    (tpl / "img").mkdir()
    (tpl / "img" / "logo.png").symlink_to(signers)
    error = refusal(renderer, page('<img src="img/logo.png">'), tpl)
    assert error.first.message == (
        f"refused '{(tpl / 'img' / 'logo.png').as_uri()}': "
        "symlink leads outside the template folder"
    )


@pytest.mark.parametrize(
    ("body", "head", "url"),
    [
        # item 4: tracking pixel
        (
            '<img src="http://tracker.example/p.gif?c=campaign42">',
            "",
            "http://tracker.example/p.gif?c=campaign42",
        ),
        # item 5: CSS @import, @font-face, stylesheet link, background
        (
            "<p>x</p>",
            "<style>@import url(https://x.example/a.css);</style>",
            "https://x.example/a.css",
        ),
        (
            "<p>x</p>",
            "<style>@font-face { font-family: T; src: url(https://x.example/t.woff2) }"
            " p { font-family: T }</style>",
            "https://x.example/t.woff2",
        ),
        (
            "<p>x</p>",
            '<link rel="stylesheet" href="https://x.example/s.css">',
            "https://x.example/s.css",
        ),
        (
            '<p style="background: url(https://x.example/bg.png)">x</p>',
            "",
            "https://x.example/bg.png",
        ),
        # beacons via <object> and <embed>
        ('<object data="http://x.example/o.svg"></object>', "", "http://x.example/o.svg"),
        ('<embed src="http://x.example/e.svg">', "", "http://x.example/e.svg"),
        ('<img src="ftp://x.example/f.png">', "", "ftp://x.example/f.png"),
    ],
)
def test_remote_resources(
    renderer: PdfRenderer, tpl: Path, body: str, head: str, url: str
) -> None:
    error = refusal(renderer, page(body, head=head), tpl)
    scheme = url.split(":")[0]
    assert error.first.message == f"refused '{url}': {scheme}: URLs are not allowed"
    assert error.first.hint == HINT_OFFLINE


def test_svg_inside_a_data_url_cannot_fetch(
    renderer: PdfRenderer, tpl: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """WeasyPrint swallows exceptions inside SVG: the recorded refusal must still win."""
    svg = svg_data_url(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<image href="file:///etc/passwd" width="10" height="10"/>'
        '<image href="http://x.example/svg.png" width="10" height="10"/></svg>'
    )
    error = refusal(renderer, page(f'<img src="{svg}" alt="map">'), tpl)
    # the first refusal stops the SVG; WeasyPrint only logged it, advocate raises it
    assert [p.message for p in error.problems] == [
        "refused 'file:///etc/passwd': outside the template folder"
    ]
    assert any(r.getMessage().startswith("Failed to render SVG") for r in caplog.records)
    caplog.clear()  # expected WeasyPrint ERROR records (conftest fails on stray ones)


@pytest.mark.parametrize("url", ["file:///dev/zero", "file:///proc/self/environ"])
def test_devices_and_proc(renderer: PdfRenderer, tpl: Path, url: str) -> None:
    error = refusal(renderer, page(f'<img src="{url}">'), tpl)
    assert error.first.message == f"refused '{url}': outside the template folder"


def test_special_files_inside_the_folder(renderer: PdfRenderer, tpl: Path) -> None:
    os.mkfifo(tpl / "pipe.png")
    (tpl / "zero.png").symlink_to("/dev/zero")
    error = refusal(renderer, page('<img src="pipe.png">'), tpl)
    assert error.first.message == f"refused '{(tpl / 'pipe.png').as_uri()}': not a regular file"
    error = refusal(renderer, page('<img src="zero.png">'), tpl)
    assert error.first.message == (
        f"refused '{(tpl / 'zero.png').as_uri()}': symlink leads outside the template folder"
    )


def test_missing_file_is_an_error_not_a_blank(renderer: PdfRenderer, tpl: Path) -> None:
    error = refusal(renderer, page('<img src="img/nope.png">'), tpl)
    assert error.first.message == (
        f"refused '{(tpl / 'img' / 'nope.png').as_uri()}': file not found"
    )


def test_links_that_would_reveal_a_local_path(renderer: PdfRenderer, tpl: Path) -> None:
    error = refusal(renderer, page('<a href="other.html">other</a>'), tpl)
    assert error.first.message == (
        f"refused '{(tpl / 'other.html').as_uri()}': "
        "a link to a local file would reveal the folder's path"
    )
    error = refusal(renderer, page('<a href="javascript:alert(1)">x</a>'), tpl)
    assert error.first.message == "refused 'javascript:alert(1)': javascript links are not allowed"
    html = page('<a href="https://example.org/kz">site</a> <a href="mailto:a@example.org">m</a>')
    render(renderer, html, tpl)  # ordinary links are fine: they are never fetched


# ---------------------------------------------------- hostile inputs, items 7-10


def test_decompression_bomb(renderer: PdfRenderer, tpl: Path, big_png: Path) -> None:
    shutil.copy(big_png, tpl / "big.png")
    error = refusal(renderer, page('<img src="big.png">'), tpl)
    assert error.first.message == (
        f"refused '{(tpl / 'big.png').as_uri()}': image too large (400 Mpx > 50 Mpx)"
    )
    assert error.first.hint == "scale the image down to at most 50 megapixels"


def test_broken_image_is_an_error_not_a_blank(
    renderer: PdfRenderer, tpl: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tpl / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    error = refusal(renderer, page('<img src="broken.png" alt="logo">'), tpl)
    assert error.first.message == (
        f"image '{(tpl / 'broken.png').as_uri()}' could not be loaded and would be missing"
    )
    caplog.clear()  # the ERROR record WeasyPrint logged is the point of this test


def test_image_without_alt_text_is_refused(
    renderer: PdfRenderer, tpl: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tiny_png(tpl / "logo.png")
    error = refusal(renderer, page('<img src="logo.png">'), tpl)
    assert error.first.message == (
        "an image has no alt text, which an accessible (PDF/UA) PDF requires"
    )
    caplog.clear()


def test_deep_nesting(renderer: PdfRenderer, tpl: Path) -> None:
    for html in (page("<div>" * 300 + "x"), page("<div/>" * 300 + "x")):
        error = refusal(renderer, html, tpl, source="brief.html.j2")
        assert error.first.message == f"document nested too deeply (max {MAX_DEPTH})"
        assert (error.first.file, error.first.line) == ("brief.html.j2", 1)


def test_implied_end_tags_are_not_nesting(renderer: PdfRenderer, tpl: Path) -> None:
    """Unclosed <p>, <li>, <td> are siblings in HTML, so they must not count as depth."""
    body = "<p>para" * 80 + "<ul>" + "<li>item" * 80 + "</ul>"
    body += "<table>" + "<tr><td>a<td>b" * 70 + "</table>"
    assert reader(render(renderer, page(body), tpl)).pages


def test_colspan_hang_times_out(renderer: PdfRenderer, tpl: Path) -> None:
    def outer(signum: int, frame: Any) -> None:  # pragma: no cover - must not fire
        raise AssertionError("outer timer fired during the test")

    html = page("<table><tr>" + "<td colspan=1000>x</td>" * 1000 + "</tr></table>")
    previous = signal.signal(signal.SIGALRM, outer)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        started = time.monotonic()
        error = refusal(renderer, html, tpl, timeout=2)
        elapsed = time.monotonic() - started
        assert error.first.message == "PDF render exceeded 2 s"
        assert elapsed < 5
        assert signal.getsignal(signal.SIGALRM) is outer  # handler restored
        assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100  # outer timer re-armed
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert reader(render(renderer, SIMPLE, tpl)).pages  # the renderer still works


def test_absurd_font_size(
    renderer: PdfRenderer, tpl: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    error = refusal(renderer, page("<p>x</p>", head="<style>p{font-size:1e7px}</style>"), tpl)
    assert error.first.message == "PDF render failed: ZeroDivisionError: float division by zero"
    assert (
        error.first.hint == "check the template's CSS for extreme values, such as huge font sizes"
    )
    assert "CRITICAL" not in capfd.readouterr().err  # Pango noise is captured, not printed


# ---------------------------------------------------------- the gate in isolation


def test_gate_checks_paths_before_touching_the_filesystem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = ResourceGate([tmp_path])

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("filesystem touched")

    monkeypatch.setattr(Path, "resolve", forbidden)
    monkeypatch.setattr(advocate.render.pdf.gate.os, "open", forbidden)
    for url in (
        "file:///dev/zero",
        "FILE:///etc/hostname",
        "file:/etc/hostname",
        f"file://{tmp_path}/../etc",
        "file://server/share/x.png",
        "file:////server/share/x.png",
        "gopher://x/",
        "img/relative.png",
    ):
        with pytest.raises(Refused):
            gate.open(url)
    assert len(gate.refusals) == 8


def test_gate_size_caps(tmp_path: Path) -> None:
    gate = ResourceGate([tmp_path], max_bytes=100)
    (tmp_path / "big.css").write_bytes(b"x" * 101)
    (tmp_path / "ok.css").write_bytes(b"p{}")
    assert gate.open((tmp_path / "ok.css").as_uri()) == (
        (tmp_path / "ok.css").as_uri(),
        b"p{}",
        "text/css",
    )
    with pytest.raises(Refused, match=r"file too large"):
        gate.open((tmp_path / "big.css").as_uri())
    with pytest.raises(Refused, match=r"data: URL too large"):
        gate.open("data:text/plain," + "x" * 101)
    assert gate.open("data:text/css;base64,cHt9") == (
        "data:text/css;base64,cHt9",
        b"p{}",
        "text/css",
    )


STYLE = ("<style>body { font-size: 13pt; color: #223; } p { margin: 0 0 4mm; }"
         " @page { size: A5; margin: 12mm; }</style>")


def test_a_reused_style_sheet_gives_the_same_pdf(
        renderer: PdfRenderer, tpl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = page("<p>" + "Бейбіт жиналыс. " * 80 + "</p>", head=STYLE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1768435200")
    reused = [renderer.render(html, title="T", lang="kk", base_dir=tpl) for _ in range(2)]
    assert len(renderer._template_css) == 1  # parsed once, used twice
    monkeypatch.setattr(advocate.render.pdf.engine, "split_styles", lambda html, probe: None)
    inline = PdfRenderer().render(html, title="T", lang="kk", base_dir=tpl)
    assert reused[0] == reused[1] == inline
    assert pypdf.PdfReader(BytesIO(inline)).pages[0].mediabox.width == pytest.approx(419.5, 1)


@pytest.mark.parametrize("css", [
    "body { background: url(https://example.org/x.png) }",
    "@import 'x.css';",
    "@font-face { font-family: X; src: local(Arial) }",
    "body { color: \\72 ed }",
])
def test_style_sheets_that_fetch_or_escape_stay_in_the_document(
        renderer: PdfRenderer, tpl: Path, css: str) -> None:
    html = page("<p>x</p>", head=f"<style>{css}</style>")
    probe = advocate.render.pdf.html_checks.check_depth(html, None)
    assert len(probe.styles) == 1
    assert advocate.render.pdf.html_checks.split_styles(html, probe) is None


def test_only_plain_head_style_elements_are_taken_out() -> None:
    html = page("<svg><style>circle { fill: red }</style></svg><p>x</p>",
                head='<!-- <style>p { color: red }</style> --><style media="screen">p {}</style>'
                     "<style>p { color: blue }</style>")
    probe = advocate.render.pdf.html_checks.check_depth(html, None)
    split = advocate.render.pdf.html_checks.split_styles(html, probe)
    assert split is not None
    rest, texts = split
    assert texts == ["p { color: blue }"]
    assert "<!-- <style>p { color: red }</style> -->" in rest and 'media="screen"' in rest
    assert "circle { fill: red }" in rest and "color: blue" not in rest


def test_a_forked_child_never_removes_its_parents_font_folder() -> None:
    """A confined render is a forked child holding the parent's renderer: when it rebuilds
    its fonts it must keep the parent's configuration alive (WeasyPrint's ``__del__`` would
    remove the folder the parent still draws from); the parent lets its own go at once."""
    import os
    import weakref

    from advocate.render.pdf import fonts

    class Configuration:  # stands for WeasyPrint's FontConfiguration, removed in __del__
        pass

    inherited = Configuration()
    gone = weakref.ref(inherited)
    held = [inherited]
    del inherited
    fonts.release_font_config(held, owner=os.getpid() + 1)  # made by another process
    held.clear()
    assert gone() is not None  # kept until the child's os._exit
    fonts._INHERITED.clear()
    assert gone() is None
    own = Configuration()
    gone = weakref.ref(own)
    held = [own]
    del own
    fonts.release_font_config(held, owner=os.getpid())
    assert held == [] and gone() is None


def test_the_engine_leaves_no_font_folder_and_prints_nothing_at_exit(tmp_path: Path) -> None:
    """WeasyPrint removes its font folder itself, before the interpreter shuts down."""
    import subprocess
    import sys

    code = ("from pathlib import Path\nfrom advocate.render.pdf.engine import PdfRenderer\n"
            "PdfRenderer().render('<p>x</p>', title='t', lang='en', base_dir=Path('.'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(tmp_path)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and list(tmp_path.iterdir()) == []
