"""Failure capture: WeasyPrint's log records and GLib/Pango messages collected per render."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

# Log records that describe the host, not the document.
_BENIGN_LOG_PREFIXES = ("Using fontTools instead of HarfBuzz-Subset",)

_LOG = logging.getLogger(__name__)

# ------------------------------------------------------------- failure capture


class LogCollector(logging.Handler):
    """Keeps WeasyPrint's WARNING/ERROR records: the only trace of a dropped image."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(_BENIGN_LOG_PREFIXES):
            self.records.append(record)


GLIB_LOCAL = threading.local()
_GLIB_HANDLERS: list[Any] = []  # ctypes callbacks must outlive every call into GLib
_GLIB_DOMAINS = (b"Pango", b"GLib", b"GLib-GObject")
_GLIB_LEVELS = 1 | 2 | 8 | 16  # recursion, fatal flags; CRITICAL, WARNING


def _glib_message(domain: bytes | None, level: int, message: bytes | None, _data: Any) -> None:
    text = f"{(domain or b'GLib').decode(errors='replace')}: "
    text += (message or b"").decode(errors="replace")
    sink: list[str] | None = getattr(GLIB_LOCAL, "sink", None)
    if sink is not None:
        sink.append(text)
    else:
        _LOG.warning("%s", text)


@functools.cache
def install_glib_handler() -> bool:
    """Route Pango/GLib criticals into the render's error list instead of raw stderr."""
    import ctypes
    import ctypes.util

    try:
        try:  # by its Linux name first: find_library runs ldconfig, gcc and ld
            glib = ctypes.CDLL("libglib-2.0.so.0")
        except OSError:
            glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")
        set_handler = glib.g_log_set_handler
    except (OSError, AttributeError):  # pragma: no cover - unusual platforms
        return False
    callback_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p
    )
    callback = callback_type(_glib_message)
    _GLIB_HANDLERS.append(callback)
    set_handler.argtypes = [ctypes.c_char_p, ctypes.c_int, callback_type, ctypes.c_void_p]
    set_handler.restype = ctypes.c_uint
    for domain in _GLIB_DOMAINS:
        set_handler(domain, _GLIB_LEVELS, callback, None)
    return True
