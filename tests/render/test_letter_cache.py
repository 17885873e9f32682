"""The letter cache (render/letter_cache.py): a kept stencil gives exactly a full run's output,
keeps nothing personal, notices every change, and is private and bounded."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import Result

from advocate.render import letter_cache
from advocate.render.letter_cache import LetterRequest, cached_letters
from advocate.render.writer import Writer

ROOT = Path(__file__).parents[1].parent
WORLD = Path(__file__).parents[1] / "fixtures" / "world"
AZ = ROOT / "examples" / "journalists-az"
Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is off unless asked for: these tests ask."""
    monkeypatch.setenv("ADVOCATE_CACHE", "1")


def _writers() -> list[dict[str, str]]:
    with (WORLD / "signers.csv").open(encoding="utf-8") as handle:
        return [{k: v for k, v in row.items() if k in ("name", "city", "country", "note", "email")
                 and v} for row in csv.DictReader(handle)]


def _letter_args(campaign: str, writer: dict[str, str], *extra: str) -> list[str]:
    args = ["letter", campaign, *extra]
    for field, value in writer.items():
        args += [f"--{field}", value]
    return args


def _entries() -> list[Path]:
    return sorted((Path(os.environ["ADVOCATE_CACHE_DIR"]) / "letters").glob("*.json"))


