"""A long petition is rendered in parts and joined: every name once, in order, pages numbered
across the parts, the tagging carried over, and a slow part named in the message."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.render import petition_pdf
from advocate.render.documents import Renderer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.signers import Signer
from advocate.signers.compact import PetitionSigners
from conftest import FIXED_DAY


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of two short pages: a few hundred names make many parts."""
    monkeypatch.setattr(petition_pdf, "PARTS_MIN_NAMED", 10)
    monkeypatch.setattr(petition_pdf, "PAGE_CHARS", 1500)
    monkeypatch.setattr(petition_pdf, "PAGES_PER_PART", 2)


def signers(count: int) -> list[Signer]:
    return [Signer(row=i, name=f"Zed Signer{i:04d}", city="Almaty" if i % 2 else None,
                   public=i % 3 != 0) for i in range(1, count + 1)]


def render(kz: Campaign, people: list[Signer], lang: str = "en",
           workers: int = 1) -> bytes:
    renderer = Renderer(kz, day=FIXED_DAY)
    renderer.petition_workers = workers
    return renderer.pdf([renderer.petition(people, lang, for_pdf=True)])


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("workers", [1, 2])
def test_every_name_once_in_order_pages_numbered_across_parts(kz: Campaign,
                                                              workers: int) -> None:
    people = signers(600)
    data = render(kz, people, workers=workers)
    reader = PdfReader(BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total > 8  # head, several parts of names, tail
    for number, text in enumerate(pages, 1):
        assert re.search(rf"\b{number}\s*/\s*{total}\b", text), (number, text[-80:])
        assert "Justice for Kazakhstan" in text  # the running footer on every page
    everything = "\n".join(pages)
    found = [int(n) for n in re.findall(r"Signer(\d{4})", everything)]
    assert found == [s.row for s in people if s.public]
    assert "600 people have signed this petition" in " ".join(everything.split())
    assert everything.count("Signatories") == 1
    assert everything.index("We, the undersigned") < everything.index("Signatories") \
        < everything.index("Signer0001") < everything.index("Signer0599") \
        < everything.rindex("Sources")
    # Tagged: one structure tree for all pages, each page's marked content reachable.
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]
    tree = root["/StructTreeRoot"].get_object()
    nums = tree["/ParentTree"].get_object()["/Nums"]
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    assert len(keys) == len(set(keys))
    page_keys = {int(p["/StructParents"]) for p in reader.pages if "/StructParents" in p}
    assert len(page_keys) == total and page_keys <= set(keys)
    page_ids = {p.indirect_reference.idnum for p in reader.pages}  # type: ignore[union-attr]

    def pages_of_elements(node: object, seen: set[int]) -> None:
        node = getattr(node, "get_object", lambda: node)()
        if isinstance(node, list):
            for kid in node:
                pages_of_elements(kid, seen)
        elif isinstance(node, dict) and "/S" in node:
            if "/Pg" in node:
                seen.add(node.raw_get("/Pg").idnum)  # type: ignore[attr-defined]
            pages_of_elements(node.get("/K"), seen)

    seen: set[int] = set()
    pages_of_elements(tree["/K"], seen)
    assert seen == page_ids
    assert reader.metadata is not None and reader.metadata.title.startswith("Petition")


@pytest.mark.usefixtures("small_parts")
def test_same_bytes_twice_and_russian_words_from_the_template(kz: Campaign) -> None:
    people = signers(90)
    assert render(kz, people, "ru") == render(kz, people, "ru")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(render(kz, people, "ru"))).pages)
    assert "Подписавшие" in text and "Signer0089" in text


