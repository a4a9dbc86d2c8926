"""Budgets (finance model, section 15): budgeted hours by role, priced day by day at the
role's cost and billing rates, the budgeted cost, and how much of a project's Budget is
burnt."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from xlfin.core.money import round_money
from xlfin.core.planned import Stage
from xlfin.core.rates import RateChain, Segment
from xlfin.core.results import ProjectResult
from xlfin.models import BudgetLine, Project
from xlfin.problems import (
    BUDGET_EXCEEDED,
    BUDGET_THRESHOLD,
    BUDGET_USERS_EXCEED_ROLE,
    BUDGETED_HOURS_EXCEEDED,
    NO_RATE,
    PLANNED_OVER_BUDGET,
)
from xlfin.schema import SheetName

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class UserBudget:
    """A user's share of a role's budget: informational, never added to the project."""

    user: str
    hours: Decimal
    cost: Decimal
    row: int


@dataclass(frozen=True, slots=True)
class PhasedLine:
    """A role row of the Budgets sheet as runs of days, each with its amount per working
    day and the row's working days (0: all on its first day), and its rounded totals."""

    hours: Decimal
    cost: Decimal
    revenue: Decimal
    hours_pieces: tuple[tuple[date, date, Fraction, int], ...]
    cost_pieces: tuple[tuple[date, date, Fraction, int], ...]
    revenue_pieces: tuple[tuple[date, date, Fraction, int], ...]


@dataclass(frozen=True, slots=True)
class RoleBudget:
    role: str
    hours: Decimal
    cost: Decimal
    revenue: Decimal
    actual_hours: Decimal
    users: tuple[UserBudget, ...] = ()


@dataclass(frozen=True, slots=True)
class BudgetResult:
    """A project's budget and its burn (model 15), in the project's currency. Percentages
    are percent (75.00), None when their denominator is 0 or blank."""

    budget: Decimal | None
    hours: Decimal
    labor_cost: Decimal
    labor_revenue: Decimal
    expense_cost: Decimal
    cost: Decimal
    """Budgeted cost = budgeted labor cost + budgeted expense cost + Fixed cost."""
    used_pct: Decimal | None
    remaining: Decimal | None
    planned_over: Decimal | None
    hours_used_pct: Decimal | None
    labor_used_pct: Decimal | None
    hours_variance: Decimal
    cost_variance: Decimal
    revenue_variance: Decimal
    roles: tuple[RoleBudget, ...] = ()
    phased: tuple[PhasedLine, ...] = ()
    """The role rows, as the time-phased figures spread them (model 15 on 14)."""


def percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """part / whole in percent, to 2 decimals (half away from zero); None without a whole."""
    if not whole:
        return None
    return round_money(Fraction(part) / Fraction(whole) * 100, 2)


