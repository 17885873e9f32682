"""The wheel: built from this checkout, installed into a fresh environment, run elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(dist), str(ROOT)], check=True, capture_output=True)
    (found,) = dist.glob("advocate_toolkit-*.whl")
    return found


def test_wheel_ships_templates_campaigns_and_fonts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("advocate/campaigns/kazakhstan-2022.yaml",
                     "advocate/letter_templates/en/letter.md.j2",
                     "advocate/letter_templates/kk/brief.md.j2",
                     "advocate/site/strings.json", "advocate/site/site.js",
                     "advocate/letter_templates/letter.html.j2",
                     "advocate/fonts/NotoSerif-Regular.ttf", "advocate/fonts/OFL.txt",
                     "advocate/py.typed", "advocate/schemas/build-1.schema.json",
                     "advocate/schemas/manifest-1.schema.json"):
        assert required in names, required
    assert not any("tests/" in name or ".venv" in name for name in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: advocate-toolkit" in text
    assert "Requires-Dist: jinja2>=3.1.6" in text and "Requires-Dist: weasyprint>=70" in text
    assert "License-Expression: Apache-2.0 AND OFL-1.1" in text
    assert "Classifier: Typing :: Typed" in text
    licences = {name.rsplit("/", 1)[-1] for name in names if "/licenses/" in name}
    assert {"LICENSE", "OFL.txt"} <= licences, licences


def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    # Dependencies come from this environment's site-packages (no network); advocate itself
    # only from the wheel: a path added by a .pth file does not run that folder's .pth files,
    # so the editable install of the checkout stays invisible.
    site = Path(sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})
                ["purelib"])
    site.mkdir(parents=True, exist_ok=True)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True,
                   capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1768435200", "PYTHONPATH": ""}
    where = subprocess.run([str(env_dir / "bin" / "python"), "-c",
                            "import advocate; print(advocate.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(site))
    result = subprocess.run([str(env_dir / "bin" / "advocate"), "letter", "kazakhstan-2022",
                             "--to", "president", "--name", "A. Writer", "--city", "Berlin",
                             "--lang", "en"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    golden = ROOT / "tests" / "golden" / "letter-president-en.txt"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_the_library_api_names_resolve_to_what_they_say() -> None:
    """Every name in ``advocate.__all__`` resolves, and the batch and the check are there
    for scripts (the CLI is a thin layer over them)."""
    import advocate
    import advocate.build  # the submodule must not shadow the exported function
    import advocate.check

    for name in advocate.__all__:
        assert getattr(advocate, name) is not None, name
    assert advocate.build_campaigns is advocate.build.build
    assert advocate.check_campaign is advocate.check.check_campaign
