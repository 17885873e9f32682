"""The smaller holes: swapped folders, bare ids, output that must be a regular file,
standard output, control characters, surrogates, dangling links, IDNA."""


from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from catalogue import (
    _SORT_BOMB,
    LETTER,
    LETTER_TXT,
    Cli,
    _csp_first,
    layout,
    signers,
    wording,
)
from typer.testing import CliRunner

from advocate.cli import app
from advocate.templates.host import builtin_templates
from helpers import personal_data, write

# Item 6: the smaller holes.

def test_output_folder_swapped_mid_build_publishes_nothing_elsewhere(
        cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import advocate.build

    rows = signers(cli.root, "valid.csv")
    site, moved = cli.root / "site", cli.root / "site-real"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real_finish = advocate.build._CampaignOutput.finish_manifest

    def swap_then_finish(self: Any) -> None:  # after every letter is staged, before publish
        if not moved.exists():
            site.rename(moved)
            site.symlink_to(elsewhere)
        real_finish(self)

    monkeypatch.setattr(advocate.build._CampaignOutput, "finish_manifest", swap_then_finish)
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    assert list(elsewhere.rglob("*")) == []
    assert (moved / "kazakhstan-2022" / "letters" / "00001-president.txt").is_file()


@pytest.mark.parametrize("name", ["kazakhstan-2022"])
def test_a_bare_id_means_the_bundled_campaign(cli: Cli, name: str) -> None:
    """A file named like a bundled id in the working folder silently replaced it."""
    write(cli.root / name, "advocate: 1\nid: planted\n")
    result = cli.invoke("letter", name, "--to", "president", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert "Tokayev" in result.stdout
    cli.refused("letter", f"./{name}", "--to", "president", expect=re.compile(name),
                place=False)


@pytest.mark.parametrize("target", ["null-link", "stdout-link", "fifo"])
def test_output_must_be_a_regular_file(cli: Cli, target: str) -> None:
    """--force turned /dev/null or /dev/stdout into a regular file when run as root. (Links
    to them, not the devices themselves: a regression must not break the machine.)"""
    path = cli.root / target
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/null" if target == "null-link" else "/proc/self/fd/1")
    before = os.lstat(path)
    cli.refused(*LETTER, "-o", target, "--force",
                expect=re.compile(r"not a regular file"), place=False)
    after = os.lstat(path)
    assert (before.st_mode, before.st_ino) == (after.st_mode, after.st_ino)


def test_dash_is_standard_output(cli: Cli) -> None:
    result = cli.invoke(*LETTER, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert "Tokayev" in result.stdout
    assert not (cli.root / "-").exists()
    result = CliRunner().invoke(app, [*LETTER, "-f", "pdf", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")


@pytest.mark.parametrize("key", ["\\e[31mred", "\\e]0;pwned\\a", "x\\u202ey", "\\x9b31m"])
def test_control_characters_never_reach_the_terminal(cli: Cli, key: str) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + f'"{key}": 1\n"{key}": 2\n',
                        encoding="utf-8")
    result = cli.invoke(*LETTER_TXT)
    assert result.exit_code == 2
    assert all(ch == "\n" or (ch.isprintable() and ch != "\u202e") for ch in result.stderr), \
        repr(result.stderr)


def test_a_lone_surrogate_is_refused_by_validate(cli: Cli) -> None:
    campaign = cli.root / "pack" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(re.sub(r"(?m)^title:.*\n(  .*\n)*", 'title: "Bad \\\\ud800 title"\n', text,
                               count=1), encoding="utf-8")
    cli.refused("validate", "pack/campaign.yaml", expect=re.compile(r"lone surrogate"))
    cli.refused(*LETTER_TXT, expect=re.compile(r"lone surrogate"))


def test_an_undecodable_argument_exits_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "advocate", "validate", b"\xff.yaml"],
                            cwd=tmp_path, capture_output=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert b"not valid UTF-8" in result.stderr


def test_new_never_writes_through_a_dangling_link(cli: Cli) -> None:
    (cli.root / "free.yaml").symlink_to(cli.root / "missing" / "x.yaml")
    cli.refused("new", "free", expect=re.compile(r"free\.yaml: file exists"))
    assert not (cli.root / "missing").exists()


def test_emails_use_idna_2008() -> None:
    """IDNA 2003 made straße.de strasse.de, another domain (fixed with one validator)."""
    from advocate.schema.emails import email_key, normalise_email

    assert normalise_email("a@straße.de") == "a@xn--strae-oqa.de"
    assert email_key("a@straße.de") != email_key("a@strasse.de")


def test_a_packs_css_inside_the_built_in_index_gets_no_letter_text(cli: Cli) -> None:
    """The built-in index includes base.css.j2, which a pack may replace: then the pack's
    template runs inside the index, and the index is treated as the pack's."""
    rows = signers(cli.root, "valid.csv")
    layout(cli.root, "</style><p>{{ letters }}</p><style>", "base.css.j2")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    html = (cli.root / "site" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert _csp_first(html)
    assert "mailto:" not in html
    for value in personal_data("valid.csv"):
        assert value not in html and quote(value) not in html


def test_an_unchanged_copy_of_the_templates_keeps_the_index_links(cli: Cli) -> None:
    shutil.rmtree(cli.root / "pack" / "templates")
    shutil.copytree(builtin_templates(), cli.root / "pack" / "templates")
    rows = signers(cli.root, "valid.csv")
    result = cli.invoke("build", "pack/campaign.yaml", "--signers", rows, "-o", "site",
                        "--formats", "txt", "--no-documents")
    assert result.exit_code == 0, result.stderr
    html = (cli.root / "site" / "kazakhstan-2022" / "index.html").read_text(encoding="utf-8")
    assert "mailto:" in html


def test_a_limit_is_named_even_on_a_signers_details(cli: Cli,
                                                            short_limits: None) -> None:
    """A limit's message is advocate's own wording: it is shown (not withheld) even when the
    render that hit it carried a signer's details, however the timing of a re-render goes."""
    wording(cli.root, _SORT_BOMB)
    rows = signers(cli.root, "valid.csv")
    result = cli.invoke("letter", "pack/campaign.yaml", "--to", "president", "--lang", "en",
                        "--signers", rows)
    assert result.exit_code == 2
    assert "withheld" not in result.stderr
    assert re.search(r"used more than \d+ s of CPU time|was stopped after \d+ s|"
                     r"exceeded \d+ s", result.stderr), result.stderr
