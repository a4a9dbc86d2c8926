"""Problems: what is wrong (or worth a look) in a workbook, as values.

Every problem has a stable code from the one catalogue below, a severity, and
where it is: sheet, row, column letter, cell and field. Problems are collected,
never raised; `docs/problems.md` is generated from the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    explanation: str
    fix: str


E, W = Severity.ERROR, Severity.WARNING

CATALOGUE: tuple[Code, ...] = (
    # The file itself
    Code(
        "FILE_NOT_FOUND",
        E,
        "File not found",
        "The path given does not exist.",
        "Check the path and the file name.",
    ),
    Code(
        "FILE_NOT_WORKBOOK",
        E,
        "Not an Excel workbook",
        "The file is not an .xlsx/.xlsm workbook (it may be another format renamed, empty or "
        "truncated).",
        "Open it in Excel and save it as an Excel Workbook (.xlsx).",
    ),
    Code(
        "FILE_LEGACY_XLS",
        E,
        "Legacy .xls workbook",
        "The file is in the Excel 97–2003 format, which xlfin does not read.",
        "Open it in Excel and save it as an Excel Workbook (.xlsx).",
    ),
    Code(
        "FILE_ENCRYPTED",
        E,
        "Password-protected workbook",
        "The workbook is encrypted with a password; its cells cannot be read.",
        "Open it in Excel, remove the password (File › Info › Protect Workbook) and save it.",
    ),
    Code(
        "FILE_UNREADABLE",
        E,
        "Workbook cannot be read",
        "The workbook is damaged or holds something xlfin cannot read.",
        "Open it in Excel, check it, and save it again as .xlsx.",
    ),
    Code(
        "FILE_TOO_COSTLY",
        E,
        "Workbook too costly to build",
        "Building the workbook needed more memory or time than a build may take "
        "(--max-memory, --timeout), or crashed the reading libraries; the other workbooks "
        "were built.",
        "If you trust the file, raise --max-memory or --timeout; otherwise open it in Excel "
        "and save it again (it may hold a cell far outside its data).",
    ),
    # Sheets and columns
    Code(
        "SHEET_MISSING",
        E,
        "Required sheet missing",
        "The Projects sheet is missing; every other sheet may be absent.",
        "Add a sheet named Projects (`xlfin template` writes one).",
    ),
    Code(
        "SHEET_UNKNOWN",
        W,
        "Unknown sheet",
        "A sheet whose name is not in the workbook contract is ignored.",
        "Rename it to a contract sheet if it was meant to be read, or leave it.",
    ),
    Code(
        "SHEET_DUPLICATE",
        E,
        "Sheet given twice",
        "Two sheets have the same contract name (ignoring case and spaces).",
        "Keep one of them.",
    ),
    Code(
        "SHEET_IS_CHART",
        E,
        "Chart sheet where a table belongs",
        "A sheet with a contract name is a chart sheet: it holds no cells to read.",
        "Rename the chart sheet, and put the table on a worksheet with that name.",
    ),
    Code(
        "COLUMN_MISSING",
        E,
        "Required column missing",
        "The sheet lacks a column that every row needs.",
        "Add the column with its header in row 1.",
    ),
    Code(
        "COLUMN_UNKNOWN",
        W,
        "Unknown column",
        "A column whose header is not in the contract is ignored.",
        "Rename the header if it was meant to be read, or leave it.",
    ),
    Code(
        "COLUMN_DUPLICATE",
        E,
        "Column given twice",
        "Two columns of the sheet have the same header.",
        "Remove or rename one of them.",
    ),
    # Cells
    Code(
        "FILE_UNSAFE",
        E,
        "Workbook refused for safety",
        "The file looks like an attack or is over a limit: an XML entity bomb or external "
        "entity, a zip bomb, a part named outside the workbook, too many sheets, parts or "
        "styles, or too large.",
        "If you trust the file, raise the limit named in the message "
        "with --limit NAME=VALUE (see docs/security.md); otherwise do not open it.",
    ),
    Code(
        "SHEET_HIDDEN",
        W,
        "Hidden sheet",
        "A hidden sheet was read like the others.",
        "Unhide it in Excel to check what it holds.",
    ),
    Code(
        "ROWS_HIDDEN",
        W,
        "Hidden rows",
        "Hidden rows were read like the others.",
        "Unhide them in Excel to check what they hold.",
    ),
    Code(
        "HEADER_NOT_IN_ROW_1",
        W,
        "Headers below row 1",
        "The sheet's headers were found below row 1 (a title sits above them); the rows above "
        "are ignored.",
        "Move the headers to row 1, or leave it.",
    ),
    Code(
        "VALUE_TOO_LONG",
        E,
        "Text too long",
        "A cell holds more characters than Excel allows in a cell (32,767).",
        "Shorten the text.",
    ),
    Code(
        "CELL_REQUIRED",
        E,
        "Required cell blank",
        "The row needs a value in this cell.",
        "Fill the cell, or delete the row.",
    ),
    Code(
        "VALUE_NOT_NUMBER",
        E,
        "Not a number",
        "The cell should hold a number (money, hours or a rate).",
        "Type a number, without text around it.",
    ),
    Code(
        "VALUE_AMBIGUOUS_NUMBER",
        E,
        "Number that reads two ways",
        "Text such as `1,234` could be one thousand two hundred and thirty-four or one point "
        "two three four.",
        "Type the number as a real number cell.",
    ),
    Code(
        "VALUE_NOT_DATE",
        E,
        "Not a date",
        "The cell should hold a date: an Excel date, or text like 2024-06-30.",
        "Type a real date, or text in the form YYYY-MM-DD.",
    ),
    Code(
        "VALUE_NOT_YES_NO",
        E,
        "Not yes or no",
        "The cell should hold Yes/No (also True/False, Y/N, 1/0, Oui/Non).",
        "Type Yes or No.",
    ),
    Code(
        "VALUE_NEGATIVE",
        E,
        "Negative value",
        "Hours, rates and amounts cannot be below zero here.",
        "Type a value ≥ 0.",
    ),
    Code(
        "VALUE_TOO_PRECISE",
        E,
        "Too many digits",
        "A number has more than 12 decimals or is larger than 10^15; it is surely a mistake.",
        "Round the number.",
    ),
    Code(
        "CHOICE_UNKNOWN",
        E,
        "Unknown choice",
        "A cost type, revenue type or status is not one of the valid ones.",
        "Pick one of the values listed in the message (the template has drop-down lists).",
    ),
    Code(
        "FORMULA_NOT_COMPUTED",
        E,
        "Formula without a value",
        "The cell holds a formula whose value was never computed: the file was written by a "
        "program, not saved by Excel.",
        "Open the file in Excel and save it, or type the value.",
    ),
    Code(
        "CELL_ERROR_VALUE",
        E,
        "Error value in a cell",
        "The cell holds an Excel error such as #REF! or #DIV/0!.",
        "Fix the formula or type the value.",
    ),
    # Rows and references
    Code(
        "ID_DUPLICATE",
        E,
        "Duplicate id",
        "The same id is used by two rows.",
        "Give each row its own id, or delete the copy.",
    ),
    Code(
        "REFERENCE_UNKNOWN",
        E,
        "Unknown reference",
        "The cell names a role, user, project, task, company, rate card, schedule or billing "
        "record that does not exist.",
        "Fix the spelling (see the suggestion) or add the row.",
    ),
    Code(
        "ROW_CONTRADICTS",
        E,
        "Repeated row contradicts the first",
        "A later row of a role or user (a new rate period) gives another name, primary role or "
        "location than its first row.",
        "Leave those cells blank on later rows, or make them equal.",
    ),
    Code(
        "PERIOD_REVERSED",
        E,
        "End date before start date",
        "A period ends before it starts.",
        "Swap or fix the dates.",
    ),
    Code(
        "RATE_OVERLAP",
        E,
        "Overlapping rate periods",
        "Two periods of the same object cover the same date, so its rate on that date is not "
        "known.",
        "Make one period end the day before the next starts.",
    ),
    Code(
        "RATE_GAP",
        W,
        "Gap between rate periods",
        "Between two periods of the same object some days have no rate; on those days the next "
        "level of the rate hierarchy is used.",
        "Make one period end the day before the next starts, unless the gap is meant.",
    ),
    Code(
        "PROJECT_RATE_TARGET",
        E,
        "Project rate for neither or both",
        "A project rate row must name a Role or a User, not both and not neither.",
        "Fill exactly one of Role and User.",
    ),
    Code(
        "ASSIGNMENT_TARGET",
        E,
        "Assignment without user or role",
        "An assignment must name a user, a role, or both.",
        "Fill User or Role.",
    ),
    Code(
        "ASSIGNMENT_HOURS_MISMATCH",
        W,
        "Assignment hours differ from the task's",
        "The assignments' planned hours do not add up to the task's planned hours; planned "
        "labor uses the assignments' hours.",
        "Make them agree, or leave assignment hours blank to share the task's hours equally.",
    ),
    Code(
        "BILLING_RECORD_OTHER_PROJECT",
        E,
        "Billing record of another project",
        "A line is put in a billing record that belongs to another project.",
        "Use a billing record of the line's own project.",
    ),
    Code(
        "BILLING_LINE_NOT_BILLABLE",
        E,
        "Line cannot be billed",
        "Only billable hours with a rate on a billable task, billable expenses with an actual "
        "amount above 0, and fixed revenue of Fixed Revenue tasks may be put in a billing "
        "record.",
        "Clear the Billing record cell, or make the line billable.",
    ),
    Code(
        "CURRENCY_INVALID",
        E,
        "Not a currency code",
        "A Currency cell holds something other than a three-letter ISO 4217 code.",
        "Write the code, such as USD, EUR or GBP (case does not matter), or leave it blank.",
    ),
    Code(
        "EXCHANGE_RATE_BASE",
        E,
        "Exchange rate for the base currency",
        "The base currency (Settings › Currency) has rate 1 on every date; a row of "
        "Exchange rates, or a project's Exchange rate, gives it another.",
        "Delete the row (or the project's Exchange rate), or set Settings › Currency to the "
        "base you mean.",
    ),
    Code(
        "EXCHANGE_RATE_INVALID",
        E,
        "Exchange rate of 0",
        "An exchange rate is units of the currency that one unit of the base currency buys; "
        "0 would make every amount in it 0 and could not be converted back.",
        "Write the rate, a number above 0 (EUR against USD: about 0.92).",
    ),
    Code(
        "EXCHANGE_RATE_GAP",
        E,
        "Gap between exchange rates",
        "A currency has no exchange rate between two of its dated rows: amounts on those days "
        "could not be converted (no other level lies below).",
        "Extend one row to meet the other, or add a row for the days between.",
    ),
    Code(
        "EXCHANGE_RATE_MISSING",
        E,
        "No exchange rate for a currency",
        "An amount has to be converted from or to a currency that has no row on the Exchange "
        "rates sheet (and no project Exchange rate gives it).",
        "Add a row for the currency on the Exchange rates sheet: units of it that one unit of "
        "the base currency buys.",
    ),
    Code(
        "PERCENT_COMPLETE_INVALID",
        E,
        "Percent complete out of range",
        "Tasks › Percent complete is a share of the task done, from 0 to 100.",
        "Write a number from 0 to 100, or leave it blank (100 if Complete, else 0).",
    ),
    Code(
        "TASK_PARENT_CYCLE",
        E,
        "Task is its own ancestor",
        "Following Tasks › Parent task from this task comes back to it: there is no top to "
        "roll its figures up to.",
        "Fix the Parent task of one of the tasks named in the message.",
    ),
    Code(
        "PARENT_TASK_PLANNED_IGNORED",
        W,
        "A parent task's own plan is ignored",
        "A task with subtasks has its own Planned hours or assignments: as in Workfront, a "
        "parent's plan is rolled up from its subtasks, so its own are not used (its own "
        "hours logged, expenses and fixed amount still count).",
        "Move the planned hours and assignments to a subtask.",
    ),
    Code(
        "BUDGET_EXCEEDED",
        W,
        "Actual cost over the Budget",
        "The project's actual cost is more than its Budget (Projects › Budget).",
        "Review the project's spending, or its Budget.",
    ),
    Code(
        "PLANNED_OVER_BUDGET",
        W,
        "Planned cost over the Budget",
        "The project's planned cost is more than its Budget: as planned, it will overrun.",
        "Review the plan, or the Budget.",
    ),
    Code(
        "BUDGET_THRESHOLD",
        W,
        "Budget nearly used",
        "The project's actual cost has reached Settings › Budget warning (default 90 %) of "
        "its Budget, and is not over it yet.",
        "Check what is left to do against what is left of the Budget.",
    ),
    Code(
        "BUDGETED_HOURS_EXCEEDED",
        W,
        "More hours than budgeted",
        "The project, or one of its budgeted roles, has more actual hours than the Budgets "
        "sheet budgets for it.",
        "Review the hours logged, or the budgeted hours.",
    ),
    Code(
        "BUDGET_USERS_EXCEED_ROLE",
        W,
        "Users budgeted above their role",
        "The users' rows of a role on the Budgets sheet add up to more hours than the role's "
        "own rows: a user's share cannot be more than the role's budget.",
        "Raise the role's budgeted hours, or lower the users' shares.",
    ),
    Code(
        "BILLING_DATE_MISSING",
        W,
        "Billed record without a Billing date",
        "A Billed record has no Billing date: the By period sheet counts it as billed on the "
        "As of date (and its items as work in progress until then).",
        "Fill in Billing records › Billing date.",
    ),
    Code(
        "BILLED_PROJECT_CURRENCY_CHANGED",
        E,
        "Currency of a project with billed records changed",
        "A project's Currency is not the one its Billed records were billed in; their amounts "
        "are frozen in that currency (Workfront forbids changing a project's currency once it "
        "has financial information).",
        "Set Projects › Currency back, or reopen the records (xlfin ledger reopen) first.",
    ),
    Code(
        "SETTING_UNKNOWN",
        W,
        "Unknown setting",
        "The Settings sheet names an unknown setting.",
        "Use Currency, Decimals, Time zone, Workbook ID or Agency name.",
    ),
    Code(
        "SETTING_INVALID",
        E,
        "Invalid setting value",
        "A setting's value cannot be used (unknown currency code, decimals out of range, "
        "unknown time zone, a Workbook ID that is blank, too long or starts with file:).",
        "Fix the value.",
    ),
    Code(
        "WORKING_DAYS_INVALID",
        E,
        "Invalid working days",
        "Working days must be weekday names such as Mon,Tue,Wed,Thu,Fri.",
        "List the working weekdays, separated by commas.",
    ),
    Code(
        "ACTUAL_COMPLETION_MISSING",
        W,
        "Complete without an Actual completion",
        "A Complete project or task has no Actual completion date; its Planned completion "
        "stands in wherever a date is needed.",
        "Fill its Actual completion.",
    ),
    Code(
        "HOUR_TYPE_BUILT_IN",
        E,
        "Built-in hour type redefined",
        "A row of the Hour types sheet has the name of a built-in hour type (Sick Time, "
        "Vacation Time, General Overhead, Project Time, Task Time, Issue Time).",
        "Give the custom type another name.",
    ),
    Code(
        "HOUR_TYPE_GENERAL",
        E,
        "General hour type on an Hours line",
        "General hours (Sick Time, Vacation Time, General Overhead, custom General types) "
        "belong to no project or task, so they cannot be a line of the Hours sheet.",
        "Leave them out of the workbook, or use a project-specific type.",
    ),
    Code(
        "HOUR_TYPE_SCOPE",
        E,
        "Hour type for another kind of line",
        "Task Time is for hours on a task, Project Time for hours on the project itself; "
        "Issue Time has no place (xlfin has no issues).",
        "Use the type that matches the line, or leave Hour type blank.",
    ),
    Code(
        "HOURS_TYPE_NOT_REVENUE",
        E,
        "Billable hours of a type that is not revenue",
        "The line is Billable = Yes but its hour type does not count as revenue.",
        "Set Billable to No (or blank), or choose a type that counts as revenue.",
    ),
    Code(
        "EXPENSE_TYPE_UNKNOWN",
        W,
        "Unknown expense type",
        "The expense type is neither built in (Advertising, Consulting, Entertainment, "
        "General, Materials, Travel) nor a row of the Expense types sheet.",
        "Use a built-in type or add the type to the Expense types sheet.",
    ),
    Code(
        "EXPENSE_UNITS_WITHOUT_RATE",
        E,
        "Units without a rate",
        "The expense gives units, but its expense type has no rate per unit on that date "
        "(or it is not a type of the Expense types sheet).",
        "Give the type a rate for that date, or give the amount instead of units.",
    ),
    Code(
        "EXPENSE_AMOUNT_MISMATCH",
        E,
        "Units and amount disagree",
        "The expense gives both units and an amount, and units × rate differs from the "
        "amount by a cent or more.",
        "Leave the amount blank (xlfin computes it) or correct the units.",
    ),
    Code(
        "EXPENSE_RATE_TOO_PRECISE",
        E,
        "Rate per unit too precise",
        "An expense type's rate has more than 4 decimals (Workfront keeps 4).",
        "Round the rate to 4 decimals.",
    ),
    Code(
        "OVERTIME_RATIO_INVALID",
        E,
        "Overtime ratio not above 0",
        "A task's Overtime ratio is 0 or negative; 1 means no multiplier.",
        "Give a ratio above 0, or leave it blank.",
    ),
    Code(
        "OVERTIME_RATIO_IGNORED",
        W,
        "Overtime ratio on a task it does not apply to",
        "The Overtime ratio multiplies the planned revenue of User and Role Hourly tasks "
        "only; on this task's revenue type it is ignored.",
        "Clear it, or give the task a User and Role Hourly revenue type.",
    ),
    Code(
        "ROLE_SET_DUPLICATE",
        E,
        "Two role sets from one date",
        "Two rows of the User roles sheet give one user a role set from the same Start date.",
        "Keep one of them.",
    ),
    Code(
        "HOURS_REJECTED",
        W,
        "Rejected hours",
        "The hour line is Rejected (Not Approved): it counts in actual hours, cost and "
        "revenue, but can never be billed.",
        "Correct and resubmit it, or leave it out of billing.",
    ),
    Code(
        "HOURS_NOT_APPROVED",
        E,
        "Hours not approved in a billing record",
        "On a project that requires time approval only Approved lines may be in a billing "
        "record; a Rejected line may never be.",
        "Approve the line first, or take it out of the record.",
    ),
    Code(
        "COST_OVERRIDE_NOT_ALLOWED",
        W,
        "Cost override of a user who does not allow it",
        "A Project cost rates row names a user whose Cost rate override allowed is No; "
        "Workfront then allows no cost override for that user on any project.",
        "Set the user's Cost rate override allowed to Yes, or delete the row.",
    ),
    Code(
        "BILLING_ROLE_ON_ROLE",
        E,
        "Job role for billing on a role-only assignment",
        "Assignments › Job role for billing names how an assigned user is billed; this "
        "assignment names a Role and no User.",
        "Name the user, or clear the Job role for billing (the assignment's Role is billed).",
    ),
    Code(
        "JOB_ROLE_FOR_BILLING_NO_RATE",
        W,
        "Job role for billing without a rate",
        "The job role the user is billed as on a User and Role Hourly task has no billing rate "
        "on the project (project override, rate card or system rate) on the day; Workfront "
        "then bills 0 and looks no further (not at the user's own rate).",
        "Give the role a rate, or change the job role for billing.",
    ),
    Code(
        "ASSIGNMENT_RATE_IGNORED",
        W,
        "Assignment rate or job role for billing where it does not apply",
        "Assignment rates, Job role for billing, Billable on assignments and Billing roles "
        "rows serve only User and Role Hourly tasks; here there is none they could apply to.",
        "Give the task a User and Role Hourly revenue (or cost) type, or clear the cells.",
    ),
    Code(
        "TASK_DATES_MISSING",
        E,
        "Task without planned dates",
        "The task has planned hours to spread over days but neither it nor its project has a "
        "planned start and completion.",
        "Fill the task's (or project's) planned dates.",
    ),
    Code(
        "TASK_DATES_REVERSED",
        E,
        "Task completes before it starts",
        "The planned completion is before the planned start.",
        "Fix the dates.",
    ),
    # Billed records and the ledger
    Code(
        "BILLED_RECORD_DELETED",
        E,
        "Billed record deleted",
        "A billing record frozen as Billed in the ledger is no longer in the workbook.",
        "Put the record back, or reopen it with `xlfin ledger reopen RECORD --reason …`.",
    ),
    Code(
        "BILLED_RECORD_UNBILLED",
        E,
        "Billed record set back to Not Billed",
        "A record frozen as Billed in the ledger is now Not Billed in the workbook.",
        "Set its Status back to Billed, or reopen it with `xlfin ledger reopen`.",
    ),
    Code(
        "BILLED_RECORD_CHANGED",
        E,
        "Billed record changed",
        "A field, an expense, a fixed-revenue task or the additional amount of a Billed "
        "record differs from what was billed.",
        "Restore what was billed, or reopen the record with `xlfin ledger reopen`.",
    ),
    Code(
        "BILLED_LINE_CHANGED",
        E,
        "Billed hour line changed",
        "The hours, date, user or task of an hour line in a Billed record differ from what "
        "was billed.",
        "Restore the billed values, or reopen the record with `xlfin ledger "
        "reopen`; log corrections as new lines in a new record.",
    ),
    Code(
        "BILLED_LINE_REMOVED",
        E,
        "Billed hour line removed",
        "An hour line that was billed in a record is gone, or has left the record.",
        "Restore the line, or reopen the record with `xlfin ledger reopen`.",
    ),
    Code(
        "BILLED_LINE_ADDED",
        E,
        "Line added to a Billed record",
        "An hour line or expense was put in a record after it was billed.",
        "Put the line in a new (Not Billed) record, or reopen the record.",
    ),
    Code(
        "WORKBOOK_ID_MISSING",
        W,
        "Workbook without a Workbook ID",
        "The workbook has Billed records but no Settings › Workbook ID: the ledger keeps "
        "its records under its file name, so a renamed copy would not find them.",
        "Add the row Workbook ID to Settings with the value the message suggests; the "
        "records frozen under the file name move to it at the next build.",
    ),
    Code(
        "WORKBOOK_ID_ADOPTED",
        W,
        "Records moved to the Workbook ID",
        "The workbook now has a Workbook ID; the records the ledger froze from it under its "
        "file name before are now kept under that ID.",
        "Nothing to do; this is said once.",
    ),
    Code(
        "LEDGER_DISABLED",
        W,
        "Built without a ledger",
        "The build ran with --no-ledger, so this Billed record's amounts are recomputed at "
        "today's rates and are not frozen.",
        "Build with a ledger (the default).",
    ),
    Code(
        "LEDGER_UNREADABLE",
        E,
        "Ledger cannot be used",
        "The ledger file is not an xlfin ledger (another database, a damaged file, or a "
        "newer version); nothing was written to it.",
        "Point --ledger at the right file, or restore the ledger from a backup.",
    ),
    Code(
        "RECIPIENT_INVALID",
        W,
        "Not an e-mail address",
        "A piece of a project's Report to is not an e-mail address; no report is mailed to "
        "it (xlfin never guesses an address from a name).",
        "Write each address as name@domain, a name before it if you like (Jane Doe "
        "<jane@acme.example>), separated by commas or semicolons.",
    ),
    # Found while computing
    Code(
        "NO_RATE",
        W,
        "No rate",
        "No level of the rate hierarchy has a rate for this line on its date; its amount is 0.",
        "Add a rate for the role or user (Roles, Users, "
        "Project rates, Company rates or the rate card).",
    ),
    Code(
        "RATE_GAP_USED",
        W,
        "Date in a rate gap",
        "The date falls between two periods of an object, so a lower level of the hierarchy "
        "gave the rate.",
        "Close the gap if the object's rate was meant.",
    ),
    Code(
        "HOURS_BEFORE_PROJECT_START",
        W,
        "Hours before the project's start",
        "Hours were logged before the project's planned start; they use the first rate period.",
        "Check the date, or the project's planned start.",
    ),
    Code(
        "NO_WORKING_DAY",
        W,
        "No working day in the task's span",
        "The task's span has no working day of its schedule; all its planned hours are put on "
        "its planned start.",
        "Check the task's dates and the project's schedule.",
    ),
)

CODES: dict[str, Code] = {code.code: code for code in CATALOGUE}

# Every code is also a name of this module, so that a module that raises problems imports
# the codes it raises (`from xlfin.problems import NO_RATE`): a code missing from the
# catalogue fails when that module loads, not when the problem is first raised.
globals().update({code: code for code in CODES})


class Problem(BaseModel):
    """One problem found in a workbook. `row` is the sheet's row number (1 = headers)."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    field: str | None = None
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self, book: str) -> str:
        """`book.xlsx:Hours!F12`, `book.xlsx:Hours` or `book.xlsx`, for editors to jump to."""
        if self.sheet is None:
            return book
        if self.cell:
            return f"{book}:{self.sheet}!{self.cell}"
        if self.row is not None:
            return f"{book}:{self.sheet}!{self.row}:{self.row}"
        return f"{book}:{self.sheet}"

    def line(self, book: str) -> str:
        """`book.xlsx:Hours!D7: error VALUE_NEGATIVE …`: where, how grave, which, why."""
        return f"{self.location(book)}: {self.severity.value} {self.code} {self.message}"


def problem(
    code: str,
    message: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    field: str | None = None,
) -> Problem:
    """A problem with its severity from the catalogue; `cell` is derived from column and row."""
    entry = CODES[code]
    cell = f"{column}{row}" if column and row is not None else None
    return Problem(
        code=code,
        severity=entry.severity,
        sheet=sheet,
        row=row,
        column=column,
        cell=cell,
        field=field,
        message=message,
    )


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


def sort_key(p: Problem) -> tuple:
    return (p.sheet or "", p.row or 0, p.column or "", p.code)


def problem_at(
    code: str,
    message: str,
    sheet: str,
    row: int | None = None,
    key: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Problem:
    """A problem at a cell of an input sheet: `key` is the field (`billing_rate`) whose
    column it is, `columns` the sheet's field keys -> column letters in this workbook."""
    from xlfin.schema import SHEETS_BY_NAME

    return problem(
        code,
        message,
        sheet=sheet,
        row=row,
        column=columns.get(key) if key and columns else None,
        field=SHEETS_BY_NAME[sheet].column(key).name if key else None,
    )
