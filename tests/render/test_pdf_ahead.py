"""The PDF engine started ahead (render/pdf/ahead.py): the same bytes as rendering here, errors
as themselves, a fallback when the child cannot render, and a command that ends cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from advocate.cli import app
from advocate.render.pdf import engine
from advocate.render.pdf.html_checks import MAX_DEPTH

HTML = ("<!doctype html><html lang='kk'><head><meta charset='utf-8'><title>t</title></head>"
        "<body><h1>Қазақстан 2022</h1><p>Ahead of time: ۱۲۳ and 東京.</p></body></html>")


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` in a fresh Python (one thread, no WeasyPrint yet), as the command is."""
    script = tmp_path / "ahead.py"
    script.write_text(textwrap.dedent("""
        import sys
        from pathlib import Path
        from advocate.render.pdf import ahead, engine
        HTML = sys.argv[1]
        OPTIONS = dict(title="Ahead", lang="kk", base_dir=Path(sys.argv[2]))
    """) + textwrap.dedent(body), encoding="utf-8")
    return subprocess.run([sys.executable, str(script), HTML, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "SOURCE_DATE_EPOCH":
                                                       "1768435200"})


def test_the_child_renders_the_same_bytes_and_the_parent_never_loads_weasyprint(
        tmp_path: Path) -> None:
    done = _script(tmp_path, """
        assert ahead.start() and ahead.started()
        result = ahead.render_pdf_result(HTML, **OPTIONS)
        again = ahead.render_pdf_result(HTML, **OPTIONS)  # the child serves more than one
        assert result == again
        print("weasyprint" in sys.modules, result.pages)
        Path(sys.argv[2], "ahead.pdf").write_bytes(result.data)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "1"]
    here = engine.shared_renderer().render_result(HTML, title="Ahead", lang="kk",
                                                  base_dir=tmp_path)
    assert (tmp_path / "ahead.pdf").read_bytes() == here.data
    assert "Қазақстан 2022" in PdfReader(tmp_path / "ahead.pdf").pages[0].extract_text()


def test_an_advocate_error_comes_back_as_itself(tmp_path: Path) -> None:
    deep = "<div>" * (MAX_DEPTH + 5) + "x" + "</div>" * (MAX_DEPTH + 5)
    done = _script(tmp_path, f"""
        from advocate.errors import AdvocateError
        assert ahead.start()
        try:
            ahead.render_pdf_result("<html><body>{deep}</body></html>", **OPTIONS)
        except AdvocateError as exc:
            print(type(exc).__name__, "|", exc.first.message)
        print("weasyprint" in sys.modules)
    """)
    assert done.returncode == 0, done.stderr
    first, loaded = done.stdout.strip().splitlines()
    try:
        engine.shared_renderer().render_result(f"<html><body>{deep}</body></html>",
                                               title="Ahead", lang="kk", base_dir=tmp_path)
    except Exception as exc:
        here = f"{type(exc).__name__} | {exc.first.message}"  # type: ignore[attr-defined]
    assert first == here and "deep" in first.lower()
    assert loaded == "False"


def test_a_child_that_cannot_render_hands_the_work_back(tmp_path: Path) -> None:
    done = _script(tmp_path, """
        real = engine.shared_renderer
        def broken():
            raise OSError("no Pango here")
        engine.shared_renderer = broken   # what the child inherits...
        assert ahead.start()
        engine.shared_renderer = real     # ...and not the parent
        result = ahead.render_pdf_result(HTML, **OPTIONS)
        print("weasyprint" in sys.modules, result.pages, result.data[:5])
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", "b'%PDF-'"]


def test_library_callers_and_threads_do_not_start_one(tmp_path: Path) -> None:
    done = _script(tmp_path, """
        import threading
        import weasyprint
        print(ahead.start())               # WeasyPrint already here: nothing to gain
    """)
    assert done.stdout.split() == ["False"]
    done = _script(tmp_path, """
        import threading, time
        threading.Thread(target=time.sleep, args=(2,)).start()
        print(ahead.start())               # never fork a process with threads
    """)
    assert done.stdout.split() == ["False"]


@pytest.mark.parametrize("command", [["brief", "kazakhstan-2022"],
                                     ["letter", "kazakhstan-2022", "--to", "president",
                                      "--name", "A. Writer", "--format", "pdf"]])
def test_the_command_with_the_engine_ahead_writes_the_librarys_bytes(
        tmp_path: Path, command: list[str]) -> None:
    """`advocate` (the command, which starts the engine ahead) against the same command run in
    process (which never does): the same PDF; and the command ends, its child with it,
    leaving no temporary file behind."""
    ahead_pdf, here_pdf = tmp_path / "ahead.pdf", tmp_path / "here.pdf"
    temporary = tmp_path / "tmp"  # the command's and its child's temporary files
    temporary.mkdir()
    done = subprocess.run([sys.executable, "-m", "advocate", *command, "-o", str(ahead_pdf)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TMPDIR": str(temporary)})
    assert list(temporary.iterdir()) == []  # removed, the child's font copies too
    assert done.returncode == 0, done.stderr
    result = CliRunner().invoke(app, [*command, "-o", str(here_pdf)])
    assert result.exit_code == 0, result.stderr
    assert ahead_pdf.read_bytes() == here_pdf.read_bytes()
    assert done.stderr == f"advocate: wrote {ahead_pdf}\n"


def test_only_advocates_own_templates_get_the_engine_ahead(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A pack's layouts render in the confined child, so a pack (templates beside the
    campaign, or --templates) starts no engine ahead; nor does the library (only main())."""
    from advocate import limits
    from advocate.campaigns import resolve_campaign
    from advocate.cli import common
    from advocate.render.pdf import ahead

    started: list[bool] = []
    monkeypatch.setattr(ahead, "start", lambda: started.append(True) or True)
    bundled = resolve_campaign("kazakhstan-2022")
    pack = Path(__file__).parents[1].parent / "examples" / "journalists-az" / "campaign.yaml"
    assert not ahead.start_for(bundled, None)  # not the command: never
    monkeypatch.setattr(limits, "AHEAD_ALLOWED", True)
    assert ahead.start_for(bundled, None)
    assert not ahead.start_for(pack, None)
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "brief.md.j2").write_text("x", encoding="utf-8")
    assert not ahead.start_for(bundled, tmp_path)
    assert not common.engine_ahead("no-such-campaign", None)  # the command says what is wrong
    assert started == [True]
