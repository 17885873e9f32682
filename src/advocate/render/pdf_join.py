"""A long petition's parts joined into one tagged PDF as they come (see
:mod:`advocate.render.petition_pdf`): each part's objects written out and dropped at once,
so memory stays flat however many pages the petition has.

A part as WeasyPrint writes it (pydyf: an object stream and a cross-reference stream) is
read from its bytes, its objects renumbered by one pattern without being parsed into
Python values (:class:`_RawPart`: the join took 1.8 s of the parent's CPU for 100,000
signers through pypdf); a part laid out any other way is read by pypdf (:class:`_Part`)."""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from array import array
from typing import Any

_CATALOG, _PAGES, _TREE, _PARENTS, _INFO = 1, 2, 3, 4, 5
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class StreamJoin:
    """Parts appended to one PDF file as they come, each part's objects written out and
    dropped at once, so memory does not grow with the pages (pypdf's writer keeps every
    page until the end). Kept across parts: an offset per object, a reference per page
    and per top structure element, a (key, object) pair per parent-tree entry.

    The joined file has one page tree, one structure tree (each part's top element a
    child of its root; the parent-tree keys and the pages' and annotations'
    ``/StructParents``/``/StructParent`` moved up by the keys of the parts before), the
    first part's XMP metadata, ``/MarkInfo``, ``/Lang``, the title and
    ``DisplayDocTitle``. Outlines and named destinations of the parts are not carried
    over. Same parts, same bytes: the file ID is a hash of the parts."""

    def __init__(self, out: Any, *, title: str, lang: str) -> None:
        self.out = out
        self.title = title
        self.lang = lang
        self.offsets = array("Q")  # per object number: where it starts (8 bytes each)
        self.next = _INFO + 1
        self.pages: list[int] = []
        self.kids: list[int] = []
        self.nums: list[tuple[int, int]] = []
        self.key_offset = 0
        self.role_map: bytes | None = None
        self.metadata: int | None = None
        self.digest = hashlib.sha256()
        #: Names as written (a structure element per line of names repeats a handful).
        self.names: dict[str, bytes] = {}
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)

    def _tell(self) -> int:
        return int(self.out.tell())

    def _object(self, number: int, body: bytes) -> None:
        if number >= len(self.offsets):
            self.offsets.extend(array("Q", [0]) * (number + 1 - len(self.offsets)))
        self.offsets[number] = self._tell()
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def add(self, path: str) -> int:
        """Append the part in ``path``; its page count."""
        with open(path, "rb") as handle:
            data = handle.read()
        self.digest.update(hashlib.sha256(data).digest())
        try:
            return _RawPart(self, data).copy()
        except (_Unexpected, KeyError, IndexError, ValueError, zlib.error):
            pass  # not laid out as WeasyPrint writes (nothing written yet): read by pypdf
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        _Part(self, reader).copy()
        return len(reader.pages)

    def finish(self) -> int:
        """Write the page tree, structure tree, catalog and cross-reference table; the
        page count."""
        kids = b" ".join(b"%d 0 R" % n for n in self.pages)
        self._object(_PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>"
                     % (kids, len(self.pages)))
        nums = b" ".join(b"%d %d 0 R" % pair for pair in self.nums)
        self._object(_PARENTS, b"<< /Nums [%s] >>" % nums)
        role = b" /RoleMap " + self.role_map if self.role_map else b""
        kids = b" ".join(b"%d 0 R" % n for n in self.kids)
        self._object(_TREE, b"<< /Type /StructTreeRoot /K [%s] /ParentTree %d 0 R "
                     b"/ParentTreeNextKey %d%s >>" % (kids, _PARENTS, self.key_offset, role))
        meta = b" /Metadata %d 0 R" % self.metadata if self.metadata else b""
        self._object(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R /StructTreeRoot %d 0 R "
                     b"/MarkInfo << /Marked true >> /Lang %s "
                     b"/ViewerPreferences << /DisplayDocTitle true >>%s >>"
                     % (_PAGES, _TREE, _text(self.lang), meta))
        self._object(_INFO, b"<< /Title %s /Producer (advocate) >>" % _text(self.title))
        start = self._tell()
        size = self.next
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for first in range(1, size, 4096):  # in slices: a million signers, 250,000 objects
            self._write(b"".join(b"%010d 00000 n \n" % self.offsets[n]
                                 for n in range(first, min(first + 4096, size))))
        ident = self.digest.hexdigest()[:32].encode()
        self._write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
                    b"startxref\n%d\n%%%%EOF\n" % (size, _CATALOG, _INFO, ident, ident, start))
        return len(self.pages)


