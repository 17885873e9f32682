"""Write fuzz/corpus/: seeds from threats.md's bad-input catalogue and the real inputs.

Each seed is one fuzz input (see fuzz_inputs.py): byte 0 picks the parser (0 campaign,
1 signer list, 2 template), the next bytes its options, the rest is the file itself.
Re-run after the catalogue grows: ``.venv/bin/python fuzz/make_corpus.py``. Files named
``regress-*`` are inputs the fuzzer once found a bug with; they are kept.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
SIGNERS = ROOT / "tests" / "fixtures" / "signers"
BUILTIN = ROOT / "src" / "advocate" / "letter_templates"
BUNDLED = ROOT / "src" / "advocate" / "campaigns" / "kazakhstan-2022.yaml"

KINDS = {".txt.j2": 0, ".html.j2": 1, ".md.j2": 2, ".css.j2": 3}
SIGNER_SUFFIX = {".csv": 0, ".tsv": 1, ".txt": 2, ".yaml": 3}

# The smallest valid campaign, shared with the property tests.
MINIMAL = (Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "campaigns"
           / "minimal.yaml").read_bytes()

CAMPAIGNS = {
    "bundled": BUNDLED.read_bytes(),
    "minimal": MINIMAL,
    "17-python-tag": b'x: !!python/object/apply:os.system ["touch pwned"]\n',
    "18-billion-laughs": b'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: &d [*c,*c]\n',
    "19-duplicate-key": b"advocate: 1\ntitle: a\nid: x\ntitle: b\n",
    "20-yaml11-types": b"country: NO\nzip: 01234\ntime: 12:30\non: off\nv: 1.10\nh: 0x1F\n",
    "21-bad-date": MINIMAL.replace(b"2022-01-17", b"2024-13-45"),
    "22-deep-flow": b"x: " + b"[" * 600,
    "22-deep-block": "".join(f"{'  ' * i}k{i}:\n" for i in range(80)).encode(),
    "23-empty": b"",
    "23-top-level-list": b"- a\n- b\n",
    "tab-indent": b"a:\n\tb: 1\n",
    "invalid-utf8": b"a: b\nc: \xff\n",
    "utf16": "\ufeffadvocate: 1\n".encode("utf-16"),
    "nonstring-key": b"1: x\n? [a, b]\n: c\n",
    "unknown-key": MINIMAL.replace(b"title: T", b"tittle: T"),
    "merge-key": b"a: {<<: {b: 1}}\n",
    "translations": MINIMAL.replace(b"title: T", b"title: {en: T, ru: \xd0\xa2}")
    + b"translations:\n  ru: {reviewed: false}\n",
    "hostile-text": MINIMAL.replace(
        b"text: F", b'text: "{{ 7*7 }} <script>x</script> ::: recipient [l](file:///etc/passwd)"'),
}

TEMPLATES = {
    "11-globals": ("txt", "{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
    "11-mro": ("txt", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    "11-format": ("txt", "{{ '{0.__class__}'.format(1) }}"),
    "11-attr-format": ("txt", "{{ 'a'|attr('format')('{0.__class__}') }}"),
    "11-context": ("txt", "{{ self._TemplateReference__context }}"),
    "11-mutate": ("txt", "{% set _ = signers.public.append('x') %}"),
    "12-loop": ("txt", "{% for i in range(100000) %}{% for j in range(100000) %}"
                       "{% endfor %}{% endfor %}"),
    "13-repeat": ("txt", "{{ 'x' * 10**9 }}"),
    "13-pow": ("txt", "{{ 2 ** 99999999 }}"),
    "13-mod": ("txt", "{{ '%0999999d' % 1 }}"),
    "13-center": ("txt", "{{ 'x'.center(9999999) }}"),
    "13-concat": ("txt", "{% set s = 'x' * 99999 %}{{ s ~ s ~ s }}"),
    "14-include": ("txt", '{% include "../../../etc/hostname" %}'),
    "14-include-ok": ("txt", '{% include "inc.txt.j2" %}{% import "macros.txt.j2" as m %}'
                             "{{ m.greet(writer.name) }}"),
    "15-undefined": ("txt", "Dear {{ writer.name }},\n{{ writer.ctiy }}\n"),
    "16-name": ("txt", '{% include "{{x}}.html.j2" %}'),
    "recursive-macro": ("txt", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
    "syntax": ("txt", "ok\n{{ writer.name }\n"),
    "extends": ("html", '{% extends "base.html.j2" %}{% block body %}{{ writer.name }}'
                        "{% endblock %}"),
    "html-data": ("html", "<p>{{ writer.name }}</p><p>{{ writer.note }}</p>"),
    "md-data": ("md", "::: sender\n{{ writer.name }}\n:::\n\n{{ writer.note }}\n"),
    "lines-cite": ("md", "{{ target.address | lines }} {{ [1, 2] | cite }}"),
    "css": ("css", "body { font-family: serif; } /* {{ paper }} */"),
}


# Byte 0 of a gate seed picks the prefix (fuzz_inputs._GATE_PREFIXES): 0 none, 1 file://,
# 2 file:, 3 FILE:///, 4 data:, 5 http://, 6 the allowed root, 7 file:// + root + /.
GATE_URLS = [
    b"\x01/etc/passwd", b"\x02/etc/passwd", b"\x03dev/zero", b"\x07ok.css", b"\x07link.png",
    b"\x07../secret.png", b"\x07sub/../../secret.png", b"\x07%2e%2e/secret.png",
    b"\x07sub/", b"\x07", b"\x06/ok.css", b"\x04text/css;base64,cHt9",
    b"\x04image/svg+xml,%3Csvg/%3E", b"\x05x.example/p.gif", b"\x01localhost/etc/hostname",
    b"\x01evil.example/share/x.png", b"\x00//evil/share", b"\x07ok.css%00.png",
]


def seed(name: str, data: bytes) -> None:
    digest = hashlib.sha1(data).hexdigest()[:10]
    (CORPUS / f"{name}-{digest}").write_bytes(data)


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        if not old.name.startswith("regress-"):  # findings stay, as regression inputs
            old.unlink()
    for name, raw in CAMPAIGNS.items():
        seed(f"campaign-{name}", b"\x00" + raw)
    for fixture in sorted(SIGNERS.iterdir()):
        if fixture.suffix in SIGNER_SUFFIX:
            suffix = SIGNER_SUFFIX[fixture.suffix]
            seed(f"signers-{fixture.stem}", b"\x01" + bytes([suffix, 0]) + fixture.read_bytes())
    seed("signers-cp1252-explicit", b"\x01\x00\x03" + (SIGNERS / "cp1252.csv").read_bytes())
    for name, (kind, source) in TEMPLATES.items():
        seed(f"template-{name}", b"\x02" + bytes([KINDS[f".{kind}.j2"]]) + source.encode())
    for path in sorted(BUILTIN.rglob("*.j2")):
        kind = next(k for k in KINDS if path.name.endswith(k))
        rel = str(path.relative_to(BUILTIN)).replace("/", "-")
        seed(f"template-builtin-{rel}", b"\x02" + bytes([KINDS[kind]]) + path.read_bytes())
    for number, url in enumerate(GATE_URLS):
        seed(f"gate-{number:02d}", b"\x03" + url)
    print(f"wrote {len(list(CORPUS.iterdir()))} seeds to {CORPUS}")


if __name__ == "__main__":
    main()
