"""The one Jinja host: sandboxed, strict, escaping by output type, confined to its folders.

Templates may come from a campaign pack that nobody has vetted, so they are untrusted:

- ``ImmutableSandboxedEnvironment``: no attribute walks to Python internals, no mutation
  of the data handed in; ``**`` is disabled and string/list repetition is capped.
- ``StrictUndefined``: a misspelt field is an error at ``template:line``, never a blank.
- Autoescape is chosen by the template's type (``.html.j2`` escapes HTML, ``.md.j2``
  escapes Markdown, ``.txt.j2`` and ``.css.j2`` are literal); any other name is refused.
- :class:`FolderLoader` reads only regular files inside its folders: no ``..``, no
  symlinks leading out, no odd file names, a size cap.
- Every render runs under a time limit.

Campaign and signer data is data: in Markdown templates every ``{{ value }}`` is escaped
unless it is :class:`MarkdownText` (the campaign's own Markdown fields), so ``{{ 7*7 }}``
or ``<script>`` in a fact appears literally in text and escaped in HTML.
"""

from __future__ import annotations

import dataclasses
import re
import stat
import string
import traceback
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    pass_context,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from advocate import limits
from advocate.children import Confined
from advocate.errors import AdvocateError, LimitError, did_you_mean
from advocate.limits import RenderTimeout, time_limit
from advocate.templates import compiled
from advocate.templates.roots import builtin_templates as builtin_templates  # re-exported
from advocate.templates.roots import template_roots as template_roots  # re-exported
from advocate.templates.roots import untrusted_roots as untrusted_roots  # re-exported
from advocate.text.markdown import MarkdownText
from advocate.text.markdown import escape_markdown as escape_markdown  # re-exported

MAX_TEMPLATE_BYTES = 256 * 1024
MAX_REPEAT = 100_000
RENDER_SECONDS = 10.0
_NAME_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_KINDS: dict[str, bool | None] = {
    ".html.j2": True,
    ".htm.j2": True,
    ".md.j2": None,  # Markdown escaping, done by finalize
    ".txt.j2": False,
    ".css.j2": False,
}


def template_kind(name: str | None) -> str:
    """The output type of a template, from its name; unknown types are refused."""
    for suffix in _KINDS:
        if name and name.endswith(suffix):
            return suffix
    raise AdvocateError(
        f"unknown template type: {name!r}", file=name,
        hint="template names end in .html.j2, .md.j2, .txt.j2 or .css.j2")


def _autoescape(name: str | None) -> bool:
    return _KINDS[template_kind(name)] is True


@pass_context
def finalize(context: Context, value: Any) -> Any:
    """Markdown-escape every value printed by a Markdown template, except Markdown fields."""
    if isinstance(value, MarkdownText | Markup) or not isinstance(value, str):
        return value
    if context.name and context.name.endswith(".md.j2"):
        return escape_markdown(value)
    return value


