"""A target that has already acted on an ask is thanked for it, never urged to do it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import load_campaign
from advocate.text import markdown as markup

Run = Callable[..., Result]
THANKS = ('    thanks:\n      en: "Thank you for restoring the internet across the country."\n'
          '      ru: "Благодарю Вас за восстановление интернета по всей стране."\n'
          '      kk: "Елдегі интернетті қалпына келтіргеніңіз үшін рақмет."\n')


def with_stance(pack: Path, *, thanks: bool = True, acted: str = "[internet]") -> Path:
    text = pack.read_text(encoding="utf-8")
    if thanks:
        text = text.replace("  - id: internet\n", "  - id: internet\n" + THANKS, 1)
    text = text.replace("  - id: president\n", f"  - id: president\n    acted: {acted}\n", 1)
    pack.write_text(text, encoding="utf-8")
    return pack


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_the_letter_thanks_and_does_not_urge_what_was_done(pack: Path, lang: str) -> None:
    campaign = load_campaign(with_stance(pack))
    renderer = Renderer(campaign, day=date(2026, 1, 15))
    letters = [renderer.letter("president", Writer(f"W {i}", "Almaty", row=i), lang)
               for i in (1, 2, 3)]
    internet = {"en": "Keep the internet on", "ru": "Не отключать интернет",
                "kk": "Интернетті өшірмеу"}[lang]
    thanks = {"en": "Thank you for restoring the internet", "ru": "Благодарю Вас за "
              "восстановление интернета", "kk": "интернетті қалпына келтіргеніңіз"}[lang]
    for letter in letters:
        text = " ".join(letter.text().split())
        assert internet not in text and thanks in text
        assert "4. " in text and "5. " not in text  # four asks still urged
        assert letter.text() == markup.to_text(letter.markdown)  # the stencil's is exact
    # another target is still urged to keep the internet on
    other = renderer.letter("prosecutor-general", Writer("W", "Almaty", row=1), lang)
    assert thanks not in " ".join(other.text().split())


def test_a_target_that_did_everything_is_only_thanked(pack: Path) -> None:
    text = pack.read_text(encoding="utf-8")
    for ask in ("release", "investigation", "rights", "accountability"):
        text = text.replace(f"  - id: {ask}\n", f"  - id: {ask}\n    thanks: Thank you ({ask}).\n",
                            1)
    pack.write_text(text, encoding="utf-8")
    campaign = load_campaign(with_stance(
        pack, acted="[release, investigation, rights, accountability, internet]"))
    letter = Renderer(campaign).letter("president", None, "en")
    text = " ".join(letter.text().split())
    assert "urge" not in text and "1. " not in text
    assert "Thank you (release). Thank you (investigation)." in text


def test_a_stance_without_its_wording_is_an_error_at_its_place(pack: Path, run: Run) -> None:
    with_stance(pack, thanks=False)
    result = run("validate", str(pack))
    assert result.exit_code == 2
    line = next(n for n, text in enumerate(pack.read_text().splitlines(), 1)
                if "acted: [internet]" in text)
    assert f"{pack}:{line}:" in result.stderr
    assert "target 'president' has acted on ask 'internet', which has no thanks: wording" \
        in result.stderr
    with pytest.raises(AdvocateError):
        load_campaign(pack)


def test_an_unknown_acted_ask_is_located(pack: Path, run: Run) -> None:
    with_stance(pack, acted="[internt]")
    result = run("validate", str(pack))
    assert result.exit_code == 2
    assert "unknown ask 'internt' (did you mean 'internet'?)" in result.stderr


def test_check_counts_an_ask_thanked_everywhere_as_sent(pack: Path, run: Run) -> None:
    with_stance(pack)
    result = run("check", str(pack), "--no-pdf")
    assert "goes to no target" not in result.stderr
    assert "leaves out ask 'internet'" not in result.stderr
