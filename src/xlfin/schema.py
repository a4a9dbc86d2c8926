"""The workbook contract (v1): every sheet and column xlfin reads, in one table.

Everything that knows a sheet's or a column's name reads it from here: the reader,
the template writer and the generated documentation. Other languages' headers are
added as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    """What a cell holds, and so how it is read."""

    TEXT = "text"
    ID = "id"
    MONEY = "money"
    RATE = "rate"
    HOURS = "hours"
    NUMBER = "number"
    DATE = "date"
    BOOL = "yes/no"
    CHOICE = "choice"
    CURRENCY = "currency"


class CostType(StrEnum):
    NO_COST = "No Cost"
    FIXED_HOURLY = "Fixed Hourly"
    USER_HOURLY = "User Hourly"
    ROLE_HOURLY = "Role Hourly"
    USER_AND_ROLE_HOURLY = "User and Role Hourly"
    """Model 17.3: the assignment's cost rate, then the user's chain."""


class RevenueType(StrEnum):
    NOT_BILLABLE = "Not Billable"
    FIXED_REVENUE = "Fixed Revenue"
    FIXED_HOURLY = "Fixed Hourly"
    USER_HOURLY = "User Hourly"
    USER_HOURLY_PLUS_FIXED = "User Hourly Plus Fixed"
    USER_HOURLY_WITH_CAP = "User Hourly with Cap"
    ROLE_HOURLY = "Role Hourly"
    ROLE_HOURLY_PLUS_FIXED = "Role Hourly Plus Fixed"
    ROLE_HOURLY_WITH_CAP = "Role Hourly with Cap"
    USER_AND_ROLE_HOURLY = "User and Role Hourly"
    USER_AND_ROLE_HOURLY_PLUS_FIXED = "User and Role Hourly Plus Fixed"
    USER_AND_ROLE_HOURLY_WITH_CAP = "User and Role Hourly with Cap"

    @property
    def is_user_hourly(self) -> bool:
        return self.startswith("User Hourly")

    @property
    def is_role_hourly(self) -> bool:
        return self.startswith("Role Hourly")

    @property
    def per_hour(self) -> bool:
        """Revenue from each assignment's and line's billing rate (the three hourly
        families; not Fixed Hourly, whose rate is the task's)."""
        return self.is_user_hourly or self.is_role_hourly or self.is_user_and_role_hourly

    @property
    def is_user_and_role_hourly(self) -> bool:
        """Model 17: the full rate hierarchy (assignment rates, job role for billing)."""
        return self.startswith("User and Role Hourly")

    @property
    def plus_fixed(self) -> bool:
        return self.endswith("Plus Fixed")

    @property
    def with_cap(self) -> bool:
        return self.endswith("with Cap")


def overtime_applies(kind: RevenueType) -> bool:
    """Model 11.2: an Overtime ratio multiplies planned revenue of the User and Role Hourly
    family only (finance model section 17); on every other revenue type it is ignored with
    a warning."""
    return kind.is_user_and_role_hourly


class TaskStatus(StrEnum):
    NEW = "New"
    IN_PROGRESS = "In Progress"
    COMPLETE = "Complete"


class HourStatus(StrEnum):
    """Hours › Status (model 18); "Not Approved" is read as Rejected."""

    SUBMITTED = "Submitted"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class HourScope(StrEnum):
    GENERAL = "General"
    PROJECT_SPECIFIC = "Project Specific"


class ProjectStatus(StrEnum):
    PLANNING = "Planning"
    CURRENT = "Current"
    ON_HOLD = "On Hold"
    COMPLETE = "Complete"
    DEAD = "Dead"


class BillingStatus(StrEnum):
    NOT_BILLED = "Not Billed"
    BILLED = "Billed"


class SheetName(StrEnum):
    """The input sheets, as their headers are matched (ignoring case and spaces)."""

    SETTINGS = "Settings"
    SCHEDULES = "Schedules"
    SCHEDULE_EXCEPTIONS = "Schedule exceptions"
    ROLES = "Roles"
    USERS = "Users"
    USER_ROLES = "User roles"
    COMPANIES = "Companies"
    COMPANY_RATES = "Company rates"
    RATE_CARDS = "Rate cards"
    PROJECTS = "Projects"
    PROJECT_RATES = "Project rates"
    PROJECT_COST_RATES = "Project cost rates"
    BILLING_ROLES = "Billing roles"
    BUDGETS = "Budgets"
    TASKS = "Tasks"
    ASSIGNMENTS = "Assignments"
    HOUR_TYPES = "Hour types"
    HOURS = "Hours"
    EXPENSE_TYPES = "Expense types"
    EXPENSES = "Expenses"
    BILLING_RECORDS = "Billing records"
    EXCHANGE_RATES = "Exchange rates"


class SettingName(StrEnum):
    """The settings of the Settings sheet (column Setting)."""

    CURRENCY = "Currency"
    DECIMALS = "Decimals"
    TIME_ZONE = "Time zone"
    WORKBOOK_ID = "Workbook ID"
    AGENCY_NAME = "Agency name"
    AS_OF_DATE = "As of date"
    PERIOD = "Period"
    PERFORMANCE_INDEX_METHOD = "Performance index method"
    EAC_METHOD = "EAC method"
    BUDGET_WARNING = "Budget warning"


SETTING_DEFAULTS: dict[SettingName, str] = {
    SettingName.CURRENCY: "USD",
    SettingName.DECIMALS: "2",
    SettingName.TIME_ZONE: "UTC",
}
"""What a workbook without the setting gets, and what the template fills in."""


def _values(choices: type[StrEnum]) -> tuple[str, ...]:
    return tuple(choice.value for choice in choices)


COST_TYPES = _values(CostType)
REVENUE_TYPES = _values(RevenueType)
TASK_STATUSES = _values(TaskStatus)
PROJECT_STATUSES = _values(ProjectStatus)
HOUR_SCOPES = _values(HourScope)
HOUR_STATUSES = (*_values(HourStatus), "Not Approved")
BILLING_STATUSES = _values(BillingStatus)
TRUE_WORDS = ("yes", "true", "y", "1", "oui")
FALSE_WORDS = ("no", "false", "n", "0", "non")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    """The header must be present and every row must fill the cell."""
    choices: tuple[str, ...] = ()
    default: str | None = None
    description: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()
    width: int = 14
    signed: bool = False
    """A number that may be below zero (a credit); other numbers must be ≥ 0."""

    @cached_property
    def key(self) -> str:
        """The field name used in parsed rows: `Billing rate` -> `billing_rate`."""
        return self.name.lower().replace(" ", "_")


@dataclass(frozen=True)
class Sheet:
    name: str
    description: str
    columns: tuple[Column, ...]
    required: bool = False
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"{self.name} has no column {key!r}")


