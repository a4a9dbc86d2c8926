"""Reading a sheet whose cells calamine reads differently, typed as openpyxl types them.

The sheets that hold formulas, error values, hidden rows or a DTD are read here: their
XML is streamed with defusedxml (an entity declaration is refused), and every cell is
typed with openpyxl's public helpers (shared strings, date styles, Excel serial dates,
inline rich text), as openpyxl's own reader types it, while telling apart what openpyxl's
public interface does not: a formula whose value was never computed (a blank cell to
openpyxl), an error value (#REF!) from text, a date serial no date can hold, and a number
cell that holds no number. openpyxl is imported only when a workbook holds such a sheet
(or the openpyxl engine is asked for): loading it costs a tenth of a second.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from defusedxml.ElementTree import iterparse
from openpyxl.cell.text import Text
from openpyxl.reader.strings import read_string_table
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)
from openpyxl.xml.functions import fromstring

from xlfin.problems import (
    FILE_UNREADABLE,
)
from xlfin.reader.cells import NOT_COMPUTED, ErrorValue, NotANumber, OutOfRangeDate
from xlfin.reader.package import (
    SHEET_MAIN,
    Book,
    Cells,
    Limits,
    UnreadableWorkbook,
    Worksheet,
    is_entity_attack,
    over,
    refuse,
    unsafe,
)

ROW_TAG = f"{SHEET_MAIN}row"
CELL_TAG = f"{SHEET_MAIN}c"
VALUE_TAG = f"{SHEET_MAIN}v"
FORMULA_TAG = f"{SHEET_MAIN}f"
INLINE_STRING_TAG = f"{SHEET_MAIN}is"


@dataclass(frozen=True)
class CellTyping:
    """What typing a cell needs of the workbook: its shared strings, its date system, and
    which cell styles show a date (or a duration)."""

    strings: list[str]
    epoch: datetime
    date_styles: frozenset[int]
    duration_styles: frozenset[int]


def load_typing(book: Book) -> CellTyping:
    """The shared strings, date system and date styles, read with openpyxl."""
    strings: list[str] = []
    if book.strings_path:
        with book.archive.open(book.strings_path) as stream:
            strings = read_string_table(stream)
    date_styles: Any = ()
    duration_styles: Any = ()
    if book.styles_path:
        stylesheet = Stylesheet.from_tree(fromstring(book.archive.read(book.styles_path)))
        if stylesheet.cell_styles:  # else openpyxl keeps its defaults: no date style
            date_styles = stylesheet.date_formats
            duration_styles = stylesheet.timedelta_formats
    return CellTyping(
        strings,
        CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900,
        frozenset(date_styles),
        frozenset(duration_styles),
    )


def typing_of(book: Book) -> CellTyping:
    """The book's CellTyping, loaded once, for the first sheet read here."""
    typing = book.engine_state.get("openpyxl")
    if typing is None:
        typing = book.engine_state["openpyxl"] = load_typing(book)
    return typing


def _number(text: str) -> int | float:
    """A number cell's text as openpyxl reads it: a float when it has a point or exponent."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def cell_value(element: Any, typing: CellTyping) -> object:
    """One `<c>` element's value: as openpyxl reads it with its cached values, except that
    an uncomputed formula is NOT_COMPUTED, an error an ErrorValue, a date serial out of
    range an OutOfRangeDate and a number cell without a number a NotANumber."""
    kind = element.get("t", "n")
    text = None if kind == "inlineStr" else element.findtext(VALUE_TAG) or None
    if text is None:
        if kind == "inlineStr":
            child = element.find(INLINE_STRING_TAG)
            if child is not None:
                return Text.from_tree(child).content
        if element.find(FORMULA_TAG) is not None:
            return NOT_COMPUTED
        return None
    try:
        if kind == "n":
            number = _number(text)
            style = element.get("s")
            if style and int(style) in typing.date_styles:
                try:
                    return from_excel(
                        number, typing.epoch, timedelta=int(style) in typing.duration_styles
                    )
                except (OverflowError, ValueError):
                    return OutOfRangeDate(text)
            return number
        if kind == "s":
            return typing.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "e":
            return ErrorValue(text)
        if kind == "d":
            return from_ISO8601(text)
    except ValueError:  # a number cell openpyxl cannot cast: garbage
        return NotANumber(text)
    return text  # "str" (a formula's text result) and any other type: the text


def parse_rows(
    worksheet: Worksheet, typing: CellTyping, hidden: list[int] | None
) -> Iterator[tuple[int, Cells]]:
    """(row number, values from column A) for every row in the sheet's XML, in order;
    hidden rows are appended to `hidden`. Exceptions are the caller's."""
    row_number = 0
    with worksheet.parent.archive.open(worksheet.member) as source:
        for _, element in iterparse(source, forbid_dtd=False):
            if element.tag != ROW_TAG:
                continue
            number = element.get("r")
            if number:
                as_float = float(number)
                if not as_float.is_integer():
                    raise ValueError(f"{number} is not a valid row number")
                row_number = int(as_float)
            else:
                row_number += 1
            if hidden is not None and element.get("hidden") in ("1", "true"):
                hidden.append(row_number)
            cells: list[tuple[int, object]] = []
            column = 0
            for cell in element.iter(CELL_TAG):
                coordinate = cell.get("r")
                column = coordinate_to_tuple(coordinate)[1] if coordinate else column + 1
                cells.append((column, cell_value(cell, typing)))
            element.clear()
            values: Cells = [None] * max((c for c, _ in cells), default=0)
            for c, value in cells:
                values[c - 1] = value
            yield row_number, values


def rows(
    worksheet: Worksheet, limits: Limits, hidden: list[int] | None = None
) -> Iterator[tuple[int, Cells]]:
    """(row number, values from column A) for every row in the sheet's XML, in order.

    Hidden rows are appended to `hidden`. A sheet that cannot be read to its end raises
    UnreadableWorkbook, so that nothing is built from half of it.
    """
    try:
        typing = typing_of(worksheet.parent)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row_number, values in parse_rows(worksheet, typing, hidden):
                if row_number > limits.rows:
                    raise unsafe(
                        over(f"sheet {worksheet.title!r} has more rows", "rows", limits.rows)
                    )
                yield row_number, values
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        if is_entity_attack(exc):
            raise unsafe(
                f"sheet {worksheet.title!r} declares XML entities (an attack); the "
                "workbook is refused"
            ) from exc
        raise refuse(
            FILE_UNREADABLE,
            f"sheet {worksheet.title!r} cannot be read to its end "
            f"({type(exc).__name__}: {str(exc)[:200]}); nothing was built from it; "
            "open the file in Excel and save it again",
        ) from exc
