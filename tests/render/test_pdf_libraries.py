"""WeasyPrint's libraries load by their Linux names without cffi's search for the Windows and
macOS ones (render/pdf/engine.py), and nothing else is touched."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from advocate.render.pdf import engine


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shortcut is Linux's")
def test_only_weasyprints_foreign_library_names_skip_the_search(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def spy(name: str) -> str | None:
        asked.append(name)
        return f"found-{name}"

    monkeypatch.setattr(ctypes.util, "find_library", spy)
    with engine._direct_library_names():
        assert ctypes.util.find_library("libgobject-2.0-0") is None  # WeasyPrint's Windows name
        assert ctypes.util.find_library("libpango-1.0.dylib") is None
        assert ctypes.util.find_library("m") == "found-m"  # any other library: searched
        assert ctypes.util.find_library("libpango-1.0.so.0") == "found-libpango-1.0.so.0"
    assert ctypes.util.find_library is spy  # restored
    assert asked == ["m", "libpango-1.0.so.0"]


def test_weasyprint_loads_the_same_libraries() -> None:
    """The PDF engine works: the libraries WeasyPrint needs were loaded."""
    weasy = engine.load_weasyprint()
    assert weasy is not None
    assert ctypes.util.find_library is not None and ctypes.util.find_library.__module__ \
        == "ctypes.util"