def _id(name: str, description: str, example: str, required: bool = True) -> Column:
    return Column(name, Kind.ID, required, description=description, example=example)


def _start(
    description: str = "First day of this rate's period (inclusive); blank: from the beginning.",
    example: str = "2024-01-01",
) -> Column:
    return Column("Start date", Kind.DATE, description=description, example=example, width=12)


def _end(
    description: str = "Last day of this rate's period (inclusive); blank: for ever.",
    example: str = "2024-12-31",
) -> Column:
    return Column("End date", Kind.DATE, description=description, example=example, width=12)


BLANK_IS_BASE = "Currency of the rate (ISO code); blank: the base currency (Settings › Currency)."
BLANK_IS_PROJECTS = "Currency of the rate (ISO code); blank: the project's currency."


def _currency(
    name: str = "Currency",
    description: str = BLANK_IS_BASE,
    example: str = "USD",
    width: int = 10,
) -> Column:
    return Column(name, Kind.CURRENCY, description=description, example=example, width=width)


def _billing_rate(required: bool = False) -> Column:
    return Column(
        "Billing rate",
        Kind.RATE,
        required,
        description="Money per hour billed to the customer. Blank: no rate; 0 is a rate.",
        example="150.00",
    )


def _cost_rate() -> Column:
    return Column(
        "Cost rate",
        Kind.RATE,
        description="Money per hour it costs. Blank: no rate; 0 is a rate.",
        example="60.00",
    )


def _bool(name: str, default: str, description: str) -> Column:
    return Column(
        name,
        Kind.BOOL,
        choices=("Yes", "No"),
        default=default,
        description=description,
        example="Yes",
        width=10,
    )


