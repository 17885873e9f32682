"""`advocate new`: a skeleton that validates, never written over anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advocate.errors import AdvocateError
from advocate.scaffold import scaffold
from advocate.schema.campaign import load_campaign_checked


def test_the_skeleton_validates_and_carries_its_id(tmp_path: Path) -> None:
    (path,) = scaffold("free-the-press", tmp_path)
    assert path == tmp_path / "free-the-press.yaml"
    campaign, _ = load_campaign_checked(path)
    assert campaign.id == "free-the-press"


def test_templates_are_copied_to_edit_when_asked(tmp_path: Path) -> None:
    written = scaffold("x", tmp_path, templates=True)
    assert written == [tmp_path / "x.yaml", tmp_path / "templates"]
    assert (tmp_path / "templates" / "en" / "letter.md.j2").is_file()


@pytest.mark.parametrize("name", ["Free", "free_press", "-x", "a--b", "../x", ""])
def test_a_name_that_is_not_an_id_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(AdvocateError, match="is not a campaign id"):
        scaffold(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_overwritten(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("mine", encoding="utf-8")
    with pytest.raises(AdvocateError, match="file exists"):
        scaffold("x", tmp_path)
    assert (tmp_path / "x.yaml").read_text(encoding="utf-8") == "mine"
    (tmp_path / "templates").mkdir()
    with pytest.raises(AdvocateError, match="folder exists"):
        scaffold("y", tmp_path, templates=True)
    assert not (tmp_path / "y.yaml").exists()


def _tree(folder: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() and not p.is_symlink()
                                         else "link" if p.is_symlink() else "dir")
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("link", ["templates", "templates/az"])
def test_new_lang_never_writes_through_a_linked_folder(tmp_path: Path, link: str,
                                                       run) -> None:  # type: ignore[no-untyped-def]
    """A linked templates/ (or templates/LANG) sent the four wording files outside --dir."""
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    if link != "templates":
        (work / "templates").mkdir()
    (work / link).symlink_to(elsewhere)
    before, outside = _tree(work), _tree(elsewhere)
    result = run("new", "--lang", "az", "--dir", str(work))
    assert result.exit_code == 2
    assert f"{link}: refused: a link or not a folder" in result.stderr
    assert _tree(work) == before and _tree(elsewhere) == outside


def test_new_lang_never_writes_through_a_dangling_file_link(tmp_path: Path,
                                                            run) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "templates" / "az").mkdir(parents=True)
    (tmp_path / "templates" / "az" / "brief.md.j2").symlink_to(tmp_path / "planted.md")
    result = run("new", "--lang", "az", "--dir", str(tmp_path))
    assert result.exit_code == 2 and "brief.md.j2: file exists" in result.stderr
    assert not (tmp_path / "planted.md").exists()
    assert sorted(p.name for p in (tmp_path / "templates" / "az").iterdir()) == ["brief.md.j2"]


def test_new_lang_writes_all_four_or_none(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from advocate import scaffold as module

    real = os.fdopen
    calls = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(module.os, "fdopen", failing)
    with pytest.raises(OSError):
        module.wording_templates("az", tmp_path)
    assert list((tmp_path / "templates" / "az").iterdir()) == []
