"""The workbook as frozen, validated models: what the reader produces and the core consumes.

Every model keeps the sheet row it came from (`row`), so that any number computed
from it can say where it came from. Hour lines (named tuples) and expenses
(frozen slotted dataclasses) are not pydantic models: a workbook may hold a million of
them, and the reader has already validated each cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from xlfin.schema import (
    BillingStatus,
    CostType,
    HourScope,
    HourStatus,
    ProjectStatus,
    RevenueType,
    TaskStatus,
)

__all__ = [
    "BillingStatus",
    "CostType",
    "RevenueType",
    "TaskStatus",
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class RatePeriod(Frozen):
    """One rate of one object over a period; `start`/`end` are inclusive, None is open."""

    rate: Decimal
    start: dt.date | None = None
    end: dt.date | None = None
    sheet: str
    row: int
    currency: str | None = None
    """The rate's currency (model 13); None: the project's (Project rates, Project cost
    rates and Assignments with a blank Currency)."""


class Settings(Frozen):
    currency: str = "USD"
    """The base currency (model 13)."""
    decimals: int = 2
    """The base currency's decimals."""
    as_of_date: dt.date | None = None
    """Settings › As of date; None: the day of the build (the caller decides)."""
    period: str = "Month"
    """Settings › Period: Week, Month, Quarter or Year (model 14)."""
    performance_index_method: str = "Hour-Based"
    eac_method: str = "Project level"
    budget_warning: Decimal = Decimal(90)
    """Settings › Budget warning, percent (model 15)."""
    time_zone: str = "UTC"
    workbook_id: str | None = None
    """Settings › Workbook ID as written; see `Workbook.identity` for the one in use."""
    agency_name: str | None = None


class Schedule(Frozen):
    schedule: str
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    """Weekday numbers, Monday = 0."""
    exceptions: frozenset[dt.date] = frozenset()
    row: int | None = None


DEFAULT_SCHEDULE = Schedule(schedule="(default: Mon–Fri)")


class Role(Frozen):
    role: str
    cost_rates: tuple[RatePeriod, ...] = ()
    billing_rates: tuple[RatePeriod, ...] = ()
    row: int


class RoleSet(Frozen):
    """A user's roles from `start` on (User roles sheet; model 10.3)."""

    start: dt.date
    primary_role: str | None = None
    other_roles: tuple[str, ...] = ()
    row: int


class User(Frozen):
    user: str
    name: str | None = None
    primary_role: str | None = None
    other_roles: tuple[str, ...] = ()
    role_sets: tuple[RoleSet, ...] = ()
    """Dated role sets, by start (User roles sheet); empty: the roles above, always."""
    cost_override_allowed: bool = False
    location: str | None = None
    cost_rates: tuple[RatePeriod, ...] = ()
    billing_rates: tuple[RatePeriod, ...] = ()
    row: int

    def roles_on(self, day: dt.date) -> tuple[str | None, tuple[str, ...]]:
        """Model 10.3: (primary role, other roles) on `day`: the latest role set started by
        then; before the first, the Users sheet's roles, or the first set if those are
        blank (the first period reaches back, as rates do)."""
        current: RoleSet | None = None
        for role_set in self.role_sets:
            if role_set.start <= day:
                current = role_set
        if current is None:
            if self.primary_role is not None or self.other_roles or not self.role_sets:
                return self.primary_role, self.other_roles
            current = self.role_sets[0]
        return current.primary_role, current.other_roles

    def role_periods(self) -> list[tuple[dt.date, str | None, tuple[str, ...]]]:
        """(from, primary, others) for each span of days with one role set, from date.min."""
        first = (dt.date.min, *self.roles_on(dt.date.min))
        return [first, *((s.start, s.primary_role, s.other_roles) for s in self.role_sets)]


class Company(Frozen):
    company: str
    name: str | None = None
    role_rates: dict[str, tuple[RatePeriod, ...]] = {}
    row: int


class RateCard(Frozen):
    rate_card: str
    currency: str | None = None
    rates: dict[tuple[str, str | None], tuple[RatePeriod, ...]] = {}
    """(role, location or None) -> periods."""
    locked: frozenset[tuple[str, str | None]] = frozenset()
    """The (role, location) lines marked Locked (model 17.5)."""
    row: int


