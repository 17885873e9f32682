"""Letters that are not all alike: a campaign's variants, checked, chosen and filled in."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.errors import AdvocateError
from advocate.render.documents import Renderer, Writer
from advocate.schema.campaign import Campaign, load_campaign, load_campaign_checked
from advocate.templates.stencil import StencilCache
from advocate.text.variants import choose, combinations
from conftest import FIXED_DAY
from helpers import write

BASE = """\
advocate: 1
id: varied
title: {en: A long campaign title about the rights of detained journalists, ar: عنوان}
summary: S
language: en
translations: {ar: {}}
as_of: 2022-01-01
facts: [{text: {en: Something happened., ar: حدث شيء.}, source: s}]
sources: [{id: s, title: T, publisher: The Publisher}]
asks:
  - {id: free, title: {en: Free them, ar: أطلقوا سراحهم}, text: {en: Free them all., ar: نص}}
  - {id: probe, title: {en: Investigate, ar: حققوا}, text: {en: Investigate it., ar: نص}}
targets:
  - {id: minister, name: {en: The Minister, ar: الوزير}, title: Minister of the Interior,
     salutation: {en: "Dear Minister,", ar: "معالي الوزير،"}}
  - {id: envoy, name: UN Envoy, title: Special Rapporteur, salutation: "Dear Envoy,",
     intermediary: true, language: ar}
"""

VARIANTS = """\
variants:
  opening:
    - en: "I write to you, {target}, about {campaign}."
      ar: "أكتب إليكم، {target}، بشأن {campaign}."
    - {en: "{target}: {campaign} is why I write.", ar: "{target}: أكتب بسبب {campaign}."}
    - en: "Allow me, {target}, to raise {campaign}."
      ar: "اسمحوا لي، {target}، بطرح {campaign}."
  urge:
    en: ["I urge you to:", "Please:", "I call on you to:", "I ask you to:"]
  press:
    - {en: "Please press the authorities to:", ar: "يرجى الضغط على السلطات من أجل:"}
    - {en: "Please urge the authorities to:", ar: "يرجى حث السلطات على:"}
  sign_off: ["Yours sincerely,", "With respect,"]
  closing:
    - en: "As {source:s} reported, {ask:free} matters *now*."
      ar: "كما أفاد {source:s}، {ask:free}."
    - {en: "{ask:free} matters, {source:s} says [1].", ar: "{ask:free}، يقول {source:s}."}
