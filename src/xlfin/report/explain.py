"""`xlfin explain`: how each amount of a task or an hour line was computed, in words.

The text follows docs/calculations.md: the rate on each date and where it came from
(level and sheet row), the hours, the multiplication, and the rounding.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from xlfin.core.currency import factor_text
from xlfin.core.money import as_decimal, exact_text, hours_text, round_money
from xlfin.core.performance import shown
from xlfin.core.rates import RateSource
from xlfin.core.results import AssignmentPlan, LineResult, ProjectResult, Results, TaskResult
from xlfin.models import CostType, ProjectStatus, RevenueType, TaskStatus
from xlfin.schema import column_name


class NotFound(LookupError):
    """The project, task or entry asked for is not in the workbook."""


def _money(amount: Decimal | Fraction, decimals: int) -> str:
    return f"{round_money(amount, decimals):,.{decimals}f}"


def _source(source: RateSource) -> str:
    where = f", {source.sheet} row {source.row}" if source.sheet else ""
    return f"{source.level.value}{where}"


def _rates(source: RateSource) -> str:
    """`, GBP → EUR`: which way a factor converted."""
    return f", {source.currency} → the project's currency" if source.currency else ""


def _exact(amount: Fraction) -> str:
    """An exact amount, with up to 6 decimals and an ellipsis when it goes on."""
    shown = as_decimal(amount, 6)
    return f"{shown:f}" + ("…" if Fraction(shown) != amount else "")


def find_project(results: Results, project: str) -> ProjectResult:
    for p in results.projects:
        if p.project.project == project:
            return p
    known = ", ".join(p.project.project for p in results.projects) or "none"
    raise NotFound(f"project {project!r} is not in the workbook (projects: {known})")


def explain_line(r: LineResult, decimals: int) -> list[str]:
    line = r.line
    lines = [
        f"Entry {line.entry} (Hours row {line.row}): {hours_text(line.hours)} h by {line.user} on "
        f"{line.date}" + (f", task {line.task}" if line.task else ", on the project itself"),
        f"  role: {r.role or 'none'} (from the {r.role_from})",
    ]
    if line.hour_type is not None:  # model 11.1
        revenue = "counts as revenue" if line.billable else "adds cost only, no revenue"
        lines.append(f"  hour type: {line.hour_type} ({revenue})")
    for what, source, amount, factor in (
        ("cost", r.cost_source, r.cost, r.cost_factor),
        ("revenue", r.revenue_source, r.revenue, r.revenue_factor),
    ):
        if source.rate is None:
            lines.append(f"  {what}: {_source(source)} -> {_money(amount, decimals)}")
            continue
        exact: Decimal | Fraction = line.hours * source.rate
        shown = exact_text(exact)
        rate = exact_text(source.rate)
        if factor is not None:  # model 13: converted on the line's date, rounded once
            rate += f" {source.currency}"
            exact = Fraction(exact) * factor
            shown = f"{shown} × {factor_text(factor)} (exchange factor{_rates(source)}) = "
            shown += _exact(exact)
        lines.append(
            f"  {what}: {hours_text(line.hours)} h × {rate}/h "
            f"({_source(source)}) = {shown}"
            f" -> rounded to {decimals} decimals: {_money(exact, decimals)}"
        )
    if r.revenue != r.uncapped:
        lines.append(
            f"  cap: the task's cap leaves {_money(r.revenue, decimals)} of "
            f"{_money(r.uncapped, decimals)} for this line (lines use the cap in "
            "date order)"
        )
    if r.frozen is not None:
        lines.append(
            f"  frozen: billed on {r.frozen.billing_date}; the revenue is the amount "
            "recorded then, whatever today's rates say"
        )
    return lines


def _plan_lines(plan: AssignmentPlan, t: TaskResult, decimals: int) -> list[str]:
    a = plan.assignment
    who = " as ".join(x for x in (a.user, a.role) if x)
    given = "given" if a.planned_hours is not None else "equal share"
    out = [f"  Assignment (Assignments row {a.row}) {who}: {_exact(plan.hours)} h ({given})"]
    for what, segments, total, amount, says in (
        ("revenue", plan.revenue, plan.planned_revenue, plan.revenue_amount, plan.overtime_text()),
        ("cost", plan.cost, plan.planned_cost, plan.segment_amount, ""),
    ):
        for s in segments:
            rate = "no rate" if s.source.rate is None else f"{s.source.rate}/h"
            if s.factor is not None:  # model 13: the factor of these days
                rate = f"{s.source.rate} {s.source.currency}/h × {factor_text(s.factor)}"
            out.append(
                f"    {what} {s.first} to {s.last}: {s.working_days} of {t.working_days}"
                f" working days -> {_exact(plan.segment_hours(s))} h × {rate}{says} "
                f"({_source(s.source)}) = {_exact(amount(s))}"
            )
        if segments:
            out.append(f"    {what} of this assignment: {_exact(total)}")
    return out


def explain_task(t: TaskResult, decimals: int) -> list[str]:
    task = t.task
    kind = task.revenue_type
    out = [
        f"Task {task.project}/{task.task}"
        + (f" {task.name!r}" if task.name else "")
        + f" (Tasks row {task.row})",
        f"  cost type {task.cost_type.value}; revenue type {kind.value}; status "
        f"{task.status.value}"
        + (
            f"; fixed amount {_money(task.fixed_amount, decimals)}"
            if task.fixed_amount is not None
            else ""
        ),
    ]
    if t.first_day and t.last_day:
        out.append(f"  span {t.first_day} to {t.last_day}: {t.working_days} working days")
    out.append("Planned")
    if task.cost_type is CostType.FIXED_HOURLY or kind is RevenueType.FIXED_HOURLY:
        out.append(
            f"  planned hours {t.planned_hours} × the task's hourly cost "
            f"{task.hourly_cost} / hourly rate {task.hourly_rate}"
        )
    for plan in t.plans:
        out += _plan_lines(plan, t, decimals)
    if not t.plans and kind.per_hour:
        out.append("  no assignment: no planned hourly revenue")
    for e in t.expenses:  # model 12: amounts computed from units, and the billable split
        if e.from_units:
            out.append(f"  expense {e.expense} (Expenses row {e.row}) from units: {e.from_units}")
    out.append(
        f"  planned labor cost {_money(t.planned_labor_cost, decimals)} + planned "
        f"expenses {_money(t.planned_expenses, decimals)} = planned cost "
        f"{_money(t.planned_cost, decimals)}"
    )
    if t.expenses:
        out.append(
            f"  planned expenses {_money(t.planned_expenses, decimals)} = billable "
            f"{_money(t.planned_billable_expenses, decimals)} + not billable "
            f"{_money(t.planned_expenses - t.planned_billable_expenses, decimals)}"
        )
    if kind.with_cap:
        out.append("  revenue is capped at the fixed amount")
    if kind.plus_fixed:
        out.append("  revenue adds the fixed amount")
    out.append(f"  planned revenue (exact sum, rounded once) {_money(t.planned_revenue, decimals)}")
    out.append("Actual")
    for r in t.lines:
        out += ["  " + x for x in explain_line(r, decimals)]
    out.append(
        f"  actual labor cost {_money(t.actual_labor_cost, decimals)} (sum of the "
        f"lines) + actual expenses {_money(t.actual_expenses, decimals)} = actual cost "
        f"{_money(t.actual_cost, decimals)}"
    )
    fixed = ""
    if kind is RevenueType.FIXED_REVENUE or kind.plus_fixed:
        state = "Complete" if task.status is TaskStatus.COMPLETE else "not Complete yet"
        fixed = f" + fixed {_money(t.fixed_realized, decimals)} ({state})"
    out.append(
        f"  actual revenue {_money(t.actual_hourly_revenue, decimals)} (sum of the "
        f"lines){fixed} = {_money(t.actual_revenue, decimals)}"
    )
    if t.indexes is not None:
        out += explain_indexes(t.indexes, decimals, f"{task.done_percent} % complete")
    return out


def explain_indexes(x, decimals: int, done: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Model 16: BCWP, BCWS, CPI, SPI, CSI and EAC, and what each is made of."""
    hours = x.method == "Hour-Based"
    eac = f"{x.eac} h" if hours else _money(x.eac, decimals)
    cpi = "BCWP h / actual hours" if hours else (
        "(BCWP + incurred planned expense) / (actual labor cost + incurred actual expense)"
    )  # fmt: skip
    if hours:
        over = "planned hours / CPI" if x.cpi else "planned + actual hours (CPI is 0)"
    else:
        labor = "planned labor cost / CPI labor" if x.cpi_labor else (
            "planned + actual labor cost (CPI labor is 0)"
        )  # fmt: skip
        over = f"{labor} + incurred actual + not incurred planned expense"
    return [
        f"Performance ({x.method}; {done}; a parent's figures are its subtasks')",
        f"  BCWP {hours_text(x.bcwp_hours)} h, {_money(x.bcwp, decimals)}; BCWS "
        f"{hours_text(x.bcws_hours)} h, {_money(x.bcws, decimals)} (planned share on the As of "
        "date)",
        f"  CPI {shown(x.cpi)} = {cpi}; SPI {shown(x.spi)} = BCWP h / BCWS h; CSI "
        f"{shown(x.csi)} = CPI × SPI (each used unrounded)",
        f"  EAC {eac} = {over}",
    ]