def _billing_record_ref(description: str) -> Column:
    return Column("Billing record", Kind.ID, description=description, example="B-2024-01")


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        SheetName.SETTINGS,
        "Workbook-wide settings, one per row.",
        (
            Column(
                "Setting",
                Kind.TEXT,
                True,
                description=f"{', '.join(SettingName)}.",
                example="Currency",
                width=16,
            ),
            Column("Value", Kind.TEXT, description="The setting's value.", example="EUR", width=16),
        ),
        notes=(
            f"`{SettingName.CURRENCY}`: the base currency, ISO 4217 code, default "
            f"{SETTING_DEFAULTS[SettingName.CURRENCY]}: every project's currency unless "
            "Projects › Currency says otherwise, and the currency of totals over several "
            "projects.",
            f"`{SettingName.DECIMALS}`: decimals of the currency's minor unit, 0 to 4, default "
            f"{SETTING_DEFAULTS[SettingName.DECIMALS]}.",
            f"`{SettingName.TIME_ZONE}`: IANA name (e.g. Europe/Paris), default "
            f"{SETTING_DEFAULTS[SettingName.TIME_ZONE]}. Dates are calendar dates in this zone; "
            "nothing is shifted.",
            f"`{SettingName.WORKBOOK_ID}`: this workbook's own identity, under which the ledger "
            "keeps its billed records apart from other workbooks' (`xlfin template` writes a "
            "fresh one). Keep it when the file is renamed or copied to a new period; give a "
            "new one to a workbook for another client. Without it, xlfin uses the file name, "
            "with a warning. Up to 100 characters.",
            f"`{SettingName.AGENCY_NAME}`: the name that heads the statements sent to clients.",
            f"`{SettingName.AS_OF_DATE}`: the date the report stands at (YYYY-MM-DD): totals "
            "over projects in several currencies are converted to the base currency at its "
            "rates. Default: the day of the build in the workbook's time zone; "
            "`xlfin build --as-of` overrides both.",
            f"`{SettingName.PERFORMANCE_INDEX_METHOD}`: Hour-Based (default) or Cost-Based: "
            "how CPI and EAC are computed, for projects that do not say (Projects › "
            "Performance index method).",
            f"`{SettingName.EAC_METHOD}`: Project level (default) or Roll up: a parent's and "
            "the project's EAC from their own rolled-up figures, or as the sum of their "
            "subtasks' EAC (Projects › EAC method).",
            f"`{SettingName.BUDGET_WARNING}`: the share of a project's Budget (percent, "
            "default 90) at which its actual cost is warned about (BUDGET_THRESHOLD).",
            f"`{SettingName.PERIOD}`: the buckets of the By period sheet: Week, Month, Quarter "
            "or Year, default Month. A week is Workfront's allocation period: it starts on a "
            "Sunday or on the first day of a month, so a week across two months is two rows "
            "and weeks add up to months.",
        ),
    ),
    Sheet(
        SheetName.EXCHANGE_RATES,
        "Exchange rates against the base currency (Settings › Currency), one row per currency "
        "and period. Rate: how many units of the currency one unit of the base currency buys "
        "— base USD, EUR 0.92: 100.00 USD = 92.00 EUR, and 92.00 EUR = 100.00 USD. The base "
        "currency has rate 1 and needs no row.",
        (
            Column(
                "Currency",
                Kind.CURRENCY,
                True,
                description="ISO code of the currency.",
                example="EUR",
                width=10,
            ),
            Column(
                "Rate",
                Kind.NUMBER,
                True,
                description="Units of this currency that one unit of the base currency buys (> 0).",
                example="0.92",
                width=10,
            ),
            _start("First day of this rate (inclusive); blank: from the beginning."),
            _end("Last day of this rate (inclusive); blank: for ever."),
            Column(
                "Decimals",
                Kind.NUMBER,
                default="2",
                description="Decimals of this currency's minor unit, 0 to 4 (JPY: 0).",
                example="2",
                width=9,
            ),
        ),
        notes=(
            "Dated rows follow the rules of dated rates: the first also applies before its "
            "start, the last after its end; a gap between two rows is an error "
            "(EXCHANGE_RATE_GAP).",
            "An amount is converted once, where it is computed: an hour line on its date, "
            "planned hours on each working day, an expense from units on its date; the factor "
            "is the exact ratio of the two rates, and the amount is rounded once.",
        ),
    ),
    Sheet(
        SheetName.SCHEDULES,
        "Working weeks. A project's planned hours are spread over its schedule's working days.",
        (
            _id("Schedule", "Schedule id.", "Standard"),
            Column(
                "Working days",
                Kind.TEXT,
                default="Mon,Tue,Wed,Thu,Fri",
                description="Working weekdays, comma-separated (Mon … Sun).",
                example="Mon,Tue,Wed,Thu,Fri",
                width=22,
            ),
            Column(
                "Hours per day",
                Kind.HOURS,
                default="8",
                description="Working hours in a day (informational).",
                example="8",
            ),
        ),
    ),
    Sheet(
        SheetName.SCHEDULE_EXCEPTIONS,
        "Days off (holidays) of a schedule: not working days.",
        (
            _id("Schedule", "The schedule this day off belongs to.", "Standard"),
            Column(
                "Date", Kind.DATE, True, description="The day off.", example="2024-12-25", width=12
            ),
            Column("Description", Kind.TEXT, description="Why.", example="Christmas", width=24),
        ),
    ),
    Sheet(
        SheetName.ROLES,
        "Job roles and their system rates. Several rows per role give dated rates.",
        (
            _id("Role", "Role id.", "Designer"),
            _cost_rate(),
            _billing_rate(),
            _currency(),
            _start(),
            _end(),
        ),
    ),
    Sheet(
        SheetName.USERS,
        "People who log hours. Several rows per user give dated rates; name, primary role and "
        "location go on the first row.",
        (
            _id("User", "User id.", "alice"),
            Column("Name", Kind.TEXT, description="Full name.", example="Alice Martin", width=20),
            Column(
                "Primary role",
                Kind.ID,
                description="The user's job role (Roles sheet).",
                example="Designer",
            ),
            Column(
                "Other roles",
                Kind.TEXT,
                description="The user's other job roles (Roles sheet), comma-separated.",
                example="Senior Designer",
                width=20,
            ),
            Column(
                "Location",
                Kind.TEXT,
                description="Where the user works; selects rate-card lines.",
                example="Paris",
            ),
            _cost_rate(),
            _billing_rate(),
            _currency(),
            _start(),
            _end(),
            _bool(
                "Cost rate override allowed",
                "No",
                "Yes: a project may give the user a cost rate of its own (Project cost rates).",
            ),
        ),
    ),
    Sheet(
        SheetName.USER_ROLES,
        "A user's role set from a date on (it lasts until the user's next row); before the "
        "first row, the Users sheet's roles apply.",
        (
            _id("User", "The user (Users sheet).", "alice"),
            Column(
                "Start date",
                Kind.DATE,
                True,
                description="First day of this role set.",
                example="2024-07-01",
                width=12,
            ),
            Column(
                "Primary role",
                Kind.ID,
                description="Primary role from that date.",
                example="Senior Designer",
            ),
            Column(
                "Other roles",
                Kind.TEXT,
                description="Other roles from that date, comma-separated.",
                example="Designer",
                width=20,
            ),
        ),
    ),
    Sheet(
        SheetName.COMPANIES,
        "Customers.",
        (
            _id("Company", "Company id.", "ACME"),
            Column("Name", Kind.TEXT, description="Company name.", example="Acme Corp", width=24),
        ),
    ),
    Sheet(
        SheetName.COMPANY_RATES,
        "A company's billing rate for a role (overrides the system rate on its projects that "
        "have no rate card).",
        (
            _id("Company", "Company id.", "ACME"),
            _id("Role", "Role id.", "Designer"),
            _billing_rate(required=True),
            _currency(),
            _start(),
            _end(),
        ),
    ),
    Sheet(
        SheetName.RATE_CARDS,
        "Named sets of role billing rates by location. One row per role, location and period.",
        (
            _id("Rate card", "Rate card id.", "EU-2024"),
            _currency(example="EUR"),
            _id("Role", "Role id.", "Designer"),
            Column("Location", Kind.TEXT, description="Blank: any location.", example="Paris"),
            _billing_rate(required=True),
            _start(),
            _end(),
            _bool(
                "Locked",
                "No",
                "Yes: this line wins over every other rate of its role on the card's projects, "
                "company and project overrides included.",
            ),
        ),
    ),
    Sheet(
        SheetName.PROJECTS,
        "Projects, one row each. The only sheet that must be present.",
        (
            _id("Project", "Project id.", "P-100"),
            Column(
                "Name", Kind.TEXT, description="Project name.", example="Website redesign", width=24
            ),
            Column("Company", Kind.ID, description="Customer (Companies sheet).", example="ACME"),
            Column(
                "Rate card",
                Kind.ID,
                description="Rate card attached (Rate cards sheet).",
                example="EU-2024",
            ),
            Column(
                "Schedule",
                Kind.ID,
                description="Working week (Schedules sheet); blank: Mon–Fri.",
                example="Standard",
            ),
            Column(
                "Planned start",
                Kind.DATE,
                description="Default start of its tasks.",
                example="2024-06-03",
                width=12,
            ),
            Column(
                "Planned completion",
                Kind.DATE,
                description="Default completion of its tasks.",
                example="2024-09-27",
                width=12,
            ),
            _bool(
                "Company rates override",
                "No",
                "Yes: the company's role rates win over the project's own rates.",
            ),
            _bool(
                "Require time approval",
                "No",
                "Yes: only Approved hours may be put in a billing record.",
            ),
            Column(
                "Fixed cost",
                Kind.MONEY,
                description="Added to planned and actual cost.",
                example="200.00",
            ),
            Column(
                "Fixed revenue",
                Kind.MONEY,
                description="Added to planned revenue, and to actual revenue once the project "
                "is Complete; never in a billing record (bill it as a record's Additional "
                "amount).",
                example="1000.00",
            ),
            Column(
                "Status",
                Kind.CHOICE,
                choices=PROJECT_STATUSES,
                default="Current",
                description="Complete: its Fixed revenue is realized (actual revenue).",
                example="Current",
            ),
            Column(
                "Actual completion",
                Kind.DATE,
                description="When it was completed (a Complete project without one: a warning).",
                example="2024-09-30",
                width=12,
            ),
            Column(
                "Report to",
                Kind.TEXT,
                description="E-mail addresses that receive its report, separated by commas "
                "or semicolons; a name may come first (Jane Doe <jane@acme.example>). A piece "
                "that is not an address is a warning and gets no mail.",
                example="cfo@acme.example",
                width=24,
            ),
            Column(
                "Budget",
                Kind.MONEY,
                description="The budget the project's actual and planned cost are measured "
                "against (project currency); blank: none.",
                example="25000.00",
            ),
            Column(
                "Performance index method",
                Kind.CHOICE,
                choices=("Hour-Based", "Cost-Based"),
                description="How its CPI and EAC are computed; blank: Settings › Performance "
                "index method (default Hour-Based).",
                example="Hour-Based",
                width=12,
            ),
            Column(
                "EAC method",
                Kind.CHOICE,
                choices=("Project level", "Roll up"),
                description="Project level: its EAC from its own rolled-up figures; Roll up: "
                "the sum of its top-level tasks' EAC. Blank: Settings › EAC method (default "
                "Project level).",
                example="Project level",
                width=12,
            ),
            Column(
                "Currency",
                Kind.CURRENCY,
                description="ISO code of the project's currency: its figures, Tasks › Hourly "
                "rate, Hourly cost and Fixed amount, its Fixed cost and revenue, its expenses' "
                "amounts and its records' Additional amount are in it. Blank: the base "
                "currency (Settings › Currency).",
                example="EUR",
                width=10,
            ),
            Column(
                "Exchange rate",
                Kind.NUMBER,
                description="The project's own rate for its currency: units of it that one "
                "unit of the base currency buys, on every date (it replaces the Exchange "
                "rates sheet's rows for this project). Blank: the Exchange rates sheet.",
                example="0.92",
                width=10,
            ),
        ),
        required=True,
    ),
    Sheet(
        SheetName.PROJECT_RATES,
        "A project's own billing rate for a role, or for a user. Several rows give dated rates.",
        (
            _id("Project", "Project id.", "P-100"),
            Column(
                "Role",
                Kind.ID,
                description="The role overridden (or give a User).",
                example="Designer",
            ),
            Column(
                "User", Kind.ID, description="The user overridden (or give a Role).", example=""
            ),
            _billing_rate(required=True),
            _currency(description=BLANK_IS_PROJECTS, example=""),
            _start(),
            _end(),
        ),
    ),
    Sheet(
        SheetName.PROJECT_COST_RATES,
        "A project's own cost rate for a user, where the user allows it (Users › Cost rate "
        "override allowed). Several rows give dated rates.",
        (
            _id("Project", "Project id.", "P-100"),
            _id("User", "The user.", "alice"),
            Column(
                "Cost rate",
                Kind.RATE,
                True,
                description="Money per hour it costs on this project.",
                example="55.00",
            ),
            _currency(description=BLANK_IS_PROJECTS, example=""),
            _start(),
            _end(),
        ),
    ),
    Sheet(
        SheetName.BILLING_ROLES,
        "A user's job role for billing on a project, for a period: on User and Role Hourly "
        "tasks the user is billed as that role (not costed: cost keeps the user's roles).",
        (
            _id("Project", "Project id.", "P-100"),
            _id("User", "The user billed under another role.", "john"),
            _id("Role", "The job role for billing (Roles sheet).", "Senior Designer"),
            _start("First day (inclusive); blank: from the beginning.", "2024-08-01"),
            _end(
                "Last day (inclusive); blank: for ever. Outside every period the user has no "
                "job role for billing.",
                "2024-08-31",
            ),
        ),
    ),
    Sheet(
        SheetName.BUDGETS,
        "Budgeted hours of a project by job role (Workfront's Resource Planner), priced at "
        "the role's cost and billing rates on each working day of their period. A row with "
        "a User is that user's share of the role's hours (informational).",
        (
            _id("Project", "Project id.", "P-100"),
            _id("Role", "The budgeted job role (Roles sheet).", "Designer"),
            Column(
                "User",
                Kind.ID,
                description="A user's share of the role's budget; blank: the role's budget.",
                example="",
            ),
            _start(
                "First day of the period the hours are budgeted over; blank: the "
                "project's planned start.",
                "2024-01-01",
            ),
            _end("Last day of that period; blank: the project's planned completion.", "2024-01-31"),
            Column(
                "Budgeted hours",
                Kind.HOURS,
                True,
                description="Hours budgeted for the role (or the user) over the period.",
                example="100",
            ),
        ),
    ),
    Sheet(
        SheetName.TASKS,
        "Tasks, identified by Project and Task.",
        (
            _id("Project", "Project id.", "P-100"),
            _id("Task", "Task id, unique within its project.", "T1"),
            Column("Name", Kind.TEXT, description="Task name.", example="Wireframes", width=24),
            Column(
                "Planned start",
                Kind.DATE,
                description="Blank: the project's planned start.",
                example="2024-06-03",
                width=12,
            ),
            Column(
                "Planned completion",
                Kind.DATE,
                description="Blank: the project's planned completion.",
                example="2024-06-07",
                width=12,
            ),
            Column("Planned hours", Kind.HOURS, description="Total planned hours.", example="40"),
            Column(
                "Cost type",
                Kind.CHOICE,
                choices=COST_TYPES,
                default="User Hourly",
                description="How labor cost is computed.",
                example="Role Hourly",
                width=16,
            ),
            Column(
                "Revenue type",
                Kind.CHOICE,
                choices=REVENUE_TYPES,
                default="User Hourly",
                description="How revenue is computed.",
                example="Role Hourly",
                width=22,
            ),
            Column(
                "Hourly cost",
                Kind.RATE,
                description="Cost per hour for Fixed Hourly cost.",
                example="50.00",
            ),
            Column(
                "Hourly rate",
                Kind.RATE,
                description="Billing rate for Fixed Hourly revenue.",
                example="120.00",
            ),
            Column(
                "Fixed amount",
                Kind.MONEY,
                description="Fixed revenue, the fixed part of Plus Fixed, or the cap.",
                example="5000.00",
            ),
            Column(
                "Overtime ratio",
                Kind.NUMBER,
                signed=True,  # 0 and below get their own error, OVERTIME_RATIO_INVALID
                description="Multiplies planned revenue of a User and Role Hourly task (blank: "
                "1); ignored, with a warning, on any other revenue type.",
                example="1.25",
            ),
            Column(
                "Role",
                Kind.ID,
                description="The task's job role (Roles sheet).",
                example="Designer",
            ),
            Column(
                "Status",
                Kind.CHOICE,
                choices=TASK_STATUSES,
                default="New",
                description="Fixed amounts are realized when Complete.",
                example="In Progress",
            ),
            Column(
                "Actual completion",
                Kind.DATE,
                description="When it was completed (a Complete task without one: a warning).",
                example="2024-06-07",
                width=12,
            ),
            _billing_record_ref(
                "Billing record holding this task's fixed amount (Fixed Revenue or … Plus "
                "Fixed, once Complete)."
            ),
            Column(
                "Percent complete",
                Kind.NUMBER,
                signed=True,  # outside 0–100 gets its own error, PERCENT_COMPLETE_INVALID
                description="0 to 100: how much of the task is done, for its performance "
                "indexes (BCWP). Blank: 100 if Complete, else 0.",
                example="40",
                width=10,
            ),
            Column(
                "Parent task",
                Kind.ID,
                description="The task (same project) this one is a subtask of. A parent's "
                "own planned hours and assignments are ignored: its plan is its subtasks'.",
                example="T1",
                width=10,
            ),
        ),
    ),
    Sheet(
        SheetName.ASSIGNMENTS,
        "Who is planned to work on a task: a user, a role, or both.",
        (
            _id("Project", "Project id.", "P-100"),
            _id("Task", "Task id.", "T1"),
            Column("User", Kind.ID, description="Assigned user (or give a Role).", example="alice"),
            Column(
                "Role", Kind.ID, description="Role the assignment works as.", example="Designer"
            ),
            Column(
                "Location", Kind.TEXT, description="Blank: the user's location.", example="Paris"
            ),
            Column(
                "Planned hours",
                Kind.HOURS,
                description="This assignment's share; blank: an equal share of what is left.",
                example="24",
            ),
            Column(
                "Job role for billing",
                Kind.ID,
                description="User and Role Hourly tasks: the role (Roles sheet) the assignee is "
                "billed as, whatever their own roles; not on a role-only assignment.",
                example="Senior Designer",
                width=18,
            ),
            Column(
                "Billing rate",
                Kind.RATE,
                description="User and Role Hourly tasks: this assignment's own billing rate "
                "(one rate, no dates); only a locked rate-card line wins over it.",
                example="120.00",
            ),
            Column(
                "Cost rate",
                Kind.RATE,
                description="User and Role Hourly cost: this assignment's own cost rate.",
                example="55.00",
            ),
            _currency(
                "Rate currency",
                "Currency of the assignment's rates (ISO code); blank: the project's currency.",
                example="",
            ),
            _bool(
                "Billable",
                "Yes",
                "User and Role Hourly tasks: No gives the assignment no planned revenue and "
                "its assignee's hours on the task no revenue (cost is unchanged).",
            ),
        ),
    ),
    Sheet(
        SheetName.HOUR_TYPES,
        "Custom hour types (Sick Time, Vacation Time, General Overhead, Project Time, Task "
        "Time and Issue Time are built in and need no row).",
        (
            _id("Hour type", "Its name, as Hours › Hour type gives it.", "Internal"),
            Column(
                "Scope",
                Kind.CHOICE,
                choices=HOUR_SCOPES,
                default="Project Specific",
                description="General types are for timesheets only, never on an Hours line.",
                example="Project Specific",
                width=16,
            ),
            _bool("Counts as revenue", "Yes", "No: its hours add cost but no revenue."),
            Column("Description", Kind.TEXT, description="Free text.", example="", width=24),
        ),
    ),
    Sheet(
        SheetName.HOURS,
        "Logged hours, one line per entry.",
        (
            _id("Entry", "Entry id.", "H-0001"),
            _id("Project", "Project id.", "P-100"),
            Column(
                "Task", Kind.ID, description="Blank: logged on the project itself.", example="T1"
            ),
            _id("User", "Who logged it.", "alice"),
            Column(
                "Role",
                Kind.ID,
                description="Role the hours were logged as (optional).",
                example="Designer",
            ),
            Column(
                "Date", Kind.DATE, True, description="Day worked.", example="2024-06-04", width=12
            ),
            Column(
                "Hours", Kind.HOURS, True, description="Hours worked (≥ 0).", example="7.5", width=8
            ),
            Column(
                "Hour type",
                Kind.ID,
                default="Task Time",
                description="Task Time on a task, Project Time on the project itself, or a "
                "project-specific type of the Hour types sheet.",
                example="Task Time",
                width=12,
            ),
            _bool(
                "Billable",
                "Yes",
                "No: adds cost but no revenue. Blank: its hour type's Counts as revenue.",
            ),
            Column(
                "Status",
                Kind.CHOICE,
                choices=HOUR_STATUSES,
                default="Submitted",
                description="Approval: on a project that requires it, only Approved lines may be "
                "billed; a Rejected (Not Approved) line never. Actuals count every line.",
                example="Approved",
                width=12,
            ),
            _billing_record_ref("Billing record the line is billed in."),
        ),
    ),
    Sheet(
        SheetName.EXPENSE_TYPES,
        "Custom expense types, with a unit and a rate per unit; several rows of one type "
        "give dated rates.",
        (
            _id("Expense type", "Its name, as Expenses › Expense type gives it.", "Mileage"),
            Column("Unit", Kind.TEXT, description="Mile, Kilometer, Day, …", example="Kilometer"),
            Column(
                "Rate",
                Kind.RATE,
                description="Money per unit, at most 4 decimals; blank: no rate.",
                example="0.3125",
            ),
            _currency(),
            _start(),
            _end(),
        ),
    ),
    Sheet(
        SheetName.EXPENSES,
        "Expenses of a project or of one of its tasks.",
        (
            _id("Expense", "Expense id.", "E-01"),
            _id("Project", "Project id.", "P-100"),
            Column("Task", Kind.ID, description="Blank: a project expense.", example="T1"),
            Column(
                "Expense type",
                Kind.TEXT,
                description="A built-in type (Advertising, Consulting, Entertainment, General, "
                "Materials, Travel) or a row of Expense types.",
                example="Travel",
            ),
            Column(
                "Description",
                Kind.TEXT,
                description="Free text.",
                example="Train to Lyon",
                width=24,
            ),
            Column(
                "Planned date",
                Kind.DATE,
                description="When it is planned.",
                example="2024-06-10",
                width=12,
            ),
            Column(
                "Planned amount", Kind.MONEY, description="Adds to planned cost.", example="120.00"
            ),
            Column(
                "Date paid",
                Kind.DATE,
                description="When it was paid.",
                example="2024-06-12",
                width=12,
            ),
            Column(
                "Actual amount", Kind.MONEY, description="Adds to actual cost.", example="118.40"
            ),
            Column(
                "Planned units",
                Kind.NUMBER,
                description="Units of its expense type (e.g. km); planned amount = units × the "
                "type's rate on the Planned date.",
                example="250",
            ),
            Column(
                "Actual units",
                Kind.NUMBER,
                description="Units used; actual amount = units × the type's rate on the Date "
                "paid (blank: the Planned date).",
                example="263",
            ),
            _bool("Billable", "No", "Yes: may be put in a billing record."),
            _bool("Reimbursable", "No", "Owed back to whoever paid it."),
            _bool("Reimbursed", "No", "Has been paid back."),
            _billing_record_ref("Billing record the expense is billed in."),
        ),
    ),
    Sheet(
        SheetName.BILLING_RECORDS,
        "Invoices-to-be of a project. Billed records are frozen.",
        (
            _id("Billing record", "Billing record id.", "B-2024-01"),
            _id("Project", "Project id.", "P-100"),
            Column(
                "Description", Kind.TEXT, description="Free text.", example="June work", width=24
            ),
            Column(
                "Status",
                Kind.CHOICE,
                choices=BILLING_STATUSES,
                default="Not Billed",
                description="Billed: the record is frozen.",
                example="Billed",
                width=12,
            ),
            Column(
                "Billing date",
                Kind.DATE,
                description="When it was billed.",
                example="2024-06-30",
                width=12,
            ),
            Column("Invoice ID", Kind.TEXT, description="Your invoice number.", example="INV-0042"),
            Column(
                "PO number", Kind.TEXT, description="Customer's purchase order.", example="PO-7781"
            ),
            Column(
                "Additional amount",
                Kind.MONEY,
                signed=True,
                description="Added to the record's total (may be negative: a credit).",
                example="0.00",
            ),
        ),
    ),
)