"""


N = BASE.count("\n")  # the line before "variants:"


@pytest.fixture
def varied(tmp_path: Path) -> Campaign:
    return load_campaign(write(tmp_path / "varied.yaml", BASE + VARIANTS))


def problems(tmp_path: Path, variants: str) -> list[str]:
    path = write(tmp_path / "bad.yaml", BASE + variants)
    with pytest.raises(AdvocateError) as caught:
        load_campaign(path)
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


# -- the format and its checks ---------------------------------------------------------------

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


# -- choosing ---------------------------------------------------------------------------------

def test_rows_take_different_combinations_until_all_are_used() -> None:
    sizes = [6, 6, 5, 5, 5, 3]
    total = combinations(sizes)
    picks = {choose(sizes, "c", "t", row) for row in range(1, total + 1)}
    assert len(picks) == total
    assert choose(sizes, "c", "t", 7) == choose(sizes, "c", "t", 7)
    assert choose(sizes, "c", "t", 7) != choose(sizes, "c", "other", 7) or \
        choose(sizes, "c", "t", 8) != choose(sizes, "c", "other", 8)


def test_a_single_letter_is_chosen_by_its_writer() -> None:
    sizes = [5, 4, 3]
    one = choose(sizes, "c", "t", None, ["Aigerim", "Berlin"])
    assert one == choose(sizes, "c", "t", 0, ["Aigerim", "Berlin"])
    others = {choose(sizes, "c", "t", None, [f"Name {i}", "Berlin"]) for i in range(200)}
    assert len(others) > 40  # spread over the 60 combinations
    assert choose([1, 1], "c", "t", 5) == (0, 0) and choose([], "c", "t", 5) == ()


def test_the_bundled_campaign_has_enough_combinations_for_every_target(kz: Campaign) -> None:
    renderer = Renderer(kz, day=FIXED_DAY)
    for target in kz.targets:
        for lang in kz.languages:
            context = renderer._letter_context(target.id, None, lang)[1]
            assert renderer.variants.combinations(target.id, lang, context) >= 10_000


def test_letters_to_one_target_have_distinct_bodies(kz: Campaign) -> None:
    renderer = Renderer(kz, day=FIXED_DAY)
    own = re.compile(r"::: (?:sender|signature|reference)\n.*?\n:::\n", re.DOTALL)
    bodies = {own.sub("", renderer.letter("president", Writer(name=f"P {row}", city="Oslo",
                                                               row=row)).markdown)
              for row in range(1, 1001)}
    assert len(bodies) == 1000


# -- the stencil path is the full render ------------------------------------------------------

def full_letter(campaign: Campaign, target: str, writer: Writer | None, lang: str) -> str:
    fresh = Renderer(campaign, day=FIXED_DAY)
    fresh.stencils = StencilCache(fresh.env)
    return fresh.letter(target, writer, lang).markdown


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_stencilled_varied_letters_are_the_full_render(varied: Campaign, lang: str) -> None:
    renderer = Renderer(varied, day=FIXED_DAY)
    seen = set()
    for row in range(1, 25):
        for target in ("minister", "envoy"):
            writer = Writer(name=f"N. {row} *x*", city="الرباط" if row % 2 else "Oslo",
                            row=row, note="1. A note" if row % 3 == 0 else None)
            renderer.letter(target, writer, lang)
            letter = renderer.letter(target, writer, lang)
            assert letter.filled is not None  # the stencil path
            assert letter.markdown == full_letter(varied, target, writer, lang)
            assert letter.text() == Renderer(varied, day=FIXED_DAY).letter(
                target, writer, lang).text()
            seen.add(letter.markdown.split("::: facts\n")[1][:60])
    assert len(seen) >= 6


def test_variant_text_is_escaped_and_its_placeholders_filled(varied: Campaign) -> None:
    renderer = Renderer(varied, day=FIXED_DAY)
    texts = [renderer.letter("minister", Writer(name="A", row=row), "en").markdown
             for row in range(1, 40)]
    joined = "\n".join(texts)
    assert "As The Publisher reported, Free them matters \\*now\\*." in joined
    assert "Free them matters, The Publisher says \\[1\\]." in joined
    assert "I write to you, The Minister, about A long campaign title" in joined
    assert "{target}" not in joined and "press the authorities" not in joined


def test_a_slot_a_target_never_prints_takes_no_share_of_the_choice(varied: Campaign) -> None:
    renderer = Renderer(varied, day=FIXED_DAY)
    context = renderer._letter_context("minister", None, "en")[1]
    assert renderer.variants.used("minister", "en", context) == (
        "opening", "urge", "sign_off", "closing")
    assert renderer.variants.combinations("minister", "en", context) == 3 * 4 * 2 * 2
    context = renderer._letter_context("envoy", None, "en")[1]
    assert "press" in renderer.variants.used("envoy", "en", context)
    assert "urge" not in renderer.variants.used("envoy", "en", context)


# -- advocate check ---------------------------------------------------------------------------

def test_check_counts_each_targets_letters_and_names_an_unused_slot(
        tmp_path: Path, run: Callable[..., Result]) -> None:
    path = write(tmp_path / "v.yaml", BASE + VARIANTS + '  openning: ["Hello.", "Hi."]\n')
    from advocate.check import check_campaign, letter_combinations

    assert letter_combinations(path) == {"minister": 3 * 4 * 2 * 2, "envoy": 3 * 2 * 2 * 2}
    unused = [p for p in check_campaign(path, render_pdfs=False) if p.code == "unused-variant"]
    assert [(p.line, p.message, p.hint) for p in unused] == [
        (N + VARIANTS.count("\n") + 1, "no letter prints the variants of 'openning'",
         "did you mean 'opening'?")]
    result = run("check", str(path), "--no-pdf")
    assert result.exit_code == 0
    assert "different letters per target: minister 48, envoy 24" in result.stderr
    plain = write(tmp_path / "plain.yaml", BASE)
    assert letter_combinations(plain) == {"minister": 1, "envoy": 1}
    assert "different letters" not in run("check", str(plain), "--no-pdf").stderr


# -- every format shows the letter's variants -------------------------------------------------

def _squash(text: str) -> str:
    return " ".join(text.split())


def test_every_format_shows_the_letters_own_variants(kz: Campaign, tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser
    from urllib.parse import unquote

    from pypdf import PdfReader

    from advocate.render.email_text import letter_mailto

    renderer = Renderer(kz, day=FIXED_DAY)
    letters = [renderer.letter("un-high-commissioner", Writer(name=f"W {row}", city="Oslo",
                                                              row=row)) for row in (3, 4)]
    picked = [dict(letter.context["variants"]) for letter in letters]
    assert picked[0] != picked[1]
    for letter, chosen in zip(letters, picked, strict=True):
        others = {s: t for s, t in picked[1 - letters.index(letter)].items()
                  if t != chosen[s]}
        wanted = [chosen["opening"], chosen["press"], chosen["thanks"], chosen["sign_off"]]
        draft = BytesParser(policy=policy.default).parsebytes(renderer.eml(letter))
        link = letter_mailto(letter, ["hc@example.org"])[0]
        assert link is not None
        pdf = renderer.pdf([letter])
        (tmp_path / f"letter-{letter.writer_row}.pdf").write_bytes(pdf)
        shown = {"txt": renderer.format([letter], "txt"),
                 "md": renderer.format([letter], "md"),
                 "html": renderer.html([letter]),
                 "eml": draft.get_content(),
                 "mailto": unquote(link),
                 "pdf": "".join(page.extract_text() for page in PdfReader(
                     tmp_path / f"letter-{letter.writer_row}.pdf").pages)}
        for fmt, text in shown.items():
            for variant in wanted:
                assert _squash(variant) in _squash(text), (fmt, variant)
            for other in others.values():  # the other letter's wording is not here
                assert _squash(other) not in _squash(text), (fmt, other)


# -- shards ------------------------------------------------------------------------------------

def test_merged_shards_of_a_varied_campaign_are_the_single_build(tmp_path: Path) -> None:
    import subprocess

    from advocate.campaigns import resolve_campaign
    from test_merge import assert_same_output, build_shards, cli, single_build

    campaign = resolve_campaign("kazakhstan-2022")
    signers = write(tmp_path / "signers.csv", "name,city\n" + "".join(
        f"Person {i},Almaty\n" for i in range(1, 31)))
    options = ["--formats", "txt,eml", "--no-documents"]
    single = single_build(campaign, signers, tmp_path / "single", options)
    shards = build_shards(campaign, signers, tmp_path, 3, options)
    merged = subprocess.run(cli("merge", *shards, "-o", tmp_path / "merged"),
                            capture_output=True, text=True, check=False, timeout=600)
    assert merged.returncode == 0, merged.stderr
    assert_same_output(single, tmp_path / "merged")
    letters = sorted((tmp_path / "merged").rglob("*-president.txt"))
    assert len(letters) == 30
    bodies = {re.sub(r"Person \d+", "", p.read_text(encoding="utf-8").split("Ref.")[0])
              for p in letters}
    assert len(bodies) == 30  # only the variants tell them apart