def explain_period(results: Results, project: str, day: date) -> list[str]:
    """Model 14: the project's bucket holding `day`, and where its figures come from."""
    p = find_project(results, project)
    decimals = results.currency_decimals.get(p.currency, results.settings.decimals)
    x = next((b for b in p.periods if b.first <= day <= b.last), None)
    if x is None:
        raise NotFound(f"project {project!r} has nothing in the period holding {day}")
    m = lambda amount: _money(amount, decimals)  # noqa: E731
    lines = [r for t in p.tasks for r in t.lines if x.first <= r.line.date <= x.last]
    lines += [r for r in p.project_lines if x.first <= r.line.date <= x.last]
    billed = [r for r in p.records if r.record.status.value == "Billed" and x.first <= (
        r.record.billing_date or results.as_of or x.first) <= x.last]  # fmt: skip
    names = ", ".join(r.record.billing_record for r in billed) or "no record"
    return [
        f"Project {p.project.project}, {results.settings.period.lower()} {x.first} to {x.last}",
        f"  planned: {hours_text(x.planned_hours)} h, cost {m(x.planned_cost)}, revenue "
        f"{m(x.planned_revenue)} — each task's assignment-days in it, at each day's rate, "
        "rounded by largest remainder so that its periods add up to its total",
        f"  actual: {len(lines)} hour lines dated in it, {hours_text(x.actual_hours)} h, labor "
        f"cost {m(x.actual_labor_cost)}, revenue {m(x.actual_revenue)} (with any fixed "
        f"revenue completed in it); expenses {m(x.actual_expenses)} (by Date paid)",
        f"  variances: cost {m(x.cost_variance)} (planned − actual), revenue "
        f"{m(x.revenue_variance)} (actual − planned)",
        f"  billed: {m(x.billed)} ({names} by Billing date)",
        f"  work in progress at {x.last}: {m(x.wip)} — billable work earned by then that no "
        "record billed by then holds",
    ]


