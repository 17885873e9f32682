"""advocate build: every document, a manifest that matches, all or nothing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import Result

import advocate
import advocate.build
from advocate.build import BuildOptions, build
from advocate.errors import AdvocateError
from advocate.signers import read_signers
from helpers import snapshot, write

Run = Callable[..., Result]
SIGNERS = Path(__file__).parent / "fixtures" / "signers" / "valid.csv"
TARGETS = ["president", "prosecutor-general", "interior-minister", "un-high-commissioner"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, kz_path: Path) -> Path:
    """One real build of the bundled campaign for 4 signers (16 letters), two workers."""
    out = tmp_path_factory.mktemp("build") / "out"
    build([kz_path], out, BuildOptions(jobs=2), signers=read_signers(SIGNERS))
    return out / "kazakhstan-2022"


def test_every_document_is_there(built: Path) -> None:
    names = sorted(str(p.relative_to(built)) for p in built.rglob("*") if p.is_file())
    expected = ["brief.html", "brief.pdf", "index.html", "manifest.json", "petition.md",
                "petition.pdf", "sheet.pdf"]
    # ... and the documents in each translation (ru, kk), named by their language
    expected += [f"{kind}.{lang}.{ext}" for lang in ("ru", "kk") for kind, ext in (
        ("brief", "html"), ("brief", "pdf"), ("petition", "md"), ("petition", "pdf"),
        ("sheet", "pdf"))]
    # numbered by the signer's row: the blank line is row 4, so Nils Berg writes 00005
    expected += [f"letters/{i:05d}-{t}.{ext}" for i in (1, 2, 3, 5) for t in TARGETS
                 for ext in ("eml", "pdf", "txt")]
    assert names == sorted(expected)


def test_manifest_matches_the_files(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["campaign"] == "kazakhstan-2022"
    assert manifest["signers"] == 4 and manifest["public_signers"] == 2
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {str(p.relative_to(built)) for p in built.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json"}
    for path, entry in listed.items():
        data = (built / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    letter = listed["letters/00003-president.pdf"]
    assert (letter["kind"], letter["target"], letter["signer_row"], letter["lang"]) == \
        ("letter", "president", 3, "ru")


def test_no_personal_data_in_names_manifest_or_index(built: Path) -> None:
    private = ["Aigerim", "Jörg", "Brandt", "Марина", "Nils", "example.org", "example.net",
               "Example"]
    for path in built.rglob("*"):
        assert not any(word in str(path) for word in private)
    manifest = (built / "manifest.json").read_text(encoding="utf-8")
    assert not any(word in manifest for word in private)
    index = (built / "index.html").read_text(encoding="utf-8")
    outside_links = re.sub(r'href="mailto:[^"]*"', "", index)  # a mailto carries the letter
    assert not any(word in outside_links for word in private)
    assert (built / "letters" / "00001-president.txt").stat().st_mode & 0o777 == 0o600


def test_letters_are_personal_and_pdfs_are_one_page(built: Path) -> None:
    text = (built / "letters" / "00002-un-high-commissioner.txt").read_text(encoding="utf-8")
    assert "Jörg Brandt" in text and "I stood in Almaty in 2022." in text
    for target in TARGETS:
        reader = PdfReader(built / "letters" / f"00002-{target}.pdf")
        assert len(reader.pages) == 1, target
        assert "Jörg Brandt" in reader.pages[0].extract_text()
    assert len(PdfReader(built / "brief.pdf").pages) <= 2


def test_eml_drafts_parse_back(built: Path) -> None:
    raw = (built / "letters" / "00002-un-high-commissioner.eml").read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["From"].addresses[0].addr_spec == "Joerg.Brandt@xn--bcher-kva.example"
    assert message["Subject"] == "Justice for Kazakhstan's peaceful protesters"
    for header in ("Message-ID", "Date", "X-Mailer", "User-Agent"):
        assert message[header] is None
    for header, value in (("X-Unsent", "1"),
                          ("X-Uniform-Type-Identifier", "com.apple.mail-draft")):
        assert message[header] == value  # a draft in Outlook's and Apple Mail's conventions
    assert message["X-Mozilla-Draft-Info"].startswith("internal/draft;")  # Thunderbird's
    body = message.get_content().replace("\r\n", "\n")  # CRLF is text/plain's canonical form
    # An email, not a posted letter: no address blocks or date, no underlined heading,
    # paragraphs on one line each, the sender's details under the signature.
    assert body.startswith("Dear High Commissioner,\n\n")
    for postal in ("Palais des Nations", "29 November", "-----", "===="):
        assert postal not in body
    paragraphs = body.split("\n\n")
    # the campaign's variants: this letter takes one of each (text/variants.py)
    variants = yaml.safe_load((Path(advocate.__file__).parent / "campaigns" /
                               "kazakhstan-2022.yaml").read_text(encoding="utf-8"))["variants"]
    openings = tuple(v["en"] for v in variants["opening"])
    assert any(p.startswith(openings) and "\n" not in p and len(p) > 200 for p in paragraphs)
    assert any(body.endswith(f"{v['en']}\n\nJörg Brandt\nBerlin, Germany\n"
                             "Joerg.Brandt@xn--bcher-kva.example\n\nRef. B12KS-5F1WB\n")
               for v in variants["sign_off"])
    letter = (built / "letters" / "00002-un-high-commissioner.txt").read_text(encoding="utf-8")
    assert " ".join(body.split()) in " ".join(letter.split()) or \
        "I stood in Almaty in 2022." in body  # the same words as the letter


def test_index_links_every_file(built: Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    for path in built.rglob("*"):
        name = str(path.relative_to(built))
        if path.is_file() and name not in ("index.html", "manifest.json", "brief.html"):
            assert f'href="{name}"' in index, name
    assert "default-src 'none'" in index
    assert 'href="mailto:' in index  # English letters are short enough for a mailto link


def test_a_crash_mid_batch_leaves_the_output_as_it_was(
        tmp_path: Path, kz_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write(out / "keep.txt", "an earlier file")
    before = snapshot(out)
    real = advocate.build.letters._render_letters
    calls = []

    def crash(renderer, jobs, lang):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("injected crash")
        return real(renderer, jobs, lang)

    monkeypatch.setattr(advocate.build.letters, "_render_letters", crash)
    monkeypatch.setattr(advocate.build.letters, "CHUNK", 2)
    with pytest.raises(RuntimeError, match="injected crash"):
        build([kz_path], out, BuildOptions(jobs=1, formats=("txt", "eml")),
              signers=read_signers(SIGNERS))
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_nothing_is_overwritten_without_force(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run("build", "kazakhstan-2022", "-o", str(out), "--formats", "txt")
    assert first.exit_code == 0, first.stderr
    before = snapshot(out)
    again = run("build", "kazakhstan-2022", "-o", str(out), "--formats", "txt")
    assert again.exit_code == 2
    assert again.stderr.count("\n") == 1  # one line with a count
    assert "files from an earlier build already exist (use --force to overwrite them)" in \
        again.stderr
    assert snapshot(out) == before
    forced = run("build", "kazakhstan-2022", "-o", str(out), "--formats", "txt", "--force")
    assert forced.exit_code == 0


def test_dry_run_writes_nothing_and_json_summarises(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    dry = run("build", "kazakhstan-2022", "-o", str(out), "--signers", str(SIGNERS),
              "--dry-run")
    assert dry.exit_code == 0 and not out.exists()
    listed = dry.stdout.splitlines()
    assert str(out / "kazakhstan-2022" / "letters" / "00005-president.pdf") in listed
    assert len(listed) == 7 + 2 * 5 + 4 * 4 * 3  # documents in en, ru and kk
    result = run("build", "kazakhstan-2022", "-o", str(out), "--formats", "txt", "--json")
    summary = json.loads(result.stdout)
    assert summary["file_count"] == len(summary["files"]) == 7 + 2 * 5 + 4
    assert summary["letters"] == 4
    assert summary["campaigns"][0]["id"] == "kazakhstan-2022"


def test_invalid_campaign_stops_everything_before_writing(run: Run, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "advocate: 1\nid: bad\n")
    out = tmp_path / "out"
    result = run("build", "kazakhstan-2022", str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert "bad.yaml:1:1: missing required key" in result.stderr
    assert not out.exists()


def test_two_campaigns_with_one_id_are_refused(kz_path: Path, tmp_path: Path) -> None:
    copy = write(tmp_path / "copy.yaml", kz_path.read_text(encoding="utf-8"))
    with pytest.raises(AdvocateError, match="two campaigns have the id 'kazakhstan-2022'"):
        build([kz_path, copy], tmp_path / "out")


def test_unknown_letter_format_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    result = run("build", "kazakhstan-2022", "-o", str(tmp_path / "o"), "--formats", "docx")
    assert result.exit_code == 2 and "unknown letter format(s): docx" in result.stderr


def test_no_documents_writes_only_the_letters_index_and_manifest(run: Run,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", "kazakhstan-2022", "--signers", str(SIGNERS), "-o", str(out),
                 "--formats", "txt,eml", "--no-documents", "--json")
    assert result.exit_code == 0, result.stderr
    folder = out / "kazakhstan-2022"
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert names == sorted(["index.html", "manifest.json"] + [
        f"letters/{i:05d}-{t}.{ext}" for i in (1, 2, 3, 5) for t in TARGETS
        for ext in ("eml", "txt")])
    summary = json.loads(result.stdout)
    assert sorted(summary["files"]) == sorted(f"kazakhstan-2022/{n}" for n in names)
    assert summary["file_count"] == len(names) and summary["letters"] == 16
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {entry["kind"] for entry in manifest["files"]} == {"letter", "index"}


def test_a_failure_in_a_worker_leaves_the_output_as_it_was(tmp_path: Path,
                                                           kz_path: Path) -> None:
    """Two worker processes; the third chunk of letters fails (a template that breaks on
    one writer's note) after the first two wrote their files into the staging folder."""
    rows = ["name,email,city,note,public"]
    rows += [f"Person {i},p{i}@example.org,Berlin,{'boom' if i == 9 else ''},yes"
             for i in range(1, 11)]
    signers = write(tmp_path / "signers.csv", "\n".join(rows) + "\n")
    wording = Path(__file__).parents[1] / "letter_templates" / "en" / "letter.md.j2"
    templates = tmp_path / "templates"
    write(templates / "en" / "letter.md.j2", wording.read_text(encoding="utf-8")
          + '{% if writer.note == "boom" %}{{ writer.no_such_field }}{% endif %}\n')
    out = tmp_path / "out"
    write(out / "keep.txt", "an earlier file")
    before = snapshot(out)
    with pytest.raises(AdvocateError) as info:
        build([kz_path], out, BuildOptions(jobs=2, formats=("pdf",), documents=False,
                                           templates=templates),
              signers=read_signers(signers))
    # It fails for one writer only, so its message is withheld (issue 13): place and row.
    assert "letter.md.j2: row 9: the template failed" in str(info.value)
    assert "boom" not in str(info.value)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_the_library_refuses_an_output_inside_a_template_folder(kz_path: Path,
                                                                tmp_path: Path) -> None:
    """The guard lives in build(), not only in the CLI: a script gets the same refusal."""
    pack = tmp_path / "pack"
    campaign = write(pack / "campaign.yaml", kz_path.read_text(encoding="utf-8"))
    (pack / "templates").mkdir()
    before = snapshot(pack)
    with pytest.raises(AdvocateError, match="refusing to write into the campaign folder"):
        build([campaign], pack / "templates" / "out")
    with pytest.raises(AdvocateError, match="input"):
        build([campaign], campaign)
    with pytest.raises(AdvocateError, match="unknown letter format"):
        build([campaign], tmp_path / "out", BuildOptions(formats=("docx",)))
    assert snapshot(pack) == before and not (tmp_path / "out").exists()


def test_the_index_carries_the_content_security_policy_even_from_a_pack(
        kz_path: Path, tmp_path: Path) -> None:
    """A pack's own index.html.j2 without a policy still gets one (one door for HTML)."""
    pack = tmp_path / "pack"
    campaign = write(pack / "campaign.yaml", kz_path.read_text(encoding="utf-8"))
    write(pack / "templates" / "index.html.j2",
          "<!DOCTYPE html><html><head><title>x</title></head><body>{{ signers }}</body></html>")
    build([campaign], tmp_path / "out", BuildOptions(documents=False, formats=("txt",)))
    index = (tmp_path / "out" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    head = index.split("</head>")[0]
    assert "Content-Security-Policy" in head and "default-src 'none'" in head


def test_build_tells_what_it_did(run: Run, tmp_path: Path) -> None:
    """Dropped duplicates counted, files numbered by the signer's row as the index shows
    it, and a letter over its page warned about by row and target, never by name."""
    signers = write(tmp_path / "s.csv", "name,email,city,note\n"
                    "Ada Lovelace,ada@example.org,London,\n"
                    "Ada Again,ADA@example.org,London,\n"
                    "Charles Babbage,charles@example.org,London," + "A long note. " * 260 + "\n")
    out = tmp_path / "out"
    result = run("build", "kazakhstan-2022", "--signers", str(signers), "--dedupe", "first",
                 "-o", str(out), "--formats", "pdf", "--no-documents", "--json", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["campaigns"][0]["dropped_duplicates"] == 1
    names = sorted(p.name for p in (out / "kazakhstan-2022" / "letters").iterdir())
    assert names[0].startswith("00001-") and names[-1].startswith("00003-")
    index = (out / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert '<th scope="row">Signer 3</th>' in index
    assert '<th scope="row">Signer 2</th>' not in index
    over = [w["message"] for w in summary["warnings"] if "runs to" in w["message"]]
    assert any("the letter to 'president' of signer row 3 runs to" in w for w in over), over
    assert not any("Babbage" in json.dumps(w) or "Charles" in json.dumps(w)
                   for w in summary["warnings"])
    plain = run("build", "kazakhstan-2022", "--signers", str(signers), "--dedupe", "first",
                "-o", str(tmp_path / "o2"), "--formats", "txt", "--no-documents")
    assert "(1 duplicate signer row dropped)" in plain.stderr


def test_forked_and_spawned_workers_write_the_same_letters(tmp_path: Path, kz_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Workers are forked from a single-threaded build (cheaper to start) and spawned
    otherwise: the PDF letters are the same bytes either way, and as rendered in process."""
    hashes: dict[str, dict[str, str]] = {}
    started: list[bool] = []

    def forks(fork: bool) -> bool:
        started.append(fork)
        return fork

    for name, jobs, fork in (("forked", 2, True), ("spawned", 2, False),
                             ("in process", 1, True)):
        monkeypatch.setattr(advocate.build.letters, "_pool_forks",
                            lambda f=fork: forks(f))
        out = tmp_path / name.replace(" ", "-")
        build([kz_path], out, BuildOptions(jobs=jobs, formats=("pdf",), documents=False),
              signers=read_signers(SIGNERS))
        manifest = json.loads((out / "kazakhstan-2022" / "manifest.json").read_text("utf-8"))
        hashes[name] = {e["path"]: e["sha256"] for e in manifest["files"]
                        if e["format"] == "pdf"}
    assert started == [True, False]  # jobs=1 renders in process, with no pool
    assert len(hashes["forked"]) == 16
    assert hashes["forked"] == hashes["spawned"] == hashes["in process"]


def test_forked_and_spawned_workers_write_the_same_text_letters(
        tmp_path: Path, kz_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text and email letters from forked workers (a build that loaded no fonts) are the
    same files, manifest and index as from spawned workers and from the build itself."""
    monkeypatch.setattr(advocate.build.letters, "POOL_MIN_LETTERS", 1)
    monkeypatch.setattr(advocate.build.letters, "TEXT_CHUNK", 3)  # several tasks a worker
    started: list[bool] = []
    trees: dict[str, dict[str, bytes]] = {}
    for name, jobs, fork in (("forked", 2, True), ("spawned", 2, False),
                             ("in process", 1, True)):
        monkeypatch.setattr(advocate.build.letters, "_pool_forks",
                            lambda f=fork: started.append(f) or f)
        out = tmp_path / name.replace(" ", "-")
        build([kz_path], out, BuildOptions(jobs=jobs, formats=("txt", "eml"), documents=False),
              signers=read_signers(SIGNERS))
        trees[name] = {str(p.relative_to(out)): p.read_bytes()
                       for p in sorted(out.rglob("*")) if p.is_file()}
    assert started == [True, False]
    assert sum(1 for path in trees["forked"] if path.endswith(".eml")) == 16
    assert trees["forked"] == trees["spawned"] == trees["in process"]


def test_forked_workers_are_sent_ranges_of_the_plan_they_inherited(
        tmp_path: Path, kz_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked worker has the plan already (it was made before the fork): its tasks are
    numbers, each range once and together every letter; spawned workers get the jobs."""
    from advocate.children import Pool

    monkeypatch.setattr(advocate.build.letters, "POOL_MIN_LETTERS", 1)
    monkeypatch.setattr(advocate.build.letters, "TEXT_CHUNK", 5)
    sent: dict[bool, list[tuple[str, tuple[Any, ...]]]] = {True: [], False: []}
    real_map = Pool.map

    for fork in (True, False):
        def recording(self: Pool, function: Any, tasks: Any, *, window: int | None = None,
                      f: bool = fork) -> Any:
            tasks = list(tasks)
            sent[f] += [(function.__name__, task) for task in tasks]
            return real_map(self, function, tasks, window=window)

        monkeypatch.setattr(Pool, "map", recording)
        monkeypatch.setattr(advocate.build.letters, "_pool_forks", lambda f=fork: f)
        build([kz_path], tmp_path / str(fork), BuildOptions(jobs=2, formats=("txt", "eml"),
                                                          documents=False),
              signers=read_signers(SIGNERS))
        assert "jobs" not in advocate.build.letters._worker  # not kept past the build
    ranges = [task[:2] for name, task in sent[True]]
    assert {name for name, _ in sent[True]} == {"_worker_range"}
    assert ranges == [(start, min(start + 5, 16)) for start in range(0, 16, 5)]
    assert {name for name, _ in sent[False]} == {"_worker_letters"}
    assert sum(len(task[0]) for _, task in sent[False]) == 16
    assert (tmp_path / "True").exists() and (tmp_path / "False").exists()
    first = {p.relative_to(tmp_path / "True"): p.read_bytes()
             for p in (tmp_path / "True").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "False"): p.read_bytes()
              for p in (tmp_path / "False").rglob("*") if p.is_file()}
    assert first == second


def test_workers_are_forked_only_from_a_single_thread() -> None:
    """A fork copies only the calling thread: with another one running, or once this
    process has rendered a PDF (Pango's and fontconfig's state), the workers are spawned.
    A fresh build process has one thread and no font configuration; importing WeasyPrint
    makes none; a build of text letters that never imported it forks too."""
    import subprocess
    import sys
    import threading

    code = ("import sys; from pathlib import Path; from advocate.build.letters import _pool_forks\n"
            "from advocate.render.pdf.engine import load_weasyprint, render_pdf\n"
            "if sys.argv[1] == 'imported':\n"
            "    load_weasyprint()\n"
            "if sys.argv[1] == 'rendered':\n"
            "    render_pdf('<p>a</p>', title='t', lang='en', base_dir=Path('.'))\n"
            "print('fork' if _pool_forks() else 'spawn')")
    methods = [subprocess.run([sys.executable, "-c", code, case], capture_output=True,
                              text=True, check=True, cwd=str(Path(__file__).parent)
                              ).stdout.strip()
               for case in ("pdf", "imported", "rendered", "text")]
    assert methods == ["fork", "fork", "spawn", "fork"]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not advocate.build.letters._pool_forks()
    finally:
        stop.set()
        other.join()


def test_a_large_index_comes_in_pages_with_the_documents_on_the_first(
        kz_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over INDEX_PAGE_ROWS letter rows: index.html then index-2.html, ... each with its
    slice of the rows, the links between them and the policy; the documents on page one."""
    monkeypatch.setattr(advocate.build.planning, "INDEX_PAGE_ROWS", 5)
    monkeypatch.setattr(advocate.build.index_pages, "PAGE_LINKS_AROUND", 1)
    out = tmp_path / "out"
    result = build([kz_path], out, BuildOptions(jobs=1, formats=("txt",)),
                   signers=read_signers(SIGNERS))
    folder = out / "kazakhstan-2022"
    rows = sum(1 for _ in (folder / "letters").glob("*.txt"))
    names = ["index.html", *(f"index-{n}.html" for n in range(2, -(-rows // 5) + 1))]
    assert len(names) >= 3
    assert sorted(p.name for p in folder.glob("index*.html")) == sorted(names)
    assert [f"kazakhstan-2022/{n}" for n in names] == \
        [p for p in result.files if "/index" in p]
    entries = json.loads((folder / "manifest.json").read_bytes())["files"]
    assert [e["path"] for e in entries if e["kind"] == "index"] == names
    for entry in entries:  # every page hashed like every other file
        data = (folder / entry["path"]).read_bytes()
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    pages = [(folder / name).read_text(encoding="utf-8") for name in names]
    assert 'href="brief.pdf"' in pages[0] and "<h2>Documents</h2>" in pages[0]
    for number, page in enumerate(pages, start=1):
        head = page.split("</head>")[0]
        assert "Content-Security-Policy" in head and "default-src 'none'" in head
        assert ("<h2>Documents</h2>" in page) == (number == 1)
        assert f"Page {number} of {len(names)}" in page
        assert page.count('<strong aria-current="page">') == 2  # the pager above and below
        shown = [n for n in range(1, len(names) + 1)
                 if n in (1, len(names)) or abs(n - number) <= 1]  # first, last, neighbours
        for other, name in enumerate(names, start=1):
            assert (f'>{other}</a>' in page) == (other in shown and other != number)
            assert (f'href="{name}"' in page) == (other in shown and other != number)
        assert ("…" in page) == (shown != list(range(1, len(names) + 1)))
        txt = re.findall(r'href="(letters/[^"]+\.txt)"', page)
        assert len(txt) == min(5, rows - 5 * (number - 1))
        first = 5 * (number - 1) + 1
        assert f"letters {first}–{first + len(txt) - 1}:" in page


def test_a_packs_index_gets_the_pages(kz_path: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack's own index.html.j2 is given the same paging variables (and no mailto: links,
    as ever); each of its pages gets the policy."""
    monkeypatch.setattr(advocate.build.planning, "INDEX_PAGE_ROWS", 4)
    pack = tmp_path / "pack"
    campaign = write(pack / "campaign.yaml", kz_path.read_text(encoding="utf-8"))
    write(pack / "templates" / "index.html.j2",
          "<!DOCTYPE html><html><head><title>x</title></head><body>"
          "{{ page }}/{{ pages }} {{ page_first }} {{ letters_total }} {{ letters | length }} "
          "{{ page_prev }} {{ page_next }} {{ page_files | join(',') }} {{ documents | length }} "
          "{% for l in letters %}{{ l.row }}:{{ l.mailto }};{% endfor %}</body></html>")
    build([campaign], tmp_path / "out", BuildOptions(documents=False, formats=("txt",), jobs=1),
          signers=read_signers(SIGNERS))
    folder = tmp_path / "out" / "kazakhstan-2022"
    rows = sum(1 for _ in (folder / "letters").glob("*.txt"))
    count = -(-rows // 4)
    names = ["index.html", *(f"index-{n}.html" for n in range(2, count + 1))]
    for number, name in enumerate(names, start=1):
        page = (folder / name).read_text(encoding="utf-8")
        assert "default-src 'none'" in page.split("</head>")[0]
        body = page.split("<body>")[1].split("</body>")[0]
        words = body.split(" ")
        shown = min(4, rows - 4 * (number - 1))
        assert words[:8] == [f"{number}/{count}", str(4 * (number - 1) + 1), str(rows),
                             str(shown), names[number - 2] if number > 1 else "None",
                             names[number] if number < count else "None", ",".join(names),
                             "0"]
        assert words[8].count(":None;") == shown  # no letter's text in a pack's page


def test_a_documents_pdf_warnings_reach_the_builds_result(tmp_path: Path) -> None:
    """The brief's warnings from its PDF render (a symbol no font draws) are the build's:
    they were read before the PDF was made, and lost."""
    from advocate.campaigns import bundled_folder

    text = (bundled_folder() / "kazakhstan-2022.yaml").read_text(encoding="utf-8")
    campaign = write(tmp_path / "campaign.yaml",
                     re.sub(r"largest city", "largest city \U0001F984", text, count=1))
    result = build([campaign], tmp_path / "out", BuildOptions(formats=("txt",)))
    assert any("no font draws these symbols" in p.message and "U+1F984" in p.message
               for p in result.warnings)
