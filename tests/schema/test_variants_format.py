"""A campaign's variants: (schema/variants.py): every variant of a slot says the same things
in other words, each problem at its place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import load_campaign, load_campaign_checked
from campaign_fixtures import CAMPAIGN_FIXTURES
from conftest import FIXED_DAY
from helpers import write

VARIED = CAMPAIGN_FIXTURES / "varied.yaml"  # a campaign with variants:, in English and Arabic
BASE, _, _rest = VARIED.read_text(encoding="utf-8").partition("variants:\n")
VARIANTS = "variants:\n" + _rest
N = BASE.count("\n")  # the line before "variants:"


def problems(tmp_path: Path, variants: str) -> list[str]:
    path = write(tmp_path / "bad.yaml", BASE + variants)
    with pytest.raises(AdvocateError) as caught:
        load_campaign(path)
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


def test_every_variant_of_a_slot_uses_the_same_placeholders(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
variants:
  opening:
    - "To {target}, about {ask:free}."
    - "To {target}, about {ask:probe}."
    - "About {ask:free}."
""")
    assert found == [
        f"{N + 4}:7: " "variants.opening.1: uses {ask:probe}, {target}, but "
        "variants.opening.0 uses {ask:free}, {target}",
        f"{N + 5}:7: " "variants.opening.2: uses {ask:free}, but variants.opening.0 uses "
        "{ask:free}, {target}"]


@pytest.mark.parametrize(("text", "message"), [
    ('"See https://example.org for more."', "holds a web or mail address"),
    ('"Write to me at a@example.org."', "holds a web or mail address"),
    ('"Visit www.example.org."', "holds a web or mail address"),
    ('"About {ask:nothing}."', "no ask 'nothing'"),
    ('"About {source}."', "{source} needs an id"),
    ('"About {writer}."', "unknown placeholder {writer}"),
    ('"A { brace."', "has a brace that is not a placeholder"),
    ('" padded"', "starts or ends with spaces"),
    ('"two\\nlines"', "must be one line"),
    ('"\\U000F00F1"', "private-use character"),
])
def test_a_variant_that_adds_or_breaks_something_is_refused_where_it_is(
        tmp_path: Path, text: str, message: str) -> None:
    found = problems(tmp_path, f"variants:\n  opening:\n    - Fine.\n    - {text}\n")
    assert len(found) == 1
    assert found[0].startswith(f"{N + 4}:7: variants.opening.1: ") and message in found[0], found


def test_slot_names_counts_and_shapes(tmp_path: Path) -> None:
    assert problems(tmp_path, "variants:\n  Sign-Off: [x]\n") == [
        f"{N + 2}:3: 'Sign-Off' is not a slot name"]
    assert problems(tmp_path, "variants:\n  opening: []\n") == [
        f"{N + 2}:12: " "opening: expected a list of variants (each a text or "
        "{language: text}), or a list of them per language code"]
    many = "variants:\n" + "".join(f"  s{i}: [x]\n" for i in range(17))
    assert "variants: 17 slots, at most 16" in problems(tmp_path, many)[0]


def test_cli_validate_says_where_and_exits_2(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = write(tmp_path / "bad.yaml", BASE + 'variants:\n  thanks: ["Thanks.", '
                 '"Thanks, see http://x.org"]\n')
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:{N + 2}:23: variants.thanks.1: holds a web or mail address" in result.stderr


def test_a_translation_without_its_own_list_falls_back_with_a_located_warning(
        tmp_path: Path) -> None:
    _, warnings = load_campaign_checked(write(tmp_path / "v.yaml", BASE + VARIANTS))
    found = [f"{w.line}:{w.column}: {w.message}" for w in warnings if "urge" in w.message]
    assert found == [f"{N + 8}:3: variants.urge: no ar variants"]
    renderer = Renderer(load_campaign(tmp_path / "v.yaml"), day=FIXED_DAY)
    letter = renderer.letter("minister", Writer(name="A", city="B"), "ar")
    assert any(w.message == "variants.urge: no 'ar' variants; using 'en'" and w.line == N + 8
               for w in letter.warnings)
