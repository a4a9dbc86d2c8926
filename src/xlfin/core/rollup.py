"""Tasks, billing records and projects: the sums of their lines, expenses and fixed amounts
(finance model, sections 6 to 8)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from operator import attrgetter

# Sums of working days × rates are exact: no rounding at any precision we can meet.
from xlfin.core.money import ZERO, exact_text
from xlfin.core.planned import Stage
from xlfin.core.rates import RateLevel, Timeline
from xlfin.core.results import (
    AssignmentPlan,
    LineResult,
    ProjectResult,
    RecordResult,
    TaskResult,
)
from xlfin.models import (
    BillingRecord,
    BillingStatus,
    CostType,
    Expense,
    HourLine,
    Project,
    RevenueType,
    Task,
    TaskStatus,
)
from xlfin.problems import (
    BILLING_LINE_NOT_BILLABLE,
    EXPENSE_AMOUNT_MISMATCH,
    EXPENSE_UNITS_WITHOUT_RATE,
    HOURS_NOT_APPROVED,
    NO_RATE,
    NO_WORKING_DAY,
    PARENT_TASK_PLANNED_IGNORED,
)
from xlfin.schema import SHEETS_BY_NAME, HourStatus, ProjectStatus, SheetName


def may_bill_now(line: HourLine, project: Project) -> bool:
    """Model 18: a line may be billed unless Rejected, and on a project requiring time
    approval only once Approved."""
    if line.approval is HourStatus.REJECTED:
        return False
    return not project.require_time_approval or line.approval is HourStatus.APPROVED


def has_fixed_part(kind: RevenueType) -> bool:
    """A Fixed Revenue or "… Plus Fixed" task: its Fixed amount is revenue once it is
    Complete, and may be billed then (model 10.1); a "… with Cap" task's is a cap."""
    return kind is RevenueType.FIXED_REVENUE or kind.plus_fixed


