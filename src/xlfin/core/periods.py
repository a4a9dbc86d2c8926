"""Time-phased figures (finance model, section 14): each project's planned and actual
hours, cost and revenue, billed revenue and work in progress, bucket by bucket.

The atomic bucket is Workfront's allocation period: one starts on every Sunday and on
every first day of a month. Weeks are those buckets; months, quarters and years are unions
of them, so weeks add up to months exactly. A task's planned amounts are exact sums over
its assignment-days in each bucket, rounded by largest remainder so that its buckets add up
to its rounded total; everything else (hour lines, expenses, fixed amounts, records) is
already rounded and falls whole in the bucket of its date (model 14.3).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate
from math import lcm

from xlfin.core.calendar import WorkCalendar
from xlfin.core.money import round_money
from xlfin.core.results import AssignmentPlan, LineResult, ProjectResult, TaskResult
from xlfin.core.rollup import may_bill_now
from xlfin.models import BillingStatus, CostType, Expense, RevenueType, TaskStatus
from xlfin.schema import ProjectStatus

ZERO = Decimal(0)


class Period(StrEnum):
    """Settings › Period: the buckets of the By period sheet."""

    WEEK = "Week"
    MONTH = "Month"
    QUARTER = "Quarter"
    YEAR = "Year"


def _next_start(day: date, period: Period) -> date:
    """The first day of the bucket after the one that starts on `day`."""
    if period is Period.WEEK:  # the next Sunday or first of a month, whichever is first
        sunday = day + timedelta(days=7 - (day.weekday() + 1) % 7)
        first = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return min(sunday, first)
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def bucket_start(day: date, period: Period) -> date:
    """The first day of the bucket holding `day`."""
    if period is Period.WEEK:
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        return max(sunday, day.replace(day=1))
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def buckets(first: date, last: date, period: Period) -> list[tuple[date, date]]:
    """The buckets from the one holding `first` to the one holding `last`: (first day, last
    day) each."""
    out = []
    start = bucket_start(first, period)
    while start <= last:
        following = _next_start(start, period)
        out.append((start, following - timedelta(days=1)))
        start = following
    return out


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """One project's figures in one bucket, in its currency."""

    first: date
    last: date
    planned_hours: Decimal = ZERO
    planned_labor_cost: Decimal = ZERO
    planned_expenses: Decimal = ZERO
    planned_revenue: Decimal = ZERO
    actual_hours: Decimal = ZERO
    actual_labor_cost: Decimal = ZERO
    actual_expenses: Decimal = ZERO
    actual_revenue: Decimal = ZERO
    billed: Decimal = ZERO
    """Totals of the Billed records whose Billing date falls in the bucket."""
    budgeted_hours: Decimal = ZERO
    budgeted_labor_cost: Decimal = ZERO
    budgeted_labor_revenue: Decimal = ZERO
    """The Budgets sheet's role rows, spread like assignments (model 15 on 14)."""
    wip: Decimal = ZERO
    """Work in progress at the bucket's last day: earned, billable, not yet billed then."""

    @property
    def planned_cost(self) -> Decimal:
        return self.planned_labor_cost + self.planned_expenses

    @property
    def actual_cost(self) -> Decimal:
        return self.actual_labor_cost + self.actual_expenses

    @property
    def cost_variance(self) -> Decimal:
        """Planned − actual cost: positive is good (model 14.1)."""
        return self.planned_cost - self.actual_cost

    @property
    def revenue_variance(self) -> Decimal:
        """Actual − planned revenue: positive is good."""
        return self.actual_revenue - self.planned_revenue


FIELDS = (
    "planned_hours",
    "planned_labor_cost",
    "planned_expenses",
    "planned_revenue",
    "actual_hours",
    "actual_labor_cost",
    "actual_expenses",
    "actual_revenue",
    "billed",
    "budgeted_hours",
    "budgeted_labor_cost",
    "budgeted_labor_revenue",
)