def explain(
    results: Results, project: str, task: str | None = None, entry: str | None = None
) -> list[str]:
    """The explanation of a task, of an hour line, or (neither given) of a project's tasks."""
    p = find_project(results, project)
    decimals = results.currency_decimals.get(p.currency, results.settings.decimals)
    if entry is not None:
        for r in [*(x for t in p.tasks for x in t.lines), *p.project_lines]:
            if r.line.entry == entry:
                return explain_line(r, decimals)
        raise NotFound(f"entry {entry!r} is not an hour line of project {project!r}")
    tasks = p.tasks
    if task is not None:
        tasks = tuple(t for t in p.tasks if t.task.task == task)
        if not tasks:
            known = ", ".join(t.task.task for t in p.tasks) or "none"
            raise NotFound(f"task {task!r} is not in project {project!r} (tasks: {known})")
    out: list[str] = []
    for t in tasks:
        out += [*explain_task(t, decimals), ""]
    if task is None:
        for r in p.project_lines:
            out += explain_line(r, decimals)
        out += ["", *explain_project(p, decimals)]
        if p.indexes is not None:
            out += explain_indexes(p.indexes, decimals, "the project: its top-level tasks")
        if p.budget is not None:
            out += explain_budget(p.budget, p, decimals)
        if p.to_base != 1:
            out += explain_base(p, results)
    return out


