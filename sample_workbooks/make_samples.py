"""Writes the bundled sample workbooks: `agency.xlsx` (valid), `broken.xlsx` (problems) and
`global.xlsx` (projects in three currencies, finance model 13).

Run from the repository root: `python sample_workbooks/make_samples.py`. The files are
checked in; this script is how they were made, so a reviewer can read their content.
agency.xlsx is written with xlsxwriter (real dates, shared strings, as Excel saves);
broken.xlsx with openpyxl, which can leave a formula without a computed value.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import xlsxwriter

HERE = Path(__file__).parent
D = date

AGENCY: dict[str, list[list[object]]] = {
    "Settings": [
        ["Setting", "Value"],
        ["Currency", "USD"],
        ["Decimals", 2],
        ["Time zone", "America/New_York"],
        ["Workbook ID", "6f1c2a9e-4b7d-4c1e-9a55-2d8e0b3f7a10"],
        ["Agency name", "Northwind Creative LLC"],
    ],
    "Schedules": [
        ["Schedule", "Working days", "Hours per day"],
        ["Standard", "Mon,Tue,Wed,Thu,Fri", 8],
        ["FourDay", "Mon,Tue,Wed,Thu", 10],
    ],
    "Schedule exceptions": [
        ["Schedule", "Date", "Description"],
        ["Standard", D(2024, 7, 4), "Independence Day"],
        ["Standard", D(2024, 9, 2), "Labor Day"],
        ["FourDay", D(2024, 7, 4), "Independence Day"],
    ],
    "Roles": [
        ["Role", "Cost rate", "Billing rate", "Start date", "End date"],
        ["Designer", 40, 100, None, D(2024, 6, 30)],
        ["Designer", None, 110, D(2024, 7, 1), None],
        ["Developer", 50, 120, None, None],
        ["Project Manager", 60, 150, None, None],
        ["Copywriter", 35, 90, None, None],
    ],
    "Users": [
        [
            "User",
            "Name",
            "Primary role",
            "Location",
            "Cost rate",
            "Billing rate",
            "Start date",
            "End date",
            "Other roles",
        ],
        ["alice", "Alice Martin", "Designer", "Paris", 45, None, None, None],
        ["bob", "Bob Okafor", "Developer", "New York", 55, 130, None, None],
        ["carol", "Carol Chen", "Project Manager", "New York", 65, None, None, None, "Designer"],
        ["dan", "Dan Byrne", "Copywriter", "London", 38, 95, None, D(2024, 6, 30)],
        ["dan", None, None, None, None, 100, D(2024, 7, 1), None],
    ],
    "Companies": [
        ["Company", "Name"],
        ["ACME", "Acme Corporation"],
        ["GLOBEX", "Globex Inc."],
        ["INITECH", "Initech LLC"],
    ],
    "Company rates": [
        ["Company", "Role", "Billing rate", "Start date", "End date"],
        ["ACME", "Designer", 105, None, None],
        ["ACME", "Developer", 125, None, None],
        ["GLOBEX", "Project Manager", 160, None, None],
    ],
    "Rate cards": [
        ["Rate card", "Currency", "Role", "Location", "Billing rate", "Start date", "End date"],
        ["Intl-2024", "USD", "Designer", None, 102, None, None],
        ["Intl-2024", "USD", "Designer", "Paris", 98, None, None],
        ["Intl-2024", "USD", "Developer", None, 122, None, None],
        ["Intl-2024", "USD", "Developer", "New York", 128, None, None],
        ["Intl-2024", "USD", "Copywriter", None, 88, None, None],
    ],
    "Projects": [
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
            "Status",
            "Actual completion",
        ],
        [
            "P-100",
            "Website redesign",
            "ACME",
            None,
            "Standard",
            D(2024, 6, 3),
            D(2024, 8, 30),
            "No",
            200,
            0,
            "finance@acme.example",
            "Current",
            None,
        ],
        [
            "P-200",
            "Brand campaign",
            "GLOBEX",
            "Intl-2024",
            "Standard",
            D(2024, 6, 10),
            D(2024, 7, 31),
            "Yes",
            0,
            1000,
            "ap@globex.example; cmo@globex.example",
            "Complete",
            D(2024, 7, 31),
        ],
        [
            "P-300",
            "Mobile app",
            "INITECH",
            None,
            "FourDay",
            D(2024, 7, 1),
            D(2024, 8, 29),
            "No",
            0,
            0,
            "it@initech.example",
        ],
    ],
    "Project rates": [
        ["Project", "Role", "User", "Billing rate", "Start date", "End date"],
        ["P-100", "Designer", None, 108, None, None],
        ["P-300", "Developer", None, 135, None, D(2024, 7, 14)],
        ["P-300", "Developer", None, 140, D(2024, 7, 15), None],
        ["P-300", None, "dan", 92, None, None],
    ],
    "Tasks": [
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
            "Actual completion",
            "Overtime ratio",
        ],
        [
            "P-100",
            "T1",
            "Discovery workshop",
            D(2024, 6, 3),
            D(2024, 6, 7),
            40,
            "Role Hourly",
            "Role Hourly",
            None,
            None,
            None,
            "Project Manager",
            "Complete",
            None,
            D(2024, 6, 7),
        ],
        [
            "P-100",
            "T2",
            "Visual design",
            D(2024, 6, 24),
            D(2024, 7, 12),
            80,
            "User Hourly",
            "User Hourly",
            None,
            None,
            None,
            "Designer",
            "In Progress",
            None,
        ],
        [
            "P-100",
            "T3",
            "Build",
            D(2024, 7, 15),
            D(2024, 8, 30),
            120,
            "Role Hourly",
            "Role Hourly with Cap",
            None,
            None,
            12000,
            "Developer",
            "In Progress",
            None,
        ],
        [
            "P-100",
            "T4",
            "Launch package",
            D(2024, 8, 26),
            D(2024, 8, 30),
            None,
            "No Cost",
            "Fixed Revenue",
            None,
            None,
            2500,
            None,
            "Complete",
            "B-100-2",
            D(2024, 8, 30),
        ],
        [
            "P-200",
            "T1",
            "Creative concept",
            D(2024, 6, 10),
            D(2024, 6, 28),
            60,
            "User Hourly",
            "Role Hourly Plus Fixed",
            None,
            None,
            1500,
            "Designer",
            "Complete",
            "B-200-2",  # the fixed part of a Plus Fixed task, billed in a record of its own
            D(2024, 6, 28),
        ],
        [
            "P-200",
            "T2",
            "Copy",
            D(2024, 6, 17),
            D(2024, 7, 5),
            30,
            "Fixed Hourly",
            "Fixed Hourly",
            40,
            95,
            None,
            "Copywriter",
            "In Progress",
            None,
        ],
        [
            "P-200",
            "T3",
            "Account management",
            D(2024, 6, 10),
            D(2024, 7, 31),
            20,
            "Role Hourly",
            "Role Hourly",
            None,
            None,
            None,
            "Project Manager",
            "In Progress",
            None,
        ],
        [
            "P-300",
            "T1",
            "App development",
            D(2024, 7, 1),
            D(2024, 8, 1),
            160,
            "Role Hourly",
            "Role Hourly",
            None,
            None,
            None,
            "Developer",
            "In Progress",
            None,
        ],
        [
            "P-300",
            "T2",
            "App store copy",
            D(2024, 7, 22),
            D(2024, 7, 25),
            12,
            "User Hourly",
            "User Hourly with Cap",
            None,
            None,
            1000,
            "Copywriter",
            "New",
            None,
        ],
        [
            "P-300",
            "T3",
            "Internal QA",
            D(2024, 8, 5),
            D(2024, 8, 29),
            24,
            "Role Hourly",
            "Not Billable",
            None,
            None,
            None,
            "Developer",
            "New",
            None,
        ],
        [
            "P-300",
            "T4",
            "Performance tuning (overtime)",
            D(2024, 8, 12),
            D(2024, 8, 22),
            16,
            "User and Role Hourly",
            "User and Role Hourly",
            None,
            None,
            None,
            None,
            "In Progress",
            None,
            None,
            1.25,
        ],
    ],
    "Billing roles": [
        ["Project", "User", "Role", "Start date", "End date"],
        ["P-300", "bob", "Project Manager", D(2024, 8, 19), None],
    ],
    "Assignments": [
        [
            "Project",
            "Task",
            "User",
            "Role",
            "Location",
            "Planned hours",
            "Job role for billing",
            "Billing rate",
            "Cost rate",
            "Billable",
        ],
        ["P-100", "T1", "carol", "Project Manager", None, 24],
        ["P-100", "T1", None, "Designer", None, 16],
        ["P-100", "T2", "alice", "Designer", None, None],
        ["P-100", "T3", "bob", "Developer", None, 90],
        ["P-100", "T3", None, "Developer", None, 30],
        ["P-200", "T1", "alice", "Designer", None, None],
        ["P-200", "T1", "dan", "Copywriter", None, None],
        ["P-200", "T2", "dan", "Copywriter", None, None],
        ["P-200", "T3", "carol", "Project Manager", None, None],
        ["P-300", "T1", "bob", "Developer", None, None],
        ["P-300", "T2", "dan", "Copywriter", None, None],
        ["P-300", "T3", None, "Developer", "New York", None],
        ["P-300", "T4", "bob", None, None, None, None, None, 52, None],
    ],
    "Hours": [
        ["Entry", "Project", "Task", "User", "Role", "Date", "Hours", "Billable", "Billing record"],
        ["H-001", "P-100", "T1", "carol", None, D(2024, 6, 3), 8, "Yes", "B-100-1"],
        ["H-002", "P-100", "T1", "carol", None, D(2024, 6, 4), 7.5, "Yes", "B-100-1"],
        ["H-003", "P-100", "T1", "alice", "Designer", D(2024, 6, 5), 6, "Yes", "B-100-1"],
        ["H-004", "P-100", "T1", "carol", None, D(2024, 6, 6), 2, "No", None],
        ["H-005", "P-100", "T2", "alice", None, D(2024, 6, 24), 8, "Yes", "B-100-1"],
        ["H-006", "P-100", "T2", "alice", None, D(2024, 6, 28), 8, "Yes", "B-100-1"],
        ["H-007", "P-100", "T2", "alice", None, D(2024, 7, 2), 7, "Yes", "B-100-2"],
        ["H-008", "P-100", "T2", "alice", None, D(2024, 7, 9), 6.25, "Yes", None],
        ["H-009", "P-100", "T3", "bob", None, D(2024, 7, 15), 8, "Yes", "B-100-2"],
        ["H-010", "P-100", "T3", "bob", None, D(2024, 7, 22), 8, "Yes", "B-100-2"],
        ["H-011", "P-100", "T3", "bob", None, D(2024, 8, 5), 40, "Yes", None],
        ["H-012", "P-100", None, "carol", None, D(2024, 7, 1), 1.5, "Yes", None],
        ["H-013", "P-200", "T1", "alice", None, D(2024, 6, 11), 7, "Yes", "B-200-1"],
        ["H-014", "P-200", "T1", "dan", None, D(2024, 6, 12), 5, "Yes", "B-200-1"],
        ["H-015", "P-200", "T1", "alice", None, D(2024, 6, 20), 8, "Yes", None],
        ["H-016", "P-200", "T2", "dan", None, D(2024, 6, 18), 6, "Yes", "B-200-1"],
        ["H-017", "P-200", "T2", "dan", None, D(2024, 7, 2), 4.5, "Yes", None],
        ["H-018", "P-200", "T3", "carol", None, D(2024, 6, 14), 2, "Yes", "B-200-1"],
        ["H-019", "P-200", "T3", "carol", None, D(2024, 7, 12), 3, "Yes", None],
        ["H-020", "P-300", "T1", "bob", None, D(2024, 7, 8), 10, "Yes", "B-300-1"],
        ["H-021", "P-300", "T1", "bob", None, D(2024, 7, 16), 10, "Yes", "B-300-1"],
        ["H-022", "P-300", "T1", "bob", None, D(2024, 7, 23), 9.5, "Yes", None],
        ["H-023", "P-300", "T2", "dan", None, D(2024, 7, 22), 6, "Yes", None],
        ["H-024", "P-300", "T2", "dan", None, D(2024, 7, 23), 6, "Yes", None],
        ["H-025", "P-300", "T3", "bob", None, D(2024, 8, 6), 4, "No", None],
        ["H-026", "P-300", "T4", "bob", None, D(2024, 8, 13), 6, "Yes", None],
        ["H-027", "P-300", "T4", "bob", None, D(2024, 8, 20), 4, "Yes", None],
    ],
    "Expense types": [
        ["Expense type", "Unit", "Rate", "Start date", "End date"],
        ["Stock photos", None, None, None, None],
        ["Hosting", None, None, None, None],
        ["Printing", None, None, None, None],
        ["Software", None, None, None, None],
        ["Mileage", "Kilometer", 0.655, None, D(2024, 6, 30)],
        ["Mileage", None, 0.67, D(2024, 7, 1), None],
    ],
    "Expenses": [
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
            "Planned units",
            "Actual units",
        ],
        [
            "E-01",
            "P-100",
            "T1",
            "Travel",
            "Train to client workshop",
            D(2024, 6, 3),
            180,
            D(2024, 6, 4),
            164.40,
            "Yes",
            "Yes",
            "Yes",
            "B-100-1",
        ],
        [
            "E-02",
            "P-100",
            "T2",
            "Stock photos",
            "Image licences",
            D(2024, 6, 25),
            300,
            D(2024, 6, 26),
            289.99,
            "Yes",
            "No",
            "No",
            "B-100-2",
        ],
        [
            "E-03",
            "P-100",
            None,
            "Hosting",
            "Staging server, 3 months",
            D(2024, 6, 3),
            150,
            D(2024, 6, 3),
            150,
            "No",
            "No",
            "No",
            None,
        ],
        [
            "E-04",
            "P-200",
            "T1",
            "Printing",
            "Mood boards",
            D(2024, 6, 20),
            250,
            D(2024, 6, 21),
            262.50,
            "Yes",
            "Yes",
            "No",
            "B-200-1",
        ],
        [
            "E-05",
            "P-300",
            "T1",
            "Software",
            "Device test lab",
            D(2024, 7, 1),
            400,
            None,
            None,
            "No",
            "No",
            "No",
            None,
        ],
        [
            "E-06",
            "P-300",
            "T1",
            "Mileage",
            "Drives to the client's test lab",
            D(2024, 7, 8),
            None,
            D(2024, 7, 15),
            None,
            "Yes",
            "Yes",
            "No",
            None,
            120,
            134,
        ],
    ],
    "Billing records": [
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
        [
            "B-100-1",
            "P-100",
            "June work",
            "Billed",
            D(2024, 6, 30),
            "INV-2024-0611",
            "PO-ACME-77",
            0,
        ],
        ["B-100-2", "P-100", "July work and launch", "Not Billed", None, None, "PO-ACME-77", -150],
        ["B-200-1", "P-200", "Concept phase", "Billed", D(2024, 6, 30), "INV-2024-0612", None, 250],
        ["B-200-2", "P-200", "Concept delivered (fixed fee)", "Not Billed", None, None, None, 0],
        ["B-300-1", "P-300", "Sprint 1-2", "Not Billed", None, None, None, 0],
    ],
}


# fmt: off
GLOBAL: dict[str, list[list[object]]] = {
    # Base USD; projects in USD, EUR and GBP; rates in all three; EUR changes rate on
    # 1 July, in the middle of P-EU's task T1, as the Designer's rate does.
    "Settings": [
        ["Setting", "Value"],
        ["Currency", "USD"],
        ["Decimals", 2],
        ["Time zone", "Europe/London"],
        ["Workbook ID", "b2d7c6e0-3f1a-4c8e-9d2b-5a6e7f8c9d01"],
        ["Agency name", "Northwind Creative LLC"],
        ["As of date", "2024-07-15"],
    ],
    "Exchange rates": [
        ["Currency", "Rate", "Start date", "End date", "Decimals"],
        ["EUR", 0.92, None, D(2024, 6, 30), 2],
        ["EUR", 0.94, D(2024, 7, 1), None, 2],
        ["GBP", 0.79, None, None, 2],
    ],
    "Roles": [
        ["Role", "Cost rate", "Billing rate", "Currency", "Start date", "End date"],
        ["Consultant", 60, 100, "USD", None, None],
        ["Designer", 38, 100, "EUR", None, D(2024, 6, 30)],
        ["Designer", 40, 110, "EUR", D(2024, 7, 1), None],
        ["Developer", 45, 95, "GBP", None, None],
    ],
    "Users": [
        ["User", "Name", "Primary role", "Location", "Cost rate", "Billing rate", "Currency"],
        ["ann", "Ann Carter", "Consultant", "London", None, None, None],
        ["ben", "Ben Moreau", "Designer", "Paris", 42, None, "EUR"],
        ["cat", "Cat Jones", "Developer", "London", None, 120, "USD"],
    ],
    "Companies": [
        ["Company", "Name"],
        ["ACME", "Acme Corporation"],
        ["EUROCO", "Euroco SA"],
        ["BRITCO", "Britco Ltd"],
    ],
    "Projects": [
        ["Project", "Name", "Company", "Planned start", "Planned completion", "Currency",
         "Exchange rate", "Budget", "Performance index method"],
        ["P-US", "Launch site", "ACME", D(2024, 6, 3), D(2024, 7, 31), None, None, 2500, None],
        ["P-EU", "Catalogue", "EUROCO", D(2024, 6, 3), D(2024, 7, 31), "EUR", None, 9000,
         "Cost-Based"],
        ["P-UK", "Shop rebuild", "BRITCO", D(2024, 6, 3), D(2024, 7, 31), "GBP", 0.8, None,
         None],
    ],
    "Budgets": [
        ["Project", "Role", "User", "Budgeted hours"],
        ["P-EU", "Designer", None, 70],
        ["P-EU", "Developer", None, 20],
        ["P-EU", "Developer", "cat", 20],
        ["P-US", "Consultant", None, 40],
    ],
    "Project rates": [
        ["Project", "Role", "User", "Billing rate", "Currency"],
        ["P-UK", "Developer", None, 90, None],
    ],
    "Tasks": [
        ["Project", "Task", "Name", "Planned start", "Planned completion", "Planned hours",
         "Cost type", "Revenue type", "Percent complete"],
        ["P-US", "T1", "Strategy", D(2024, 6, 3), D(2024, 6, 28), 40, "User Hourly",
         "User Hourly", 40],
        ["P-EU", "T1", "Layouts", D(2024, 6, 24), D(2024, 7, 5), 64, "Role Hourly",
         "Role Hourly", 50],
        ["P-EU", "T2", "Web shop", D(2024, 6, 10), D(2024, 7, 12), 20, "User Hourly",
         "User Hourly", 60],
        ["P-UK", "T1", "Build", D(2024, 6, 17), D(2024, 7, 26), 40, "User Hourly",
         "User Hourly", 35],
    ],
    "Assignments": [
        ["Project", "Task", "User", "Role", "Planned hours"],
        ["P-US", "T1", "ann", None, 40],
        ["P-EU", "T1", "ben", None, 64],
        ["P-EU", "T2", "cat", None, 20],
        ["P-UK", "T1", "cat", None, 30],
        ["P-UK", "T1", "ann", None, 10],
    ],
    "Hours": [
        ["Entry", "Project", "Task", "User", "Date", "Hours", "Billing record"],
        ["G-001", "P-US", "T1", "ann", D(2024, 6, 5), 7.5, "B-US-1"],
        ["G-002", "P-US", "T1", "ann", D(2024, 6, 20), 6, None],
        ["G-003", "P-EU", "T1", "ben", D(2024, 6, 26), 7.5, "B-EU-1"],
        ["G-004", "P-EU", "T1", "ben", D(2024, 6, 28), 8, "B-EU-1"],
        ["G-005", "P-EU", "T1", "ben", D(2024, 7, 2), 7.75, "B-EU-2"],
        ["G-006", "P-EU", "T1", "ann", D(2024, 7, 3), 3, "B-EU-2"],
        ["G-007", "P-EU", "T2", "cat", D(2024, 6, 20), 7.5, "B-EU-1"],
        ["G-008", "P-EU", "T2", "cat", D(2024, 7, 8), 5, None],
        ["G-009", "P-UK", "T1", "cat", D(2024, 6, 19), 8, "B-UK-1"],
        ["G-010", "P-UK", "T1", "ann", D(2024, 6, 21), 4, "B-UK-1"],
        ["G-011", "P-UK", "T1", "cat", D(2024, 7, 9), 6.5, None],
    ],
    "Expense types": [
        ["Expense type", "Unit", "Rate", "Currency", "Start date", "End date"],
        ["Mileage", "Mile", 0.67, "USD", None, None],
    ],
    "Expenses": [
        ["Expense", "Project", "Task", "Expense type", "Description", "Planned date",
         "Planned amount", "Date paid", "Actual units", "Actual amount", "Billable",
         "Billing record"],
        ["GE-01", "P-UK", "T1", "Mileage", "Site visits", None, None, D(2024, 6, 21), 120,
         None, "Yes", "B-UK-1"],
        ["GE-02", "P-EU", "T2", "Travel", "Train to Lyon", D(2024, 6, 18), 180,
         D(2024, 6, 18), None, 176.4, "Yes", "B-EU-1"],
    ],
    "Billing records": [
        ["Billing record", "Project", "Description", "Status", "Billing date", "Invoice ID"],
        ["B-US-1", "P-US", "June", "Billed", D(2024, 6, 30), "INV-G-001"],
        ["B-EU-1", "P-EU", "June", "Billed", D(2024, 6, 30), "INV-G-002"],
        ["B-EU-2", "P-EU", "July", "Not Billed", None, None],
        ["B-UK-1", "P-UK", "June", "Not Billed", None, None],
    ],
}
# fmt: on


def write_agency(path: Path, sheets: dict[str, list[list[object]]] = AGENCY) -> None:
    book = xlsxwriter.Workbook(str(path))
    header = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(rows[0]) - 1, 16)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if r == 0:
                    sheet.write_string(r, c, str(value), header)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, value, dates)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value, money)
                else:
                    sheet.write_string(r, c, value)
    book.close()


def _edit(rows: list[list[object]], row: int, header: str, value: object) -> None:
    rows[row][rows[0].index(header)] = value


def broken_sheets() -> dict[str, list[list[object]]]:
    """The agency workbook with one mistake of each common kind."""
    sheets = {name: [list(r) for r in rows] for name, rows in AGENCY.items()}
    _edit(sheets["Settings"], 4, "Value", "0b9d3e71-8a2f-4f60-b1c4-7e5a9c2d4f83")  # its own
    _edit(sheets["Roles"], 4, "Billing rate", "one fifty")  # VALUE_NOT_NUMBER
    sheets["Roles"].append(["Developer", None, 125, D(2024, 1, 1), D(2024, 3, 31)])  # overlap
    _edit(sheets["Users"], 3, "Location", None)
    sheets["Users"].append(["carol", None, "Designer", None, None, 140, D(2024, 8, 1), None])
    _edit(sheets["Company rates"], 3, "Role", "project manager")  # did you mean
    _edit(sheets["Project rates"], 3, "Start date", D(2024, 7, 20))  # gap (warning)
    _edit(sheets["Tasks"], 2, "Revenue type", "User Hourly Capped")  # CHOICE_UNKNOWN
    _edit(sheets["Tasks"], 3, "Planned completion", D(2024, 7, 1))  # TASK_DATES_REVERSED
    _edit(sheets["Hours"], 2, "Hours", -7.5)  # VALUE_NEGATIVE
    _edit(sheets["Hours"], 3, "Date", "2024-02-30")  # VALUE_NOT_DATE
    _edit(sheets["Hours"], 4, "Entry", "H-001")  # ID_DUPLICATE
    _edit(sheets["Hours"], 5, "User", None)  # CELL_REQUIRED
    _edit(sheets["Hours"], 6, "Hours", "=8*1")  # FORMULA_NOT_COMPUTED
    _edit(sheets["Hours"], 7, "Billing record", "B-300-1")  # BILLING_RECORD_OTHER_PROJECT
    _edit(sheets["Hours"], 8, "Hours", "#REF!")  # CELL_ERROR_VALUE
    _edit(sheets["Expenses"], 1, "Actual amount", "1,234")  # VALUE_AMBIGUOUS_NUMBER
    sheets["Tasks"][0].append("Owner")  # COLUMN_UNKNOWN
    sheets["Notes"] = [["Anything"], ["kept by the team"]]  # SHEET_UNKNOWN
    sheets["Assignments"] = [[h for h in sheets["Assignments"][0] if h != "Task"]]
    return sheets


def write_broken(path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in broken_sheets().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


if __name__ == "__main__":
    import sys

    wanted = sys.argv[1:] or ["agency.xlsx", "broken.xlsx", "global.xlsx"]
    if "agency.xlsx" in wanted:
        write_agency(HERE / "agency.xlsx")
    if "broken.xlsx" in wanted:
        write_broken(HERE / "broken.xlsx")
    if "global.xlsx" in wanted:
        write_agency(HERE / "global.xlsx", GLOBAL)
    print(f"wrote {', '.join(wanted)}")