class _Buckets:
    """The buckets of one project: sums per field, and the bisection that finds a day's."""

    def __init__(self, spans: list[tuple[date, date]]) -> None:
        self.spans = spans
        self.starts = [a for a, _ in spans]
        self.sums = {name: [ZERO] * len(spans) for name in FIELDS}
        self.index: dict[date, int] = {}
        self.full: list[int] | None = None

    def of(self, day: date) -> int:
        i = self.index.get(day)
        if i is None:
            i = self.index[day] = max(0, bisect_right(self.starts, day) - 1)
        return i

    def add(self, name: str, day: date, amount: Decimal) -> None:
        if amount:
            self.sums[name][self.of(day)] += amount

    def add_lines(self, results: Sequence[LineResult]) -> None:
        """Model 14.1: the lines' actual hours, labor cost and revenue by bucket."""
        of, sums = self.of, self.sums
        hours, cost, revenue = (
            sums["actual_hours"],
            sums["actual_labor_cost"],
            sums["actual_revenue"],
        )
        for r in results:
            i = of(r.line.date)
            hours[i] += r.line.hours
            cost[i] += r.cost
            revenue[i] += r.revenue

    def counts(
        self, first: date, last: date, cal: WorkCalendar, days: int
    ) -> list[tuple[int, int]]:
        """(bucket, working days in it) of the days from `first` to `last` (no working day
        in the whole span, `days` 0: one day, on `first`, as the planned hours are)."""
        if days == 0:
            return [(self.of(first), 1)]
        full = self.working(cal)
        spans = self.spans
        lo, hi = self.of(first), self.of(last)
        out = []
        for i in range(lo, hi + 1):
            if lo < i < hi:  # a bucket inside the run: all its working days
                count = full[i]
            else:
                a, b = spans[i]
                count = cal.count(max(a, first), min(b, last))
            if count:
                out.append((i, count))
        return out

    def working(self, cal: WorkCalendar) -> list[int]:
        """Each bucket's working days (one calendar per project: made once)."""
        if self.full is None:
            self.full = [cal.count(a, b) for a, b in self.spans]
        return self.full

    def add_sparse(self, name: str, amounts: dict[int, Decimal]) -> None:
        column = self.sums[name]
        for i, amount in amounts.items():
            column[i] += amount


def project_periods(
    p: ProjectResult, cal: WorkCalendar, period: Period, decimals: int, as_of: date
) -> tuple[PeriodFigures, ...]:
    """Model 14: the project's figures per bucket; they add up to its totals exactly.

    Everything is computed in Workfront's atomic buckets (weeks cut at the first of a
    month), rounded there, and months, quarters and years are their sums: weeks add up to
    months exactly, and the planned amounts of a period are those of its weeks."""
    project = p.project
    dates = _dates(p, as_of)
    if not dates:
        return ()
    b = _Buckets(buckets(min(dates), max(dates), Period.WEEK))
    start = project.planned_start or min(dates)
    for t in p.tasks:
        _task_planned(b, t, cal, decimals)
        task_start = t.first_day or start
        for e in t.expenses:
            _expense(b, e, task_start, decimals)
        b.add_lines(t.lines)
        if t.fixed_realized:
            b.add("actual_revenue", _done(t.task.actual_completion, t.last_day, start),
                  t.fixed_realized)  # fmt: skip
    b.add_lines(p.project_lines)
    for e in p.project_expenses:
        _expense(b, e, start, decimals)
    b.add("planned_labor_cost", start, p.fixed_cost)  # model 14.3: planned and actual
    b.add("actual_labor_cost", start, p.fixed_cost)  # from the planned start
    finish = project.planned_completion or start
    b.add("planned_revenue", finish, p.fixed_revenue)
    if project.status is ProjectStatus.COMPLETE:  # its Fixed revenue is realized (10.2)
        b.add("actual_revenue", _done(project.actual_completion, finish, start), p.fixed_revenue)
    for rec in p.records:
        if rec.record.status is BillingStatus.BILLED:
            b.add("billed", rec.record.billing_date or as_of, rec.total)
    for line in p.budget.phased if p.budget is not None else ():
        for name, pieces, total, places in (
            ("budgeted_hours", line.hours_pieces, line.hours,
             max(2, -int(line.hours.as_tuple().exponent))),
            ("budgeted_labor_cost", line.cost_pieces, line.cost, decimals),
            ("budgeted_labor_revenue", line.revenue_pieces, line.revenue, decimals),
        ):  # fmt: skip
            exact = _Terms()
            for first, last, per_day, days in pieces:
                pn, pd = _ratio(per_day)
                for i, count in b.counts(first, last, cal, days):
                    exact.add(i, pn * count, pd)
            b.add_sparse(name, largest_remainder_of(*exact.resolved(), total, places))
    wip = _wip(b, p, as_of, decimals)
    # Months, quarters or years: runs of consecutive weeks, summed column by column;
    # work in progress at the last week's end.
    groups: list[tuple[date, int, int]] = []
    for k, (a, _) in enumerate(b.spans):
        first = a if period is Period.WEEK else bucket_start(a, period)
        if groups and groups[-1][0] == first:
            groups[-1] = (first, groups[-1][1], k + 1)
        else:
            groups.append((first, k, k + 1))
    columns = [b.sums[name] for name in FIELDS]
    out = []
    for first, lo, hi in groups:
        last = b.spans[lo][1] if period is Period.WEEK else (
            _next_start(first, period) - timedelta(days=1)
        )  # fmt: skip
        sums = [sum(column[lo:hi], ZERO) for column in columns]
        out.append(PeriodFigures(first, last, *sums, wip=wip[hi - 1]))
    return tuple(out)


