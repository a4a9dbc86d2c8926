"""The xlsx table machinery of the reports: formats, typed cells, sheets that print, and
tables with totals that continue onto further sheets past Excel's last row.

The sheet layouts (which columns, which rows) are `workbook.ReportWriter`'s. Numbers are
written as numbers and dates as dates, with the currency's format; every text that came
from the input is written with `write_string`, so it is never read as a formula. Totals are
SUM formulas whose cached value is the computed total, so viewers that do not recalculate
show it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_col_to_name

from xlfin.core.money import round_money

MAX_ROWS = 1_048_576
ROW_HEIGHT = 15
"""Excel's default row height in points, for 11-point text: one line."""
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (serial numbers count days from it)."""
EXCEL_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Text that a spreadsheet could take for a formula: written with a quote prefix."""
FORMULA_FIRST = "".join(FORMULA_STARTS)
"""The same, as one string: `text[0] in FORMULA_FIRST` is the cheaper test per cell."""
DOUBLES_REMEMBERED = 100_000
"""Distinct amounts whose double a report remembers: lines repeat few amounts (hours ×
rate), so a million lines need a few thousand."""
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text, wrap (text that wraps in its column), money, hours, rate,
    # date, percent, int
    width: int = 14
    total: bool = False
    in_base: bool = False
    """Amounts in the base currency, whatever the row's currency (model 13)."""


def _places(kind: str, money: int) -> int:
    """Decimals a fraction of a column of `kind` is written with."""
    return 6 if kind == "hours" else 10 if kind == "factor" else money


def close_book(book: xlsxwriter.Workbook, path: Path) -> None:
    """Close (write out) `book`; a file that cannot be written (a full disk, a size limit, a
    read-only folder) is an OSError naming `path`, as any other write."""
    try:
        book.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        if cause is None:
            raise OSError(str(exc)) from exc
        raise OSError(cause.errno, cause.strerror, str(path)) from exc


