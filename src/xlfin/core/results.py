"""What the core computes: results per hour line, assignment, task, billing record, project.

Amounts shown to people are Decimal, already rounded (finance model, section 9).
Planned amounts per rate segment stay exact fractions, so the report can show the
weighted sum behind a task's planned figure without rounding it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from xlfin.core.money import exact_text, round_money
from xlfin.core.rates import RateSource
from xlfin.models import (
    Assignment,
    BillingRecord,
    Expense,
    HourLine,
    Project,
    Settings,
    Task,
)
from xlfin.problems import Problem


@dataclass(frozen=True, slots=True)
class FrozenLine:
    """An hour line's revenue as it was when its billing record was first seen Billed."""

    entry: str
    revenue: Decimal
    source: RateSource
    billing_date: date | None = None
    original: str = ""
    """Where the rate came from when it was billed, in words."""
    factor: Fraction | None = None
    """The exchange factor it was billed at (model 13); None: not converted."""


class LineResult(NamedTuple):
    """One hour line: the role it was costed and billed as, its rates and amounts.

    A named tuple: a workbook may hold a million of them.
    """

    line: HourLine
    role: str | None
    role_from: str
    """Why that role (model 5.1): "hour line", "assignment", "primary role", "task", "none"."""
    cost_source: RateSource
    cost: Decimal
    revenue_source: RateSource
    revenue: Decimal
    """After any cap; 0 when not billable."""
    uncapped: Decimal
    frozen: FrozenLine | None = None
    today: Decimal | None = None
    """For a frozen line: its revenue at today's rates (before any cap), for comparison."""
    cost_factor: Fraction | None = None
    """fx(cost rate's currency → project's) on the line's date; None: not converted."""
    revenue_factor: Fraction | None = None
    """The same for the billing rate (a frozen line: the factor it was billed at)."""


@dataclass(frozen=True, slots=True)
class PlannedSegment:
    """Days of an assignment's span with one rate and one exchange factor: `first` to
    `last`, inclusive."""

    first: date
    last: date
    working_days: int
    source: RateSource
    factor: Fraction | None = None
    """fx(rate's currency → project's) on these days (model 13); None: not converted."""


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    """An assignment's share of its task's planned hours, spread over `days` working days.

    Segment hours and amounts are exact fractions, computed on demand (for the report);
    the plan's totals are computed once from the segments' working days and rates.
    """

    assignment: Assignment
    hours: Fraction
    days: int
    """Working days of the task's span (0: all hours on its planned start)."""
    cost: tuple[PlannedSegment, ...]
    revenue: tuple[PlannedSegment, ...]
    planned_cost: Fraction
    planned_revenue: Fraction
    overtime: Fraction = Fraction(1)
    """The task's Overtime ratio (model 11.2), in `planned_revenue` and revenue segments."""

    def segment_hours(self, segment: PlannedSegment) -> Fraction:
        return self.hours * segment.working_days / self.days if self.days else self.hours

    def segment_amount(self, segment: PlannedSegment) -> Fraction:
        """A cost segment's amount: its hours × its rate (× its exchange factor)."""
        amount = self.segment_hours(segment) * Fraction(segment.source.rate or 0)
        return amount if segment.factor is None else amount * segment.factor

    def revenue_amount(self, segment: PlannedSegment) -> Fraction:
        """A revenue segment's amount: its hours × its rate × the overtime ratio."""
        return self.segment_amount(segment) * self.overtime

    def overtime_text(self) -> str:
        """` × 1.25 overtime` after a planned revenue rate that the task's Overtime ratio
        multiplies (model 11.2); empty without one."""
        if self.overtime == 1:
            return ""
        ratio = Decimal(self.overtime.numerator) / Decimal(self.overtime.denominator)
        return f" × {exact_text(ratio)} overtime"


@dataclass(frozen=True)
class TaskResult:
    task: Task
    first_day: date | None
    last_day: date | None
    working_days: int
    plans: tuple[AssignmentPlan, ...]
    lines: tuple[LineResult, ...]
    expenses: tuple[Expense, ...]
    planned_hours: Decimal
    actual_hours: Decimal
    planned_labor_cost: Decimal
    planned_expenses: Decimal
    actual_labor_cost: Decimal
    actual_expenses: Decimal
    planned_revenue: Decimal
    actual_hourly_revenue: Decimal
    fixed_realized: Decimal
    """Fixed amount counted in actual revenue (Fixed Revenue / Plus Fixed, once Complete)."""
    planned_billable_expenses: Decimal = Decimal(0)
    """The billable part of `planned_expenses` (model 12); the rest is not billable."""
    actual_billable_expenses: Decimal = Decimal(0)
    unreimbursed: Decimal = Decimal(0)
    """Actual amounts of expenses Reimbursable and not yet Reimbursed: shown, never added."""
    indexes: object = None
    """Its performance indexes over it and its subtasks (model 16; `performance.Indexes`)."""

    @property
    def planned_cost(self) -> Decimal:
        return self.planned_labor_cost + self.planned_expenses

    @property
    def actual_cost(self) -> Decimal:
        return self.actual_labor_cost + self.actual_expenses

    @property
    def actual_revenue(self) -> Decimal:
        return self.actual_hourly_revenue + self.fixed_realized


