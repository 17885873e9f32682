"""Safe output: file names, atomic no-clobber writes, staged batches, guards, CSV cells.

Catalogue items 33-36 of threats.md, on real files in tmp_path.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocate.errors import AdvocateError
from advocate.output import files as output
from advocate.output.files import guard_output, safe_output_name, write_file
from advocate.output.staging import StagedOutput, write_staged
from advocate.signers import read_signers
from advocate.signers.export import csv_cell

FIXTURES = Path(__file__).parents[1] / "fixtures" / "signers"
RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)}


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under root with its bytes, mtime and mode: 'untouched' means equal."""
    result = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            st_ = path.lstat()
            data = path.read_bytes() if path.is_file() else b"<link>"
            result[str(path.relative_to(root))] = (data, st_.st_mtime_ns, st_.st_mode)
    return result


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.rglob("*") if p.name.startswith(".advocate-")]


# --------------------------------------------------------------------------- names


def test_default_name_is_the_index_only() -> None:
    assert safe_output_name(17, "pdf") == "00017.pdf"
    assert safe_output_name(17, ".eml") == "00017.eml"
    assert safe_output_name(123456, "txt") == "123456.txt"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("José Núñez", "00017-jose-nunez.pdf"),
        ("../../.bashrc", "00017-bashrc.pdf"),
        ("..", "00017.pdf"),
        (".", "00017.pdf"),
        ("", "00017.pdf"),
        ("CON", "00017-con.pdf"),
        ("nul", "00017-nul.pdf"),
        ("x\u202egpj.exe", "00017-xgpj-exe.pdf"),
        ("a/b\\c", "00017-a-b-c.pdf"),
        ("é" * 300, "00017-" + "e" * 40 + ".pdf"),
        ("Айгерим Садыкова", "00017.pdf"),  # no ASCII form: index only, no guessing
        (
            "Aigerim Sadykova-Nurlanovna of Almaty and Astana",
            "00017-aigerim-sadykova-nurlanovna-of-almaty.pdf",
        ),
        ("=HYPERLINK(1)", "00017-hyperlink-1.pdf"),
    ],
)
def test_labelled_names(label: str, expected: str) -> None:  # catalogue 33
    assert safe_output_name(17, "pdf", label) == expected


def test_hostile_fixture_names_land_inside_outdir(tmp_path: Path) -> None:  # catalogue 33
    signers = read_signers(FIXTURES / "hostile-names.csv")
    out = tmp_path / "out"
    with StagedOutput(out) as stage:
        for signer in signers:
            stage.add(safe_output_name(signer.row, "pdf", signer.name), b"%PDF-1.7\n")
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == len(signers) == 9
    assert all(p.parent == out for p in stage.published)
    assert {p.name for p in tmp_path.iterdir()} == {"out"}
    # José and Jose: distinct files, never an overwrite.
    assert "00008-jose.pdf" in names and "00009-jose.pdf" in names


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        safe_output_name(-1, "pdf")
    with pytest.raises(ValueError):
        safe_output_name(True, "pdf")
    with pytest.raises(ValueError):
        safe_output_name(1, "p/df")
    with pytest.raises(ValueError):
        safe_output_name(10**200, "pdf")


@settings(max_examples=400, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=10**9),
    label=st.one_of(st.none(), st.text(max_size=300)),
    ext=st.sampled_from(["pdf", ".txt", "eml", "html", "md"]),
)
def test_safe_output_name_property(index: int, label: str | None, ext: str) -> None:
    name = safe_output_name(index, ext, label)
    assert len(name.encode("utf-8")) <= 100
    assert name.isascii() and name.isprintable()
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and not name.startswith("-")
    assert name not in (".", "..")
    assert name.split(".")[0].casefold() not in RESERVED
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in name)
    assert name.count(".") == 1 and name.endswith("." + ext.lstrip("."))
    assert name.startswith(f"{index:05d}")
    assert Path(name).name == name


