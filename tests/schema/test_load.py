"""The strict YAML loader: catalogue items 17-23 and the positions it keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocate.errors import AdvocateError
from advocate.schema.load import MAX_BYTES, load_yaml, load_yaml_bytes


def error_of(raw: bytes) -> str:
    with pytest.raises(AdvocateError) as info:
        load_yaml_bytes(raw, "campaign.yaml")
    assert len(info.value.problems) == 1
    return str(info.value)


def test_python_tag_is_refused_and_never_run(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    raw = f'x: !!python/object/apply:os.system ["touch {pwned}"]\n'.encode()
    assert error_of(raw).startswith("campaign.yaml:1:4: tag not allowed")
    assert not pwned.exists()


@pytest.mark.parametrize("raw", [b"x: !custom 1\n", b"x: !!str 1\n", b"x: !!binary aGk=\n"])
def test_every_explicit_tag_is_refused(raw: bytes) -> None:
    assert "tag not allowed" in error_of(raw)


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    raw = b'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    assert error_of(raw) == ("campaign.yaml:1:4: anchors are not allowed "
                             "(remove &a and write values out in full)")


def test_alias_without_anchor_is_refused() -> None:
    assert "campaign.yaml:1:4:" in error_of(b"a: *nothing\n")


def test_duplicate_key_names_both_lines() -> None:
    raw = b"advocate: 1\ntitle: a\nid: x\ntitle: b\n"
    assert error_of(raw) == ("campaign.yaml:4:1: duplicate key 'title' "
                             "(first defined at line 2)")


def test_yaml11_implicit_types_stay_strings() -> None:
    doc = load_yaml_bytes(b"country: NO\nzip: 01234\ntime: 12:30\nday: 2024-05-01\n"
                          b"version: 1.10\nhex: 0x1F\nyes: yes\non: off\nphone: +447700900123\n",
                          "c.yaml")
    assert doc.data == {"country": "NO", "zip": "01234", "time": "12:30", "day": "2024-05-01",
                        "version": "1.10", "hex": "0x1F", "yes": "yes", "on": "off",
                        "phone": "+447700900123"}


def test_plain_null_bool_and_int_are_typed_quoted_are_not() -> None:
    doc = load_yaml_bytes(b'a: 1\nb: true\nc: ~\nd: "1"\ne: \'true\'\nf:\n', "c.yaml")
    assert doc.data == {"a": 1, "b": True, "c": None, "d": "1", "e": "true", "f": None}


def test_deep_nesting_is_caught() -> None:
    assert "nested too deeply" in error_of(b"x: " + b"[" * 600)


def test_deep_block_nesting_is_caught() -> None:
    raw = "".join(f"{'  ' * i}k{i}:\n" for i in range(80)).encode()
    assert "nested too deeply" in error_of(raw)


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "campaign.yaml:1:1: empty file"),
    (b"   \n# only a comment\n", "campaign.yaml:1:1: empty file"),
    (b"a: b\nc: \xff\n", "campaign.yaml:2:4: not valid UTF-8 (save the file as UTF-8)"),
    ("\ufeffa: b".encode("utf-16"), "campaign.yaml:1:1: file is UTF-16, not UTF-8"),
    (b"a: b\x00\n", "campaign.yaml:1: NUL character in file"),
    (b"a:\n\tb: 1\n", "campaign.yaml:2:1: invalid YAML: found character '\\t' that cannot "
                      "start any token (YAML indents with spaces, never tabs)"),
    (b"a: {<<: {b: 1}}\n", "campaign.yaml:1:5: merge keys (<<) are not allowed"),
    (b"? [a, b]\n: c\n", "campaign.yaml:1:3: a key must be plain text"),
])
def test_bad_input_messages(raw: bytes, message: str) -> None:
    assert error_of(raw).startswith(message)


def test_utf8_bom_is_accepted() -> None:
    assert load_yaml_bytes(b"\xef\xbb\xbfa: b\n", "c.yaml").data == {"a": "b"}


def test_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * MAX_BYTES + b"\n")
    with pytest.raises(AdvocateError, match=r"big.yaml: file too large \("):
        load_yaml(big)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(AdvocateError, match="no such file"):
        load_yaml(tmp_path / "nope.yaml")
    with pytest.raises(AdvocateError, match="is a folder"):
        load_yaml(tmp_path)


def test_positions_of_keys_and_values() -> None:
    doc = load_yaml_bytes(b"a: 1\nfacts:\n  - text: hi\n    source: [x, y]\n", "c.yaml")
    assert doc.marks[("facts",)] == (2, 1)
    assert doc.marks[("facts", 0)] == (3, 5)
    assert doc.marks[("facts", 0, "source")] == (4, 5)
    assert doc.value_marks[("facts", 0, "source", 1)] == (4, 17)
    assert doc.mark(("facts", 0, "missing", 3)) == (3, 5)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_data_or_advocate_error(raw: bytes) -> None:
    try:
        load_yaml_bytes(raw, "fuzz.yaml")
    except AdvocateError as exc:
        assert exc.problems[0].file == "fuzz.yaml"


# -- libyaml and the pure-Python parser read the same ----------------------------------

REPO = Path(__file__).parents[1].parent
_FRAGMENTS = (b"\t", b" ", b":", b": ", b"- ", b"\n", b"\n  ", b'"', b"'", b"#", b"&a ", b"*a",
              b"!x ", b"{", b"}", b"[", b"]", b",", b"?", b"|", b">", "\x85".encode(),
              "\u2028".encode(), "\ufeff".encode(), b"\r", b"\r\n", b"---\n", b"...\n",
              b"\\", b"\\u00e9", b"\\ud800", "ё".encode(), b"\x01", b"<<: ", b"~", b"012",
              b"- - ", b"|-\n", b">+\n", "😀".encode(), b"x: \n", b"x:\n  - \n")


def _outcome(raw: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    from advocate.schema import load

    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(load, "_CParser", None)
        try:
            doc = load_yaml_bytes(raw, "c.yaml")
        except AdvocateError as exc:
            return ("error", str(exc))
    return ("data", doc.data, doc.marks, doc.value_marks)


def _yaml_inputs() -> list[bytes]:
    seeds = [p.read_bytes() for folder in ("src", "examples", "tests", "campaigns")
             for p in sorted((REPO / folder).rglob("*.yaml"))]
    seeds += [raw[1:] for p in sorted((REPO / "fuzz" / "corpus").iterdir())
              if (raw := p.read_bytes())[:1] == b"\x00"]
    return [seed for seed in seeds if len(seed) < 50_000]


def test_libyaml_is_used_and_its_documents_find_their_positions_later() -> None:
    from advocate.schema import load

    assert load._CParser is not None, "PyYAML without libyaml: campaigns load 5x slower"
    doc = load_yaml_bytes(b"facts:\n  - text: a\n    source: [x, 'y']\n", "c.yaml")
    assert doc._marks is None  # read by libyaml: positions not yet looked up
    assert doc.value_marks[("facts", 0, "source", 1)] == (3, 17)
    assert doc.mark(("facts", 0, "missing")) == (2, 5)


def test_libyaml_and_pure_python_give_the_same_data_positions_and_errors(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Over every YAML file of the repository and the fuzz corpus, and 500 mutations of
    the small ones (tabs, odd line breaks, anchors, tags, quotes, flow syntax): the same data and
    positions, or the same error, whichever parser reads them."""
    import random

    seeds = _yaml_inputs()
    assert len(seeds) > 20
    rng = random.Random(14)
    cases = list(seeds)
    small = [seed for seed in seeds if len(seed) < 8_000]
    for _ in range(500):
        text = bytearray(rng.choice(small))
        for _ in range(rng.choice((1, 1, 2, 3))):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.8:
                text[at:at] = rng.choice(_FRAGMENTS)
            else:
                del text[at:at + rng.randint(1, 8)]
        cases.append(bytes(text))
    parsed = 0
    for raw in cases:
        fast = _outcome(raw, True, monkeypatch)
        assert fast == _outcome(raw, False, monkeypatch), raw
        parsed += fast[0] == "data"
    assert parsed > 100  # enough of the mutations still parse