@pytest.mark.usefixtures("small_parts")
def test_a_slow_part_is_named_without_personal_data(kz: Campaign,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(petition_pdf, "PART_TIMEOUT", 0.001)
    renderer = Renderer(kz, day=FIXED_DAY)
    renderer.petition_workers = 1
    document = renderer.petition(signers(300), "en", for_pdf=True)
    with pytest.raises(AdvocateError) as caught:
        renderer.pdf([document])
    message = str(caught.value)
    assert "petition part 1 of" in message and "took more than 0.001 s" in message
    assert "Signer" not in message


def test_a_short_list_is_one_render_as_before(kz: Campaign) -> None:
    people = signers(30)
    renderer = Renderer(kz, day=FIXED_DAY)
    assert renderer.pdf([renderer.petition(people, "en", for_pdf=True)]) == renderer.pdf(
        [renderer.petition(people, "en")])


def test_the_compact_list_keeps_what_a_petition_prints_and_nothing_else() -> None:
    people = [Signer(row=i + 2, name=f"Zoë Name{i}", email=f"z{i}@example.org",
                     city="Алматы" if i % 2 else None, country="KZ" if i % 4 == 1 else None,
                     note="private", public=i % 3 != 0, line=i + 3, file="s.csv")
              for i in range(50)]
    compact = PetitionSigners(people)
    assert len(compact) == 50 and compact.named == sum(s.public for s in people)
    for ours, theirs in zip(compact, people, strict=True):
        assert (ours.row, ours.line, ours.file, ours.public) == (
            theirs.row, theirs.line, theirs.file, theirs.public)
        if theirs.public:
            assert (ours.name, ours.city, ours.country) == (
                theirs.name, theirs.city, theirs.country)
        else:
            assert ours.name == "" and ours.city is None
        assert ours.email is None and ours.note is None  # never kept
    assert list(compact.named_pairs()) == [(s.name, s.city) for s in people if s.public]
    assert compact[-1].row == 51 and compact[1:3][0].row == 3
    assert "Zoë" not in repr(compact)
    with pytest.raises(IndexError):
        compact[50]


@pytest.mark.usefixtures("small_parts")
def test_the_command_streams_a_long_list_into_parts(run: Callable[..., Result],
                                                     tmp_path: Path) -> None:
    """``advocate petition --format pdf``: the compact list, the parts, the streaming
    join: every named signer once, in order; "N / M" right on every page (pdftotext);
    the title, language and structure tree of a tagged PDF."""
    rows = ["name,email,city,public"] + [
        f"Zed Signer{i:04d},s{i}@example.org,{'Kraków' if i % 2 else ''},"
        f"{'yes' if i % 3 else 'no'}" for i in range(1, 401)]
    (tmp_path / "s.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "p.pdf"
    result = run("petition", "kazakhstan-2022", "--signers", str(tmp_path / "s.csv"),
                 "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    total = len(pages)
    assert total >= 8  # head, three parts of names, tail
    for number, page in enumerate(pages, 1):
        assert re.search(rf"\b{number}\s*/\s*{total}\s*$", page.strip()), number
    found = [int(n) for n in re.findall(r"Signer(\d{4})", text)]
    assert found == [i for i in range(1, 401) if i % 3]
    reader = PdfReader(out, strict=True)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"
    assert reader.metadata is not None and reader.metadata.title.startswith("Petition")
    assert "s1@example.org" not in out.read_bytes().decode("latin-1")


@pytest.mark.usefixtures("small_parts")
def test_a_pack_layout_in_parts_may_link_only_to_the_campaign(
        kz_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack's petition layout renders its parts in confined workers with the one-piece
    render's link rule: a link to an address the campaign does not name is refused."""
    pack = tmp_path / "pack"
    pack.mkdir()
    campaign_file = pack / "campaign.yaml"
    campaign_file.write_text(kz_path.read_text(encoding="utf-8"), encoding="utf-8")
    (pack / "templates").mkdir()
    (pack / "templates" / "petition.html.j2").write_text(
        '{% extends "layout.html.j2" %}{% block kind %}petition{% endblock %}'
        '{% block css %}{% include "document.css.j2" %}{% endblock %}'
        '{% block before_body %}<p><a href="https://tracker.example/pixel">x</a></p>'
        '{% endblock %}', encoding="utf-8")
    renderer = Renderer(load_campaign(campaign_file), day=FIXED_DAY)
    assert not renderer.trusted
    renderer.petition_workers = 1  # still a worker of its own: never in this process
    document = renderer.petition(signers(300), "en", for_pdf=True)
    cut: list[object] = []
    real_cut = petition_pdf.cut

    def spy(full: str, bare: str) -> object:
        cut.append(real_cut(full, bare))
        return cut[-1]

    monkeypatch.setattr(petition_pdf, "cut", spy)
    with pytest.raises(AdvocateError) as caught:
        renderer.pdf([document])
    assert cut and cut[0] is not None  # in parts, not the one-piece render
    assert "an address the campaign file does not name" in str(caught.value)
    assert "Signer" not in str(caught.value)


def test_a_streams_stored_bytes_are_read_through_pypdfs_public_writer() -> None:
    """The join copies each stream's bytes as stored (compressed) without pypdf's private
    names: what it reads is the stream's data, whatever its dictionary holds."""
    import zlib

    from pypdf.generic import (
        ByteStringObject,
        DecodedStreamObject,
        NameObject,
        TextStringObject,
    )

    from advocate.render.pdf_join import _stream_bytes

    plain = DecodedStreamObject()
    plain.set_data(b"BT\nstream\n(x) Tj ET\nendstream")
    plain[NameObject("/T")] = TextStringObject("a\nstream\nb")
    plain[NameObject("/B")] = ByteStringObject(b">>\nstream\n")
    plain[NameObject("/N")] = NameObject("/x\nstream\n")
    assert _stream_bytes(plain) == plain.get_data()
    packed = plain.flate_encode()
    stored = _stream_bytes(packed)
    assert stored != plain.get_data() and zlib.decompress(stored) == plain.get_data()


def _glyph_outcome(kz: Campaign, people: list[Signer], compact: bool) -> object:
    from advocate.render.glyphs import check_glyphs

    renderer = Renderer(kz, day=FIXED_DAY)
    listed = PetitionSigners(people) if compact else people
    document = renderer.petition(listed, "en", for_pdf=True)
    try:
        symbols, warnings = check_glyphs([document], renderer.roots, kz.path)
    except AdvocateError as exc:
        return ("refused", [(p.message, p.hint) for p in exc.problems])
    return (sorted(symbols), [(p.message, p.severity) for p in warnings])


@pytest.mark.parametrize("extra", [
    [],  # Latin, Cyrillic, CJK and Arabic names: all drawable
    [("Aigerim 😀", "Almaty"), ("Zed", "Paris ♫")],  # symbols: left out, with a warning
    [("សុខា", "Phnom Penh"), ("Zed", "ཀཁ")],  # scripts no font draws: refused by row
], ids=["drawable", "symbols", "undrawable"])
def test_a_compact_list_is_font_checked_as_row_by_row(kz: Campaign,
                                                      extra: list[tuple[str, str]]) -> None:
    """The compact list answers the font check from the characters it saw (no Signer
    made per row when every one is drawable), with the same outcome as the row-by-row
    check of the same signers: the same warnings and refusals, naming the same rows."""
    names = [("Zoë Ivanova", "Москва"), ("李小龍", "東京"), ("Қанат Әлиев", None),
             ("محمد", "القاهرة"), ("Ana", "São Paulo")] * 400 + extra
    people = [Signer(row=i + 2, name=name, city=city, public=True, line=i + 3)
              for i, (name, city) in enumerate(names)]
    people.append(Signer(row=9999, name="Hidden 😀 សុខា", public=False))  # never printed
    assert _glyph_outcome(kz, people, compact=True) == _glyph_outcome(kz, people,
                                                                         compact=False)


def test_a_drawable_compact_list_is_checked_without_a_pass_over_its_rows(
        kz: Campaign, monkeypatch: pytest.MonkeyPatch) -> None:
    people = [Signer(row=i + 2, name=f"Zoë Name{i}", city="Алматы", public=True)
              for i in range(3000)]
    compact = PetitionSigners(people)
    assert compact.named_characters == "ëАалмты"

    def no_pass(self: PetitionSigners) -> None:
        raise AssertionError("the rows were read one by one")

    monkeypatch.setattr(PetitionSigners, "__iter__", no_pass)
    from advocate.render.glyphs import check_glyphs

    renderer = Renderer(kz, day=FIXED_DAY)
    document = renderer.petition(compact, "en", for_pdf=True)
    unmarked = document.markdown.replace(petition_pdf.MARK, "").replace(
        petition_pdf.MARK_CITY, "")  # as the petition in parts checks it
    assert check_glyphs([dataclasses.replace(document, markdown=unmarked)], renderer.roots,
                        kz.path) == (set(), [])


def test_a_names_width_counts_wide_characters_twice_in_every_script() -> None:
    """The page budget's width, taken in C for most scripts, is the per-character
    count: East Asian wide and fullwidth characters twice, every other once."""
    import random
    import unicodedata

    def by_character(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    draw = random.Random(28)
    texts = ["Zoë", "Москва", "東京 Tokyo", "ｆｕｌｌ", "😀 x", "\u0378a", "محمد", ""]
    for top in (0x250, 0x800, 0x1100, 0x3400, 0x20000):
        texts += ["".join(chr(draw.randrange(32, top)) for _ in range(draw.randrange(1, 14)))
                  for _ in range(3000)]
    for text in texts:
        if not any(0xD800 <= ord(c) < 0xE000 for c in text):
            assert petition_pdf._width(text) == by_character(text), ascii(text)
