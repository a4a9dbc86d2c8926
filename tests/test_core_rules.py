"""Cost and revenue types, the planned spread, actual lines, records and roll-ups."""

from datetime import date
from decimal import Decimal

import pytest

from conftest import codes, project, task
from xlfin.core.rates import RateLevel

BASE = """
    [Schedules]
    Schedule | Working days
    Std      | Mon,Tue,Wed,Thu,Fri
    [Schedule exceptions]
    Schedule | Date
    Std      | 2024-06-05
    [Roles]
    Role | Cost rate | Billing rate
    Dev  | 40        | 100
    PM   | 60        | 150
    [Users]
    User | Primary role | Cost rate | Billing rate
    ann  | Dev          | 45        | 110
    ben  | PM           |           |
    [Projects]
    Project | Schedule | Planned start | Planned completion
    P1      | Std      | 2024-06-03    | 2024-06-07
"""


def run(results, tasks: str, assignments: str = "", hours: str = "", extra: str = ""):
    text = BASE + "[Tasks]\n" + tasks
    if assignments:
        text += "[Assignments]\nProject | Task | User | Role | Planned hours\n" + assignments
    if hours:
        text += "[Hours]\nEntry | Project | Task | User | Role | Date | Hours | Billable\n" + hours
    return results(text + extra)


TASK = (
    "Project | Task | Planned hours | Cost type | Revenue type | Hourly cost | Hourly rate "
    "| Fixed amount | Status | Role\n"
)


@pytest.mark.parametrize(
    ("cost_type", "planned", "actual"),
    [
        ("No Cost", "0.00", "0.00"),
        ("Fixed Hourly", "80.00", "30.00"),  # 8 h x 10 planned, 3 h x 10 logged
        ("User Hourly", "360.00", "135.00"),  # ann's cost rate 45
        ("Role Hourly", "320.00", "120.00"),  # Dev cost 40
    ],
)
def test_cost_types(results, cost_type, planned, actual):
    r = run(
        results,
        TASK + f"P1 | T1 | 8 | {cost_type} | Not Billable | 10 | | | New |\n",
        "P1 | T1 | ann | Dev |\n",
        "H1 | P1 | T1 | ann | | 2024-06-03 | 3 | Yes\n",
    )
    assert (task(r).planned_cost, task(r).actual_cost) == (Decimal(planned), Decimal(actual))


@pytest.mark.parametrize(
    ("revenue_type", "status", "planned", "actual"),
    [
        ("Not Billable", "New", "0.00", "0.00"),
        ("Fixed Revenue", "In Progress", "500.00", "0.00"),  # realized on Complete only
        ("Fixed Revenue", "Complete", "500.00", "500.00"),
        ("Fixed Hourly", "New", "960.00", "360.00"),  # hourly rate 120
        ("User Hourly", "New", "880.00", "330.00"),  # ann's 110
        ("User Hourly Plus Fixed", "In Progress", "1380.00", "330.00"),
        ("User Hourly Plus Fixed", "Complete", "1380.00", "830.00"),
        ("User Hourly with Cap", "New", "500.00", "330.00"),
        ("Role Hourly", "New", "800.00", "300.00"),  # Dev 100
        ("Role Hourly Plus Fixed", "Complete", "1300.00", "800.00"),
        ("Role Hourly with Cap", "New", "500.00", "300.00"),
    ],
)
def test_revenue_types(results, revenue_type, status, planned, actual):
    r = run(
        results,
        TASK + f"P1 | T1 | 8 | No Cost | {revenue_type} | | 120 | 500 | {status} |\n",
        "P1 | T1 | ann | Dev |\n",
        "H1 | P1 | T1 | ann | | 2024-06-03 | 3 | Yes\n",
    )
    t = task(r)
    assert (t.planned_revenue, t.actual_revenue) == (Decimal(planned), Decimal(actual))


def test_planned_hours_split_by_given_hours_then_equal_shares(results):
    r = run(
        results,
        TASK + "P1 | T1 | 30 | Role Hourly | Role Hourly | | | | New |\n",
        "P1 | T1 | ann | | 10\nP1 | T1 | ben | | \nP1 | T1 | | Dev | \n",
    )
    assert [p.hours for p in task(r).plans] == [10, 10, 10]
    # ann as Dev (primary role) 10x100, ben as PM 10x150, role-only Dev 10x100
    assert task(r).planned_revenue == Decimal(3500)
    assert task(r).planned_cost == Decimal(10 * 40 + 10 * 60 + 10 * 40)
    assert codes(r.problems) == []


