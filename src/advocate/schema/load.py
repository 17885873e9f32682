"""Strict YAML loading: plain data plus the line and column of every key and item.

PyYAML's defaults are wrong for campaign files: YAML 1.1 turns ``NO`` into ``False``,
``01234`` into 668 and ``12:30`` into 750; anchors let a 1 KB file expand into gigabytes;
duplicate keys silently keep the last value; tags can name Python objects. This loader
composes the node tree itself (PyYAML's composer, never its constructor), refuses
anchors, aliases and tags, and types plain scalars by a small, explicit rule set:
``null``/``~``/empty, ``true``/``false`` and plain decimal integers. Everything else,
dates included, stays a string; the model converts what it asks for.

Positions are kept by *path*: ``marks[("facts", 0, "source")] == (12, 5)`` is where that
key starts (1-based line and column), so every later error can point at its place.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml.reader
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from advocate.errors import AdvocateError, Problem

MAX_BYTES = 1 << 20  # 1 MiB: a campaign is text, not a database
MAX_DEPTH = 32

PathKey = tuple[str | int, ...]
Mark = tuple[int, int]

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


@dataclass
class YamlDocument:
    """A loaded YAML file: its data, where each part came from, and its name for messages.

    The positions of a document read by libyaml are found when first asked for (a file
    without problems never needs them), by the pure-Python parser: the positions of every
    message are the same whichever parser read the data."""

    data: Any
    _marks: dict[PathKey, Mark] | None = field(default_factory=dict)
    filename: str = "<input>"
    _value_marks: dict[PathKey, Mark] | None = field(default_factory=dict)
    _text: str | None = field(default=None, repr=False, compare=False)

    @property
    def marks(self) -> dict[PathKey, Mark]:
        """Where each key and item starts: ``marks[("facts", 0, "source")] == (12, 5)``."""
        if self._marks is None:
            self._locate()
        assert self._marks is not None
        return self._marks

    @property
    def value_marks(self) -> dict[PathKey, Mark]:
        """Where each value starts."""
        if self._value_marks is None:
            self._locate()
        assert self._value_marks is not None
        return self._value_marks

    def _locate(self) -> None:
        assert self._text is not None
        found = _pure_document(self._text, self.filename)
        self._marks, self._value_marks = found.marks, found.value_marks

    def mark(self, path: PathKey) -> Mark | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.marks.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def problem(self, path: PathKey, message: str, hint: str | None = None,
                severity: str = "error", *, at_value: bool = False) -> Problem:
        """A problem located at ``path`` (its value, with ``at_value``) in this file."""
        found = self.value_marks.get(tuple(path)) if at_value else None
        line, col = found or self.mark(path) or (None, None)
        return Problem(message, self.filename, line, col, hint,
                       "warning" if severity == "warning" else "error")


class _Strict(Composer):
    """PyYAML's composer that refuses anchors, aliases, tags and depth (every scalar a string)."""

    filename: str
    depth: int

    def _fail(self, event: Any, message: str, hint: str | None = None) -> None:
        mark = event.start_mark
        raise AdvocateError(message, file=self.filename, line=mark.line + 1,
                            column=mark.column + 1, hint=hint)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()  # type: ignore[attr-defined]  # the parser's, beside it
        if isinstance(event, yaml.AliasEvent):
            self._fail(event, "aliases are not allowed",
                       "write the value out in full instead of *" + str(event.anchor))
        if getattr(event, "anchor", None) is not None:
            self._fail(event, "anchors are not allowed",
                       "remove &" + str(event.anchor) + " and write values out in full")
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            self._fail(event, f"tag not allowed: {tag}",
                       "campaign files are plain data; remove the tag")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self._fail(event, f"nested too deeply (more than {MAX_DEPTH} levels)",
                       "flatten the structure")
        try:
            node: Node | None = Composer.compose_node(self, parent, index)
        finally:
            self.depth -= 1
        assert node is not None
        return node


class _StrictLoader(_Strict, yaml.BaseLoader):
    """The pure-Python reader, scanner and parser under the strict composer."""

    def __init__(self, stream: str, filename: str) -> None:
        yaml.BaseLoader.__init__(self, stream)
        self.filename = filename
        self.depth = 0


_CParser: Any = getattr(yaml, "__with_libyaml__", False) and getattr(yaml.cyaml, "CParser", None)


if _CParser is not None:
    class _FastStrictLoader(_Strict, _CParser, BaseResolver):  # type: ignore[misc]
        """libyaml's scanner and parser (C) under the same strict composer: the same events,
        nodes and marks as :class:`_StrictLoader` on a file that parses (tests/schema/test_load.py
        compares them), several times faster. Any error is reported by the pure-Python
        loader instead, so its messages and positions stay exactly the same."""

        def __init__(self, stream: str, filename: str) -> None:
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            BaseResolver.__init__(self)
            self.filename = filename
            self.depth = 0


# libyaml takes tabs, '?', '|#' and tags ('!' starting a word) in places PyYAML refuses
# (found by tests/schema/test_load.py's comparisons), and places the marks of empty values and of
# some characters elsewhere (those are looked up by PyYAML, see YamlDocument): text with any
# of these is read by PyYAML alone.
_LIBYAML_DIFFERS = re.compile(
    "[?\t\r\x85\u2028\u2029\ufeff]|[|>][-+0-9]*#|(?:^|[\\s\\[\\]{},])!", re.MULTILINE)