class TableWriter:
    """An xlsx file being written: its formats (in `currency` with `decimals`), and sheets
    of tables. `source` (the input's name) goes in every page header."""

    def __init__(
        self,
        path: Path,
        currency: str,
        decimals: int,
        source: str,
        currency_decimals: Mapping[str, int] | None = None,
    ) -> None:
        self.path = path
        self.currency = currency
        self.decimals = decimals
        self.currency_decimals = {**(currency_decimals or {}), currency: decimals}
        """Each currency's decimals (model 13): every amount is shown in its project's."""
        self.source = source
        self.max_rows = MAX_ROWS
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.formats = self._formats()
        self.in_currency: dict[str, dict[str, Any]] = {currency: self.formats}
        self.doubles: dict[object, float] = {}
        """Each amount written, as the double its cell holds (see `row_writer`)."""

    def money_format(self, currency: str) -> str:
        """The number format of amounts in `currency`: its symbol or code, its decimals."""
        zeros = "0" * self.places(currency)
        number = f"#,##0{'.' + zeros if zeros else ''}"
        symbol = CURRENCY_SYMBOLS.get(currency)
        money = f'"{symbol}"{number}' if symbol else f'{number} "{currency}"'
        return f"{money};-{money}"

    def places(self, currency: str | None) -> int:
        """Decimals of `currency` (None: the base currency's)."""
        if currency is None:
            return self.decimals
        return self.currency_decimals.get(currency, 2)

    def formats_for(self, currency: str | None) -> dict[str, Any]:
        """The formats, with money in `currency` (None: the base currency): one set per
        currency, made once."""
        if currency is None:
            return self.formats
        found = self.in_currency.get(currency)
        if found is None:
            add = self.book.add_format
            money = self.money_format(currency)
            found = self.in_currency[currency] = {
                **self.formats,
                "money": add({"num_format": money}),
                "money_total": add({"num_format": money, "bold": True, "top": 1}),
                "rate": add({"num_format": money}),
            }
        return found

    def _formats(self) -> dict[str, Any]:
        add = self.book.add_format
        money = self.money_format(self.currency)
        return {
            "header": add(
                {
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "title": add({"bold": True, "font_size": 14}),
            "bold": add({"bold": True}),
            "note": add({"italic": True, "font_color": "#595959"}),
            "note_wrap": add(
                {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}
            ),
            "text": add({}),
            "wrap": add({"text_wrap": True}),  # bottom-aligned, as the row's other cells
            "text_quoted": add({"quote_prefix": True}),
            "money": add({"num_format": money}),
            "money_total": add({"num_format": money, "bold": True, "top": 1}),
            "rate": add({"num_format": money}),
            "hours": add({"num_format": "#,##0.00"}),
            "hours_total": add({"num_format": "#,##0.00", "bold": True, "top": 1}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "percent": add({"num_format": "0.0%"}),
            "index": add({"num_format": "0.00"}),
            "percent_total": add({"num_format": "0.0%", "bold": True, "top": 1}),
            "int": add({"num_format": "0"}),
            "factor": add({"num_format": "0.0000######"}),
            "number": add({"num_format": "#,##0.00##"}),
            "total_label": add({"bold": True, "top": 1}),
        }

    # -- cells ------------------------------------------------------------------------------

    def cell(
        self,
        ws: Any,
        row: int,
        col: int,
        value: object,
        kind: str = "text",
        fmt: str | None = None,
        currency: str | None = None,
    ) -> None:
        f = self.formats_for(currency)[fmt or kind]
        if value is None:
            ws.write_blank(row, col, None, f)
        elif kind in ("text", "wrap"):
            text = str(value)
            if text.startswith(FORMULA_STARTS) and not fmt:
                f = self.formats["text_quoted"]  # stays text even when the cell is edited
            ws.write_string(row, col, text, f)
        elif kind == "date":
            assert isinstance(value, date)
            ws.write_datetime(row, col, datetime.combine(value, time()), f)
        else:
            if isinstance(value, Fraction):
                value = round_money(value, _places(kind, self.places(currency)))
            ws.write_number(row, col, float(value), f)  # as `row_writer` does

    def new_sheet(
        self, name: str, cols: Sequence[Col], title: str | None = None, headers: bool = True
    ) -> tuple[Any, int]:
        """A sheet with a header row (after an optional title); returns (sheet, header row)."""
        ws = self.book.add_worksheet(name)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_paper(9)  # A4; Excel falls back to Letter where A4 is not loaded
        row = 0
        if title:
            ws.write_string(0, 0, title, self.formats["title"])
            row = 2
        for c, col in enumerate(cols):
            ws.set_column(c, c, col.width)
            if headers:
                ws.write_string(row, c, col.header, self.formats["header"])
        if headers:
            ws.set_row(row, 30)  # room for headers that wrap onto two lines
            ws.freeze_panes(row + 1, 0)
            ws.repeat_rows(row)
        ws.set_header(f'&L&"-,Bold"{name}&R{self.source}')
        ws.set_footer("&LGenerated by xlfin&RPage &P of &N")
        return ws, row

    def row_writer(
        self, ws: Any, cols: Sequence[Col], currency_col: int | None = None
    ) -> Callable[..., None]:
        """The function that writes one table row of `cols` at a given row of `ws`:
        `write_row(row, values, currency=None)`, its amounts in `currency` (None: the base
        currency; with `currency_col`, the currency named in that column of each row).

        A report holds millions of cells, so the work per cell is kept to the least: the
        columns are grouped by kind once, plain text is written without a format, and blank
        values (None, "") are skipped.
        """
        write_string = ws.write_string
        write_number = ws.write_number
        quoted = self.formats["text_quoted"]
        texts = [c for c, col in enumerate(cols) if col.kind == "text"]
        wrapped = [(c, col.width) for c, col in enumerate(cols) if col.kind == "wrap"]
        wrap = self.formats["wrap"]
        set_row = ws.set_row
        dates = [(c, self.formats["date"]) for c, col in enumerate(cols) if col.kind == "date"]
        by_currency: dict[str | None, list[tuple[int, Any, int]]] = {}

        def numbers_in(currency: str | None) -> list[tuple[int, Any, int]]:
            found = by_currency.get(currency)
            if found is None:
                formats, places = self.formats_for(currency), self.places(currency)
                base = self.formats
                found = by_currency[currency] = [
                    (c, (base if col.in_base else formats)[col.kind], _places(col.kind, places))
                    for c, col in enumerate(cols)
                    if col.kind not in ("text", "wrap", "date")
                ]
            return found

        numbers = numbers_in(None)
        doubles = self.doubles

        def write_row(r: int, values: Sequence[object], currency: str | None = None) -> None:
            if wrapped:  # a row as tall as its longest wrapped text (viewers do not measure)
                lines = 1
                for c, chars in wrapped:
                    text = values[c]
                    if text and len(str(text)) > chars:
                        lines = max(lines, -(-len(str(text)) // chars))
                if lines > 1:
                    set_row(r, ROW_HEIGHT * lines)
            for c in texts:
                text = values[c]
                if text is None or text == "":
                    continue
                if type(text) is not str:
                    text = str(text)
                    if not text:
                        continue
                if text[0] in FORMULA_FIRST:  # stays text even when the cell is edited
                    write_string(r, c, text, quoted)
                else:  # plain text needs no format, and a cell without one is cheaper
                    write_string(r, c, text)
            for c, _ in wrapped:  # few, and long: wrapped in their column, never spilling
                text = values[c]
                if text:
                    write_string(r, c, str(text), wrap)  # a quote prefix is for plain text
            for c, f in dates:
                day = values[c]
                if day is not None:
                    write_number(r, c, day.toordinal() - EXCEL_EPOCH_ORDINAL, f)
            if currency_col is not None:
                currency = values[currency_col]  # type: ignore[assignment]
            for c, f, places in numbers if currency is None else numbers_in(currency):
                value = values[c]
                if value is not None:
                    if type(value) is Fraction:
                        value = round_money(value, places)
                    # A cell holds a binary double: the amount is converted here rather
                    # than by xlsxwriter at each of its checks of the number, and each
                    # distinct amount once (a Decimal keeps its hash; equal amounts are
                    # the same double). Zero is not remembered: -0 stays -0.
                    number = doubles.get(value)
                    if number is None:
                        number = float(value)
                        if number and len(doubles) < DOUBLES_REMEMBERED:
                            doubles[value] = number
                    write_number(r, c, number, f)

        return write_row

    def table(
        self,
        name: str,
        cols: Sequence[Col],
        rows: Iterable[Sequence[object]],
        title: str | None = None,
        total_label: str = "Total",
        currency_col: int | None = None,
    ) -> tuple[Any, int]:
        """A sheet holding one table with autofilter and a totals row; returns (sheet, rows).
        With `currency_col`, each row's amounts are formatted in the currency it names.

        A table longer than a sheet holds continues on `<name> (2)`, `<name> (3)`, … each
        with its headers, a note and the totals of its own rows: nothing is dropped.
        """
        ws, header = self.new_sheet(name, cols, title)
        first_ws, part, count = ws, 1, 0
        sums: dict[int, Decimal] = {c: Decimal(0) for c, col in enumerate(cols) if col.total}
        write_row = self.row_writer(ws, cols, currency_col)
        summed = list(sums)
        r = header
        for values in rows:
            r += 1
            if r >= self.max_rows - 1:  # keep the last row for the totals
                part += 1
                next_name = f"{name} ({part})"
                self.close_table(
                    ws,
                    header,
                    r - 1,
                    cols,
                    sums,
                    f"{total_label} of this sheet (continued on {next_name})",
                )
                ws, header = self.new_sheet(next_name, cols, f"{name}, continued (part {part})")
                sums = dict.fromkeys(sums, Decimal(0))
                write_row = self.row_writer(ws, cols, currency_col)
                r = header + 1
            write_row(r, values)
            for c in summed:
                value = values[c]
                if value is not None:
                    sums[c] += value
            count += 1
        label = total_label if part == 1 else f"{total_label} of this sheet"
        self.close_table(ws, header, r, cols, sums, label)
        return first_ws, count

    def close_table(
        self,
        ws: Any,
        header: int,
        last: int,
        cols: Sequence[Col],
        sums: dict[int, Decimal],
        label: str,
    ) -> None:
        if sums:
            self.totals_row(ws, last + 1, header + 1, last, cols, sums, label)
        ws.autofilter(header, 0, max(last, header), len(cols) - 1)

    def totals_row(
        self,
        ws: Any,
        row: int,
        first: int,
        last: int,
        cols: Sequence[Col],
        sums: dict[int, Decimal],
        label: str,
        currency: str | None = None,
    ) -> None:
        formats = self.formats_for(currency)
        ws.write_string(row, 0, label, formats["total_label"])
        for c, total in sums.items():
            column = xl_col_to_name(c)
            formula = f"=SUM({column}{first + 1}:{column}{last + 1})" if last >= first else "=0"
            fmt = formats[
                f"{cols[c].kind}_total" if cols[c].kind in ("money", "hours") else "money_total"
            ]
            ws.write_formula(row, c, formula, fmt, total)

    # -- the sheets -------------------------------------------------------------------------