def _dates(p: ProjectResult, as_of: date) -> list[date]:
    """Every date at which something of the project falls."""
    project = p.project
    found = [d for d in (project.planned_start, project.planned_completion) if d]
    if p.budget is not None:
        found += [x for line in p.budget.phased for x in (line.hours_pieces[0][0],
                  line.hours_pieces[0][1])]  # fmt: skip
    if project.actual_completion:
        found.append(project.actual_completion)
    for t in p.tasks:
        found += [d for d in (t.first_day, t.last_day, t.task.actual_completion) if d]
        found += [r.line.date for r in t.lines[:1]] + [r.line.date for r in t.lines[-1:]]
        found += _expense_dates(t.expenses)
    found += [min((r.line.date for r in p.project_lines), default=None)]
    found += [max((r.line.date for r in p.project_lines), default=None)]
    found += _expense_dates(p.project_expenses)
    for rec in p.records:
        if rec.record.status is BillingStatus.BILLED:
            found.append(rec.record.billing_date or as_of)
    return [d for d in found if d is not None]


def _expense_dates(expenses: Iterable[Expense]) -> list[date]:
    return [d for e in expenses for d in (e.planned_date, e.date_paid) if d]


def _done(completion: date | None, planned: date | None, start: date) -> date:
    """Where a realized fixed amount falls: its Actual completion, else its planned one."""
    return completion or planned or start


def _expense(b: _Buckets, e: Expense, start: date, decimals: int) -> None:
    planned_day = e.planned_date or start
    if e.planned_amount is not None:
        b.add("planned_expenses", planned_day, round_money(e.planned_amount, decimals))
    if e.actual_amount is not None:
        b.add("actual_expenses", e.date_paid or planned_day,
              round_money(e.actual_amount, decimals))  # fmt: skip


