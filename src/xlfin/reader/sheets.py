"""One sheet's header and rows, typed by the contract, with a problem for every bad cell."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from xlfin.problems import Problem, problem
from xlfin.reader.cells import (
    NOT_COMPUTED,
    CellError,
    ErrorValue,
    read_bool,
    read_choice,
    read_date,
    read_decimal,
    read_id,
    read_text,
    shown,
)
from xlfin.reader.engine import iter_rows
from xlfin.schema import Column, Kind, Sheet, find_column


@dataclass(slots=True)
class Row:
    """One data row: typed values by field key (None when blank or bad)."""

    row: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)
    """Fields whose cell was reported as bad."""

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)


def _read_cell(column: Column, raw: object) -> Any:
    if raw is NOT_COMPUTED:
        raise CellError(
            "FORMULA_NOT_COMPUTED",
            "the formula here has no computed value; open the file in Excel and save it",
        )
    if isinstance(raw, ErrorValue):
        raise CellError("CELL_ERROR_VALUE", f"the cell holds the error {raw}; fix its formula")
    kind = column.kind
    if kind is Kind.ID:
        return read_id(raw)
    if kind is Kind.TEXT:
        return read_text(raw)
    if kind is Kind.DATE:
        return read_date(raw)
    if kind is Kind.BOOL:
        return read_bool(raw)
    if kind is Kind.CHOICE:
        return read_choice(raw, column.choices, column.name.lower())
    number = read_decimal(raw)
    if number is not None and number < 0 and not column.signed:
        raise CellError("VALUE_NEGATIVE", f"{column.name} must be ≥ 0, not {shown(raw)}")
    return number


@dataclass
class SheetReader:
    """Reads `spec` from an openpyxl read-only worksheet; problems go to `problems`."""

    spec: Sheet
    title: str
    problems: list[Problem]
    layout: dict[str, str] = field(default_factory=dict)
    """Field key -> column letter."""

    def report(self, code: str, message: str, row: int | None = None, key: str | None = None):
        column = self.layout.get(key) if key else None
        name = self.spec.column(key).name if key else None
        self.problems.append(
            problem(code, message, sheet=self.spec.name, row=row, column=column, field=name)
        )

    def rows(self, worksheet: Any) -> Iterator[Row]:
        """Typed rows; nothing when the headers lack a required column."""
        stream = iter_rows(worksheet)
        first = next(stream, None)
        header: dict[int, object] = first[1] if first and first[0] == 1 else {}
        columns = self._map_header(header)
        if columns is None:
            return
        readers: list[tuple[int, Column]] = sorted(columns.items())
        required = [c for _, c in readers if c.required]
        for row_number, raw in stream:
            if not raw:
                continue
            values: dict[str, Any] = {}
            bad: set[str] = set()
            for index, column in readers:
                cell = raw.get(index)
                if cell is None:
                    continue
                try:
                    value = _read_cell(column, cell)
                except CellError as err:
                    bad.add(column.key)
                    self.report(err.code, err.message, row_number, column.key)
                    continue
                if value is not None:
                    values[column.key] = value
            if not values and not bad:
                continue  # a row with cells only in unknown columns, or only spaces
            for column in required:
                if column.key not in values and column.key not in bad:
                    bad.add(column.key)
                    self.report(
                        "CELL_REQUIRED", f"{column.name} is required", row_number, column.key
                    )
            yield Row(row_number, values, bad)

    def _map_header(self, header: dict[int, object]) -> dict[int, Column] | None:
        columns: dict[int, Column] = {}
        seen: dict[str, int] = {}
        for index, text in sorted(header.items()):
            letter = get_column_letter(index)
            if not isinstance(text, str) or not text.strip():
                self.problems.append(
                    problem(
                        "COLUMN_UNKNOWN",
                        f"header {shown(text)} is not a column name; it is ignored",
                        sheet=self.spec.name,
                        row=1,
                        column=letter,
                    )
                )
                continue
            column = find_column(self.spec, text)
            if column is None:
                known = ", ".join(c.name for c in self.spec.columns)
                self.problems.append(
                    problem(
                        "COLUMN_UNKNOWN",
                        f"column {shown(text.strip())} is not part of {self.spec.name}; it is "
                        f"ignored (columns: {known})",
                        sheet=self.spec.name,
                        row=1,
                        column=letter,
                    )
                )
                continue
            if column.key in seen:
                self.problems.append(
                    problem(
                        "COLUMN_DUPLICATE",
                        f"column {column.name} is also in column "
                        f"{get_column_letter(seen[column.key])}",
                        sheet=self.spec.name,
                        row=1,
                        column=letter,
                        field=column.name,
                    )
                )
                continue
            seen[column.key] = index
            columns[index] = column
            self.layout[column.key] = letter
        missing = [c for c in self.spec.columns if c.required and c.key not in seen]
        for column in missing:
            self.problems.append(
                problem(
                    "COLUMN_MISSING",
                    f"column {column.name} is missing; add it to the headers in row 1",
                    sheet=self.spec.name,
                    row=1,
                    field=column.name,
                )
            )
        return None if missing else columns
