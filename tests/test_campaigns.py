"""Finding campaigns: a path, or the id of a bundled campaign; `advocate list`'s catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocate.campaigns import bundled_folder, bundled_ids, catalogue, resolve_campaign
from advocate.errors import AdvocateError
from helpers import write


def test_the_bundled_campaign_ships_and_resolves_by_id() -> None:
    assert "kazakhstan-2022" in bundled_ids()
    path = resolve_campaign("kazakhstan-2022")
    assert path == bundled_folder() / "kazakhstan-2022.yaml" and path.is_file()


def test_a_path_is_used_as_given(tmp_path: Path) -> None:
    own = write(tmp_path / "mine.yaml", "advocate: 1\n")
    assert resolve_campaign(str(own)) == own


def test_a_missing_path_and_an_unknown_id_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(AdvocateError) as caught:
        resolve_campaign(str(tmp_path / "nope.yaml"))
    assert caught.value.problems[0].message == "no such file"
    with pytest.raises(AdvocateError) as caught:
        resolve_campaign("no-such-campaign")
    problem = caught.value.problems[0]
    assert problem.message == "no campaign file or bundled campaign named 'no-such-campaign'"
    assert problem.hint == f"bundled campaigns: {', '.join(bundled_ids())}"


def test_the_catalogue_lists_campaigns_languages_targets_and_templates() -> None:
    lines = catalogue()
    assert lines[0] == "Bundled campaigns:"
    assert lines[1].startswith("  kazakhstan-2022  Justice for Kazakhstan")
    assert lines[2] == "      languages: en, ru (not yet reviewed), kk (not yet reviewed)"
    assert lines[3] == ("      targets: president, prosecutor-general, interior-minister, "
                        "un-high-commissioner")
    assert ("  en: brief, card, casecards, followup, kit, letter, petition, poster, sheet, "
            "signin, tally") in lines
    assert any(line.startswith("  layouts: ") and "letter.html.j2" in line for line in lines)
