"""The JSON advocate prints for scripts (``--json``), one shape per command, on success and
on failure alike, each described by a JSON Schema the package ships (``schemas/``).

Every document is an object with the same envelope:

* ``"schema"``: the file name of its schema, e.g. ``"build-1.schema.json"``. The number is
  the shape's major version: a key removed or changing meaning gets a new file and a new
  number; keys may be added within a version. ``advocate schema build`` prints the schema.
* ``"ok"``: false exactly when the command exits non-zero because of ``"errors"``.
* ``"errors"`` and ``"warnings"``: lists of problem objects, one shape everywhere
  (:func:`problem_json`): file, line, column, severity, code, message, hint.

A failed command prints the envelope alone (``ok`` false, at least one error); a
successful one adds its own keys. ``manifest.json`` carries the same ``"schema"`` key.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import IO, Any

from advocate.errors import Problem

#: Each JSON output's schema file (in ``schemas/`` at the top of the repository, and in the
#: installed package as ``advocate/schemas/``).
SCHEMAS = {
    "build": "build-1.schema.json",  # build --json and merge --json (the same shape)
    "check": "check-1.schema.json",
    "validate": "validate-1.schema.json",
    "list": "list-1.schema.json",
    "verify": "verify-1.schema.json",
    "manifest": "manifest-1.schema.json",
    "signers-osdi": "signers-osdi-1.schema.json",  # signers --to osdi-json: OSDI's own shape
}


def schema_text(kind: str) -> str:
    """The schema of one JSON output, as shipped (``kind``: a key of :data:`SCHEMAS`)."""
    return (resources.files("advocate") / "schemas" / SCHEMAS[kind]).read_text("utf-8")


def problem_json(problem: Problem) -> dict[str, Any]:
    """One problem as every JSON output writes it."""
    return {"file": problem.file, "line": problem.line, "column": problem.column,
            "severity": problem.severity, "code": problem.code, "message": problem.message,
            "hint": problem.hint}


def envelope(kind: str, problems: Iterable[Problem] = (), *, ok: bool | None = None,
             **fields: Any) -> dict[str, Any]:
    """The object a command prints: its schema's name, ok, its problems split into errors
    and warnings, then ``fields``. ``ok`` defaults to "no errors"."""
    found = list(problems)
    errors = [problem_json(p) for p in found if p.severity == "error"]
    warnings = [problem_json(p) for p in found if p.severity != "error"]
    return {"schema": SCHEMAS[kind], "ok": not errors if ok is None else ok,
            "errors": errors, "warnings": warnings, **fields}


def failure(kind: str, problems: Iterable[Problem]) -> dict[str, Any]:
    """What a ``--json`` command prints when it fails: the envelope with its errors."""
    found = list(problems)
    if not any(p.severity == "error" for p in found):  # never an ok: false without an error
        raise ValueError("a failure needs an error")
    return envelope(kind, found, ok=False)


def write(document: Mapping[str, Any], stream: IO[str], *,
          files: Iterable[str] | None = None) -> None:
    """``document`` as indented JSON, and a final newline. ``files`` (a build's file list,
    which may be millions of paths) is written as the document's ``"files"`` list one
    path at a time, never held as one string."""
    if files is None:
        stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    text = json.dumps({**document, "files": []}, indent=2, ensure_ascii=False)
    head, tail = text.rsplit('"files": []', 1)  # the last key: files
    stream.write(head + '"files": [')
    first = True
    chunk: list[str] = []
    for path in itertools.chain(files, [None]):
        if path is not None:
            chunk.append(path)
            if len(chunk) < 10_000:
                continue
        if chunk:  # json's C encoder, one path a line (its item separator does the layout)
            stream.write(("\n    " if first else ",\n    ") + json.dumps(
                chunk, ensure_ascii=False, separators=(",\n    ", ": "))[1:-1])
            first, chunk = False, []
    stream.write(("\n  ]" if not first else "]") + tail + "\n")
