"""A letter's reference block converted once per label, its reference put in after
(:func:`advocate.reference.converted_with`), is what converting each letter's block gives:
its text at the letter's width, and its email form."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from advocate.reference import (
    ALPHABET,
    STAND_IN,
    converted_with,
    letter_reference,
    reference_block,
)
from advocate.render.email_text import EMAIL_FORMS, UNWRAPPED, email_container
from advocate.text import markdown as markup

# Labels a wording may give (labels.reference): plain, Markdown syntax, long enough to wrap
# the reference onto a line of its own, right-to-left, the stand-in itself.
LABELS = [None, "Ref.", "Reference", "Справка №", "رقم المرجع", "参考编号", "*Ref*", "**Ref**",
          "Ref -", "1.", "# Ref", "> Ref", "[Ref]", "Ref\\", "`Ref`", "a_b_c", "Ref:" * 17,
          "x" * 60, "word " * 14, STAND_IN, "Ref. 7Q3MK-2XD9A", "- Ref", "Ref 00000"]
labels = st.one_of(st.sampled_from(LABELS), st.text(max_size=80))
references = st.text(alphabet=ALPHABET, min_size=10, max_size=10).map(
    lambda chars: f"{chars[:5]}-{chars[5:]}")


def _slow_text(block: str, width: int) -> str:
    markup._block_text.cache_clear()  # nothing kept from an earlier block
    return markup.block_text(block, width)


@settings(max_examples=600, deadline=None)
@given(label=labels, reference=references, width=st.sampled_from([markup.WIDTH, 20, 30]))
def test_a_reference_blocks_text_is_its_own_conversion(label: str | None, reference: str,
                                                       width: int) -> None:
    block = reference_block(reference, label)
    expected = _slow_text(block, width)
    assert converted_with(lambda text: markup.block_text(text, width), block,
                          reference) == expected
    assert reference in expected


@settings(max_examples=300, deadline=None)
@given(label=labels, reference=references, form=st.sampled_from(list(EMAIL_FORMS)))
def test_a_reference_blocks_email_form_is_its_own_conversion(label: str | None,
                                                             reference: str,
                                                             form: str) -> None:
    block = reference_block(reference, label)
    expected = markup.to_text(email_container(block, form), width=UNWRAPPED)
    assert converted_with(lambda text: markup.to_text(email_container(text, form),
                                                      width=UNWRAPPED),
                          block, reference) == expected


def test_the_references_of_a_build_all_take_the_shortcut() -> None:
    """Real references (every digit and letter in every place, over 2,000 rows) each come
    out whole, from one conversion of the stand-in block."""
    made: list[str] = []

    def convert(text: str) -> str:
        made.append(text)
        return markup.block_text(text)

    rows = random.Random(7).sample(range(1, 1_000_000), 2000)
    for row in rows:
        reference = letter_reference("kazakhstan-2022", "president", row)
        block = reference_block(reference)
        assert converted_with(convert, block, reference) == _slow_text(block, markup.WIDTH)
    assert set(made) == {reference_block(STAND_IN)}


def test_a_block_holding_its_reference_twice_is_converted_as_it_is() -> None:
    reference = letter_reference("c", "t", 3)
    block = reference_block(reference, f"Ref. {reference}")
    seen: list[str] = []
    assert converted_with(lambda text: seen.append(text) or text, block, reference) == block
    assert seen == [block]


@given(label=st.one_of(st.none(), st.text(max_size=30),
                       st.sampled_from(["Ref.", "Исх. №", "*ref*", "  Réf.\n n° ", "1. ", "# x",
                                        "", " ", "مرجع", "参考"])))
def test_a_reference_blocks_label_kept_is_the_label_escaped_each_time(label: str | None) -> None:
    from advocate.reference import REFERENCE_LABEL, reference_block
    from advocate.text.markdown import escape_markdown

    shown = escape_markdown(" ".join((label or REFERENCE_LABEL).split())) or REFERENCE_LABEL
    for reference in ("7Q3MK-2XD9A", "00000-00000"):
        assert reference_block(reference, label) == f"::: reference\n{shown} {reference}\n:::\n"