class FolderLoader(BaseLoader):
    """Loads templates from folders in order; refuses anything that leaves them."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = [root.resolve() for root in roots if root.is_dir()]

    def get_source(
        self, environment: Any, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        parts = template.split("/")
        if not all(_NAME_PART.fullmatch(part) and ".." not in part for part in parts):
            raise AdvocateError(f"invalid template name {template!r}",
                                hint="use letters, digits, '.', '_' and '-' only")
        template_kind(template)
        for root in self.roots:
            candidate = root.joinpath(*parts)
            try:
                info = candidate.lstat()
            except (FileNotFoundError, NotADirectoryError):
                continue
            real = candidate.resolve()
            if stat.S_ISLNK(info.st_mode) or not real.is_relative_to(root):
                raise AdvocateError("refused: template is a link leading out of its folder",
                                    file=str(candidate), hint="copy the file in instead")
            if not stat.S_ISREG(info.st_mode):
                raise AdvocateError("refused: not a regular file", file=str(candidate))
            if info.st_size > MAX_TEMPLATE_BYTES:
                raise AdvocateError(f"template too large (over {MAX_TEMPLATE_BYTES:,} bytes)",
                                    file=str(candidate))
            try:
                source = real.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise AdvocateError("template is not valid UTF-8", file=str(candidate)) from None
            return source, str(candidate), lambda: True
        raise TemplateNotFound(template)

    def load(self, environment: Any, name: str, globals: Any = None) -> Template:
        """Jinja's, with a built-in template's code made ahead (templates/compiled.py)."""
        return compiled.load(self, environment, name, globals) or super().load(
            environment, name, globals)


_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PERCENT_SPEC = re.compile(r"%[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?")
MAX_JOINED = 10 * MAX_REPEAT  # separators or replacements added by one join/replace


def _too_wide(*numbers: Any) -> bool:
    return any(isinstance(n, int) and not isinstance(n, bool) and n > MAX_REPEAT
               for n in numbers)


def _check_format_spec(spec: str, values: Sequence[Any]) -> None:
    """Refuse str.format / % padding wider than MAX_REPEAT (``'{:>999999999}'``)."""
    numbers = [int(n) for n in re.findall(r"\d+", spec)]
    if _too_wide(*numbers) or ("{" in spec and _too_wide(*values)):
        raise SecurityError("repetition too large")


#: The largest text or list one filter, method or operator may make (characters or items).
MAX_RESULT = 8_000_000
#: The most items sort, unique, groupby and friends may take (each comparison may be costly).
MAX_ITEMS = 200_000


def _too_large(value: Any) -> Any:
    """``value``, unless it is a text or collection larger than MAX_RESULT."""
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_RESULT:
        raise SecurityError("result too large")
    return value


def _check_join(sep: Any, items: Any) -> None:
    """Refuse a join whose result would be too large, before it is built: ``join`` runs in
    C, where no time limit can stop it (``([s] * 30000)|join`` built 3 GB)."""
    if not hasattr(items, "__len__"):
        return
    if isinstance(sep, str) and len(sep) * max(len(items) - 1, 0) > MAX_JOINED:
        raise SecurityError("repetition too large")
    if len(items) > MAX_RESULT:
        raise SecurityError("result too large")
    total = len(sep) * max(len(items) - 1, 0) if isinstance(sep, str) else 0
    for item in items:
        total += len(item) if isinstance(item, str) else 24  # str() of a number or the like
        if total > MAX_RESULT:
            raise SecurityError("result too large")


def _check_items(value: Any) -> None:
    if hasattr(value, "__len__") and len(value) > MAX_ITEMS:
        raise SecurityError(f"too many items (over {MAX_ITEMS:,})")


def _check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        if times * len(new) > MAX_JOINED:
            raise SecurityError("repetition too large")


_CONFINED: weakref.WeakKeyDictionary[Any, Confined] = weakref.WeakKeyDictionary()


class AdvocateEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with ``**`` disabled and every way of repeating text capped: ``*``,
    ``%`` and ``str.format`` padding, ``center``/``ljust``/``zfill``-style widths, and the
    separators ``join`` and ``replace`` add. (``~`` concatenation is not interceptable in
    Jinja; renders stay bounded by the time limit.)"""

    intercepted_binops = frozenset({"*", "**", "%"})
    #: Templates from outside advocate (a pack's, --templates): rendered in a confined child.
    untrusted = False

    def confined(self) -> Confined:
        """The child process this environment's untrusted renders run in (started lazily;
        one per environment object: an overlay, which copies its parent's attributes, gets
        its own, holding the overlay)."""
        found = _CONFINED.get(self)
        if found is None:
            found = _CONFINED[self] = Confined(self)
        return found

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("** is disabled in templates")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and \
                        len(seq) * count > MAX_REPEAT:
                    raise SecurityError("repetition too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and \
                        _size(seq) * count > MAX_RESULT:
                    raise SecurityError("result too large")
        if operator == "%" and isinstance(left, str):
            values = right if isinstance(right, tuple) else (right,)
            for width, precision in _PERCENT_SPEC.findall(left):
                if _too_wide(*(int(n) for n in (width, precision) if n.isdigit())) or (
                        "*" in (width, precision) and _too_wide(*values)):
                    raise SecurityError("repetition too large")
        return _too_large(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            method = getattr(__obj, "__name__", "")
            if method in _WIDTH_METHODS and _too_wide(*args, *kwargs.values()):
                raise SecurityError("repetition too large")
            if method == "join" and args:
                _check_join(owner, args[0])
            if method == "replace" and len(args) >= 2:
                _check_replace(owner, *args[:3])
        elif getattr(__obj, "__name__", "") in ("sort", "sorted") or __obj is sorted:
            _check_items(args[0] if args else owner)
        return _too_large(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``'{:>999999999}'.format(1)``: the sandbox's str.format, with padding capped."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            values = [*args, *kwargs.values()]
            if args and isinstance(args[0], dict):  # format_map
                values += list(args[0].values())
            for _literal, _field, spec, _conversion in string.Formatter().parse(fmt):
                if spec:
                    _check_format_spec(spec, values)
            return wrapped(*args, **kwargs)

        return checked


def _capped_filters(env: AdvocateEnvironment) -> None:
    """Wrap the built-in filters that can pad or repeat text with the same caps
    (:data:`_CAPS`), those that sort or count with a cap on their items, and every filter
    with a cap on what it makes."""
    for name, cap in _CAPS.items():
        original = env.filters[name]
        capped = cap(original)
        pass_arg = getattr(original, "jinja_pass_arg", None)
        if pass_arg is not None:  # Jinja passes the same context to the cap
            capped.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
        env.filters[name] = capped
    # Sorting runs in C: ([m, n] * 50000)|sort over equal nested lists never returned to
    # the interpreter. The item count is capped here; the time by the OS (limits.py).
    for name in ("sort", "unique", "dictsort", "groupby", "min", "max", "sum"):
        env.filters[name] = _items_capped(env.filters[name])
    # Whatever any filter makes is capped in size (text, list or mapping).
    for name, function in list(env.filters.items()):
        env.filters[name] = _result_capped(function)


_Filter = Callable[..., Any]


def _capped_center(center: _Filter) -> _Filter:
    def capped_center(value: Any, width: int = 80) -> Any:
        if _too_wide(width):
            raise SecurityError("repetition too large")
        return center(value, width)

    return capped_center


def _capped_indent(indent: _Filter) -> _Filter:
    def capped_indent(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        lines = str(value).count("\n") + 1
        size = width if isinstance(width, int) else len(str(width))
        if lines * size > MAX_RESULT:
            raise SecurityError("result too large")
        if _too_wide(width) or (isinstance(width, str) and len(width) > MAX_REPEAT):
            raise SecurityError("repetition too large")
        return indent(value, width, *args, **kwargs)

    return capped_indent


def _capped_join(join: _Filter) -> _Filter:
    def capped_join(eval_ctx: Any, value: Any, d: str = "", *args: Any, **kwargs: Any) -> Any:
        items = list(value) if not hasattr(value, "__len__") else value
        _check_join(str(d), items)
        return join(eval_ctx, items, d, *args, **kwargs)

    return capped_join


def _capped_replace(replace: _Filter) -> _Filter:
    def capped_replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
        _check_replace(str(s), str(old), str(new), -1 if count is None else count)
        return replace(eval_ctx, s, old, new, count)

    return capped_replace


def _capped_format(fmt: _Filter) -> _Filter:
    def capped_format(value: Any, *args: Any, **kwargs: Any) -> Any:
        # '%0999999999d'|format(1) built a gigabyte per call: the filter is % in Python.
        values = args or tuple(kwargs.values())
        for width, precision in _PERCENT_SPEC.findall(str(value)):
            if _too_wide(*(int(n) for n in (width, precision) if n.isdigit())) or (
                    "*" in (width, precision) and _too_wide(*values)):
                raise SecurityError("repetition too large")
        return fmt(value, *args, **kwargs)

    return capped_format


def _capped_wordwrap(wordwrap: _Filter) -> _Filter:
    def capped_wordwrap(environment: Any, s: Any, width: int = 79, break_long_words: bool = True,
                        wrapstring: str | None = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(width, int) and width > 0 and wrapstring is not None and \
                (len(str(s)) // width + 1) * len(str(wrapstring)) > MAX_RESULT:
            raise SecurityError("result too large")
        return wordwrap(environment, s, width, break_long_words, wrapstring, *args, **kwargs)

    return capped_wordwrap


def _capped_batch(batch: _Filter) -> _Filter:
    def capped_batch(value: Any, linecount: Any, *args: Any, **kwargs: Any) -> Any:
        if _too_wide(linecount):
            raise SecurityError("repetition too large")
        return batch(value, linecount, *args, **kwargs)

    return capped_batch


def _capped_slice(slice_: _Filter) -> _Filter:
    # Jinja's slice takes the evaluation context first (it has an async variant).
    def capped_slice(eval_ctx: Any, value: Any, slices: Any, *args: Any, **kwargs: Any) -> Any:
        if _too_wide(slices):
            raise SecurityError("repetition too large")
        return slice_(eval_ctx, value, slices, *args, **kwargs)

    return capped_slice


def _capped_tojson(tojson: _Filter) -> _Filter:
    def capped_tojson(eval_ctx: Any, value: Any, indent: Any = None) -> Any:
        width = len(indent) if isinstance(indent, str) else indent
        if isinstance(width, int) and width > 16:
            raise SecurityError("indent too wide")
        return tojson(eval_ctx, value, indent)

    return capped_tojson


#: The built-in filters that can pad or repeat text, each with what caps it.
_CAPS: dict[str, Callable[[_Filter], _Filter]] = {
    "center": _capped_center, "indent": _capped_indent, "join": _capped_join,
    "replace": _capped_replace, "format": _capped_format, "wordwrap": _capped_wordwrap,
    "batch": _capped_batch, "slice": _capped_slice,
    "tojson": _capped_tojson,
}


def _items_capped(function: Callable[..., Any]) -> Callable[..., Any]:
    pass_arg = getattr(function, "jinja_pass_arg", None)

    def capped(*args: Any, **kwargs: Any) -> Any:
        value = args[1] if pass_arg is not None else args[0]
        if not hasattr(value, "__len__") and hasattr(value, "__iter__"):
            value = list(_take(value, MAX_ITEMS + 1))
            args = (*args[:1], value, *args[2:]) if pass_arg is not None else (value, *args[1:])
        _check_items(value)
        return function(*args, **kwargs)

    if pass_arg is not None:
        capped.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return capped


def _take(iterable: Any, count: int) -> Iterator[Any]:
    for index, item in enumerate(iterable):
        if index >= count:
            return
        yield item


def _result_capped(function: Callable[..., Any]) -> Callable[..., Any]:
    pass_arg = getattr(function, "jinja_pass_arg", None)

    def capped(*args: Any, **kwargs: Any) -> Any:
        return _too_large(function(*args, **kwargs))

    if pass_arg is not None:
        capped.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return capped


def _size(value: Any, depth: int = 0) -> int:
    """Roughly how many characters or items ``value`` holds (nested lists counted)."""
    if isinstance(value, str):
        return max(len(value), 1)
    if isinstance(value, list | tuple) and depth < 3:
        return max(sum(_size(item, depth + 1) for item in value[:1000]) *
                   max(len(value) // 1000, 1), 1)
    return 1


def make_environment(
    roots: Sequence[Path], filters: Mapping[str, Callable[..., Any]] | None = None
) -> AdvocateEnvironment:
    """Build the Jinja environment over ``roots`` (searched in order)."""
    env = AdvocateEnvironment(
        loader=FolderLoader(roots),
        undefined=StrictUndefined,
        autoescape=_autoescape,
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    _capped_filters(env)
    env.filters.update(filters or {})
    env.untrusted = bool(untrusted_roots(roots))
    return env


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where a render error happened, from its traceback."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(tuple(_KINDS)):
            found = (frame.filename, frame.lineno)
    return found


def _undefined_message(exc: UndefinedError) -> tuple[str, str | None]:
    text = str(exc)
    match = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", text)
    if not match:
        return f"undefined value: {text}", None
    name = match.group(1) or match.group(2)
    known = ["name", "city", "email", "country", "note", "public", "title", "text", "id"]
    hint = did_you_mean(name, known) or "check the spelling; optional fields need " \
        "`is defined` or a default"
    return f"undefined field '{name}'", hint


def _plain(value: Any, depth: int = 0) -> Any:
    """Exported values that can travel between processes (no macros, no objects)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if depth > 32:
        return None
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, depth + 1) for key, item in value.items()
                if isinstance(key, str)}
    return None


def _render_confined(env: AdvocateEnvironment, name: str, context: dict[str, Any],
                     seconds: float) -> tuple[str, dict[str, Any]]:
    """In the confined child: the render."""
    text, exported = render(env, name, context, seconds=seconds)
    return str(text), {key: _plain(value) for key, value in exported.items()
                       if _plain(value) is not None or value is None}


def _template_file(env: AdvocateEnvironment, name: str) -> str:
    """The path of template ``name`` as its loader found it (its name if it has none)."""
    try:
        return str(env.get_template(name).filename or name)
    except Exception:  # a template that cannot be loaded again: its name says enough
        return name


def render(env: AdvocateEnvironment, name: str, context: Mapping[str, Any],
           *, seconds: float = RENDER_SECONDS) -> tuple[str, dict[str, Any]]:
    """Render template ``name``: its text, and the values it exports with ``{% set %}``.

    A pack's templates (``env.untrusted``) render in a confined child process, where the
    kernel bounds CPU time and memory (:mod:`advocate.limits`)."""
    if env.untrusted and limits.CAN_CONFINE and not limits.CONFINED:
        where = _template_file(env, name)  # (the child reports a failure, with its place)
        return env.confined().call(  # type: ignore[no-any-return]
            _render_confined, name, dict(context), seconds, seconds=seconds, what=where)
    try:
        with time_limit(seconds):
            return _render_here(env, name, context)
    except AdvocateError as exc:
        located = _at_including_template(exc)
        if located is None:
            raise
        raise located from None
    except (TemplateError, RenderTimeout, RecursionError, OverflowError, MemoryError) as exc:
        raise _template_error(env, name, exc, seconds) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError,
            ZeroDivisionError) as exc:
        file, line = _template_line(exc)
        if file is None:
            raise
        raise AdvocateError(f"template error: {type(exc).__name__}: {exc}", file=file,
                            line=line) from None


def _render_here(env: AdvocateEnvironment, name: str,
                 context: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """:func:`render` in this process, within its time limit."""
    template: Template = env.get_template(name)
    try:
        module = template.make_module(dict(context))
    except (RenderTimeout, RecursionError):
        raise
    except Exception:
        env.handle_exception()  # re-raises with template file and line in the traceback
    text = str(module)
    exported = {key: getattr(module, key) for key in dir(module) if not key.startswith("_")}
    return text, exported


def _at_including_template(exc: AdvocateError) -> AdvocateError | None:
    """A refusal from the loader ({% include "../x" %}), named at the including template;
    None when it names its place already (or no template line is known)."""
    file, line = _template_line(exc)
    if file is None or any(p.file for p in exc.problems):
        return None
    return AdvocateError(problems=[dataclasses.replace(p, file=file, line=line)
                                   for p in exc.problems])


def _template_error(env: AdvocateEnvironment, name: str, exc: BaseException,
                    seconds: float) -> AdvocateError:
    """A template's failure as one located problem (called while ``exc`` is handled)."""
    if isinstance(exc, TemplateNotFound):
        file, line = _template_line(exc)
        return AdvocateError(f"template not found: {exc.name}", file=file, line=line,
                             hint="check the name; templates are looked up in --templates, "
                             "templates/ beside the campaign, then the built-in ones")
    if isinstance(exc, TemplateSyntaxError):
        return AdvocateError(f"template syntax error: {exc.message}", file=exc.filename or name,
                             line=exc.lineno, hint="check the {{ }} and {% %} tags")
    if isinstance(exc, RenderTimeout):
        # Where the time ran out, as every other template error: the file's whole path and
        # its line (Jinja's public handle_exception rewrites the traceback to templates').
        try:
            env.handle_exception()
        except RenderTimeout as rewritten:
            file, line = _template_line(rewritten)
        return LimitError(f"template render exceeded {seconds:g} s",
                          file=file or _template_file(env, name), line=line,
                          hint="the template loops too long")
    if isinstance(exc, RecursionError):
        return AdvocateError("template recursion too deep", file=_template_file(env, name),
                             hint="a macro or include calls itself")
    file, line = _template_line(exc)
    if isinstance(exc, UndefinedError):
        message, hint = _undefined_message(exc)
        return AdvocateError(message, file=file or name, line=line, hint=hint)
    if isinstance(exc, SecurityError):
        return AdvocateError(f"not allowed in a template: {exc}", file=file or name, line=line,
                             hint="templates may only format the data they are given")
    if isinstance(exc, OverflowError | MemoryError):
        return LimitError(f"template too expensive: {type(exc).__name__}", file=file or name,
                          line=line)
    return AdvocateError(f"template error: {exc}", file=file or name, line=line)