def _fast_document(text: str, filename: str) -> YamlDocument | None:
    """The document by libyaml (its positions found later, see :class:`YamlDocument`), or None
    when libyaml is missing, the text holds what libyaml reads otherwise, or anything is
    amiss: the pure-Python loader then reads the text again and reports it its own way."""
    if _CParser is None or _LIBYAML_DIFFERS.search(text):
        return None
    loader = None
    try:
        loader = _FastStrictLoader(text, filename)
        node: Node | None = loader.get_single_node()
        if node is None:
            return None
        data = _build(node, (), YamlDocument(None, {}, filename))
    except Exception:  # every problem is the pure loader's to report
        return None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data, None, filename, None, text)


def _decode(raw: bytes, filename: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AdvocateError("file is UTF-16, not UTF-8", file=filename, line=1, column=1,
                            hint="save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise AdvocateError("not valid UTF-8", file=filename, line=line, column=column,
                            hint="save the file as UTF-8") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise AdvocateError("NUL character in file", file=filename, line=line,
                            hint="this is not a text file")
    return text


def _scalar(node: ScalarNode) -> Any:
    value = node.value
    if node.style:  # quoted or block scalar: always a string (plain: None, or "" from libyaml)
        return value
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        return int(value)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogate(node: ScalarNode, doc: YamlDocument) -> None:
    """A lone surrogate (a "\\ud800" escape) passes YAML but no file can hold it."""
    if not node.value.isascii() and _SURROGATE.search(node.value):
        raise AdvocateError("text holds a lone surrogate (an escape like \\ud800), which "
                            "cannot be written to any file", file=doc.filename,
                            line=node.start_mark.line + 1, column=node.start_mark.column + 1,
                            hint="write the character itself, or a pair of escapes")


def _build(node: Node, path: PathKey, doc: YamlDocument) -> Any:
    doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, ScalarNode):
        _no_surrogate(node, doc)
        return _scalar(node)
    if isinstance(node, SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            doc.marks[(*path, index)] = (child.start_mark.line + 1, child.start_mark.column + 1)
            items.append(_build(child, (*path, index), doc))
        return items
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, ScalarNode):
                raise AdvocateError("a key must be plain text", file=doc.filename, line=line,
                                    column=col, hint="keys cannot be lists or mappings")
            _no_surrogate(key_node, doc)
            key = key_node.value
            if key == "<<" and not key_node.style:
                raise AdvocateError("merge keys (<<) are not allowed", file=doc.filename,
                                    line=line, column=col, hint="write the keys out in full")
            if key in result:
                first = doc.marks[(*path, key)][0]
                raise AdvocateError(f"duplicate key '{key}'", file=doc.filename, line=line,
                                    column=col, hint=f"first defined at line {first}")
            doc.marks[(*path, key)] = (line, col)
            result[key] = _build(value_node, (*path, key), doc)
        return result
    raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover


def load_yaml_bytes(raw: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Parse YAML bytes strictly; raise :class:`AdvocateError` with a position on any problem."""
    if len(raw) > max_bytes:
        raise AdvocateError(f"file too large ({len(raw):,} bytes; the limit is {max_bytes:,})",
                            file=filename, hint="a campaign file should be a few kilobytes")
    text = _decode(raw, filename)
    if not text.strip():
        raise AdvocateError("empty file", file=filename, line=1, column=1,
                            hint="run `advocate new NAME` for a starting point")
    return _fast_document(text, filename) or _pure_document(text, filename)


def _pure_document(text: str, filename: str) -> YamlDocument:
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text, filename)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = str(exc.problem or exc.context or "invalid YAML")
        hint = "YAML indents with spaces, never tabs" if "\\t" in message or "tab" in message \
            else "check the indentation and quoting around this place"
        raise AdvocateError(f"invalid YAML: {message}", file=filename,
                            line=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None, hint=hint) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise AdvocateError(f"invalid character {exc.character!r} in file", file=filename,
                            line=line, hint="remove control characters") from None
    except yaml.YAMLError as exc:
        raise AdvocateError(f"invalid YAML: {exc}", file=filename) from None
    except RecursionError:
        raise AdvocateError("nested too deeply", file=filename,
                            hint="flatten the structure") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise AdvocateError("empty file", file=filename, line=1, column=1,
                            hint="run `advocate new NAME` for a starting point")
    doc = YamlDocument(None, {}, filename)
    doc.marks[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
    doc.data = _build(node, (), doc)
    return doc


def load_yaml(path: Path, *, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Read and parse a YAML file strictly (see :func:`load_yaml_bytes`)."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise AdvocateError(f"file too large ({size:,} bytes; the limit is {max_bytes:,})",
                                file=name, hint="a campaign file should be a few kilobytes")
        # never blocking: a FIFO or a device named as the campaign is refused, not waited on
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb") as handle:
            mode = os.fstat(descriptor).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                raise AdvocateError("not a regular file", file=name,
                                    hint="name the campaign's .yaml file")
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise AdvocateError("no such file", file=name,
                            hint="check the path, or run `advocate list`") from None
    except IsADirectoryError:
        raise AdvocateError("is a folder, not a file", file=name) from None
    except PermissionError:
        raise AdvocateError("permission denied", file=name) from None
    return load_yaml_bytes(raw, name, max_bytes=max_bytes)
