"""Hostile template packs (threats.md items 1-10): every one refused, through the
resource gate, with no metadata of the pack or the writer in the PDF."""


from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdf
import pytest
from catalogue import (
    _FIXTURE_OF,
    HINT_FOLDER,
    HINT_OFFLINE,
    HOSTILE_PACKS,
    LETTER,
    LETTER_PDF,
    MY_DATA,
    TPL,
    Cli,
    layout,
    page,
    tiny_png,
    wording,
)

import advocate.render.pdf
import advocate.templates.host
from advocate.templates.host import builtin_templates
from helpers import personal_data, write


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


def test_symlinked_image_by_relative_path(cli: Cli) -> None:
    """The way a pack really refers to its images: relative to its own template folder."""
    write(cli.root / "private" / "signers.csv", "name,email\nJane Secret,jane@example.org\n")
    (cli.root / "pack" / "templates" / "img").mkdir()
    (cli.root / "pack" / "templates" / "img" / "logo.png").symlink_to(
        cli.root / "private" / "signers.csv")
    layout(cli.root, page('<img src="img/logo.png" alt="logo">'))
    cli.refused(*LETTER_PDF, expect=(
        f"advocate: error: letter.html.j2: refused 'file://{TPL}/img/logo.png': symlink leads "
        f"outside the template folder {HINT_FOLDER}"))


def test_bomb_by_relative_path(cli: Cli, bomb_png: Path) -> None:
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


