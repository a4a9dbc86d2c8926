"""The billing-record workbook: one method per sheet, each a layout of tables (`table`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell

from xlfin.core.money import round_money
from xlfin.core.performance import shown
from xlfin.core.rates import RateSource, role_billing_levels, source_text
from xlfin.core.results import LineResult, ProjectResult, Results, TaskResult
from xlfin.models import PROJECT_TIME, TASK_TIME, Workbook
from xlfin.problems import Problem, sort_key
from xlfin.report.records import INTERNAL, RecordBlocks, revenue_source_text
from xlfin.report.table import Col, TableWriter, close_book
from xlfin.schema import SheetName, column_name

CURRENCY_COL = Col(column_name("currency"), width=9)
INDEX_COLS = (
    Col("Index method", width=11),
    Col("BCWP (h)", "hours", 9),
    Col("BCWS (h)", "hours", 9),
    Col("BCWP", "money", 12),
    Col("BCWS", "money", 12),
    Col("CPI", "index", 7),
    Col("SPI", "index", 7),
    Col("CSI", "index", 7),
    Col("EAC (h)", "hours", 9),
    Col("EAC", "money", 12),
)
"""Performance indexes (model 16): shown to 2 decimals; EAC in hours (Hour-Based) or money
(Cost-Based)."""


def index_values(x) -> tuple:  # type: ignore[no-untyped-def]
    """The INDEX_COLS of a task's or project's `Indexes`."""
    if x is None:
        return (None,) * len(INDEX_COLS)
    hours = x.method == "Hour-Based"
    return (
        x.method, x.bcwp_hours, x.bcws_hours, x.bcwp, x.bcws, shown(x.cpi), shown(x.spi),
        shown(x.csi), x.eac if hours else None, None if hours else x.eac,
    )  # fmt: skip


def mixed(cols: Sequence[Col]) -> tuple[Col, ...]:
    """`cols` in a table whose rows are in several currencies: amounts are never added up
    across them (no totals), and a rate, which may be in another currency than its row's,
    is a plain number beside its currency."""
    return tuple(
        Col(c.header, "number", c.width) if c.kind == "rate"
        else Col(c.header, c.kind, c.width, c.total and c.kind != "money")
        for c in cols
    )  # fmt: skip


class ReportWriter(TableWriter):
    """Writes `results` to an xlsx file; `generated_at` is passed in, never read here."""

    def __init__(
        self,
        path: Path,
        workbook: Workbook,
        results: Results,
        problems: Sequence[Problem],
        generated_at: datetime,
    ) -> None:
        super().__init__(
            path,
            results.settings.currency,
            results.settings.decimals,
            workbook.source,
            results.currency_decimals,
        )
        self.input = workbook
        self.results = results
        self.multi = results.multi_currency
        """Several currencies (model 13): each project's figures in its own, a Currency
        column, conversions shown, and totals over projects only in the base currency."""
        self.problems = sorted(problems, key=sort_key)
        self.generated_at = generated_at

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
            self.periods_sheet()
            self.expenses_sheet()
            self.records_sheet()
            self.rates_sheet()
            if self.problems:
                self.problems_sheet()
        finally:
            close_book(self.book, self.path)

    SUMMARY_COLS = (
        Col(column_name("project"), width=12),
        Col(column_name("name"), width=26),
        Col(column_name("company"), width=12),
        Col("Company name", width=20),
        Col(column_name("planned_hours"), "hours", 11, True),
        Col("Actual hours", "hours", 11, True),
        Col("Planned cost", "money", 14, True),
        Col("Actual cost", "money", 14, True),
        Col("of which fixed cost", "money", 12, True),
        Col("Planned revenue", "money", 14, True),
        Col("Actual revenue", "money", 14, True),
        Col("of which fixed revenue", "money", 12, True),
        Col("Planned margin", "percent", 10),
        Col("Actual margin", "percent", 10),
        Col("Billable expenses", "money", 14, True),
        Col("Not billable expenses", "money", 12, True),
        Col("Billed", "money", 14, True),
        Col("Not yet billed", "money", 14, True),
        *INDEX_COLS,
    )

    BASE_FIGURES = (
        "Planned cost",
        "Actual cost",
        "Planned revenue",
        "Actual revenue",
        "Billed",
        "Not yet billed",
    )
    """The Summary's figures that get a base-currency column in a workbook of several
    currencies."""

    def summary_cols(self) -> tuple[Col, ...]:
        if not self.multi:
            return self.SUMMARY_COLS
        base = self.currency
        return (
            *self.SUMMARY_COLS[:4],
            Col(column_name("currency"), width=9),
            *mixed(self.SUMMARY_COLS[4:]),
            *(
                Col(f"{name} ({base})", "money", 14, True, in_base=True)
                for name in self.BASE_FIGURES
            ),
        )

    def summary_sheet(self) -> None:
        projects = self.results.projects
        companies = self.input.companies
        cols = self.summary_cols()
        at = {col.header: c for c, col in enumerate(cols)}

        def row(p: ProjectResult) -> tuple:
            values = (
                p.project.project,
                p.project.name,
                p.project.company,
                companies[p.project.company].name if p.project.company in companies else None,
            )
            figures = (
                p.planned_hours,
                p.actual_hours,
                p.planned_cost,
                p.actual_cost,
                p.fixed_cost,
                p.planned_revenue,
                p.actual_revenue,
                p.fixed_revenue,
                p.planned_margin,
                p.actual_margin,
                p.billable_expenses,
                p.actual_expenses - p.actual_billable_expenses,
                p.billed,
                p.unbilled,
                *index_values(p.indexes),
            )
            if not self.multi:
                return values + figures
            in_base = (p.planned_cost, p.actual_cost, p.planned_revenue, p.actual_revenue,
                       p.billed, p.unbilled)  # fmt: skip
            return (*values, p.currency, *figures, *map(p.in_base, in_base))

        rows = [row(p) for p in projects]
        base = self.currency
        title = f"Project financials — {self.input.source} ({base})"
        if self.multi:
            title = (
                f"Project financials — {self.input.source} (each project in its currency; "
                f"totals in {base} at the rates of {self.results.as_of})"
            )
        ws, count = self.table(
            "Summary", cols, rows, title=title, currency_col=at.get(column_name("currency"))
        )
        header = 2
        total_row = header + count + 1
        suffix = f" ({base})" if self.multi else ""
        # Margins of the totals: formulas over the totals, with their values.
        for margin_col, revenue_col, cost_col in (
            (at["Planned margin"], at["Planned revenue" + suffix], at["Planned cost" + suffix]),
            (at["Actual margin"], at["Actual revenue" + suffix], at["Actual cost" + suffix]),
        ):
            revenue = sum((r[revenue_col] for r in rows), Decimal(0))
            cost = sum((r[cost_col] for r in rows), Decimal(0))
            rev_cell = xl_rowcol_to_cell(total_row, revenue_col)
            cost_cell = xl_rowcol_to_cell(total_row, cost_col)
            ws.write_formula(
                total_row,
                margin_col,
                f'=IF({rev_cell}=0,"",({rev_cell}-{cost_cell})/{rev_cell})',
                self.formats["percent_total"],
                (revenue - cost) / revenue if revenue else "",
            )
        note_row = total_row + 2
        note = (
            "Margin = (revenue − cost) / revenue. Planned and actual cost = the project's tasks "
            "(Tasks sheet) + its own hours and expenses + its fixed cost; planned revenue = its "
            "tasks' + its fixed revenue. Billable and not billable expenses: the two parts of "
            "its actual expenses. Not yet billed = Not Billed records + billable hours, "
            "expenses and fixed revenue in no record. "
        )
        if self.multi:
            note += (
                f"Each project's figures are in its currency; the ({base}) columns convert "
                f"each at the exchange rate of {self.results.as_of} (the As of date), rounded "
                "per project, and only they are added up. "
            )
        ws.merge_range(
            note_row,
            0,
            note_row,
            len(cols) - 1,
            note + "Generated " + self.generated_at.strftime("%Y-%m-%d %H:%M") + ".",
            self.formats["note_wrap"],
        )
        ws.set_row(note_row, 45 if self.multi else 30)
        last_row = self.budget_block(ws, note_row + 20)
        ws.print_area(0, 0, last_row or note_row, len(cols) - 1)
        if projects:
            chart = self.book.add_chart({"type": "column"})
            first, last = header + 1, header + count
            for name in ("Planned revenue", "Actual revenue", "Planned cost", "Actual cost"):
                col = at[name + suffix]
                chart.add_series(
                    {
                        "name": name + suffix,
                        "categories": ["Summary", first, 0, last, 0],
                        "values": ["Summary", first, col, last, col],
                    }
                )
            chart.set_title({"name": "Planned vs actual, per project"})
            chart.set_y_axis({"num_format": self.formats["money"].num_format})
            chart.set_size({"width": 760, "height": 320})
            ws.insert_chart(note_row + 2, 0, chart)

    BUDGET_COLS = (
        Col(column_name("project"), width=12),
        Col(column_name("budget"), "money", 14),
        Col("Budgeted cost", "money", 14),
        Col("Actual cost", "money", 14),
        Col("Budget used", "percent", 10),
        Col("Budget remaining", "money", 14),
        Col("Planned over budget", "money", 14),
        Col(column_name("budgeted_hours"), "hours", 11),
        Col("Actual hours", "hours", 11),
        Col("Budgeted hours used", "percent", 10),
        Col("Budgeted labor revenue", "money", 14),
    )
    """The Summary's Budget block (model 15), one row per project with a budget."""

    def budget_block(self, ws, top: int) -> int | None:  # type: ignore[no-untyped-def]
        """The Budget block from row `top` (under the chart); returns its last row. Budget
        used at Settings › Budget warning or above is amber, over 100 % red."""
        projects = [p for p in self.results.projects if p.budget is not None]
        if not projects:
            return None
        f = self.formats
        ws.write_string(top, 0, "Budget (Projects › Budget, the Budgets sheet)", f["bold"])
        header = top + 1
        ws.set_row(header, 30)  # room for headers that wrap onto two lines
        for c, col in enumerate(self.BUDGET_COLS):
            ws.write_string(header, c, col.header, f["header"])
        write = self.row_writer(ws, self.BUDGET_COLS)
        row = header
        for p in projects:
            b = p.budget
            row += 1
            used = None if b.used_pct is None else b.used_pct / 100
            hours_used = None if b.hours_used_pct is None else b.hours_used_pct / 100
            values = (
                p.project.project,
                b.budget,
                b.cost,
                p.actual_cost,
                used,
                b.remaining,
                b.planned_over,
                b.hours,
                p.actual_hours,
                hours_used,
                b.labor_revenue,
            )
            write(row, values, p.currency if self.multi else None)  # fmt: skip
        used_col = 4
        threshold = self.input.settings.budget_warning / 100
        for criteria, value, colour in ((">", 1, "#F4B6B6"), (">=", threshold, "#FCE4B6")):
            ws.conditional_format(
                header + 1, used_col, row, used_col,
                {"type": "cell", "criteria": criteria, "value": float(value),
                 "format": self.book.add_format({"bg_color": colour}), "stop_if_true": True},
            )  # fmt: skip
        return row

    TASK_COLS = (
        Col(column_name("project"), width=10),
        Col(column_name("task"), width=8),
        Col(column_name("name"), width=24),
        Col(column_name("cost_type"), width=13),
        Col(column_name("revenue_type"), width=20),
        Col(column_name("status"), width=10),
        Col(column_name("planned_hours"), "hours", 10, True),
        Col("Actual hours", "hours", 10, True),
        Col("Planned cost", "money", 13, True),
        Col("Actual cost", "money", 13, True),
        Col("Cost variance", "money", 13, True),
        Col("Planned revenue", "money", 13, True),
        Col("Actual revenue", "money", 13, True),
        Col("Revenue variance", "money", 13, True),
        Col("Planned expenses (in planned cost)", "money", 13, True),
        Col("billable part (planned)", "money", 12, True),
        Col("Actual expenses (in actual cost)", "money", 13, True),
        Col("billable part (actual)", "money", 12, True),
        Col(column_name("percent_complete"), "percent", 9),
        Col(column_name("parent_task"), width=8),
        *INDEX_COLS,
    )

    def tasks_sheet(self) -> None:
        if self.multi:
            cols = (self.TASK_COLS[0], CURRENCY_COL, *mixed(self.TASK_COLS[1:]))
            rows = (
                (t.task.project, p.currency, *values[1:])
                for p, t, values in self.task_rows()
            )  # fmt: skip
            self.table(SheetName.TASKS, cols, rows, currency_col=1)
            return
        self.table(SheetName.TASKS, self.TASK_COLS, (values for _, _, values in self.task_rows()))

    def task_rows(self) -> Iterator[tuple[ProjectResult, TaskResult, tuple]]:
        for p in self.results.projects:
            for t in p.tasks:
                yield p, t, self.task_values(t)

    def task_values(self, t: TaskResult) -> tuple:
        return (
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
                t.planned_expenses,
                t.planned_billable_expenses,
                t.actual_expenses,
                t.actual_billable_expenses,
                t.task.done_percent / 100,
                t.task.parent,
                *index_values(t.indexes),
        )  # fmt: skip

    HOURS_COLS = (
        Col(column_name("entry"), width=10),
        Col(column_name("project"), width=10),
        Col(column_name("task"), width=8),
        Col(column_name("date"), "date", 11),
        Col(column_name("user"), width=10),
        Col("Role used", width=14),
        Col("Role from", width=12),
        Col(column_name("hours"), "hours", 8, True),
        Col(column_name("hour_type"), width=12),
        Col(column_name("billable"), width=8),
        Col(column_name("cost_rate"), "rate", 11),
        Col("Cost rate source", width=44),
        Col(column_name("billing_rate"), "rate", 11),
        Col("Billing rate source", width=60),
        Col("Cost", "money", 12, True),
        Col("Revenue", "money", 12, True),
        Col(column_name("billing_record"), width=12),
        Col("Frozen", width=8),
    )

    HOURS_COLS_MULTI = (
        *HOURS_COLS[:2],
        Col(column_name("currency"), width=9),
        *HOURS_COLS[2:10],
        Col(column_name("cost_rate"), "number", 11),
        Col("Cost rate currency", width=9),
        Col("Cost exchange factor", "factor", 12),
        HOURS_COLS[11],
        Col(column_name("billing_rate"), "number", 11),
        Col("Billing rate currency", width=9),
        Col("Billing exchange factor", "factor", 12),
        HOURS_COLS[13],
        *mixed(HOURS_COLS[14:]),
    )
    """The Hours sheet of a workbook in several currencies: each rate in its currency, the
    exact factor that converted it (blank: none), the amounts in the project's currency."""

    def hours_sheet(self) -> None:
        if self.multi:
            rows = _hour_rows(self.results, multi=True)
            self.table(SheetName.HOURS, self.HOURS_COLS_MULTI, rows, currency_col=2)
            return
        self.table(SheetName.HOURS, self.HOURS_COLS, _hour_rows(self.results))

    PLANNED_COLS = (
        Col(column_name("project"), width=10),
        Col(column_name("task"), width=8),
        Col("Assignment row", "int", 10),
        Col(column_name("user"), width=10),
        Col(column_name("role"), width=14),
        Col("Revenue or cost", width=10),
        Col("From", "date", 11),
        Col("To", "date", 11),
        Col(column_name("working_days"), "int", 9),
        Col(column_name("hours"), "hours", 9),
        Col(column_name("rate"), "rate", 11),
        Col("Rate source", width=44),
        Col(column_name("planned_amount"), "money", 13),
    )

    PLANNED_COLS_MULTI = (
        PLANNED_COLS[0],
        Col(column_name("currency"), width=9),
        *PLANNED_COLS[1:10],
        Col(column_name("rate"), "number", 11),
        Col(column_name("rate_currency"), width=9),
        Col("Exchange factor", "factor", 12),
        PLANNED_COLS[11],
        PLANNED_COLS[12],
    )

    def planned_sheet(self) -> None:
        multi = self.multi

        def rows() -> Iterable[tuple]:
            for p in self.results.projects:
                for t in p.tasks:
                    for plan in t.plans:
                        a = plan.assignment
                        for what, segments, amount, says in (
                            ("Revenue", plan.revenue, plan.revenue_amount, plan.overtime_text()),
                            ("Cost", plan.cost, plan.segment_amount, ""),
                        ):
                            for s in segments:
                                if multi:
                                    rate = s.source.rate
                                    yield (
                                        t.task.project,
                                        p.currency,
                                        t.task.task,
                                        a.row,
                                        a.user,
                                        a.role,
                                        what,
                                        s.first,
                                        s.last,
                                        s.working_days,
                                        plan.segment_hours(s),
                                        rate,
                                        (s.source.currency or p.currency) if rate is not None
                                        else None,
                                        s.factor,
                                        source_text(s.source) + says,
                                        amount(s),
                                    )  # fmt: skip
                                    continue
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
                                    source_text(s.source) + says,
                                    amount(s),
                                )

        self.table(
            "Planned",
            self.PLANNED_COLS_MULTI if multi else self.PLANNED_COLS,
            rows(),
            title="Planned hours spread over working days, per rate period "
            "(a task's planned amount is the exact sum, rounded once)",
            currency_col=1 if multi else None,
        )

    PERIOD_COLS = (
        Col(column_name("project"), width=10),
        Col("From", "date", 11),
        Col("To", "date", 11),
        Col(column_name("planned_hours"), "hours", 10, True),
        Col("Actual hours", "hours", 10, True),
        Col("Planned cost", "money", 13, True),
        Col("Actual cost", "money", 13, True),
        Col("Cost variance", "money", 13, True),
        Col("Planned revenue", "money", 13, True),
        Col("Actual revenue", "money", 13, True),
        Col("Revenue variance", "money", 13, True),
        Col("Billed", "money", 13, True),
        Col("Work in progress", "money", 13),
        Col(column_name("budgeted_hours"), "hours", 10, True),
        Col("Budgeted labor cost", "money", 13, True),
        Col("Budgeted labor revenue", "money", 13, True),
        Col("Planned revenue to date", "money", 13),
        Col("Actual revenue to date", "money", 13),
        Col("Planned cost to date", "money", 13),
        Col("Actual cost to date", "money", 13),
    )
    """The By period sheet (model 14): one row per project and bucket of Settings › Period."""

    def periods_sheet(self) -> None:
        if not any(p.periods for p in self.results.projects):
            return  # nothing dated (or the periods were not computed)
        multi = self.multi
        budgets = any(p.budget is not None for p in self.results.projects)
        cols = self.PERIOD_COLS
        if not budgets:  # the budgeted columns only where some project has a budget
            cols = tuple(c for c in cols if not c.header.startswith("Budgeted"))
        if multi:
            cols = (cols[0], CURRENCY_COL, *mixed(cols[1:]))
        spans: list[tuple[str, int, int]] = []
        header = 2

        def rows() -> Iterator[tuple]:
            row = header
            for p in self.results.projects:
                if not p.periods:
                    continue
                first = row + 1
                to_date = [Decimal(0)] * 4
                for x in p.periods:
                    row += 1
                    to_date = [
                        to_date[0] + x.planned_revenue,
                        to_date[1] + x.actual_revenue,
                        to_date[2] + x.planned_cost,
                        to_date[3] + x.actual_cost,
                    ]
                    budgeted = (
                        (x.budgeted_hours, x.budgeted_labor_cost, x.budgeted_labor_revenue)
                        if budgets else ()
                    )  # fmt: skip
                    values = (
                        x.first, x.last, x.planned_hours, x.actual_hours, x.planned_cost,
                        x.actual_cost, x.cost_variance, x.planned_revenue, x.actual_revenue,
                        x.revenue_variance, x.billed, x.wip, *budgeted, *to_date,
                    )  # fmt: skip
                    yield (p.project.project, p.currency, *values) if multi else (
                        p.project.project, *values
                    )  # fmt: skip
                spans.append((p.project.project, first, row))

        title = (
            f"By period ({self.input.settings.period.lower()}s): planned and actual per "
            "project; the rows of a project add up to its Summary row"
        )
        ws, _ = self.table(
            "By period", cols, rows(), title=title, currency_col=1 if multi else None
        )
        ws.print_area(0, 0, header + sum(z - a + 1 for _, a, z in spans) + 1, len(cols) - 1)
        at = {col.header: c for c, col in enumerate(cols)}
        for k, (project, first, last) in enumerate(spans):
            chart = self.book.add_chart({"type": "line"})
            for name in ("Planned revenue to date", "Actual revenue to date",
                         "Planned cost to date", "Actual cost to date"):  # fmt: skip
                chart.add_series(
                    {
                        "name": name.replace(" to date", ""),
                        "categories": ["By period", first, at["From"], last, at["From"]],
                        "values": ["By period", first, at[name], last, at[name]],
                    }
                )
            chart.set_title({"name": f"{project}: planned vs actual, cumulative"})
            chart.set_x_axis({"date_axis": True, "num_format": "yyyy-mm-dd"})
            chart.set_size({"width": 620, "height": 300})
            ws.insert_chart(header + 18 * k, len(cols) + 1, chart)

    EXPENSE_COLS = (
        Col(column_name("expense"), width=10),
        Col(column_name("project"), width=10),
        Col(column_name("task"), width=8),
        Col(column_name("expense_type"), width=12),
        Col(column_name("description"), width=26),
        Col(column_name("planned_date"), "date", 11),
        Col(column_name("planned_amount"), "money", 13, True),
        Col(column_name("date_paid"), "date", 11),
        Col(column_name("actual_amount"), "money", 13, True),
        Col(column_name("billable"), width=8),
        Col(column_name("reimbursable"), width=10),
        Col(column_name("reimbursed"), width=10),
        Col(column_name("billing_record"), width=12),
        Col(column_name("planned_units"), "hours", 10),
        Col(column_name("actual_units"), "hours", 10),
        Col("Amounts from units", width=60),
    )

    def expenses_sheet(self) -> None:
        # The expenses as computed (amounts from units filled in), in the input's order.
        computed = sorted(
            (e for p in self.results.projects for t in p.tasks for e in t.expenses),
            key=lambda e: e.row,
        )
        computed += [e for p in self.results.projects for e in p.project_expenses]
        computed.sort(key=lambda e: e.row)
        yes = lambda flag: "Yes" if flag else "No"  # noqa: E731
        projects = self.input.projects
        rows = (
            (
                e.expense,
                e.project,
                *((projects[e.project].currency,) if self.multi else ()),
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
                e.planned_units,
                e.actual_units,
                e.from_units,
            )
            for e in computed
        )
        if self.multi:
            cols = (*self.EXPENSE_COLS[:2], CURRENCY_COL, *mixed(self.EXPENSE_COLS[2:]))
            self.table(SheetName.EXPENSES, cols, rows, currency_col=2)
            return
        self.table(SheetName.EXPENSES, self.EXPENSE_COLS, rows)

    def records_sheet(self) -> None:
        """One block per record; past what one sheet can hold — its rows, or Excel's 1,023
        page breaks, one before each block — they continue on `Billing records (2)`, …"""
        part = 1

        def sheet() -> RecordBlocks:
            name = SheetName.BILLING_RECORDS + ("" if part == 1 else f" ({part})")
            title = "Billing records (one block per record, each on a page of its own)"
            if part > 1:
                title = f"{SheetName.BILLING_RECORDS}, continued (part {part})"
            ws, _ = self.new_sheet(name, INTERNAL.cols, title=title, headers=False)
            return RecordBlocks(self, ws, INTERNAL)

        blocks, row = sheet(), 2
        for p in self.results.projects:
            for rec in p.records:
                if blocks.full(row, rec, self.max_rows):
                    blocks.finish(row)
                    part += 1
                    blocks, row = sheet(), 2
                row = blocks.write(row, rec, p.currency if self.multi else None)
        blocks.finish(row)

    RATE_COLS = (
        Col(column_name("project"), width=10),
        Col("Role or user", width=16),
        Col("Level", width=16),
        Col(column_name("location"), width=12),
        Col(column_name("rate"), "rate", 12),
        Col(column_name("start_date"), "date", 11),
        Col(column_name("end_date"), "date", 11),
        Col("Input", width=22),
    )

    def rates_sheet(self) -> None:
        def rows() -> Iterable[tuple]:
            wb = self.input
            for p in self.results.projects:
                project = p.project
                card = wb.rate_cards.get(project.rate_card or "")
                for role in sorted(_roles_used(p)):
                    locations = [
                        location
                        for card_role, location in (card.rates if card else ())
                        if card_role == role and location is not None
                    ]
                    for level in role_billing_levels(wb, project, role, locations):
                        for period in level.periods:
                            yield (
                                project.project,
                                role,
                                level.label,
                                level.location,
                                period.rate,
                                period.currency or project.currency,
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
                            period.currency or project.currency,
                            period.start,
                            period.end,
                            f"{period.sheet} row {period.row}",
                        )
                yield from _hierarchy_rate_rows(wb, p)

        if self.multi:
            cols = (*self.RATE_COLS[:4], Col(column_name("rate"), "number", 12), CURRENCY_COL,
                    *self.RATE_COLS[5:])  # fmt: skip
            table = rows()
        else:
            cols, table = self.RATE_COLS, (r[:5] + r[6:] for r in rows())
        self.table(
            "Rates",
            cols,
            table,
            title="Billing rates per project and role, in the order they are tried "
            "(blank dates: open-ended)",
        )

    PROBLEM_COLS = (
        Col("Severity", width=9),
        Col("Code", width=26),
        Col("Sheet", width=16),
        Col("Cell", width=8),
        Col("Field", width=16),
        Col("Message", "wrap", 80),
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


def _hour_rows(results: Results, multi: bool = False) -> Iterator[tuple]:
    """The Hours sheet's rows, one per hour line (a million of them in a large workbook)."""
    # Source text by id of the source: lines share the few sources of their rate chains,
    # which the results keep alive while the report is written.
    texts: dict[int, str] = {}

    def text_of(source: RateSource) -> str:
        text = texts.get(id(source))
        if text is None:
            text = texts[id(source)] = source_text(source)
        return text

    written: dict[int, Decimal] = {}

    def factor(value: Fraction | None) -> Decimal | None:
        """A line's exchange factor as written (10 decimals): lines share a few factors."""
        if value is None:
            return None
        found = written.get(id(value))
        if found is None:
            found = written[id(value)] = round_money(value, 10)
        return found

    for p in results.projects:
        currency = p.currency
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
            if multi:
                yield (
                    line.entry,
                    line.project,
                    currency,
                    line.task,
                    line.date,
                    line.user,
                    r.role,
                    r.role_from,
                    line.hours,
                    line.hour_type or (TASK_TIME if line.task else PROJECT_TIME),
                    "Yes" if line.billable else "No",
                    cost.rate,
                    (cost.currency or currency) if cost.rate is not None else None,
                    factor(r.cost_factor),
                    cost_text,
                    revenue.rate,
                    (revenue.currency or currency) if revenue.rate is not None else None,
                    factor(r.revenue_factor),
                    revenue_text,
                    r.cost,
                    r.revenue,
                    line.billing_record,
                    billed,
                )
                continue
            yield (
                line.entry,
                line.project,
                line.task,
                line.date,
                line.user,
                r.role,
                r.role_from,
                line.hours,
                line.hour_type or (TASK_TIME if line.task else PROJECT_TIME),
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


def _hierarchy_rate_rows(wb: Workbook, p: ProjectResult) -> Iterator[tuple]:
    """The Rates sheet's rows of model 17's own levels: the job roles for billing of the
    Billing roles sheet, and the assignments' rates on User and Role Hourly tasks."""
    project = p.project
    for user, spans in project.billing_roles.items():
        for span in spans:
            where = f"{SheetName.BILLING_ROLES} row {span.row}"
            yield (project.project, f"user {user}", f"job role for billing: {span.role}", None,
                   None, None, span.start, span.end, where)  # fmt: skip
    for t in p.tasks:
        for plan in t.plans:
            a = plan.assignment
            for what, rate in (("billing", a.billing_rate), ("cost", a.cost_rate)):
                if rate is not None:
                    who = f"user {a.user}" if a.user else a.role
                    where = f"{SheetName.ASSIGNMENTS} row {a.row}"
                    yield (project.project, who, f"assignment ({what}, task {t.task.task})",
                           None, rate, a.rate_currency or project.currency, None, None,
                           where)  # fmt: skip


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
