"""advocate merge: shards built by separate processes, joined, equal one unsharded build;
shards that do not belong together are refused (exit 2), and nothing is written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.merge import merge

REPO = Path(__file__).resolve().parent.parent
AZ = REPO / "examples" / "journalists-az"
WORLD = Path(__file__).parent / "fixtures" / "world"
Run = Callable[..., Result]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "advocate", *map(str, args)]


def build_shards(campaign: Path, signers: Path, out: Path, count: int,
                 extra: Sequence[str] = (), jobs: Sequence[int] = (1,)) -> list[Path]:
    """Shards 0..count-1, each built by its own process, all at once."""
    folders = [out / f"shard-{k}" for k in range(count)]
    procs = [subprocess.Popen(cli("build", campaign, "--signers", signers, "-o", folder,
                                  "--shard", f"{k}/{count}", "-j", str(jobs[k % len(jobs)]),
                                  *extra),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k, folder in enumerate(folders)]
    for proc in procs:
        _, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr
    return folders


def single_build(campaign: Path, signers: Path, out: Path, extra: Sequence[str] = ()) -> Path:
    result = subprocess.run(cli("build", campaign, "--signers", signers, "-o", out, *extra),
                            capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    return out


def manifest(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(folder.read_text(encoding="utf-8"))
    return data


def assert_same_output(single: Path, merged: Path) -> None:
    want, got = tree(single), tree(merged)
    assert sorted(got) == sorted(want)
    different = [name for name in want if want[name] != got[name]]
    assert not different, different[:5]
    for folder in {name.split("/")[0] for name in want}:
        assert manifest(merged / folder / "manifest.json") == \
            manifest(single / folder / "manifest.json")


@pytest.fixture(scope="module")
def az_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """journalists-az (Azerbaijani and English letters, its own templates): one build, and
    three shards built in parallel by three processes (with different --jobs), merged."""
    root = tmp_path_factory.mktemp("az")
    options = ["--formats", "txt,eml"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1768435200")
        single = single_build(AZ / "campaign.yaml", AZ / "signers.csv", root / "single",
                              options)
        shards = build_shards(AZ / "campaign.yaml", AZ / "signers.csv", root, 3, options,
                              jobs=(1, 2, 1))
        result = subprocess.run(cli("merge", *shards, "-o", root / "merged"),
                                capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    return single, root / "merged", root


def test_merged_shards_are_the_single_build_byte_for_byte(
        az_built: tuple[Path, Path, Path]) -> None:
    single, merged, _ = az_built
    assert_same_output(single, merged)
    files = manifest(merged / "journalists-az" / "manifest.json")["files"]
    assert isinstance(files, list)
    kinds = {entry["kind"] for entry in files}
    assert kinds == {"brief", "petition", "sheet", "letter", "index"}
    index = (merged / "journalists-az" / "index.html").read_text(encoding="utf-8")
    assert index.count("mailto:") > 30  # every shard's letters have their mail links


def test_each_shard_holds_a_disjoint_share_and_no_documents(
        az_built: tuple[Path, Path, Path]) -> None:
    single, _, root = az_built
    letters = {name for name in tree(single) if "/letters/" in name}
    shares = [{name for name in tree(root / f"shard-{k}") if "/letters/" in name}
              for k in range(3)]
    assert set().union(*shares) == letters
    assert sum(len(share) for share in shares) == len(letters)
    for k, share in enumerate(shares):
        rows = {int(name.split("/")[-1][:5]) for name in share}
        assert all((row - 1) % 3 == k for row in rows)
        names = set(tree(root / f"shard-{k}"))
        assert not {n for n in names if n.split("/")[-1].startswith(("brief", "petition",
                                                                      "sheet", "index"))}


def test_a_shard_manifest_records_what_its_output_depends_on(
        az_built: tuple[Path, Path, Path]) -> None:
    import hashlib

    from advocate import __version__

    _, _, root = az_built
    data = manifest(root / "shard-2" / "journalists-az" / "manifest.json")
    shard = data["shard"]
    assert isinstance(shard, dict)
    assert (shard["index"], shard["count"], shard["documents_shard"]) == (2, 3, None)
    inputs = shard["inputs"]
    assert inputs["advocate_version"] == __version__
    assert inputs["date"] == "2026-01-15"
    assert inputs["campaign"]["sha256"] == \
        hashlib.sha256((AZ / "campaign.yaml").read_bytes()).hexdigest()
    assert inputs["signers"]["sha256"] == \
        hashlib.sha256((AZ / "signers.csv").read_bytes()).hexdigest()
    assert inputs["signers"]["dedupe"] == "error"
    assert len(inputs["templates"]["sha256"]) == 64
    assert inputs["options"] == {"formats": ["txt", "eml"], "lang": None, "paper": "a4",
                                 "documents": True, "site": False}
    assert "@" not in json.dumps(data)  # no signer's email, and no letter text


def test_pdf_letters_with_documents_from_a_named_shard(tmp_path: Path) -> None:
    """The world's scripts in PDF letters; shard 1 renders the documents; with --site."""
    signers = tmp_path / "signers.csv"
    signers.write_text("\n".join((WORLD / "signers.csv").read_text(
        encoding="utf-8").splitlines()[:5]) + "\n", encoding="utf-8")  # four signers
    options = ["--formats", "pdf,txt", "--site"]
    single = single_build(WORLD / "campaign.yaml", signers, tmp_path / "single", options)
    shards = build_shards(WORLD / "campaign.yaml", signers, tmp_path, 2,
                          [*options, "--documents-shard", "1"])
    assert (shards[1] / "free-press-world" / "brief.pdf").is_file()
    assert not (shards[0] / "free-press-world" / "brief.pdf").exists()
    assert not (shards[1] / "free-press-world" / "site").exists()  # the merge writes it
    result = merge(shards, tmp_path / "merged", jobs=1)
    assert_same_output(single, tmp_path / "merged")
    assert result.letters == len([n for n in tree(single) if n.endswith(".pdf")
                                  and "/letters/" in n])


