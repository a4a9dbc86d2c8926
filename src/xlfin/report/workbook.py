"""The billing-record workbook, written with xlsxwriter.

One method per sheet. Numbers are written as numbers and dates as dates, with the
currency's format; every text that came from the input is written with
`write_string`, so it is never read as a formula. Totals are SUM formulas whose
cached value is the computed total, so viewers that do not recalculate show it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from xlfin.core.money import round_money
from xlfin.core.rates import RateSource, source_text
from xlfin.core.results import LineResult, ProjectResult, Results
from xlfin.models import BillingStatus, Workbook
from xlfin.problems import Problem, sort_key

MAX_ROWS = 1_048_576
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (serial numbers count days from it)."""
EXCEL_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Text that a spreadsheet could take for a formula: written with a quote prefix."""
FORMULA_FIRST = "".join(FORMULA_STARTS)
"""The same, as one string: `text[0] in FORMULA_FIRST` is the cheaper test per cell."""
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


class CellFormat(Format):
    """xlsxwriter's Format, handing the cell writer its style index as text.

    xlsxwriter passes every attribute of a cell through a regular-expression search for
    characters to escape; for the style index, an int, the search raises TypeError and
    xlsxwriter catches it: 0.4 µs for every formatted cell, a million times over in a
    large report (3 % of the whole build at 100,000 hour lines, by instruction count).
    The same index as text takes the search's quick path and gives the same XML. The
    index is given by Format's own method, once, so the styles are numbered as before.
    """

    xf_text: str | int | None = None

    def _get_xf_index(self) -> str | int:  # type: ignore[override]
        if self.xf_text is None:
            index = super()._get_xf_index()
            self.xf_text = str(index) if index else index  # 0 (no style) stays falsy
        return self.xf_text


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text, money, hours, rate, date, percent, int
    width: int = 14
    total: bool = False


def revenue_source_text(r: LineResult) -> str:
    """Where a line's billing rate came from; for a billed line, as it was when billed."""
    if r.frozen is not None:
        when = f" {r.frozen.billing_date}" if r.frozen.billing_date else ""
        return f"frozen{when}: {r.frozen.original}"
    return source_text(r.revenue_source)


