"""A signer list held as a petition needs it: compact enough for a million rows.

A petition prints the count of all signers and, of those who consent to be named, only
the name, city and country. :class:`PetitionSigners` keeps exactly that, packed: a row
number, a line and a place per signer (12 bytes), and the UTF-8 of name, city and country
per named signer (their length plus 10 bytes). A list of 1,000,000 rows, two thirds named,
takes about 45 MB here against some 400 MB as :class:`~advocate.signers.Signer` objects.
The emails, notes and addresses are not kept at all (data minimisation).

It is a sequence of :class:`~advocate.signers.Signer`: each is made when it is asked for
(with row, line, name, city, country and consent; a signer not named has an empty name).
It also knows every character beyond ASCII its named signers' names and cities use
(:attr:`PetitionSigners.named_characters`), so the check that a font draws them all is one
look at a few hundred characters rather than a Signer made per row.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from advocate.signers.rules import Signer

_SEP = b"\x00"  # never in a name or city: the rules refuse control characters


class PetitionSigners(Sequence[Signer]):
    """Every signer of a list, compact: see the module's text."""

    def __init__(self, signers: Iterable[Signer] = ()) -> None:
        self._rows = array("I")
        self._lines = array("I")  # 0: none
        self._named = array("i")  # per signer: its place among the named, or -1
        self._starts = array("Q")  # per named signer: where its text starts in _text
        self._text = bytearray()
        self._file: str | None = None
        self._characters: set[str] = set()  # beyond ASCII, in named signers' names and cities
        self.dropped = 0  # duplicates the reader dropped (as SignerList.dropped)
        for signer in signers:
            self.append(signer)

    @classmethod
    def of(cls, reader: Iterable[Signer]) -> PetitionSigners:
        """Every signer ``reader`` yields, with the count of duplicates it dropped. A
        :class:`~advocate.signers.read.SignerReader` is read without a Signer per row
        (its ``petition_rows``)."""
        rows = getattr(reader, "petition_rows", None)
        if rows is None:
            signers = cls(reader)
        else:
            signers = cls()
            signers._file = getattr(reader, "filename", None)
            add = signers._add
            for row in rows():
                add(*row)
        stats = getattr(reader, "stats", None)  # (set as the rows are read)
        signers.dropped = int(getattr(stats, "duplicates", 0) or 0)
        return signers

    def append(self, signer: Signer) -> None:
        if self._file is None:
            self._file = signer.file
        self._add(signer.row, signer.line or 0, signer.public, signer.name, signer.city or "",
                  signer.country or "")

    def _add(self, row: int, line: int, public: bool, name: str, city: str,
             country: str) -> None:
        """One signer (a :data:`~advocate.signers.rules.PetitionRow`)."""
        self._rows.append(row)
        self._lines.append(line)
        if public:
            self._named.append(len(self._starts))
            self._starts.append(len(self._text))
            self._text += _SEP.join((name.encode(), city.encode(), country.encode()))
            if not name.isascii():
                self._characters.update(name)
            if not city.isascii():
                self._characters.update(city)
        else:
            self._named.append(-1)

    @property
    def named(self) -> int:
        """How many signers consent to be named."""
        return len(self._starts)

    @property
    def named_characters(self) -> str:
        """Every character of the named signers' names and cities that is not ASCII (each
        once, in code point order): what a font check needs to see of the whole list."""
        return "".join(sorted(c for c in self._characters if not c.isascii()))

    def __len__(self) -> int:
        return len(self._rows)

    def _signer(self, index: int) -> Signer:
        place = self._named[index]
        row, line = self._rows[index], self._lines[index] or None
        if place < 0:
            return Signer(row=row, name="", line=line, file=self._file)
        start = self._starts[place]
        end = self._starts[place + 1] if place + 1 < len(self._starts) else len(self._text)
        name, city, country = bytes(self._text[start:end]).decode().split("\x00")
        return Signer(row=row, name=name, city=city or None, country=country or None,
                      public=True, line=line, file=self._file)

    @overload
    def __getitem__(self, index: int) -> Signer: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Signer]: ...

    def __getitem__(self, index: int | slice) -> Signer | Sequence[Signer]:
        if isinstance(index, slice):
            return [self._signer(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("signer index out of range")
        return self._signer(index)

    def __iter__(self) -> Iterator[Signer]:
        for index in range(len(self._rows)):
            yield self._signer(index)

    def named_pairs(self) -> Iterator[tuple[str, str | None]]:
        """(name, city) of each named signer, in order, without making Signer objects."""
        text = self._text
        starts = self._starts
        for place, start in enumerate(starts):
            end = starts[place + 1] if place + 1 < len(starts) else len(text)
            name, city, _ = bytes(text[start:end]).decode().split("\x00")
            yield name, city or None

    def __repr__(self) -> str:  # never a name
        return f"PetitionSigners({len(self)} signers, {self.named} named)"
