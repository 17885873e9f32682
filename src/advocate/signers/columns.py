"""Which column holds which signer field: mapping, known layouts and advocate's own columns.

A table (CSV or spreadsheet) has a header row. Its columns are matched to signer fields in
this order:

1. an explicit mapping (``--columns name="Full Name",email="Email Address"`` or the
   campaign's ``signers: columns:``), where ``name`` may join several columns
   (``name="First Name"+"Last Name"``);
2. a known export (:mod:`advocate.signers.layouts`), recognised by its headers;
3. advocate's own columns (``name,email,city,country,note,public``), strictly: an unknown
   column is an error with a "did you mean" hint, as a typo would otherwise lose data;
4. common column titles ("Full Name", "E-mail", "First name" + "Last name"…).

With 1, 2 and 4, the other columns are ignored and listed once in a notice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from advocate.errors import AdvocateError
from advocate.signers.layouts import ALIASES, LAYOUTS, Layout, normal_header
from advocate.signers.names import join_name
from advocate.signers.rules import (
    KNOWN_COLUMNS,
    Problems,
    Record,
    column_hint,
    speakable,
)

__all__ = ["ColumnMap", "Plan", "columns_from_mapping", "parse_columns", "plan_columns",
           "table_records"]

ColumnMap = dict[str, tuple[str, ...]]

_MAP_EXAMPLE = 'name="Full Name",email="Email Address",public="Display my name"'


def _map_error(message: str, source: str, hint: str | None = None) -> AdvocateError:
    return AdvocateError(message, file=source, hint=hint or f"for example {_MAP_EXAMPLE}")


def columns_from_mapping(
    mapping: Mapping[str, str | Sequence[str]], source: str = "--columns"
) -> ColumnMap:
    """Check a {field: header or [headers]} mapping (from the campaign file or a script)."""
    result: ColumnMap = {}
    for key, value in mapping.items():
        field_name = key.strip().casefold()
        if field_name not in KNOWN_COLUMNS:
            raise _map_error(f"unknown signer field '{key}'", source,
                             column_hint(field_name, KNOWN_COLUMNS))
        headers = (value,) if isinstance(value, str) else tuple(value)
        if not headers or any(not isinstance(h, str) or not h.strip() for h in headers):
            raise _map_error(f"'{field_name}' needs a column title", source)
        if len(headers) > 1 and field_name != "name":
            raise _map_error(f"only name may join several columns, not '{field_name}'", source)
        result[field_name] = tuple(h.strip() for h in headers)
    return result


def parse_columns(spec: str, source: str = "--columns") -> ColumnMap:
    """Parse ``field=Header,field="Header, with comma",name="First"+"Last"``."""
    mapping: dict[str, list[str]] = {}
    i, n = 0, len(spec)
    while i < n:
        eq = spec.find("=", i)
        if eq < 0:
            raise _map_error(f"'{spec[i:].strip()}' has no '='", source)
        key = spec[i:eq].strip()
        i = _skip_spaces(spec, eq + 1)
        part, i = _column_title(spec, i, source)
        parts = [part]
        while i < n and spec[i] == "+":
            part, i = _column_title(spec, i + 1, source)
            parts.append(part)
        i = _skip_spaces(spec, i)
        if i < n:
            if spec[i] != ",":
                raise _map_error("expected ',' between two mappings", source)
            i += 1
        if key.casefold() in mapping:
            raise _map_error(f"'{key}' is mapped twice", source)
        mapping[key.casefold()] = parts
    if not mapping:
        raise _map_error("empty column mapping", source)
    return columns_from_mapping(mapping, source)


def _skip_spaces(spec: str, i: int) -> int:
    while i < len(spec) and spec[i] == " ":
        i += 1
    return i


def _column_title(spec: str, i: int, source: str) -> tuple[str, int]:
    """The column title at ``spec[i:]`` (quoted, with "" for a quote; or up to the next , or
    +) and where it ends."""
    n = len(spec)
    if i < n and spec[i] == '"':
        end = i + 1
        out = []
        while True:
            if end >= n:
                raise _map_error("unclosed quote", source)
            if spec[end] == '"':
                if end + 1 < n and spec[end + 1] == '"':
                    out.append('"')
                    end += 2
                    continue
                break
            out.append(spec[end])
            end += 1
        return "".join(out), end + 1
    start = i
    while i < n and spec[i] not in ",+":
        i += 1
    return spec[start:i].strip(), i


@dataclass
class Plan:
    """Where each field is in a table's rows."""

    layout: str
    index: dict[str, int] = field(default_factory=dict)
    parts: list[int] | None = None  # name joined from these columns
    given_family: bool = False  # parts are (given name, family name)
    strict: bool = False  # advocate's own columns: unnamed columns must stay empty
    unnamed: frozenset[int] = frozenset()
    width: int = 0
    has_name: bool = True


