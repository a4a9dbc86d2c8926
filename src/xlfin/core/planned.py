"""Planned hours, cost and revenue of a task's assignments (finance model, section 4)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Context, Decimal, Inexact
from fractions import Fraction

# Sums of working days × rates are exact: no rounding at any precision we can meet.
from typing import Any

from xlfin.core.calendar import WorkCalendar
from xlfin.core.currency import Exchange
from xlfin.core.money import ZERO, Rounder, round_money
from xlfin.core.rates import (
    Hierarchy,
    RateBook,
    RateChain,
    RateLevel,
    RateSource,
    Segment,
    source_text,
)
from xlfin.core.results import (
    AssignmentPlan,
    FrozenLine,
    PlannedSegment,
)
from xlfin.models import (
    Assignment,
    CostType,
    Project,
    RatePeriod,
    Task,
    Workbook,
)
from xlfin.problems import (
    ASSIGNMENT_HOURS_MISMATCH,
    EXCHANGE_RATE_MISSING,
    JOB_ROLE_FOR_BILLING_NO_RATE,
    NO_RATE,
)
from xlfin.schema import SheetName

EXACT = Context(prec=200, traps=[Inexact])
"""Sums of working days x rates are exact: no rounding at any precision we can meet."""


class Stage:
    """What every stage of a computation reads: set by `compute.Computation`."""

    wb: Workbook
    frozen: Mapping[str, FrozenLine]
    round: Rounder
    rates: RateBook
    amounts: Any
    assignments: dict[tuple[str, str], list[Assignment]]
    assigned_role: dict[tuple[str, str, str], str | None]
    user_assignment: dict[tuple[str, str, str], Assignment]
    role_only: dict[tuple[str, str], tuple[str, ...]]
    role_set_starts: dict[str, list[date]]
    unassigned_plans: dict[tuple, dict]
    exchange: Exchange
    parents: set[tuple[str, str]]
    budget_lines: dict[str, list]
    frozen_expenses: Mapping[str, Decimal]
    factors: dict[tuple, Fraction | None]
    missing: set[str]

    def report(self, code: str, message: str, sheet: str, row: int | None, key: str) -> None:
        raise NotImplementedError

    def fx(self, source: RateSource | RatePeriod, project: Project, day: date) -> Fraction | None:
        """Model 13: fx(the rate's currency → the project's) on `day`, exact. None when a
        rate is missing: EXCHANGE_RATE_MISSING, once per currency, at the first rate that
        needs it."""
        # Projects in one currency (without rates of their own) share their factors.
        key = (source.currency, project.currency, project.exchange_rate, day)
        try:
            return self.factors[key]
        except KeyError:
            pass
        currency = source.currency or project.currency
        fx = self.factors[key] = self.exchange.factor(currency, project.currency, day, project)
        if fx is None and currency not in self.missing:
            self.missing.add(currency)
            self.report(
                EXCHANGE_RATE_MISSING,
                f"this rate is in {currency}, which has no row on the Exchange rates sheet: "
                f"it cannot be converted to {project.currency} for project {project.project!r}",
                source.sheet or SheetName.PROJECTS,
                source.row,
                "rate_currency" if source.sheet == SheetName.ASSIGNMENTS else "currency",
            )
        return fx

    def calendar(self, project: Project) -> WorkCalendar:
        raise NotImplementedError

    def rounder(self, currency: str) -> Rounder:
        raise NotImplementedError


class Planning(Stage):
    def shares(self, task: Task, assignments: list[Assignment]) -> list[Fraction]:
        """Each assignment's planned hours: its own, else an equal share of what is left."""
        given = [Fraction(a.planned_hours) for a in assignments if a.planned_hours is not None]
        blanks = len(assignments) - len(given)
        total = Fraction(task.planned_hours) if task.planned_hours is not None else sum(given)
        rest = max(Fraction(0), total - sum(given))
        if (
            task.planned_hours is not None
            and assignments
            and ((blanks == 0 and sum(given) != total) or sum(given) > total)
        ):
            self.report(
                ASSIGNMENT_HOURS_MISMATCH,
                f"assignments of task {task.task!r} plan {_hours(sum(given))} h, the "
                f"task plans {task.planned_hours} h; the assignments' hours are used",
                SheetName.TASKS,
                task.row,
                "planned_hours",
            )
        share = rest / blanks if blanks else Fraction(0)
        return [
            Fraction(a.planned_hours) if a.planned_hours is not None else share for a in assignments
        ]

    def spread(
        self,
        chain: RateChain | None,
        first: date,
        last: date,
        days: int,
        cal: WorkCalendar,
        assignment: Assignment,
    ) -> tuple[tuple[PlannedSegment, ...], Decimal | Fraction]:
        """The runs of days with one rate over the task's span, and Σ working days × rate.

        An assignment's planned amount is its hours × that sum / the span's working days:
        the weighted sum of the model's example, computed from period boundaries and
        working-day counts, never day by day.
        """
        if chain is None:
            return (), ZERO
        if days == 0:  # NO_WORKING_DAY: everything on the planned start
            segments: list[Segment] = [Segment(first, first, chain.at(first)[0])]
        else:
            segments = chain.segments(first, last)
        result = []
        weighted: Decimal | Fraction = ZERO
        missing = False
        stopped: RateSource | None = None
        project = self.wb.projects[assignment.project]
        for seg in segments:
            currency = seg.source.currency
            if seg.source.rate is None or currency is None or currency == project.currency:
                pieces: list[tuple[date, date, Fraction | None]] = [(seg.first, seg.last, None)]
            else:  # model 13: each run of days with one exchange factor
                pieces = [
                    (a, b, self.fx(seg.source, project, a))
                    for a, b, _ in self.exchange.pieces(
                        currency, project.currency, seg.first, seg.last, project
                    )
                ]
            for first_day, last_day, factor in pieces:
                seg_days = cal.count(first_day, last_day) if days else 1
                if seg_days == 0:
                    continue
                rate = seg.source.rate
                if rate is None:
                    missing = True
                elif factor is None and type(weighted) is Decimal:
                    weighted = EXACT.add(weighted, EXACT.multiply(rate, seg_days))
                else:  # converted: an exact fraction from here on
                    weighted = Fraction(weighted) + Fraction(rate) * seg_days * (factor or 1)
                result.append(PlannedSegment(first_day, last_day, seg_days, seg.source, factor))
            if seg.source.level is RateLevel.BILLING_ROLE_NO_RATE:
                stopped = seg.source
        if stopped is not None:
            self.report(
                JOB_ROLE_FOR_BILLING_NO_RATE,
                f"{assignment.user!r} is billed as a job role for billing with no rate on some "
                f"planned days of task {assignment.task!r} ({source_text(stopped)}); "
                "those hours are planned at 0",
                SheetName.ASSIGNMENTS,
                assignment.row,
                "job_role_for_billing",
            )
        if missing:
            who = assignment.user or assignment.role
            self.report(
                NO_RATE,
                f"no rate for {who!r} on some planned days of task "
                f"{assignment.task!r}; those hours are planned at 0",
                SheetName.ASSIGNMENTS,
                assignment.row,
                "user" if assignment.user else "role",
            )
        return tuple(result), weighted

    def plan(
        self, project: Project, task: Task, first: date, last: date, days: int, cal: WorkCalendar
    ) -> tuple[AssignmentPlan, ...]:
        assignments = self.assignments.get((project.project, task.task), [])
        plans = []
        for assignment, hours in zip(assignments, self.shares(task, assignments), strict=True):
            cost_chain = self.planned_cost_chain(task, assignment)
            revenue_chain = self.planned_revenue_chain(project, task, assignment)
            cost, cost_weight = self.spread(cost_chain, first, last, days, cal, assignment)
            revenue, revenue_weight = self.spread(revenue_chain, first, last, days, cal, assignment)
            per_day = hours / (days or 1)
            overtime = Fraction(task.overtime_ratio or 1)  # model 11.2: revenue only
            plans.append(
                AssignmentPlan(
                    assignment,
                    hours,
                    days,
                    cost,
                    revenue,
                    per_day * Fraction(cost_weight),
                    per_day * Fraction(revenue_weight) * overtime,
                    overtime,
                )
            )
        return tuple(plans)

    def _assignment_role(self, assignment: Assignment) -> str | None:
        if assignment.role is not None:
            return assignment.role
        user = self.wb.users.get(assignment.user or "")
        return user.primary_role if user else None

    def _location(self, assignment: Assignment) -> str | None:
        if assignment.location is not None:
            return assignment.location
        user = self.wb.users.get(assignment.user or "")
        return user.location if user else None

    def hierarchy(self, project: Project, assignment: Assignment) -> Hierarchy:
        """An assignment, as the User and Role Hourly hierarchy looks its rates up (17.1)."""
        return Hierarchy(
            project,
            assignment.user,
            assignment.role,
            assignment,
            None,
            self._location(assignment),
        )

    def planned_cost_chain(self, task: Task, assignment: Assignment) -> RateChain | None:
        if task.cost_type is CostType.USER_AND_ROLE_HOURLY:
            project = self.wb.projects[task.project]
            return self.rates.hierarchy_cost(self.hierarchy(project, assignment))
        if task.cost_type is CostType.USER_HOURLY:
            if assignment.user is not None:
                return self.rates.cost_for_user(assignment.user, self.wb.projects[task.project])
            return self.rates.cost_for_role(assignment.role)
        if task.cost_type is CostType.ROLE_HOURLY:
            if assignment.role is None and assignment.user is not None:
                return self.rates.for_primary_role(assignment.user, self.rates.cost_for_role)
            return self.rates.cost_for_role(self._assignment_role(assignment))
        return None

    def planned_revenue_chain(
        self, project: Project, task: Task, assignment: Assignment
    ) -> RateChain | None:
        kind = task.revenue_type
        location = self._location(assignment)
        if kind.is_user_and_role_hourly:
            if not assignment.billable:  # model 17.2: no planned revenue
                return None
            return self.rates.hierarchy_billing(self.hierarchy(project, assignment))
        if kind.is_user_hourly:
            if assignment.user is not None:
                return self.rates.billing_for_user(project, assignment.user, location)
            return self.rates.billing_for_role(project, assignment.role, location)
        if kind.is_role_hourly:
            if assignment.role is None and assignment.user is not None:
                return self.rates.for_primary_role(  # the primary role of each day
                    assignment.user,
                    lambda role: self.rates.billing_for_role(project, role, location),
                )
            return self.rates.billing_for_role(project, self._assignment_role(assignment), location)
        return None


def _hours(value: Fraction) -> str:
    return str(round_money(value, 2).normalize())
