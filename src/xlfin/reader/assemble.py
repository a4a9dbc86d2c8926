"""From typed rows to the frozen Workbook model, checking ids, references and periods.

Sheets are read in the order their references need (roles before users, projects
before tasks, tasks before hours), so that every row is checked as it streams by
and no sheet is held in memory as rows.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xlfin.core.money import exact_text
from xlfin.models import (
    BUILT_IN_EXPENSE_TYPES,
    BUILT_IN_HOUR_TYPES,
    FILE_IDENTITY_PREFIX,
    ISSUE_TIME,
    PROJECT_TIME,
    TASK_TIME,
    Assignment,
    BillingRecord,
    BillingRole,
    BillingStatus,
    BudgetLine,
    Company,
    CostType,
    Expense,
    ExpenseType,
    HourLine,
    HourType,
    Project,
    ProjectStatus,
    RateCard,
    RatePeriod,
    RevenueType,
    Role,
    RoleSet,
    Schedule,
    Settings,
    Task,
    TaskStatus,
    User,
    Workbook,
)
from xlfin.problems import (
    ACTUAL_COMPLETION_MISSING,
    ASSIGNMENT_RATE_IGNORED,
    ASSIGNMENT_TARGET,
    BILLING_RECORD_OTHER_PROJECT,
    BILLING_ROLE_ON_ROLE,
    COST_OVERRIDE_NOT_ALLOWED,
    EXCHANGE_RATE_BASE,
    EXCHANGE_RATE_GAP,
    EXCHANGE_RATE_INVALID,
    EXCHANGE_RATE_MISSING,
    EXPENSE_RATE_TOO_PRECISE,
    EXPENSE_TYPE_UNKNOWN,
    EXPENSE_UNITS_WITHOUT_RATE,
    HOUR_TYPE_BUILT_IN,
    HOUR_TYPE_GENERAL,
    HOUR_TYPE_SCOPE,
    HOURS_REJECTED,
    HOURS_TYPE_NOT_REVENUE,
    ID_DUPLICATE,
    OVERTIME_RATIO_IGNORED,
    OVERTIME_RATIO_INVALID,
    PERCENT_COMPLETE_INVALID,
    PERIOD_REVERSED,
    PROJECT_RATE_TARGET,
    RATE_GAP,
    RATE_OVERLAP,
    RECIPIENT_INVALID,
    REFERENCE_UNKNOWN,
    ROLE_SET_DUPLICATE,
    ROW_CONTRADICTS,
    SETTING_INVALID,
    SETTING_UNKNOWN,
    SHEET_DUPLICATE,
    SHEET_HIDDEN,
    SHEET_IS_CHART,
    SHEET_MISSING,
    SHEET_UNKNOWN,
    TASK_DATES_MISSING,
    TASK_DATES_REVERSED,
    TASK_PARENT_CYCLE,
    WORKING_DAYS_INVALID,
    Problem,
    problem,
    problem_at,
)
from xlfin.reader.cells import read_addresses
from xlfin.reader.package import DEFAULT_LIMITS, Limits, UnreadableWorkbook, open_workbook
from xlfin.reader.sheets import Row, SheetReader
from xlfin.schema import (
    IGNORED_SHEETS,
    SETTING_DEFAULTS,
    SHEETS_BY_NAME,
    WEEKDAYS,
    HourScope,
    HourStatus,
    SettingName,
    SheetName,
    column_name,
    find_sheet,
    normalize,
    overtime_applies,
)

CHOICE_SETTINGS = {
    normalize(SettingName.PERIOD): ("period", ("Week", "Month", "Quarter", "Year")),
    normalize(SettingName.PERFORMANCE_INDEX_METHOD): (
        "performance_index_method",
        ("Hour-Based", "Cost-Based"),
    ),
    normalize(SettingName.EAC_METHOD): ("eac_method", ("Project level", "Roll up")),
}
"""The settings that take one of a list (models 14 and 16): key -> (field, choices)."""
PROJECT_CURRENCY_SHEETS = (
    SheetName.PROJECT_RATES,
    SheetName.PROJECT_COST_RATES,
    SheetName.ASSIGNMENTS,
)
"""The sheets whose blank Currency is the project's (model 13); elsewhere it is the base."""


def read_workbook(
    path: str | Path, limits: Limits = DEFAULT_LIMITS, engine: str = "auto"
) -> tuple[Workbook, list[Problem]]:
    """The workbook's models and every problem found reading it.

    A file that cannot be read at all, or not to its end, gives an empty Workbook and
    one problem: nothing is ever built from half a workbook.
    """
    path = Path(path)
    try:
        with open_workbook(path, limits, engine) as book:
            return _Assembler(path.name, book, limits).run()
    except UnreadableWorkbook as exc:
        return Workbook(source=path.name), [exc.problem]


class _Ids:
    """Known ids of one kind, answering "did you mean" for an unknown one."""

    def __init__(self, what: str, ids: Iterable[str] = (), scope: str = "") -> None:
        self.what = what
        self.scope = scope
        self.ids: dict[str, Any] = {i: None for i in ids}
        self._folded: dict[str, str] | None = None
        self._hints: dict[str, str] = {}

    def __contains__(self, key: object) -> bool:
        return key in self.ids

    def unknown(self, value: str) -> str:
        hint = self._hints.get(value)
        if hint is None:
            if self._folded is None:
                self._folded = {i.casefold(): i for i in self.ids}
            match = self._folded.get(value.casefold())
            if match is None and len(self.ids) <= 5000:
                close = difflib.get_close_matches(value, list(self.ids), n=1, cutoff=0.8)
                match = close[0] if close else None
            hint = f"; did you mean {match!r}?" if match else ""
            self._hints[value] = hint
        return f"{self.what} {value!r}{self.scope} does not exist{hint}"


