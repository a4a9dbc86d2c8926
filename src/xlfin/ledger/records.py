"""Between the ledger and a build: what to freeze, what is frozen, and what conflicts.

Pure functions over the workbook, the results and the frozen records; the store does
the I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from xlfin.core.money import hours_text, money_text, round_money
from xlfin.core.rates import RateLevel, RateSource, source_text
from xlfin.core.results import FrozenLine, RecordResult, Results
from xlfin.ledger.store import FrozenExpense, FrozenHours, FrozenRecord
from xlfin.models import BillingStatus, Expense, HourLine, RevenueType, Task, Workbook
from xlfin.problems import (
    BILLED_LINE_ADDED,
    BILLED_LINE_CHANGED,
    BILLED_LINE_REMOVED,
    BILLED_PROJECT_CURRENCY_CHANGED,
    BILLED_RECORD_CHANGED,
    BILLED_RECORD_DELETED,
    BILLED_RECORD_UNBILLED,
    Problem,
    problem_at,
)
from xlfin.schema import SHEETS_BY_NAME, SheetName


def frozen_lines(records: Iterable[FrozenRecord]) -> dict[str, FrozenLine]:
    """The frozen revenue of every hour line of the given records, by entry id."""
    return {
        x.entry: FrozenLine(
            x.entry,
            x.amount,
            RateSource(RateLevel.FROZEN, x.rate, currency=x.rate_currency),
            rec.billing_date,
            x.rate_source,
            x.factor,
        )
        for rec in records
        for x in rec.lines
    }


def frozen_expenses(records: Iterable[FrozenRecord]) -> dict[str, Decimal]:
    """The billed amount of every expense of the given records priced from units (model
    12): it keeps that amount, conversion included, whatever the rates say later."""
    return {x.expense: x.amount for rec in records for x in rec.expenses if x.units is not None}


def to_freeze(
    results: Results,
    frozen: dict[str, FrozenRecord],
    source_name: str,
    source_sha256: str,
    at: datetime,
) -> list[FrozenRecord]:
    """Every Billed record of the results that the ledger does not hold yet."""
    return [
        freeze_record(r, source_name, source_sha256, at, p.currency)
        for p in results.projects
        for r in p.records
        if r.record.status is BillingStatus.BILLED and r.record.billing_record not in frozen
    ]


def freeze_record(
    r: RecordResult, source_name: str, source_sha256: str, at: datetime, currency: str | None
) -> FrozenRecord:
    record = r.record
    return FrozenRecord(
        billing_record=record.billing_record,
        project=record.project,
        status=record.status.value,
        billing_date=record.billing_date,
        description=record.description,
        invoice_id=record.invoice_id,
        po_number=record.po_number,
        hours_amount=r.hours_amount,
        expenses_amount=r.expenses_amount,
        fixed_amount=r.fixed_amount,
        additional_amount=r.additional_amount,
        total=r.total,
        lines=tuple(
            FrozenHours(
                x.line.entry,
                x.line.task,
                x.line.user,
                x.role,
                x.line.date,
                x.line.hours,
                x.revenue_source.rate,
                source_text(x.revenue_source),
                x.revenue,
                x.revenue_source.currency if x.revenue_factor is not None else None,
                x.revenue_factor,
            )
            for x in sorted(r.lines, key=lambda x: (x.line.date, x.line.entry))
        ),
        expenses=tuple(
            FrozenExpense(e.expense, e.task, e.description, e.actual_amount, e.actual_units)
            for e in r.expenses
            if e.billable and e.actual_amount is not None
        ),
        currency=currency,
        fixed=tuple(
            (t.task, t.fixed_amount or Decimal(0))
            for t in r.fixed_tasks
            if t.revenue_type is RevenueType.FIXED_REVENUE
        ),
        source_name=source_name,
        source_sha256=source_sha256,
        frozen_at=at,
    )


class _Conflicts:
    def __init__(self, workbook: Workbook) -> None:
        self.wb = workbook
        self.problems: list[Problem] = []
        self.decimals = workbook.settings.decimals

    def in_project(self, project: str) -> None:
        """Amounts from here on are `project`'s, in its currency's decimals (model 13)."""
        p = self.wb.projects.get(project)
        settings = self.wb.settings
        if p is None or p.currency == settings.currency:
            self.decimals = settings.decimals
        else:
            self.decimals = self.wb.currency_decimals.get(p.currency, 2)

    def rounded(self, amount: Decimal) -> Decimal:
        return round_money(amount, self.decimals)

    def money(self, amount: Decimal | None) -> str:
        """An amount as the workbook writes money (118.40, not 118.4); blank for None."""
        return "blank" if amount is None else money_text(amount, self.decimals)

    def add(
        self, code: str, message: str, sheet: str, row: int | None = None, key: str | None = None
    ) -> None:
        columns = self.wb.layout.get(sheet) if row else None
        self.problems.append(problem_at(code, message, sheet, row, key, columns))


def conflicts(workbook: Workbook, frozen: dict[str, FrozenRecord]) -> list[Problem]:
    """Errors for every way the workbook now differs from what was billed."""
    if not frozen:
        return []
    c = _Conflicts(workbook)
    entries = {x.entry for rec in frozen.values() for x in rec.lines}
    # Everything grouped once: a workbook may hold a million lines and thousands of records.
    lines: dict[str, HourLine] = {}
    lines_in: dict[str, list[HourLine]] = defaultdict(list)
    for line in workbook.hours:
        if line.entry in entries or line.billing_record in frozen:
            lines[line.entry] = line
            if line.billing_record is not None:
                lines_in[line.billing_record].append(line)
    expenses = {e.expense: e for e in workbook.expenses}
    billable_in: dict[str, list[Expense]] = defaultdict(list)
    for e in workbook.expenses:
        if e.billable and e.billing_record is not None:
            billable_in[e.billing_record].append(e)
    fixed_in: dict[str, dict[tuple[str, Decimal], Task]] = defaultdict(dict)
    for t in workbook.tasks.values():
        if t.billing_record is not None and t.revenue_type is RevenueType.FIXED_REVENUE:
            fixed_in[t.billing_record][(t.task, t.fixed_amount or Decimal(0))] = t
    for rid, rec in frozen.items():
        c.in_project(rec.project)
        when = f"billed on {rec.billing_date}" if rec.billing_date else "billed"
        record = workbook.billing_records.get(rid)
        if record is None:
            c.add(
                BILLED_RECORD_DELETED,
                f"billing record {rid!r} ({when}, total {c.money(rec.total)}) is no longer in "
                "the workbook",
                SheetName.BILLING_RECORDS,
            )
            continue
        if record.status is not BillingStatus.BILLED:
            c.add(
                BILLED_RECORD_UNBILLED,
                f"billing record {rid!r} was {when} and is now {record.status.value}",
                SheetName.BILLING_RECORDS,
                record.row,
                "status",
            )
        for key, then, now in (
            ("project", rec.project, record.project),
            ("billing_date", rec.billing_date, record.billing_date),
            ("invoice_id", rec.invoice_id, record.invoice_id),
            ("po_number", rec.po_number, record.po_number),
            # An amount compared as it was shown and frozen: rounded to the currency.
            ("additional_amount", rec.additional_amount, c.rounded(record.additional_amount)),
        ):
            if then != now:
                shown = c.money if key == "additional_amount" else _said
                c.add(
                    BILLED_RECORD_CHANGED,
                    f"{_name(SheetName.BILLING_RECORDS, key)} of billed "
                    f"record {rid!r} was {shown(then)} when {when}, now {shown(now)}",
                    SheetName.BILLING_RECORDS,
                    record.row,
                    key,
                )
        billed_project = workbook.projects.get(rec.project)
        if (
            rec.currency is not None
            and billed_project is not None
            and billed_project.currency != rec.currency
        ):
            c.add(
                BILLED_PROJECT_CURRENCY_CHANGED,
                f"project {rec.project!r} is now in {billed_project.currency}, but its "
                f"record {rid!r} was {when} in {rec.currency}",
                SheetName.PROJECTS,
                billed_project.row,
                "currency",
            )
        _line_conflicts(c, rid, rec, when, lines, lines_in[rid])
        _expense_conflicts(c, rid, rec, when, expenses, billable_in[rid])
        fixed_now = fixed_in[rid]
        if set(fixed_now) != set(rec.fixed):
            rows = [t.row for t in fixed_now.values()] or [None]
            c.add(
                BILLED_RECORD_CHANGED,
                f"the fixed-revenue tasks of billed record {rid!r}"
                f" were {_pairs(rec.fixed, c)} when {when}, now {_pairs(fixed_now, c)}",
                SheetName.TASKS,
                rows[0],
                "billing_record",
            )
    return c.problems


def _line_conflicts(
    c: _Conflicts,
    rid: str,
    rec: FrozenRecord,
    when: str,
    lines: dict[str, HourLine],
    lines_in: list[HourLine],
) -> None:
    """`lines`: the workbook's lines by entry; `lines_in`: those now in the record."""
    billed = {x.entry for x in rec.lines}
    for x in rec.lines:
        line = lines.get(x.entry)
        if line is None:
            c.add(
                BILLED_LINE_REMOVED,
                f"entry {x.entry!r} ({_said(x.hours)} h on {x.date}) was "
                f"{when} in record {rid!r} and is no longer in the workbook",
                SheetName.HOURS,
            )
            continue
        if line.billing_record != rid:
            c.add(
                BILLED_LINE_REMOVED,
                f"entry {x.entry!r} was {when} in record {rid!r} "
                f"and is now in {line.billing_record or 'no record'}",
                SheetName.HOURS,
                line.row,
                "billing_record",
            )
        for key, then, now in (
            ("hours", x.hours, line.hours),
            ("date", x.date, line.date),
            ("user", x.user, line.user),
            ("task", x.task, line.task),
        ):
            if then != now:
                c.add(
                    BILLED_LINE_CHANGED,
                    f"{_name(SheetName.HOURS, key)} of entry {x.entry!r} was "
                    f"{_said(then)} when {when} in record {rid!r}, now {_said(now)}",
                    SheetName.HOURS,
                    line.row,
                    key,
                )
    for line in lines_in:
        if line.entry not in billed:
            c.add(
                BILLED_LINE_ADDED,
                f"entry {line.entry!r} was put in record {rid!r} after it was {when}; "
                "use a new record",
                SheetName.HOURS,
                line.row,
                "billing_record",
            )


