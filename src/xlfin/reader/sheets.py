"""One sheet's header and rows, typed by the contract, with a problem for every bad cell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from xlfin.problems import (
    CELL_ERROR_VALUE,
    CELL_REQUIRED,
    COLUMN_DUPLICATE,
    COLUMN_MISSING,
    COLUMN_UNKNOWN,
    FORMULA_NOT_COMPUTED,
    HEADER_NOT_IN_ROW_1,
    ROWS_HIDDEN,
    VALUE_NEGATIVE,
    VALUE_TOO_LONG,
    Problem,
    problem,
    problem_at,
)
from xlfin.reader.calamine_rows import as_openpyxl_reads
from xlfin.reader.cells import (
    NOT_COMPUTED,
    CellError,
    ErrorValue,
    read_bool,
    read_choice,
    read_currency,
    read_date,
    read_decimal,
    read_id,
    read_text,
    shown,
)
from xlfin.reader.engine import sheet_rows
from xlfin.reader.package import DEFAULT_LIMITS, Cells, Limits
from xlfin.schema import Column, Kind, Sheet, find_column
from xlfin.words import counted

HEADER_SEARCH_ROWS = 20
"""How far down a header row is looked for when row 1 holds none (a title above a table)."""
MAX_UNKNOWN_COLUMNS = 20
"""Unknown columns reported one by one; the rest are counted in one more problem."""


NO_BAD: frozenset[str] = frozenset()
MISSING = object()
MEMO_KINDS = frozenset((str, int, float, date, datetime))
"""Raw value types whose typed value is remembered per column. Equal values of these types
type alike (8 and 8.0 are both read as 8); booleans (True == 1) and the str subclasses that
mark error cells (ErrorValue("#REF!") == "#REF!") are never remembered."""
MEMO_SIZE = 4096
"""Distinct raw values remembered per column: a column of unique ids stops filling it."""


class Row(dict[str, Any]):
    """One data row: typed values by field key; a blank or bad field reads as None.

    A dict itself, so that reading a field costs a dict lookup (a sheet may hold a million
    rows); `row` is its sheet row and `bad` the fields whose cell was reported as bad, both
    set by `SheetReader.rows` (without an __init__ of its own, a Row is made at dict's
    speed).
    """

    __slots__ = ("bad", "row")
    row: int
    bad: set[str] | frozenset[str]

    def __missing__(self, key: str) -> None:
        return None


def cell_reader(column: Column) -> Callable[[object], Any]:
    """The function that reads one cell of `column`, chosen once per column: raw value in,
    typed value out, CellError for a bad cell."""
    kind = column.kind
    if kind is Kind.ID:
        read: Callable[[object], Any] = read_id
    elif kind is Kind.TEXT:
        read = read_text
    elif kind is Kind.DATE:
        read = read_date
    elif kind is Kind.BOOL:
        read = read_bool
    elif kind is Kind.CURRENCY:
        read = read_currency
    elif kind is Kind.CHOICE:

        def read(raw: object) -> Any:
            return read_choice(raw, column.choices, column.name.lower())
    elif column.signed:
        read = read_decimal
    else:

        def read(raw: object) -> Any:
            number = read_decimal(raw)
            if number is not None and number < 0:
                raise CellError(VALUE_NEGATIVE, f"{column.name} must be ≥ 0, not {shown(raw)}")
            return number

    def read_cell(raw: object) -> Any:
        if raw is NOT_COMPUTED:
            raise CellError(
                FORMULA_NOT_COMPUTED,
                "the formula here has no computed value; open the file in Excel and save it",
            )
        if isinstance(raw, ErrorValue):
            raise CellError(CELL_ERROR_VALUE, f"the cell holds the error {raw}; fix its formula")
        return read(raw)

    return read_cell


@dataclass
class SheetReader:
    """Reads `spec` from an openpyxl read-only worksheet; problems go to `problems`."""

    spec: Sheet
    title: str
    problems: list[Problem]
    limits: Limits = DEFAULT_LIMITS
    layout: dict[str, str] = field(default_factory=dict)
    """Field key -> column letter."""

    def report(self, code: str, message: str, row: int | None = None, key: str | None = None):
        self.problems.append(problem_at(code, message, self.spec.name, row, key, self.layout))

    def rows(self, worksheet: Any) -> Iterator[Row]:
        """Typed rows; nothing when the headers lack a required column."""
        hidden: list[int] = []
        stream = sheet_rows(worksheet, self.limits, hidden)
        header_row, header, ahead = self._find_header(stream)
        columns = self._map_header(header, header_row)
        if columns is None:
            return
        readers = [
            (index - 1, column.key, cell_reader(column), {})
            for index, column in sorted(columns.items())
        ]
        required = [c for c in columns.values() if c.required]
        longest = self.limits.string_length
        for row_number, raw in chain(ahead, stream):
            if not raw:
                continue
            values = Row()
            values.row = row_number
            bad: set[str] | frozenset[str] = NO_BAD
            width = len(raw)
            for position, key, read, memo in readers:
                given = raw[position] if position < width else None
                if given is None:
                    continue
                # A column repeats few values (ids, dates, hours): each is typed once.
                kind = type(given)
                seen = memo if kind in MEMO_KINDS else None
                if seen is not None:
                    value = seen.get(given, MISSING)
                    if value is not MISSING:
                        if value is not None:
                            values[key] = value
                        continue
                cell = as_openpyxl_reads(given)
                try:
                    if kind is str and len(cell) > longest:
                        raise CellError(
                            VALUE_TOO_LONG,
                            f"the cell holds {len(cell):,} "
                            f"characters, more than Excel's {longest:,}",
                        )
                    value = read(cell)
                except CellError as err:
                    if bad is NO_BAD:
                        bad = set()
                    bad.add(key)
                    self.report(err.code, err.message, row_number, key)
                    continue
                if seen is not None and len(seen) < MEMO_SIZE:
                    seen[given] = value
                if value is not None:
                    values[key] = value
            if not values and not bad:
                continue  # a row with cells only in unknown columns, or only spaces
            for column in required:
                if column.key not in values and column.key not in bad:
                    if bad is NO_BAD:
                        bad = set()
                    bad.add(column.key)
                    self.report(CELL_REQUIRED, f"{column.name} is required", row_number, column.key)
            values.bad = bad
            yield values
        if hidden:
            shown_rows = ", ".join(str(r) for r in hidden[:10]) + (
                ", …" if len(hidden) > 10 else ""
            )
            self.problems.append(
                problem(
                    ROWS_HIDDEN,
                    f"{counted(len(hidden), 'hidden row')} ({shown_rows}) "
                    f"{'was' if len(hidden) == 1 else 'were'} read like the others; unhide "
                    f"{'it' if len(hidden) == 1 else 'them'} to check "
                    f"{'it' if len(hidden) == 1 else 'them'}",
                    sheet=self.spec.name,
                    row=hidden[0],
                )
            )

    def _find_header(
        self, stream: Iterator[tuple[int, Cells]]
    ) -> tuple[int, dict[int, object], list[tuple[int, Cells]]]:
        """The header row: row 1, or the first of the top rows that names this sheet's
        required columns (a title may sit above a table). Returns (row, cells, rows read
        after it)."""
        ahead: list[tuple[int, Cells]] = []
        for row_number, raw in stream:
            ahead.append((row_number, raw))
            if row_number > HEADER_SEARCH_ROWS:
                break
        for i, (row_number, raw) in enumerate(ahead):
            if row_number > HEADER_SEARCH_ROWS:
                break
            names = {c.key for c in map(self._column_of, raw) if c is not None}
            needed = {c.key for c in self.spec.columns if c.required}
            if row_number == 1 and names:
                return 1, _by_column(raw), ahead[i + 1 :]
            if names and needed <= names:
                if row_number != 1:
                    self.problems.append(
                        problem(
                            HEADER_NOT_IN_ROW_1,
                            f"the headers of {self.spec.name} were found in "
                            f"row {row_number}, not row 1; the rows above them are ignored",
                            sheet=self.spec.name,
                            row=row_number,
                        )
                    )
                return row_number, _by_column(raw), ahead[i + 1 :]
        return 1, {}, []

    def _column_of(self, text: object) -> Column | None:
        return find_column(self.spec, text) if isinstance(text, str) else None

    def _map_header(self, header: dict[int, object], row: int) -> dict[int, Column] | None:
        """Column number -> contract column; None when a required column is missing."""
        columns: dict[int, Column] = {}
        seen: dict[str, int] = {}
        unknown: list[str] = []

        def report(code: str, message: str, letter: str, field: str | None = None) -> None:
            self.problems.append(
                problem(code, message, sheet=self.spec.name, row=row, column=letter, field=field)
            )

        for index, text in sorted(header.items()):
            letter = xl_col_to_name(index - 1)
            column = self._column_of(text)
            if column is None:
                unknown.append(letter)
                if len(unknown) <= MAX_UNKNOWN_COLUMNS:
                    known = ", ".join(c.name for c in self.spec.columns)
                    report(
                        COLUMN_UNKNOWN,
                        f"column {shown(as_openpyxl_reads(text))} is not part of "
                        f"{self.spec.name}; it is ignored (columns: {known})",
                        letter,
                    )
            elif column.key in seen:
                first = xl_col_to_name(seen[column.key] - 1)
                report(
                    COLUMN_DUPLICATE,
                    f"column {column.name} is also in column {first}",
                    letter,
                    column.name,
                )
            else:
                seen[column.key] = index
                columns[index] = column
                self.layout[column.key] = letter
        if len(unknown) > MAX_UNKNOWN_COLUMNS:
            report(
                COLUMN_UNKNOWN,
                f"{len(unknown) - MAX_UNKNOWN_COLUMNS:,} more unknown "
                f"columns ({unknown[MAX_UNKNOWN_COLUMNS]} to {unknown[-1]}) are ignored",
                unknown[MAX_UNKNOWN_COLUMNS],
            )
        missing = [c for c in self.spec.columns if c.required and c.key not in seen]
        where = (
            f"in its headers (row {row})"
            if header
            else f"in row 1 (no header row was found in rows 1 to {HEADER_SEARCH_ROWS})"
        )
        for column in missing:
            self.problems.append(
                problem(
                    COLUMN_MISSING,
                    f"column {column.name} is missing {where}; the headers belong in row 1",
                    sheet=self.spec.name,
                    row=row,
                    field=column.name,
                )
            )
        return None if missing else columns


def _by_column(cells: Cells) -> dict[int, object]:
    """A row's non-blank values by column number (A is 1)."""
    return {c: value for c, value in enumerate(cells, 1) if value is not None and value != ""}