class _Terms:
    """Exact amounts by bucket, as integer fractions (numerator, denominator) added up over
    one common denominator at the end: a task's planned amounts without a Fraction object
    per bucket (a workbook may plan thousands of tasks over hundreds of weeks)."""

    __slots__ = ("terms",)

    def __init__(self) -> None:
        self.terms: list[tuple[int, int, int]] = []

    def add(self, i: int, numerator: int, denominator: int) -> None:
        if numerator:
            self.terms.append((i, numerator, denominator))

    def scaled(self, factor: tuple[int, int]) -> _Terms:
        """Every amount × `factor` (a rate per hour, as numerator and denominator)."""
        out = _Terms()
        n, d = factor
        if n:
            out.terms = [(i, a * n, b * d) for i, a, b in self.terms]
        return out

    def resolved(self) -> tuple[dict[int, int], int]:
        """(numerator by bucket, the common denominator)."""
        common = lcm(*{d for _, _, d in self.terms}) if self.terms else 1
        out: dict[int, int] = {}
        for i, n, d in self.terms:
            out[i] = out.get(i, 0) + n * (common // d)
        return out, common


def _ratio(value: Decimal | Fraction | int) -> tuple[int, int]:
    return value.as_integer_ratio()


def _task_planned(b: _Buckets, t: TaskResult, cal: WorkCalendar, decimals: int) -> None:
    """Model 14.2: a task's planned hours, labor cost and revenue by bucket, each rounded
    by largest remainder to the task's rounded total."""
    task = t.task
    if t.first_day is None or t.last_day is None or t.last_day < t.first_day:
        # No span: the whole plan falls on the day the task has, if any.
        day = t.first_day or t.last_day
        if day is None:
            return
        for name, total in (
            ("planned_hours", t.planned_hours),
            ("planned_labor_cost", t.planned_labor_cost),
            ("planned_revenue", t.planned_revenue),
        ):
            b.add(name, day, total)
        return
    first, last, days = t.first_day, t.last_day, t.working_days
    hn, hd = _ratio(t.planned_hours)
    hours = _Terms()
    for i, count in b.counts(first, last, cal, days):
        hours.add(i, hn * count, hd * (days or 1))
    if task.cost_type is CostType.FIXED_HOURLY:
        labor = hours.scaled(_ratio(task.hourly_cost or 0))
    elif task.cost_type is CostType.NO_COST:
        labor = _Terms()
    else:
        labor = _plans(b, t.plans, cal, revenue=False)
    kind = task.revenue_type
    fixed = _Terms()
    if task.fixed_amount is not None:
        fixed.add(b.of(last), *_ratio(task.fixed_amount))
    cap = None
    if kind is RevenueType.FIXED_HOURLY:
        revenue = hours.scaled(_ratio(task.hourly_rate or 0))
    elif kind is RevenueType.FIXED_REVENUE:
        revenue = fixed
    elif kind is RevenueType.NOT_BILLABLE:
        revenue = _Terms()
    else:
        revenue = _plans(b, t.plans, cal, revenue=True)
        if kind.plus_fixed:
            revenue.terms += fixed.terms
        elif kind.with_cap and task.fixed_amount is not None:
            cap = task.fixed_amount
    hour_places = max(2, -int(t.planned_hours.as_tuple().exponent))
    for name, exact, total, places, limit in (
        ("planned_hours", hours, t.planned_hours, hour_places, None),
        ("planned_labor_cost", labor, t.planned_labor_cost, decimals, None),
        ("planned_revenue", revenue, t.planned_revenue, decimals, cap),
    ):
        numerators, common = exact.resolved()
        if limit is not None:
            numerators, common = _capped(numerators, common, limit)
        b.add_sparse(name, largest_remainder_of(numerators, common, total, places))


def _plans(
    b: _Buckets, plans: Sequence[AssignmentPlan], cal: WorkCalendar, revenue: bool
) -> _Terms:
    """The exact planned revenue (or cost) of a task's assignments by bucket: each run of
    days with one rate and factor, spread over its working days (model 4 and 13). Working
    days × rate are summed per bucket in decimals (exact), then × the plan's hours per day
    once per bucket; converted runs are terms of their own."""
    out = _Terms()
    for plan in plans:
        hn, hd = _ratio(plan.hours)
        if revenue and plan.overtime != 1:
            on, od = _ratio(plan.overtime)
            hn, hd = hn * on, hd * od
        hd *= plan.days or 1
        plain: dict[int, Decimal] = {}
        for s in plan.revenue if revenue else plan.cost:
            rate = s.source.rate
            if not rate:
                continue
            if s.factor is None:
                for i, count in b.counts(s.first, s.last, cal, plan.days):
                    plain[i] = plain.get(i, ZERO) + rate * count
                continue
            rn, rd = _ratio(rate)
            fn, fd = _ratio(s.factor)
            for i, count in b.counts(s.first, s.last, cal, plan.days):
                out.add(i, hn * rn * fn * count, hd * rd * fd)
        for i, weight in plain.items():
            wn, wd = _ratio(weight)
            out.add(i, hn * wn, hd * wd)
    return out


def _capped(numerators: dict[int, int], common: int, cap: Decimal) -> tuple[dict[int, int], int]:
    """Model 14.2: buckets consume a cap in date order; the one that crosses it is cut."""
    cn, cd = _ratio(cap)
    scale = lcm(common, cd)
    left = cn * (scale // cd)
    out = {}
    for i in sorted(numerators):
        amount = numerators[i] * (scale // common)
        take = min(amount, max(left, 0))
        out[i] = take
        left -= take
    return out, scale


def largest_remainder_of(
    numerators: dict[int, int], common: int, total: Decimal, decimals: int
) -> dict[int, Decimal]:
    """Model 14.2's largest remainder over amounts `numerators[i] / common` (one
    denominator, so remainders compare as integers; ties: the earlier bucket first)."""
    scale = 10**decimals
    floors, remainders = {}, []
    for i in sorted(numerators):
        whole, rest = divmod(numerators[i] * scale, common)
        floors[i] = whole
        remainders.append((-rest, i))
    tn, td = _ratio(total)
    missing = tn * scale // td - sum(floors.values())
    if missing > 0:
        for _, i in sorted(remainders)[:missing]:
            floors[i] += 1
    return {i: Decimal(f).scaleb(-decimals) for i, f in floors.items()}


def _wip(b: _Buckets, p: ProjectResult, as_of: date, decimals: int) -> list[Decimal]:
    """Model 14.4: at each bucket's last day, the billable items earned by then that no
    record Billed by then holds (Not Billed records' items are work in progress)."""
    n = len(b.spans)
    delta = [ZERO] * (n + 1)

    def item(earned: date, billed: date | None, amount: Decimal) -> None:
        if not amount:
            return
        i = b.of(earned)
        delta[i] += amount
        if billed is not None:  # billed: no longer in progress from its bucket on
            delta[max(i, b.of(billed))] -= amount

    start = p.project.planned_start or b.spans[0][0]
    in_record = {}
    for rec in p.records:
        billed = None
        if rec.record.status is BillingStatus.BILLED:
            billed = rec.record.billing_date or as_of
        in_record[rec.record.billing_record] = billed
        for r in rec.lines:
            item(r.line.date, billed, r.revenue)
        for e in rec.expenses:
            if e.billable and e.actual_amount:
                item(e.date_paid or e.planned_date or start, billed, _amount(e, decimals))
        for task in rec.fixed_tasks:
            t = next(x for x in p.tasks if x.task is task)
            if t.fixed_realized and task.status is TaskStatus.COMPLETE:
                item(_done(task.actual_completion, t.last_day, start), billed, t.fixed_realized)
    for t in p.tasks:
        for r in t.lines:
            if r.line.billing_record is None and may_bill_now(r.line, p.project):
                item(r.line.date, None, r.revenue)
        task_start = t.first_day or start
        for e in t.expenses:
            if e.billable and e.billing_record is None and e.actual_amount:
                item(e.date_paid or e.planned_date or task_start, None, _amount(e, decimals))
        if t.task.billing_record is None and t.fixed_realized:
            item(_done(t.task.actual_completion, t.last_day, start), None, t.fixed_realized)
    for r in p.project_lines:
        if r.line.billing_record is None and may_bill_now(r.line, p.project):
            item(r.line.date, None, r.revenue)
    for e in p.project_expenses:
        if e.billable and e.billing_record is None and e.actual_amount:
            item(e.date_paid or e.planned_date or start, None, _amount(e, decimals))
    return list(accumulate(delta[:n]))


def _amount(e: Expense, decimals: int) -> Decimal:
    """An expense's actual amount as the project's totals count it: rounded."""
    return round_money(e.actual_amount or 0, decimals)
