"""A long petition's parts joined into one tagged PDF as they come (see
:mod:`advocate.render.petition_pdf`): each part's objects written out and dropped at once,
so memory stays flat however many pages the petition has."""

from __future__ import annotations

import hashlib
import io
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
        from pypdf import PdfReader

        with open(path, "rb") as handle:
            data = handle.read()
        self.digest.update(hashlib.sha256(data).digest())
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
    from pypdf.generic import TextStringObject

    buffer = io.BytesIO()
    TextStringObject(value).write_to_stream(buffer)
    return buffer.getvalue()


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