def test_equal_shares_are_exact_and_rounded_once(results):
    # 10 h shared by 3: 3.333… h each; one at 100, two at 110 (ann is User Hourly at 110).
    r = run(
        results,
        TASK + "P1 | T1 | 10 | No Cost | Role Hourly | | | | New |\n",
        "P1 | T1 | | Dev |\nP1 | T1 | | Dev |\nP1 | T1 | | PM |\n",
    )
    # exact: 10/3*(100+100+150) = 1166.666… -> 1166.67
    assert task(r).planned_revenue == Decimal("1166.67")


def test_assignment_hours_mismatch_is_a_warning(results):
    r = run(
        results,
        TASK + "P1 | T1 | 8 | No Cost | Role Hourly | | | | New |\n",
        "P1 | T1 | ann | | 5\n",
    )
    assert codes(r.problems) == ["ASSIGNMENT_HOURS_MISMATCH"]
    assert task(r).planned_revenue == Decimal(500)


def test_spread_skips_weekends_and_exceptions(results):
    # June 3-7 2024 is Mon-Fri with the 5th a holiday: 4 working days.
    r = run(
        results, TASK + "P1 | T1 | 8 | No Cost | Role Hourly | | | | New |\n", "P1 | T1 | ann | |\n"
    )
    assert task(r).working_days == 4
    task_over_weekend = run(
        results,
        "Project | Task | Planned start | Planned completion | "
        "Planned hours | Revenue type\n"
        "P1 | T1 | 2024-06-07 | 2024-06-10 | 8 | Role Hourly\n",
        "P1 | T1 | ann | |\n",
    )
    assert task(task_over_weekend).working_days == 2


def test_no_working_day_puts_hours_on_the_start(results):
    r = run(
        results,
        "Project | Task | Planned start | Planned completion | Planned hours | "
        "Revenue type | Cost type\nP1 | T1 | 2024-06-08 | 2024-06-09 | 8 | Role Hourly | "
        "No Cost\n",
        "P1 | T1 | ann | |\n",
    )
    assert codes(r.problems) == ["NO_WORKING_DAY"]
    assert task(r).planned_revenue == Decimal(800)
    assert task(r).plans[0].revenue[0].first == date(2024, 6, 8)


def test_role_of_an_hour_line(results):
    # 5.1: the line's role, else the user's assignment's role, else the primary role,
    # else the task's role.
    r = run(
        results,
        TASK + "P1 | T1 | | No Cost | Role Hourly | | | | New | PM\n",
        "P1 | T1 | ann | PM |\n",
        "H1 | P1 | T1 | ann | Dev | 2024-06-03 | 1 | Yes\n"
        "H2 | P1 | T1 | ann |     | 2024-06-03 | 1 | Yes\n"
        "H3 | P1 | T1 | ben |     | 2024-06-03 | 1 | Yes\n"
        "H4 | P1 | T1 | cy  |     | 2024-06-03 | 1 | Yes\n",
        "[Users]\nUser\ncy\n",
    )
    roles = [(r_.role, r_.role_from, r_.revenue) for r_ in task(r).lines]
    assert roles == [
        ("Dev", "hour line", 100),
        ("PM", "assignment", 150),
        ("PM", "primary role", 150),
        ("PM", "task", 150),
    ]


def test_cap_is_consumed_in_date_order(results):
    # Cap 250 at 100/h: the earliest lines bill first; the crossing line is cut.
    r = run(
        results,
        TASK + "P1 | T1 | | No Cost | Role Hourly with Cap | | | 250 | New |\n",
        hours="H3 | P1 | T1 | ann | Dev | 2024-06-05 | 1 | Yes\n"
        "H1 | P1 | T1 | ann | Dev | 2024-06-03 | 2 | Yes\n"
        "H2 | P1 | T1 | ann | Dev | 2024-06-04 | 1 | Yes\n",
    )
    assert [(x.line.entry, x.revenue) for x in task(r).lines] == [
        ("H1", 200),
        ("H2", 50),
        ("H3", 0),
    ]
    assert task(r).actual_revenue == 250


def test_non_billable_hours_add_cost_but_no_revenue(results):
    r = run(
        results,
        TASK + "P1 | T1 | | User Hourly | User Hourly | | | | New |\n",
        hours="H1 | P1 | T1 | ann | | 2024-06-03 | 2 | No\n",
    )
    line = task(r).lines[0]
    assert (line.cost, line.revenue, line.revenue_source.level) == (90, 0, RateLevel.NOT_BILLABLE)