class ReportWriter:
    """Writes `results` to an xlsx file; `generated_at` is passed in, never read here."""

    def __init__(
        self,
        path: Path,
        workbook: Workbook,
        results: Results,
        problems: Sequence[Problem],
        generated_at: datetime,
    ) -> None:
        self.path = path
        self.input = workbook
        self.results = results
        self.problems = sorted(problems, key=sort_key)
        self.generated_at = generated_at
        self.decimals = results.settings.decimals
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

    def _formats(self) -> dict[str, Any]:
        def add(properties: dict[str, Any]) -> Format:
            made = self.book.add_format(properties)
            made.__class__ = CellFormat  # same attributes; only how it gives its index
            return made

        currency = self.results.settings.currency
        zeros = "0" * self.decimals
        number = f"#,##0{'.' + zeros if zeros else ''}"
        symbol = CURRENCY_SYMBOLS.get(currency)
        money = f'"{symbol}"{number}' if symbol else f'{number} "{currency}"'
        money = f"{money};-{money}"
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
            "text": add({}),
            "text_quoted": add({"quote_prefix": True}),
            "money": add({"num_format": money}),
            "money_total": add({"num_format": money, "bold": True, "top": 1}),
            "rate": add({"num_format": money}),
            "hours": add({"num_format": "#,##0.00"}),
            "hours_total": add({"num_format": "#,##0.00", "bold": True, "top": 1}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "percent": add({"num_format": "0.0%"}),
            "percent_total": add({"num_format": "0.0%", "bold": True, "top": 1}),
            "int": add({"num_format": "0"}),
            "total_label": add({"bold": True, "top": 1}),
        }

    # -- cells ------------------------------------------------------------------------------

    def cell(
        self, ws: Any, row: int, col: int, value: object, kind: str = "text", fmt: str | None = None
    ) -> None:
        f = self.formats[fmt or kind]
        if value is None:
            ws.write_blank(row, col, None, f)
        elif kind == "text":
            text = str(value)
            if text.startswith(FORMULA_STARTS) and not fmt:
                f = self.formats["text_quoted"]  # stays text even when the cell is edited
            ws.write_string(row, col, text, f)
        elif kind == "date":
            assert isinstance(value, date)
            ws.write_datetime(row, col, datetime.combine(value, time()), f)
        else:
            if isinstance(value, Fraction):
                value = round_money(value, 6 if kind == "hours" else self.decimals)
            ws.write_number(row, col, value, f)

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
        ws.set_header(f'&L&"-,Bold"{name}&R{self.input.source}')
        ws.set_footer("&LGenerated by xlfin&RPage &P of &N")
        return ws, row

    def row_writer(self, ws: Any, cols: Sequence[Col]) -> Callable[[int, Sequence[object]], None]:
        """The function that writes one table row of `cols` at a given row of `ws`.

        A report holds millions of cells, so the work per cell is kept to the least: the
        columns are grouped by kind once, plain text is written without a format, blank
        values (None, "") are skipped, and cells go through xlsxwriter's undecorated
        writers (the public ones only add A1-notation parsing, which is never used here).
        """
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_number = getattr(ws, "_write_number", ws.write_number)
        quoted = self.formats["text_quoted"]
        texts = [c for c, col in enumerate(cols) if col.kind == "text"]
        dates = [(c, self.formats["date"]) for c, col in enumerate(cols) if col.kind == "date"]
        numbers = [
            (c, self.formats[col.kind], 6 if col.kind == "hours" else self.decimals)
            for c, col in enumerate(cols)
            if col.kind not in ("text", "date")
        ]

        def write_row(r: int, values: Sequence[object]) -> None:
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
            for c, f in dates:
                day = values[c]
                if day is not None:
                    write_number(r, c, day.toordinal() - EXCEL_EPOCH_ORDINAL, f)  # type: ignore[attr-defined]
            for c, f, places in numbers:
                value = values[c]
                if value is not None:
                    if type(value) is Fraction:
                        value = round_money(value, places)
                    write_number(r, c, value, f)

        return write_row

    def table(
        self,
        name: str,
        cols: Sequence[Col],
        rows: Iterable[Sequence[object]],
        title: str | None = None,
        total_label: str = "Total",
    ) -> tuple[Any, int]:
        """A sheet holding one table with autofilter and a totals row; returns (sheet, rows).

        A table longer than a sheet holds continues on `<name> (2)`, `<name> (3)`, … each
        with its headers, a note and the totals of its own rows: nothing is dropped.
        """
        ws, header = self.new_sheet(name, cols, title)
        first_ws, part, count = ws, 1, 0
        sums: dict[int, Decimal] = {c: Decimal(0) for c, col in enumerate(cols) if col.total}
        write_row = self.row_writer(ws, cols)
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
                write_row = self.row_writer(ws, cols)
                r = header + 1
            write_row(r, values)
            for c in summed:
                value = values[c]
                if value is not None:
                    sums[c] += value  # type: ignore[operator]
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
    ) -> None:
        ws.write_string(row, 0, label, self.formats["total_label"])
        for c, total in sums.items():
            column = xl_col_to_name(c)
            formula = f"=SUM({column}{first + 1}:{column}{last + 1})" if last >= first else "=0"
            fmt = self.formats[
                f"{cols[c].kind}_total" if cols[c].kind in ("money", "hours") else "money_total"
            ]
            ws.write_formula(row, c, formula, fmt, total)

    # -- the sheets -------------------------------------------------------------------------

    def write(self) -> None:
        try:
            self.book.set_properties(
                {
                    "title": f"Billing records and project financials — {self.input.source}",
                    "subject": self.input.source,
                    "author": "xlfin",
                    "comments": f"Built by xlfin from {self.input.source}",
                    "created": self.generated_at,
                }
            )
            self.summary_sheet()
            self.tasks_sheet()
            self.hours_sheet()
            self.planned_sheet()
            self.expenses_sheet()
            self.records_sheet()
            self.rates_sheet()
            if self.problems:
                self.problems_sheet()
        finally:
            self.book.close()

    SUMMARY_COLS = (
        Col("Project", width=12),
        Col("Name", width=26),
        Col("Company", width=12),
        Col("Planned hours", "hours", 11, True),
        Col("Actual hours", "hours", 11, True),
        Col("Planned cost", "money", 14, True),
        Col("Actual cost", "money", 14, True),
        Col("Planned revenue", "money", 14, True),
        Col("Actual revenue", "money", 14, True),
        Col("Planned margin", "percent", 10),
        Col("Actual margin", "percent", 10),
        Col("Billable expenses", "money", 14, True),
        Col("Billed", "money", 14, True),
        Col("Not yet billed", "money", 14, True),
    )

    def summary_sheet(self) -> None:
        projects = self.results.projects
        rows = [
            (
                p.project.project,
                p.project.name,
                p.project.company,
                p.planned_hours,
                p.actual_hours,
                p.planned_cost,
                p.actual_cost,
                p.planned_revenue,
                p.actual_revenue,
                p.planned_margin,
                p.actual_margin,
                p.billable_expenses,
                p.billed,
                p.unbilled,
            )
            for p in projects
        ]
        ws, count = self.table(
            "Summary",
            self.SUMMARY_COLS,
            rows,
            title=f"Project financials — {self.input.source} ({self.results.settings.currency})",
        )
        header = 2
        total_row = header + count + 1
        # Margins of the totals: formulas over the totals, with their values.
        for col, (revenue_col, cost_col) in ((9, (7, 5)), (10, (8, 6))):
            revenue = sum((r[revenue_col] for r in rows), Decimal(0))
            cost = sum((r[cost_col] for r in rows), Decimal(0))
            rev_cell = xl_rowcol_to_cell(total_row, revenue_col)
            cost_cell = xl_rowcol_to_cell(total_row, cost_col)
            ws.write_formula(
                total_row,
                col,
                f'=IF({rev_cell}=0,"",({rev_cell}-{cost_cell})/{rev_cell})',
                self.formats["percent_total"],
                (revenue - cost) / revenue if revenue else "",
            )
        note_row = total_row + 2
        ws.write_string(
            note_row,
            0,
            "Margin = (revenue − cost) / revenue. Not yet billed = "
            "Not Billed records + billable hours, expenses and fixed revenue in no "
            "record. Generated " + self.generated_at.strftime("%Y-%m-%d %H:%M") + ".",
            self.formats["note"],
        )
        if projects:
            chart = self.book.add_chart({"type": "column"})
            first, last = header + 1, header + count
            for col, name in (
                (7, "Planned revenue"),
                (8, "Actual revenue"),
                (5, "Planned cost"),
                (6, "Actual cost"),
            ):
                chart.add_series(
                    {
                        "name": name,
                        "categories": ["Summary", first, 0, last, 0],
                        "values": ["Summary", first, col, last, col],
                    }
                )
            chart.set_title({"name": "Planned vs actual, per project"})
            chart.set_y_axis({"num_format": self.formats["money"].num_format})
            chart.set_size({"width": 760, "height": 320})
            ws.insert_chart(note_row + 2, 0, chart)

    TASK_COLS = (
        Col("Project", width=10),
        Col("Task", width=8),
        Col("Name", width=24),
        Col("Cost type", width=13),
        Col("Revenue type", width=20),
        Col("Status", width=10),
        Col("Planned hours", "hours", 10, True),
        Col("Actual hours", "hours", 10, True),
        Col("Planned cost", "money", 13, True),
        Col("Actual cost", "money", 13, True),
        Col("Cost variance", "money", 13, True),
        Col("Planned revenue", "money", 13, True),
        Col("Actual revenue", "money", 13, True),
        Col("Revenue variance", "money", 13, True),
    )

    def tasks_sheet(self) -> None:
        rows = (
            (
                t.task.project,
                t.task.task,
                t.task.name,
                t.task.cost_type.value,
                t.task.revenue_type.value,
                t.task.status.value,
                t.planned_hours,
                t.actual_hours,
                t.planned_cost,
                t.actual_cost,
                t.actual_cost - t.planned_cost,
                t.planned_revenue,
                t.actual_revenue,
                t.actual_revenue - t.planned_revenue,
            )
            for p in self.results.projects
            for t in p.tasks
        )
        self.table("Tasks", self.TASK_COLS, rows)

    HOURS_COLS = (
        Col("Entry", width=10),
        Col("Project", width=10),
        Col("Task", width=8),
        Col("Date", "date", 11),
        Col("User", width=10),
        Col("Role used", width=14),
        Col("Role from", width=12),
        Col("Hours", "hours", 8, True),
        Col("Billable", width=8),
        Col("Cost rate", "rate", 11),
        Col("Cost rate source", width=26),
        Col("Billing rate", "rate", 11),
        Col("Billing rate source", width=30),
        Col("Cost", "money", 12, True),
        Col("Revenue", "money", 12, True),
        Col("Billing record", width=12),
        Col("Frozen", width=8),
    )

    def hours_sheet(self) -> None:
        self.table("Hours", self.HOURS_COLS, _hour_rows(self.results))

    PLANNED_COLS = (
        Col("Project", width=10),
        Col("Task", width=8),
        Col("Assignment row", "int", 10),
        Col("User", width=10),
        Col("Role", width=14),
        Col("Revenue or cost", width=10),
        Col("From", "date", 11),
        Col("To", "date", 11),
        Col("Working days", "int", 9),
        Col("Hours", "hours", 9),
        Col("Rate", "rate", 11),
        Col("Rate source", width=30),
        Col("Planned amount", "money", 13),
    )

    def planned_sheet(self) -> None:
        def rows() -> Iterable[tuple]:
            for p in self.results.projects:
                for t in p.tasks:
                    for plan in t.plans:
                        a = plan.assignment
                        for what, segments in (("Revenue", plan.revenue), ("Cost", plan.cost)):
                            for s in segments:
                                yield (
                                    t.task.project,
                                    t.task.task,
                                    a.row,
                                    a.user,
                                    a.role,
                                    what,
                                    s.first,
                                    s.last,
                                    s.working_days,
                                    plan.segment_hours(s),
                                    s.source.rate,
                                    source_text(s.source),
                                    plan.segment_amount(s),
                                )

        self.table(
            "Planned",
            self.PLANNED_COLS,
            rows(),
            title="Planned hours spread over working days, per rate period "
            "(a task's planned amount is the exact sum, rounded once)",
        )

    EXPENSE_COLS = (
        Col("Expense", width=10),
        Col("Project", width=10),
        Col("Task", width=8),
        Col("Expense type", width=12),
        Col("Description", width=26),
        Col("Planned date", "date", 11),
        Col("Planned amount", "money", 13, True),
        Col("Date paid", "date", 11),
        Col("Actual amount", "money", 13, True),
        Col("Billable", width=8),
        Col("Reimbursable", width=10),
        Col("Reimbursed", width=10),
        Col("Billing record", width=12),
    )

    def expenses_sheet(self) -> None:
        shown = {p.project.project for p in self.results.projects}
        yes = lambda flag: "Yes" if flag else "No"  # noqa: E731
        rows = (
            (
                e.expense,
                e.project,
                e.task,
                e.expense_type,
                e.description,
                e.planned_date,
                e.planned_amount,
                e.date_paid,
                e.actual_amount,
                yes(e.billable),
                yes(e.reimbursable),
                yes(e.reimbursed),
                e.billing_record,
            )
            for e in self.input.expenses
            if e.project in shown
        )
        self.table("Expenses", self.EXPENSE_COLS, rows)

    RECORD_LINE_COLS = (
        Col("Entry", width=20),
        Col("Date", "date", 11),
        Col("User", width=12),
        Col("Task", width=10),
        Col("Role", width=14),
        Col("Hours", "hours", 9),
        Col("Billing rate", "rate", 12),
        Col("Rate source", width=30),
        Col("Amount", "money", 13),
    )

    def records_sheet(self) -> None:
        ws, _ = self.new_sheet(
            "Billing records",
            self.RECORD_LINE_COLS,
            title="Billing records (one block per record)",
            headers=False,
        )
        f = self.formats
        write_line = self.row_writer(ws, self.RECORD_LINE_COLS)
        row = 1
        for p in self.results.projects:
            for rec in p.records:
                record = rec.record
                row += 1
                ws.write_string(row, 0, f"Billing record {record.billing_record}", f["title"])
                row += 1
                fields = (
                    ("Project", record.project),
                    ("Status", record.status.value),
                    ("Invoice ID", record.invoice_id),
                    ("PO number", record.po_number),
                    ("Description", record.description),
                )
                for label, value in fields:
                    ws.write_string(row, 0, label, f["bold"])
                    self.cell(ws, row, 1, value)
                    row += 1
                ws.write_string(row, 0, "Billing date", f["bold"])
                self.cell(ws, row, 1, record.billing_date, "date")
                if record.status is BillingStatus.BILLED:
                    ws.write_string(row, 3, "Billed: these amounts are final", f["note"])
                row += 2
                subtotals = []
                # Hour lines
                for c, col in enumerate(self.RECORD_LINE_COLS):
                    ws.write_string(row, c, col.header, f["header"])
                first = row + 1
                for r in sorted(rec.lines, key=lambda x: (x.line.date, x.line.entry)):
                    row += 1
                    line = r.line
                    write_line(
                        row,
                        (
                            line.entry,
                            line.date,
                            line.user,
                            line.task,
                            r.role,
                            line.hours,
                            r.revenue_source.rate,
                            revenue_source_text(r),
                            r.revenue,
                        ),
                    )
                row += 1
                subtotals.append(self.subtotal(ws, row, "Hours", first, row - 1, rec.hours_amount))
                # Expenses
                row += 2
                for c, header in enumerate(("Expense", "Date paid", "Type", "Task", "Description")):
                    ws.write_string(row, c, header, f["header"])
                ws.write_string(row, 8, "Amount", f["header"])
                first = row + 1
                for e in rec.expenses:
                    row += 1
                    for c, (value, kind) in enumerate(
                        (
                            (e.expense, "text"),
                            (e.date_paid, "date"),
                            (e.expense_type, "text"),
                            (e.task, "text"),
                            (e.description, "text"),
                        )
                    ):
                        self.cell(ws, row, c, value, kind)
                    self.cell(ws, row, 8, e.actual_amount if e.billable else None, "money")
                row += 1
                subtotals.append(
                    self.subtotal(ws, row, "Billable expenses", first, row - 1, rec.expenses_amount)
                )
                # Fixed revenue
                row += 2
                for c, header in enumerate(("Fixed revenue of task", "Name")):
                    ws.write_string(row, c, header, f["header"])
                ws.write_string(row, 8, "Amount", f["header"])
                first = row + 1
                for task in rec.fixed_tasks:
                    row += 1
                    self.cell(ws, row, 0, task.task)
                    self.cell(ws, row, 1, task.name)
                    self.cell(ws, row, 8, task.fixed_amount, "money")
                row += 1
                subtotals.append(
                    self.subtotal(ws, row, "Fixed revenue", first, row - 1, rec.fixed_amount)
                )
                row += 2
                ws.write_string(row, 0, "Additional amount", f["bold"])
                self.cell(ws, row, 8, rec.additional_amount, "money")
                subtotals.append(xl_rowcol_to_cell(row, 8))
                row += 1
                ws.write_string(row, 0, f"Total of {record.billing_record}", f["total_label"])
                ws.write_formula(row, 8, "=" + "+".join(subtotals), f["money_total"], rec.total)
                if any(r.frozen for r in rec.lines):
                    row += 1
                    ws.write_string(row, 0, "At today's rates (not billed)", f["note"])
                    self.cell(ws, row, 8, rec.today_total, "money")
                    ws.write_string(
                        row,
                        9,
                        "what the record would total if it were billed "
                        "today; the billed total above does not change",
                        f["note"],
                    )
                row += 2

    def subtotal(self, ws: Any, row: int, label: str, first: int, last: int, value: Decimal) -> str:
        ws.write_string(row, 0, f"{label} subtotal", self.formats["total_label"])
        formula = f"=SUM(I{first + 1}:I{last + 1})" if last >= first else "=0"
        ws.write_formula(row, 8, formula, self.formats["money_total"], value)
        return xl_rowcol_to_cell(row, 8)

    RATE_COLS = (
        Col("Project", width=10),
        Col("Role or user", width=16),
        Col("Level", width=16),
        Col("Location", width=12),
        Col("Rate", "rate", 12),
        Col("Start date", "date", 11),
        Col("End date", "date", 11),
        Col("Input", width=22),
    )

    def rates_sheet(self) -> None:
        def rows() -> Iterable[tuple]:
            wb = self.input
            for p in self.results.projects:
                project = p.project
                company = wb.companies.get(project.company or "")
                card = wb.rate_cards.get(project.rate_card or "")
                for role in sorted(_roles_used(p)):
                    levels: list[tuple[str, str | None, Any]] = []
                    if company and project.company_rates_override:
                        levels.append(
                            ("company (override)", None, company.role_rates.get(role, ()))
                        )
                    levels.append(("project override", None, project.role_rates.get(role, ())))
                    if card:
                        for (card_role, location), periods in card.rates.items():
                            if card_role == role:
                                levels.append((f"rate card {card.rate_card}", location, periods))
                    elif company and not project.company_rates_override:
                        levels.append(("company", None, company.role_rates.get(role, ())))
                    system = wb.roles.get(role)
                    levels.append(("system", None, system.billing_rates if system else ()))
                    for level, location, periods in levels:
                        for period in periods:
                            yield (
                                project.project,
                                role,
                                level,
                                location,
                                period.rate,
                                period.start,
                                period.end,
                                f"{period.sheet} row {period.row}",
                            )
                for user, periods in project.user_rates.items():
                    for period in periods:
                        yield (
                            project.project,
                            f"user {user}",
                            "project override",
                            None,
                            period.rate,
                            period.start,
                            period.end,
                            f"{period.sheet} row {period.row}",
                        )

        self.table(
            "Rates",
            self.RATE_COLS,
            rows(),
            title="Billing rates per project and role, in the order they are tried "
            "(blank dates: open-ended)",
        )

    PROBLEM_COLS = (
        Col("Severity", width=9),
        Col("Code", width=26),
        Col("Sheet", width=16),
        Col("Cell", width=8),
        Col("Field", width=16),
        Col("Message", width=90),
    )

    def problems_sheet(self) -> None:
        rows = (
            (
                p.severity.value,
                p.code,
                p.sheet,
                p.cell or (str(p.row) if p.row else None),
                p.field,
                p.message,
            )
            for p in self.problems
        )
        self.table("Problems", self.PROBLEM_COLS, rows)


