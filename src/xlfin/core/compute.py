"""Planned and actual cost and revenue of every task, record and project (model sections 2–9).

`compute(workbook)` is the core's entry point: pure, no I/O. Billed records' hour
lines take the frozen amounts given in `frozen` (the ledger supplies them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Context, Decimal, Inexact
from fractions import Fraction
from itertools import chain
from operator import attrgetter, is_not
from typing import NamedTuple

from xlfin.core.calendar import WorkCalendar
from xlfin.core.money import ZERO, Rounder, round_money
from xlfin.core.rates import NO_RATE_SOURCE, RateBook, RateChain, RateLevel, RateSource, Segment
from xlfin.core.results import (
    AssignmentPlan,
    FrozenLine,
    LineResult,
    PlannedSegment,
    ProjectResult,
    RecordResult,
    Results,
    TaskResult,
)
from xlfin.models import (
    DEFAULT_SCHEDULE,
    Assignment,
    BillingRecord,
    BillingStatus,
    CostType,
    Expense,
    HourLine,
    Project,
    RevenueType,
    Task,
    TaskStatus,
    Workbook,
)
from xlfin.problems import (
    ASSIGNMENT_HOURS_MISMATCH,
    BILLING_LINE_NOT_BILLABLE,
    HOURS_BEFORE_PROJECT_START,
    NO_RATE,
    NO_WORKING_DAY,
    RATE_GAP_USED,
    Problem,
    problem_at,
)
from xlfin.schema import SHEETS_BY_NAME, SheetName

# Sums of working days × rates are exact: no rounding at any precision we can meet.
EXACT = Context(prec=200, traps=[Inexact])
ZERO_MONEY = Decimal(0)
NOT_BILLABLE = RateSource(RateLevel.NOT_BILLABLE, None)
FIXED_ONLY = RateSource(RateLevel.FIXED, None)
NO_COST = RateSource(RateLevel.NO_COST, Decimal(0))


def compute(workbook: Workbook, frozen: Mapping[str, FrozenLine] | None = None) -> Results:
    """Every project's results, and the problems found computing them."""
    return _Computation(workbook, frozen or {}).run()


def with_frozen(results: Results, frozen: Mapping[str, FrozenLine]) -> Results | None:
    """What `compute(workbook, frozen)` gives, from the `results` of that workbook computed
    before some lines of `frozen` were frozen from them.

    A line newly frozen keeps its amount (caps included: the lines before it consume the
    same amounts) and takes its frozen source, its marker and today's amount, which is
    its amount before any cap. None when a frozen amount is not the line's amount here,
    or a line frozen before is not frozen the same way now (another build froze or
    reopened meanwhile): compute again then.
    """
    before = results.frozen
    if any(frozen.get(entry) != hit for entry, hit in before.items()):
        return None  # reopened, or frozen at another amount, by another build meanwhile
    newly = {entry: hit for entry, hit in frozen.items() if entry not in before}
    # A frozen line is in its record's lines, the very result that is also in its task's
    # lines: each is replaced by identity, in the records and tasks that hold one.
    marked: dict[int, LineResult] = {}
    touched: set[object] = set()
    for p in results.projects:
        for record in p.records:
            for r in record.lines:
                hit = newly.get(r.line.entry)
                if hit is None:
                    continue
                if r.frozen is not None or hit.revenue != r.revenue:
                    return None
                marked[id(r)] = LineResult(
                    r.line, r.role, r.role_from, r.cost_source, r.cost,
                    hit.source, r.revenue, hit.revenue, hit, r.uncapped,
                )  # fmt: skip
                touched.update(((r.line.project, r.line.task), record.record.billing_record))
    if len(marked) != len(newly):
        return None  # a frozen line that no record of this workbook holds

    replaced = 0

    def lines(results: tuple[LineResult, ...]) -> tuple[LineResult, ...]:
        nonlocal replaced
        new = tuple(map(marked.get, map(id, results), results))
        replaced += sum(map(is_not, new, results))
        return new

    projects = tuple(
        replace(
            p,
            tasks=tuple(
                replace(t, lines=lines(t.lines)) if (t.task.project, t.task.task) in touched else t
                for t in p.tasks
            ),
            project_lines=lines(p.project_lines)
            if (p.project.project, None) in touched
            else p.project_lines,
            records=tuple(
                replace(r, lines=lines(r.lines)) if r.record.billing_record in touched else r
                for r in p.records
            ),
        )
        for p in results.projects
    )
    if replaced != 2 * len(marked):  # each in its record's lines and its task's (or project's)
        return None
    return replace(results, projects=projects, frozen=frozen)


