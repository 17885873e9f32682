"""Which variant of each sentence a letter takes (text/variants.py): no randomness, every
combination before any repeats."""

from __future__ import annotations

from advocate.text.variants import choose, combinations
from campaign_fixtures import CAMPAIGN_FIXTURES

VARIED = CAMPAIGN_FIXTURES / "varied.yaml"  # a campaign with variants:, in English and Arabic
BASE, _, _rest = VARIED.read_text(encoding="utf-8").partition("variants:\n")
VARIANTS = "variants:\n" + _rest
N = BASE.count("\n")  # the line before "variants:"


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


def test_every_slot_the_format_allows_has_its_own_reserved_mark() -> None:
    from advocate.schema.variants import MAX_SLOTS
    from advocate.text.stencil import PLACEHOLDER, RESERVED
    from advocate.text.variants import SLOT_MARKS

    assert len(set(SLOT_MARKS)) == len(SLOT_MARKS) == MAX_SLOTS
    assert all(RESERVED.fullmatch(mark) for mark in SLOT_MARKS)  # no campaign text holds one
    assert not set(SLOT_MARKS) & set(PLACEHOLDER.values())


def test_the_name_hash_is_the_one_the_page_computes() -> None:
    """The values site.js's nameHash gives for these (computed with its code in Node), so the
    page and `advocate letter` choose alike; Chromium checks whole letters in
    tests/site/test_site_variants.py."""
    from advocate.text.variants import name_hash

    assert name_hash("kazakhstan-2022", "president", "Ana") == 2171354083
    assert name_hash("kazakhstan-2022", "president", "Ана Петрова") == 1363217240
    assert name_hash("c", "t", "") == 1260988308
