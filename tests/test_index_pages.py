"""Advocate's own index written as the letters come (build/index_pages.py): every page the
same bytes as the index rendered whole from its rows, whatever the rows hold and whatever
the campaign; the whole build the same with it as without; a failure in the middle of the
index leaves nothing behind."""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import advocate.build.index_pages as pages_module
from advocate.build import BuildOptions, build, planning
from advocate.build.index_pages import IndexStream, rendered_index
from advocate.build.planning import CampaignPlan, LetterJob, plan
from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import load_campaign
from advocate.signers import read_signers
from advocate.templates.row_stencil import RowStencils, cut_loop
from campaign_fixtures import CAMPAIGN_FIXTURES
from helpers import SIGNER_FIXTURES, snapshot

BILINGUAL = Path(__file__).parent / "fixtures" / "bilingual"
#: Right-to-left (Arabic) and CJK targets, besides the bundled campaign.
OTHERS = (CAMPAIGN_FIXTURES / "egypt-detention" / "egypt-detention.yaml",
          CAMPAIGN_FIXTURES / "china-lawyers" / "china-lawyers.yaml")


@pytest.fixture(scope="module")
def renderers(kz_path: Path) -> list[Renderer]:
    return [Renderer(load_campaign(path)) for path in (kz_path, *OTHERS)]


# Text in many scripts, with what HTML escapes and the stencils' own stand-in characters.
_TEXT = st.text(st.sampled_from([*"aZ09 -_/.?=&<>\"'%#;:\n", "é", "Ж", "қ", "ع", "中", "\u200f",
                                 "\ue000", "\ue001", "–", "😀"]), max_size=40)
_LANGS = st.sampled_from(["en", "ru", "kk", "ar", "zh", "fr", "tr", "xx", "es-419"])


def _rows(targets: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    file = st.fixed_dictionaries({
        "path": _TEXT, "format": st.sampled_from(["txt", "eml", "pdf", "md", "html"]),
        "reading": st.none() | _LANGS})
    row = st.fixed_dictionaries({
        "row": st.none() | st.integers(0, 10**7), "target": st.sampled_from(targets),
        "files": st.lists(file, min_size=1, max_size=4), "mailto": st.none() | _TEXT,
        "lang": _LANGS, "reference": st.none() | _TEXT,
        "mailto_form": st.sampled_from(["full", "titles", "short", "subject", "none"])})

    def real(given: dict[str, Any]) -> dict[str, Any]:  # the form only with a link, as built
        if not given["mailto"]:
            del given["mailto_form"]
        return given

    return st.lists(row.map(real), max_size=6)


def _plan(renderer: Renderer, letters: int) -> CampaignPlan:
    """A plan of ``letters`` rows (each its own signer's letter to the first target)."""
    campaign = renderer.campaign
    jobs = [LetterJob(row, campaign.targets[0].id, Writer(row=row), ("txt",))
            for row in range(1, letters + 1)]
    return CampaignPlan(campaign, campaign.id, jobs, [], 12, 5, lang=campaign.language)


def _streamed(renderer: Renderer, pl: CampaignPlan, documents: list[dict[str, Any]],
              rows: list[dict[str, Any]], folder: Path) -> dict[str, bytes]:
    cut = cut_loop(renderer.env, "index.html.j2", "letters", ("targets",))
    assert cut is not None
    stream = IndexStream(SimpleNamespace(staging=folder, mode=0o600), pl, renderer, cut,
                         documents, len(rows))
    for row in rows:
        stream.add(row)
    pages = {}
    for name, sha256, size in stream.finish():
        data = (folder / pl.folder / name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha256, size)
        pages[name] = data
    return pages


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), with_documents=st.booleans())
def test_pages_written_as_the_rows_come_are_the_pages_rendered_whole(
        renderers: list[Renderer], data: st.DataObject, with_documents: bool) -> None:
    """Rows of every shape (no signer row, no reference, reading copies, every link form,
    no link), values with HTML's special characters and the stand-ins, over several pages."""
    documents = [{"path": "brief.pdf", "kind": "brief", "format": "pdf", "lang": "en"},
                 {"path": "petition.ar.md", "kind": "petition", "format": "md",
                  "lang": "ar"}] if with_documents else []
    saved = planning.INDEX_PAGE_ROWS
    planning.INDEX_PAGE_ROWS = 3
    try:
        for renderer in renderers:
            rows = data.draw(_rows([t.id for t in renderer.campaign.targets]))
            rows += [pages_module._with_values(row, [  # the same shapes, other values
                data.draw(st.integers(0, 10**7) if isinstance(value, int) else
                          _TEXT.filter(bool)) for value in pages_module._values(row)])
                for row in rows]
            pl = _plan(renderer, len(rows))
            whole = dict(rendered_index(renderer, pl, documents, len(rows),
                                     iter(copy.deepcopy(rows))))
            folder = Path(tempfile.mkdtemp())
            try:
                streamed = _streamed(renderer, pl, documents, rows, folder)
            finally:
                shutil.rmtree(folder)
            assert list(streamed) == list(whole)
            for name, page in whole.items():
                assert streamed[name] == page.encode("utf-8"), name
    finally:
        planning.INDEX_PAGE_ROWS = saved


