"""The catalogue's fixtures: a pack to attack, limits in seconds, a decompression bomb."""


from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from catalogue import Cli, shorten_limits
from PIL import Image

from advocate.campaigns import bundled_folder
from helpers import write


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> Iterator[Cli]:
    """A pack (the bundled campaign as pack/campaign.yaml), out/ holding one file, cwd there."""
    (tmp_path / "pack" / "templates").mkdir(parents=True)
    shutil.copyfile(bundled_folder() / "kazakhstan-2022.yaml", tmp_path / "pack" / "campaign.yaml")
    write(tmp_path / "out" / "keep.txt", "an earlier file\n")
    monkeypatch.chdir(tmp_path)
    yield Cli(tmp_path, caplog)


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items 9 and 12 in seconds, not minutes."""
    shorten_limits(monkeypatch.setattr)


@pytest.fixture(scope="session")
def bomb_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Item 7: 20000 x 20000 pixels, a few hundred KB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "big.png"
    Image.new("1", (20000, 20000)).save(path, compress_level=1)
    return path