def test_hours_on_the_project_itself(results):
    # cost: user's cost rate, else primary role's; revenue: user's rate, else primary role's.
    r = run(
        results,
        TASK + "P1 | T1 | | No Cost | Not Billable | | | | New |\n",
        hours="H1 | P1 | | ann | | 2024-06-03 | 1 | Yes\n"
        "H2 | P1 | | ben | | 2024-06-03 | 1 | Yes\n",
    )
    lines = project(r).project_lines
    assert [(x.cost, x.revenue) for x in lines] == [(45, 110), (60, 150)]
    assert (project(r).actual_cost, project(r).actual_revenue) == (105, 260)


def test_hours_before_project_start_use_the_first_rate(results):
    r = run(
        results,
        TASK + "P1 | T1 | | No Cost | Role Hourly | | | | New |\n",
        hours="H1 | P1 | T1 | ann | Dev | 2024-05-31 | 1 | Yes\n",
    )
    assert codes(r.problems) == ["HOURS_BEFORE_PROJECT_START"]
    assert r.problems[0].cell == "F2"


def test_rounding_half_away_from_zero_per_line(results):
    # 0.333 h x 100.5 = 33.4665 -> 33.47; two lines -> the total is the sum of rounded lines.
    r = run(
        results,
        TASK + "P1 | T1 | | No Cost | Fixed Hourly | | 100.5 | | New |\n",
        hours="H1 | P1 | T1 | ann | | 2024-06-03 | 0.333 | Yes\n"
        "H2 | P1 | T1 | ann | | 2024-06-04 | 0.333 | Yes\n",
    )
    assert [x.revenue for x in task(r).lines] == [Decimal("33.47"), Decimal("33.47")]
    assert task(r).actual_revenue == Decimal("66.94")


RECORDS = """
    [Billing records]
    Billing record | Project | Status | Additional amount
    B1             | P1      | Billed | 25
    [Expenses]
    Expense | Project | Task | Actual amount | Billable | Billing record
    E1      | P1      | T1   | 40            | Yes      | B1
    E2      | P1      | T1   | 10            | No       |
"""


def test_billing_record_total(results):
    r = results(
        BASE + "[Tasks]\n" + TASK.rstrip("\n") + " | Billing record\n"
        "P1 | T1 | | No Cost | Role Hourly | | | | New | |\n"
        "P1 | T2 | | No Cost | Fixed Revenue | | | 300 | Complete | | B1\n"
        "[Hours]\nEntry | Project | Task | User | Role | Date | Hours | Billing record\n"
        "H1 | P1 | T1 | ann | Dev | 2024-06-03 | 2 | B1\n"
        "H2 | P1 | T1 | ann | Dev | 2024-06-04 | 1 |\n" + RECORDS
    )
    record = project(r).records[0]
    assert (
        record.hours_amount,
        record.expenses_amount,
        record.fixed_amount,
        record.additional_amount,
        record.total,
    ) == (200, 40, 300, 25, 565)
    assert project(r).billed == 565
    assert project(r).unbilled == 100  # H2, not in a record
    assert project(r).billable_expenses == 40


@pytest.mark.parametrize(
    ("hours_row", "cell"),
    [
        ("H1 | P1 | T1 | ann | Dev | 2024-06-03 | 2 | B1 | No", "H2"),  # not billable line
        ("H1 | P1 | T2 | ann | Dev | 2024-06-03 | 2 | B1 | Yes", "H2"),  # Not Billable task
        ("H1 | P1 | T1 | ann | Ops | 2024-06-03 | 2 | B1 | Yes", "H2"),  # no rate
    ],
)
def test_lines_that_cannot_be_billed(results, book, hours_row, cell):
    from xlfin.core.compute import compute

    wb, _ = book(
        BASE
        + """
        [Roles]
        Role
        Ops
        [Tasks]
        Project | Task | Revenue type | Cost type
        P1      | T1   | Role Hourly  | No Cost
        P1      | T2   | Not Billable | No Cost
        [Billing records]
        Billing record | Project
        B1             | P1
        [Hours]
        Entry | Project | Task | User | Role | Date | Hours | Billing record | Billable
    """
        + hours_row
        + "\n"
    )
    r = compute(wb)
    bad = [p for p in r.problems if p.code == "BILLING_LINE_NOT_BILLABLE"]
    assert [(p.sheet, p.cell, p.severity.value) for p in bad] == [("Hours", cell, "error")]