def _project_lines(p: ProjectResult) -> Iterable[LineResult]:
    for t in p.tasks:
        yield from t.lines
    yield from p.project_lines


def _hour_rows(results: Results) -> Iterator[tuple]:
    """The Hours sheet's rows, one per hour line (a million of them in a large workbook)."""
    # Source text by id of the source: lines share the few sources of their rate chains,
    # which the results keep alive while the report is written.
    texts: dict[int, str] = {}

    def text_of(source: RateSource) -> str:
        text = texts.get(id(source))
        if text is None:
            text = texts[id(source)] = source_text(source)
        return text

    for p in results.projects:
        for r in _project_lines(p):
            line = r.line
            cost, revenue = r.cost_source, r.revenue_source
            cost_text = text_of(cost)
            if r.frozen is None:
                revenue_text = text_of(revenue)
                billed = None
            else:
                revenue_text = revenue_source_text(r)
                billed = f"billed {r.frozen.billing_date or ''}".strip()
            yield (
                line.entry,
                line.project,
                line.task,
                line.date,
                line.user,
                r.role,
                r.role_from,
                line.hours,
                "Yes" if line.billable else "No",
                cost.rate,
                cost_text,
                revenue.rate,
                revenue_text,
                r.cost,
                r.revenue,
                line.billing_record,
                billed,
            )


def _roles_used(p: ProjectResult) -> set[str]:
    roles = set(p.project.role_rates)
    for t in p.tasks:
        if t.task.role:
            roles.add(t.task.role)
        roles |= {r.role for r in t.lines if r.role}
        roles |= {plan.assignment.role for plan in t.plans if plan.assignment.role}
    roles |= {r.role for r in p.project_lines if r.role}
    return roles


def write_report(
    path: Path,
    workbook: Workbook,
    results: Results,
    problems: Sequence[Problem],
    generated_at: datetime,
) -> None:
    """Write the report workbook to `path` (the caller makes it atomic)."""
    ReportWriter(path, workbook, results, problems, generated_at).write()