def _text(value: str) -> bytes:
    """A PDF text string (the title, the language): printable ASCII as a literal string,
    anything else as UTF-16 with its byte order mark (without importing pypdf, which a
    join of WeasyPrint's parts no longer needs: 0.1 s at the end of every petition)."""
    if value.isascii() and value.isprintable():
        return b"(" + re.sub(rb"([\\()])", rb"\\\1", value.encode()) + b")"
    return b"<feff" + value.encode("utf-16-be").hex().encode() + b">"


class _Part:
    """One part's objects copied into a :class:`StreamJoin`, renumbered."""

    def __init__(self, join: StreamJoin, reader: Any) -> None:
        self.join = join
        self.reader = reader
        self.numbers: dict[int, int] = {}
        self.todo: list[int] = []
        catalog = reader.trailer["/Root"]
        self.catalog = catalog
        self.page_ids = {page.indirect_reference.idnum: page for page in reader.pages}
        tree_ref = catalog.raw_get("/StructTreeRoot") if "/StructTreeRoot" in catalog else None
        self.tree = tree_ref.get_object() if tree_ref is not None else None
        if tree_ref is not None and hasattr(tree_ref, "idnum"):
            self.numbers[tree_ref.idnum] = _TREE  # a top element's /P: the one root
        self.top = 0  # parent-tree keys used by this part

    def number(self, idnum: int) -> int:
        found = self.numbers.get(idnum)
        if found is None:
            found = self.numbers[idnum] = self.join.next
            self.join.next += 1
            self.todo.append(idnum)
        return found

    def copy(self) -> None:
        from pypdf.generic import ArrayObject

        join = self.join
        join.pages += [self.number(page.indirect_reference.idnum)
                       for page in self.reader.pages]
        if join.metadata is None and "/Metadata" in self.catalog:
            join.metadata = self.number(self.catalog.raw_get("/Metadata").idnum)
        if self.tree is not None:
            tree = self.tree
            if join.role_map is None and "/RoleMap" in tree:
                join.role_map = self.dump(tree["/RoleMap"])
            kid = tree.raw_get("/K") if "/K" in tree else None
            kids = kid.get_object() if kid is not None else None
            for item in kids if isinstance(kids, ArrayObject) else [kid] if kid else []:
                if hasattr(item, "idnum"):
                    join.kids.append(self.number(item.idnum))
                else:  # an element held inline: made an object of its own
                    number = join.next
                    join.next += 1
                    join.kids.append(number)
                    join._object(number, self.dump(item))
            if "/ParentTree" in tree:
                self.parent_tree(tree["/ParentTree"])
        while self.todo:
            idnum = self.todo.pop()
            obj = self.reader.get_object(idnum)
            join._object(self.numbers[idnum], self.dump(obj, page=self.page_ids.get(idnum)))
        join.key_offset += self.top

    def parent_tree(self, node: Any) -> None:
        join = self.join
        for kid in node.get("/Kids", []) or []:
            self.parent_tree(kid.get_object())
        entries = node.get("/Nums", []) or []
        for i in range(0, len(entries), 2):
            key = int(entries[i])
            value = entries.raw_get(i + 1) if hasattr(entries, "raw_get") else entries[i + 1]
            if hasattr(value, "idnum"):
                number = self.number(value.idnum)
            else:
                number = join.next
                join.next += 1
                join._object(number, self.dump(value))
            join.nums.append((key + join.key_offset, number))
            self.top = max(self.top, key + 1)

    def name(self, name: str) -> bytes:
        """A name as pypdf writes it, each distinct one written once."""
        names = self.join.names
        found = names.get(name)
        if found is None:
            buffer = io.BytesIO()
            _generic().NameObject(name).write_to_stream(buffer)
            found = buffer.getvalue()
            if len(names) < 4096:
                names[name] = found
        return found

    def dump(self, obj: Any, page: Any = None) -> bytes:
        """``obj`` as PDF syntax, references renumbered; a page's parent is the one page
        tree and its inherited attributes its own."""
        g = _generic()
        ArrayObject, DictionaryObject = g.ArrayObject, g.DictionaryObject
        NumberObject, StreamObject = g.NumberObject, g.StreamObject
        if isinstance(obj, g.IndirectObject):
            return b"%d 0 R" % self.number(obj.idnum)
        if type(obj) is NumberObject:
            return b"%d" % obj
        if type(obj) is g.NameObject:
            return self.name(obj)
        if isinstance(obj, ArrayObject):
            return b"[" + b" ".join(self.dump(item) for item in obj) + b"]"
        if isinstance(obj, DictionaryObject):
            items = self._entries(obj, page, g)
            if isinstance(obj, StreamObject):
                data = _stream_bytes(obj)
                items.append(b"/Length %d" % len(data))
                return b"<< " + b" ".join(items) + b" >>\nstream\n" + data + b"\nendstream"
            return b"<< " + b" ".join(items) + b" >>"
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        return buffer.getvalue()

    def _entries(self, obj: Any, page: Any, g: Any) -> list[bytes]:
        """A dictionary's entries as PDF syntax: a page's parent the one page tree, its
        inherited attributes its own, structure numbers moved past the parts before, a
        stream's length left to :meth:`dump` (its bytes as stored)."""
        items: list[bytes] = []
        offset = self.join.key_offset
        for key in obj:
            value = obj.raw_get(key)
            if key == "/Parent" and page is not None:
                items.append(b"/Parent %d 0 R" % _PAGES)
                continue
            if key in ("/StructParents", "/StructParent"):
                value = g.NumberObject(int(value.get_object()) + offset)
            if key == "/Length" and isinstance(obj, g.StreamObject):
                continue
            items.append(self.name(key) + b" " + self.dump(value))
        if page is not None:
            for key in _INHERITED:
                inherited = None if key in obj else _inherited(page, key)
                if inherited is not None:
                    items.append(key.encode() + b" " + self.dump(inherited))
        return items


