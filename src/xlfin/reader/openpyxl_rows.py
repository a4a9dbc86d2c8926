"""Reading a sheet with openpyxl's own worksheet parser.

The sheets calamine reads differently (formulas, error values, hidden rows, DTDs) are
read here, with openpyxl's parser hooked so that a formula cell whose value was never
computed is told apart from a blank cell, and an error value (#REF!) from text. openpyxl
is imported only when a workbook holds such a sheet (or XLFIN_ENGINE=openpyxl asks for it):
loading it costs a tenth of a second, more when it finds numpy installed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from openpyxl.reader.strings import read_string_table
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser
from openpyxl.xml.functions import fromstring

from xlfin.reader.cells import NOT_COMPUTED, ErrorValue, NotANumber, OutOfRangeDate

if TYPE_CHECKING:
    from xlfin.reader.engine import Book, Cells, Worksheet


@dataclass(frozen=True)
class ParserInputs:
    """What openpyxl's parser needs of the workbook to type a cell."""

    strings: list[str]
    epoch: datetime
    date_formats: Any
    timedelta_formats: Any


def read_strings(book: Book) -> list[str]:
    """The shared strings, parsed by openpyxl (defusedxml: entities are refused)."""
    if not book.strings_path:
        return []
    with book.archive.open(book.strings_path) as stream:
        return read_string_table(stream)


def load_parser_inputs(book: Book) -> ParserInputs:
    """The shared strings, date system and date styles, as openpyxl's reader takes them."""
    date_formats: Any = {}
    timedelta_formats: Any = {}
    if book.styles_path:
        stylesheet = Stylesheet.from_tree(fromstring(book.archive.read(book.styles_path)))
        if stylesheet.cell_styles:  # else openpyxl keeps its defaults: no date style
            date_formats = stylesheet.date_formats
            timedelta_formats = stylesheet.timedelta_formats
    return ParserInputs(
        read_strings(book),
        CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900,
        date_formats,
        timedelta_formats,
    )


class _Parser(WorkSheetParser):
    """openpyxl's parser, telling uncomputed formulas, error values and impossible dates
    apart from blank cells and text, and noting hidden rows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden_rows: list[int] = []

    def parse_row(self, row):  # type: ignore[no-untyped-def]
        if row.get("hidden") in ("1", "true"):
            number = row.get("r")
            self.hidden_rows.append(int(number) if number else self.row_counter + 1)
        return super().parse_row(row)

    def parse_cell(self, element):  # type: ignore[no-untyped-def]
        try:
            cell = super().parse_cell(element)
        except ValueError:  # a number cell openpyxl cannot cast: NaN, INF, garbage
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            text = element.findtext(VALUE_TAG) or ""
            return {
                "row": row,
                "column": column,
                "value": NotANumber(text),
                "data_type": "n",
                "style_id": 0,
            }
        value = cell["value"]
        if value is None:
            if element.find(FORMULA_TAG) is not None and not element.findtext(VALUE_TAG):
                cell["value"] = NOT_COMPUTED
        elif cell["data_type"] == "e":
            if element.get("t", "n") == "n":  # a number formatted as a date Excel cannot show
                cell["value"] = OutOfRangeDate(element.findtext(VALUE_TAG))
            else:
                cell["value"] = ErrorValue(value)
        return cell


def parse_rows(
    worksheet: Worksheet, inputs: ParserInputs, hidden: list[int] | None
) -> Iterator[tuple[int, Cells]]:
    """(row number, values from column A) for every row in the sheet's XML, in order;
    hidden rows are appended to `hidden` at the end. Exceptions are the caller's."""
    with worksheet.parent.archive.open(worksheet.member) as source, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = _Parser(
            source,
            inputs.strings,
            data_only=True,
            epoch=inputs.epoch,
            date_formats=inputs.date_formats,
            timedelta_formats=inputs.timedelta_formats,
        )
        for row_number, cells in parser.parse():
            values: Cells = [None] * max((c["column"] for c in cells), default=0)
            for c in cells:
                values[c["column"] - 1] = c["value"]
            yield row_number, values
        if hidden is not None:
            hidden.extend(parser.hidden_rows)