def _canonical(norm: list[str], line: int, keep: frozenset[str], problems: Problems) -> Plan:
    plan = Plan("advocate columns", strict=True, width=len(norm))
    seen: set[str] = set()
    unnamed: set[int] = set()
    for index, header in enumerate(norm):
        if not header:
            unnamed.add(index)
        elif header in seen:
            problems.add(f"duplicate column '{header}'", line)
        elif header not in KNOWN_COLUMNS:
            what = f"'{header}'" if speakable(header) else str(index + 1)
            problems.add(f"unknown column {what}", line, column_hint(header, KNOWN_COLUMNS))
        elif header in keep:
            plan.index[header] = index
        if header:
            seen.add(header)
    plan.unnamed = frozenset(unnamed)
    if "name" not in seen:
        plan.has_name = False
        problems.add("no 'name' column", line, "the header row must include name")
    return plan


def plan_columns(
    header: Sequence[str],
    line: int,
    mapping: ColumnMap | None,
    keep: frozenset[str],
    problems: Problems,
) -> Plan:
    """Decide where each signer field is; problems go to ``problems``, notices too."""
    norm = [normal_header(c) for c in header]
    layout = next((lay for lay in LAYOUTS if lay.recognise(norm)), None)
    if mapping is None and layout is None and any(h in KNOWN_COLUMNS for h in norm):
        return _canonical(norm, line, keep, problems)

    name = layout.name if layout is not None else "common column titles"
    if mapping is not None:
        name = f"{layout.name} with a column mapping" if layout is not None else "column mapping"
    plan = Plan(name, width=len(norm))
    columns = _Columns(norm, line, problems)
    if mapping is not None:
        columns.map(mapping, plan)
    columns.guess(layout, name_mapped=plan.parts is not None or "name" in columns.chosen)
    columns.join_name_parts(plan)
    chosen = columns.chosen
    if "name" not in chosen and plan.parts is None:
        plan.has_name = False
        if mapping is None and layout is None:
            problems.add(
                "the first row names no known column",
                line,
                f"the first row must name the columns, for example {','.join(KNOWN_COLUMNS)};"
                f" or map yours: --columns {_MAP_EXAMPLE}",
            )
            return plan
        what = f"recognised {layout.name}, but " if layout is not None and mapping is None else ""
        problems.add(
            f"{what}no column holds the signer's name",
            line,
            'map it: --columns name="Your name" (or name="First name"+"Last name")',
        )
    plan.index = {f: i for f, i in chosen.items() if f in keep}
    if "name" in chosen:
        plan.index["name"] = chosen["name"]
    _plan_notices(plan, header, norm, columns.used, keep, line, problems)
    return plan


_NAME_PARTS = ("name", "given_name", "family_name")


class _Columns:
    """The columns of a header row chosen for signer fields, step by step: by a mapping,
    then by a platform's layout and the common titles, then a name from its parts."""

    def __init__(self, norm: list[str], line: int, problems: Problems) -> None:
        self.line, self.problems = line, problems
        self.positions: dict[str, list[int]] = {}
        for index, h in enumerate(norm):
            if h:
                self.positions.setdefault(h, []).append(index)
        self.chosen: dict[str, int] = {}
        self.used: set[int] = set()

    def find(self, title: str) -> int | None:
        """The column titled ``title`` (the first, with a problem, when there are more)."""
        found = self.positions.get(normal_header(title))
        if not found:
            return None
        if len(found) > 1:
            shown = f"'{title}'" if speakable(title) else "a column"
            self.problems.add(f"{shown} appears {len(found)} times in the header row",
                              self.line, "rename one of them, or map another column")
        return found[0]

    def map(self, mapping: ColumnMap, plan: Plan) -> None:
        """The columns a mapping names (``--columns``); a name of parts sets ``plan.parts``."""
        for field_name, titles in mapping.items():
            indices: list[int] = []
            for title in titles:
                found = self.find(title)
                if found is None:
                    self.problems.add(
                        f"no column '{title}' for {field_name}" if speakable(title)
                        else f"no column for {field_name}",
                        self.line,
                        "check --columns (or the campaign's signers: columns): titles are "
                        "compared ignoring case and surrounding spaces",
                    )
                else:
                    indices.append(found)
            if len(indices) != len(titles):
                continue
            self.used.update(indices)
            if len(indices) > 1:
                plan.parts = indices
            else:
                self.chosen[field_name] = indices[0]

    def take(self, field_name: str, titles: Sequence[str]) -> None:
        """The first free column with one of ``titles``, unless the field has one."""
        if field_name in self.chosen:
            return
        for title in titles:
            index = self.find(title)
            if index is not None and index not in self.used:
                self.chosen[field_name] = index
                self.used.add(index)
                return

    def guess(self, layout: Layout | None, *, name_mapped: bool) -> None:
        """The fields the mapping left: by the layout's titles, then the common ones."""
        if layout is not None:
            for field_name, titles in layout.columns.items():
                if not (name_mapped and field_name in _NAME_PARTS):
                    self.take(field_name, titles)
        for field_name, titles in ALIASES.items():
            if name_mapped and field_name in _NAME_PARTS:
                continue
            if field_name in ("given_name", "family_name") and "name" in self.chosen:
                continue
            self.take(field_name, titles)

    def join_name_parts(self, plan: Plan) -> None:
        """One name: a whole-name column wins; else given and family names joined, or the
        one of them there is."""
        chosen = self.chosen
        if "name" in chosen:
            for part in ("given_name", "family_name"):
                if part in chosen:
                    self.used.discard(chosen.pop(part))
        elif plan.parts is None and "given_name" in chosen:
            if "family_name" in chosen:
                plan.parts = [chosen.pop("given_name"), chosen.pop("family_name")]
                plan.given_family = True
            else:
                chosen["name"] = chosen.pop("given_name")
        elif plan.parts is None and "family_name" in chosen:
            chosen["name"] = chosen.pop("family_name")