def test_libyaml_and_pure_python_agree_on_generated_scalars_and_flow_collections(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Short values of YAML's indicator characters in every kind of place: each one the
    same data and positions, or the same error (this found '?', '!' and '|#', on which
    libyaml and PyYAML disagree; such text is read by PyYAML alone)."""
    import random

    chars = [*"ab:,[]{}#'\"!&*|>%@`-? .=/\\é0+~^$()<;", ": ", ", ", "- ", "\n", "\n  ", "  ",
             " #", "---", "...", "|-", ">+", "|2", "\\u00e9", "\\x41", "\t", "\r\n"]
    forms = ["k: {%s}\n", "k: [%s]\n", "k: %s\n", "- %s\n", "k:\n  - {a: %s}\n", "{%s}\n",
             "k: [a, %s, b]\n", "%s: v\n", "a:\n  b: %s\n  c: [%s]\n",
             "- k: |\n    %s\n  j: %s\n", "a: '%s'\nb: \"%s\"\n", "%s\n%s\n"]
    rng = random.Random(14)
    parsed = 0
    for _ in range(3000):
        form = rng.choice(forms)
        values = tuple("".join(rng.choice(chars) for _ in range(rng.randint(1, 10)))
                       for _ in range(form.count("%s")))
        raw = (form % values).encode()
        fast = _outcome(raw, True, monkeypatch)
        assert fast == _outcome(raw, False, monkeypatch), raw
        parsed += fast[0] == "data"
    assert parsed > 500