_STREAM, _END = b"\nstream\n", b"\nendstream"


def _stream_bytes(stream: Any) -> bytes:
    """A stream's bytes as stored (still compressed), through pypdf's public
    ``write_to_stream``: the dictionary, then ``stream``, the bytes and ``endstream``. The
    dictionary cannot hold a line ``stream`` (pypdf escapes whitespace in names and
    strings), so the first one starts the bytes."""
    buffer = io.BytesIO()
    stream.write_to_stream(buffer)
    written = buffer.getvalue()
    if not written.endswith(_END):  # pragma: no cover - another pypdf's layout
        raise RuntimeError("pypdf wrote a stream in an unknown layout")
    return written[written.index(_STREAM) + len(_STREAM): -len(_END)]


_GENERIC: list[Any] = []


def _generic() -> Any:
    """pypdf's object classes (imported once: ``dump`` runs for every object)."""
    if not _GENERIC:
        from pypdf import generic

        _GENERIC.append(generic)
    return _GENERIC[0]


def _inherited(page: Any, key: str) -> Any:
    """A page attribute given by the page tree above it, or None."""
    node = page.get("/Parent")
    for _ in range(64):
        if node is None:
            return None
        node = node.get_object()
        if key in node:
            return node.raw_get(key)
        node = node.get("/Parent")
    return None



# -- a part as WeasyPrint writes it, read from its bytes -----------------------------------

class _Unexpected(Exception):
    """A part not laid out as WeasyPrint (pydyf) writes one: pypdf reads it instead."""


#: A literal string (pydyf escapes every parenthesis in one), a reference, or a structure
#: number: what a part's objects say that the join changes.
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|(?<![\d.])(\d+) 0 R\b|(/StructParents?) (\d+)",
                    re.DOTALL)
_OBJECT_END = re.compile(rb"\((?:[^\\()]|\\.)*\)|>>\nstream\n|\nendobj", re.DOTALL)
_HEAD = re.compile(rb"(\d+) 0 obj\n")
_TAIL = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*\Z")
_NUMS = re.compile(rb"\s*(\d+) (\[[^\[\]()]*\]|\d+ 0 R)")