class Budgeting(Stage):
    def project_budget(self, p: ProjectResult) -> BudgetResult | None:
        project = p.project
        lines = self.budget_lines.get(project.project, [])
        if project.budget is None and not lines:
            return None
        cal = self.calendar(project)
        actual_by_role: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
        for r in (*(r for t in p.tasks for r in t.lines), *p.project_lines):
            actual_by_role[r.role] += r.line.hours
        roles: dict[str, dict] = {}
        users: dict[str, list[UserBudget]] = defaultdict(list)
        phased: list[PhasedLine] = []
        for line in lines:
            first = line.start or project.planned_start
            last = line.end or project.planned_completion
            if line.user is None:
                cost_pieces: list = []
                revenue_pieces: list = []
                cost = self.priced(self.rates.cost_for_role(line.role), line, first, last, cal,
                                   project, "cost rate", cost_pieces)  # fmt: skip
                revenue = self.priced(self.rates.billing_for_role(project, line.role, None), line,
                                      first, last, cal, project, "billing rate",
                                      revenue_pieces)  # fmt: skip
                if first is not None or last is not None:
                    a, z = first or last, last or first
                    days = cal.count(a, z) if a <= z else 0
                    spread = ((a, max(a, z), Fraction(line.hours) / (days or 1), days),)
                    phased.append(
                        PhasedLine(line.hours, cost, revenue, spread, tuple(cost_pieces),
                                   tuple(revenue_pieces))
                    )  # fmt: skip
                entry = roles.setdefault(line.role, {"hours": ZERO, "cost": ZERO,
                                                     "revenue": ZERO})  # fmt: skip
                entry["hours"] += line.hours
                entry["cost"] += cost
                entry["revenue"] += revenue
            else:
                cost = self.priced(self.rates.cost_for_user(line.user, project), line, first, last,
                                   cal, project, "cost rate")  # fmt: skip
                users[line.role].append(UserBudget(line.user, line.hours, cost, line.row))
        for role, shares in users.items():
            budgeted = roles.get(role, {}).get("hours", ZERO)
            if sum((u.hours for u in shares), ZERO) > budgeted:
                self.report(
                    BUDGET_USERS_EXCEED_ROLE,
                    f"the users' budgeted hours for {role} on {project.project!r} "
                    f"({sum((u.hours for u in shares), ZERO)} h) are more than the role's "
                    f"({budgeted} h)",
                    SheetName.BUDGETS,
                    shares[0].row,
                    "budgeted_hours",
                )
        role_budgets = tuple(
            RoleBudget(
                role,
                e["hours"],
                e["cost"],
                e["revenue"],
                actual_by_role[role],
                tuple(users.get(role, ())),
            )
            for role, e in roles.items()
        ) + tuple(
            RoleBudget(role, ZERO, ZERO, ZERO, actual_by_role[role], tuple(shares))
            for role, shares in users.items()
            if role not in roles
        )
        hours = sum((r.hours for r in role_budgets), ZERO)
        labor = sum((r.cost for r in role_budgets), ZERO)
        revenue = sum((r.revenue for r in role_budgets), ZERO)
        cost = labor + p.planned_expenses + p.fixed_cost
        budget = self.round(project.budget) if project.budget is not None else None
        actual_labor = p.actual_cost - p.actual_expenses - p.fixed_cost
        result = BudgetResult(
            budget=budget,
            hours=hours,
            labor_cost=labor,
            labor_revenue=revenue,
            expense_cost=p.planned_expenses,
            cost=cost,
            used_pct=percent(p.actual_cost, budget),
            remaining=None if budget is None else budget - p.actual_cost,
            planned_over=None if budget is None else p.planned_cost - budget,
            hours_used_pct=percent(p.actual_hours, hours),
            labor_used_pct=percent(actual_labor, labor),
            hours_variance=hours - p.actual_hours,
            cost_variance=cost - p.actual_cost,
            revenue_variance=p.actual_revenue - revenue,
            roles=role_budgets,
            phased=tuple(phased),
        )
        self.budget_warnings(p, result, lines)
        return result

    def budget_warnings(self, p: ProjectResult, b: BudgetResult, lines: list[BudgetLine]) -> None:
        project = p.project
        name = project.project

        def warn(code: str, message: str) -> None:
            self.report(code, message, SheetName.PROJECTS, project.row, "budget")

        if b.budget is not None:
            if p.actual_cost > b.budget:
                warn(BUDGET_EXCEEDED, f"the actual cost of project {name!r}, {p.actual_cost}, "
                     f"is over its Budget {b.budget}")  # fmt: skip
            elif b.used_pct is not None and b.used_pct >= self.wb.settings.budget_warning:
                warn(BUDGET_THRESHOLD, f"project {name!r} has used {b.used_pct} % of its "
                     f"Budget (warning at {self.wb.settings.budget_warning} %)")  # fmt: skip
            if p.planned_cost > b.budget:
                warn(PLANNED_OVER_BUDGET, f"the planned cost of project {name!r}, "
                     f"{p.planned_cost}, is over its Budget {b.budget}")  # fmt: skip
        over = [(name, p.actual_hours, b.hours, lines[0].row if lines else None)]
        for role in b.roles:
            if role.hours:
                row = next(x.row for x in lines if x.role == role.role and x.user is None)
                over.append((f"{role.role} on {name}", role.actual_hours, role.hours, row))
        for what, actual, budgeted, row in over:
            if row is not None and actual > budgeted:
                self.report(BUDGETED_HOURS_EXCEEDED, f"{what!r} has {actual} actual hours, "
                            f"{budgeted} budgeted", SheetName.BUDGETS, row,
                            "budgeted_hours")  # fmt: skip

    def priced(
        self,
        chain: RateChain,
        line: BudgetLine,
        first: date | None,
        last: date | None,
        cal,  # type: ignore[no-untyped-def]
        project: Project,
        what: str,
        pieces: list[tuple[date, date, Fraction, int]] | None = None,
    ) -> Decimal:
        """Model 15: a budget line's hours spread evenly over the working days of its period,
        each day at its rate (and exchange factor), rounded once; no rate: 0 and NO_RATE.
        `pieces`, if given, gets each run of days with its amount per working day (and the
        period's working days), for the time-phased figures."""
        if first is None or last is None or last < first:
            first = last = first or last
        if first is None or last is None:
            return ZERO
        days = cal.count(first, last)
        per_day = Fraction(line.hours) / (days or 1)
        segments = chain.segments(first, last) if days else [
            Segment(first, first, chain.at(first)[0])
        ]  # fmt: skip
        total, missing = Fraction(0), False
        for seg in segments:
            count = cal.count(seg.first, seg.last) if days else 1
            if not count:
                continue
            if seg.source.rate is None:
                missing = True
                continue
            currency = seg.source.currency
            if currency is None or currency == project.currency:
                total += per_day * count * Fraction(seg.source.rate)
                if pieces is not None:
                    pieces.append((seg.first, seg.last, per_day * Fraction(seg.source.rate), days))
                continue
            for a, b, _ in self.exchange.pieces(currency, project.currency, seg.first,
                                                seg.last, project):  # fmt: skip
                n = cal.count(a, b) if days else 1
                fx = self.fx(seg.source, project, a) or Fraction(0)
                total += per_day * n * Fraction(seg.source.rate) * fx
                if pieces is not None:
                    pieces.append((a, b, per_day * Fraction(seg.source.rate) * fx, days))
        if missing and line.hours:
            self.report(
                NO_RATE,
                f"no {what} for {line.user or line.role!r} on some budgeted days; those hours "
                "are budgeted at 0",
                SheetName.BUDGETS,
                line.row,
                "user" if line.user else "role",
            )
        return self.round(total)
