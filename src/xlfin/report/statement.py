"""The client statement: what a client is billed, and nothing of what the work cost.

For the projects of one Report to recipient: a first sheet with the agency, the client
company and each project's billed and not-yet-billed totals; a sheet per billing record
(its hour lines with date, person, role, hours, billing rate and amount, its expenses,
fixed amounts, additional amount and total), and one of billable work in no record yet.
No cost, margin, cost rate, rate level or problem ever appears: the statement is built
from its own list of columns, never by hiding those of the internal report.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlfin.core.results import ProjectResult, RecordResult, Results
from xlfin.core.rollup import may_bill_now
from xlfin.models import BillingStatus, Workbook
from xlfin.report.records import CLIENT, RecordBlocks
from xlfin.report.table import Col, TableWriter, close_book
from xlfin.schema import column_name

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

PROJECT_COLS = (
    Col(column_name("project"), width=14),
    Col(column_name("name"), width=30),
    Col("Billed", "money", 16, True),
    Col("Not yet billed", "money", 16, True),
)
OPEN_COLS = (
    Col(column_name("project"), width=12),
    Col("Item", width=14),
    Col(column_name("date"), "date", 11),
    Col(column_name("user"), width=14),
    Col(column_name("role"), width=16),
    Col(column_name("description"), "wrap", 30),
    Col(column_name("hours"), "hours", 9),
    Col(column_name("billing_rate"), "rate", 12),
    Col("Amount", "money", 14, True),
)


def sheet_title(record: str, taken: set[str]) -> str:
    """A sheet name for a record: its id as Excel allows (31 characters, no []:*?/\\),
    unique in the book."""
    base = SHEET_NAME_BAD.sub("_", record)[:31] or "Record"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


class StatementWriter(TableWriter):
    def __init__(
        self, path: Path, workbook: Workbook, results: Results, generated_at: datetime
    ) -> None:
        super().__init__(
            path,
            results.settings.currency,
            results.settings.decimals,
            workbook.source,
            results.currency_decimals,
        )
        self.input, self.results, self.generated_at = workbook, results, generated_at
        self.currencies = list(dict.fromkeys(p.currency for p in results.projects)) or [
            results.settings.currency
        ]
        """The currencies of the statement's projects, each totalled on its own."""
        self.agency = workbook.settings.agency_name or ""

    def client_names(self) -> list[str]:
        names = []
        for p in self.results.projects:
            company = self.input.companies.get(p.project.company or "")
            name = (company.name if company else None) or p.project.company
            if name and name not in names:
                names.append(name)
        return names

    def write(self) -> None:
        try:
            clients = ", ".join(self.client_names())
            self.book.set_properties(
                {
                    "title": f"Statement for {clients}" if clients else "Statement",
                    "author": self.agency or "xlfin",
                    "created": self.generated_at,
                }
            )
            self.front_sheet(clients)
            taken = {"statement", "not yet billed"}
            for p in self.results.projects:
                for rec in p.records:
                    self.record_sheet(sheet_title(rec.record.billing_record, taken), rec)
            self.open_sheet()
        finally:
            close_book(self.book, self.path)

    def page(self, ws: Any, title: str, landscape: bool = False) -> None:
        """One page wide (portrait unless `landscape`); the agency, the sheet's title and the
        workbook in the header of every page, the page number in its footer."""
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_paper(9)
        ws.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.8)
        left = _header_text(self.agency)
        ws.set_header(
            f'&L&"-,Bold"{left}&C{_header_text(title)}&R{_header_text(self.input.source)}'
        )
        ws.set_footer("&LStatement&RPage &P of &N")

    def front_sheet(self, clients: str) -> None:
        f = self.formats
        ws = self.book.add_worksheet("Statement")
        self.page(ws, "Statement")
        for c, col in enumerate(PROJECT_COLS):
            ws.set_column(c, c, col.width)
        row = 0
        if self.agency:
            ws.write_string(row, 0, self.agency, f["title"])
            row += 1
        ws.write_string(row, 0, f"Statement for {clients or 'the client'}", f["title"])
        row += 1
        ws.write_string(
            row,
            0,
            f"Amounts in {' and '.join(self.currencies)}, as of {self.generated_at:%Y-%m-%d}.",
            f["note"],
        )
        row += 2
        for c, col in enumerate(PROJECT_COLS):
            ws.write_string(row, c, col.header, f["header"])
        write = self.row_writer(ws, PROJECT_COLS)
        for currency in self.currencies:  # amounts in one currency only are added up
            shown = self.one_currency(currency)
            projects = [p for p in self.results.projects if p.currency == currency]
            first = row + 1
            for p in projects:
                row += 1
                write(row, (p.project.project, p.project.name, p.billed, p.unbilled), shown)
            row += 1
            self.totals_row(
                ws, row, first, row - 1, PROJECT_COLS,
                {2: sum((p.billed for p in projects), Decimal(0)),
                 3: sum((p.unbilled for p in projects), Decimal(0))},
                self.total_label(currency), shown,
            )  # fmt: skip
        row += 2
        ws.merge_range(
            row,
            0,
            row,
            len(PROJECT_COLS) - 1,
            "Billed: the billing records marked Billed, one sheet each. Not yet billed: the "
            "records not billed yet and the billable work in no record (sheet Not yet billed).",
            f["note_wrap"],
        )
        ws.set_row(row, 30)
        ws.print_area(0, 0, row, len(PROJECT_COLS) - 1)

    def record_sheet(self, name: str, rec: RecordResult) -> None:
        ws = self.book.add_worksheet(name)
        self.page(ws, f"Billing record {rec.record.billing_record}")
        blocks = RecordBlocks(self, ws, CLIENT)
        project = self.input.projects[rec.record.project]
        blocks.finish(blocks.write(0, rec, self.one_currency(project.currency)))
        ws.repeat_rows(blocks.line_headers)  # a record longer than a page keeps its headers

    def open_sheet(self) -> None:
        """Billable work in no billing record yet: hour lines, expenses, fixed revenue."""
        ws, header = self.new_sheet("Not yet billed", OPEN_COLS, "Billable work in no record yet")
        self.page(ws, "Not yet billed", landscape=True)
        write = self.row_writer(ws, OPEN_COLS)
        row = header
        for currency in self.currencies:
            shown = self.one_currency(currency)
            first, total = row + 1, Decimal(0)
            for p in self.results.projects:
                if p.currency != currency:
                    continue
                for values, rate_in in _open_items(p):
                    row += 1
                    write(row, values, shown)
                    if rate_in is not None:  # a rate in another currency (model 13)
                        self.cell(ws, row, 7, values[7], "rate", currency=rate_in)
                    amount = values[-1]
                    assert isinstance(amount, Decimal)
                    total += amount
            row += 1
            label = self.total_label(currency)
            self.totals_row(ws, row, first, row - 1, OPEN_COLS, {8: total}, label, shown)
        ws.print_area(0, 0, row, len(OPEN_COLS) - 1)

    def one_currency(self, currency: str) -> str | None:
        """How amounts in `currency` are formatted: None (the base format) when the
        statement holds only base-currency projects, as a statement in one currency is."""
        return None if currency == self.currency else currency

    def total_label(self, currency: str) -> str:
        return "Total" if len(self.currencies) == 1 else f"Total {currency}"


