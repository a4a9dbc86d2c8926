"""Actual cost and revenue of every hour line: its role, its rates, its amounts, caps
(finance model, sections 3 and 5)."""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from fractions import Fraction

# Sums of working days × rates are exact: no rounding at any precision we can meet.
from typing import NamedTuple

from xlfin.core.money import Rounder
from xlfin.core.planned import Stage
from xlfin.core.rates import (
    NO_RATE_SOURCE,
    Hierarchy,
    RateChain,
    RateLevel,
    RateSource,
    source_text,
)
from xlfin.core.results import (
    LineResult,
)
from xlfin.models import (
    CostType,
    HourLine,
    Project,
    RevenueType,
    Task,
)
from xlfin.problems import (
    HOURS_BEFORE_PROJECT_START,
    JOB_ROLE_FOR_BILLING_NO_RATE,
    NO_RATE,
    RATE_GAP_USED,
)
from xlfin.schema import SheetName

ZERO_MONEY = Decimal(0)
NOT_BILLABLE = RateSource(RateLevel.NOT_BILLABLE, None)
FIXED_ONLY = RateSource(RateLevel.FIXED, None)
NO_COST = RateSource(RateLevel.NO_COST, Decimal(0))


class Amounts(dict[tuple[Decimal, Decimal], Decimal]):
    """hours x rate, rounded, by (hours, rate): lines repeat a few hours and rates, so each
    amount is computed (and held in memory) once, and a known one costs one dict lookup."""

    REMEMBERED = 1 << 16
    """Enough for any real workbook's repeats; one of all-different hours stops filling it."""

    def __init__(self, rounder: Rounder) -> None:
        super().__init__()
        self.round = rounder

    def __missing__(self, key: tuple[Decimal, Decimal]) -> Decimal:
        hours, rate = key
        amount = self.round(hours * rate)
        if len(self) < self.REMEMBERED:
            self[key] = amount
        return amount


class TaskTerms(NamedTuple):
    """What a task says about how its hour lines are costed and billed, read once per task:
    a million lines may fall on ten thousand tasks, logged by a hundred users each.

    For a user with no assignment on the task, the plan depends on the task only through
    these: tasks of one project with equal terms plan such a user's lines alike (the
    Fixed Hourly rates cite their task's row, so such a task's terms are its own)."""

    cost_kind: CostType
    kind: RevenueType
    hierarchy_cost: bool
    """Model 17: the cost follows the User and Role Hourly hierarchy."""
    hierarchy_revenue: bool
    """Model 17: so does the revenue."""
    role_hourly: bool
    fixed_cost: RateSource | None
    """A Fixed Hourly cost: the task's own rate."""
    fixed_revenue: RateSource | None
    """A Fixed Hourly revenue: the task's own rate."""
    role_only: tuple[str, ...]
    """The roles of the task's role-only assignments, in sheet order (model 10.3)."""
    task_role: str | None
    """The role a line without one of its own falls back to: the first role-only
    assignment's, else the task's Role."""


PROJECT_TERMS = TaskTerms(
    CostType.USER_HOURLY, RevenueType.USER_HOURLY, False, False, False, None, None, (), None
)
"""Lines on the project itself: costed and billed per user (model 10.5)."""


