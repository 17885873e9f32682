"""Size limits: a million-row list fits the default, --max-signers-size is the knob."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.signers import MAX_BYTES, SignerReader, parse_size


def test_the_default_admits_a_million_signers_with_a_short_note() -> None:
    row = "Firstname Lastname-Doublename,firstname.lastname@example.org,Berlin,DE,"
    row += "I followed the events of January 2022 closely and I ask you to act.,yes\n"
    assert len(row.encode()) * 1_000_000 < MAX_BYTES


def test_max_signers_size(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s.csv").write_text("name\n" + "Ana\n" * 30, encoding="utf-8")
    result = run("validate", "kazakhstan-2022", "--signers", "s.csv",
                 "--max-signers-size", "100")
    assert result.exit_code == 2
    assert "s.csv: file too large (125 bytes; the limit is 100; raise it with " \
        "--max-signers-size)" in result.stderr
    result = run("validate", "kazakhstan-2022", "--signers", "s.csv",
                 "--max-signers-size", "1k")
    assert result.exit_code == 0, result.stderr
    result = run("validate", "kazakhstan-2022", "--signers", "s.csv",
                 "--max-signers-size", "lots")
    assert result.exit_code == 2
    assert "--max-signers-size: not a size: 'lots' (for example 512M, 2G or 300000000)" \
        in result.stderr


@pytest.mark.parametrize(("text", "size"), [("512M", 512 * 2**20), ("2G", 2 * 2**30),
                                            ("300MB", 300 * 2**20), ("1.5GiB", 3 * 2**29),
                                            ("123456", 123_456)])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_problems_are_counted_not_all_kept(tmp_path: Path) -> None:
    # 3,000 bad rows: the message shows 50 and counts the rest; memory holds at most 1,000.
    path = tmp_path / "s.csv"
    path.write_text("name,email\n" + "".join(f"S{i},bad{i}\n" for i in range(3_000)),
                    encoding="utf-8")
    reader = SignerReader(path)
    with pytest.raises(Exception) as info:
        list(reader)
    problems = info.value.problems  # type: ignore[attr-defined]
    assert len(problems) == 51
    assert str(problems[-1]).endswith("and 2950 more problems")