def _expense_conflicts(
    c: _Conflicts,
    rid: str,
    rec: FrozenRecord,
    when: str,
    expenses: dict[str, Expense],
    billable_in: list[Expense],
) -> None:
    """`expenses`: the workbook's by id; `billable_in`: the billable ones now in the record."""
    billed = {x.expense: x for x in rec.expenses}
    for expense, x in billed.items():
        e = expenses.get(expense)
        if e is None:
            c.add(
                BILLED_RECORD_CHANGED,
                f"expense {expense!r} ({c.money(x.amount)}) was {when} in "
                f"record {rid!r} and is no longer in the workbook",
                SheetName.EXPENSES,
            )
        elif e.billing_record != rid or not e.billable:
            c.add(
                BILLED_RECORD_CHANGED,
                f"expense {expense!r} was {when} in record {rid!r} and has left it",
                SheetName.EXPENSES,
                e.row,
                "billing_record",
            )
        elif x.units is not None or e.actual_units is not None:  # priced from units
            if e.actual_units != x.units:
                c.add(
                    BILLED_RECORD_CHANGED,
                    f"the actual units of expense {expense!r} were {_said(x.units)} when "
                    f"{when}, now {_said(e.actual_units)}",
                    SheetName.EXPENSES,
                    e.row,
                    "actual_units",
                )
        elif e.actual_amount != x.amount:
            c.add(
                BILLED_RECORD_CHANGED,
                f"the actual amount of expense {expense!r} was "
                f"{c.money(x.amount)} when {when}, now {c.money(e.actual_amount)}",
                SheetName.EXPENSES,
                e.row,
                "actual_amount",
            )
    for e in billable_in:
        if e.expense not in billed:
            c.add(
                BILLED_LINE_ADDED,
                f"expense {e.expense!r} was put in record {rid!r} after "
                f"it was {when}; use a new record",
                SheetName.EXPENSES,
                e.row,
                "billing_record",
            )


def _name(sheet: str, key: str) -> str:
    return SHEETS_BY_NAME[sheet].column(key).name


def _pairs(pairs: Iterable[tuple[str, Decimal]], c: _Conflicts) -> str:
    shown = ", ".join(f"{task} ({c.money(amount)})" for task, amount in sorted(pairs))
    return shown or "none"


def _said(value: object) -> str:
    """A cell's value in a message: blank for an empty cell, hours without trailing zeros."""
    if value is None or value == "":
        return "blank"
    if isinstance(value, Decimal):
        return hours_text(value)
    return str(value)