SHEETS_BY_NAME: dict[str, Sheet] = {sheet.name: sheet for sheet in SHEETS}
IGNORED_SHEETS = ("Instructions",)
"""Sheets that the template writes for people and the reader skips without a warning."""


COLUMN_NAMES: dict[str, str] = {
    column.key: column.name for sheet in SHEETS for column in sheet.columns
}


def column_name(key: str) -> str:
    """The header of the contract's column with field key `key` (`billing_rate` -> "Billing
    rate"), the same in every sheet that has it: the report shows input fields under the
    names the workbook gives them."""
    return COLUMN_NAMES[key]


def normalize(name: object) -> str:
    """The form in which sheet and column names are compared: trimmed, case-folded."""
    return " ".join(str(name).split()).casefold()


def find_sheet(name: str) -> Sheet | None:
    """The contract's sheet called `name` (or one of its aliases), ignoring case and spaces."""
    wanted = normalize(name)
    for sheet in SHEETS:
        if wanted in {normalize(n) for n in (sheet.name, *sheet.aliases)}:
            return sheet
    return None


def find_column(sheet: Sheet, header: object) -> Column | None:
    wanted = normalize(header)
    for column in sheet.columns:
        if wanted in {normalize(n) for n in (column.name, *column.aliases)}:
            return column
    return None