def test_margin(results):
    r = run(
        results,
        TASK + "P1 | T1 | | User Hourly | User Hourly | | | | New |\n",
        hours="H1 | P1 | T1 | ann | | 2024-06-03 | 10 | Yes\n",
    )
    p = project(r)
    assert (p.actual_revenue, p.actual_cost) == (1100, 450)
    assert p.actual_margin == (Decimal(1100) - 450) / 1100
    assert p.planned_margin is None  # no planned revenue


def test_frozen_lines_keep_their_amounts(results, book):
    from xlfin.core.compute import compute
    from xlfin.core.rates import RateSource
    from xlfin.core.results import FrozenLine

    wb, _ = book(
        BASE + "[Tasks]\n" + TASK + "P1 | T1 | | No Cost | Role Hourly | | | | New |\n"
        "[Hours]\nEntry | Project | Task | User | Role | Date | Hours\n"
        "H1 | P1 | T1 | ann | Dev | 2024-06-03 | 2\n"
        "H2 | P1 | T1 | ann | Dev | 2024-06-04 | 1\n"
    )
    frozen = {
        "H1": FrozenLine(
            "H1", Decimal("180.00"), RateSource(RateLevel.FROZEN, Decimal(90), "Hours", 2)
        )
    }
    t = compute(wb, frozen).projects[0].tasks[0]
    assert [x.revenue for x in t.lines] == [Decimal("180.00"), Decimal("100.00")]
    assert t.actual_revenue == Decimal("280.00")


def test_planned_hours_are_spread_over_rate_segments_by_working_days(results):
    r = results(
        BASE
        + """
        [Project rates]
        Project | Role | Billing rate | Start date | End date
        P1      | Dev  | 90           |            | 2024-06-04
        P1      | Dev  | 95           | 2024-06-06 |
        [Tasks]
        Project | Task | Planned hours | Revenue type | Cost type
        P1      | T1   | 10            | Role Hourly  | No Cost
        [Assignments]
        Project | Task | Role
        P1      | T1   | Dev
    """
    )
    t = task(r)
    plan = t.plans[0]
    # Mon 3, Tue 4 at 90; Wed 5 is a holiday (its gap is never priced); Thu 6, Fri 7 at 95:
    # 10 h over 4 working days is 2.5 h a day.
    segments = [(s.first.day, s.last.day, s.working_days, s.source.rate) for s in plan.revenue]
    assert segments == [(3, 4, 2, 90), (6, 7, 2, 95)]
    assert [plan.segment_hours(s) for s in plan.revenue] == [5, 5]
    assert sum(plan.segment_amount(s) for s in plan.revenue) == plan.planned_revenue
    hours_a_day = Decimal(10) / 4
    assert t.planned_revenue == 2 * hours_a_day * 90 + 2 * hours_a_day * 95


def test_one_rate_question(book):
    from xlfin.core.rates import RateBook

    wb, _ = book(BASE)
    rates = RateBook(wb)
    p = wb.projects["P1"]
    day = date(2024, 6, 3)
    assert rates.billing_for_user(p, "ann").at(day)[0].rate == 110
    assert rates.billing_for_user(p, "ben").at(day)[0].rate == 150  # via primary role PM
    assert rates.billing_for_role(p, "Dev", None).at(day)[0].rate == 100
    assert rates.cost_for_user("ben").at(day)[0].rate == 60
    assert rates.cost_for_role("Dev").at(day)[0].rate == 40