def _key(body: bytes, key: bytes, pattern: bytes = rb"(\d+) 0 R") -> bytes | None:
    found = re.search(rb"/" + key + rb" " + pattern, body)
    return found.group(1) if found else None


def _ref(body: bytes, key: bytes) -> int:
    found = _key(body, key)
    if found is None:
        raise _Unexpected(key)
    return int(found)


def _indirect(data: bytes, at: int) -> tuple[int, bytes, bytes | None]:
    """The object at ``at``: its number, its body (a stream's dictionary) and a stream's
    stored bytes (None for other objects)."""
    head = _HEAD.match(data, at)
    if head is None:
        raise _Unexpected(at)
    start = pos = head.end()
    while (end := _OBJECT_END.search(data, pos)) is not None and end.group(0)[:1] == b"(":
        pos = end.end()
    if end is None:
        raise _Unexpected(at)
    if end.group(0) == b"\nendobj":
        return int(head.group(1)), data[start:end.start()], None
    dictionary = data[start:end.start() + 2]
    length = int(_key(dictionary, b"Length", rb"(\d+)(?![\d.])") or b"-1")
    stored = data[end.end():end.end() + length]
    if length < 0 or not data.startswith(b"\nendstream\nendobj", end.end() + length):
        raise _Unexpected(at)
    return int(head.group(1)), dictionary, stored


def _objects(data: bytes) -> tuple[dict[int, tuple[bytes, bytes | None]], int]:
    """Every object of a PDF written by pydyf with an object stream (number: body and a
    stream's stored bytes), and the catalog's number."""
    tail = _TAIL.search(data, max(0, len(data) - 64))
    if tail is None:
        raise _Unexpected("startxref")
    number, head, stored = _indirect(data, int(tail.group(1)))
    widths = re.search(rb"/W \[(\d) (\d) (\d)\]", head)
    index = re.search(rb"/Index \[0 (\d+)\]", head)
    if stored is None or b"/Type /XRef" not in head or widths is None or index is None:
        raise _Unexpected("xref")
    rows = _decoded(head, stored)
    w1, w2, w3 = (int(w) for w in widths.groups())
    size, count = w1 + w2 + w3, int(index.group(1))
    if len(rows) != size * count:
        raise _Unexpected("xref size")
    bodies: dict[int, tuple[bytes, bytes | None]] = {}
    packed: dict[int, list[int]] = {}
    for n in range(count):
        row = rows[n * size:(n + 1) * size]
        kind = int.from_bytes(row[:w1], "big") if w1 else 1
        second = int.from_bytes(row[w1:w1 + w2], "big")
        if kind == 1:
            got, body, data_ = _indirect(data, second)
            if got != n:
                raise _Unexpected(n)
            bodies[n] = (body, data_)
        elif kind == 2:
            packed.setdefault(second, []).append(n)
    for stream_number, members in packed.items():
        head_, stored_ = bodies.pop(stream_number, (b"", None))
        if stored_ is None or b"/Type /ObjStm" not in head_:
            raise _Unexpected("object stream")
        content = _decoded(head_, stored_)
        first = int(_key(head_, b"First", rb"(\d+)") or b"0")
        pairs = [int(v) for v in content[:first].split()]
        numbers, offsets = pairs[0::2], [first + o for o in pairs[1::2]]
        if sorted(numbers) != sorted(members):
            raise _Unexpected("object stream members")
        ends = [o - 1 for o in offsets[1:]] + [len(content)]
        for n, start, end in zip(numbers, offsets, ends, strict=True):
            bodies[n] = (content[start:end], None)
    bodies.pop(number, None)
    return bodies, _ref(head, b"Root")


def _decoded(head: bytes, stored: bytes) -> bytes:
    if b"/Filter" not in head:
        return stored
    if b"/Filter /FlateDecode" not in head or b"/DecodeParms" in head:
        raise _Unexpected("filter")
    return zlib.decompress(stored)