class BillingRole(Frozen):
    """A user's job role for billing on a project, from `start` to `end` inclusive (None is
    open): Billing roles sheet, model 17."""

    role: str
    start: dt.date | None = None
    end: dt.date | None = None
    row: int

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class Project(Frozen):
    project: str
    name: str | None = None
    company: str | None = None
    rate_card: str | None = None
    schedule: str | None = None
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None
    company_rates_override: bool = False
    require_time_approval: bool = False
    fixed_cost: Decimal = Decimal(0)
    fixed_revenue: Decimal = Decimal(0)
    status: ProjectStatus = ProjectStatus.CURRENT
    actual_completion: dt.date | None = None
    report_to: tuple[str, ...] = ()
    role_rates: dict[str, tuple[RatePeriod, ...]] = {}
    user_rates: dict[str, tuple[RatePeriod, ...]] = {}
    user_cost_rates: dict[str, tuple[RatePeriod, ...]] = {}
    """Project cost rates by user (model 17.4), only of users who allow them."""
    billing_roles: dict[str, tuple[BillingRole, ...]] = {}
    """Each user's job roles for billing on the project, by start (model 17)."""
    currency: str = "USD"
    """Projects › Currency (the reader fills in the base currency for a blank)."""
    exchange_rate: Decimal | None = None
    """Projects › Exchange rate: the project's own rate for its currency (model 13)."""
    budget: Decimal | None = None
    """Projects › Budget (model 15), in the project's currency."""
    performance_index_method: str | None = None
    """Hour-Based or Cost-Based (model 16); None: Settings'."""
    eac_method: str | None = None
    """Project level or Roll up; None: Settings'."""
    row: int


class Task(Frozen):
    project: str
    task: str
    name: str | None = None
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None
    planned_hours: Decimal | None = None
    cost_type: CostType = CostType.USER_HOURLY
    revenue_type: RevenueType = RevenueType.USER_HOURLY
    hourly_cost: Decimal | None = None
    hourly_rate: Decimal | None = None
    fixed_amount: Decimal | None = None
    role: str | None = None
    status: TaskStatus = TaskStatus.NEW
    overtime_ratio: Decimal | None = None
    """Model 11.2; None: 1 (no multiplier)."""
    actual_completion: dt.date | None = None
    billing_record: str | None = None
    percent_complete: Decimal | None = None
    """Tasks › Percent complete, 0–100 (model 16); None: 100 if Complete, else 0."""
    parent: str | None = None
    """Tasks › Parent task (same project; model 16.1)."""
    row: int

    @property
    def done_percent(self) -> Decimal:
        if self.percent_complete is not None:
            return self.percent_complete
        return Decimal(100) if self.status is TaskStatus.COMPLETE else Decimal(0)


class Assignment(Frozen):
    project: str
    task: str
    user: str | None = None
    role: str | None = None
    location: str | None = None
    planned_hours: Decimal | None = None
    job_role_for_billing: str | None = None
    """Model 17.1: the role a user assignment bills as (User and Role Hourly tasks)."""
    billing_rate: Decimal | None = None
    cost_rate: Decimal | None = None
    rate_currency: str | None = None
    """The currency of `billing_rate` and `cost_rate`; None: the project's (model 13)."""
    billable: bool = True
    """No: no planned revenue, and no revenue for the assignee's lines (model 17.2)."""
    row: int


class BudgetLine(Frozen):
    """A row of the Budgets sheet: budgeted hours of a role (or a user's share of them)
    over a period (model 15)."""

    project: str
    role: str
    user: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    hours: Decimal
    row: int


class HourType(Frozen):
    hour_type: str
    scope: HourScope = HourScope.PROJECT_SPECIFIC
    counts_as_revenue: bool = True
    description: str | None = None
    row: int | None = None
    """None: a built-in type."""


BUILT_IN_HOUR_TYPES: dict[str, HourType] = {
    t.hour_type: t
    for t in (
        HourType(hour_type="Sick Time", scope=HourScope.GENERAL, counts_as_revenue=False),
        HourType(hour_type="Vacation Time", scope=HourScope.GENERAL, counts_as_revenue=False),
        HourType(hour_type="General Overhead", scope=HourScope.GENERAL),
        HourType(hour_type="Project Time"),
        HourType(hour_type="Task Time"),
        HourType(hour_type="Issue Time"),
    )
}
"""Workfront's built-in hour types (finance model 11); Issue Time counts as revenue
[xlfin]."""
TASK_TIME, PROJECT_TIME, ISSUE_TIME = "Task Time", "Project Time", "Issue Time"


