"""Stencils: a letter filled in from a stencil is the letter a full render gives, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign
from advocate.templates.host import make_environment
from advocate.templates.stencil import StencilCache, stencil_safe
from conftest import FIXED_DAY
from helpers import write

TARGETS = ["president", "prosecutor-general", "interior-minister", "un-high-commissioner"]
LANGS = ["en", "ru", "kk"]


_FULL: dict[int, Renderer] = {}


def full(renderer: Renderer, target: str, writer: Writer | None, lang: str) -> tuple[str, str,
                                                                                      str | None]:
    """The letter as a full render gives it: a renderer with an empty stencil cache renders
    the first letter of each kind in full (one renderer per campaign, so its templates are
    compiled once for all the generated examples)."""
    fresh = _FULL.get(id(renderer.campaign))
    if fresh is None or fresh.campaign is not renderer.campaign:
        fresh = _FULL[id(renderer.campaign)] = Renderer(renderer.campaign, day=FIXED_DAY)
    fresh.stencils = StencilCache(fresh.env)
    letter = fresh.letter(target, writer, lang)
    return letter.markdown, letter.text(), letter.subject


def stencilled(renderer: Renderer, target: str, writer: Writer | None,
               lang: str) -> tuple[str, str, str | None]:
    renderer.letter(target, writer, lang)  # the first of its kind renders in full
    letter = renderer.letter(target, writer, lang)
    return letter.markdown, letter.text(), letter.subject


# Values that test the escaping and wrapping: Markdown syntax, line starts, numbers, long
# words, line breaks in a note, characters stencils themselves use.
tricky = st.sampled_from([
    "A. Writer", "- dash", "1. one", "# hash", "*star*", "_under_", "[link](x)", "a\\b",
    "<b>", "&amp;", "|pipe|", ":::", "```", "~~", "Ж. Әлі", "x" * 90, "\U000f0001",
    "\U000f0010 mark", "  spaced  out  ", "+plus", "=eq", ">quote", "0)", "!", "",
])
text = st.one_of(tricky, st.text(max_size=40))
note = st.one_of(tricky, st.text(max_size=200),
                 st.lists(tricky, min_size=2, max_size=4).map("\n".join),
                 st.lists(tricky, min_size=2, max_size=3).map("\n\n".join))
emails = st.sampled_from([None, "person@example.org", "ж@пример.рф"])
writers = st.builds(Writer, name=st.none() | text, city=st.none() | text, email=emails,
                    country=st.none() | text, note=st.none() | note)


@pytest.fixture(scope="module")
def shared(kz: Campaign) -> Renderer:
    return Renderer(kz, day=FIXED_DAY)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writer=writers, target=st.sampled_from(TARGETS), lang=st.sampled_from(LANGS))
def test_a_stencilled_letter_is_the_full_render(shared: Renderer, writer: Writer, target: str,
                                               lang: str) -> None:
    assert stencilled(shared, target, writer, lang) == full(shared, target, writer, lang)


def test_stencils_are_used_for_the_bundled_letters(shared: Renderer) -> None:
    writer = Writer(name="A. Writer", city="Berlin", email="a@example.org")
    for target in TARGETS:
        for lang in LANGS:
            stencilled(shared, target, writer, lang)
    made = shared.stencils.made
    assert len(made) >= len(TARGETS) * len(LANGS)
    assert shared.stencils.refused == 0


def test_the_fill_in_letter_and_a_missing_writer(shared: Renderer) -> None:
    for target in TARGETS:
        assert stencilled(shared, target, None, "en") == full(shared, target, None, "en")
        assert "[Your name]" in stencilled(shared, target, None, "en")[1]


def parse(source: str) -> bool:
    env = make_environment([])
    return stencil_safe(env.parse(source))


@pytest.mark.parametrize("source", [
    "{{ writer.name }}",
    "{{ writer['city'] }}",
    "{% set name = writer.name or '[Your name]' %}{{ name }} {{ name }}",
    "{{ (', ' ~ writer.country) if writer.country else '' }}",
    "{% if writer.note %}{{ writer.note }}{% endif %}{% if not writer.email %}-{% endif %}",
    "{% if writer.email is none %}none{% endif %}",
    "{% for ask in target.asks %}{{ loop.index }}. {{ ask.title | upper }}{% endfor %}",
    "{% if writer.name and writer.city %}{{ writer.name ~ ', ' ~ writer.city }}{% endif %}",
])
def test_uses_of_the_writer_a_stencil_reproduces(source: str) -> None:
    assert parse(source)


@pytest.mark.parametrize("source", [
    "{{ writer.name | upper }}",
    "{{ writer.name | length }}",
    "{% if writer.city == 'Berlin' %}Guten Tag{% endif %}",
    "{% if writer.name | length > 5 %}long{% endif %}",
    "{{ writer.name[0] }}",
    "{{ writer.name.upper() }}",
    "{{ writer }}",
    "{% set w = writer %}{{ w.name }}",
    "{% for c in writer.name %}{{ c }}{% endfor %}",
    "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(writer.name) }}",
    "{% include 'other.md.j2' %}",
    "{% set writer = {} %}",
    "{{ writer.name ~ writer.note | trim }}",
    "{% set n = writer.name %}{{ n | title }}",
    "{{ '%s' % writer.name }}",
    "{{ writer.row }}",
])
def test_uses_of_the_writer_that_force_a_full_render(source: str) -> None:
    assert not parse(source)


def test_a_pack_template_with_logic_on_the_writer_renders_in_full(pack: Path) -> None:
    write(pack.parent / "templates/en/letter.md.j2",
          "{% if writer.city == 'Berlin' %}Guten Tag{% else %}Hello{% endif %} "
          "{{ writer.name | upper }}\n")
    renderer = Renderer(load_campaign(pack), day=FIXED_DAY)
    letters = [renderer.letter("president", Writer(name=name, city=city), "en").markdown
               for name, city in [("ann", "Paris"), ("bob", "Berlin"), ("cy", "Rome")]]
    foot = "\n\n::: reference\nRef. H2D3D-Q54G5\n:::\n"  # every one's row 0: a single letter
    assert letters == ["Hello ANN\n" + foot, "Guten Tag BOB\n" + foot, "Hello CY\n" + foot]
    assert renderer.stencils.made == []


def test_placeholder_characters_in_the_campaign_force_a_full_render(pack: Path) -> None:
    text = pack.read_text(encoding="utf-8")
    pack.write_text(text.replace('en: "Justice', 'en: "\U000f0001 Justice', 1), encoding="utf-8")
    renderer = Renderer(load_campaign(pack), day=FIXED_DAY)
    writers = [Writer(name=f"Person {i}", city="Berlin") for i in range(3)]
    letters = [renderer.letter("president", w, "en") for w in writers]
    assert renderer.stencils.made == []
    assert [letter.markdown.count(f"Person {i}") for i, letter in enumerate(letters)] == [2] * 3


SAFE_PACK_TEMPLATE = """{% set subject = "Letter from " ~ (writer.name or "a supporter") %}
1. A list item