# --------------------------------------------------------------------------- csv cells


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x/?"&B2,"click")', '\'=HYPERLINK("http://x/?"&B2,"click")'),
        ("+447700900123", "'+447700900123"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("Aigerim", "Aigerim"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_csv_cell(value: str, expected: str) -> None:  # catalogue 29
    assert csv_cell(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_csv_cell_never_starts_with_a_trigger(value: str) -> None:
    cell = csv_cell(value)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")
    assert cell.endswith(value)


# --------------------------------------------------------------------------- write_file


def test_write_file_creates_private_file(tmp_path: Path) -> None:
    path = write_file(tmp_path / "brief.pdf", b"%PDF")
    assert path.read_bytes() == b"%PDF"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []
    public = write_file(tmp_path / "brief2.pdf", b"x", mode=0o644)
    assert stat.S_IMODE(public.stat().st_mode) == 0o644


def test_write_file_refuses_to_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # catalogue 34
    Path("out.pdf").write_bytes(b"old")
    before = snapshot(tmp_path)
    with pytest.raises(AdvocateError) as info:
        write_file(Path("out.pdf"), b"new")
    assert str(info.value) == "out.pdf: already exists (use --force to overwrite)"
    assert snapshot(tmp_path) == before
    write_file(Path("out.pdf"), b"new", force=True)
    assert Path("out.pdf").read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_write_file_does_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"keep")
    (tmp_path / "out.pdf").symlink_to(secret)
    with pytest.raises(AdvocateError, match="exists"):
        write_file(tmp_path / "out.pdf", b"new")
    write_file(tmp_path / "out.pdf", b"new", force=True)
    assert secret.read_bytes() == b"keep"
    assert not (tmp_path / "out.pdf").is_symlink()


def test_write_file_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AdvocateError) as info:
        write_file(Path("nowhere/out.pdf"), b"x")
    assert str(info.value) == (
        "nowhere: folder does not exist (create it first, or choose another -o)"
    )
    Path("dir.pdf").mkdir()
    with pytest.raises(AdvocateError) as info:
        write_file(Path("dir.pdf"), b"x")
    assert str(info.value) == "dir.pdf: is a folder (give a file name)"


@pytest.mark.parametrize("force", [False, True])
def test_write_file_disk_full_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool
) -> None:
    # Tests run as root, where chmod cannot make a folder read-only: simulate the OS error.
    monkeypatch.chdir(tmp_path)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output.os, "replace" if force else "link", full)
    with pytest.raises(AdvocateError) as info:
        write_file(Path("brief.pdf"), b"%PDF" * 1000, force=force)
    assert str(info.value) == (
        "brief.pdf: cannot write: No space left on device "
        "(the disk is full; free some space and try again)"
    )
    assert list(tmp_path.iterdir()) == []


def test_write_file_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(output.tempfile, "mkstemp", read_only)
    with pytest.raises(AdvocateError) as info:
        write_file(Path("brief.pdf"), b"x")
    assert str(info.value) == (
        "brief.pdf: cannot write: Permission denied "
        "(the folder is not writable; choose another output path)"
    )


def test_write_file_without_hard_links_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")  # what FAT/exFAT say

    monkeypatch.setattr(output.os, "link", no_links)
    path = write_file(tmp_path / "a.pdf", b"data")
    assert path.read_bytes() == b"data"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(AdvocateError, match="exists"):
        write_file(tmp_path / "a.pdf", b"other")
    assert path.read_bytes() == b"data"
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- StagedOutput


