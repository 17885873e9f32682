"""The built-in templates' Python code, made by Jinja ahead and shipped in the package.

Jinja turns a template into Python source (lexing, parsing, code generation) and Python
compiles that to a code object: 8 ms and 3 ms of a 0.25 s text letter for
``en/letter.md.j2``, the same in every run. ``make install``, ``make ahead`` and ``make
wheel`` make that code object for every built-in template with the installed Jinja and
Python (:func:`write_compiled`, through Jinja's public ``Environment.compile(raw=True)``
and the built-in ``compile``) and write it with :mod:`marshal`, as Python writes a
``.pyc``, to ``templates/compiled/NAME.code`` (not in git; the wheel ships it as a build
artifact), behind one line naming what it was made from: the environment's settings that
shape the code, Jinja's version among them (:func:`fingerprint`), the template's SHA-256
and Python's bytecode version (``importlib.util.MAGIC_NUMBER``). The loader
(:class:`advocate.templates.host.FolderLoader`) takes it only when all of them match the
template it is loading (a pack's unchanged copy included: the code is then the same), under
the template's own file name, so the code object is the one Jinja would have made. A
template, a Jinja, a Python or an environment that changed since, or no file at all: the
template compiles from its source as before.

Nothing here is kept between runs: the files ship with advocate, as its templates and
Python's own ``.pyc`` files do.
"""

from __future__ import annotations

import hashlib
import marshal
from importlib import resources
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

__all__ = ["compiled_code", "compiled_folder", "fingerprint", "load", "write_compiled"]

_SUFFIX = ".code"


def compiled_folder() -> Path:
    """Where the built-in templates' code ships."""
    return Path(str(resources.files("advocate") / "templates" / "compiled"))


def fingerprint(environment: Any, name: str) -> str:
    """What shapes the Python code Jinja makes of template ``name`` in ``environment``,
    besides its source: Jinja's version, the environment's class and sandbox operators, its syntax
    settings, whether and how it finalizes and escapes, and which filters and tests it has,
    with the arguments they are passed (context, environment)."""
    import jinja2

    def passed(function: Any) -> str:
        return str(getattr(function, "jinja_pass_arg", ""))

    autoescape = environment.autoescape
    settings = (
        jinja2.__version__, type(environment).__module__, type(environment).__qualname__,
        sorted(getattr(environment, "intercepted_binops", ())),
        sorted(getattr(environment, "intercepted_unops", ())),
        environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
        environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
        environment.keep_trailing_newline, environment.optimized, environment.is_async,
        sorted(environment.extensions), environment.finalize is not None,
        passed(environment.finalize),
        autoescape(name) if callable(autoescape) else autoescape,
        sorted((name, passed(f)) for name, f in environment.filters.items()),
        sorted((name, passed(f)) for name, f in environment.tests.items()),
    )
    return hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()


def _header(environment_print: str, source: str) -> bytes:  # one line
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return (f"# advocate: environment {environment_print} source {digest} python "
            f"{MAGIC_NUMBER.hex()}\n").encode("ascii")


def _file(folder: Path, name: str) -> Path:
    return folder.joinpath(*name.split("/")[:-1], name.rsplit("/", 1)[-1] + _SUFFIX)


def _named(code: CodeType, filename: str) -> CodeType:
    """``code`` and every code object in it (the template's functions) under ``filename``:
    what ``compile`` gives for that file name (``CodeType.replace``)."""
    constants = tuple(_named(c, filename) if isinstance(c, CodeType) else c
                      for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=constants)


def compiled_code(environment: Any, name: str, source: str, filename: str,
                  folder: Path | None = None) -> CodeType | None:
    """The code of template ``name`` (``source``, read from ``filename``) as Jinja would
    compile it in ``environment``, from the file made ahead in ``folder`` (default: the
    shipped one); None if there is none for exactly this source, these settings and this
    Python."""
    path = _file(folder or compiled_folder(), name)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header, _, body = data.partition(b"\n")
    if header + b"\n" != _header(fingerprint(environment, name), source):
        return None
    try:
        code = marshal.loads(body)
    except (EOFError, ValueError, TypeError):  # cut short or damaged: compile the source
        return None
    return _named(code, filename) if isinstance(code, CodeType) else None


def load(loader: Any, environment: Any, name: str, globals: Any) -> Any:
    """Jinja's ``BaseLoader.load`` (less the bytecode cache: None when the environment has
    one), the template's code taken from the shipped file when it is this template's."""
    if environment.bytecode_cache is not None:
        return None
    source, filename, uptodate = loader.get_source(environment, name)
    code = compiled_code(environment, name, source, filename)
    if code is None:
        code = environment.compile(source, name, filename)
    return environment.template_class.from_code(
        environment, code, {} if globals is None else globals, uptodate)


def write_compiled(environment: Any, names: list[str], folder: Path) -> list[Path]:
    """Templates ``names`` as ``environment`` finds them, as the code object Python compiles
    from Jinja's source, behind their header, into ``folder`` (``make ahead``). Returns the
    files written."""
    written = []
    for name in names:
        source, filename, _ = environment.loader.get_source(environment, name)
        code = compile(environment.compile(source, name, filename, raw=True), filename,
                       "exec", dont_inherit=True)  # as Jinja compiles it
        path = _file(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_header(fingerprint(environment, name), source) + marshal.dumps(code))
        written.append(path)
    return written