@dataclass(frozen=True)
class RecordResult:
    record: BillingRecord
    lines: tuple[LineResult, ...]
    expenses: tuple[Expense, ...]
    fixed_tasks: tuple[Task, ...]
    hours_amount: Decimal
    expenses_amount: Decimal
    fixed_amount: Decimal
    additional_amount: Decimal

    @property
    def today_total(self) -> Decimal:
        """The total if its frozen hour lines were billed at today's rates."""
        today = sum((r.revenue if r.today is None else r.today for r in self.lines), Decimal(0))
        return self.total - self.hours_amount + today

    @property
    def total(self) -> Decimal:
        return self.hours_amount + self.expenses_amount + self.fixed_amount + self.additional_amount


@dataclass(frozen=True)
class ProjectResult:
    project: Project
    tasks: tuple[TaskResult, ...]
    project_lines: tuple[LineResult, ...]
    """Hours logged on the project itself (no task)."""
    project_expenses: tuple[Expense, ...]
    records: tuple[RecordResult, ...]
    planned_hours: Decimal
    actual_hours: Decimal
    planned_cost: Decimal
    actual_cost: Decimal
    planned_revenue: Decimal
    actual_revenue: Decimal
    billable_expenses: Decimal
    billed: Decimal
    unbilled: Decimal
    planned_billable_expenses: Decimal = Decimal(0)
    """The billable part of all its expenses' planned amounts (its tasks' and its own)."""
    planned_expenses: Decimal = Decimal(0)
    actual_billable_expenses: Decimal = Decimal(0)
    actual_expenses: Decimal = Decimal(0)
    unreimbursed: Decimal = Decimal(0)
    awaiting_approval: Decimal = Decimal(0)
    """Model 18: revenue of billable Submitted lines, in no record, on a project requiring
    time approval (not in `unbilled`)."""
    rejected: Decimal = Decimal(0)
    """Revenue of billable Rejected lines in no record (not in `unbilled`)."""
    fixed_cost: Decimal = Decimal(0)
    """The project's own Fixed cost, rounded: part of its planned and actual cost."""
    fixed_revenue: Decimal = Decimal(0)
    """The project's own Fixed revenue, rounded: part of its planned revenue."""
    to_base: Fraction = Fraction(1)
    """fx(project's currency → base) on the As of date (model 13)."""
    periods: tuple = ()
    """The project's figures per bucket of Settings › Period (model 14; `periods`)."""
    indexes: object = None
    """The project's performance indexes (model 16; `performance.Indexes`)."""
    budget: object = None
    """Its budget and burn (model 15; `budgets.BudgetResult`), None without one."""
    base_decimals: int = 2

    @property
    def currency(self) -> str:
        return self.project.currency

    def in_base(self, amount: Decimal) -> Decimal:
        """A figure of the project, as shown in its currency, in the base currency at the
        As of date: × fx, rounded once (model 13, across projects)."""
        if self.to_base == 1:
            return amount
        return round_money(Fraction(amount) * self.to_base, self.base_decimals)

    @property
    def planned_margin(self) -> Decimal | None:
        return margin(self.planned_revenue, self.planned_cost)

    @property
    def actual_margin(self) -> Decimal | None:
        return margin(self.actual_revenue, self.actual_cost)


def margin(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """(revenue − cost) / revenue as a fraction (0.25 = 25 %); None when revenue is 0."""
    if revenue == 0:
        return None
    return (revenue - cost) / revenue


@dataclass(frozen=True)
class Results:
    settings: Settings
    projects: tuple[ProjectResult, ...]
    problems: tuple[Problem, ...] = field(default=())
    frozen: Mapping[str, FrozenLine] = field(default_factory=dict, repr=False, hash=False)
    """The frozen lines these results were computed with, by entry id."""
    as_of: date | None = None
    """The date cross-project totals are converted to the base currency at (model 13)."""
    currencies: frozenset[str] = frozenset()
    """The workbook's currencies other than the base; empty: one currency throughout."""
    currency_decimals: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Each currency's decimals (the base's: Settings › Decimals)."""

    @property
    def multi_currency(self) -> bool:
        return bool(self.currencies)
