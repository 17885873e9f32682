"""A long petition's join reads WeasyPrint's parts straight from their bytes: the same
document as reading them with pypdf (pages, words, page numbers, fonts, tags), the same
bytes every time and with any number of workers; a part laid out otherwise is read by
pypdf; the last parts are smaller, so that two workers finish together."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from advocate.render import pdf_join, petition_pdf
from advocate.render.documents import Renderer
from advocate.schema.campaign import Campaign
from advocate.signers import Signer
from conftest import FIXED_DAY


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of a few short pages: a few hundred names make many parts."""
    monkeypatch.setattr(petition_pdf, "PARTS_MIN_NAMED", 10)
    monkeypatch.setattr(petition_pdf, "PAGE_CHARS", 1500)
    monkeypatch.setattr(petition_pdf, "PAGES_PER_PART", 4)


def signers(count: int) -> list[Signer]:
    return [Signer(row=i, name=f"Zoë Signer{i:04d}", city="Алматы" if i % 2 else None,
                   public=i % 3 != 0) for i in range(1, count + 1)]


def petition(kz: Campaign, count: int = 1000, workers: int = 1, lang: str = "en") -> bytes:
    people = signers(count)
    renderer = Renderer(kz, day=FIXED_DAY)
    renderer.petition_workers = workers
    return renderer.pdf([renderer.petition(people, lang, for_pdf=True)])


def by_pypdf(monkeypatch: pytest.MonkeyPatch) -> None:
    def unexpected(self: object) -> int:
        raise pdf_join._Unexpected("as a test")

    monkeypatch.setattr(pdf_join._RawPart, "copy", unexpected)


def structure(reader: PdfReader) -> list[str]:
    """The structure tree, depth first: each element's role and its page's number."""
    pages = {p.indirect_reference.idnum: n for n, p in enumerate(reader.pages)}  # type: ignore[union-attr]
    found: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict) and "/S" in node:
            page = pages.get(node.raw_get("/Pg").idnum) if "/Pg" in node else None
            found.append(f"{node['/S']}@{page}")
            walk(node.get("/K"))

    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    walk(root["/K"])
    return found


def fonts(path: Path) -> list[tuple[str, ...]]:
    """pdffonts' rows less the object numbers: name, type, encoding, embedded, subset,
    Unicode map."""
    listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    return sorted(tuple(line.split()[:-2]) for line in listed)


@pytest.mark.usefixtures("small_parts")
def test_the_join_reads_weasyprints_parts_as_pypdf_reads_them(
        kz: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[int] = []
    real = pdf_join._RawPart.copy

    def counted(self: Any) -> int:
        copied.append(real(self))
        return copied[-1]

    monkeypatch.setattr(pdf_join._RawPart, "copy", counted)
    renders: list[int] = []
    real_render = petition_pdf.render_part

    def render(*args: Any) -> Any:
        renders.append(args[3])  # the total: 0 while counting
        return real_render(*args)

    monkeypatch.setattr(petition_pdf, "render_part", render)
    raw = petition(kz)
    assert len(copied) >= 6  # every part, head and tail too, read from its bytes
    assert renders.count(0) == 2 and len(renders) == 2 + len(copied)  # one pass, no redo
    by_pypdf(monkeypatch)
    slow = petition(kz)
    assert raw != slow  # the objects as WeasyPrint wrote them, not as pypdf writes them
    readers = [PdfReader(BytesIO(data), strict=True) for data in (raw, slow)]
    assert sum(copied) == len(readers[0].pages) == len(readers[1].pages)
    texts = [[page.extract_text() for page in reader.pages] for reader in readers]
    assert texts[0] == texts[1]
    total = len(texts[0])
    for number, text in enumerate(texts[0], 1):
        assert re.search(rf"\b{number}\s*/\s*{total}\b", text), number
    assert structure(readers[0]) == structure(readers[1])
    assert len(structure(readers[0])) > total  # an element per line of names, at least
    for reader in readers:
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]
        assert root["/ViewerPreferences"]["/DisplayDocTitle"]
        assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()  # PDF/UA
        keys = [int(p["/StructParents"]) for p in reader.pages]
        nums = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
        assert keys == sorted(set(keys)) and set(keys) <= {int(n) for n in nums[::2]}
    (tmp_path / "raw.pdf").write_bytes(raw)
    (tmp_path / "slow.pdf").write_bytes(slow)
    listed = fonts(tmp_path / "raw.pdf")
    assert listed == fonts(tmp_path / "slow.pdf")
    assert listed and all(row[-3:] == ("yes", "yes", "yes") for row in listed)  # emb sub uni


@pytest.mark.usefixtures("small_parts")
def test_same_bytes_every_time_and_with_one_worker_or_two(kz: Campaign) -> None:
    one = petition(kz, 300, workers=1, lang="ru")
    assert petition(kz, 300, workers=2, lang="ru") == one == petition(kz, 300, workers=1,
                                                                        lang="ru")
    title = Renderer(kz, day=FIXED_DAY).petition(signers(300), "ru", for_pdf=True).title
    reader = PdfReader(BytesIO(one), strict=True)
    assert not title.isascii() and reader.metadata is not None
    assert reader.metadata.title == title and reader.trailer["/Root"]["/Lang"] == "ru"


@pytest.mark.usefixtures("small_parts")
def test_a_part_laid_out_otherwise_is_read_by_pypdf(kz: Campaign, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A part without an object stream (as pypdf writes one) is not WeasyPrint's layout:
    the raw reading refuses it before writing anything, and pypdf's reading joins it."""
    parts: list[bytes] = []
    real = petition_pdf.render_part

    def keep(*args: Any) -> Any:
        result = real(*args)
        if result[1]:
            parts.append(Path(result[1]).read_bytes())
        return result

    monkeypatch.setattr(petition_pdf, "render_part", keep)
    petition(kz)
    rewritten = BytesIO()
    writer = PdfWriter(clone_from=PdfReader(BytesIO(parts[2])))
    writer.write(rewritten)
    with pytest.raises(pdf_join._Unexpected):
        pdf_join._objects(rewritten.getvalue())
    out = BytesIO()
    join = pdf_join.StreamJoin(out, title="Petition", lang="en")
    for number, data in enumerate([parts[0], rewritten.getvalue(), parts[3]]):
        path = tmp_path / f"{number}.pdf"
        path.write_bytes(data)
        join.add(str(path))
    join.finish()
    joined = PdfReader(BytesIO(out.getvalue()), strict=True)
    originals = [PdfReader(BytesIO(d)) for d in (parts[0], parts[2], parts[3])]
    assert [p.extract_text() for p in joined.pages] == [
        p.extract_text() for reader in originals for p in reader.pages]


def test_the_workers_start_half_a_part_apart_and_finish_together() -> None:
    per = petition_pdf.PAGES_PER_PART
    for pages in (1, 2, 7, 2 * per, 2 * per + 1, 3 * per + 1, 512, 5252):
        sizes = petition_pdf.part_sizes(pages)
        assert sum(sizes) == pages and all(0 < s <= per for s in sizes), pages
        if pages > 3 * per:  # the workers start half a part apart
            assert sizes[0] == per // 2
            sizes = sizes[1:]
        assert sizes == sorted(sizes, reverse=True), sizes
        full = [s for s in sizes if s == per]
        assert sum(sizes) - sum(full) <= 2 * per  # only the last two parts' worth is cut
        if pages > 2 * per:
            assert sizes[-1] <= petition_pdf.LAST_PART_PAGES < sizes[len(full)]
