"""Performance indexes (finance model, section 16): BCWP, BCWS, CPI, SPI, CSI and EAC of
every task and project, hour- or cost-based, with parents rolled up from their subtasks.

Everything here is computed from the results the roll-up gives (each task's own figures)
and the tasks' Percent complete and Parent task. Indexes are exact fractions, shown rounded
to 2 decimals and used unrounded; money BCWP/BCWS and EAC are rounded per task, and sums
add the shown amounts (16.5).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from xlfin.core.calendar import WorkCalendar
from xlfin.core.money import round_money
from xlfin.core.results import ProjectResult, TaskResult
from xlfin.models import Expense

HOUR_BASED, COST_BASED = "Hour-Based", "Cost-Based"
PROJECT_LEVEL, ROLL_UP = "Project level", "Roll up"
ZERO = Decimal(0)
ONE = Fraction(1)


@dataclass(frozen=True, slots=True)
class Indexes:
    """A task's (rolled up) or a project's performance figures."""

    method: str
    """Hour-Based or Cost-Based."""
    bcwp_hours: Decimal
    bcws_hours: Decimal
    bcwp: Decimal
    """Money BCWP: planned labor cost × percent complete (rounded per task)."""
    bcws: Decimal
    cpi: Fraction
    cpi_labor: Fraction
    spi: Fraction
    eac: Decimal
    """In hours (Hour-Based, to 0.01 h) or money (Cost-Based)."""

    @property
    def csi(self) -> Fraction:
        return self.cpi * self.spi


@dataclass
class _Rolled:
    """A task and its descendants' figures (own + Σ children's)."""

    planned_hours: Fraction
    planned_labor: Decimal
    actual_hours: Decimal
    actual_labor: Decimal
    expenses: list[Expense]
    bcwp_hours: Fraction
    bcws_hours: Fraction
    bcwp: Decimal
    bcws: Decimal
    eac_sum: Decimal
    """Σ of the direct children's EAC (Roll up); the leaf's own EAC for a leaf."""


def shown(index: Fraction) -> Decimal:
    """An index as it is shown: 2 decimals, half away from zero."""
    return round_money(index, 2)


def performance(
    p: ProjectResult,
    cal: WorkCalendar,
    as_of: date,
    decimals: int,
    method: str,
    eac_method: str,
) -> tuple[dict[str, Indexes], Indexes]:
    """Every task's indexes (by task id; a parent's over its subtree) and the project's."""
    tasks = {t.task.task: t for t in p.tasks}
    children: dict[str | None, list[TaskResult]] = {}
    for t in p.tasks:
        children.setdefault(t.task.parent, []).append(t)
    out: dict[str, Indexes] = {}
    rolled: dict[str, _Rolled] = {}

    def visit(t: TaskResult) -> _Rolled:
        kids = [visit(c) for c in children.get(t.task.task, [])]
        if kids:  # a parent: its BCWP and BCWS are its children's (16.2)
            bcwp_h = sum((k.bcwp_hours for k in kids), Fraction(0))
            bcws_h = sum((k.bcws_hours for k in kids), Fraction(0))
            bcwp = sum((k.bcwp for k in kids), ZERO)
            bcws = sum((k.bcws for k in kids), ZERO)
        else:
            done = Fraction(t.task.done_percent) / 100
            scheduled = _scheduled(t, cal, as_of)
            bcwp_h = Fraction(t.planned_hours) * done
            bcws_h = Fraction(t.planned_hours) * scheduled
            bcwp = round_money(Fraction(t.planned_labor_cost) * done, decimals)
            bcws = round_money(Fraction(t.planned_labor_cost) * scheduled, decimals)
        r = _Rolled(
            planned_hours=Fraction(t.planned_hours) + sum((k.planned_hours for k in kids), 0),
            planned_labor=t.planned_labor_cost + sum((k.planned_labor for k in kids), ZERO),
            actual_hours=t.actual_hours + sum((k.actual_hours for k in kids), ZERO),
            actual_labor=t.actual_labor_cost + sum((k.actual_labor for k in kids), ZERO),
            expenses=list(t.expenses) + [e for k in kids for e in k.expenses],
            bcwp_hours=bcwp_h,
            bcws_hours=bcws_h,
            bcwp=bcwp,
            bcws=bcws,
            eac_sum=sum((k.eac_sum for k in kids), ZERO),
        )
        own = _indexes(r, method, decimals, ZERO)
        if kids and eac_method == ROLL_UP:
            own = _with_eac(own, r.eac_sum)
        r.eac_sum = own.eac
        out[t.task.task] = own
        rolled[t.task.task] = r
        return r

    top = [visit(t) for t in children.get(None, []) if t.task.task in tasks]
    project_lines = p.project_lines
    r = _Rolled(
        planned_hours=sum((k.planned_hours for k in top), Fraction(0)),
        planned_labor=sum((k.planned_labor for k in top), ZERO),
        actual_hours=sum((k.actual_hours for k in top), ZERO)
        + sum((x.line.hours for x in project_lines), ZERO),
        actual_labor=sum((k.actual_labor for k in top), ZERO)
        + sum((x.cost for x in project_lines), ZERO),
        expenses=[e for k in top for e in k.expenses] + list(p.project_expenses),
        bcwp_hours=sum((k.bcwp_hours for k in top), Fraction(0)),
        bcws_hours=sum((k.bcws_hours for k in top), Fraction(0)),
        bcwp=sum((k.bcwp for k in top), ZERO),
        bcws=sum((k.bcws for k in top), ZERO),
        eac_sum=sum((k.eac_sum for k in top), ZERO),
    )
    project = _indexes(r, method, decimals, p.fixed_cost)
    if eac_method == ROLL_UP:
        project = _with_eac(project, r.eac_sum)
    return out, project