def test_rows_of_one_shape_share_one_stencil(renderers: list[Renderer]) -> None:
    """The point of it: a thousand letters of four targets, a stencil per target, none
    rendered in full."""
    renderer = renderers[0]
    cut = cut_loop(renderer.env, "index.html.j2", "letters", ("targets",))
    assert cut is not None
    view, _ = renderer.view("en")
    stencils = RowStencils(cut, {"targets": {t["id"]: t for t in view["targets"]}},
                           pages_module._shape, pages_module._values,
                           pages_module._with_values)
    for number in range(1, 251):
        for target in renderer.campaign.targets:
            row = {"row": number, "target": target.id, "lang": "en",
                   "reference": f"{number:05d}-{len(target.id):05d}", "mailto": "mailto:x?a&b",
                   "mailto_form": "full",
                   "files": [{"path": f"letters/{number:05d}-{target.id}.{fmt}",
                              "format": fmt, "reading": None} for fmt in ("txt", "eml")]}
            assert stencils.html(row) == cut.render_rows(
                {"targets": {t["id"]: t for t in view["targets"]}}, [row])
    assert stencils.made == len(renderer.campaign.targets)


def _signers() -> Any:
    return read_signers(SIGNER_FIXTURES / "valid.csv")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_writes_the_same_index_as_when_it_rendered_it_after_the_letters(
        kz_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """The bundled campaign in pages of 5 rows, in process and by forked workers: every
    file of the build (index pages, manifest, letters) as the index rendered at the end."""
    import advocate.build.letters

    monkeypatch.setattr(planning, "INDEX_PAGE_ROWS", 5)
    monkeypatch.setattr(advocate.build.letters, "POOL_MIN_LETTERS", 1)
    options = BuildOptions(formats=("txt", "eml"), documents=False, jobs=jobs)
    build([kz_path], tmp_path / "streamed", options, signers=_signers())
    monkeypatch.setattr("advocate.build.index_stream", lambda *args: None)
    build([kz_path], tmp_path / "whole", options, signers=_signers())
    streamed, whole = _tree(tmp_path / "streamed"), _tree(tmp_path / "whole")
    assert streamed == whole
    assert sum(1 for name in streamed if "/index" in name) >= 3


def test_reading_copies_and_fill_in_letters_share_the_rows_the_plan_counts(
        tmp_path: Path) -> None:
    """A reading copy is on its letter's row (the plan's count is the index's); a build
    without signers has a fill-in letter a target."""
    campaign = load_campaign(BILINGUAL / "campaign.yaml")
    signers = read_signers(BILINGUAL / "signers.csv", languages=campaign.languages,
                           columns=dict(campaign.signers.columns)  # type: ignore[union-attr]
                           if campaign.signers else None)
    pl = plan(campaign, signers, formats=("txt",))
    assert any(job.reading for job in pl.letters)
    assert pl.index_rows == len(pl.letters) - sum(1 for job in pl.letters if job.reading)
    assert plan(campaign, None, formats=("txt",)).index_rows == len(campaign.targets)
    out = tmp_path / "out"
    build([BILINGUAL / "campaign.yaml"], out, BuildOptions(formats=("txt",), documents=False,
                                                          jobs=1), signers=signers)
    index = (out / campaign.id / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == pl.index_rows + 1  # and the heading's
    assert "reading copy in" in index


def _fail_at(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """The index's row ``number`` fails to render."""
    html = RowStencils.html
    seen = [0]

    def failing(self: RowStencils, row: dict[str, Any]) -> str:
        seen[0] += 1
        if seen[0] == number:
            raise AdvocateError("the index failed here")
        return html(self, row)

    monkeypatch.setattr(RowStencils, "html", failing)


def test_a_failure_in_the_middle_of_the_index_leaves_nothing(
        kz_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages written, one open, letters staged: the build fails, and the output folder is
    as it was: nothing of this build, no staging folder, the earlier build untouched."""
    monkeypatch.setattr(planning, "INDEX_PAGE_ROWS", 5)
    options = BuildOptions(formats=("txt", "eml"), documents=False, jobs=1)
    out = tmp_path / "out"
    _fail_at(monkeypatch, 13)
    with pytest.raises(AdvocateError, match="the index failed here"):
        build([kz_path], out, options, signers=_signers())
    assert not out.exists() or list(out.iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setattr(planning, "INDEX_PAGE_ROWS", 5)
    build([kz_path], out, options, signers=_signers())
    before = snapshot(out)
    _fail_at(monkeypatch, 7)
    with pytest.raises(AdvocateError, match="the index failed here"):
        build([kz_path], out, BuildOptions(formats=("txt",), documents=False, jobs=1,
                                           force=True), signers=_signers())
    assert snapshot(out) == before


def test_a_shard_or_a_pack_index_is_not_streamed(kz_path: Path, pack: Path,
                                                 tmp_path: Path) -> None:
    """A shard writes no index; a pack's own index.html.j2 is rendered whole (in its
    confined child, with no letters' links); advocate's own index under a pack streams."""
    from advocate.shard import Shard

    stage = SimpleNamespace(staging=tmp_path, mode=0o600)
    kz = load_campaign(kz_path)
    assert pages_module.index_stream(stage, plan(kz, _signers(), shard=Shard(0, 2)),
                                     Renderer(kz), []) is None
    own = load_campaign(pack)
    assert pages_module.index_stream(stage, plan(own, _signers()), Renderer(own), []) \
        is not None
    (pack.parent / "templates").mkdir()
    (pack.parent / "templates" / "index.html.j2").write_text(
        "<!DOCTYPE html><html><head></head><body>{% for l in letters %}{{ l.row }}"
        "{% endfor %}</body></html>", encoding="utf-8")
    assert pages_module.index_stream(stage, plan(own, _signers()), Renderer(own), []) is None


def test_a_campaign_holding_the_stand_ins_gets_the_same_index(
        kz_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A title holding the stand-in for the rows, a target's name holding a value's: the
    page is rendered whole, the row in full, and the index is the same."""
    text = kz_path.read_text(encoding="utf-8").replace(
        'en: "Justice for', 'en: "\ue000rows\ue001 Justice for', 1).replace(
        'en: "Kassym-Jomart Tokayev"', 'en: "Kassym-Jomart \ue0000\ue001 Tokayev"', 1)
    odd = tmp_path / "odd" / "kazakhstan-2022.yaml"
    odd.parent.mkdir()
    odd.write_text(text, encoding="utf-8")
    stage = SimpleNamespace(staging=tmp_path, mode=0o600)
    campaign = load_campaign(odd)
    assert pages_module.index_stream(stage, plan(campaign, _signers()), Renderer(campaign),
                                     []) is None
    options = BuildOptions(formats=("txt",), documents=False, jobs=1)
    build([odd], tmp_path / "whole", options, signers=_signers())
    text = text.replace("\ue000rows\ue001 ", "", 1)
    odd.write_text(text, encoding="utf-8")  # only the target's name: rows in full
    build([odd], tmp_path / "streamed", options, signers=_signers())
    monkeypatch.setattr("advocate.build.index_stream", lambda *args: None)
    build([odd], tmp_path / "rendered", options, signers=_signers())
    assert _tree(tmp_path / "streamed") == _tree(tmp_path / "rendered")
    page = (tmp_path / "streamed" / "kazakhstan-2022" / "index.html").read_text("utf-8")
    assert "Kassym-Jomart \ue0000\ue001 Tokayev" in page


def test_reading_copies_add_no_empty_index_page(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's pages are counted by its rows, not by the files: signers read in another
    language get reading copies, and a build (or shards merged) has no page without a row."""
    from advocate.merge import merge
    from advocate.shard import Shard
    from advocate.signers.source import SignerSource

    monkeypatch.setattr(planning, "INDEX_PAGE_ROWS", 1)
    campaign = load_campaign(BILINGUAL / "campaign.yaml")
    signers = read_signers(BILINGUAL / "signers.csv", languages=campaign.languages,
                           columns=dict(campaign.signers.columns)  # type: ignore[union-attr]
                           if campaign.signers else None)
    pl = plan(campaign, signers, formats=("txt",))
    assert len(pl.letters) > pl.index_rows  # the reading copies
    options = BuildOptions(formats=("txt",), documents=False, jobs=1)
    build([BILINGUAL / "campaign.yaml"], tmp_path / "one", options, signers=signers)
    pages = sorted((tmp_path / "one" / campaign.id).glob("index*.html"))
    assert len(pages) == pl.index_rows
    for page in pages:
        assert page.read_text(encoding="utf-8").count("<tr>") == 2, page.name  # heading, row
    shards = []
    for number in range(2):
        shards.append(tmp_path / f"shard-{number}")
        build([BILINGUAL / "campaign.yaml"], shards[-1],
              BuildOptions(formats=("txt",), documents=False, jobs=1,
                           shard=Shard(number, 2)), signers=signers,
              signer_source=SignerSource(BILINGUAL / "signers.csv"))
    merge(shards, tmp_path / "merged", jobs=1)
    assert _contents(tmp_path / "merged") == _contents(tmp_path / "one")


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_facts_date_reads_in_its_own_direction_on_an_english_index() -> None:
    """An Arabic campaign's date ("2 مايو 2024") sits in the English line "Facts as of ...
    · 3 signers": isolated, the signer count is not drawn into its right-to-left run."""
    renderer = Renderer(load_campaign(
        CAMPAIGN_FIXTURES / "egypt-detention" / "egypt-detention.yaml"))
    pl = _plan(renderer, 3)
    page = next(page for _, page in rendered_index(renderer, pl, [], 0, iter([])))
    found = re.search(r"Facts as of <bdi>([^<]+)</bdi> · 12 signers", page)
    assert found and "مايو" in found.group(1)  # the campaign's own words, in Arabic