{{ ("    " ~ writer.city) if writer.city else "-" }}


{% set who = writer.name or "A supporter" %}
{{ who }}{% if writer.city %}, {{ writer.city }}{% endif -%}
{{ (" (" ~ writer.country ~ ")") if writer.country else "" }}

{% if writer.email is none %}No reply address.{% else %}Reply to {{ writer.email }}.{% endif %}

{{ target.salutation }}

{% if writer.note and not writer.email %}
> {{ writer.note }}
{% elif writer.note %}
- {{ writer.note }}
{% endif %}
{% for ask in target.asks %}
{{ loop.index }}. {{ ask.title }} ({{ who }})
{% endfor %}
{{ writer['name'] or "" }}
"""


_PACK: dict[str, object] = {}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(writer=writers, target=st.sampled_from(TARGETS))
def test_a_pack_template_a_stencil_can_take_gives_the_full_render(pack: Path, writer: Writer,
                                                                  target: str) -> None:
    template = pack.parent / "templates/en/letter.md.j2"
    if not template.exists():
        write(template, SAFE_PACK_TEMPLATE)
    if _PACK.get("path") != pack:  # one campaign and renderer for all the examples
        _PACK.update(path=pack, renderer=Renderer(load_campaign(pack), day=FIXED_DAY))
    stencil = _PACK["renderer"]
    assert isinstance(stencil, Renderer)
    filled = stencilled(stencil, target, writer, "en")
    assert stencil.stencils.made
    assert filled == full(stencil, target, writer, "en")


def test_a_templates_verdict_is_kept_by_its_source_for_every_target_and_shape(
        pack: Path) -> None:
    # one parse per template source: a template a stencil cannot take stays refused for
    # every target and writer shape, and a changed template (same name) is judged again
    import advocate.templates.stencil as stencil_module

    template = pack.parent / "templates/en/letter.md.j2"
    write(template, "{{ writer.name | upper }} to {{ target.name }}\n")
    campaign = load_campaign(pack)
    renderer = Renderer(campaign, day=FIXED_DAY)
    parsed: list[str] = []
    real = renderer.env.parse

    def counting(source: str, *args: object, **kwargs: object) -> object:
        parsed.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    renderer.env.parse = counting  # type: ignore[method-assign]
    writers = [Writer(name="ann", city="Paris"), Writer(name="bob"), Writer(name="cy", note="n")]
    for target in campaign.targets:
        for writer in writers * 2:
            assert renderer.letter(target.id, writer, "en").markdown.startswith(
                writer.name.upper() + " to ")  # type: ignore[union-attr]
    assert renderer.stencils.made == [] and renderer.stencils.refused > 1
    assert parsed.count(template.read_text(encoding="utf-8")) == 1
    verdicts = stencil_module._SAFE[renderer.env]
    assert set(verdicts.values()) == {False}
    write(template, "{{ writer.name }} to {{ target.name }}\n")
    fresh = Renderer(campaign, day=FIXED_DAY)
    for writer in writers * 2:
        assert fresh.letter(campaign.targets[0].id, writer, "en").markdown.startswith(
            f"{writer.name} to ")
    assert fresh.stencils.made  # the new source is judged on its own