class _Amounts(dict[tuple[Decimal, Decimal], Decimal]):
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


class _Computation:
    def __init__(self, workbook: Workbook, frozen: Mapping[str, FrozenLine]) -> None:
        self.wb = workbook
        self.frozen = frozen
        self.round = Rounder(workbook.settings.decimals)
        self.rates = RateBook(workbook)
        self.problems: list[Problem] = []
        self.calendars: dict[str | None, WorkCalendar] = {}
        self.amounts = _Amounts(self.round)
        self.assignments: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
        for a in workbook.assignments:
            self.assignments[(a.project, a.task)].append(a)
        # Model 5.1: the role of the user's assignment on the task.
        self.assigned_role: dict[tuple[str, str, str], str | None] = {}
        for a in workbook.assignments:
            if a.user is not None:
                key = (a.project, a.task, a.user)
                if self.assigned_role.get(key) is None:
                    self.assigned_role[key] = a.role

    def report(self, code: str, message: str, sheet: str, row: int | None, key: str) -> None:
        self.problems.append(problem_at(code, message, sheet, row, key, self.wb.layout.get(sheet)))

    def calendar(self, project: Project) -> WorkCalendar:
        cal = self.calendars.get(project.schedule)
        if cal is None:
            schedule = self.wb.schedules.get(project.schedule or "", DEFAULT_SCHEDULE)
            cal = self.calendars[project.schedule] = WorkCalendar(schedule)
        return cal

    # -- the run --------------------------------------------------------------------------

    def run(self) -> Results:
        wb = self.wb
        lines_by_task: dict[tuple[str, str | None], list[HourLine]] = defaultdict(list)
        for line in wb.hours:
            lines_by_task[(line.project, line.task)].append(line)
        expenses_by_task: dict[tuple[str, str | None], list[Expense]] = defaultdict(list)
        expenses_by_record: dict[str, list[Expense]] = defaultdict(list)
        for expense in wb.expenses:
            expenses_by_task[(expense.project, expense.task)].append(expense)
            if expense.billing_record is not None:
                expenses_by_record[expense.billing_record].append(expense)
        tasks_by_project: dict[str, list[Task]] = defaultdict(list)
        for task in wb.tasks.values():
            tasks_by_project[task.project].append(task)
        records_by_project: dict[str, list[BillingRecord]] = defaultdict(list)
        for record in wb.billing_records.values():
            records_by_project[record.project].append(record)

        projects = []
        for project in wb.projects.values():
            tasks = tuple(
                self.task(
                    project,
                    task,
                    lines_by_task.get((project.project, task.task), []),
                    expenses_by_task.get((project.project, task.task), []),
                )
                for task in tasks_by_project.get(project.project, [])
            )
            own_lines = tuple(
                self.actual_lines(
                    project,
                    None,
                    sorted(lines_by_task.get((project.project, None), []), key=_date_entry),
                )
            )
            own_expenses = tuple(expenses_by_task.get((project.project, None), []))
            lines_by_record: dict[str, list[LineResult]] = defaultdict(list)
            for r in chain((r for t in tasks for r in t.lines), own_lines):
                if r.line.billing_record is not None:
                    lines_by_record[r.line.billing_record].append(r)
            records = tuple(
                self.record(
                    record,
                    tasks,
                    lines_by_record[record.billing_record],
                    expenses_by_record[record.billing_record],
                )
                for record in records_by_project.get(project.project, [])
            )
            projects.append(self.project(project, tasks, own_lines, own_expenses, records))
        return Results(wb.settings, tuple(projects), tuple(self.problems), self.frozen)

    # -- planned (model section 4) ---------------------------------------------------------

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
    ) -> tuple[tuple[PlannedSegment, ...], Decimal]:
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
        weighted = ZERO
        missing = False
        for seg in segments:
            seg_days = cal.count(seg.first, seg.last) if days else 1
            if seg_days == 0:
                continue
            rate = seg.source.rate
            if rate is None:
                missing = True
            else:
                weighted = EXACT.add(weighted, EXACT.multiply(rate, seg_days))
            result.append(PlannedSegment(seg.first, seg.last, seg_days, seg.source))
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
            plans.append(
                AssignmentPlan(
                    assignment,
                    hours,
                    days,
                    cost,
                    revenue,
                    per_day * Fraction(cost_weight),
                    per_day * Fraction(revenue_weight),
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

    def planned_cost_chain(self, task: Task, assignment: Assignment) -> RateChain | None:
        if task.cost_type is CostType.USER_HOURLY:
            if assignment.user is not None:
                return self.rates.cost_for_user(assignment.user)
            return self.rates.cost_for_role(assignment.role)
        if task.cost_type is CostType.ROLE_HOURLY:
            return self.rates.cost_for_role(self._assignment_role(assignment))
        return None

    def planned_revenue_chain(
        self, project: Project, task: Task, assignment: Assignment
    ) -> RateChain | None:
        kind = task.revenue_type
        location = self._location(assignment)
        if kind.is_user_hourly:
            if assignment.user is not None:
                return self.rates.billing_for_user(project, assignment.user, location)
            return self.rates.billing_for_role(project, assignment.role, location)
        if kind.is_role_hourly:
            return self.rates.billing_for_role(project, self._assignment_role(assignment), location)
        return None

    # -- actual (model section 5) ----------------------------------------------------------

    def line_role(self, line: HourLine, task: Task | None) -> tuple[str | None, str]:
        """Model 5.1: the role an hour line is costed and billed as, and why."""
        if line.role is not None:
            return line.role, "hour line"
        if task is not None:
            assigned = self.assigned_role.get((line.project, task.task, line.user))
            if assigned is not None:
                return assigned, "assignment"
        user = self.wb.users.get(line.user)
        if user is not None and user.primary_role is not None:
            return user.primary_role, "primary role"
        if task is not None and task.role is not None:
            return task.role, "task"
        return None, "none"

    def line_plan(self, project: Project, task: Task | None, line: HourLine) -> _LinePlan:
        """How lines of this user (and role cell) on this task are costed and billed.

        The same for every such line, so computed once per (user, role) and task.
        """
        role, role_from = self.line_role(line, task)
        cost_kind = task.cost_type if task is not None else CostType.USER_HOURLY
        cost: RateChain | RateSource
        if cost_kind is CostType.NO_COST:
            cost, cost_key = NO_COST, "user"
        elif cost_kind is CostType.FIXED_HOURLY:
            cost, cost_key = _task_rate(task, task.hourly_cost), "user"
        elif cost_kind is CostType.ROLE_HOURLY:
            cost, cost_key = self.rates.cost_for_role(role), "role"
        else:
            cost, cost_key = self.rates.cost_for_user(line.user), "user"
        kind = task.revenue_type if task is not None else RevenueType.USER_HOURLY
        revenue: RateChain | RateSource
        revenue_key = "user"
        if kind is RevenueType.NOT_BILLABLE:
            revenue = NOT_BILLABLE
        elif kind is RevenueType.FIXED_REVENUE:
            revenue = FIXED_ONLY
        elif kind is RevenueType.FIXED_HOURLY:
            revenue = _task_rate(task, task.hourly_rate)
        elif kind.is_role_hourly:
            user = self.wb.users.get(line.user)
            revenue = self.rates.billing_for_role(project, role, user.location if user else None)
            revenue_key = "role"
        else:
            revenue = self.rates.billing_for_user(project, line.user)
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
        memo: dict[tuple[str, str | None], _LinePlan] = {}
        amounts, frozen, start = self.amounts, self.frozen, project.planned_start
        results = []
        append = results.append
        for line in lines:
            plan = memo.get((line.user, line.role))
            if plan is None:
                plan = memo[(line.user, line.role)] = self.line_plan(project, task, line)
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
            rate = revenue_source.rate
            revenue = ZERO_MONEY if rate is None else amounts[(line.hours, rate)]
            today = None
            hit = frozen.get(line.entry) if frozen else None
            if hit is not None:  # billed: the amount of the day it was billed, not today's
                today, revenue_source, revenue = revenue, hit.source, hit.revenue
            rate = cost_source.rate
            cost = ZERO_MONEY if rate is None else amounts[(line.hours, rate)]
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
                    revenue, hit, today,
                )
            )  # fmt: skip
        return results

    def capped(self, results: list[LineResult], cap: Decimal) -> list[LineResult]:
        """Model 3: lines consume the cap in (date, entry) order; the crossing line is cut."""
        left = self.round(cap)
        out = []
        for r in results:
            revenue = min(r.uncapped, left)
            left -= revenue
            out.append(r if revenue == r.revenue else r._replace(revenue=revenue))
        return out

    # -- tasks -----------------------------------------------------------------------------

    def task(
        self, project: Project, task: Task, lines: list[HourLine], expenses: list[Expense]
    ) -> TaskResult:
        first = task.planned_start or project.planned_start
        last = task.planned_completion or project.planned_completion
        cal = self.calendar(project)
        days = cal.count(first, last) if first and last else 0
        plans: tuple[AssignmentPlan, ...] = ()
        if first is not None and last is not None and last >= first:
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
        planned_hours = task.planned_hours
        if planned_hours is None:  # then the assignments' own hours are the plan
            planned_hours = sum(
                (
                    a.planned_hours
                    for a in self.assignments.get((project.project, task.task), [])
                    if a.planned_hours is not None
                ),
                ZERO,
            )
        lines = sorted(lines, key=_date_entry)
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
        realized = (
            self.round(fixed)
            if complete and (kind is RevenueType.FIXED_REVENUE or kind.plus_fixed)
            else ZERO
        )
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
            if task.revenue_type is not RevenueType.FIXED_REVENUE:
                why = f"only Fixed Revenue tasks can be, and it is {task.revenue_type.value}"
            elif task.status is not TaskStatus.COMPLETE:
                why = "its fixed revenue is realized only once it is Complete"
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
                    if t.revenue_type is RevenueType.FIXED_REVENUE
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
        all_expenses = [e for t in tasks for e in t.expenses] + list(own_expenses)
        billed = sum((r.total for r in records if r.record.status is BillingStatus.BILLED), ZERO)
        not_billed = sum(
            (r.total for r in records if r.record.status is BillingStatus.NOT_BILLED), ZERO
        )
        loose_lines = sum(
            (r.revenue for t in tasks for r in t.lines if r.line.billing_record is None), ZERO
        )
        loose_lines += sum((r.revenue for r in own_lines if r.line.billing_record is None), ZERO)
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
            planned_revenue=sum((t.planned_revenue for t in tasks), ZERO)
            + self.round(project.fixed_revenue),
            actual_revenue=sum((t.actual_revenue for t in tasks), ZERO)
            + sum((r.revenue for r in own_lines), ZERO),
            billable_expenses=self.expense_sum(
                (e for e in all_expenses if e.billable), planned=False
            ),
            billed=billed,
            unbilled=not_billed + loose_lines + loose_expenses + loose_fixed,
        )


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


_date_entry = attrgetter("date", "entry")
# Sums over a task's lines go through map (no Python frame per line): a million lines.
_line_hours = attrgetter("line.hours")
_line_cost = attrgetter("cost")
_line_revenue = attrgetter("revenue")
"""An hour line's (date, entry): the order in which lines consume a cap."""


def _hours(value: Fraction) -> str:
    return str(round_money(value, 2).normalize())
