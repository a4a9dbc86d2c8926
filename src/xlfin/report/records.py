"""A billing record as a printed block: its fields, its hour lines, expenses, fixed
revenue, additional amount and total, each subtotal a formula a reader can follow.

Shared by the internal report's Billing records sheet and the client statement; the
internal block adds where each rate came from and what a frozen record would total today.
Every block starts on a new page when printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from xlfin.core.currency import factor_text
from xlfin.core.rates import source_text
from xlfin.core.results import LineResult, RecordResult
from xlfin.models import BillingStatus
from xlfin.report.table import ROW_HEIGHT, Col, TableWriter
from xlfin.schema import column_name


def revenue_source_text(r: LineResult) -> str:
    """Where a line's billing rate came from (and the factor that converted it); for a
    billed line, as it was when billed."""
    if r.frozen is not None:
        when = f" {r.frozen.billing_date}" if r.frozen.billing_date else ""
        text = f"frozen{when}: {r.frozen.original}"
    else:
        text = source_text(r.revenue_source)
    if r.revenue_factor is not None:
        text += f"; in {r.revenue_source.currency}, × {factor_text(r.revenue_factor)}"
    return text


@dataclass(frozen=True)
class RecordLayout:
    """The columns of a record's hour lines; `internal` adds the rate's source (and the
    block's note on today's rates), which a client never sees."""

    cols: tuple[Col, ...]
    internal: bool

    @property
    def amount(self) -> int:
        """The column of every amount: the last."""
        return len(self.cols) - 1

    def line_values(self, r: LineResult) -> tuple[object, ...]:
        line = r.line
        values: tuple[object, ...] = (
            line.entry,
            line.date,
            line.user,
            line.task,
            r.role,
            line.hours,
            r.revenue_source.rate,
        )
        if self.internal:
            values += (revenue_source_text(r),)
        return (*values, r.revenue)


RATE_COL = 6
"""The column of an hour line's billing rate in every layout."""
MAX_PAGE_BREAKS = 1023
"""Excel's limit of manual page breaks in one sheet (xlsxwriter drops the rest)."""
BLOCK_ROWS = 20
"""The rows of a block besides its hour lines, expenses and fixed tasks: title, fields,
headers, subtotals, total and the blank rows between them."""


CLIENT_LINE_COLS = (
    Col(column_name("entry"), width=10),
    Col(column_name("date"), "date", 11),
    Col(column_name("user"), width=14),
    Col(column_name("task"), width=10),
    Col(column_name("role"), width=16),
    Col(column_name("hours"), "hours", 9),
    Col(column_name("billing_rate"), "rate", 12),
    Col("Amount", "money", 14),
)
INTERNAL = RecordLayout(
    (
        *CLIENT_LINE_COLS[:-1],
        Col("Rate source", "wrap", 40),
        CLIENT_LINE_COLS[-1],
    ),
    internal=True,
)
CLIENT = RecordLayout(CLIENT_LINE_COLS, internal=False)