class Rollup(Stage):
    # -- tasks -----------------------------------------------------------------------------

    def task(
        self, project: Project, task: Task, lines: list[HourLine], expenses: list[Expense]
    ) -> TaskResult:
        first = task.planned_start or project.planned_start
        last = task.planned_completion or project.planned_completion
        cal = self.calendar(project)
        days = cal.count(first, last) if first and last else 0
        plans: tuple[AssignmentPlan, ...] = ()
        parent = (project.project, task.task) in self.parents
        if parent and (task.planned_hours or self.assignments.get((project.project, task.task))):
            self.report(
                PARENT_TASK_PLANNED_IGNORED,
                f"task {task.task!r} has subtasks: its plan is theirs (model 16.1), so its own "
                "Planned hours and assignments are ignored",
                SheetName.TASKS,
                task.row,
                "planned_hours",
            )
        if not parent and first is not None and last is not None and last >= first:
            if days == 0 and self.assignments.get((project.project, task.task)):
                self.report(
                    NO_WORKING_DAY,
                    f"task {task.task!r} has no working day from "
                    f"{first} to {last}; its planned hours are put on {first}",
                    SheetName.TASKS,
                    task.row,
                    "planned_start",
                )
            plans = self.plan(project, task, first, last, days, cal)
        planned_hours = ZERO if parent else task.planned_hours
        if planned_hours is None:  # then the assignments' own hours are the plan
            planned_hours = sum(
                (
                    a.planned_hours
                    for a in self.assignments.get((project.project, task.task), [])
                    if a.planned_hours is not None
                ),
                ZERO,
            )
        lines = sorted(lines, key=DATE_ENTRY)
        results = self.actual_lines(project, task, lines)
        kind = task.revenue_type
        if kind.with_cap and task.fixed_amount is not None:
            results = self.capped(results, task.fixed_amount)
        self.report_blank_task_rates(task, lines)

        labor = Fraction(0)
        if task.cost_type is CostType.FIXED_HOURLY:
            labor = Fraction(planned_hours) * Fraction(task.hourly_cost or 0)
        elif task.cost_type is not CostType.NO_COST:
            labor = sum((p.planned_cost for p in plans), Fraction(0))
        fixed = Fraction(task.fixed_amount or 0)
        hourly = sum((p.planned_revenue for p in plans), Fraction(0))
        if kind is RevenueType.FIXED_HOURLY:
            revenue = Fraction(planned_hours) * Fraction(task.hourly_rate or 0)
        elif kind is RevenueType.FIXED_REVENUE:
            revenue = fixed
        elif kind is RevenueType.NOT_BILLABLE:
            revenue = Fraction(0)
        elif kind.plus_fixed:
            revenue = hourly + fixed
        elif kind.with_cap and task.fixed_amount is not None:
            revenue = min(hourly, fixed)
        else:
            revenue = hourly
        complete = task.status is TaskStatus.COMPLETE
        realized = self.round(fixed) if complete and has_fixed_part(kind) else ZERO
        return TaskResult(
            task=task,
            first_day=first,
            last_day=last,
            working_days=days,
            plans=plans,
            lines=tuple(results),
            expenses=tuple(expenses),
            planned_hours=planned_hours,
            actual_hours=sum(map(_line_hours, results), ZERO),
            planned_labor_cost=self.round(labor),
            planned_expenses=self.expense_sum(expenses, planned=True),
            actual_labor_cost=sum(map(_line_cost, results), ZERO),
            actual_expenses=self.expense_sum(expenses, planned=False),
            planned_revenue=self.round(revenue),
            actual_hourly_revenue=sum(map(_line_revenue, results), ZERO),
            fixed_realized=realized,
            **self.expense_split(expenses),
        )

    def report_blank_task_rates(self, task: Task, lines: list[HourLine]) -> None:
        """NO_RATE once per Fixed Hourly task whose own rate is blank, when it is used."""
        if not lines and not task.planned_hours:
            return
        blanks = {
            "hourly_cost": task.cost_type is CostType.FIXED_HOURLY and task.hourly_cost is None,
            "hourly_rate": task.revenue_type is RevenueType.FIXED_HOURLY
            and task.hourly_rate is None,
        }
        for key in (k for k, blank in blanks.items() if blank):
            name = SHEETS_BY_NAME[SheetName.TASKS].column(key).name
            self.report(
                NO_RATE,
                f"task {task.task!r} is Fixed Hourly but its {name} is blank; "
                "its hours are counted at 0",
                SheetName.TASKS,
                task.row,
                key,
            )

    def resolve_expense(self, e: Expense) -> Expense:
        """Model 12: an expense given in units gets its amounts from its type's rate per unit
        on the date (planned: Planned date; actual: Date paid, else Planned date; either
        blank: the project's planned start), rounded per expense."""
        if e.planned_units is None and e.actual_units is None:
            return e
        kind = self.wb.expense_types[e.expense_type or ""]  # the reader checked it
        timeline = Timeline(kind.rates)
        project = self.wb.projects[e.project]
        start = project.planned_start
        rounded = self.rounder(project.currency)
        amounts: dict[str, Decimal | None] = {}
        said = []
        for key, units, day, given in (
            ("planned_amount", e.planned_units, e.planned_date or start, e.planned_amount),
            ("actual_amount", e.actual_units, e.date_paid or e.planned_date or start,
             e.actual_amount),
        ):  # fmt: skip
            if units is None:
                amounts[key] = given
                continue
            period = timeline.at(day or date.min)
            column = key.replace("_amount", "_units")
            if period is None:
                self.report(
                    EXPENSE_UNITS_WITHOUT_RATE,
                    f"expense type {kind.expense_type!r} has no rate on {day}",
                    SheetName.EXPENSES,
                    e.row,
                    column,
                )
                amounts[key] = given
                continue
            converted = ""
            if period.currency is None or period.currency == project.currency:
                amount = rounded(units * period.rate)
            else:  # model 13: units × rate × fx of its date, rounded once
                fx = self.fx(period, project, day or date.min)
                amount = rounded(Fraction(units * period.rate) * (fx or 0))
                says = self.exchange.says(
                    period.currency, project.currency, day or date.min, project
                )
                converted = f" {period.currency}, {says}"
            if given is not None and rounded(given) != amount:
                self.report(
                    EXPENSE_AMOUNT_MISMATCH,
                    f"{exact_text(units)} {kind.unit or 'units'} × {exact_text(period.rate)}"
                    f"{converted} = {amount}, but the amount given is {rounded(given)}",
                    SheetName.EXPENSES,
                    e.row,
                    key,
                )
            amounts[key] = amount
            said.append(
                f"{key.split('_')[0]}: {exact_text(units)} {kind.unit or 'units'} × "
                f"{exact_text(period.rate)}{converted} ({period.sheet} row {period.row}) = "
                f"{amount}"
            )
        billed = self.frozen_expenses.get(e.expense)
        if billed is not None and e.actual_units is not None and billed != amounts["actual_amount"]:
            said.append(f"billed at {billed}, which it keeps (model 13)")
            amounts["actual_amount"] = billed
        return dataclasses.replace(e, **amounts, from_units="; ".join(said) or None)

    def expense_split(self, expenses: list[Expense]) -> dict[str, Decimal]:
        """Model 12: the billable parts of planned and actual expense cost (the rest is not
        billable; both are sums of the same rounded amounts), and what is owed back."""
        billable = [e for e in expenses if e.billable]
        return {
            "planned_billable_expenses": self.expense_sum(billable, planned=True),
            "actual_billable_expenses": self.expense_sum(billable, planned=False),
            "unreimbursed": self.expense_sum(
                (e for e in expenses if e.reimbursable and not e.reimbursed), planned=False
            ),
        }

    def expense_sum(self, expenses: Iterable[Expense], planned: bool) -> Decimal:
        """Sum of the expenses' planned (or actual) amounts, each rounded as shown."""
        amounts = (e.planned_amount if planned else e.actual_amount for e in expenses)
        return sum((self.round(a) for a in amounts if a is not None), ZERO)

    # -- billing records (model section 7) -------------------------------------------------

    def record(
        self,
        record: BillingRecord,
        tasks: tuple[TaskResult, ...],
        lines: list[LineResult],
        expenses: list[Expense],
    ) -> RecordResult:
        """The record's amounts; `lines` and `expenses` are those that name it, in order."""
        rid = record.billing_record
        by_task = {t.task.task: t.task for t in tasks}
        for r in lines:
            task = by_task.get(r.line.task or "")
            why = None
            if not r.line.billable:
                why = "the line is not billable"
            elif task is not None and task.revenue_type is RevenueType.NOT_BILLABLE:
                why = f"task {task.task!r} is Not Billable"
            elif task is not None and task.revenue_type is RevenueType.FIXED_REVENUE:
                why = f"task {task.task!r} is Fixed Revenue; put the task itself in the record"
            elif r.revenue_source.level is RateLevel.NOT_BILLABLE:  # model 17.2
                why = "its user's assignment on the task is not billable (Assignments › Billable)"
            elif r.revenue_source.rate is None:
                why = "the line has no billing rate"
            if why:
                self.report(
                    BILLING_LINE_NOT_BILLABLE,
                    f"entry {r.line.entry!r} cannot be in billing record {rid!r}: {why}",
                    SheetName.HOURS,
                    r.line.row,
                    "billing_record",
                )
            elif not may_bill_now(r.line, self.wb.projects[r.line.project]):
                rejected = r.line.approval is HourStatus.REJECTED
                needs = "" if rejected else " (the project requires time approval)"
                self.report(
                    HOURS_NOT_APPROVED,
                    f"entry {r.line.entry!r} is {r.line.approval.value} and cannot be in "
                    f"billing record {rid!r}{needs}",
                    SheetName.HOURS,
                    r.line.row,
                    "status",
                )
        for e in expenses:
            if not e.billable or not e.actual_amount or e.actual_amount <= 0:
                why = "it is not billable" if not e.billable else "it has no actual amount"
                self.report(
                    BILLING_LINE_NOT_BILLABLE,
                    f"expense {e.expense!r} cannot be in billing record {rid!r}: {why}",
                    SheetName.EXPENSES,
                    e.row,
                    "billing_record",
                )
        fixed_tasks = [t.task for t in tasks if t.task.billing_record == rid]
        for task in fixed_tasks:
            why = None
            if not has_fixed_part(task.revenue_type):
                why = (
                    "only Fixed Revenue and … Plus Fixed tasks have a fixed amount to bill, "
                    f"and it is {task.revenue_type.value}"
                    + (" (its Fixed amount is a cap)" if task.revenue_type.with_cap else "")
                )
            elif task.status is not TaskStatus.COMPLETE:
                why = "its fixed amount is realized only once it is Complete"
            if why:
                self.report(
                    BILLING_LINE_NOT_BILLABLE,
                    f"task {task.task!r} cannot be in billing record {rid!r}: {why}",
                    SheetName.TASKS,
                    task.row,
                    "billing_record",
                )
        billable_expenses = [e for e in expenses if e.billable and e.actual_amount]
        return RecordResult(
            record=record,
            lines=tuple(lines),
            expenses=tuple(expenses),
            fixed_tasks=tuple(fixed_tasks),
            hours_amount=sum((r.revenue for r in lines), ZERO),
            expenses_amount=self.expense_sum(billable_expenses, planned=False),
            fixed_amount=sum(
                (
                    self.round(t.fixed_amount or 0)
                    for t in fixed_tasks
                    if has_fixed_part(t.revenue_type) and t.status is TaskStatus.COMPLETE
                ),
                ZERO,
            ),
            additional_amount=self.round(record.additional_amount),
        )

    # -- projects (model section 8) --------------------------------------------------------

    def project(
        self,
        project: Project,
        tasks: tuple[TaskResult, ...],
        own_lines: tuple[LineResult, ...],
        own_expenses: tuple[Expense, ...],
        records: tuple[RecordResult, ...],
    ) -> ProjectResult:
        fixed_cost = self.round(project.fixed_cost)
        fixed_revenue = self.round(project.fixed_revenue)
        all_expenses = [e for t in tasks for e in t.expenses] + list(own_expenses)
        billed = sum((r.total for r in records if r.record.status is BillingStatus.BILLED), ZERO)
        not_billed = sum(
            (r.total for r in records if r.record.status is BillingStatus.NOT_BILLED), ZERO
        )
        # Model 18: only lines that may be billed now are not yet billed; the others wait
        # for approval, or were rejected. One pass: a project may hold a million lines.
        loose_lines = awaiting = rejected = ZERO
        approval_required = project.require_time_approval
        for r in chain((r for t in tasks for r in t.lines), own_lines):
            line = r.line
            if line.billing_record is not None:
                continue
            if line.approval is HourStatus.REJECTED:
                rejected += r.revenue
            elif approval_required and line.approval is not HourStatus.APPROVED:
                awaiting += r.revenue
            else:
                loose_lines += r.revenue
        loose_expenses = self.expense_sum(
            (e for e in all_expenses if e.billable and e.billing_record is None), planned=False
        )
        loose_fixed = sum((t.fixed_realized for t in tasks if t.task.billing_record is None), ZERO)
        return ProjectResult(
            project=project,
            tasks=tasks,
            project_lines=own_lines,
            project_expenses=own_expenses,
            records=records,
            planned_hours=sum((t.planned_hours for t in tasks), ZERO),
            actual_hours=sum((t.actual_hours for t in tasks), ZERO)
            + sum((r.line.hours for r in own_lines), ZERO),
            planned_cost=sum((t.planned_cost for t in tasks), ZERO)
            + self.expense_sum(own_expenses, planned=True)
            + fixed_cost,
            actual_cost=sum((t.actual_cost for t in tasks), ZERO)
            + sum((r.cost for r in own_lines), ZERO)
            + self.expense_sum(own_expenses, planned=False)
            + fixed_cost,
            planned_revenue=sum((t.planned_revenue for t in tasks), ZERO) + fixed_revenue,
            actual_revenue=sum((t.actual_revenue for t in tasks), ZERO)
            + sum((r.revenue for r in own_lines), ZERO)
            + (fixed_revenue if project.status is ProjectStatus.COMPLETE else ZERO),
            billable_expenses=self.expense_sum(
                (e for e in all_expenses if e.billable), planned=False
            ),
            billed=billed,
            unbilled=not_billed + loose_lines + loose_expenses + loose_fixed,
            fixed_cost=fixed_cost,
            fixed_revenue=fixed_revenue,
            awaiting_approval=awaiting,
            rejected=rejected,
            planned_expenses=self.expense_sum(all_expenses, planned=True),
            actual_expenses=self.expense_sum(all_expenses, planned=False),
            **self.expense_split(all_expenses),
        )


DATE_ENTRY = attrgetter("date", "entry")
"""An hour line's (date, entry): the order in which lines consume a cap."""
# Sums over a task's lines go through map (no Python frame per line): a million lines.
_line_hours = attrgetter("line.hours")
_line_cost = attrgetter("cost")
_line_revenue = attrgetter("revenue")