class _RawPart:
    """One part's objects copied into a :class:`StreamJoin` from the bytes WeasyPrint wrote
    (renumbered by one pattern: no object is parsed into Python values); as :class:`_Part`
    does with pypdf, six to eight times faster. Anything laid out otherwise raises
    :class:`_Unexpected` before a byte is written."""

    def __init__(self, join: StreamJoin, data: bytes) -> None:
        self.join = join
        self.bodies, catalog_number = _objects(data)
        self.catalog = self.bodies[catalog_number][0]
        self.numbers: dict[int, int] = {_ref(self.catalog, b"Pages"): _PAGES}
        self.next = join.next
        self.todo: list[int] = []
        self.out: list[tuple[int, bytes]] = []

    def number(self, old: int) -> int:
        found = self.numbers.get(old)
        if found is None:
            if old not in self.bodies:
                raise _Unexpected(old)
            found = self.numbers[old] = self.next
            self.next += 1
            self.todo.append(old)
        return found

    def rewrite(self, body: bytes) -> bytes:
        offset = self.join.key_offset

        def one(match: re.Match[bytes]) -> bytes:
            if match.group(1) is not None:
                return b"%d 0 R" % self.number(int(match.group(1)))
            if match.group(2) is not None:
                return match.group(2) + b" %d" % (int(match.group(3)) + offset)
            return match.group(0)

        return _TOKEN.sub(one, body)

    def copy(self) -> int:
        """Read and renumber every object the part's pages and structure reach, then write
        them all (nothing is written when the part turns out to be laid out otherwise)."""
        join, catalog = self.join, self.catalog
        pages = self.bodies[_ref(catalog, b"Pages")][0]
        kids = re.search(rb"/Kids \[([\d R]*)\]", pages)
        if kids is None:
            raise _Unexpected("pages")
        olds = [int(n) for n in re.findall(rb"(\d+) 0 R", kids.group(1))]
        if not all(b"/MediaBox" in self.bodies.get(n, (b"",))[0]
                   and b"/Resources" in self.bodies[n][0] for n in olds):
            raise _Unexpected("inherited page attributes")  # (pypdf's path copies them)
        page_numbers = [self.number(n) for n in olds]
        metadata = None
        if join.metadata is None and _key(catalog, b"Metadata") is not None:
            metadata = self.number(_ref(catalog, b"Metadata"))
        tree_kids, nums, top = self.structure()
        while self.todo:
            old = self.todo.pop()
            body, stored = self.bodies[old]
            body = self.rewrite(body)
            self.out.append((self.numbers[old], body if stored is None else
                             body + b"\nstream\n" + stored + b"\nendstream"))
        for number, body in self.out:  # every object read: now written
            join._object(number, body)
        join.next = self.next
        join.pages += page_numbers
        join.kids += tree_kids
        join.nums += nums
        join.key_offset += top
        if metadata is not None:
            join.metadata = metadata
        return len(page_numbers)

    def structure(self) -> tuple[list[int], list[tuple[int, int]], int]:
        """The structure tree's top elements, its parent-tree entries (keys moved past the
        parts before) and the keys this part uses."""
        if _key(self.catalog, b"StructTreeRoot") is None:
            return [], [], 0
        tree_number = _ref(self.catalog, b"StructTreeRoot")
        self.numbers[tree_number] = _TREE  # a top element's /P: the one root
        tree = self.bodies[tree_number][0]
        top_kids = re.search(rb"/K (\[[\d R]*\]|\d+ 0 R)", tree)
        if b"/RoleMap" in tree or top_kids is None:
            raise _Unexpected("structure root")
        kids = [self.number(int(n)) for n in re.findall(rb"(\d+) 0 R", top_kids.group(1))]
        parents = self.bodies[_ref(tree, b"ParentTree")][0]
        listed = re.fullmatch(rb"<</Nums \[(.*)\]>>", parents, re.DOTALL)
        entries = list(_NUMS.finditer(listed.group(1))) if listed else []
        if listed is None or sum(len(e.group(0)) for e in entries) != len(listed.group(1)):
            raise _Unexpected("parent tree")
        nums, top = [], 0
        for entry in entries:
            key, value = int(entry.group(1)), entry.group(2)
            if value.startswith(b"["):  # an array held inline: made an object of its own
                number = self.next
                self.next += 1
                self.out.append((number, self.rewrite(value)))
            else:
                number = self.number(int(value.split()[0]))
            nums.append((key + self.join.key_offset, number))
            top = max(top, key + 1)
        return kids, nums, top
