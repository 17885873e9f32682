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
    from yaml.events import (
        AliasEvent,
        CollectionStartEvent,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )

    def checked(events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            line, column = _mark(event)
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
                raise problems.fail("anchors and aliases are not allowed", line, column=column)
            if getattr(event, "tag", None) is not None:
                raise problems.fail("tags are not allowed", line, column=column)
            yield event

    def skip(first: Event, events: Iterator[Event]) -> None:
        """Consume the rest of a collection whose start event was ``first``."""
        if not isinstance(first, CollectionStartEvent):
            return
        depth = 1
        while depth:
            event = next(events)
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                depth -= 1

    def scalar_text(event: ScalarEvent) -> str:
        if event.style in (None, "") and event.value in _YAML_NULLS:
            return ""
        return str(event.value)

    unknown_seen: set[str] = set()
    try:
        events = checked(_yaml_events(text))
        next(events)  # StreamStart
        event = next(events)
        if isinstance(event, StreamEndEvent):
            raise problems.fail("empty signer list", 1, "expected a list of signers")
        assert isinstance(event, DocumentStartEvent)
        event = next(events)
        if isinstance(event, ScalarEvent) and scalar_text(event) == "":
            raise problems.fail("empty signer list", 1, "expected a list of signers")
        if not isinstance(event, SequenceStartEvent):
            line, column = _mark(event)
            raise problems.fail(
                "expected a list of signers",
                line,
                "each item looks like: - name: ...",
                column,
            )
        row = 0
        while True:
            item = next(events)
            if isinstance(item, SequenceEndEvent):
                break
            row += 1
            line, column = _mark(item)
            assert line is not None
            if not isinstance(item, MappingStartEvent):
                problems.add(
                    f"row {row}: expected a mapping",
                    line,
                    "each item looks like: - name: ...",
                    column,
                )
                skip(item, events)
                continue
            values: dict[str, str] = {}
            first_line: dict[str, int] = {}
            while True:
                key_event = next(events)
                if isinstance(key_event, MappingEndEvent):
                    break
                key_line, key_column = _mark(key_event)
                value_event = next(events)
                if not isinstance(key_event, ScalarEvent):
                    problems.add(f"row {row}: keys must be text", key_line, column=key_column)
                    skip(key_event, events)
                    skip(value_event, events)
                    continue
                key = key_event.value.strip().casefold()
                if rename:
                    key = rename.get(normal_header(key), key)
                if key in first_line:
                    problems.add(
                        f"row {row}: duplicate key '{key}'"
                        if speakable(key)
                        else f"row {row}: duplicate key",
                        key_line,
                        f"first at line {first_line[key]}",
                        key_column,
                    )
                    skip(value_event, events)
                    continue
                assert key_line is not None
                first_line[key] = key_line
                if key not in KNOWN_COLUMNS:
                    if key not in unknown_seen:
                        unknown_seen.add(key)
                        what = f"'{key}'" if speakable(key) else ""
                        problems.add(
                            f"row {row}: unknown key {what}".rstrip(),
                            key_line,
                            column_hint(key, KNOWN_COLUMNS),
                            key_column,
                        )
                    skip(value_event, events)
                    continue
                if not isinstance(value_event, ScalarEvent):
                    value_line, value_column = _mark(value_event)
                    problems.add(
                        f"row {row}: '{key}' must be text",
                        value_line,
                        "one value per key, not a list or mapping",
                        value_column,
                    )
                    skip(value_event, events)
                    continue
                if key in keep:
                    values[key] = scalar_text(value_event)
            yield Record(row, line, values, first_line)
        if not isinstance(next(events), DocumentEndEvent):  # pragma: no cover - parser invariant
            raise problems.fail("unexpected content after the list")
        event = next(events)
        if not isinstance(event, StreamEndEvent):
            line, column = _mark(event)
            raise problems.fail(
                "more than one YAML document", line, "a signer file holds one list", column
            )
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