def _open_items(p: ProjectResult) -> list[tuple[tuple[object, ...], str | None]]:
    """The rows of the Not yet billed sheet, each with its rate's currency when that is not
    the project's."""
    items: list[tuple[object, ...]] = []
    rates_in: dict[int, str | None] = {}
    project = p.project.project
    lines = [r for t in p.tasks for r in t.lines] + list(p.project_lines)
    for r in sorted(lines, key=lambda x: (x.line.date, x.line.entry)):
        # The lines the roll-up counts as not yet billed: awaiting approval or rejected ones
        # are not (model 18).
        if r.line.billing_record is None and r.revenue and may_bill_now(r.line, p.project):
            line = r.line
            task = f"task {line.task}" if line.task else "the project"
            if r.revenue_factor is not None:
                rates_in[len(items)] = r.revenue_source.currency
            items.append(
                (
                    project,
                    line.entry,
                    line.date,
                    line.user,
                    r.role,
                    f"hours on {task}",
                    line.hours,
                    r.revenue_source.rate,
                    r.revenue,
                )
            )
    expenses = [e for t in p.tasks for e in t.expenses] + list(p.project_expenses)
    for e in expenses:
        if e.billable and e.billing_record is None and e.actual_amount:
            items.append(
                (project, e.expense, e.date_paid, None, None, e.description or "expense", None,
                 None, e.actual_amount)
            )  # fmt: skip
    for t in p.tasks:
        if t.task.billing_record is None and t.fixed_realized:
            what = f"fixed revenue of {t.task.name or t.task.task}"
            items.append(
                (project, t.task.task, None, None, None, what, None, None, t.fixed_realized)
            )
    for rec in p.records:
        if rec.record.status is BillingStatus.NOT_BILLED and rec.total:
            items.append(
                (project, rec.record.billing_record, rec.record.billing_date, None, None,
                 f"billing record {rec.record.billing_record}, not billed yet (its sheet)",
                 None, None, rec.total)
            )  # fmt: skip
    return [(values, rates_in.get(i)) for i, values in enumerate(items)]


def _header_text(text: str) -> str:
    """Text for a page header: & doubled (it starts a code there), cut to fit."""
    return text.replace("&", "&&")[:60]


def write_statement(
    path: Path, workbook: Workbook, results: Results, generated_at: datetime
) -> None:
    """Write the client statement of `results` (the recipient's projects) to `path`."""
    StatementWriter(path, workbook, results, generated_at).write()