def test_a_date_in_a_gap_of_the_users_rates_takes_the_next_level_and_says_so(results):
    """Model 1.3: between two periods of the user's own rate, the user has no rate; the
    hierarchy goes on to the primary role's, and the line's Date cell is named."""
    r = results(
        """
        [Roles]
        Role | Cost rate | Billing rate
        Dev  | 40        | 100
        [Users]
        User | Primary role | Cost rate | Billing rate | Start date | End date
        ann  | Dev          | 45        | 110          |            | 2024-06-03
        ann  |              | 45        | 120          | 2024-06-06 |
        [Projects]
        Project | Planned start | Planned completion
        P1      | 2024-06-03    | 2024-06-07
        [Tasks]
        Project | Task | Planned hours
        P1      | T1   | 0
        [Hours]
        Entry | Project | Task | User | Date       | Hours
        H1    | P1      | T1   | ann  | 2024-06-03 | 2
        H2    | P1      | T1   | ann  | 2024-06-04 | 2
        H3    | P1      | T1   | ann  | 2024-06-06 | 2
    """
    )
    lines = {x.line.entry: x for x in task(r).lines}
    assert [(e, x.revenue_source.level, x.revenue) for e, x in lines.items()] == [
        ("H1", RateLevel.USER, Decimal(220)),
        ("H2", RateLevel.SYSTEM, Decimal(200)),
        ("H3", RateLevel.USER, Decimal(240)),
    ]
    gaps = [(p.cell, p.message) for p in r.problems if p.code == "RATE_GAP_USED"]
    assert sorted(gaps) == [  # the user's cost rate has the same gap
        (
            "E3",
            "2024-06-04 falls in a gap between rate periods; the billing rate came from the "
            "system level",
        ),
        (
            "E3",
            "2024-06-04 falls in a gap between rate periods; the cost rate came from the "
            "system level",
        ),
    ]


def test_unassigned_users_plans_are_shared_only_by_tasks_that_plan_alike(results):
    """A user with no assignment on a task is planned once per project and kind of task;
    tasks that differ in what their plan reads (own rates, types) or in the user's
    assignment keep their own."""
    r = run(
        results,
        TASK
        + "P1 | T1 | | Fixed Hourly | Fixed Hourly | 10 | 120 | | New |\n"
        + "P1 | T2 | | Fixed Hourly | Fixed Hourly | 20 | 90 | | New |\n"
        + "P1 | T3 | | Role Hourly | Role Hourly | | | | New |\n"
        + "P1 | T4 | | Role Hourly | Role Hourly | | | | New |\n"
        + "P1 | T5 | | User Hourly | User Hourly | | | | New |\n"
        + "P1 | T6 | | Role Hourly | User Hourly | | | | New |\n",
        "P1 | T4 | ann | PM |\n",
        "H1 | P1 | T1 | ben | | 2024-06-03 | 2 | Yes\n"
        "H2 | P1 | T2 | ben | | 2024-06-03 | 2 | Yes\n"
        "H3 | P1 | T3 | ann | | 2024-06-03 | 2 | Yes\n"
        "H4 | P1 | T4 | ann | | 2024-06-03 | 2 | Yes\n"
        "H5 | P1 | T5 | ann | | 2024-06-03 | 2 | Yes\n"
        "H6 | P1 | T6 | ann | | 2024-06-03 | 2 | Yes\n",
    )
    amounts = {
        t.task.task: (t.actual_cost, t.actual_revenue, t.lines[0].role) for t in project(r).tasks
    }
    assert amounts == {
        "T1": (Decimal("20.00"), Decimal("240.00"), "PM"),  # the task's own 10 and 120
        "T2": (Decimal("40.00"), Decimal("180.00"), "PM"),  # its own 20 and 90, not T1's
        "T3": (Decimal("80.00"), Decimal("200.00"), "Dev"),  # ann's primary role, Dev
        "T4": (Decimal("120.00"), Decimal("300.00"), "PM"),  # her assignment's role, PM
        "T5": (Decimal("90.00"), Decimal("220.00"), "Dev"),  # her own rates, 45 and 110
        "T6": (Decimal("80.00"), Decimal("220.00"), "Dev"),  # Dev's cost, her billing rate
    }


def test_unassigned_users_plans_follow_each_tasks_role(results):
    """A user without a primary role, logging on tasks that differ only in their Role, is
    billed as each task's role (model 10.3), not as the first task's."""
    users = "ben  | PM           |           |\n"
    text = BASE.replace(users, users + "    cat  |              |           |\n")
    text += "[Tasks]\n" + TASK
    text += "P1 | T1 | | Role Hourly | Role Hourly | | | | New | Dev\n"
    text += "P1 | T2 | | Role Hourly | Role Hourly | | | | New | PM\n"
    text += "[Hours]\nEntry | Project | Task | User | Role | Date | Hours | Billable\n"
    text += "H1 | P1 | T1 | cat | | 2024-06-03 | 2 | Yes\n"
    text += "H2 | P1 | T2 | cat | | 2024-06-03 | 2 | Yes\n"
    r = results(text)
    amounts = {t.task.task: (t.actual_revenue, t.lines[0].role) for t in project(r).tasks}
    assert amounts == {"T1": (Decimal("200.00"), "Dev"), "T2": (Decimal("300.00"), "PM")}