def test_staged_output_publishes_everything(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StagedOutput(out) as stage:
        stage.planned(["kazakhstan-2022/brief.pdf", "kazakhstan-2022/letters/00001.txt"])
        assert stage.add("kazakhstan-2022/brief.pdf", b"%PDF") == out / "kazakhstan-2022/brief.pdf"
        stage.add("kazakhstan-2022/letters/00001.txt", "Уважаемый".encode())
        assert not (out / "kazakhstan-2022").exists()  # nothing visible before the end
    assert stage.published == [
        out / "kazakhstan-2022/brief.pdf",
        out / "kazakhstan-2022/letters/00001.txt",
    ]
    assert (out / "kazakhstan-2022/letters/00001.txt").read_text() == "Уважаемый"
    assert stat.S_IMODE((out / "kazakhstan-2022/brief.pdf").stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_exception_midway_leaves_outdir_unchanged(tmp_path: Path) -> None:  # catalogue 35
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="render failed"), StagedOutput(out) as stage:
        for i in range(1, 11):
            if i == 5:
                raise RuntimeError("render failed at signer 5")
            stage.add(f"k/letters/{i:05d}.txt", b"letter")
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert leftovers(tmp_path) == []


def test_exception_removes_a_new_outdir(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with pytest.raises(KeyboardInterrupt), StagedOutput(out) as stage:
        stage.add("a.txt", b"a")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_planned_lists_every_clobber(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # catalogue 34
    out = Path("out")
    (out / "kazakhstan-2022").mkdir(parents=True)
    (out / "kazakhstan-2022/brief.pdf").write_bytes(b"old brief")
    (out / "00001.pdf").write_bytes(b"old letter")
    before = snapshot(tmp_path)
    with pytest.raises(AdvocateError) as info, StagedOutput(out) as stage:
        stage.planned(["kazakhstan-2022/brief.pdf", "00001.pdf", "00002.pdf"])
    assert str(info.value) == (  # one line with a count, not one per file
        "out: 2 files from an earlier build already exist (use --force to overwrite them)")
    assert snapshot(tmp_path) == before
    assert leftovers(tmp_path) == []


def test_add_refuses_existing_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "00001.pdf").write_bytes(b"old")
    before = snapshot(tmp_path)
    with pytest.raises(AdvocateError, match="already exists"), StagedOutput(out) as stage:
        stage.add("00002.pdf", b"new")
        stage.add("00001.pdf", b"new")
    assert snapshot(tmp_path) == before
    assert leftovers(tmp_path) == []


def test_force_replaces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "00001.pdf").write_bytes(b"old")
    with StagedOutput(out, force=True) as stage:
        stage.planned(["00001.pdf"])
        stage.add("00001.pdf", b"new")
    assert (out / "00001.pdf").read_bytes() == b"new"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("force", [False, True])
def test_publish_failure_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, force: bool
) -> None:
    out = tmp_path / "out"
    (out / "k").mkdir(parents=True)
    (out / "k/00002.pdf").write_bytes(b"old two")
    before = snapshot(tmp_path)
    real_link, real_replace, real_rename = os.link, os.replace, os.rename
    calls = {"n": 0}

    def flaky(fn):  # type: ignore[no-untyped-def]
        def wrapper(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            if ".backup" not in str(dst) and ".backup" not in str(src):
                calls["n"] += 1
                if calls["n"] == 3:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return fn(src, dst, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(output.os, "link", flaky(real_link))
    monkeypatch.setattr(output.os, "replace", flaky(real_replace))
    monkeypatch.setattr(output.os, "rename", flaky(real_rename))  # k/new/ goes whole, first
    names = ["k/00001.pdf", "k/00003.pdf", "k/new/00004.pdf"]
    if force:
        names.append("k/00002.pdf")
    with pytest.raises(AdvocateError) as info, StagedOutput(out, force=force) as stage:
        for name in names:
            stage.add(name, b"new")
    assert "cannot write: No space left on device" in str(info.value)
    assert snapshot(tmp_path) == before
    assert not (out / "k/new").exists()
    assert leftovers(tmp_path) == []


def test_collisions_and_unsafe_paths(tmp_path: Path) -> None:
    with StagedOutput(tmp_path / "out") as stage:
        stage.add("a/Brief.pdf", b"x")
        with pytest.raises(AdvocateError, match="same file name"):
            stage.add("a/brief.PDF", b"y")  # same file on macOS and Windows
        with pytest.raises(AdvocateError, match="same file name"):
            stage.add("a/Brief.pdf/x.txt", b"y")
        for bad in [
            "../x.pdf",
            "/etc/x",
            ".hidden",
            "a//b",
            "a\\b",
            "CON.pdf",
            "a/nul",
            "x.",
            "",
            "a/./b",
            "é.pdf",
            "x\u202e.pdf",
        ]:
            with pytest.raises(AdvocateError) as info:
                stage.add(bad, b"z")
            assert str(info.value).startswith("unsafe output path (")
    assert [p.name for p in stage.published] == ["Brief.pdf"]


def test_planned_duplicates_and_file_in_the_way(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "k").write_bytes(b"a file where a folder should be")
    with pytest.raises(AdvocateError) as info, StagedOutput(out) as stage:
        stage.planned(["a.pdf", "A.pdf", "k/brief.pdf"])
    assert [p.message for p in info.value.problems] == [
        "two outputs would have the same file name",
        "not a folder",
    ]


def test_symlinked_subfolder_escape_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "k").symlink_to(elsewhere)
    with pytest.raises(AdvocateError) as info, StagedOutput(out, force=True) as stage:
        stage.add("k/letters/00001.txt", b"x")
    assert "refusing to write outside the output folder" in str(info.value)
    assert list(elsewhere.iterdir()) == []
    assert leftovers(tmp_path) == []


def test_outdir_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"")
    with pytest.raises(AdvocateError, match="not a folder"), StagedOutput(tmp_path / "out"):
        pass


