"""The built-in templates' code made by Jinja ahead (``templates/compiled``, written by
``make install``/``make ahead`` with the installed Jinja): taken only for exactly the
template and environment it was made from, it is the code Jinja compiles, and documents made
with it are the documents made without. Nothing here depends on one Jinja version."""

from __future__ import annotations

from pathlib import Path
from types import CodeType

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from advocate.render.documents import renderer_environment, write_compiled_templates
from advocate.templates import compiled
from advocate.templates.host import builtin_templates, make_environment, render

BUILTIN = builtin_templates()
NAMES = sorted(p.relative_to(BUILTIN).as_posix() for p in BUILTIN.rglob("*.j2"))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every built-in template's code, made as ``make ahead`` makes it."""
    folder = tmp_path_factory.mktemp("compiled")
    assert len(write_compiled_templates(folder)) == len(NAMES) > 60
    return folder


@pytest.mark.parametrize("name", NAMES)
def test_the_code_made_ahead_is_the_code_jinja_compiles(name: str, made: Path) -> None:
    env = renderer_environment([BUILTIN])
    source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    code = compiled.compiled_code(env, name, source, filename, made)
    assert code is not None
    assert code == env.compile(source, name, filename)
    assert code.co_filename == filename  # tracebacks and template errors name the template


def test_the_shipped_code_is_taken_only_where_it_is_the_templates() -> None:
    """Whatever ``templates/compiled`` holds (made by this Jinja or another, or nothing):
    each built-in template gets either its own code or none."""
    env = renderer_environment([BUILTIN])
    for name in NAMES:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        code = compiled.compiled_code(env, name, source, filename)
        assert code is None or code == env.compile(source, name, filename), name


def test_code_made_by_another_jinja_python_or_for_another_source_is_not_taken(
        made: Path, tmp_path: Path) -> None:
    env = renderer_environment([BUILTIN])
    source, filename, _ = env.loader.get_source(env, "en/letter.md.j2")  # type: ignore[union-attr]
    data = (made / "en" / "letter.md.j2.code").read_bytes()
    header, _, code = data.partition(b"\n")
    other = tmp_path / "en" / "letter.md.j2.code"
    other.parent.mkdir()
    for changed in (header.replace(b" source ", b" source 0"),  # another template's
                    header.replace(b"environment ", b"environment 0"),  # another Jinja's
                    header.replace(b" python ", b" python 0")):  # another Python's
        other.write_bytes(changed + b"\n" + code)
        assert compiled.compiled_code(env, "en/letter.md.j2", source, filename, tmp_path) is None
    for damaged in (code[: len(code) // 2], b"", b"\xff" + code[1:]):  # cut short, broken
        other.write_bytes(header + b"\n" + damaged)
        assert compiled.compiled_code(env, "en/letter.md.j2", source, filename, tmp_path) is None
    other.write_bytes(header + b"\n" + code)
    assert compiled.compiled_code(env, "en/letter.md.j2", source, filename, tmp_path) \
        == env.compile(source, "en/letter.md.j2", filename)
    assert compiled.compiled_code(env, "en/letter.md.j2", source + " ", filename, made) is None
    assert compiled.compiled_code(env, "en/letter.md.j2", source, filename, tmp_path / "no") \
        is None


def test_every_function_of_the_code_is_under_the_templates_own_name(made: Path) -> None:
    """The code is made under one file name and loaded under another (a wheel built
    elsewhere, a pack's unchanged copy): its blocks and macros, too, name the template
    that is loaded, as Jinja's own compile names them."""
    env = renderer_environment([BUILTIN])
    name = "brief.html.j2"
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    code = compiled.compiled_code(env, name, source, "/elsewhere/" + name, made)
    assert code is not None

    def names(code: CodeType) -> list[str]:
        return [code.co_filename, *(n for c in code.co_consts if isinstance(c, CodeType)
                                    for n in names(c))]

    found = names(code)
    assert len(found) > 1 and set(found) == {"/elsewhere/" + name}
    assert code == env.compile(source, name, "/elsewhere/" + name)


def test_a_packs_changed_copy_is_compiled_from_its_own_source(tmp_path: Path) -> None:
    pack = tmp_path / "pack" / "en"
    pack.mkdir(parents=True)
    source = "Changed.\n" + (BUILTIN / "en" / "letter.md.j2").read_text(encoding="utf-8")
    (pack / "letter.md.j2").write_text(source, encoding="utf-8")
    env = renderer_environment([tmp_path / "pack", BUILTIN])
    assert compiled.compiled_code(env, "en/letter.md.j2", source,
                                  str(pack / "letter.md.j2")) is None
    template = env.get_template("en/letter.md.j2")
    assert template.filename == str(pack / "letter.md.j2")
    assert next(template.root_render_func(template.new_context({}))).startswith("Changed.")


def test_a_pack_with_an_unchanged_copy_takes_the_code_under_its_own_name(
        tmp_path: Path, made: Path) -> None:
    pack = tmp_path / "pack" / "en"
    pack.mkdir(parents=True)
    source = (BUILTIN / "en" / "letter.md.j2").read_text(encoding="utf-8")
    (pack / "letter.md.j2").write_text(source, encoding="utf-8")
    env = renderer_environment([tmp_path / "pack", BUILTIN])
    code = compiled.compiled_code(env, "en/letter.md.j2", source, str(pack / "letter.md.j2"),
                                  made)
    assert code is not None and code.co_filename == str(pack / "letter.md.j2")


def test_another_environment_compiles_from_the_source(made: Path) -> None:
    """Settings that change Jinja's code (no sandbox, other filters, other whitespace
    rules) do not take the shipped code."""
    source, filename, _ = make_environment([BUILTIN]).loader.get_source(  # type: ignore[union-attr]
        make_environment([BUILTIN]), "en/letter.md.j2")
    plain = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                          keep_trailing_newline=True)
    fewer_filters = make_environment([BUILTIN])
    looser = renderer_environment([BUILTIN])
    looser.trim_blocks = False
    for env in (plain, fewer_filters, looser):
        assert compiled.compiled_code(env, "en/letter.md.j2", source, filename, made) is None
    assert compiled.compiled_code(renderer_environment([BUILTIN]), "en/letter.md.j2",
                                  source, filename, made) is not None


def test_documents_rendered_from_the_code_made_ahead_are_those_rendered_from_source(
        made: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters to every target, the brief, the petition and the signature sheet in each of
    the bundled campaign's languages, and a letter's HTML page, rendered with the code made
    ahead and with Jinja's own loader compiling every template from its source: the same."""
    from jinja2 import FileSystemLoader

    from advocate.campaigns import resolve_campaign
    from advocate.render.documents import Renderer
    from advocate.render.writer import Writer
    from advocate.schema.campaign import load_campaign

    monkeypatch.setattr(compiled, "compiled_folder", lambda: made)  # (advocate's own)
    campaign = load_campaign(resolve_campaign("kazakhstan-2022"))
    results = []
    for shipped in (True, False):
        renderer = Renderer(campaign)
        if not shipped:
            renderer.env.loader = FileSystemLoader(BUILTIN)
        texts = []
        for lang in campaign.languages:
            letters = [renderer.letter(t.id, Writer("Ана Ñoño", "Алматы"), lang)
                       for t in campaign.targets]
            documents = [*letters, renderer.brief(lang), renderer.petition([], lang),
                         renderer.sheet(lang)]
            texts += [d.markdown for d in documents] + [renderer.html(letters[:1])]
        results.append(texts)
    assert results[0] == results[1] and len(results[0]) > 20
    assert render  # the host's render, which Renderer calls, is what both went through
