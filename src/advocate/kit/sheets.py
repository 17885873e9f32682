"""The kit's paper: poster sizes, envelopes and label sheets, in millimetres.

One table, read by the layouts (through the template context) and by the tests that
measure the PDFs, so a label printed is where the sheet's maker says the label is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

INCH = 25.4

Paper = Literal["a4", "letter"]
PosterSize = Literal["a3", "a4", "letter", "tabloid"]


@dataclass(frozen=True)
class Sheet:
    """A page size: its name in file names, its CSS ``size`` and its millimetres."""

    id: str
    width: float
    height: float
    label: str

    @property
    def css(self) -> str:
        return f"{self.width:.2f}mm {self.height:.2f}mm"


PAPERS: dict[str, Sheet] = {
    "a4": Sheet("a4", 210.0, 297.0, "A4"),
    "letter": Sheet("letter", 8.5 * INCH, 11 * INCH, "US Letter"),
}

POSTERS: dict[str, Sheet] = {
    "a3": Sheet("a3", 297.0, 420.0, "A3"),
    "a4": PAPERS["a4"],
    "letter": PAPERS["letter"],
    "tabloid": Sheet("tabloid", 11 * INCH, 17 * INCH, "11x17 (Tabloid)"),
}


@dataclass(frozen=True)
class Envelope:
    """An envelope printed on directly: where the recipient's and the sender's blocks go.

    ``to_left``/``to_top``: the recipient block's top-left corner (ISO envelopes: right of
    the middle, in the lower half, as Royal Mail and Deutsche Post ask, clear of the
    franking zone at the top right; #10: the USPS OCR read area, about 4 in from the left
    and 2 in from the top). ``from_*``: the sender's block, top left."""

    id: str
    sheet: Sheet
    to_left: float
    to_top: float
    to_width: float
    from_left: float = 10.0
    from_top: float = 8.0


ENVELOPES: dict[str, Envelope] = {
    "dl": Envelope("dl", Sheet("dl", 220.0, 110.0, "DL"), 105.0, 48.0, 100.0),
    "c5": Envelope("c5", Sheet("c5", 229.0, 162.0, "C5"), 110.0, 78.0, 105.0),
    "no10": Envelope("no10", Sheet("no10", 9.5 * INCH, 4.125 * INCH, "US #10"),
                     4 * INCH, 2 * INCH, 3.9 * INCH, from_left=0.35 * INCH,
                     from_top=0.3 * INCH),
}

#: The envelope a hand-written letter goes in, by paper (folded in three).
LETTER_ENVELOPE = {"a4": "dl", "letter": "no10"}


@dataclass(frozen=True)
class LabelSheet:
    """A sheet of address labels: the maker's published geometry (mm)."""

    id: str
    name: str
    paper: Sheet
    columns: int
    rows: int
    width: float
    height: float
    left: float  # the first label's left edge from the sheet's
    top: float  # the first label's top edge
    pitch_x: float  # from one label's left edge to the next one's
    pitch_y: float
    inset: float = 4.0  # where the text starts inside a label (left and top)

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """The top-left corner of label ``index`` (row by row), in mm from the sheet's."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


LABELS: dict[str, LabelSheet] = {
    # Avery L7163: A4, 2 x 7 labels of 99.1 x 38.1 mm; margins 15.15 mm top, 4.65 mm left.
    "l7163": LabelSheet("l7163", "Avery L7163", PAPERS["a4"], 2, 7, 99.1, 38.1,
                        4.65, 15.15, 101.6, 38.1),
    # Avery 5160: Letter, 3 x 10 labels of 2 5/8 x 1 in; 1/2 in top, 3/16 in left margins,
    # 1/8 in between columns.
    "5160": LabelSheet("5160", "Avery 5160", PAPERS["letter"], 3, 10, 2.625 * INCH,
                       1.0 * INCH, 0.1875 * INCH, 0.5 * INCH, 2.75 * INCH, 1.0 * INCH,
                       inset=2.5),
}


PT = 25.4 / 72  # mm in a point
#: The average advance of a character in the bundled Noto Sans, in em (Latin and Cyrillic
#: run about 0.5 em; a little more keeps the estimate on the safe side).
CHAR_EM = 0.56
LINE_HEIGHT = 1.15
LABEL_SIZES = (9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5)


def wrapped_lines(lines: list[str] | tuple[str, ...], width: float, size: float) -> int:
    """How many lines ``lines`` take at ``size`` pt in ``width`` mm, wrapped at spaces."""
    per_line = max(1, int(width / (CHAR_EM * size * PT)))
    count = 0
    for line in lines:
        used = 0
        count += 1
        for word in line.split():
            need = len(word) + (1 if used else 0)
            if used and used + need > per_line:
                count += 1
                used = len(word)
            else:
                used += need
            while used > per_line:  # a word longer than the line breaks anywhere
                count += 1
                used -= per_line
    return count


def label_size(sheet: LabelSheet, lines: list[str] | tuple[str, ...]) -> float | None:
    """The largest type size at which ``lines`` fit on one of ``sheet``'s labels; None when
    even the smallest does not (the label would cut the address short)."""
    width = sheet.width - 2 * sheet.inset
    height = sheet.height - 2 * sheet.inset + 1.0  # descenders may use the bottom inset
    for size in LABEL_SIZES:
        if wrapped_lines(lines, width, size) * size * LINE_HEIGHT * PT <= height:
            return size
    return None