class RecordBlocks:
    """Writes record blocks one under another on `ws`, each from a new page."""

    def __init__(self, writer: TableWriter, ws: Any, layout: RecordLayout) -> None:
        self.w, self.ws, self.layout = writer, ws, layout
        self.breaks: list[int] = []
        self.line_headers = 0
        """The row of the last block's hour-line headers."""
        self.write_line = writer.row_writer(ws, layout.cols)
        for c, col in enumerate(layout.cols):
            ws.set_column(c, c, col.width)

    def height(self, rec: RecordResult) -> int:
        """The rows `write` takes for `rec`, the blank rows after it included."""
        note = 2 if self.layout.internal and any(r.frozen for r in rec.lines) else 0
        return BLOCK_ROWS + len(rec.lines) + len(rec.expenses) + len(rec.fixed_tasks) + note

    def full(self, row: int, rec: RecordResult, max_rows: int) -> bool:
        """Whether the block of `rec` must go on a sheet of its own: this one has no page
        break left for it, or not the rows (a sheet's first block always stays)."""
        if not self.breaks:
            return False
        return len(self.breaks) > MAX_PAGE_BREAKS or row + self.height(rec) > max_rows

    def finish(self, last_row: int) -> None:
        """Page breaks before every block but the first; the print area is the blocks'
        columns, whatever notes hold; margins that leave a record its page."""
        self.ws.set_h_pagebreaks(self.breaks[1:])
        self.ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        self.ws.print_area(0, 0, max(last_row, 0), self.layout.amount)

    def header_row(self, row: int, headers: Sequence[str]) -> None:
        cols = self.layout.cols
        if any(len(h) > cols[c].width for c, h in enumerate(headers)):
            self.ws.set_row(row, 2 * ROW_HEIGHT)  # room for a header that wraps
        f = self.w.formats["header"]
        for c, header in enumerate(headers):
            self.ws.write_string(row, c, header, f)

    def subtotal(
        self, row: int, label: str, first: int, last: int, value: Decimal, f: dict[str, Any]
    ) -> str:
        amount = self.layout.amount
        letter = xl_col_to_name(amount)
        self.ws.write_string(row, 0, f"{label} subtotal", f["total_label"])
        formula = f"=SUM({letter}{first + 1}:{letter}{last + 1})" if last >= first else "=0"
        self.ws.write_formula(row, amount, formula, f["money_total"], value)
        return xl_rowcol_to_cell(row, amount)

    def write(self, row: int, rec: RecordResult, currency: str | None = None) -> int:
        """The block of `rec` from `row` (on a new page), its amounts in `currency` (its
        project's; None: the base currency); returns the row after it."""
        ws, f, w = self.ws, self.w.formats_for(currency), self.w
        amount = self.layout.amount
        self.breaks.append(row)
        record = rec.record
        ws.write_string(row, 0, f"Billing record {record.billing_record}", f["title"])
        row += 1
        fields = (
            (column_name("project"), record.project),
            (column_name("status"), record.status.value),
            (column_name("invoice_id"), record.invoice_id),
            (column_name("po_number"), record.po_number),
            (column_name("description"), record.description),
        )
        for label, value in fields:
            ws.write_string(row, 0, label, f["bold"])
            w.cell(ws, row, 1, value)
            row += 1
        ws.write_string(row, 0, column_name("billing_date"), f["bold"])
        w.cell(ws, row, 1, record.billing_date, "date")
        if record.status is BillingStatus.BILLED:
            ws.write_string(row, 3, "Billed: these amounts are final", f["note"])
        row += 2
        subtotals = []
        # Hour lines
        self.line_headers = row
        self.header_row(row, [col.header for col in self.layout.cols])
        first = row + 1
        for r in sorted(rec.lines, key=lambda x: (x.line.date, x.line.entry)):
            row += 1
            self.write_line(row, self.layout.line_values(r), currency)
            if r.revenue_factor is not None:  # the rate in its own currency (model 13)
                w.cell(ws, row, RATE_COL, r.revenue_source.rate, "rate",
                       currency=r.revenue_source.currency)  # fmt: skip
        row += 1
        subtotals.append(
            self.subtotal(row, column_name("hours"), first, row - 1, rec.hours_amount, f)
        )
        # Expenses
        row += 2
        headers = [
            column_name("expense"),
            column_name("date_paid"),
            "Type",
            column_name("task"),
            column_name("description"),
        ]
        self.header_row(row, headers)
        ws.write_string(row, amount, "Amount", f["header"])
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
                w.cell(ws, row, c, value, kind)
            w.cell(ws, row, amount, e.actual_amount if e.billable else None, "money",
                   currency=currency)  # fmt: skip
        row += 1
        subtotals.append(
            self.subtotal(row, "Billable expenses", first, row - 1, rec.expenses_amount, f)
        )
        # Fixed revenue
        row += 2
        self.header_row(row, [column_name("task"), column_name("name")])
        ws.write_string(row, amount, column_name("fixed_revenue"), f["header"])
        first = row + 1
        for task in rec.fixed_tasks:
            row += 1
            w.cell(ws, row, 0, task.task)
            w.cell(ws, row, 1, task.name)
            w.cell(ws, row, amount, task.fixed_amount, "money", currency=currency)
        row += 1
        subtotals.append(
            self.subtotal(row, column_name("fixed_revenue"), first, row - 1, rec.fixed_amount, f)
        )
        row += 2
        ws.write_string(row, 0, column_name("additional_amount"), f["bold"])
        w.cell(ws, row, amount, rec.additional_amount, "money", currency=currency)
        subtotals.append(xl_rowcol_to_cell(row, amount))
        row += 1
        ws.write_string(row, 0, f"Total of {record.billing_record}", f["total_label"])
        ws.write_formula(row, amount, "=" + "+".join(subtotals), f["money_total"], rec.total)
        if self.layout.internal and any(r.frozen for r in rec.lines):
            row += 1
            ws.write_string(row, 0, "At today's rates (not billed)", f["note"])
            w.cell(ws, row, amount, rec.today_total, "money", currency=currency)
            row += 1
            # Under the table, within its columns: a note never widens the printed page.
            ws.merge_range(
                row,
                0,
                row,
                amount,
                "What the record would total if it were billed today; the billed total "
                "above does not change.",
                f["note"],
            )
        return row + 2