class HourLine(NamedTuple):
    """One row of the Hours sheet. A named tuple: a workbook may hold a million of them,
    and making one costs a sixth of a frozen dataclass."""

    entry: str
    project: str
    task: str | None
    user: str
    role: str | None
    date: dt.date
    hours: Decimal
    billable: bool
    billing_record: str | None
    row: int
    hour_type: str | None = None
    """Hours › Hour type as given; None: the default (Task Time, or Project Time on the
    project itself)."""
    approval: HourStatus = HourStatus.SUBMITTED


@dataclass(frozen=True, slots=True)
class Expense:
    expense: str
    project: str
    task: str | None
    expense_type: str | None
    description: str | None
    planned_date: dt.date | None
    planned_amount: Decimal | None
    date_paid: dt.date | None
    actual_amount: Decimal | None
    billable: bool
    reimbursable: bool
    reimbursed: bool
    billing_record: str | None
    row: int
    planned_units: Decimal | None = None
    actual_units: Decimal | None = None
    from_units: str | None = None
    """How the core computed its amounts from units, in words (None: amounts as given)."""


class ExpenseType(Frozen):
    """A custom expense type: its unit and its dated rates per unit (model 12)."""

    expense_type: str
    unit: str | None = None
    rates: tuple[RatePeriod, ...] = ()
    row: int


BUILT_IN_EXPENSE_TYPES = frozenset(
    ("Advertising", "Consulting", "Entertainment", "General", "Materials", "Travel")
)


class BillingRecord(Frozen):
    billing_record: str
    project: str
    description: str | None = None
    status: BillingStatus = BillingStatus.NOT_BILLED
    billing_date: dt.date | None = None
    invoice_id: str | None = None
    po_number: str | None = None
    additional_amount: Decimal = Decimal(0)
    row: int


FILE_IDENTITY_PREFIX = "file:"


def file_identity(name: str) -> str:
    """The identity of a workbook without a Workbook ID: its file name."""
    return f"{FILE_IDENTITY_PREFIX}{name}"


class Workbook(Frozen):
    """Everything read from one input workbook. Dicts are keyed by id, in sheet order."""

    source: str = ""
    settings: Settings = Settings()
    schedules: dict[str, Schedule] = {}
    roles: dict[str, Role] = {}
    users: dict[str, User] = {}
    companies: dict[str, Company] = {}
    rate_cards: dict[str, RateCard] = {}
    projects: dict[str, Project] = {}
    tasks: dict[tuple[str, str], Task] = {}
    assignments: tuple[Assignment, ...] = ()
    hours: tuple[HourLine, ...] = ()
    expenses: tuple[Expense, ...] = ()
    billing_records: dict[str, BillingRecord] = {}
    expense_types: dict[str, ExpenseType] = {}
    """The custom expense types (Expense types sheet)."""
    budgets: tuple[BudgetLine, ...] = ()
    """The Budgets sheet's rows (model 15)."""
    exchange_rates: dict[str, tuple[RatePeriod, ...]] = {}
    """Each currency's dated rates against the base (Exchange rates sheet), by start."""
    currency_decimals: dict[str, int] = {}
    """Decimals of each currency of the Exchange rates sheet (the base: Settings)."""
    currencies: frozenset[str] = frozenset()
    """Every currency the workbook names other than the base (projects, rates, exchange
    rates): empty for a workbook in one currency, whose report has no currency columns."""
    hour_types: dict[str, HourType] = {}
    """The custom hour types (Hour types sheet); the built-in ones are BUILT_IN_HOUR_TYPES."""
    layout: dict[str, dict[str, str]] = {}
    """Sheet name -> field key -> column letter, so computed problems can name a cell."""

    @property
    def identity(self) -> str:
        """Who the workbook is, for the ledger: Settings › Workbook ID, else its file name."""
        return self.settings.workbook_id or file_identity(self.source)