class _Assembler:
    def __init__(self, source: str, book: Any, limits: Limits) -> None:
        self.source = source
        self.book = book
        self.limits = limits
        self.problems: list[Problem] = []
        self.layout: dict[str, dict[str, str]] = {}
        self.worksheets: dict[str, Any] = {}
        self.base = SETTING_DEFAULTS[SettingName.CURRENCY]
        self.named: dict[str, tuple[str, int, str]] = {}
        """Every currency a cell names, and the first cell that names it."""

    # -- sheets -------------------------------------------------------------------------

    def _find_sheets(self) -> None:
        ignored = {normalize(name) for name in IGNORED_SHEETS}
        charts: set[str] = set()
        for title in self.book.sheetnames:
            spec = find_sheet(title)
            if spec is None and normalize(title) in ignored:
                continue
            if spec is None:
                self.problems.append(
                    problem(
                        SHEET_UNKNOWN,
                        f"sheet {title!r} is not part of the workbook contract; it is ignored",
                        sheet=title,
                    )
                )
            elif spec.name in self.worksheets:
                self.problems.append(
                    problem(
                        SHEET_DUPLICATE,
                        f"sheet {title!r} is the same as sheet "
                        f"{self.worksheets[spec.name].title!r}; keep one",
                        sheet=title,
                    )
                )
            elif self.book[title].chart:
                charts.add(spec.name)
                self.problems.append(
                    problem(
                        SHEET_IS_CHART,
                        f"sheet {title!r} is a chart sheet, not a table; rename it and put "
                        f"the {spec.name} table on a worksheet of that name",
                        sheet=spec.name,
                    )
                )
            else:
                worksheet = self.worksheets[spec.name] = self.book[title]
                if worksheet.sheet_state != "visible":
                    self.problems.append(
                        problem(
                            SHEET_HIDDEN,
                            f"sheet {title!r} is hidden; it was read like the others",
                            sheet=spec.name,
                        )
                    )
        if SheetName.PROJECTS not in self.worksheets and SheetName.PROJECTS not in charts:
            self.problems.append(
                problem(
                    SHEET_MISSING,
                    "the workbook has no Projects sheet; add one (see `xlfin template`)",
                    sheet=SheetName.PROJECTS,
                )
            )

    def rows(self, name: str) -> Iterator[Row]:
        worksheet = self.worksheets.get(name)
        if worksheet is None:
            return iter(())
        reader = SheetReader(SHEETS_BY_NAME[name], worksheet.title, self.problems, self.limits)
        self.layout[name] = reader.layout
        return reader.rows(worksheet)

    def report(
        self, code: str, message: str, sheet: str, row: int | None = None, key: str | None = None
    ) -> None:
        self.problems.append(problem_at(code, message, sheet, row, key, self.layout.get(sheet)))

    def check_ref(self, ids: _Ids, row: Row, sheet: str, key: str) -> str | None:
        """The row's reference in `key` if it exists; reports it and gives None if not."""
        value = row[key]
        if value is None:
            return None
        if value in ids:
            return value
        self.report(REFERENCE_UNKNOWN, ids.unknown(value), sheet, row.row, key)
        return None

    def rate_currency(self, row: Row, sheet: str, key: str = "currency") -> str | None:
        """A rate row's currency (model 13): its Currency cell, else the base currency on
        the sheets whose blank means it, else None (the project's currency)."""
        currency = row[key]
        if currency is None:
            return None if sheet in PROJECT_CURRENCY_SHEETS else self.base
        self.named.setdefault(currency, (sheet, row.row, key))
        return currency

    def check_period(self, row: Row, sheet: str) -> bool:
        start, end = row["start_date"], row["end_date"]
        if start is not None and end is not None and end < start:
            self.report(
                PERIOD_REVERSED,
                f"End date {end} is before Start date {start}",
                sheet,
                row.row,
                "end_date",
            )
            return False
        return True

    def check_periods(
        self, periods: list[RatePeriod], what: str, gap: str = RATE_GAP
    ) -> tuple[RatePeriod, ...]:
        """Sorted periods; RATE_OVERLAP and `gap` naming both rows."""
        ordered = sorted(periods, key=lambda p: (p.start or date.min, p.row))
        latest: RatePeriod | None = None
        for period in ordered:
            if latest is not None:
                latest_end = latest.end or date.max
                start = period.start or date.min
                if start <= latest_end:
                    self.report(
                        RATE_OVERLAP,
                        f"{what}: this period overlaps the one in row {latest.row} "
                        f"({_span(latest)} and {_span(period)})",
                        period.sheet,
                        period.row,
                        "start_date",
                    )
                elif latest.end is not None and start > latest.end + timedelta(days=1):
                    self.report(
                        gap,
                        f"{what}: no rate from {latest.end + timedelta(days=1)} to "
                        f"{start - timedelta(days=1)}, between row {latest.row} and this row",
                        period.sheet,
                        period.row,
                        "start_date",
                    )
            if latest is None or (period.end or date.max) > (latest.end or date.max):
                latest = period
        return tuple(ordered)

    # -- the run ------------------------------------------------------------------------

    def run(self) -> tuple[Workbook, list[Problem]]:
        self._find_sheets()
        settings = self.read_settings()
        self.base = settings.currency
        exchange_rates, decimals = self.read_exchange_rates(settings)
        schedules = self.read_schedules()
        roles = self.read_roles()
        users = self.read_users(roles)
        companies = self.read_companies(roles)
        rate_cards = self.read_rate_cards(roles)
        projects = self.read_projects(companies, rate_cards, schedules, roles, users, settings)
        self.check_exchange(projects, exchange_rates)
        billing_records = self.read_billing_records(projects)
        tasks = self.read_tasks(projects, roles, billing_records)
        assignments = self.read_assignments(projects, tasks, users, roles, settings)
        self.check_billing_roles(projects, tasks)
        budgets = self.read_budgets(projects, users, roles)
        self.check_task_dates(projects, tasks, assignments)
        hour_types = self.read_hour_types()
        hours = self.read_hours(projects, tasks, users, roles, billing_records, hour_types)
        expense_types = self.read_expense_types()
        expenses = self.read_expenses(projects, tasks, billing_records, expense_types)
        workbook = Workbook.model_construct(
            source=self.source,
            settings=settings,
            schedules=schedules,
            roles=roles,
            users=users,
            companies=companies,
            rate_cards=rate_cards,
            projects=projects,
            tasks=tasks,
            assignments=tuple(assignments),
            hours=tuple(hours),
            expenses=tuple(expenses),
            billing_records=billing_records,
            hour_types=hour_types,
            expense_types=expense_types,
            exchange_rates=exchange_rates,
            budgets=tuple(budgets),
            currency_decimals=decimals,
            currencies=frozenset(self.named) - {settings.currency},
            layout=self.layout,
        )
        return workbook, self.problems

    def read_hour_types(self) -> dict[str, HourType]:
        types: dict[str, HourType] = {}
        for row in self._unique(SheetName.HOUR_TYPES, "hour_type", "hour type"):
            name = row["hour_type"]
            if name in BUILT_IN_HOUR_TYPES:
                self.report(
                    HOUR_TYPE_BUILT_IN,
                    f"{name!r} is a built-in hour type and cannot be redefined; give yours "
                    "another name",
                    SheetName.HOUR_TYPES,
                    row.row,
                    "hour_type",
                )
                continue
            counts = row["counts_as_revenue"]
            types[name] = HourType(
                hour_type=name,
                scope=HourScope(row["scope"] or HourScope.PROJECT_SPECIFIC),
                counts_as_revenue=True if counts is None else counts,
                description=row["description"],
                row=row.row,
            )
        return types

    def line_type(
        self, row: Row, given: str, on_task: bool, hour_types: dict[str, HourType]
    ) -> HourType | None:
        """Model 11.1: the hour type of a line that names one, checked; None when it cannot
        be used (reported)."""
        kind = BUILT_IN_HOUR_TYPES.get(given) or hour_types.get(given)
        if kind is None:
            known = _Ids("hour type", {**BUILT_IN_HOUR_TYPES, **hour_types})
            self.report(REFERENCE_UNKNOWN, known.unknown(given), SheetName.HOURS, row.row,
                        "hour_type")  # fmt: skip
            return None
        if kind.scope is HourScope.GENERAL:
            self.report(
                HOUR_TYPE_GENERAL,
                f"{given!r} is a General hour type: general hours belong to no project, task "
                "or issue, and cannot be an Hours line",
                SheetName.HOURS,
                row.row,
                "hour_type",
            )
            return None
        wrong = {TASK_TIME: not on_task, PROJECT_TIME: on_task, ISSUE_TIME: True}
        if wrong.get(given):
            where = "a task" if on_task else "the project itself"
            self.report(
                HOUR_TYPE_SCOPE,
                f"{given!r} cannot be logged on {where} (Task Time is for tasks, Project Time "
                "for the project itself; xlfin has no issues)",
                SheetName.HOURS,
                row.row,
                "hour_type",
            )
            return None
        return kind

    def read_settings(self) -> Settings:
        found: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for row in self.rows(SheetName.SETTINGS):
            name = normalize(row["setting"] or "")
            value = row["value"]
            if name in seen:
                self.report(
                    ID_DUPLICATE,
                    f"setting {row['setting']!r} is also given in row {seen[name]}",
                    SheetName.SETTINGS,
                    row.row,
                    "setting",
                )
                continue
            seen[name] = row.row
            if name == normalize(SettingName.CURRENCY):
                code = (value or "").upper()
                if not re.fullmatch(r"[A-Z]{3}", code):
                    self.report(
                        SETTING_INVALID,
                        f"Currency must be a 3-letter ISO code such as USD or EUR, not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
                else:
                    found["currency"] = code
            elif name == normalize(SettingName.DECIMALS):
                if value is None or not re.fullmatch(r"[0-4](\.0+)?", value):
                    self.report(
                        SETTING_INVALID,
                        f"Decimals must be a whole number from 0 to 4, not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
                else:
                    found["decimals"] = int(value.split(".")[0])
            elif name == normalize(SettingName.TIME_ZONE):
                try:
                    ZoneInfo(value or "")  # checked; nothing is shifted
                    found["time_zone"] = value
                except (ZoneInfoNotFoundError, ValueError):
                    self.report(
                        SETTING_INVALID,
                        f"Time zone must be an IANA name such as Europe/Paris, not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
            elif name == normalize(SettingName.WORKBOOK_ID):
                text = (value or "").strip()
                if not text or len(text) > 100 or not text.isprintable():
                    self.report(
                        SETTING_INVALID,
                        "Workbook ID must be 1 to 100 printable characters (xlfin template "
                        f"writes one), not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
                elif text.startswith(FILE_IDENTITY_PREFIX):
                    self.report(
                        SETTING_INVALID,
                        f"Workbook ID may not start with {FILE_IDENTITY_PREFIX!r}: xlfin keeps "
                        "that for workbooks without one",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
                else:
                    found["workbook_id"] = text
            elif name == normalize(SettingName.AGENCY_NAME):
                if value and value.strip():
                    found["agency_name"] = value.strip()
            elif name in CHOICE_SETTINGS:
                field, choices = CHOICE_SETTINGS[name]
                chosen = next((c for c in choices if normalize(c) == normalize(value or "")), None)
                if chosen is None:
                    self.report(
                        SETTING_INVALID,
                        f"{row['setting']} must be one of {', '.join(choices)}, not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
                else:
                    found[field] = chosen
            elif name == normalize(SettingName.BUDGET_WARNING):
                try:
                    warning = Decimal((value or "").strip().rstrip("%"))
                except ArithmeticError:
                    warning = None
                if warning is None or not 0 < warning <= 100:
                    self.report(
                        SETTING_INVALID,
                        f"Budget warning must be a percentage above 0 and at most 100, such as "
                        f"90, not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
                else:
                    found["budget_warning"] = warning
            elif name == normalize(SettingName.AS_OF_DATE):
                try:
                    found["as_of_date"] = date.fromisoformat((value or "").strip())
                except ValueError:
                    self.report(
                        SETTING_INVALID,
                        f"As of date must be a date such as 2024-07-15, not {value!r}",
                        SheetName.SETTINGS,
                        row.row,
                        "value",
                    )
            else:
                self.report(
                    SETTING_UNKNOWN,
                    f"unknown setting {row['setting']!r}; known: {', '.join(SettingName)}",
                    SheetName.SETTINGS,
                    row.row,
                    "setting",
                )
        return Settings(**found)

    def read_exchange_rates(
        self, settings: Settings
    ) -> tuple[dict[str, tuple[RatePeriod, ...]], dict[str, int]]:
        """The Exchange rates sheet (model 13): each currency's dated rates against the base,
        and its decimals."""
        sheet = SheetName.EXCHANGE_RATES
        periods: dict[str, list[RatePeriod]] = defaultdict(list)
        decimals: dict[str, tuple[int, int]] = {}
        for row in self.rows(sheet):
            currency, rate = row["currency"], row["rate"]
            if currency is None or rate is None or not self.check_period(row, sheet):
                continue
            self.named.setdefault(currency, (sheet, row.row, "currency"))
            places = row["decimals"]
            if places is not None:
                if places != places.to_integral_value() or not 0 <= places <= 4:
                    self.report(
                        SETTING_INVALID,
                        f"Decimals must be a whole number from 0 to 4, not {places}",
                        sheet,
                        row.row,
                        "decimals",
                    )
                else:
                    seen = decimals.setdefault(currency, (int(places), row.row))
                    if seen[0] != places:
                        self.report(
                            ROW_CONTRADICTS,
                            f"{currency} has {seen[0]} decimals in row {seen[1]}; a currency "
                            "has one number of decimals",
                            sheet,
                            row.row,
                            "decimals",
                        )
            if rate == 0:
                self.report(
                    EXCHANGE_RATE_INVALID,
                    f"an exchange rate must be more than 0: one {settings.currency} buys some "
                    f"{currency}",
                    sheet,
                    row.row,
                    "rate",
                )
                continue
            if currency == settings.currency:
                if rate != 1:
                    self.report(
                        EXCHANGE_RATE_BASE,
                        f"{currency} is the base currency (Settings › Currency): its rate is 1, "
                        f"not {rate}",
                        sheet,
                        row.row,
                        "rate",
                    )
                continue
            periods[currency].append(
                RatePeriod(
                    rate=rate,
                    start=row["start_date"],
                    end=row["end_date"],
                    sheet=sheet,
                    row=row.row,
                    currency=currency,
                )
            )
        rates = {
            currency: self.check_periods(found, f"{currency} exchange rate", EXCHANGE_RATE_GAP)
            for currency, found in periods.items()
        }
        return rates, {c: decimals[c][0] if c in decimals else 2 for c in rates}

    def check_exchange(
        self, projects: dict[str, Project], rates: dict[str, tuple[RatePeriod, ...]]
    ) -> None:
        """Model 13: a project in a currency with neither its own Exchange rate nor rows on
        the Exchange rates sheet cannot be added to the others (EXCHANGE_RATE_MISSING); the
        base currency's rate is 1 (EXCHANGE_RATE_BASE)."""
        for p in projects.values():
            if p.currency == self.base:
                if p.exchange_rate is not None and p.exchange_rate != 1:
                    self.report(
                        EXCHANGE_RATE_BASE,
                        f"project {p.project!r} is in the base currency {self.base}, whose rate "
                        f"is 1, not {p.exchange_rate}",
                        SheetName.PROJECTS,
                        p.row,
                        "exchange_rate",
                    )
            elif p.exchange_rate is None and p.currency not in rates:
                self.report(
                    EXCHANGE_RATE_MISSING,
                    f"project {p.project!r} is in {p.currency}, which has no row on the "
                    f"Exchange rates sheet (and the project no Exchange rate): its figures "
                    f"cannot be converted to {self.base}",
                    SheetName.PROJECTS,
                    p.row,
                    "currency",
                )

    def read_schedules(self) -> dict[str, Schedule]:
        fields: dict[str, dict[str, Any]] = {}
        for row in self.rows(SheetName.SCHEDULES):
            key = row["schedule"]
            if key is None:
                continue
            if key in fields:
                self.report(
                    ID_DUPLICATE,
                    f"schedule {key!r} is also in row {fields[key]['row']}",
                    SheetName.SCHEDULES,
                    row.row,
                    "schedule",
                )
                continue
            days = frozenset({0, 1, 2, 3, 4})
            if row["working_days"] is not None:
                parsed = _weekdays(row["working_days"])
                if parsed is None:
                    self.report(
                        WORKING_DAYS_INVALID,
                        f"{row['working_days']!r} is not a list "
                        f"of weekdays; write e.g. Mon,Tue,Wed,Thu,Fri",
                        SheetName.SCHEDULES,
                        row.row,
                        "working_days",
                    )
                else:
                    days = parsed
            fields[key] = {
                "schedule": key,
                "working_days": days,
                "row": row.row,
                "exceptions": set(),
            }
        ids = _Ids("schedule", fields)
        for row in self.rows(SheetName.SCHEDULE_EXCEPTIONS):
            key = self.check_ref(ids, row, SheetName.SCHEDULE_EXCEPTIONS, "schedule")
            if key is not None and row["date"] is not None:
                fields[key]["exceptions"].add(row["date"])
        return {
            k: Schedule(**{**f, "exceptions": frozenset(f["exceptions"])})
            for k, f in fields.items()
        }

    def _dated_objects(
        self,
        sheet: str,
        key: str,
        descriptive: tuple[str, ...],
        rate_keys: tuple[str, ...],
        refs: dict[str, _Ids],
    ) -> dict[str, dict[str, Any]]:
        """Rows of Roles or Users grouped by id: descriptive fields from the first row, and a
        list of periods per rate column."""
        objects: dict[str, dict[str, Any]] = {}
        for row in self.rows(sheet):
            ident = row[key]
            if ident is None:
                continue
            for field_key, ids in refs.items():
                self.check_ref(ids, row, sheet, field_key)
            period_ok = self.check_period(row, sheet)
            entry = objects.get(ident)
            if entry is None:
                entry = {key: ident, "row": row.row, **{r: [] for r in rate_keys}}
                for field_key in descriptive:
                    entry[field_key] = row[field_key]
                objects[ident] = entry
            else:
                for field_key in descriptive:
                    value = row[field_key]
                    if value is not None and value != entry[field_key]:
                        column = SHEETS_BY_NAME[sheet].column(field_key).name
                        self.report(
                            ROW_CONTRADICTS,
                            f"{column} {value!r} contradicts {entry[field_key]!r} in row "
                            f"{entry['row']}, the first row of {ident!r}; leave it blank",
                            sheet,
                            row.row,
                            field_key,
                        )
                if not any(row[r] is not None or r in row.bad for r in rate_keys):
                    self.report(
                        ID_DUPLICATE,
                        f"{ident!r} is already in row {entry['row']} and this row adds no rate",
                        sheet,
                        row.row,
                        key,
                    )
            if period_ok:
                for rate_key in rate_keys:
                    if row[rate_key] is not None:
                        entry[rate_key].append(
                            RatePeriod(
                                rate=row[rate_key],
                                start=row["start_date"],
                                end=row["end_date"],
                                sheet=sheet,
                                row=row.row,
                                currency=self.rate_currency(row, sheet),
                            )
                        )
        for ident, entry in objects.items():
            for rate_key in rate_keys:
                label = SHEETS_BY_NAME[sheet].column(rate_key).name.lower()
                entry[rate_key] = self.check_periods(entry[rate_key], f"{ident} {label}")
        return objects

    def read_roles(self) -> dict[str, Role]:
        found = self._dated_objects(SheetName.ROLES, "role", (), ("cost_rate", "billing_rate"), {})
        return {
            k: Role(
                role=k, row=e["row"], cost_rates=e["cost_rate"], billing_rates=e["billing_rate"]
            )
            for k, e in found.items()
        }

    def read_users(self, roles: dict[str, Role]) -> dict[str, User]:
        found = self._dated_objects(
            SheetName.USERS,
            "user",
            ("name", "primary_role", "location", "other_roles", "cost_rate_override_allowed"),
            ("cost_rate", "billing_rate"),
            {"primary_role": _Ids("role", roles)},
        )
        role_ids = _Ids("role", roles)
        role_sets = self.read_user_roles(found, role_ids)
        return {
            k: User(
                user=k,
                row=e["row"],
                name=e["name"],
                primary_role=e["primary_role"] if e["primary_role"] in roles else None,
                other_roles=self.role_list(e["other_roles"], role_ids, SheetName.USERS, e["row"]),
                role_sets=tuple(sorted(role_sets.get(k, []), key=lambda r: r.start)),
                cost_override_allowed=bool(e["cost_rate_override_allowed"]),
                location=e["location"],
                cost_rates=e["cost_rate"],
                billing_rates=e["billing_rate"],
            )
            for k, e in found.items()
        }

    def role_list(self, text: str | None, roles: _Ids, sheet: str, row: int) -> tuple[str, ...]:
        """Comma-separated role ids, each checked (unknown ones reported and left out)."""
        found = []
        for piece in re.split(r"[,;]", text or ""):
            role = piece.strip()
            if not role:
                continue
            if role in roles:
                found.append(role)
            else:
                self.report(REFERENCE_UNKNOWN, roles.unknown(role), sheet, row, "other_roles")
        return tuple(found)

    def read_user_roles(
        self, users: dict[str, dict[str, Any]], roles: _Ids
    ) -> dict[str, list[RoleSet]]:
        """The User roles sheet: each user's dated role sets (model 10.3)."""
        sets: dict[str, list[RoleSet]] = defaultdict(list)
        seen: dict[tuple[str, date], int] = {}
        user_ids = _Ids("user", users)
        for row in self.rows(SheetName.USER_ROLES):
            user = self.check_ref(user_ids, row, SheetName.USER_ROLES, "user")
            primary = self.check_ref(roles, row, SheetName.USER_ROLES, "primary_role")
            start = row["start_date"]
            if user is None or start is None or row.bad:
                continue
            first = seen.setdefault((user, start), row.row)
            if first != row.row:
                self.report(
                    ROLE_SET_DUPLICATE,
                    f"user {user!r} already has a role set from {start} (row {first})",
                    SheetName.USER_ROLES,
                    row.row,
                    "start_date",
                )
                continue
            others = self.role_list(row["other_roles"], roles, SheetName.USER_ROLES, row.row)
            sets[user].append(
                RoleSet(start=start, primary_role=primary, other_roles=others, row=row.row)
            )
        return sets

    def _unique(self, sheet: str, key: str, what: str) -> Iterator[Row]:
        """Rows whose id in `key` is given and not seen before (duplicates reported)."""
        seen: dict[str, int] = {}
        for row in self.rows(sheet):
            ident = row[key]
            if ident is None:
                continue
            if ident in seen:
                self.report(
                    ID_DUPLICATE,
                    f"{what} {ident!r} is also in row {seen[ident]}",
                    sheet,
                    row.row,
                    key,
                )
                continue
            seen[ident] = row.row
            yield row

    def _rate_groups(
        self, sheet: str, rows: Iterable[tuple[Row, Any]], rate: str = "billing_rate"
    ) -> dict[Any, tuple[RatePeriod, ...]]:
        """Rate periods (of the column `rate`) grouped by a key, checked for overlaps and
        gaps."""
        groups: dict[Any, list[RatePeriod]] = defaultdict(list)
        what = rate.replace("_", " ")
        for row, group in rows:
            if self.check_period(row, sheet) and row[rate] is not None:
                groups[group].append(
                    RatePeriod(
                        rate=row[rate],
                        start=row["start_date"],
                        end=row["end_date"],
                        sheet=sheet,
                        row=row.row,
                        currency=self.rate_currency(row, sheet),
                    )
                )
        return {
            group: self.check_periods(periods, f"{_label(group)} {what}")
            for group, periods in groups.items()
        }

    def read_companies(self, roles: dict[str, Role]) -> dict[str, Company]:
        names = {
            row["company"]: (row["name"], row.row)
            for row in self._unique(SheetName.COMPANIES, "company", "company")
        }
        companies_ids, role_ids = _Ids("company", names), _Ids("role", roles)

        def keyed() -> Iterator[tuple[Row, Any]]:
            for row in self.rows(SheetName.COMPANY_RATES):
                company = self.check_ref(companies_ids, row, SheetName.COMPANY_RATES, "company")
                role = self.check_ref(role_ids, row, SheetName.COMPANY_RATES, "role")
                if company and role:
                    yield row, (company, role)

        groups = self._rate_groups(SheetName.COMPANY_RATES, keyed())
        by_company: dict[str, dict[str, tuple[RatePeriod, ...]]] = defaultdict(dict)
        for (company, role), periods in groups.items():
            by_company[company][role] = periods
        return {
            k: Company(company=k, name=name, row=row, role_rates=by_company.get(k, {}))
            for k, (name, row) in names.items()
        }

    def read_rate_cards(self, roles: dict[str, Role]) -> dict[str, RateCard]:
        role_ids = _Ids("role", roles)
        cards: dict[str, dict[str, Any]] = {}
        locked: dict[str, set[tuple[str, str | None]]] = defaultdict(set)

        def keyed() -> Iterator[tuple[Row, Any]]:
            for row in self.rows(SheetName.RATE_CARDS):
                card = row["rate_card"]
                if card is None:
                    continue
                entry = cards.setdefault(card, {"row": row.row, "currency": None})
                entry["currency"] = entry["currency"] or row["currency"]
                role = self.check_ref(role_ids, row, SheetName.RATE_CARDS, "role")
                if role:
                    if row["locked"]:
                        locked[card].add((role, row["location"]))
                    yield row, (card, role, row["location"])

        groups = self._rate_groups(SheetName.RATE_CARDS, keyed())
        by_card: dict[str, dict[tuple[str, str | None], tuple[RatePeriod, ...]]] = defaultdict(dict)
        for (card, role, location), periods in groups.items():
            by_card[card][(role, location)] = periods
        return {
            k: RateCard(
                rate_card=k,
                currency=e["currency"],
                row=e["row"],
                rates=by_card.get(k, {}),
                locked=frozenset(locked.get(k, ())),
            )
            for k, e in cards.items()
        }

    def read_projects(
        self,
        companies: dict[str, Company],
        rate_cards: dict[str, RateCard],
        schedules: dict[str, Schedule],
        roles: dict[str, Role],
        users: dict[str, User],
        settings: Settings,
    ) -> dict[str, Project]:
        refs = {
            "company": _Ids("company", companies),
            "rate_card": _Ids("rate card", rate_cards),
            "schedule": _Ids("schedule", schedules),
        }
        fields: dict[str, dict[str, Any]] = {}
        for row in self._unique(SheetName.PROJECTS, "project", "project"):
            entry = {
                "project": row["project"],
                "row": row.row,
                "name": row["name"],
                "planned_start": row["planned_start"],
                "planned_completion": row["planned_completion"],
                "company_rates_override": bool(row["company_rates_override"]),
                "require_time_approval": bool(row["require_time_approval"]),
                "fixed_cost": row["fixed_cost"] or Decimal(0),
                "fixed_revenue": row["fixed_revenue"] or Decimal(0),
                "status": ProjectStatus(row["status"] or ProjectStatus.CURRENT),
                "actual_completion": row["actual_completion"],
                "currency": row["currency"] or settings.currency,
                "performance_index_method": row["performance_index_method"],
                "budget": row["budget"],
                "eac_method": row["eac_method"],
            }
            if row["currency"] is not None:
                self.named.setdefault(row["currency"], (SheetName.PROJECTS, row.row, "currency"))
            if row["exchange_rate"] == 0:
                self.report(
                    EXCHANGE_RATE_INVALID,
                    f"an exchange rate must be more than 0: one {settings.currency} buys some "
                    f"{entry['currency']}; the Exchange rates sheet is used",
                    SheetName.PROJECTS,
                    row.row,
                    "exchange_rate",
                )
            elif row["exchange_rate"] is not None:
                entry["exchange_rate"] = row["exchange_rate"]
            if entry["status"] is ProjectStatus.COMPLETE and row["actual_completion"] is None:
                self.report(
                    ACTUAL_COMPLETION_MISSING,
                    f"project {row['project']!r} is Complete but has no Actual completion; "
                    "its Planned completion stands in for it",
                    SheetName.PROJECTS,
                    row.row,
                    "actual_completion",
                )
            entry["report_to"], not_addresses = read_addresses(row["report_to"] or "")
            for piece in not_addresses:
                self.report(
                    RECIPIENT_INVALID,
                    f"{piece!r} is not an e-mail address; no report is mailed to it",
                    SheetName.PROJECTS,
                    row.row,
                    "report_to",
                )
            for key, ids in refs.items():
                entry[key] = self.check_ref(ids, row, SheetName.PROJECTS, key)
            start, end = entry["planned_start"], entry["planned_completion"]
            if start and end and end < start:
                self.report(
                    PERIOD_REVERSED,
                    f"Planned completion {end} is before Planned start {start}",
                    SheetName.PROJECTS,
                    row.row,
                    "planned_completion",
                )
            fields[row["project"]] = entry
        project_ids, role_ids, user_ids = (
            _Ids("project", fields),
            _Ids("role", roles),
            _Ids("user", users),
        )

        def keyed() -> Iterator[tuple[Row, Any]]:
            for row in self.rows(SheetName.PROJECT_RATES):
                project = self.check_ref(project_ids, row, SheetName.PROJECT_RATES, "project")
                if (row["role"] is None) == (row["user"] is None):
                    both = "both Role and User" if row["role"] else "neither Role nor User"
                    self.report(
                        PROJECT_RATE_TARGET,
                        f"the row names {both}; fill exactly one",
                        SheetName.PROJECT_RATES,
                        row.row,
                        "role",
                    )
                    continue
                role = self.check_ref(role_ids, row, SheetName.PROJECT_RATES, "role")
                user = self.check_ref(user_ids, row, SheetName.PROJECT_RATES, "user")
                if project and (role or user):
                    yield row, (project, "role" if role else "user", role or user)

        groups = self._rate_groups(SheetName.PROJECT_RATES, keyed())
        for (project, kind, target), periods in groups.items():
            fields[project].setdefault(f"{kind}_rates", {})[target] = periods

        def cost_keyed() -> Iterator[tuple[Row, Any]]:
            sheet = SheetName.PROJECT_COST_RATES
            for row in self.rows(sheet):
                project = self.check_ref(project_ids, row, sheet, "project")
                user = self.check_ref(user_ids, row, sheet, "user")
                if project is None or user is None:
                    continue
                if not users[user].cost_override_allowed:  # model 17.4
                    self.report(
                        COST_OVERRIDE_NOT_ALLOWED,
                        f"user {user!r} does not allow cost overrides (Users › Cost rate "
                        "override allowed); this project cost rate is ignored",
                        sheet,
                        row.row,
                        "user",
                    )
                    continue
                yield row, (project, user)

        for (project, user), periods in self._rate_groups(
            SheetName.PROJECT_COST_RATES, cost_keyed(), "cost_rate"
        ).items():
            fields[project].setdefault("user_cost_rates", {})[user] = periods
        for (project, user), spans in self.read_billing_roles(
            project_ids, user_ids, role_ids
        ).items():
            fields[project].setdefault("billing_roles", {})[user] = spans
        return {k: Project(**e) for k, e in fields.items()}

    def read_billing_roles(
        self, projects: _Ids, users: _Ids, roles: _Ids
    ) -> dict[tuple[str, str], tuple[BillingRole, ...]]:
        """The Billing roles sheet (model 17): per project and user, periods that do not
        overlap (gaps are allowed: no job role for billing then)."""
        sheet = SheetName.BILLING_ROLES
        found: dict[tuple[str, str], list[BillingRole]] = defaultdict(list)
        for row in self.rows(sheet):
            project = self.check_ref(projects, row, sheet, "project")
            user = self.check_ref(users, row, sheet, "user")
            role = self.check_ref(roles, row, sheet, "role")
            if project and user and role and self.check_period(row, sheet):
                found[(project, user)].append(
                    BillingRole(
                        role=role, start=row["start_date"], end=row["end_date"], row=row.row
                    )
                )
        checked = {}
        for (project, user), spans in found.items():
            spans.sort(key=lambda b: (b.start or date.min, b.row))
            for before, after in pairwise(spans):
                if (after.start or date.min) <= (before.end or date.max):
                    self.report(
                        RATE_OVERLAP,
                        f"{user}'s job role for billing on {project}: this period overlaps "
                        f"the one in row {before.row}",
                        sheet,
                        after.row,
                        "start_date",
                    )
            checked[(project, user)] = tuple(spans)
        return checked

    def read_budgets(
        self, projects: dict[str, Project], users: dict[str, User], roles: dict[str, Role]
    ) -> list[BudgetLine]:
        """The Budgets sheet (model 15)."""
        sheet = SheetName.BUDGETS
        ids = (_Ids("project", projects), _Ids("user", users), _Ids("role", roles))
        found = []
        for row in self.rows(sheet):
            project = self.check_ref(ids[0], row, sheet, "project")
            user = self.check_ref(ids[1], row, sheet, "user")
            role = self.check_ref(ids[2], row, sheet, "role")
            hours = row["budgeted_hours"]
            if project is None or role is None or hours is None or row.bad:
                continue
            if (row["user"] is None or user is not None) and self.check_period(row, sheet):
                found.append(
                    BudgetLine(project=project, role=role, user=user, start=row["start_date"],
                               end=row["end_date"], hours=hours, row=row.row)
                )  # fmt: skip
        return found

    def read_billing_records(self, projects: dict[str, Project]) -> dict[str, BillingRecord]:
        project_ids = _Ids("project", projects)
        records: dict[str, BillingRecord] = {}
        for row in self._unique(SheetName.BILLING_RECORDS, "billing_record", "billing record"):
            project = self.check_ref(project_ids, row, SheetName.BILLING_RECORDS, "project")
            if project is None:
                continue
            records[row["billing_record"]] = BillingRecord(
                billing_record=row["billing_record"],
                project=project,
                row=row.row,
                description=row["description"],
                status=BillingStatus(row["status"] or BillingStatus.NOT_BILLED),
                billing_date=row["billing_date"],
                invoice_id=row["invoice_id"],
                po_number=row["po_number"],
                additional_amount=row["additional_amount"] or Decimal(0),
            )
        return records

    def check_record(
        self,
        records: dict[str, BillingRecord],
        ids: _Ids,
        row: Row,
        sheet: str,
        project: str | None,
    ) -> str | None:
        record = self.check_ref(ids, row, sheet, "billing_record")
        if record is not None and project is not None and records[record].project != project:
            self.report(
                BILLING_RECORD_OTHER_PROJECT,
                f"billing record {record!r} belongs to project "
                f"{records[record].project!r}, not {project!r}",
                sheet,
                row.row,
                "billing_record",
            )
            return None
        return record

    def read_tasks(
        self,
        projects: dict[str, Project],
        roles: dict[str, Role],
        records: dict[str, BillingRecord],
    ) -> dict[tuple[str, str], Task]:
        project_ids, role_ids = _Ids("project", projects), _Ids("role", roles)
        record_ids = _Ids("billing record", records)
        tasks: dict[tuple[str, str], Task] = {}
        seen: dict[tuple[str, str], int] = {}
        for row in self.rows(SheetName.TASKS):
            project = self.check_ref(project_ids, row, SheetName.TASKS, "project")
            task_id = row["task"]
            if project is None or task_id is None:
                continue
            key = (project, task_id)
            if key in seen:
                self.report(
                    ID_DUPLICATE,
                    f"task {task_id!r} of project {project!r} is also in row {seen[key]}",
                    SheetName.TASKS,
                    row.row,
                    "task",
                )
                continue
            seen[key] = row.row
            start, end = row["planned_start"], row["planned_completion"]
            if start and end and end < start:
                self.report(
                    TASK_DATES_REVERSED,
                    f"Planned completion {end} is before Planned start {start}",
                    SheetName.TASKS,
                    row.row,
                    "planned_completion",
                )
            status = TaskStatus(row["status"] or TaskStatus.NEW)
            ratio = row["overtime_ratio"]
            revenue_type = RevenueType(row["revenue_type"] or RevenueType.USER_HOURLY)
            if ratio is not None and ratio <= 0:
                self.report(
                    OVERTIME_RATIO_INVALID,
                    f"Overtime ratio must be above 0 (1 is no multiplier), not {exact_text(ratio)}",
                    SheetName.TASKS,
                    row.row,
                    "overtime_ratio",
                )
                ratio = None
            elif ratio is not None and ratio != 1 and not overtime_applies(revenue_type):
                self.report(
                    OVERTIME_RATIO_IGNORED,
                    f"Overtime ratio {exact_text(ratio)} applies to User and Role Hourly tasks "
                    f"only; on {revenue_type.value} it is ignored",
                    SheetName.TASKS,
                    row.row,
                    "overtime_ratio",
                )
                ratio = None
            if status is TaskStatus.COMPLETE and row["actual_completion"] is None:
                self.report(
                    ACTUAL_COMPLETION_MISSING,
                    f"task {task_id!r} is Complete but has no Actual completion; its Planned "
                    "completion stands in for it",
                    SheetName.TASKS,
                    row.row,
                    "actual_completion",
                )
            tasks[key] = Task(
                project=project,
                task=task_id,
                row=row.row,
                name=row["name"],
                planned_start=start,
                planned_completion=end,
                planned_hours=row["planned_hours"],
                cost_type=CostType(row["cost_type"] or CostType.USER_HOURLY),
                revenue_type=RevenueType(row["revenue_type"] or RevenueType.USER_HOURLY),
                hourly_cost=row["hourly_cost"],
                hourly_rate=row["hourly_rate"],
                fixed_amount=row["fixed_amount"],
                role=self.check_ref(role_ids, row, SheetName.TASKS, "role"),
                status=status,
                overtime_ratio=ratio,
                actual_completion=row["actual_completion"],
                billing_record=self.check_record(
                    records, record_ids, row, SheetName.TASKS, project
                ),
                percent_complete=self.percent_complete(row),
                parent=row["parent_task"],
            )
        return self.check_parents(tasks)

    def percent_complete(self, row: Row) -> Decimal | None:
        value = row["percent_complete"]
        if value is not None and not 0 <= value <= 100:
            self.report(
                PERCENT_COMPLETE_INVALID,
                f"Percent complete must be from 0 to 100, not {exact_text(value)}",
                SheetName.TASKS,
                row.row,
                "percent_complete",
            )
            return None
        return value

    def check_parents(self, tasks: dict[tuple[str, str], Task]) -> dict[tuple[str, str], Task]:
        """Model 16.1: a Parent task is a task of the same project (REFERENCE_UNKNOWN), and
        no task is its own ancestor (TASK_PARENT_CYCLE)."""
        ids = _task_ids(tasks)
        for key, task in list(tasks.items()):
            if task.parent is not None and (task.project, task.parent) not in tasks:
                known = ids.get(task.project) or _Ids("task", (), f" of project {task.project!r}")
                self.report(REFERENCE_UNKNOWN, known.unknown(task.parent), SheetName.TASKS,
                            task.row, "parent_task")  # fmt: skip
                tasks[key] = task.model_copy(update={"parent": None})
        for key, task in list(tasks.items()):
            seen, at = [key[1]], task
            while at.parent is not None:
                if at.parent in seen:
                    chain = " → ".join([*seen, at.parent])
                    self.report(TASK_PARENT_CYCLE, f"task {task.task!r} is its own ancestor "
                                f"({chain})", SheetName.TASKS, task.row, "parent_task")  # fmt: skip
                    tasks[key] = task.model_copy(update={"parent": None})
                    break
                seen.append(at.parent)
                at = tasks[(task.project, at.parent)]
        return tasks

    def check_task(
        self,
        tasks: dict[tuple[str, str], Task],
        task_ids: dict[str, _Ids],
        row: Row,
        sheet: str,
        project: str | None,
    ) -> str | None:
        task = row["task"]
        if task is None or project is None:
            return None
        if (project, task) in tasks:
            return task
        ids = task_ids.get(project) or _Ids("task", (), f" of project {project!r}")
        self.report(REFERENCE_UNKNOWN, ids.unknown(task), sheet, row.row, "task")
        return None

    def read_assignments(
        self,
        projects: dict[str, Project],
        tasks: dict[tuple[str, str], Task],
        users: dict[str, User],
        roles: dict[str, Role],
        settings: Settings,
    ) -> list[Assignment]:
        project_ids, user_ids, role_ids = (
            _Ids("project", projects),
            _Ids("user", users),
            _Ids("role", roles),
        )
        task_ids = _task_ids(tasks)
        found: list[Assignment] = []
        for row in self.rows(SheetName.ASSIGNMENTS):
            project = self.check_ref(project_ids, row, SheetName.ASSIGNMENTS, "project")
            task = self.check_task(tasks, task_ids, row, SheetName.ASSIGNMENTS, project)
            if row["user"] is None and row["role"] is None:
                self.report(
                    ASSIGNMENT_TARGET,
                    "the assignment names neither a User nor a Role",
                    SheetName.ASSIGNMENTS,
                    row.row,
                    "user",
                )
                continue
            user = self.check_ref(user_ids, row, SheetName.ASSIGNMENTS, "user")
            role = self.check_ref(role_ids, row, SheetName.ASSIGNMENTS, "role")
            if project and task and (user or role):
                found.append(
                    Assignment(
                        project=project,
                        task=task,
                        user=user,
                        role=role,
                        location=row["location"],
                        planned_hours=row["planned_hours"],
                        row=row.row,
                        **self.assignment_rates(row, tasks[(project, task)], role_ids, settings),
                    )
                )
        return found

    def assignment_rates(
        self, row: Row, task: Task, roles: _Ids, settings: Settings
    ) -> dict[str, Any]:
        """Model 17: an assignment's Job role for billing, Billing rate, Cost rate and
        Billable, which only User and Role Hourly tasks use."""
        sheet = SheetName.ASSIGNMENTS
        given = {
            "job_role_for_billing": self.check_ref(roles, row, sheet, "job_role_for_billing"),
            "billing_rate": row["billing_rate"],
            "cost_rate": row["cost_rate"],
            "billable": row["billable"] is not False,
        }
        if given["job_role_for_billing"] is not None and row["user"] is None:
            self.report(
                BILLING_ROLE_ON_ROLE,
                "a job role for billing is for an assigned user; this assignment names only "
                f"the role {row['role']!r}, which is what it bills",
                sheet,
                row.row,
                "job_role_for_billing",
            )
            given["job_role_for_billing"] = None
        if given["billing_rate"] is not None or given["cost_rate"] is not None:
            given["rate_currency"] = self.rate_currency(row, sheet, "rate_currency")
        revenue_side = task.revenue_type.is_user_and_role_hourly
        cost_side = task.cost_type is CostType.USER_AND_ROLE_HOURLY
        for key, applies in (
            ("job_role_for_billing", revenue_side),
            ("billing_rate", revenue_side),
            ("billable", revenue_side),
            ("cost_rate", cost_side),
        ):
            if applies or given[key] in (None, True):
                continue
            kind = task.cost_type if key == "cost_rate" else task.revenue_type
            self.report(
                ASSIGNMENT_RATE_IGNORED,
                f"{column_name(key)} serves User and Role Hourly tasks only; task "
                f"{task.task!r} is {kind.value}, so it is ignored",
                sheet,
                row.row,
                key,
            )
            given[key] = True if key == "billable" else None
        return given

    def check_billing_roles(
        self, projects: dict[str, Project], tasks: dict[tuple[str, str], Task]
    ) -> None:
        """ASSIGNMENT_RATE_IGNORED for a Billing roles row on a project with no User and Role
        Hourly task: nothing there is billed by a job role for billing (model 17.6)."""
        hierarchy = {t.project for t in tasks.values() if t.revenue_type.is_user_and_role_hourly}
        for project in projects.values():
            if project.project in hierarchy:
                continue
            for user, spans in project.billing_roles.items():
                for span in spans:
                    self.report(
                        ASSIGNMENT_RATE_IGNORED,
                        f"project {project.project!r} has no User and Role Hourly task; "
                        f"{user}'s job role for billing {span.role!r} is ignored",
                        SheetName.BILLING_ROLES,
                        span.row,
                        "role",
                    )

    def check_task_dates(
        self,
        projects: dict[str, Project],
        tasks: dict[tuple[str, str], Task],
        assignments: list[Assignment],
    ) -> None:
        """Tasks whose planned hours must be spread over days need a start and a completion."""
        assigned = {(a.project, a.task) for a in assignments}
        for key, task in tasks.items():
            spread = (
                task.cost_type
                in (CostType.USER_HOURLY, CostType.ROLE_HOURLY, CostType.USER_AND_ROLE_HOURLY)
                or task.revenue_type.per_hour
            )
            if not spread or key not in assigned:
                continue
            project = projects[task.project]
            if (task.planned_start or project.planned_start) is None or (
                task.planned_completion or project.planned_completion
            ) is None:
                self.report(
                    TASK_DATES_MISSING,
                    f"task {task.task!r} has assignments whose "
                    "hours are spread over its days, but neither it nor project "
                    f"{project.project!r} has a planned start and completion",
                    SheetName.TASKS,
                    task.row,
                    "planned_start",
                )

    def read_hours(
        self,
        projects: dict[str, Project],
        tasks: dict[tuple[str, str], Task],
        users: dict[str, User],
        roles: dict[str, Role],
        records: dict[str, BillingRecord],
        hour_types: dict[str, HourType],
    ) -> list[HourLine]:
        project_ids, user_ids, role_ids = (
            _Ids("project", projects),
            _Ids("user", users),
            _Ids("role", roles),
        )
        record_ids, task_ids = _Ids("billing record", records), _task_ids(tasks)
        known_projects, known_users, known_roles = project_ids.ids, user_ids.ids, role_ids.ids
        first_row: dict[str, int] = {}
        first_row_of = first_row.setdefault
        lines: list[HourLine] = []
        for row in self.rows(SheetName.HOURS):
            entry = row.get("entry")
            if entry is not None:
                first = first_row_of(entry, row.row)  # one lookup in a million-entry dict
                if first != row.row:
                    self.report(
                        ID_DUPLICATE,
                        f"entry {entry!r} is also in row {first}",
                        SheetName.HOURS,
                        row.row,
                        "entry",
                    )
                    continue
            # The common case (a known id) inline, and fields read with .get (a blank one
            # costs no __missing__ call): a sheet of a million lines.
            project, user, role = row.get("project"), row.get("user"), row.get("role")
            if project not in known_projects:
                project = self.check_ref(project_ids, row, SheetName.HOURS, "project")
            task = given_task = row.get("task")
            if task is not None and (project, task) not in tasks:
                task = self.check_task(tasks, task_ids, row, SheetName.HOURS, project)
            if user not in known_users:
                user = self.check_ref(user_ids, row, SheetName.HOURS, "user")
            if role is not None and role not in known_roles:
                role = self.check_ref(role_ids, row, SheetName.HOURS, "role")
            record = row.get("billing_record")
            if record is not None:
                known = records.get(record)
                if known is None or known.project != project:
                    record = self.check_record(records, record_ids, row, SheetName.HOURS, project)
            if row.bad or entry is None or project is None or user is None:
                continue
            if given_task is not None and task is None:
                continue
            billable = row.get("billable")
            hour_type = row.get("hour_type")
            if hour_type is not None:  # the common case, a default type, costs one lookup
                kind = self.line_type(row, hour_type, task is not None, hour_types)
                if kind is None:
                    continue
                if billable is None:
                    billable = kind.counts_as_revenue
                elif billable and not kind.counts_as_revenue:
                    self.report(
                        HOURS_TYPE_NOT_REVENUE,
                        f"the line is Billable but its hour type {hour_type!r} does not count "
                        "as revenue; make it not billable or choose another type",
                        SheetName.HOURS,
                        row.row,
                        "billable",
                    )
                    continue
            status = row.get("status")
            approval = HourStatus.SUBMITTED
            if status is not None:
                approval = HourStatus.REJECTED if status == "Not Approved" else HourStatus(status)
                if approval is HourStatus.REJECTED:
                    self.report(
                        HOURS_REJECTED,
                        f"entry {entry!r} is Rejected: it counts in actuals but cannot be billed",
                        SheetName.HOURS,
                        row.row,
                        "status",
                    )
            lines.append(
                HourLine(
                    entry,
                    project,
                    task,
                    user,
                    role,
                    row.get("date"),
                    row.get("hours"),
                    True if billable is None else billable,
                    record,
                    row.row,
                    hour_type,
                    approval,
                )
            )
        return lines

    def read_expense_types(self) -> dict[str, ExpenseType]:
        found = self._dated_objects(
            SheetName.EXPENSE_TYPES, "expense_type", ("unit",), ("rate",), {}
        )
        types = {}
        for name, e in found.items():
            if name in BUILT_IN_EXPENSE_TYPES:
                continue  # a built-in type given a unit and rates: kept as written
            for period in e["rate"]:
                if -int(period.rate.as_tuple().exponent) > 4:
                    self.report(
                        EXPENSE_RATE_TOO_PRECISE,
                        f"rate {period.rate} of expense type {name!r} has more than 4 decimals",
                        SheetName.EXPENSE_TYPES,
                        period.row,
                        "rate",
                    )
            types[name] = ExpenseType(
                expense_type=name,
                unit=e["unit"],
                rates=self.check_periods(e["rate"], f"expense type {name!r}"),
                row=e["row"],
            )
        return types

    def read_expenses(
        self,
        projects: dict[str, Project],
        tasks: dict[tuple[str, str], Task],
        records: dict[str, BillingRecord],
        expense_types: dict[str, ExpenseType],
    ) -> list[Expense]:
        project_ids, record_ids = _Ids("project", projects), _Ids("billing record", records)
        task_ids = _task_ids(tasks)
        found: list[Expense] = []
        for row in self._unique(SheetName.EXPENSES, "expense", "expense"):
            project = self.check_ref(project_ids, row, SheetName.EXPENSES, "project")
            task = self.check_task(tasks, task_ids, row, SheetName.EXPENSES, project)
            record = self.check_record(records, record_ids, row, SheetName.EXPENSES, project)
            if project is None or (row["task"] is not None and task is None):
                continue
            kind = row["expense_type"]
            units = row["planned_units"] is not None or row["actual_units"] is not None
            if (
                kind is not None
                and kind not in BUILT_IN_EXPENSE_TYPES
                and kind not in expense_types
            ):
                self.report(
                    EXPENSE_UNITS_WITHOUT_RATE if units else EXPENSE_TYPE_UNKNOWN,
                    f"expense type {kind!r} is neither built in nor in the Expense types sheet"
                    + ("; its units have no rate" if units else ""),
                    SheetName.EXPENSES,
                    row.row,
                    "expense_type",
                )
                if units:
                    continue
            elif units and (kind is None or kind not in expense_types):
                self.report(
                    EXPENSE_UNITS_WITHOUT_RATE,
                    "units need an expense type of the Expense types sheet (its rate per unit)",
                    SheetName.EXPENSES,
                    row.row,
                    "expense_type",
                )
                continue
            found.append(
                Expense(
                    row["expense"],
                    project,
                    task,
                    row["expense_type"],
                    row["description"],
                    row["planned_date"],
                    row["planned_amount"],
                    row["date_paid"],
                    row["actual_amount"],
                    bool(row["billable"]),
                    bool(row["reimbursable"]),
                    bool(row["reimbursed"]),
                    record,
                    row.row,
                    row["planned_units"],
                    row["actual_units"],
                )
            )
        return found


def _task_ids(tasks: dict[tuple[str, str], Task]) -> dict[str, _Ids]:
    by_project: dict[str, list[str]] = defaultdict(list)
    for project, task in tasks:
        by_project[project].append(task)
    return {p: _Ids("task", ts, f" of project {p!r}") for p, ts in by_project.items()}


def _weekdays(text: str) -> frozenset[int] | None:
    names = [w.strip()[:3].casefold() for w in re.split(r"[,;\s]+", text) if w.strip()]
    table = {d.casefold(): i for i, d in enumerate(WEEKDAYS)}
    table.update({"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6})
    if not names or any(n not in table for n in names):
        return None
    return frozenset(table[n] for n in names)


def _span(period: RatePeriod) -> str:
    return f"{period.start or '…'} to {period.end or '…'}"


def _label(group: Any) -> str:
    if isinstance(group, tuple):
        return " ".join(str(part) for part in group if part is not None)
    return str(group)
