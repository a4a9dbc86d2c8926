"""Planned and actual cost and revenue of every task, record and project (model sections 2–9).

`compute(workbook)` is the core's entry point: pure, no I/O. Billed records' hour
lines take the frozen amounts given in `frozen` (the ledger supplies them). A computation
is three stages, one module each: `planned` (assignments spread over their task's working
days), `actual` (each hour line's role, rates and amounts) and `rollup` (tasks, billing
records and projects); rates come from `rates`, the one rate hierarchy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import chain
from operator import is_not

from xlfin.core.actual import Actuals, Amounts
from xlfin.core.budgets import Budgeting
from xlfin.core.calendar import WorkCalendar
from xlfin.core.currency import Exchange
from xlfin.core.money import MONEY, Rounder
from xlfin.core.performance import performance
from xlfin.core.periods import Period, project_periods
from xlfin.core.planned import Planning
from xlfin.core.rates import RateBook
from xlfin.core.results import (
    FrozenLine,
    LineResult,
    Results,
)
from xlfin.core.rollup import DATE_ENTRY, Rollup
from xlfin.models import (
    DEFAULT_SCHEDULE,
    Assignment,
    BillingRecord,
    BillingStatus,
    Expense,
    HourLine,
    Project,
    Task,
    Workbook,
)
from xlfin.problems import (
    BILLING_DATE_MISSING,
    Problem,
    problem_at,
)
from xlfin.schema import SheetName


def compute(
    workbook: Workbook,
    frozen: Mapping[str, FrozenLine] | None = None,
    as_of: date | None = None,
    frozen_expenses: Mapping[str, Decimal] | None = None,
    periods: bool = True,
) -> Results:
    """Every project's results, and the problems found computing them. `as_of`: the date
    totals over projects are converted to the base currency at (default: Settings › As of
    date, else today); `frozen_expenses`: the billed amounts of expenses priced from units;
    `periods`: whether to compute the time-phased figures (model 14)."""
    when = as_of or workbook.settings.as_of_date or date.today()
    with localcontext(MONEY):  # exact at every size the contract admits
        computation = Computation(workbook, frozen or {}, when, frozen_expenses or {})
        computation.with_periods = periods
        return computation.run()


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
                    r.cost_factor, hit.factor,
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


class Computation(Planning, Actuals, Rollup, Budgeting):
    """One computation of one workbook: its state, and the run that puts the stages together."""

    def __init__(
        self,
        workbook: Workbook,
        frozen: Mapping[str, FrozenLine],
        as_of: date,
        frozen_expenses: Mapping[str, Decimal],
    ) -> None:
        self.wb = workbook
        self.frozen = frozen
        self.as_of = as_of
        self.frozen_expenses = frozen_expenses
        self.with_periods = True
        # Model 16.1: the tasks that have subtasks.
        self.parents = {(t.project, t.parent) for t in workbook.tasks.values() if t.parent}
        self.budget_lines = defaultdict(list)
        for line in workbook.budgets:
            self.budget_lines[line.project].append(line)
        self.exchange = Exchange(workbook)
        self.factors = {}
        self.missing = set()
        self.rounders: dict[str, tuple[Rounder, Amounts]] = {}
        self.use_currency(workbook.settings.currency)
        self.rates = RateBook(workbook)
        self.problems: list[Problem] = []
        self.calendars: dict[str | None, WorkCalendar] = {}
        self.assignments: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
        for a in workbook.assignments:
            self.assignments[(a.project, a.task)].append(a)
        # Model 10.3: the first days of each dated role set, for the users that have some.
        self.role_set_starts: dict[str, list[date]] = {
            u.user: [s.start for s in u.role_sets] for u in workbook.users.values() if u.role_sets
        }
        # Plans of users with no assignment on their task, shared by the tasks of a
        # project with the same terms (`actual.TaskTerms`).
        self.unassigned_plans: dict[tuple, dict] = {}
        # Model 5.1: the role of the user's assignment on the task.
        self.assigned_role: dict[tuple[str, str, str], str | None] = {}
        # Model 17: the user's first assignment on the task gives its rates.
        self.user_assignment: dict[tuple[str, str, str], Assignment] = {}
        # Model 10.3: the roles of each task's role-only assignments, in sheet order.
        self.role_only: dict[tuple[str, str], tuple[str, ...]] = {
            key: roles
            for key, assigned in self.assignments.items()
            if (roles := tuple(a.role for a in assigned if a.user is None and a.role))
        }
        for a in workbook.assignments:
            if a.user is not None:
                key = (a.project, a.task, a.user)
                self.user_assignment.setdefault(key, a)
                if self.assigned_role.get(key) is None:
                    self.assigned_role[key] = a.role

    def use_currency(self, currency: str) -> None:
        """Round (and remember amounts) in `currency` from here on: each currency rounds to
        its own decimals (model 13)."""
        self.round, self.amounts = self._rounding(currency)
        self.converted_amounts: dict[tuple, Decimal] = {}

    def rounder(self, currency: str) -> Rounder:
        return self._rounding(currency)[0]

    def _rounding(self, currency: str) -> tuple[Rounder, Amounts]:
        found = self.rounders.get(currency)
        if found is None:
            rounder = Rounder(self.exchange.decimals(currency))
            found = self.rounders[currency] = (rounder, Amounts(rounder))
        return found

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
        for expense in map(self.resolve_expense, wb.expenses):
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
            self.use_currency(project.currency)
            self.unassigned_plans.clear()  # shared within a project only: free the last's
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
                    sorted(lines_by_task.get((project.project, None), []), key=DATE_ENTRY),
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
            result = self.project(project, tasks, own_lines, own_expenses, records)
            method = project.performance_index_method or wb.settings.performance_index_method
            by_task, indexes = performance(
                result,
                self.calendar(project),
                self.as_of,
                self.round.decimals,
                method,
                project.eac_method or wb.settings.eac_method,
            )
            result = replace(
                result,
                budget=self.project_budget(result),
                indexes=indexes,
                tasks=tuple(replace(t, indexes=by_task[t.task.task]) for t in result.tasks),
            )
            if self.with_periods:
                figures = project_periods(
                    result,
                    self.calendar(project),
                    Period(wb.settings.period),
                    self.round.decimals,
                    self.as_of,
                )
                result = replace(result, periods=figures)
            for record in records:
                if record.record.status is BillingStatus.BILLED and not record.record.billing_date:
                    self.report(
                        BILLING_DATE_MISSING,
                        f"billing record {record.record.billing_record!r} is Billed but has no "
                        f"Billing date; the By period sheet counts it as billed on {self.as_of}",
                        SheetName.BILLING_RECORDS,
                        record.record.row,
                        "billing_date",
                    )
            if project.currency != wb.settings.currency:
                base = wb.settings.currency
                to_base = self.exchange.factor(project.currency, base, self.as_of, project)
                result = replace(
                    result, to_base=to_base or Fraction(0), base_decimals=wb.settings.decimals
                )
            projects.append(result)
        return Results(
            wb.settings,
            tuple(projects),
            tuple(self.problems),
            self.frozen,
            self.as_of,
            wb.currencies,
            dict(self.exchange.places),
        )