def _plan_notices(plan: Plan, header: Sequence[str], norm: list[str], used: set[int],
                  keep: frozenset[str], line: int, problems: Problems) -> None:
    """What the plan leaves out, said once: the columns ignored, a list without consent."""
    ignored = [i for i, h in enumerate(norm) if h and i not in used]
    if ignored:
        shown = [f"'{header[i].strip()}'" if speakable(header[i].strip()) else f"column {i + 1}"
                 for i in ignored]
        listed = ", ".join(shown[:20]) + (f" and {len(shown) - 20} more" if len(shown) > 20
                                           else "")
        problems.notice(f"{plan.layout}: ignored {len(ignored)} column"
                        f"{'s' if len(ignored) > 1 else ''}: {listed}", line)
    if "public" in keep and "public" not in plan.index:
        problems.notice(
            f"{plan.layout}: no consent column, so every signer is counted, not named",
            line,
            'map the column where signers agreed to be named: --columns public="..."',
        )


def table_records(
    plan: Plan,
    rows: Iterator[tuple[int, int, list[str]]],
    problems: Problems,
    *,
    ragged_ok: bool = False,
    cell_offset: int | None = None,
) -> Iterator[Record]:
    """Records from a table's data rows ``(row, line, cells)``; blank rows are skipped.

    ``cell_offset`` (spreadsheets: the 0-based column of the table's first cell) records
    each field's column so that problems can name the cell; ``ragged_ok`` lets rows be
    shorter or longer than the header.
    """
    index = list(plan.index.items())
    parts = plan.parts
    given_family = plan.given_family
    width = plan.width
    strict = plan.strict
    unnamed = plan.unnamed
    columns = None if cell_offset is None else _cell_columns(plan, cell_offset + 1)
    for row, line, cells in rows:
        if not "".join(cells).strip():
            continue
        n = len(cells)
        if n != width and not ragged_ok:
            if problems.skip_rows:
                problems.skip(row, line, None, f"expected {width} fields, got {n}")
            else:
                problems.add(f"expected {width} fields, got {n}", line)
            continue
        if strict and unnamed and _skipped_for_stray_values(unnamed, row, line, cells,
                                                             problems):
            continue
        values = {f: (cells[i] if i < n else "") for f, i in index}
        if parts:
            pieces = [cells[i].strip() if i < n else "" for i in parts]
            values["name"] = join_name(pieces, given_family=given_family)
            if given_family:
                values["given_name"], values["family_name"] = pieces
        yield Record(row, line, values, None, columns)


def _cell_columns(plan: Plan, base: int) -> dict[str, int]:
    """Each field's column in a spreadsheet (``base``: the table's first, from 1), so that a
    problem names its cell."""
    columns = {f: i + base for f, i in plan.index.items()}
    if plan.parts:
        columns["name"] = plan.parts[0] + base
        if plan.given_family:
            columns["given_name"] = plan.parts[0] + base
            columns["family_name"] = plan.parts[1] + base
    return columns


def _skipped_for_stray_values(unnamed: frozenset[int], row: int, line: int,
                              cells: list[str], problems: Problems) -> bool:
    """Values in columns without a header (advocate's own columns): each is a problem, or,
    when bad rows are skipped, the row is left out (True)."""
    stray = [i for i in unnamed if i < len(cells) and cells[i].strip()]
    if stray and problems.skip_rows:
        problems.skip(row, line, None, f"column {stray[0] + 1} has a value but no "
                      "header", "name the column in the header row")
        return True
    for i in stray:
        problems.add(
            f"row {row}: column {i + 1} has a value but no header",
            line,
            "name the column in the header row, or delete the value",
        )
    return False
