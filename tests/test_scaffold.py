"""`advocate new`: a skeleton that validates, never written over anything."""

from __future__ import annotations

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
