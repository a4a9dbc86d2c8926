"""Reproducible input workbooks of N hour lines, saved as Excel saves them.

    python benchmarks/generate.py 100000 benchmarks/out/n100000.xlsx [--seed 7] [--shape S]

Projects, tasks (some years long, with many dated overrides), assignments, users,
companies, a rate card with locations, expenses and billing records grow with N.
Strings are shared strings and dates are real dates, as in a file saved by Excel.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

START = date(2022, 1, 3)
ROLES = [f"Role {i:02}" for i in range(20)]
LOCATIONS = ["Paris", "London", "New York", "Berlin"]


@dataclass(frozen=True)
class Shape:
    """How a generated workbook's lines are laid out (the defaults: the standard shape)."""

    name: str = "standard"
    by: str = "assignee"
    """"assignee": 9 lines in 10 by an assignee of the task; "random": every line by a
    random user, whose role then comes from their primary role."""
    records: str = "few"
    """"few": 1 line in 13 in a record, half the records Billed; "half": half the lines in
    Not Billed records (one per 500 lines)."""
    projects: str = "some"
    """"few" (N / 50,000), "some" (N / 5,000), "many" (N / 2,000) or "most" (N / 500)
    projects."""
    expenses: str = "some"
    """"some": N / 50 expenses, none billable; "many": N / 5, half billable, a third of
    those in records."""
    users: int | None = None
    """None: N / 200, at most 800."""
    currencies: bool = False
    """True: projects in USD, EUR and GBP (base USD), two roles in three with rates in EUR or
    GBP, and exchange rates that change every quarter (EUR) and half-year (GBP)."""


SHAPES = {
    shape.name: shape
    for shape in (
        Shape(),
        Shape("random-users", by="random", users=333),
        Shape("half-in-records", records="half"),
        Shape("many-projects", projects="many"),
        Shape("few-projects", projects="few"),
        Shape("expenses", expenses="many"),
        Shape("mixed", by="random", records="half", projects="many", users=333),
        Shape("currencies", currencies=True),
    )
}
"""The shapes the scale benchmark runs; "mixed" is all of the hard ones at once: lines by
333 random users, half of them in Not Billed records, 500 projects at a million lines."""