def test_add_outside_with_block(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        StagedOutput(tmp_path).add("a.txt", b"")


# --------------------------------------------------------------------------- guard_output


def test_guard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # catalogue 36
    monkeypatch.chdir(tmp_path)
    pack = Path("campaigns/kz")
    (pack / "templates").mkdir(parents=True)
    (pack / "campaign.yaml").write_text("advocate: 1\n")
    signers = Path("signers.csv")
    signers.write_text("name\nAna\n")
    Path("link.csv").symlink_to(signers)
    Path("escape").symlink_to(pack / "templates")
    inputs = [pack / "campaign.yaml", signers]

    guard_output(Path("out/brief.pdf"), inputs=inputs, forbidden_dirs=[pack])
    guard_output(Path("out"), inputs=inputs, forbidden_dirs=[pack])

    for bad in [signers, Path("link.csv"), Path("./campaigns/../signers.csv")]:
        with pytest.raises(AdvocateError) as info:
            guard_output(bad, inputs=inputs, forbidden_dirs=[pack])
        assert info.value.first.message == "refusing to overwrite an input file"
    for bad in [pack, pack / "out", Path("escape/letter.pdf"), pack / "campaign.yaml.pdf"]:
        with pytest.raises(AdvocateError) as info:
            guard_output(bad, inputs=inputs, forbidden_dirs=[pack])
        assert str(info.value) == (
            f"{bad}: refusing to write into the campaign folder "
            f"({pack} holds campaign or template files; choose an output outside it)"
        )


def test_guard_output_hard_link(tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name\nAna\n")
    os.link(signers, tmp_path / "copy.csv")
    with pytest.raises(AdvocateError, match="input file"):
        guard_output(tmp_path / "copy.csv", inputs=[signers])


def test_write_file_hash_unchanged_after_refusal(tmp_path: Path) -> None:
    target = tmp_path / "00001.pdf"
    target.write_bytes(b"%PDF original")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    mtime = target.stat().st_mtime_ns
    with pytest.raises(AdvocateError):
        write_file(target, b"%PDF new")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert target.stat().st_mtime_ns == mtime


def test_a_new_folder_is_published_whole_with_one_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "k").mkdir(parents=True)
    (out / "k/brief.pdf").write_bytes(b"old")
    renames: list[tuple[str, str]] = []
    real_rename = os.rename

    def rename(src, dst):  # type: ignore[no-untyped-def]
        renames.append((Path(src).name, str(Path(dst).resolve().relative_to(out.resolve()))))
        return real_rename(src, dst)

    monkeypatch.setattr(output.os, "rename", rename)
    names = [f"k/letters/{i:05d}-president.{ext}" for i in range(1, 51) for ext in ("txt", "eml")]
    with StagedOutput(out, force=True) as stage:
        for name in names:
            write_staged(stage.staging, name, name.encode())
            stage.adopt(name)
        stage.add("k/brief.pdf", b"new")
    assert renames == [("letters", "k/letters")]  # 100 files, one rename; brief.pdf linked
    assert sorted(p.relative_to(out).as_posix() for p in stage.published) == sorted(
        [*names, "k/brief.pdf"])
    for name in names:
        path = out / name
        assert path.read_bytes() == name.encode()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (out / "k/brief.pdf").read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_a_folder_holding_a_stray_file_is_published_file_by_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StagedOutput(out) as stage:
        write_staged(stage.staging, "k/letters/00001-a.txt", b"one")
        stage.adopt("k/letters/00001-a.txt")
        write_staged(stage.staging, "k/letters/stray.txt", b"not adopted")
    assert (out / "k/letters/00001-a.txt").read_bytes() == b"one"
    assert not (out / "k/letters/stray.txt").exists()  # never claimed: never published
    assert leftovers(tmp_path) == []


def test_the_output_folder_is_resolved_once(tmp_path: Path) -> None:
    """Issue 13: swapping the output folder for a symlink mid-batch must not publish (or
    stage) anything where the link leads."""
    out, moved, elsewhere = tmp_path / "out", tmp_path / "out-real", tmp_path / "elsewhere"
    elsewhere.mkdir()
    with StagedOutput(out) as stage:
        stage.add("k/a.txt", b"a\n")
        out.rename(moved)
        out.symlink_to(elsewhere)
        stage.add("k/b.txt", b"b\n")
    assert list(elsewhere.rglob("*")) == []
    assert sorted(p.name for p in moved.rglob("*.txt")) == ["a.txt", "b.txt"]
    assert not list(moved.glob(".advocate-*"))