def _scheduled(t: TaskResult, cal: WorkCalendar, as_of: date) -> Fraction:
    """Model 16.2: the task's planned percent complete on the As of date — the working days
    of its span on or before it, over all of them (before the span 0, after it 1)."""
    first, last = t.first_day, t.last_day
    if first is None or last is None or as_of < first:
        return Fraction(0)
    if as_of >= last:
        return ONE
    total = t.working_days
    if total == 0:
        return ONE  # every planned hour is on the planned start, which has passed
    return Fraction(cal.count(first, as_of), total)


def _incurred(expenses: list[Expense], decimals: int) -> tuple[Decimal, Decimal, Decimal]:
    """(incurred actual, incurred planned, not incurred planned) expense (16.3), each
    amount as shown."""
    actual = planned = not_incurred = ZERO
    for e in expenses:
        spent = round_money(e.actual_amount or 0, decimals)
        budget = round_money(e.planned_amount or 0, decimals)
        if spent > 0:
            actual += spent
            planned += budget
        else:
            not_incurred += budget
    return actual, planned, not_incurred


def _indexes(r: _Rolled, method: str, decimals: int, fixed_cost: Decimal) -> Indexes:
    hours = Fraction(r.actual_hours)
    cpi_hours = r.bcwp_hours / hours if hours > 0 else ONE
    labor = Fraction(r.actual_labor)
    cpi_labor = Fraction(r.bcwp) / labor if labor != 0 else ONE
    spi = r.bcwp_hours / r.bcws_hours if r.bcws_hours > 0 else ONE
    if method == COST_BASED:
        actual, planned, not_incurred = _incurred(r.expenses, decimals)
        denominator = labor + Fraction(actual)
        cpi = (Fraction(r.bcwp) + Fraction(planned)) / denominator if denominator else cpi_labor
        if cpi_labor != 0:
            eac_labor = round_money(Fraction(r.planned_labor) / cpi_labor, decimals)
        else:
            eac_labor = r.planned_labor + r.actual_labor
        eac = eac_labor + actual + not_incurred + fixed_cost
    else:
        cpi = cpi_hours
        if cpi != 0:
            eac = round_money(r.planned_hours / cpi, 2)
        else:
            eac = round_money(r.planned_hours + hours, 2)
    return Indexes(
        method=method,
        bcwp_hours=round_money(r.bcwp_hours, 6).normalize(),
        bcws_hours=round_money(r.bcws_hours, 6).normalize(),
        bcwp=r.bcwp,
        bcws=r.bcws,
        cpi=cpi,
        cpi_labor=cpi_labor,
        spi=spi,
        eac=eac,
    )


def _with_eac(x: Indexes, eac: Decimal) -> Indexes:
    return replace(x, eac=eac)
