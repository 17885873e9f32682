"""YAML signer lists: a list of flat mappings of scalars, read from the event stream.

No anchors, aliases, tags or nesting; every scalar stays a string ('NO', '01234', '12:30').
Row N is the list's Nth item; problems point at the key's line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from advocate.signers.layouts import normal_header
from advocate.signers.rules import KNOWN_COLUMNS, Problems, Record, column_hint, speakable

if TYPE_CHECKING:
    from yaml.events import Event

__all__ = ["yaml_records"]

_YAML_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


def _yaml_events(text: str) -> Iterator[Event]:
    import yaml  # deferred: keeps `import advocate.signers` light for text commands

    # BaseLoader resolves nothing, so every scalar stays a string ('NO', '01234', '12:30').
    # We only read the event stream: no constructor ever runs, so no tag can build an object.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    return iter(yaml.parse(text, Loader=loader))


def _mark(event: Any) -> tuple[int | None, int | None]:
    mark = getattr(event, "start_mark", None)
    if mark is None:
        return None, None
    return int(mark.line) + 1, int(mark.column) + 1


def yaml_records(
    text: str,
    keep: frozenset[str],
    problems: Problems,
    rename: dict[str, str] | None = None,
) -> Iterator[Record]:
    """The list's items as records; ``rename`` maps other key names to signer fields."""
    import yaml

    reader = _ListReader(problems, keep, rename)
    try:
        events = reader.checked(_yaml_events(text))
        reader.list_start(events)
        row = 0
        while not isinstance(item := next(events), _events().SequenceEndEvent):
            row += 1
            record = reader.item(row, item, events)
            if record is not None:
                yield record
        reader.list_end(events)
    except yaml.MarkedYAMLError as exc:
        problems.clear()  # what came before a syntax error is not to be trusted
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise problems.fail(
            f"invalid YAML: {exc.problem or exc.context or 'syntax error'}", line, column=column
        ) from None
    except yaml.YAMLError:  # pragma: no cover - libyaml errors are all marked
        problems.clear()
        raise problems.fail("invalid YAML") from None
    except RecursionError:
        raise problems.fail("nested too deeply") from None


def _events() -> Any:
    """PyYAML's event classes (imported when a YAML list is read, not before)."""
    from yaml import events

    return events


def _skip(first: Event, events: Iterator[Event]) -> None:
    """Consume the rest of a collection whose start event was ``first``."""
    e = _events()
    if not isinstance(first, e.CollectionStartEvent):
        return
    depth = 1
    while depth:
        event = next(events)
        if isinstance(event, e.CollectionStartEvent):
            depth += 1
        elif isinstance(event, (e.SequenceEndEvent, e.MappingEndEvent)):
            depth -= 1


def _scalar_text(event: Any) -> str:
    if event.style in (None, "") and event.value in _YAML_NULLS:
        return ""
    return str(event.value)


class _ListReader:
    """The steps of reading a YAML signer list from its events: the list's start, each
    item (a mapping of known keys to text), each key, the list's end."""

    def __init__(self, problems: Problems, keep: frozenset[str],
                 rename: dict[str, str] | None) -> None:
        self.problems, self.keep, self.rename = problems, keep, rename
        self.unknown_seen: set[str] = set()

    def checked(self, events: Iterator[Event]) -> Iterator[Event]:
        """The events, refusing anchors, aliases and tags."""
        e = _events()
        for event in events:
            line, column = _mark(event)
            if isinstance(event, e.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise self.problems.fail("anchors and aliases are not allowed", line,
                                         column=column)
            if getattr(event, "tag", None) is not None:
                raise self.problems.fail("tags are not allowed", line, column=column)
            yield event

    def list_start(self, events: Iterator[Event]) -> None:
        """Up to the start of the list: a document that is a list, not empty."""
        e, problems = _events(), self.problems
        next(events)  # StreamStart
        event = next(events)
        if isinstance(event, e.StreamEndEvent):
            raise problems.fail("empty signer list", 1, "expected a list of signers")
        assert isinstance(event, e.DocumentStartEvent)
        event = next(events)
        if isinstance(event, e.ScalarEvent) and _scalar_text(event) == "":
            raise problems.fail("empty signer list", 1, "expected a list of signers")
        if not isinstance(event, e.SequenceStartEvent):
            line, column = _mark(event)
            raise problems.fail(
                "expected a list of signers",
                line,
                "each item looks like: - name: ...",
                column,
            )

    def list_end(self, events: Iterator[Event]) -> None:
        """After the list: the end of the one document, the end of the stream."""
        e = _events()
        if not isinstance(next(events), e.DocumentEndEvent):  # pragma: no cover - invariant
            raise self.problems.fail("unexpected content after the list")
        event = next(events)
        if not isinstance(event, e.StreamEndEvent):
            line, column = _mark(event)
            raise self.problems.fail(
                "more than one YAML document", line, "a signer file holds one list", column
            )

    def item(self, row: int, item: Event, events: Iterator[Event]) -> Record | None:
        """One item of the list as a record (None: not a mapping, reported)."""
        e = _events()
        line, column = _mark(item)
        assert line is not None
        if not isinstance(item, e.MappingStartEvent):
            self.problems.add(
                f"row {row}: expected a mapping",
                line,
                "each item looks like: - name: ...",
                column,
            )
            _skip(item, events)
            return None
        values: dict[str, str] = {}
        first_line: dict[str, int] = {}
        while not isinstance(key_event := next(events), e.MappingEndEvent):
            value_event = next(events)
            key = self._key(row, key_event, value_event, events, first_line)
            if key is not None and key in self.keep:
                values[key] = _scalar_text(value_event)
        return Record(row, line, values, first_line)

    def _key(self, row: int, key_event: Event, value_event: Event, events: Iterator[Event],
             first_line: dict[str, int]) -> str | None:
        """The signer field a key names, its value text; None (the value skipped) for a key
        that is not text, a duplicate, unknown, or whose value is not text."""
        e, problems = _events(), self.problems
        key_line, key_column = _mark(key_event)
        if not isinstance(key_event, e.ScalarEvent):
            problems.add(f"row {row}: keys must be text", key_line, column=key_column)
            _skip(key_event, events)
            _skip(value_event, events)
            return None
        key: str = key_event.value.strip().casefold()
        if self.rename:
            key = self.rename.get(normal_header(key), key)
        if key in first_line:
            problems.add(
                f"row {row}: duplicate key '{key}'"
                if speakable(key)
                else f"row {row}: duplicate key",
                key_line,
                f"first at line {first_line[key]}",
                key_column,
            )
            _skip(value_event, events)
            return None
        assert key_line is not None
        first_line[key] = key_line
        if key not in KNOWN_COLUMNS:
            if key not in self.unknown_seen:
                self.unknown_seen.add(key)
                what = f"'{key}'" if speakable(key) else ""
                problems.add(
                    f"row {row}: unknown key {what}".rstrip(),
                    key_line,
                    column_hint(key, KNOWN_COLUMNS),
                    key_column,
                )
            _skip(value_event, events)
            return None
        if not isinstance(value_event, e.ScalarEvent):
            value_line, value_column = _mark(value_event)
            problems.add(
                f"row {row}: '{key}' must be text",
                value_line,
                "one value per key, not a list or mapping",
                value_column,
            )
            _skip(value_event, events)
            return None
        return key
