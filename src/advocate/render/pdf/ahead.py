"""The PDF engine started ahead: WeasyPrint loads in a child process while the command loads
the campaign and writes the HTML.

Importing WeasyPrint and setting up its fonts takes about a second on this project's
machines, and ``advocate brief`` spends another half second on the campaign, the templates
and the HTML before it needs the engine. Done one after the other, the two add up; on a
machine with two cores or more they need not. :func:`start` forks a child
(:class:`advocate.children.Child`) that imports WeasyPrint and builds the shared renderer at
once; :func:`render` hands it the HTML and the options when they are ready and returns its
:class:`~advocate.render.pdf.engine.PdfResult`.

The child renders exactly what this process would (same code, same options, forked from
it); it is only ever asked by the process that started it, from its main thread. An
AdvocateError (a refused resource, a render over its time limit) comes back as itself; for
anything else the answer is "render it yourself", so a bug shows up in the command's own
process as it always did. The child ends when the command does. Only the ``advocate``
command starts it (:func:`start_for`, allowed by
:func:`advocate.limits.allow_children_ahead`), and only with two or more CPUs: a library
caller, a test runner with threads, or a one-core machine renders in its own process.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

from advocate.errors import AdvocateError, LimitError
from advocate.render.pdf import engine
from advocate.render.pdf.engine import PdfResult

__all__ = ["render", "render_pdf_result", "start", "start_for", "started"]

_CHILD: list[Any] = []  # the Child, while one runs for this process


def start_for(campaign: Path, templates: Path | None = None) -> bool:
    """A PDF of ``campaign`` is coming: load WeasyPrint in a child meanwhile, if this process
    is the command (:func:`advocate.limits.allow_children_ahead`). Not for a template
    pack's layouts (beside the campaign, or ``templates``): they render in the confined
    child instead. True when a child runs."""
    from advocate import limits

    if not limits.AHEAD_ALLOWED:
        return False
    from advocate.templates.roots import template_roots, untrusted_roots

    try:
        if untrusted_roots(template_roots(templates, campaign)):
            return False
    except AdvocateError:
        return False  # the command says what is wrong when it loads the campaign
    return start()


def started() -> bool:
    """Whether a child engine is running for this process."""
    return bool(_CHILD) and _CHILD[0].owner == os.getpid() and _CHILD[0].alive()


def start() -> bool:
    """Fork the child engine now, if it helps: two or more CPUs, WeasyPrint not loaded yet,
    one thread, Linux. True when a child was started (or already runs)."""
    if started():
        return True
    if (not sys.platform.startswith("linux") or "weasyprint" in sys.modules
            or threading.active_count() != 1 or len(os.sched_getaffinity(0)) < 2):
        return False
    from advocate import limits
    from advocate.children import Child

    if limits.CONFINED:
        return False
    _CHILD[:] = [Child(_load_engine, fork=True)]
    return True


def _load_engine() -> None:
    """In the child, at once: WeasyPrint imported and the fonts set up."""
    from advocate.render.pdf import engine

    engine.shared_renderer()


def _render_here(html: str, options: dict[str, Any]) -> PdfResult:
    """In the child: the render (never handed on: this process starts no engine ahead)."""
    return engine.render_pdf_result(html, **options)


def render_pdf_result(html: str, **options: Any) -> PdfResult:
    """:func:`~advocate.render.pdf.engine.render_pdf_result`, in the engine started ahead
    when this process has one, else here."""
    if started():
        result = render(html, options)
        if result is not None:
            return result
    return engine.render_pdf_result(html, **options)


def render(html: str, options: dict[str, Any]) -> PdfResult | None:
    """The child's PdfResult for ``html`` with ``options`` (as for
    :func:`~advocate.render.pdf.engine.render_pdf_result`), or None: render it here."""
    from advocate.children import ChildGone

    if not started() or threading.current_thread() is not threading.main_thread():
        return None
    child = _CHILD[0]
    timeout = float(options.get("timeout", 60.0)) * 2 + 60
    try:
        kind, value = child.call(_render_here, html, options, timeout=timeout)
    except ChildGone as gone:
        _CHILD.clear()
        if gone.timed_out:
            raise LimitError(f"PDF render was stopped after {timeout:g} s",
                             file=options.get("source"),
                             hint="the template or its layout does too much work; simplify "
                             "it") from None
        return None
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "error":
        raise value
    return None  # "failed": the child could not (no WeasyPrint there, a bug)
