"""Shared fixtures: the bundled campaign, a CLI runner, golden files, a fixed date."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from advocate.campaigns import bundled_folder
from advocate.cli import app
from advocate.schema.campaign import Campaign, load_campaign

# CI runs the property tests with a fixed seed, so a run is repeatable; locally they explore.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

GOLDEN = Path(__file__).parent / "golden"
FIXED_DAY = date(2026, 1, 15)
FIXED_EPOCH = "1768435200"  # 2026-01-15T00:00:00Z


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files from the current output")


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters carry a date: fix it so outputs are comparable."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test starts with an empty letter cache of its own (render/letter_cache.py), never
    the user's: a test sees the first run's full render, and tests cannot feed each other.
    The cache is off, as it is for users; its own tests turn it on."""
    monkeypatch.delenv("ADVOCATE_NO_CACHE", raising=False)
    monkeypatch.delenv("ADVOCATE_CACHE", raising=False)  # off, as for users (issue 23)
    monkeypatch.setenv("ADVOCATE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _no_weasyprint_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Like WeasyPrint's own tests: any WARNING or worse from it fails the test."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    records = [r for r in caplog.get_records("call") if r.name.startswith("weasyprint")
               and r.levelno >= logging.WARNING]
    assert not records, [r.getMessage() for r in records]


@pytest.fixture(scope="session")
def kz_path() -> Path:
    return bundled_folder() / "kazakhstan-2022.yaml"


@pytest.fixture(scope="session")
def kz(kz_path: Path) -> Campaign:
    return load_campaign(kz_path)


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with ``tests/golden/NAME``; ``--update-golden`` rewrites it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {name}: run `make golden`"
        assert text == path.read_text(encoding="utf-8"), \
            f"{name} differs from its golden file (run `make golden` if the change is intended)"

    return check


@pytest.fixture
def pack(tmp_path: Path, kz_path: Path) -> Path:
    """A copy of the bundled campaign in its own folder (a campaign pack)."""
    folder = tmp_path / "pack"
    folder.mkdir()
    shutil.copy(kz_path, folder / "campaign.yaml")
    return folder / "campaign.yaml"
