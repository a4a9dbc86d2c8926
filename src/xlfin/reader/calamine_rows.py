"""Reading a sheet with python-calamine: the fast engine, for the sheets it reads exactly.

calamine reads some cells differently from openpyxl: an uncomputed formula reads as blank,
an error value as blank, hidden rows are not reported, and a DTD is read where openpyxl
refuses it. `is_plain` tells, by one scan of the sheet's XML through the size-checked zip,
whether a sheet holds none of those; only such a sheet is read here.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from python_calamine import CalamineWorkbook

from xlfin.problems import (
    FILE_UNREADABLE,
)
from xlfin.reader.package import (
    Book,
    Cells,
    Limits,
    UnreadableWorkbook,
    over,
    refuse,
    unsafe,
)

CALAMINE_CANNOT_SEE = (
    b"<f>",
    b"<f ",
    b't="e"',
    b'hidden="1"',
    b'hidden="true"',
    b"<!DOCTYPE",
    b"<!ENTITY",
    b"<!doctype",
)
"""What calamine reads differently: formulas (an uncomputed one reads as blank), error
cells (blank), hidden rows (not reported), DTDs (refused by openpyxl as attacks)."""
MARKER_HINTS = ((b"f", b"<f"), (b"e", b't="e"'), (b"e", b'hidden="'), (b"!", b"<!"))
"""Each marker above contains one of these hints, and each hint its byte. A search for
one byte is a memchr, thirty times faster than one for two bytes of which the first is
"<" (in every tag): a plain sheet's rows, as Excel writes them, rarely hold an "f" or a
"!" at all."""


DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"'
)
"""The sheet's used range, as Excel writes it before the rows: `<dimension ref="A1:H120"/>`."""


def column_number(letters: bytes) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def dense_cells(archive: zipfile.ZipFile, member: str) -> int | None:
    """The number of cells in the sheet's stated used range (rows × columns, as calamine lays
    them out), or None when the sheet states none before its first kilobytes end."""
    with archive.open(member) as stream:
        head = stream.read(1 << 16)
    found = DIMENSION.search(head)
    if found is None:
        return None
    first_column, first_row, last_column, last_row = found.groups()
    if last_column is None:
        return 1
    rows = int(last_row) - int(first_row) + 1
    columns = column_number(last_column) - column_number(first_column) + 1
    return max(rows, 1) * max(columns, 1)


def is_plain(archive: zipfile.ZipFile, member: str, title: str) -> bool:
    """True when the sheet's XML holds nothing calamine reads differently. The scan goes
    through the size-checked zip, so it also refuses a part that lies about its size."""
    try:
        with archive.open(member) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                # Quick searches first (a byte, then its hint); the exact markers only then.
                if any(byte in block and hint in block for byte, hint in MARKER_HINTS) and any(
                    marker in block for marker in CALAMINE_CANNOT_SEE
                ):
                    return False
                tail = block[-16:]
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise refuse(
            FILE_UNREADABLE,
            f"sheet {title!r} cannot be read ({type(exc).__name__}"
            f": {str(exc)[:200]}); open the file in Excel and save it again",
        ) from exc
    return True


def as_openpyxl_reads(value: object) -> object:
    """A value read by calamine as openpyxl reads the same cell: calamine gives every number
    as a float and a date without time as a date; openpyxl gives "8" as 8 and a datetime."""
    kind = type(value)
    if kind is float:
        if value.is_integer() and -1e15 < value < 1e15:
            return int(value)
    elif kind is date:
        return datetime(value.year, value.month, value.day)
    return value


def rows(book: Book, title: str, limits: Limits) -> Iterator[tuple[int, Cells]]:
    """(row number, values from column A) of a plain sheet, values as calamine gives them
    ("" for blank): the reader passes each distinct one through `as_openpyxl_reads`."""
    try:
        calamine = book.engine_state.get("calamine")
        if calamine is None:
            calamine = book.engine_state["calamine"] = CalamineWorkbook.from_path(str(book.path))
        sheet = calamine.get_sheet_by_name(title)
        pad = [None] * (sheet.start[1] if sheet.start else 0)
        for index, row in enumerate(sheet.iter_rows()):
            if index >= limits.rows:
                raise unsafe(over(f"sheet {title!r} has more rows", "rows", limits.rows))
            yield index + 1, pad + row if pad else row
    except (UnreadableWorkbook, GeneratorExit):
        raise
    except Exception as exc:
        raise refuse(
            FILE_UNREADABLE,
            f"sheet {title!r} cannot be read to its end "
            f"({type(exc).__name__}: {str(exc)[:200]}); nothing was built from it; "
            "open the file in Excel and save it again",
        ) from exc