class Actuals(Stage):
    def task_terms(self, task: Task) -> TaskTerms:
        """What `task` says about its lines' plans, read once for all of them."""
        cost_kind, kind = task.cost_type, task.revenue_type
        role_only = self.role_only.get((task.project, task.task), ())
        return TaskTerms(
            cost_kind,
            kind,
            cost_kind is CostType.USER_AND_ROLE_HOURLY,
            kind.is_user_and_role_hourly,
            kind.is_role_hourly,
            _task_rate(task, task.hourly_cost) if cost_kind is CostType.FIXED_HOURLY else None,
            _task_rate(task, task.hourly_rate) if kind is RevenueType.FIXED_HOURLY else None,
            role_only,
            role_only[0] if role_only else task.role,
        )

    def line_role(
        self, line: HourLine, task: Task | None, terms: TaskTerms
    ) -> tuple[str | None, str, str | None]:
        """Model 10.3: the role an hour line is costed and billed as, why, and the role its
        revenue falls back to when that role (the user's primary role) has no billing rate
        on the day."""
        if line.role is not None:
            return line.role, "hour line", None
        user = self.wb.users.get(line.user)
        primary, others = user.roles_on(line.date) if user is not None else (None, ())
        if task is None:
            return primary, "primary role", None
        key = (line.project, task.task, line.user)
        if key in self.assigned_role:  # the user's own assignment: its Role, else primary
            return self.assigned_role[key] or primary, "assignment", None
        if terms.role_only:
            mine = {primary, *others} - {None}
            for role in terms.role_only:
                if role in mine:
                    return role, "role-only assignment in the user's roles", None
        task_role = terms.task_role
        if primary is not None:
            return primary, "primary role", task_role
        if task_role is not None:
            return task_role, "task", None
        return None, "none", None

    def line_plan(
        self, project: Project, task: Task | None, line: HourLine, terms: TaskTerms
    ) -> _LinePlan:
        """How lines of this user (and role cell) on this task are costed and billed.

        The same for every such line, so computed once per (user, role) and task.
        """
        role, role_from, fallback = self.line_role(line, task, terms)
        cost: RateChain | RateSource
        revenue: RateChain | RateSource
        user = self.wb.users.get(line.user)
        location = user.location if user else None
        if task is None and line.role is not None:
            # Model 10.5: a line on the project itself with a Role is costed and billed
            # as that role ("the role associated with the hour entry").
            cost = self.rates.cost_for_role(line.role)
            revenue = self.rates.billing_for_role(project, line.role, location)
            return _LinePlan(role, role_from, cost, "role", revenue, "role")
        cost_kind, kind = terms.cost_kind, terms.kind
        who = None
        if task is not None and (terms.hierarchy_cost or terms.hierarchy_revenue):
            # Model 17: the assignee's path (17.1) or, without an assignment, 17.2.
            mine = self.user_assignment.get((project.project, task.task, line.user))
            where = mine.location if mine is not None and mine.location else location
            who = Hierarchy(project, line.user, None, mine, line.role, where)
        if who is not None and terms.hierarchy_cost:
            cost, cost_key = self.rates.hierarchy_cost(who), "user"
        elif terms.fixed_cost is not None:
            cost, cost_key = terms.fixed_cost, "user"
        elif cost_kind is CostType.NO_COST:
            cost, cost_key = NO_COST, "user"
        elif cost_kind is CostType.ROLE_HOURLY:
            cost, cost_key = self.rates.cost_for_role(role), "role"
        else:
            cost, cost_key = self.rates.cost_for_user(line.user, project), "user"
        revenue_key = "user"
        if who is not None and terms.hierarchy_revenue:
            billable = who.assignment is None or who.assignment.billable
            revenue = self.rates.hierarchy_billing(who) if billable else NOT_BILLABLE
        elif terms.fixed_revenue is not None:
            revenue = terms.fixed_revenue
        elif kind is RevenueType.NOT_BILLABLE:
            revenue = NOT_BILLABLE
        elif kind is RevenueType.FIXED_REVENUE:
            revenue = FIXED_ONLY
        elif terms.role_hourly:
            if fallback is not None and fallback != role:  # the primary role gives way
                revenue = self.rates.billing_for_roles(project, (role, fallback), location)
            else:
                revenue = self.rates.billing_for_role(project, role, location)
            revenue_key = "role"
        else:
            # Model 10.4: the user's rate, their primary role's, else (only on a task with
            # a role-only assignment) the rate of the first such assignment's role.
            first = terms.role_only[0] if terms.role_only else None
            revenue = self.rates.billing_for_user(project, line.user, fallback_role=first)
        return _LinePlan(role, role_from, cost, cost_key, revenue, revenue_key)

    def rate_problem(self, source: RateSource, line: HourLine, key: str, what: str) -> None:
        """NO_RATE or RATE_GAP_USED for an hour line's resolved rate."""
        if source.rate is None:
            self.report(
                NO_RATE,
                f"no {what} for entry {line.entry!r} on {line.date}; its amount is 0",
                SheetName.HOURS,
                line.row,
                key,
            )
        else:
            self.report(
                RATE_GAP_USED,
                f"{line.date} falls in a gap between rate periods; "
                f"the {what} came from the {source.level.value} level",
                SheetName.HOURS,
                line.row,
                "date",
            )

    def actual_lines(
        self, project: Project, task: Task | None, lines: list[HourLine]
    ) -> list[LineResult]:
        """Every hour line's cost and revenue, each rounded (model 9); no cap yet."""
        memo: dict[tuple[str, str | None, int], _LinePlan] = {}
        amounts, frozen, start = self.amounts, self.frozen, project.planned_start
        currency = project.currency
        dated = self.role_set_starts
        results = []
        append = results.append
        # A user with no assignment on the task is planned as on any task of the project
        # that plans alike: lines logged by many users, on many tasks, share their plans.
        shared: dict | None = None
        assigned = self.assigned_role
        terms = PROJECT_TERMS if task is None else self.task_terms(task)
        if task is not None:
            shared = self.unassigned_plans.setdefault((project.project, terms), {})
        for line in lines:
            # A plan per user and Role cell — and role set, for the few users whose roles
            # change on a date (model 10.3).
            starts = dated.get(line.user) if dated else None
            which = 0 if starts is None else bisect_right(starts, line.date)
            key = (line.user, line.role, which)
            plan = memo.get(key)
            if plan is None:
                if shared is None or (line.project, task.task, line.user) in assigned:
                    plan = self.line_plan(project, task, line, terms)
                else:
                    plan = shared.get(key)
                    if plan is None:
                        plan = shared[key] = self.line_plan(project, task, line, terms)
                memo[key] = plan
            cost_source = plan.cost
            if type(cost_source) is RateChain:
                cost_source, gap = cost_source.at(line.date)
                if gap or cost_source.rate is None:
                    self.rate_problem(cost_source, line, plan.cost_key, "cost rate")
            revenue_source = plan.revenue if line.billable else NOT_BILLABLE
            if type(revenue_source) is RateChain:
                revenue_source, gap = revenue_source.at(line.date)
                if gap or revenue_source.rate is None:
                    self.rate_problem(revenue_source, line, plan.revenue_key, "billing rate")
                elif revenue_source.level is RateLevel.BILLING_ROLE_NO_RATE:
                    self.report(
                        JOB_ROLE_FOR_BILLING_NO_RATE,
                        f"entry {line.entry!r} is billed as a job role for billing with no "
                        f"rate on {line.date} ({source_text(revenue_source)}); its revenue is 0",
                        SheetName.HOURS,
                        line.row,
                        "role" if line.role else "user",
                    )
            rate = revenue_source.rate
            revenue_fx = cost_fx = None
            if rate is None:
                revenue = ZERO_MONEY
            elif revenue_source.currency is None or revenue_source.currency == currency:
                revenue = amounts[(line.hours, rate)]
            else:  # model 13: hours × rate × fx of the line's date, rounded once
                revenue, revenue_fx = self.converted(line, revenue_source, project)
            today = None
            hit = frozen.get(line.entry) if frozen else None
            if hit is not None:  # billed: the amount of the day it was billed, not today's
                today, revenue_source, revenue = revenue, hit.source, hit.revenue
                revenue_fx = hit.factor
            rate = cost_source.rate
            if rate is None:
                cost = ZERO_MONEY
            elif cost_source.currency is None or cost_source.currency == currency:
                cost = amounts[(line.hours, rate)]
            else:
                cost, cost_fx = self.converted(line, cost_source, project)
            if start is not None and line.date < start:
                self.report(
                    HOURS_BEFORE_PROJECT_START,
                    f"entry {line.entry!r} on {line.date} is before project "
                    f"{project.project!r} starts ({start}); the first rate period applies",
                    SheetName.HOURS,
                    line.row,
                    "date",
                )
            append(
                LineResult(
                    line, plan.role, plan.role_from, cost_source, cost, revenue_source, revenue,
                    revenue, hit, today, cost_fx, revenue_fx,
                )
            )  # fmt: skip
        return results

    def converted(
        self, line: HourLine, source: RateSource, project: Project
    ) -> tuple[Decimal, Fraction | None]:
        """Model 13: an hour line's amount at a rate in another currency than its project's,
        hours × rate × fx(rate's currency → project's, line's date), rounded once."""
        fx = self.fx(source, project, line.date)
        if fx is None:
            return ZERO_MONEY, None
        # Lines repeat a few hours, rates and factors (one per date): each amount is made
        # once, in integers (hours × rate × fx, rounded half away from zero).
        key = (line.hours, source.rate, id(fx))
        amount = self.converted_amounts.get(key)
        if amount is None:
            an, ad = (line.hours * source.rate).as_integer_ratio()
            scale = 10**self.round.decimals
            whole, rest = divmod(an * fx.numerator * scale, ad * fx.denominator)
            if 2 * rest >= ad * fx.denominator:
                whole += 1
            amount = Decimal(whole).scaleb(-self.round.decimals)
            if len(self.converted_amounts) < Amounts.REMEMBERED:
                self.converted_amounts[key] = amount
        return amount, fx

    def capped(self, results: list[LineResult], cap: Decimal) -> list[LineResult]:
        """Model 3 and 7: a billed (frozen) line keeps the amount it was billed at, and uses
        that much of the cap; the other lines consume what is left in (date, entry) order,
        at today's rates, and the line that crosses it is cut."""
        left = max(self.round(cap) - sum((r.revenue for r in results if r.frozen), ZERO_MONEY),
                   ZERO_MONEY)  # fmt: skip
        out = []
        for r in results:
            if r.frozen is not None:  # billed: never re-cut
                out.append(r)
                continue
            revenue = min(r.uncapped, left)
            left -= revenue
            out.append(r if revenue == r.revenue else r._replace(revenue=revenue))
        return out


class _LinePlan(NamedTuple):
    role: str | None
    role_from: str
    cost: RateChain | RateSource
    cost_key: str
    revenue: RateChain | RateSource
    revenue_key: str


def _task_rate(task: Task, rate: Decimal | None) -> RateSource:
    """A Fixed Hourly task's own rate (its blank is reported once per task)."""
    if rate is None:
        return NO_RATE_SOURCE
    return RateSource(RateLevel.TASK_HOURLY, rate, SheetName.TASKS, task.row)
