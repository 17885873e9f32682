"""Limits that C code cannot escape: results capped by size, CPU and memory bounded by
the operating system, in batch workers too."""


from __future__ import annotations

import re

import pytest
from catalogue import (
    _SORT_BOMB,
    LETTER_TXT,
    MY_DATA,
    WORDING,
    Cli,
    signers,
    wording,
)

from helpers import personal_data

# Item 2: limits that C code cannot escape.

_BIG = "{% set s = 'x' * 100000 %}"


@pytest.mark.parametrize("source", [
    _BIG + "{{ ([s] * 30000)|join }}",  # 3 GB from one join
    _BIG + "{{ [s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s,"
    " s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s,"
    " s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s]|join }}",
    _BIG + "{{ s.join([s] * 100) }}",
    "{{ '%0999999999d'|format(1) }}",  # a gigabyte per call
    "{{ '%*d'|format(999999999, 1) }}",
    "{{ '%.999999999f'|format(1.5) }}",
    "{{ ('x' * 90000)|wordwrap(1, true, 'y' * 90000) }}",
    "{{ ('x\n' * 50000)|indent(100000) }}",
    "{{ [1]|batch(999999999, 'x') }}",
    "{{ [1]|slice(999999999, 'x') }}",
    "{{ {'a': [[[1]]]}|tojson(999999999) }}",
    "{% set m = range(100000)|list %}{% set n = range(100000)|list %}"
    "{{ ([m, n] * 50000)|sort }}",  # the red team's: caught by its size
    "{{ (range(100000)|list * 3)|unique|list|length }}",
])
def test_results_are_capped_by_size(cli: Cli, source: str) -> None:
    wording(cli.root, source)
    cli.refused(*LETTER_TXT, expect=re.compile(
        rf"^advocate: error: {re.escape(WORDING)}(:\d+)?: .*(too large|too many|too wide)"))




def test_a_sort_in_c_is_stopped_by_the_os(cli: Cli, short_limits: None) -> None:
    wording(cli.root, _SORT_BOMB)
    cli.refused(*LETTER_TXT, expect=re.compile(
        # The kernel's CPU limit, or on a busy machine the parent's wall clock, first; or,
        # on a very busy one, the in-process timer while the lists are still being built
        # in Python (seen under load: the render was stopped all the same).
        rf"^advocate: error: {re.escape(WORDING)}(:\d+)?: (render (used more than \d+ s of CPU "
        r"time|was stopped after \d+ s)|template render exceeded \d+ s)"))


def test_a_sort_in_c_is_stopped_in_batch_workers_too(cli: Cli,
                                                             short_limits: None) -> None:
    rows = signers(cli.root, "valid.csv")
    wording(cli.root, _SORT_BOMB)
    cli.refused("build", "pack/campaign.yaml", "--signers", rows, "-o", "out/b", "--jobs", "2",
                "--formats", "pdf", "--no-documents",
                # The worker killed by the kernel, or its confined render stopped first.
                expect=re.compile(r"stopped by its CPU time or memory limit|render "
                                  r"(used more than \d+ s of CPU time|was stopped after \d+ s|"
                                  r"exceeded \d+ s)"),
                private=MY_DATA + tuple(personal_data("valid.csv")))


def test_memory_is_bounded_by_the_os(cli: Cli) -> None:
    """'~' cannot be intercepted: doubling a string 31 times wants 2 GB; the address-space
    limit of the confined process refuses it."""
    wording(cli.root, "{% set ns = namespace(s='x' * 50000) %}{% for i in range(31) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}")
    cli.refused(*LETTER_TXT, expect=re.compile(r"too expensive: MemoryError|memory"))