def generate(path: Path, lines: int, seed: int = 7, shape: Shape = SHAPES["standard"]) -> Path:
    rnd = random.Random(seed)
    per_project = {"few": 50_000, "some": 5000, "many": 2000, "most": 500}[shape.projects]
    projects = max(3, lines // per_project)
    tasks_per_project = max(2, lines // 100 // projects)
    users = shape.users or min(800, max(10, lines // 200))
    companies = max(2, projects // 5)

    book = xlsxwriter.Workbook(str(path))
    dates = book.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(name: str, header: list[str], rows) -> None:  # type: ignore[no-untyped-def]
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    ws.write_datetime(r, c, value, dates)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value)

    sheet("Settings", ["Setting", "Value"], [["Currency", "USD"], ["Decimals", "2"]])
    if shape.currencies:
        sheet(
            "Exchange rates",
            ["Currency", "Rate", "Start date", "End date"],
            [
                [
                    currency,
                    round(rate + k / 100, 2),
                    START + timedelta(days=step * k) if k else None,
                    START + timedelta(days=step * (k + 1) - 1) if k < count - 1 else None,
                ]
                for currency, rate, step, count in (("EUR", 0.9, 91, 12), ("GBP", 0.78, 182, 6))
                for k in range(count)
            ],
        )
        sheet(
            "Roles",
            ["Role", "Cost rate", "Billing rate", "Currency", "Start date", "End date"],
            [
                [role, 30 + 2 * i, 90 + 5 * i, [None, "EUR", "GBP"][i % 3], None, None]
                for i, role in enumerate(ROLES)
            ],
        )
    else:
        sheet(
            "Roles",
            ["Role", "Cost rate", "Billing rate", "Start date", "End date"],
            [[role, 30 + 2 * i, 90 + 5 * i, None, None] for i, role in enumerate(ROLES)],
        )
    user_rows = []
    for u in range(users):
        billing = None if u % 3 == 0 else 100 + u % 50
        user_rows.append(
            [
                f"U{u:04}",
                f"User {u}",
                ROLES[u % len(ROLES)],
                LOCATIONS[u % 4],
                40 + u % 30,
                billing,
                None,
                None,
            ]
        )
    sheet(
        "Users",
        [
            "User",
            "Name",
            "Primary role",
            "Location",
            "Cost rate",
            "Billing rate",
            "Start date",
            "End date",
        ],
        user_rows,
    )
    sheet(
        "Companies", ["Company", "Name"], [[f"C{c:03}", f"Company {c}"] for c in range(companies)]
    )
    sheet(
        "Company rates",
        ["Company", "Role", "Billing rate", "Start date", "End date"],
        [
            [f"C{c:03}", role, 95 + c % 20, None, None]
            for c in range(companies)
            for role in ROLES[:5]
        ],
    )
    sheet(
        "Rate cards",
        ["Rate card", "Currency", "Role", "Location", "Billing rate", "Start date", "End date"],
        [
            ["Global", "USD", role, loc, 100 + 3 * i + j, None, None]
            for i, role in enumerate(ROLES)
            for j, loc in enumerate([None, *LOCATIONS])
        ],
    )
    project_rows, rate_rows, task_rows, assignment_rows = [], [], [], []
    tasks = []
    for p in range(projects):
        pid = f"P{p:04}"
        project_rows.append(
            [
                pid,
                f"Project {p}",
                f"C{p % companies:03}",
                "Global" if p % 4 == 0 else None,
                None,
                START,
                START + timedelta(days=1095),
                "Yes" if p % 7 == 0 else "No",
                1000,
                5000,
                None,
                *([["USD", "EUR", "GBP"][p % 3]] if shape.currencies else []),
            ]
        )
        for role in rnd.sample(ROLES, 3):  # dated overrides: a new rate every 2 months
            day = None
            for k in range(18):
                end = START + timedelta(days=61 * (k + 1) - 1)
                rate_rows.append([pid, role, None, 120 + 2 * k, day, None if k == 17 else end])
                day = end + timedelta(days=1)
        for t in range(tasks_per_project):
            tid = f"T{t:03}"
            first = START + timedelta(days=rnd.randint(0, 700))
            length = 1460 if t % 25 == 0 else rnd.choice([5, 20, 60, 120])
            cost = rnd.choice(["User Hourly", "Role Hourly", "Fixed Hourly", "No Cost"])
            revenue = rnd.choice(
                [
                    "User Hourly",
                    "Role Hourly",
                    "Role Hourly with Cap",
                    "Fixed Hourly",
                    "User Hourly Plus Fixed",
                    "Not Billable",
                ]
            )
            task_rows.append(
                [
                    pid,
                    tid,
                    f"Task {t}",
                    first,
                    first + timedelta(days=length),
                    rnd.randint(8, 400),
                    cost,
                    revenue,
                    45,
                    110,
                    rnd.randint(5000, 90000),
                    rnd.choice(ROLES),
                    "In Progress",
                    None,
                ]
            )
            team = [f"U{rnd.randrange(users):04}" for _ in range(rnd.randint(1, 3))]
            for user in dict.fromkeys(team):
                assignment_rows.append([pid, tid, user, None, None, None])
            tasks.append((pid, tid, first, team, revenue != "Not Billable"))
    sheet(
        "Projects",
        [
            "Project",
            "Name",
            "Company",
            "Rate card",
            "Schedule",
            "Planned start",
            "Planned completion",
            "Company rates override",
            "Fixed cost",
            "Fixed revenue",
            "Report to",
            *(["Currency"] if shape.currencies else []),
        ],
        project_rows,
    )
    sheet(
        "Project rates",
        ["Project", "Role", "User", "Billing rate", "Start date", "End date"],
        rate_rows,
    )
    sheet(
        "Tasks",
        [
            "Project",
            "Task",
            "Name",
            "Planned start",
            "Planned completion",
            "Planned hours",
            "Cost type",
            "Revenue type",
            "Hourly cost",
            "Hourly rate",
            "Fixed amount",
            "Role",
            "Status",
            "Billing record",
        ],
        task_rows,
    )
    sheet(
        "Assignments",
        ["Project", "Task", "User", "Role", "Location", "Planned hours"],
        assignment_rows,
    )
    records = {}
    record_rows = []
    half = shape.records == "half"
    per_record = 500 if half else 2000
    for p in range(projects):
        for k in range(max(1, lines // per_record // projects)):
            rid = f"B{p:04}-{k:02}"
            records.setdefault(f"P{p:04}", []).append(rid)
            billed = k % 2 == 0 and not half
            record_rows.append(
                [
                    rid,
                    f"P{p:04}",
                    f"Invoice {k}",
                    "Billed" if billed else "Not Billed",
                    START + timedelta(days=30 * k) if billed else None,
                    f"INV-{p}-{k}" if billed else None,
                    None,
                    0,
                ]
            )
    hour_rows = []
    for i in range(lines):
        pid, tid, first, team, billable_task = tasks[i % len(tasks)]
        if shape.by == "random" or i % 10 == 0:
            user = f"U{rnd.randrange(users):04}"
        else:
            user = rnd.choice(team)
        day = first + timedelta(days=rnd.randint(0, 400))
        billable = i % 17 != 0
        record = None
        in_record = i % 2 == 0 if half else i % 13 == 0
        if in_record and billable and billable_task:
            record = rnd.choice(records[pid])
        hour_rows.append(
            [
                f"H{i:07}",
                pid,
                tid,
                user,
                ROLES[i % 20] if i % 5 == 0 else None,
                day,
                rnd.randint(1, 32) / 4,
                "Yes" if billable else "No",
                record,
            ]
        )
    sheet(
        "Hours",
        ["Entry", "Project", "Task", "User", "Role", "Date", "Hours", "Billable", "Billing record"],
        hour_rows,
    )
    del hour_rows
    expense_rows = []
    many = shape.expenses == "many"
    for e in range(max(5, lines // (5 if many else 50))):
        pid, tid, first, _, _ = tasks[e % len(tasks)]
        billable = many and e % 2 == 0
        record = rnd.choice(records[pid]) if billable and e % 3 == 0 else None
        expense_rows.append(
            [
                f"E{e:06}",
                pid,
                tid if e % 3 else None,
                "Travel",
                f"Trip {e}",
                first,
                100 + e % 400,
                first + timedelta(days=3),
                90 + e % 420,
                "Yes" if billable else "No",
                "No",
                "No",
                record,
            ]
        )
    sheet(
        "Expenses",
        [
            "Expense",
            "Project",
            "Task",
            "Expense type",
            "Description",
            "Planned date",
            "Planned amount",
            "Date paid",
            "Actual amount",
            "Billable",
            "Reimbursable",
            "Reimbursed",
            "Billing record",
        ],
        expense_rows,
    )
    sheet(
        "Billing records",
        [
            "Billing record",
            "Project",
            "Description",
            "Status",
            "Billing date",
            "Invoice ID",
            "PO number",
            "Additional amount",
        ],
        record_rows,
    )
    book.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="standard")
    args = parser.parse_args()
    args.path.parent.mkdir(parents=True, exist_ok=True)
    generate(args.path, args.lines, args.seed, SHAPES[args.shape])
    print(f"wrote {args.path}")


if __name__ == "__main__":
    main()
