"""Which engine reads a sheet's rows: the choice, and nothing else.

`sheet_rows` streams a sheet's rows as (row number, values from column A): with
python-calamine (`calamine_rows`) when the sheet holds nothing calamine reads differently,
else with openpyxl's cell typing (`openpyxl_rows`, imported only then). Both give the same
rows; a test checks it on every sample and test workbook.
"""

from __future__ import annotations

from collections.abc import Iterator

from xlfin.reader import calamine_rows
from xlfin.reader.package import DEFAULT_LIMITS, Book, Cells, Limits, Worksheet

ENGINES = ("auto", "openpyxl")
"""auto: python-calamine for every sheet it reads exactly (no formulas, error cells,
hidden rows or DTDs), openpyxl for the others; openpyxl: openpyxl for every sheet."""


def sheet_rows(
    worksheet: Worksheet, limits: Limits = DEFAULT_LIMITS, hidden: list[int] | None = None
) -> Iterator[tuple[int, Cells]]:
    """A sheet's rows by the fastest engine that reads it exactly. Hidden rows are
    appended to `hidden` (only a sheet with hidden rows has any, and calamine never reads
    one). A sheet whose stated used range is too large to lay out in memory is read cell
    by cell. A sheet that cannot be read to its end raises UnreadableWorkbook."""
    book = worksheet.parent
    if (
        book.engine == "auto"
        and worksheet.plain_target
        and calamine_rows.is_plain(book.archive, worksheet.member, worksheet.title)
        and _fits(book, worksheet, limits)
    ):
        return calamine_rows.rows(book, worksheet.title, limits)
    from xlfin.reader import openpyxl_rows

    return openpyxl_rows.rows(worksheet, limits, hidden)


def _fits(book: Book, worksheet: Worksheet, limits: Limits) -> bool:
    """Whether calamine may read the sheet: it lays the sheet's whole used range out in
    memory, so one cell at XFD1048576 would ask for hundreds of gigabytes (and abort the
    process). A range over the limit, or none stated, is read cell by cell instead."""
    cells = calamine_rows.dense_cells(book.archive, worksheet.member)
    return cells is not None and cells <= limits.dense_cells