def _full(run: Run, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    """The same command with the cache turned off: the full render."""
    with monkeypatch.context() as m:
        m.setenv("ADVOCATE_NO_CACHE", "1")
        return run(*args)


@pytest.mark.parametrize(("campaign", "extra"), [
    (str(WORLD / "campaign.yaml"), ()),                       # every target, Arabic among them
    (str(WORLD / "campaign.yaml"), ("--to", "ambassador")),   # a right-to-left letter
    (str(AZ / "campaign.yaml"), ()),                          # a pack's own Azerbaijani wording
    ("kazakhstan-2022", ("--to", "president", "--format", "md")),
    (str(WORLD / "campaign.yaml"), ("--to", "ambassador", "--format", "eml")),
    ("kazakhstan-2022", ("--to", "president", "--format", "eml")),  # no To: (a warning)
])
def test_kept_letters_are_a_full_runs_letters_for_writers_in_every_script(
        run: Run, monkeypatch: pytest.MonkeyPatch, campaign: str, extra: tuple[str, ...]) -> None:
    shapes: set[tuple[bool, ...]] = set()
    for writer in _writers():
        args = _letter_args(campaign, writer, *extra)
        request = LetterRequest(Path(campaign) if "/" in campaign else
                                Path(letter_cache.__file__).parent.parent / "campaigns"
                                / f"{campaign}.yaml", *_request_options(extra),
                                Writer(**writer))
        kind = tuple(field in writer for field in ("name", "city", "country", "note", "email"))
        # A writer of a shape seen before is served from the cache...
        assert (cached_letters(request) is not None) == (kind in shapes), writer
        shapes.add(kind)
        kept, full = run(*args), _full(run, args, monkeypatch)
        assert (kept.exit_code, kept.stdout, kept.stderr) == \
            (full.exit_code, full.stdout, full.stderr)  # ...exactly as a full run
        assert kept.exit_code == 0
        if "eml" not in extra:
            assert writer["name"] in kept.stdout
        else:  # a draft any mail program opens, from this writer
            message = email.message_from_string(kept.stdout, policy=email.policy.default)
            assert message["From"].addresses[0].display_name == writer["name"]
    assert len(_entries()) == len(shapes) > 1  # one entry per shape of writer


def _request_options(extra: tuple[str, ...]) -> tuple[str | None, None, None, str, str]:
    options = dict(zip(extra[::2], extra[1::2], strict=True))
    return options.get("--to"), None, None, options.get("--format", "txt"), "a4"


@settings(max_examples=40, deadline=None)
@given(name=st.text(min_size=1, max_size=40), note=st.one_of(st.none(), st.text(max_size=80)),
       city=st.text(max_size=20))
def test_any_writer_gets_the_full_renders_letter(name: str, note: str | None, city: str) -> None:
    """Markdown syntax, line breaks, leading blanks, bidi marks...: the kept stencil fills in
    to the full render's text (or is not used)."""
    from typer.testing import CliRunner

    from advocate.cli import app

    runner = CliRunner()
    args = ["letter", "kazakhstan-2022", "--to", "president", "--name", name, "--city", city]
    if note is not None:
        args += ["--note", note]
    if any(v.startswith("-") for v in (name, city, note or "")) or "\x00" in name + city + (
            note or ""):
        return  # an option-like or NUL value is the command line's business, not the cache's
    kept = runner.invoke(app, args)
    os.environ["ADVOCATE_NO_CACHE"] = "1"
    try:
        full = runner.invoke(app, args)
    finally:
        del os.environ["ADVOCATE_NO_CACHE"]
    assert (kept.exit_code, kept.stdout) == (full.exit_code, full.stdout)


def test_the_cache_keeps_nothing_personal(run: Run) -> None:
    writer = {"name": "Zyxwvut Qqqplaceholder", "city": "Vvvcitytown", "email":
              "zyx.personal@example.org", "country": "Wwwcountry", "note": "Mynoteisprivate",
              "address": "Privatestreet 99, 12345 Hometown"}
    for args in (_letter_args("kazakhstan-2022", writer),
                 _letter_args("kazakhstan-2022", writer, "--to", "president", "-f", "md"),
                 _letter_args("kazakhstan-2022", writer, "--to", "president", "-f", "eml")):
        assert run(*args).exit_code == 0
    data = b"".join(path.read_bytes() for path in _entries())
    assert len(_entries()) == 3 and "Акорда".encode() in data
    for value in writer.values():
        for part in value.replace(",", " ").split():
            assert part.encode() not in data, part


def test_every_input_change_is_noticed(run: Run, tmp_path: Path, pack: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The campaign's bytes, its pack's templates (edited, or a folder that appears), the
    date: each gives the letter a full run gives, never the kept one."""
    folder = tmp_path / "az"
    shutil.copytree(AZ, folder)
    campaign = folder / "campaign.yaml"

    def same_as_full(*args: str) -> str:
        kept, full = run(*args), _full(run, list(args), monkeypatch)
        assert kept.exit_code == 0, kept.stderr
        assert (kept.stdout, kept.stderr) == (full.stdout, full.stderr)
        return kept.stdout

    az = ["letter", str(campaign), "--name", "Leyla Məmmədova", "--city", "Bakı"]
    before = same_as_full(*az)
    assert same_as_full(*az) == before
    campaign.write_text(campaign.read_text(encoding="utf-8").replace(
        "Azerbaijan", "Azərbaycan"), encoding="utf-8")
    edited = same_as_full(*az)
    assert edited != before
    letter = folder / "templates" / "az" / "letter.md.j2"
    letter.write_text(letter.read_text(encoding="utf-8") + "\nP.S. Cavab gözləyirəm.\n",
                      encoding="utf-8")
    assert "P.S. Cavab gözləyirəm." in same_as_full(*az)

    kz = ["letter", str(pack), "--to", "president", "--lang", "en", "--name", "A. Writer"]
    plain = same_as_full(*kz)
    own = pack.parent / "templates" / "en" / "letter.md.j2"  # a pack's wording appears
    own.parent.mkdir(parents=True)
    builtin = Path(letter_cache.__file__).parent.parent / "letter_templates" / "en"
    own.write_text((builtin / "letter.md.j2").read_text(encoding="utf-8") +
                   "\nP.S. I look forward to your reply.\n", encoding="utf-8")
    packed = same_as_full(*kz)
    assert packed != plain and "P.S. I look forward" in packed
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1768435200 + 86400 * 40))
    assert same_as_full(*kz) != packed  # another day, another date on the letter
    assert len(_entries()) == 6


def test_warnings_are_replayed(run: Run, pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A campaign that loads with a warning prints it on every run, kept or not."""
    lines = pack.read_text(encoding="utf-8").splitlines(keepends=True)
    closing = lines.index("closing:\n")
    assert lines[closing + 3].startswith("  kk: ")
    del lines[closing + 3]  # the closing has no Kazakh text
    pack.write_text("".join(lines), encoding="utf-8")
    args = ["letter", str(pack), "--to", "president", "--name", "A. Writer", "--lang", "kk"]
    first, second, full = run(*args), run(*args), _full(run, args, monkeypatch)
    assert "closing: no kk text" in first.stderr and "no 'kk' text; using 'en'" in first.stderr
    assert first.stderr == second.stderr == full.stderr
    assert first.stdout == second.stdout == full.stdout


def test_a_damaged_or_planted_entry_is_ignored(run: Run, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    args = ["letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer"]
    good = run(*args).stdout
    (entry,) = _entries()
    for damage in (b"{not json", json.dumps({"format": 1, "letters": [{"lang": 3}]}).encode(),
                   json.dumps({"format": 99}).encode()):
        entry.write_bytes(damage)
        assert run(*args).stdout == good
    planted = tmp_path / "planted.json"
    shutil.copy(entry, planted)
    data = json.loads(planted.read_text(encoding="utf-8"))
    data["letters"][0]["stencil"]["pieces"][0] = "PLANTED\n\n"
    planted.write_text(json.dumps(data), encoding="utf-8")
    entry.unlink()
    entry.symlink_to(planted)  # a link is never followed
    assert "PLANTED" not in run(*args).stdout


def test_a_folder_others_can_write_to_is_refused_never_repaired(
        run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer"]
    run(*args)
    folder = Path(os.environ["ADVOCATE_CACHE_DIR"])
    assert (folder.stat().st_mode & 0o777, (folder / "letters").stat().st_mode & 0o777) == \
        (0o700, 0o700)
    assert {p.stat().st_mode & 0o777 for p in _entries()} == {0o600}
    request = LetterRequest(Path(letter_cache.__file__).parent.parent / "campaigns" /
                            "kazakhstan-2022.yaml", "president", None, None, "txt", "a4",
                            Writer("B. Writer"))
    for place, mode in ((folder / "letters", 0o777), (folder / "letters", 0o750),
                        (folder, 0o722), (folder, 0o705)):
        place.chmod(mode)
        assert cached_letters(request) is None  # not read while others may write there
        result = run(*args)  # a full run, which neither repairs the folder nor writes
        assert result.exit_code == 0 and "A. Writer" in result.stdout
        assert "the letter cache is not used" in result.stderr
        assert place.stat().st_mode & 0o777 == mode
        assert len(_entries()) == 1
        place.chmod(0o700)
        assert cached_letters(request) is not None

def test_no_cache_writes_nothing(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVOCATE_NO_CACHE", "1")
    assert run("letter", "kazakhstan-2022", "--name", "A. Writer").exit_code == 0
    assert not Path(os.environ["ADVOCATE_CACHE_DIR"]).joinpath("letters").exists()


def test_old_entries_are_pruned(run: Run) -> None:
    run("letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer")
    (entry,) = _entries()
    folder = entry.parent
    old = time.time() - (letter_cache.MAX_AGE_DAYS + 1) * 86400
    for number in range(5):
        stale = folder / f"{number:064x}.json"
        stale.write_text("{}", encoding="utf-8")
        os.utime(stale, (old, old))
    run("letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer", "--city", "X")
    assert len(_entries()) == 2  # the five stale ones went


def test_bad_input_is_reported_as_a_full_run_reports_it(run: Run, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    run("letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer")
    for args in (["letter", "kazakhstan-2022", "--to", "presidnet", "--name", "A. Writer"],
                 ["letter", "kazakhstan-2022", "--to", "president", "--columns", "x=y"],
                 ["letter", "kazakhstan-2022", "--to", "president", "--lang", "xx"]):
        kept, full = run(*args), _full(run, args, monkeypatch)
        assert kept.exit_code == full.exit_code == 2
        assert kept.stderr == full.stderr and kept.stderr


def test_a_kept_letter_imports_no_model_template_or_markdown_library(tmp_path: Path) -> None:
    """The point of it: the second run of `advocate letter` imports none of Pydantic, Jinja,
    PyYAML or markdown-it (checked with python -X importtime in a fresh process)."""
    env = {**os.environ, "ADVOCATE_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-X", "importtime", "-m", "advocate", "letter", "kazakhstan-2022",
               "--to", "president", "--name", "A. Writer", "--city", "Berlin"]
    heavy = ("pydantic", "jinja2", "yaml", "markdown_it", "weasyprint")

    def imported(result: subprocess.CompletedProcess[str]) -> set[str]:
        names = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                 if line.startswith("import time:")}
        return names & set(heavy)

    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert imported(first) >= {"pydantic", "jinja2", "yaml"}
    # Typer itself imports Pydantic for its option coercion (advocate no longer replaces
    # Typer's private coercion to avoid it); the campaign model is still never built.
    assert imported(second) <= {"pydantic"}
    assert first.stdout == second.stdout and "A. Writer" in second.stdout


def test_a_kept_letter_is_written_to_a_file_as_a_full_run_writes_it(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pack: Path) -> None:
    """-o, --force, and the output guard (never over the campaign or into its templates)."""
    args = ["letter", str(pack), "--to", "president", "--name", "A. Writer"]
    run(*args)  # keeps the stencil
    out = tmp_path / "letter.txt"
    kept = run(*args, "-o", str(out))
    assert kept.exit_code == 0 and out.read_text(encoding="utf-8") == run(*args).stdout
    assert (out.stat().st_mode & 0o777) == 0o600
    for extra in (["-o", str(out)], ["-o", str(pack), "--force"]):
        again, full = run(*args, *extra), _full(run, [*args, *extra], monkeypatch)
        assert again.exit_code == full.exit_code == 2
        assert again.stderr == full.stderr
    templates = pack.parent / "templates" / "en"
    templates.mkdir(parents=True)
    (templates / "letter.md.j2").write_text(
        (Path(letter_cache.__file__).parent.parent / "letter_templates" / "en" /
         "letter.md.j2").read_text(encoding="utf-8"), encoding="utf-8")
    args += ["--lang", "en"]
    run(*args)
    into = run(*args, "-o", str(templates / "out.txt"))
    assert into.exit_code == 2 and not (templates / "out.txt").exists()
    assert into.stderr == _full(run, [*args, "-o", str(templates / "out.txt")],
                                monkeypatch).stderr


def test_a_campaign_changed_during_the_render_is_not_kept(pack: Path) -> None:
    """The key is taken before the full render reads the campaign and again after: a file
    edited in between (the render saw one text, the key another) keeps nothing."""
    from advocate.render.documents import Renderer
    from advocate.schema.campaign import load_campaign_checked

    request = LetterRequest(pack, "president", "en", None, "txt", "a4", Writer("A. Writer"))
    assert cached_letters(request) is None and request.key is not None
    campaign, warnings = load_campaign_checked(pack)
    renderer = Renderer(campaign)
    documents = renderer.letters("president", [request.writer], "en")
    pack.write_text(pack.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    data = renderer.format(documents, "txt")
    assert not letter_cache.remember_letters(request, renderer, documents, warnings, data)
    assert _entries() == []


def test_a_large_template_folder_is_not_kept(run: Run, tmp_path: Path) -> None:
    """--templates naming a folder with more than 16 MiB of small files: the letter is
    written, nothing is kept (the key would read the whole folder on every run)."""
    folder = tmp_path / "big"
    folder.mkdir()
    for number in range(70):
        (folder / f"{number}.txt").write_bytes(b"x" * (250 * 1024))
    args = ["letter", "kazakhstan-2022", "--to", "president", "--name", "A. Writer",
            "--templates", str(folder)]
    first = run(*args)
    assert first.exit_code == 0 and "A. Writer" in first.stdout
    assert _entries() == []
    (folder / "0.txt").unlink()  # under the budget now
    for number in range(1, 10):
        (folder / f"{number}.txt").unlink()
    run(*args)
    assert len(_entries()) == 1


# -- issue 23: no trace by default; an entry no one else can plant -------------------------

_EML = ["letter", str(WORLD / "campaign.yaml"), "--to", "ambassador", "--format", "eml",
        "--name", "A. Writer", "--email", "writer@example.net"]
_ATTACKER = "attacker@evil.example"
_SOMEONE_ELSE = 65534  # nobody


def _recipient(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    return str(email.message_from_string(result.stdout, policy=email.policy.SMTP)["To"])


def _planted(run: Run) -> Path:
    """The victim's own entry for the draft, rewritten to send it to the attacker: the
    strongest plant (an attacker who guessed the key)."""
    assert "embassy@example.org" in _recipient(run(*_EML))
    (entry,) = _entries()
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["letters"][0]["to_addr"] = _ATTACKER
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert _ATTACKER in _recipient(run(*_EML))  # what such an entry would do if read
    return entry


def test_the_cache_is_off_unless_asked(run: Run, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A seized laptop's ~/.cache/advocate said which campaigns someone wrote to, and when."""
    for name in ("HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name))
        (tmp_path / name).mkdir()
    monkeypatch.delenv("ADVOCATE_CACHE_DIR")
    for setting in ({"ADVOCATE_CACHE": None}, {"ADVOCATE_CACHE": "0"},
                    {"ADVOCATE_CACHE": "1", "ADVOCATE_NO_CACHE": "1"}):
        with monkeypatch.context() as m:
            for name, value in setting.items():
                if value is None:
                    m.delenv(name, raising=False)
                else:
                    m.setenv(name, value)
            for _ in range(2):
                assert run(*_EML).exit_code == 0
            assert list(tmp_path.rglob("*")) == [tmp_path / "HOME", tmp_path / "XDG_CACHE_HOME"]
    assert run(*_EML).exit_code == 0  # ADVOCATE_CACHE=1 (the fixture): kept where XDG says
    assert len(list((tmp_path / "XDG_CACHE_HOME" / "advocate" / "letters").glob("*.json"))) == 1


@pytest.mark.parametrize("how", ["someone else's", "others may write it", "read by others",
                                 "two names", "a fifo"])
def test_an_entry_planted_in_the_folder_never_changes_a_letter(run: Run, how: str) -> None:
    """Another local user's entry sent a victim's .eml, with their name and email, to the
    attacker's address. An entry is read only if it is this user's, 0600, regular, with one
    name."""
    entry = _planted(run)
    if how == "someone else's":
        if os.geteuid() == 0:
            os.chown(entry, _SOMEONE_ELSE, _SOMEONE_ELSE)
        else:  # (a test run as a user cannot give a file away: planted by "nobody" as root)
            entry.chmod(0o622)
    elif how == "others may write it":
        entry.chmod(0o666)
    elif how == "read by others":
        entry.chmod(0o644)
    elif how == "two names":
        os.link(entry, entry.parent / "elsewhere")
    else:  # hung `advocate letter` for good; unblocked after 15 s here, so it fails instead
        entry.rename(entry.parent / "kept")
        os.mkfifo(entry, 0o600)
        unblock = threading.Timer(15, lambda: os.close(os.open(entry, os.O_WRONLY)))
        unblock.daemon = True
        unblock.start()
    started = time.monotonic()
    try:
        assert "embassy@example.org" in _recipient(run(*_EML))
    finally:
        if how == "a fifo":
            unblock.cancel()
    assert time.monotonic() - started < 15


def test_a_folder_others_could_write_is_never_taken_back(run: Run) -> None:
    """The attack: the folder was writable by others; the attacker planted the entry of the
    draft; the victim's next text letter chmod-ed the folder back to 0700 and its next draft
    was filled in from the plant. A folder others can write is never used again."""
    entry = _planted(run)
    if os.geteuid() == 0:
        os.chown(entry, _SOMEONE_ELSE, _SOMEONE_ELSE)
    entry.parent.chmod(0o777)
    text = run("letter", str(WORLD / "campaign.yaml"), "--to", "ambassador", "--name", "B")
    assert text.exit_code == 0 and "the letter cache is not used" in text.stderr
    assert entry.parent.stat().st_mode & 0o777 == 0o777
    assert "embassy@example.org" in _recipient(run(*_EML))


def test_the_key_is_the_users_own() -> None:
    request = LetterRequest(Path(letter_cache.__file__).parent.parent / "campaigns" /
                            "kazakhstan-2022.yaml", "president", None, None, "txt", "a4", None)
    mine = letter_cache._safe_key(request)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(os, "getuid", lambda: _SOMEONE_ELSE)
        assert letter_cache._safe_key(request) not in (None, mine)


def test_a_fifo_in_the_templates_never_hangs_the_key(pack: Path, tmp_path: Path) -> None:
    """A FIFO in a pack's templates hung `advocate letter` for good while the key was taken:
    the key never opens anything but a regular file (and opens it without blocking)."""
    templates = pack.parent / "templates"
    templates.mkdir()
    os.mkfifo(templates / "wait.txt.j2")
    os.mkfifo(tmp_path / "campaign.yaml")
    for campaign in (pack, tmp_path / "campaign.yaml"):
        result = subprocess.run(
            [sys.executable, "-m", "advocate", "letter", str(campaign), "--to", "president",
             "--name", "A. Writer"], capture_output=True, text=True, timeout=90,
            env={**os.environ, "ADVOCATE_CACHE": "1"})
        assert result.returncode == (0 if campaign == pack else 2), result.stderr
    assert "not a regular file" in result.stderr


def test_a_template_in_pycache_is_part_of_the_key(run: Run, pack: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`__pycache__` was left out of the key: a pack's template linked into it was served
    stale after it changed."""
    templates = pack.parent / "templates"
    (templates / "__pycache__").mkdir(parents=True)
    wording = (Path(letter_cache.__file__).parent.parent / "letter_templates" / "en" /
               "letter.md.j2").read_text(encoding="utf-8")
    real = templates / "__pycache__" / "letter.md.j2"
    real.write_text(wording, encoding="utf-8")
    (templates / "en").symlink_to("__pycache__")  # a link inside the pack: served
    args = ["letter", str(pack), "--to", "president", "--lang", "en", "--name", "A. Writer"]
    assert run(*args).stdout == run(*args).stdout  # kept
    # (the bundled campaign gives variants of the sign-off; the salutation line is the
    # template's own)
    real.write_text(wording.replace("{{ target.salutation }}", "CHANGED,"), encoding="utf-8")
    changed = run(*args)
    assert "CHANGED," in changed.stdout
    assert changed.stdout == _full(run, args, monkeypatch).stdout


def test_no_entry_moves_where_a_letter_may_be_written(run: Run, pack: Path) -> None:
    """Entries named the template folders the output may not go into: a planted one with
    none let -o write into a pack's templates. The folders come from the run, never the
    entry, which no longer holds them."""
    templates = pack.parent / "templates" / "en"
    templates.mkdir(parents=True)
    (templates / "letter.md.j2").write_text(
        (Path(letter_cache.__file__).parent.parent / "letter_templates" / "en" /
         "letter.md.j2").read_text(encoding="utf-8"), encoding="utf-8")
    args = ["letter", str(pack), "--to", "president", "--lang", "en", "--name", "A. Writer"]
    run(*args)
    (entry,) = _entries()
    data = json.loads(entry.read_text(encoding="utf-8"))
    assert "roots" not in data and str(pack.parent) not in entry.read_text(encoding="utf-8")
    data["roots"] = []
    entry.write_text(json.dumps(data), encoding="utf-8")
    into = run(*args, "-o", str(templates / "out.txt"))
    assert into.exit_code == 2 and not (templates / "out.txt").exists()