# -- refusals -------------------------------------------------------------------------------

@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of journalists-az, to change after its shards are built."""
    folder = tmp_path / "pack"
    shutil.copytree(AZ, folder)
    return folder


def shard(run: Run, pack: Path, out: Path, spec: str, *extra: str,
          signers: Path | None = None) -> Path:
    result = run("build", str(pack / "campaign.yaml"), "--signers",
                 str(signers or pack / "signers.csv"), "-o", str(out), "--shard", spec,
                 "--formats", "txt", "--no-documents", "-j", "1", *extra)
    assert result.exit_code == 0, result.stderr
    return out


def refused(run: Run, *args: str | Path) -> str:
    out = Path(str(args[-1]))
    result = run("merge", *map(str, args[:-1]), "-o", str(out))
    assert result.exit_code == 2, result.stderr
    assert not out.exists()  # nothing written, not even the folder
    return " ".join(result.stderr.split())


def test_merge_refuses_a_missing_or_repeated_shard(run: Run, pack: Path,
                                                   tmp_path: Path) -> None:
    a = shard(run, pack, tmp_path / "a", "0/3")
    b = shard(run, pack, tmp_path / "b", "1/3")
    message = refused(run, a, b, tmp_path / "out")
    assert "shard(s) 2 of 3 missing" in message
    message = refused(run, a, b, b, tmp_path / "out")
    assert f"{b}: shard 1/3 is given twice" in message


def test_merge_refuses_shards_of_other_inputs_options_or_versions(
        run: Run, pack: Path, tmp_path: Path) -> None:
    a = shard(run, pack, tmp_path / "a", "0/2")
    other_list = tmp_path / "other.csv"
    lines = (pack / "signers.csv").read_text(encoding="utf-8").splitlines()
    other_list.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    b = shard(run, pack, tmp_path / "b", "1/2", signers=other_list)
    assert "signer list" in refused(run, a, b, tmp_path / "out")

    c = shard(run, pack, tmp_path / "c", "1/2", "--lang", "en")
    message = refused(run, a, c, tmp_path / "out")
    assert f"{c}: not of the same build as {a}" in message
    assert "option lang: en here, none there" in message

    d = shard(run, pack, tmp_path / "d", "1/3")
    assert "number of shards" in refused(run, a, d, tmp_path / "out")

    e = shard(run, pack, tmp_path / "e", "1/2")
    path = e / "journalists-az" / "manifest.json"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '"advocate_version": "', '"advocate_version": "9'), encoding="utf-8")
    assert "advocate version" in refused(run, a, e, tmp_path / "out")

    other = tmp_path / "other-pack"
    shutil.copytree(pack, other)
    text = (other / "campaign.yaml").read_text(encoding="utf-8")
    (other / "campaign.yaml").write_text(text.replace("id: journalists-az", "id: az-other"),
                                         encoding="utf-8")
    f = shard(run, other, tmp_path / "f", "1/2")
    message = refused(run, a, f, tmp_path / "out")
    assert f"{f}: holds the campaign folder(s) az-other" in message


def test_merge_refuses_overlapping_tampered_or_incomplete_shards(
        run: Run, pack: Path, tmp_path: Path) -> None:
    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    # b claims a letter of a's as well
    path = b / "journalists-az" / "manifest.json"
    original = path.read_text(encoding="utf-8")
    stolen = next(line for line in (a / "journalists-az" / "manifest.json").read_text(
        encoding="utf-8").splitlines() if '"letter"' in line).strip().rstrip(",")
    path.write_text(original.replace('"files": [\n', '"files": [\n    ' + stolen + ",\n"),
                    encoding="utf-8")
    message = refused(run, a, b, tmp_path / "out")
    assert "is in two shards" in message and str(a) in message
    lines = original.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if '"letter"' in line)
    path.write_text("".join(lines[:first] + lines[first + 1:]), encoding="utf-8")
    message = refused(run, a, b, tmp_path / "out")
    assert f"{b}: lacks journalists-az/letters/" in message and "build it again" in message
    path.write_text(original, encoding="utf-8")

    letter = sorted((b / "journalists-az" / "letters").iterdir())[0]
    letter.write_bytes(letter.read_bytes() + b"!")
    message = refused(run, a, b, tmp_path / "out")
    assert "changed since its shard was built" in message and letter.name in message
    letter.unlink()
    assert "cannot read this shard's file" in refused(run, a, b, tmp_path / "out")

    assert "shard folder not found" in refused(run, a, tmp_path / "nowhere", tmp_path / "out")


def test_merge_refuses_inputs_changed_since_the_shards(run: Run, pack: Path,
                                                       tmp_path: Path) -> None:
    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    signers = pack / "signers.csv"
    original = signers.read_bytes()
    signers.write_bytes(original + b"A. New Signer,new@example.org,Baku,AZ,,yes\n")
    assert "the signer list changed since the shards were built" in refused(
        run, a, b, tmp_path / "out")
    signers.write_bytes(original)
    campaign = pack / "campaign.yaml"
    campaign.write_bytes(campaign.read_bytes() + b"\n")
    assert "the campaign file changed" in refused(run, a, b, tmp_path / "out")


def test_merge_refuses_to_write_into_a_shard_and_needs_force_over_a_build(
        run: Run, pack: Path, tmp_path: Path) -> None:
    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    before = tree(a)
    result = run("merge", str(a), str(b), "-o", str(a / "merged"))
    assert result.exit_code == 2
    assert "refusing to write into or over a shard folder" in result.stderr
    assert tree(a) == before
    inside = pack / "templates" / "out"
    result = run("merge", str(a), str(b), "-o", str(inside))
    assert result.exit_code == 2 and "refusing to write into the campaign folder" in \
        result.stderr
    assert not inside.exists()
    assert run("merge", str(a), str(b), "-o", str(tmp_path / "out")).exit_code == 0
    again = run("merge", str(a), str(b), "-o", str(tmp_path / "out"))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run("merge", str(a), str(b), "-o", str(tmp_path / "out"), "--force").exit_code == 0


def test_the_library_refuses_what_the_cli_refuses(run: Run, pack: Path,
                                                  tmp_path: Path) -> None:
    a = shard(run, pack, tmp_path / "a", "0/2")
    with pytest.raises(AdvocateError, match="missing"):
        merge([a], tmp_path / "out")
    with pytest.raises(AdvocateError, match="no shard folders"):
        merge([], tmp_path / "out")
    plain = tmp_path / "plain"
    assert run("build", str(pack / "campaign.yaml"), "-o", str(plain), "--formats", "txt",
               "--no-documents").exit_code == 0
    with pytest.raises(AdvocateError, match="not a shard"):
        merge([plain], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_two_campaigns_in_one_sharded_build(tmp_path: Path) -> None:
    """A build of two campaigns (two folders) with one signer list, in three shards."""
    options = ["--formats", "txt", "--no-documents", str(WORLD / "campaign.yaml")]
    single = single_build(AZ / "campaign.yaml", AZ / "signers.csv", tmp_path / "single",
                          options)
    shards = build_shards(AZ / "campaign.yaml", AZ / "signers.csv", tmp_path, 3, options)
    merge(shards, tmp_path / "merged")
    assert_same_output(single, tmp_path / "merged")
    assert {p.name for p in (tmp_path / "merged").iterdir()} == {"journalists-az",
                                                                 "free-press-world"}


def test_merge_copies_the_letters_so_a_shard_written_to_later_changes_nothing(
        run: Run, pack: Path, tmp_path: Path) -> None:
    """Hard links shared the merged letters with the shards: appending to a shard's file
    after the merge changed a merged letter. The merge copies them."""
    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    merge([a, b], tmp_path / "merged")
    merged = tmp_path / "merged" / "journalists-az" / "letters"
    before = tree(tmp_path / "merged")
    letters = sorted(merged.iterdir())
    assert letters and all(p.stat().st_nlink == 1 for p in letters)
    for folder in (a, b):
        for letter in (folder / "journalists-az" / "letters").iterdir():
            with letter.open("ab") as handle:
                handle.write(b"APPENDED AFTER THE MERGE\n")
    assert tree(tmp_path / "merged") == before


def test_merge_finds_moved_inputs_where_it_is_told(run: Run, pack: Path,
                                                   tmp_path: Path) -> None:
    """Shards built in one place, merged where the inputs are elsewhere (another checkout
    path): --campaign and --signers say where, and are checked by their sha256."""
    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    single = tmp_path / "single"
    assert run("build", str(pack / "campaign.yaml"), "--signers", str(pack / "signers.csv"),
               "-o", str(single), "--formats", "txt", "--no-documents").exit_code == 0
    moved = tmp_path / "moved"
    pack.rename(moved)
    message = refused(run, a, b, tmp_path / "out")
    assert "the campaign file the shards were built from is not here" in message
    assert "--campaign" in message
    out = tmp_path / "out"
    result = run("merge", str(a), str(b), "-o", str(out), "--campaign",
                 str(moved / "campaign.yaml"), "--signers", str(moved / "signers.csv"))
    assert result.exit_code == 0, result.stderr
    assert tree(out) == tree(single)

    other = tmp_path / "other.csv"
    other.write_bytes((moved / "signers.csv").read_bytes() + b"\n")
    message = refused(run, a, b, "--campaign", str(moved / "campaign.yaml"), "--signers",
                      str(other), tmp_path / "out2")
    assert "not the signer list the shards were built from" in message
    message = refused(run, a, b, "--campaign", str(other), tmp_path / "out2")
    assert "no campaign file given is the one of journalists-az" in message


# -- the index in pages -----------------------------------------------------------------------

def index_pages(folder: Path) -> list[Path]:
    """index.html, index-2.html, ... as the first page links them, checked as a browser would
    see them: the Content-Security-Policy in the head, nothing fetched from a network, every
    link to a file of the build."""
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []
            self.csp = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
                self.csp = found.get("content") or ""
            self.links += [value for name, value in attrs if name in ("href", "src") and value]

    pages = [folder / "index.html"]
    seen: set[str] = set()
    while len(seen) < len(pages):
        page = next(p for p in pages if p.name not in seen)
        seen.add(page.name)
        parser = Links()
        text = page.read_text(encoding="utf-8")
        parser.feed(text)
        head = text.split("</head>")[0]
        assert "default-src 'none'" in parser.csp and "Content-Security-Policy" in head
        for link in parser.links:
            if link.startswith("mailto:"):
                continue
            assert "//" not in link and ":" not in link, (page.name, link)  # a relative path
            assert (folder / link).is_file(), (page.name, link)
            if link.startswith("index") and folder / link not in pages:
                pages.append(folder / link)
    return sorted(pages, key=lambda p: (len(p.name), p.name))


def test_a_large_index_in_pages_merged_is_the_single_build(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above INDEX_PAGE_ROWS letter rows the index is index.html, index-2.html, ...: the
    merge of three shards writes them byte for byte as one build does, each page links the
    others and lists its slice of the letters, and the manifest lists every page."""
    import advocate.build

    monkeypatch.setattr(advocate.build.planning, "INDEX_PAGE_ROWS", 10)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1768435200")
    campaign, signers = WORLD / "campaign.yaml", WORLD / "signers.csv"
    common = ["--signers", str(signers), "--formats", "txt,eml", "--no-documents", "-j", "1"]
    result = run("build", str(campaign), *common, "-o", str(tmp_path / "single"))
    assert result.exit_code == 0, result.stderr
    shards = [tmp_path / f"shard-{k}" for k in range(3)]
    for k, out in enumerate(shards):
        result = run("build", str(campaign), *common, "-o", str(out), "--shard", f"{k}/3")
        assert result.exit_code == 0, result.stderr
    result = run("merge", *map(str, shards), "-o", str(tmp_path / "merged"))
    assert result.exit_code == 0, result.stderr
    assert_same_output(tmp_path / "single", tmp_path / "merged")

    folder = next(p for p in (tmp_path / "merged").iterdir() if p.is_dir())
    data = manifest(folder / "manifest.json")
    files = data["files"]
    assert isinstance(files, list)
    letters = [e for e in files if e["kind"] == "letter"]
    rows = len({(e["signer_row"], e["target"]) for e in letters})
    assert rows > 20  # so three pages at least
    pages = index_pages(folder)
    names = [p.name for p in pages]
    assert names == ["index.html", *(f"index-{n}.html" for n in range(2, -(-rows // 10) + 1))]
    assert [e["path"] for e in files if e["kind"] == "index"] == names
    assert [e["path"] for e in files][-len(names):] == names  # after every letter
    listed: list[str] = []
    for number, page in enumerate(pages, start=1):
        text = page.read_text(encoding="utf-8")
        assert f"Page {number} of {len(pages)}" in text
        assert f"{rows} letters" in text  # the whole build's count, on every page
        body = text.split("<tbody>")[1].split("</tbody>")[0]
        links = [part.split('"')[0] for part in body.split('href="')[1:]]
        txt = [link for link in links if link.endswith(".txt")]
        assert len(txt) == (10 if number < len(pages) else rows - 10 * (len(pages) - 1))
        assert sum(link.startswith("mailto:") for link in links) == len(txt)
        listed += txt
        if number > 1:
            assert f'href="{names[number - 2]}" rel="prev"' in text
        if number < len(pages):
            assert f'href="{names[number]}" rel="next"' in text
    assert listed == [e["path"] for e in letters if e["format"] == "txt"]  # each once, in order


def test_merge_reads_shard_files_a_line_at_a_time_and_refuses_them_cut_short(
        run: Run, pack: Path, tmp_path: Path) -> None:
    """The merge reads each shard's manifest and links file as a build writes them (one file
    per line, never the whole in memory): cut short, or rewritten in another layout, they
    are refused by name (exit 2, nothing written); read in whole they still merge."""
    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    for name, cut in (("manifest.json", lambda t: t[:t.rindex("  ]")]),
                      ("manifest.json", lambda t: json.dumps(json.loads(t))),
                      ("shard-links.json", lambda t: t[:t.rindex("\n}")]),
                      ("shard-links.json", lambda t: json.dumps(json.loads(t), indent=1))):
        path = b / "journalists-az" / name
        original = path.read_text(encoding="utf-8")
        path.write_text(cut(original), encoding="utf-8")
        message = refused(run, a, b, tmp_path / "out")
        assert str(path) in message and "build this shard again" in message, message
        path.write_text(original, encoding="utf-8")
    result = run("merge", str(a), str(b), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    index = (tmp_path / "out" / "journalists-az" / "index.html").read_text(encoding="utf-8")
    rows = index.split("<tbody>")[1].count("<tr>")
    links = json.loads((a / "journalists-az" / "shard-links.json").read_bytes())
    links |= json.loads((b / "journalists-az" / "shard-links.json").read_bytes())
    assert rows == len(links) > 0  # a row per letter (txt only), each with its link
    assert index.count('">open in mail</a>') == sum(1 for v in links.values() if v[0])


def test_shards_of_letters_without_mail_links_merge(tmp_path: Path) -> None:
    """Markdown (or PDF) letters only: each shard's links file holds no link at all, and the
    merge takes it as such (it once refused the empty file as cut short)."""
    signers = tmp_path / "signers.csv"
    signers.write_text("\n".join((WORLD / "signers.csv").read_text(
        encoding="utf-8").splitlines()[:4]) + "\n", encoding="utf-8")
    options = ["--formats", "md", "--no-documents"]
    single = single_build(WORLD / "campaign.yaml", signers, tmp_path / "single", options)
    shards = build_shards(WORLD / "campaign.yaml", signers, tmp_path, 2, options)
    assert (shards[0] / "free-press-world" / "shard-links.json").read_bytes() == b"{\n\n}\n"
    merge(shards, tmp_path / "merged", jobs=1)
    assert_same_output(single, tmp_path / "merged")


# -- a tampered shard (issue 23): what the merge checks against the campaign ---------------

_ATTACKER = "attacker@evil.example"


@pytest.fixture(scope="module")
def world_shards(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two shards of the world campaign (a target with an address), text and drafts."""
    root = tmp_path_factory.mktemp("world")
    signers = root / "signers.csv"
    signers.write_text("\n".join((WORLD / "signers.csv").read_text(
        encoding="utf-8").splitlines()[:5]) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1768435200")
        return build_shards(WORLD / "campaign.yaml", signers, root, 2,
                            ["--formats", "txt,eml", "--no-documents"])


@pytest.fixture
def tampered(world_shards: list[Path], tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """A copy of the shards to tamper with."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1768435200")
    copies = [tmp_path / folder.name for folder in world_shards]
    for folder, copy in zip(world_shards, copies, strict=True):
        shutil.copytree(folder, copy)
    return copies


def _forge(folder: Path, path: str, change: Callable[[bytes], bytes]) -> None:
    """Change a shard's file and its manifest entry to match (what a tamperer does)."""
    import hashlib

    letter = folder / "free-press-world" / path
    data = change(letter.read_bytes())
    letter.write_bytes(data)
    manifest_path = folder / "free-press-world" / "manifest.json"
    lines = manifest_path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines):
        if f'"path": "{path}"' in line:
            entry = json.loads(line.strip().rstrip(","))
            entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            lines[number] = "    " + json.dumps(entry) + ("," if line.rstrip().endswith(",")
                                                           else "") + "\n"
    manifest_path.write_text("".join(lines), encoding="utf-8")


def _links(folder: Path, change: Callable[[str], str]) -> None:
    path = folder / "free-press-world" / "shard-links.json"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize(("change", "expect"), [
    (lambda d: d.replace(b"embassy@example.org", _ATTACKER.encode()), "addressed to someone"),
    (lambda d: d.replace(b"To: ", b"To: " + _ATTACKER.encode() + b", ", 1),
     "addressed to someone"),
    (lambda d: d.replace(b"Subject:", b"Bcc: " + _ATTACKER.encode() + b"\r\nSubject:", 1),
     "headers advocate does not write"),
    (lambda d: d.replace(b"Subject:", b"Reply-To: " + _ATTACKER.encode() + b"\r\nSubject:", 1),
     "headers advocate does not write"),
    (lambda d: d.replace(b"Subject:", b"To: " + _ATTACKER.encode() + b"\r\nSubject:", 1),
     "headers advocate does not write"),
    (lambda d: d.replace(b"From: ", b"From: " + _ATTACKER.encode() + b", ", 1),
     "from someone other than its signer"),
    (lambda d: d.replace(b"text/plain", b"multipart/mixed", 1), "not plain text"),
])
def test_merge_refuses_a_draft_sent_elsewhere(run: Run, tampered: list[Path], tmp_path: Path,
                                              change: Callable[[bytes], bytes],
                                              expect: str) -> None:
    """A tampered shard swapped an .eml's To: (and its manifest entry to match): the merge
    checks every draft's recipient and sender against the campaign and signer list."""
    _forge(tampered[0], "letters/00001-ambassador.eml", change)
    message = refused(run, *tampered, tmp_path / "out")
    assert expect in message and "00001-ambassador.eml" in message
    assert "build it again" in message


@pytest.mark.parametrize("change", [
    lambda t: t.replace("mailto:embassy@example.org", f"mailto:{_ATTACKER}", 1),
    lambda t: t.replace("mailto:embassy@example.org", f"mailto:embassy@example.org,{_ATTACKER}",
                        1),
    lambda t: t.replace("mailto:embassy@example.org?", f"mailto:embassy@example.org?bcc="
                        f"{_ATTACKER}&", 1),
    lambda t: t.replace("mailto:embassy@example.org?", f"mailto:embassy@example.org?to="
                        f"{_ATTACKER}&", 1),
    lambda t: t.replace("mailto:embassy@example.org", "https://evil.example/?", 1),
    lambda t: t.replace("mailto:minister@example.org", "javascript:alert(1)//", 1),
    lambda t: t.replace('"full"]', '"evil"]', 1),
    lambda t: t.replace('["mailto:', '[1, "mailto:', 1),
])
def test_merge_refuses_a_mail_link_to_another_address(run: Run, tampered: list[Path],
                                                      tmp_path: Path,
                                                      change: Callable[[str], str]) -> None:
    """shard-links.json was never checked: a tampered shard pointed the index's "open in
    mail" links at another address. Each link is a mailto: to its target's own address."""
    _links(tampered[1], change)
    message = refused(run, *tampered, tmp_path / "out")
    assert "shard-links.json" in message and "not a mailto: to its target's own address" \
        in message


def test_an_untampered_world_merge_keeps_every_link(run: Run, tampered: list[Path],
                                                    tmp_path: Path) -> None:
    result = run("merge", *map(str, tampered), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    index = (tmp_path / "out" / "free-press-world" / "index.html").read_text(encoding="utf-8")
    assert "mailto:embassy@example.org?" in index and _ATTACKER not in index


@pytest.mark.parametrize("name", ["manifest.json", "shard-links.json"])
def test_a_huge_line_in_a_shard_is_refused_without_holding_it(tampered: list[Path],
                                                              tmp_path: Path,
                                                              name: str) -> None:
    """A 700 MB line took 2.9 GB: every line is read with a length limit. Here a 96 MB line
    (a merge's peak memory measured beside the same merge of the untampered shards)."""
    path = tampered[1] / "free-press-world" / name
    text = path.read_text(encoding="utf-8")
    first = text.index("\n", text.index("letters/")) if name == "shard-links.json" \
        else text.index('"files": [\n') + len('"files": [\n')
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")

    def peak(out: str) -> tuple[int, int, str]:
        result = subprocess.run([sys.executable, "-c", probe, *cli("merge", *tampered, "-o",
                                                                    tmp_path / out)],
                                capture_output=True, text=True, timeout=600, check=True)
        kib, code = result.stdout.split()
        return int(kib), int(code), result.stderr

    baseline, code, _ = peak("plain")
    assert code == 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text[:first])
        handle.write('    {"path": "letters/' + "x" * (96 << 20) + '"},\n')
        handle.write(text[first:])
    kib, code, stderr = peak("huge")
    assert code == 2 and f"{path}: a line longer than 65,536 bytes" in " ".join(stderr.split())
    assert kib < baseline + 24 * 1024, (kib, baseline)
    assert not (tmp_path / "huge").exists()
def test_merge_json_follows_the_build_schema_on_success_and_failure(
        run: Run, pack: Path, tmp_path: Path) -> None:
    from test_contract import conforms

    a = shard(run, pack, tmp_path / "a", "0/2")
    b = shard(run, pack, tmp_path / "b", "1/2")
    out = tmp_path / "out"
    merged = run("merge", str(a), str(b), "-o", str(out), "--json")
    assert merged.exit_code == 0, merged.stderr
    summary = conforms("build", json.loads(merged.stdout))
    assert summary["command"] == "merge" and summary["ok"]
    assert summary["files"] and all((out / path).is_file() for path in summary["files"])
    again = run("merge", str(a), str(b), "-o", str(out), "--json")
    assert again.exit_code == 2
    assert conforms("build", json.loads(again.stdout))["ok"] is False