def explain_budget(b, p: ProjectResult, decimals: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Model 15: the budgeted cost and the burn of the Budget."""
    m = lambda amount: "blank" if amount is None else _money(amount, decimals)  # noqa: E731
    out = [column_name("budget")]
    for r in b.roles:
        out.append(
            f"  {r.role}: {hours_text(r.hours)} h budgeted, cost {m(r.cost)}, revenue "
            f"{m(r.revenue)} (each working day at its rate); {hours_text(r.actual_hours)} h "
            "actual"
        )
    out += [
        f"  budgeted cost {m(b.cost)} = labor {m(b.labor_cost)} + expenses "
        f"{m(b.expense_cost)} + fixed cost {m(p.fixed_cost)}",
        f"  Budget {m(b.budget)}: used {b.used_pct if b.used_pct is not None else 'blank'} % "
        f"(actual cost {m(p.actual_cost)}), remaining {m(b.remaining)}, planned over budget "
        f"{m(b.planned_over)}",
    ]
    return out


def explain_base(p: ProjectResult, results: Results) -> list[str]:
    """Model 13, across projects: the project's figures in the base currency at the As of
    date, each × fx and rounded once."""
    base, places = results.settings.currency, results.settings.decimals
    out = [
        f"  in {base} as of {results.as_of} (× {factor_text(p.to_base)}, {p.currency} → {base}, "
        "each figure rounded once):"
    ]
    for name, amount in (
        ("planned revenue", p.planned_revenue),
        ("actual revenue", p.actual_revenue),
        ("planned cost", p.planned_cost),
        ("actual cost", p.actual_cost),
    ):
        out.append(
            f"    {name} {exact_text(amount)} {p.currency} × {factor_text(p.to_base)} = "
            f"{_money(p.in_base(amount), places)} {base}"
        )
    return out


def explain_project(p: ProjectResult, decimals: int) -> list[str]:
    """The project's totals from its tasks, its own lines and expenses, and its own fixed
    amounts (model 8 and 10.2: its Fixed revenue is actual revenue once it is Complete)."""
    project = p.project

    def m(amount: Decimal) -> str:
        return _money(amount, decimals)

    tasks_planned = sum((t.planned_revenue for t in p.tasks), Decimal(0))
    tasks_actual = sum((t.actual_revenue for t in p.tasks), Decimal(0))
    tasks_cost = sum((t.planned_cost for t in p.tasks), Decimal(0))
    own_lines = sum((r.revenue for r in p.project_lines), Decimal(0))
    own_expenses = p.planned_cost - tasks_cost - p.fixed_cost
    complete = project.status is ProjectStatus.COMPLETE
    if complete:
        when = project.actual_completion or project.planned_completion
        state = f"Complete{f' on {when}' if when else ''}: realized"
    else:
        state = f"{project.status.value}: realized only once Complete"
    return [
        f"Project {project.project} (Projects row {project.row}), status {project.status.value}",
        f"  planned revenue: tasks {m(tasks_planned)} + fixed revenue {m(p.fixed_revenue)} = "
        f"{m(p.planned_revenue)}",
        f"  actual revenue: tasks {m(tasks_actual)} + hours on the project itself "
        f"{m(own_lines)} + fixed revenue {m(p.fixed_revenue if complete else Decimal(0))} "
        f"({state}) = {m(p.actual_revenue)}",
        f"  planned cost: tasks {m(tasks_cost)} + expenses on the project itself "
        f"{m(own_expenses)} + fixed cost {m(p.fixed_cost)} = {m(p.planned_cost)}",
        f"  actual expenses {m(p.actual_expenses)} = billable {m(p.actual_billable_expenses)} "
        f"+ not billable {m(p.actual_expenses - p.actual_billable_expenses)}",
    ]
