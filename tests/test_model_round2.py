"""Finance model, sections 10–12: the corrections to the classic layer, one test per
worked example and per rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import codes, project, task

EXAMPLE_10_1 = """
    [Roles]
    Role | Billing rate
    Dev  | 100
    [Users]
    User | Primary role
    ann  | Dev
    [Projects]
    Project | Status   | Actual completion | Fixed revenue
    P-1     | Complete | 2024-06-30        | 1000
    [Tasks]
    Project | Task | Revenue type | Cost type | Fixed amount | Role | Status | Actual completion | Billing record
    P-1 | T1 | Role Hourly Plus Fixed | No Cost | 500 | Dev | Complete | 2024-06-28 | B1
    [Billing records]
    Billing record | Project | Status
    B1             | P-1     | Not Billed
    [Hours]
    Entry | Project | Task | User | Date       | Hours | Billing record
    H1    | P-1     | T1   | ann  | 2024-06-03 | 6     | B1
    H2    | P-1     | T1   | ann  | 2024-06-04 | 4     |
"""  # noqa: E501


def test_example_10_1_the_fixed_part_of_a_plus_fixed_task_is_billed_in_a_record(results):
    r = results(EXAMPLE_10_1)
    assert codes(r.problems) == []
    assert task(r, "T1", "P-1").actual_revenue == Decimal("1500.00")  # 600 + 400 + 500
    p = project(r, "P-1")
    assert p.actual_revenue == Decimal("2500.00")  # + the Complete project's 1,000
    [record] = p.records
    assert record.total == Decimal("1100.00")  # 600 + 500
    assert p.unbilled == Decimal("1500.00")  # 1,100 + 400; the project's 1,000 in neither
    assert p.billed == Decimal("0")


def test_example_10_1_an_incomplete_task_keeps_its_fixed_part_out_of_records(results):
    in_progress = EXAMPLE_10_1.replace(
        "| 500 | Dev | Complete | 2024-06-28 | B1",
        "| 500 | Dev | In Progress |  | B1",
    )
    r = results(in_progress)
    assert "BILLING_LINE_NOT_BILLABLE" in codes(r.problems)
    unbilled = in_progress.replace("| Dev | In Progress |  | B1", "| Dev | In Progress |  |")
    r = results(unbilled)
    assert codes(r.problems) == []
    assert task(r, "T1", "P-1").actual_revenue == Decimal("1000.00")
    assert project(r, "P-1").actual_revenue == Decimal("2000.00")
    assert project(r, "P-1").unbilled == Decimal("1000.00")  # its fixed part is in neither


def test_the_fixed_amount_of_a_capped_task_is_a_cap_never_billed(results):
    r = results(EXAMPLE_10_1.replace("Role Hourly Plus Fixed", "Role Hourly with Cap"))
    [refused] = [p for p in r.problems if p.code == "BILLING_LINE_NOT_BILLABLE"]
    assert refused.sheet == "Tasks" and "is a cap" in refused.message


def test_a_projects_fixed_revenue_is_actual_revenue_only_once_complete(results):
    for status, actual in (("Current", "1500.00"), ("On Hold", "1500.00"), ("Complete", "2500.00")):
        r = results(EXAMPLE_10_1.replace("| Complete | 2024-06-30", f"| {status} | 2024-06-30"))
        assert project(r, "P-1").actual_revenue == Decimal(actual), status
        assert project(r, "P-1").planned_revenue == task(r, "T1", "P-1").planned_revenue + 1000


def test_complete_without_an_actual_completion_is_a_warning(book):
    _, problems = book(
        EXAMPLE_10_1.replace(
            "| Complete | 2024-06-30        |", "| Complete |                   |"
        ).replace("| Complete | 2024-06-28 | B1", "| Complete |  | B1")
    )
    missing = [(p.sheet, p.field) for p in problems if p.code == "ACTUAL_COMPLETION_MISSING"]
    assert missing == [("Projects", "Actual completion"), ("Tasks", "Actual completion")]
    assert all(p.severity.value == "warning" for p in problems)


FAY = """
    [Roles]
    Role | Cost rate | Billing rate
    Designer | 50 | 120
    Senior Designer | 70 | 150
    [Users]
    User | Primary role | Cost rate | Billing rate
    fay | Designer | 40 | 110
    [Projects]
    Project
    P1
    [Hours]
    Entry | Project | User | Date | Hours | Role
    H1 | P1 | fay | 2024-06-03 | 3 | Senior Designer
    H2 | P1 | fay | 2024-06-04 | 3 |
"""


def test_example_10_3_a_line_on_the_project_itself_is_costed_and_billed_as_its_role(results):
    r = results(FAY)
    with_role, without = project(r).project_lines
    assert (with_role.cost, with_role.revenue) == (Decimal("210.00"), Decimal("450.00"))
    assert (without.cost, without.revenue) == (Decimal("120.00"), Decimal("330.00"))
    assert project(r).actual_cost == Decimal("330.00")
    assert project(r).actual_revenue == Decimal("780.00")


EVE = """
    [Roles]
    Role | Billing rate
    Senior Designer | 150
    [Users]
    User
    eve
    hal
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-06-03 | 2024-06-28
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T1 | User Hourly | No Cost
    P1 | T2 | User Hourly | No Cost
    [Assignments]
    Project | Task | User | Role
    P1 | T1 | | Senior Designer
    P1 | T2 | hal |
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | eve | 2024-06-03 | 4
    H2 | P1 | T2 | eve | 2024-06-04 | 4
"""


def test_example_10_2_user_hourly_falls_back_to_the_role_only_assignment(results):
    """Eve has no billing rate and no primary role: on a task with a role-only assignment
    (Senior Designer, 150) her 4 h bill 600.00; on a task with user assignments only,
    0.00 and NO_RATE."""
    r = results(EVE)
    assert task(r, "T1").actual_revenue == Decimal("600.00")
    assert task(r, "T2").actual_revenue == Decimal("0")
    no_rate = [p.row for p in r.problems if p.code == "NO_RATE" and p.sheet == "Hours"]
    assert no_rate == [3]


def test_user_hourly_prefers_the_users_own_rate_to_the_assigned_role(results):
    r = results(EVE.replace("    User\n    eve\n", "    User | Billing rate\n    eve | 90\n"))
    assert task(r, "T1").actual_revenue == Decimal("360.00")  # hers, not the role's


GUS = """
    [Users]
    User | Billing rate | Cost rate
    gus | 100 | 60
    [Hour types]
    Hour type | Scope | Counts as revenue
    Internal | Project Specific | No
    [Projects]
    Project
    P1
    [Tasks]
    Project | Task | Revenue type
    P1 | T1 | User Hourly
    [Hours]
    Entry | Project | Task | User | Date | Hours | Hour type
    H1 | P1 | T1 | gus | 2024-06-03 | 6 | Task Time
    H2 | P1 | T1 | gus | 2024-06-04 | 2 | Internal
"""


def test_example_11_1_hours_of_a_type_that_is_not_revenue_add_cost_only(results):
    r = results(GUS)
    assert task(r).actual_revenue == Decimal("600.00")
    assert task(r).actual_cost == Decimal("480.00")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("H3 | P1 | T1 | gus | 2024-06-05 | 1 | Vacation Time", "HOUR_TYPE_GENERAL"),
        ("H3 | P1 | T1 | gus | 2024-06-05 | 1 | Sick Time", "HOUR_TYPE_GENERAL"),
        ("H3 | P1 | T1 | gus | 2024-06-05 | 1 | Project Time", "HOUR_TYPE_SCOPE"),
        ("H3 | P1 |  | gus | 2024-06-05 | 1 | Task Time", "HOUR_TYPE_SCOPE"),
        ("H3 | P1 | T1 | gus | 2024-06-05 | 1 | Issue Time", "HOUR_TYPE_SCOPE"),
        ("H3 | P1 | T1 | gus | 2024-06-05 | 1 | Overtime", "REFERENCE_UNKNOWN"),
    ],
)
def test_a_line_of_an_hour_type_it_cannot_have_is_an_error_at_its_cell(book, line, code):
    _, problems = book(GUS + f"    {line}\n")
    [problem] = [p for p in problems if p.is_error]
    assert (problem.code, problem.sheet, problem.row, problem.field) == (
        code, "Hours", 4, "Hour type"
    )  # fmt: skip


def test_billable_hours_of_a_type_that_is_not_revenue_is_an_error(book):
    text = GUS.replace("Hours | Hour type\n", "Hours | Hour type | Billable\n").replace(
        "| 2 | Internal", "| 2 | Internal | Yes"
    )
    _, problems = book(text)
    assert [(p.code, p.field) for p in problems] == [("HOURS_TYPE_NOT_REVENUE", "Billable")]


def test_a_built_in_hour_type_cannot_be_redefined(book):
    _, problems = book(GUS.replace("Internal | Project Specific | No", "Sick Time | General | Yes"))
    assert "HOUR_TYPE_BUILT_IN" in [p.code for p in problems]


MILEAGE = """
    [Expense types]
    Expense type | Unit | Rate | Start date | End date
    Mileage | Kilometer | 0.3125 | | 2024-12-31
    Mileage | | 0.33 | 2025-01-01 |
    [Projects]
    Project | Planned start
    P1 | 2024-12-01
    [Tasks]
    Project | Task | Cost type | Revenue type
    P1 | T1 | No Cost | Not Billable
    [Expenses]
    Expense | Project | Task | Expense type | Planned units | Planned date | Actual units | Date paid | Planned amount | Actual amount | Billable
    E1 | P1 | T1 | Mileage | 250 | 2024-12-15 | 263 | 2025-01-10 | | | Yes
    E2 | P1 | T1 | Travel | | | | | 40 | 42.5 | No
    E3 | P1 | T1 | Travel | | | | | 100 | | Yes
"""  # noqa: E501


def test_example_12_1_amounts_from_units_at_the_rate_of_their_date(results):
    r = results(MILEAGE)
    e1 = next(e for e in task(r).expenses if e.expense == "E1")
    assert (e1.planned_amount, e1.actual_amount) == (Decimal("78.13"), Decimal("86.79"))
    paid_earlier = results(MILEAGE.replace("| 263 | 2025-01-10 |", "| 263 | 2024-12-20 |"))
    e1 = next(e for e in task(paid_earlier).expenses if e.expense == "E1")
    assert e1.actual_amount == Decimal("82.19")


def test_example_12_2_the_billable_and_non_billable_parts_add_up(results):
    t = task(results(MILEAGE))
    assert t.planned_expenses == Decimal("218.13")
    assert (t.planned_billable_expenses, t.planned_expenses - t.planned_billable_expenses) == (
        Decimal("178.13"),
        Decimal("40.00"),
    )
    assert t.actual_expenses == Decimal("129.29")
    assert (t.actual_billable_expenses, t.actual_expenses - t.actual_billable_expenses) == (
        Decimal("86.79"),
        Decimal("42.50"),
    )
    assert project(results(MILEAGE)).actual_billable_expenses == Decimal("86.79")


def test_units_and_an_amount_that_disagree_are_an_error(results):
    r = results(MILEAGE.replace("| 263 | 2025-01-10 | | | Yes", "| 263 | 2025-01-10 | | 90 | Yes"))
    [mismatch] = [p for p in r.problems if p.code == "EXPENSE_AMOUNT_MISMATCH"]
    assert mismatch.field == "Actual amount" and "86.79" in mismatch.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("| Mileage | 250 |", "| Trips | 250 |"), "EXPENSE_UNITS_WITHOUT_RATE"),
        (("| Travel | | | | | 40 |", "| Lodging | | | | | 40 |"), "EXPENSE_TYPE_UNKNOWN"),
        (("| 0.3125 |", "| 0.31255 |"), "EXPENSE_RATE_TOO_PRECISE"),
    ],
)
def test_expense_type_problems_point_at_their_cells(book, change, code):
    _, problems = book(MILEAGE.replace(*change))
    assert code in [p.code for p in problems]


def test_units_on_a_date_without_a_rate_are_an_error(results):
    gap = MILEAGE.replace("| 0.33 | 2025-01-01 |", "| 0.33 | 2025-02-01 |")
    r = results(gap)
    assert "EXPENSE_UNITS_WITHOUT_RATE" in [p.code for p in r.problems]


AMOUNT = st.decimals(min_value=0, max_value=10_000, places=3)
UNITS = st.decimals(min_value=0, max_value=5_000, places=2)


@given(
    st.lists(
        st.tuples(
            st.one_of(AMOUNT.map(lambda a: ("amount", a)), UNITS.map(lambda u: ("units", u))),
            st.one_of(
                AMOUNT.map(lambda a: ("amount", a)), UNITS.map(lambda u: ("units", u)), st.none()
            ),
            st.booleans(),
        ),
        max_size=12,
    )
)
@settings(max_examples=200, deadline=None)
def test_the_billable_and_non_billable_parts_add_up_to_the_expense_cost_exactly(expenses):
    """Model 12, property: on any expenses, given as amounts or as units × a rate per unit,
    billable part + the sum of the non-billable expenses' rounded amounts = the expense
    cost, planned and actual, task and project."""
    from xlfin.core.compute import compute
    from xlfin.models import Expense, ExpenseType, Project, RatePeriod, Task, Workbook

    rate = Decimal("0.655")
    mileage = ExpenseType(
        expense_type="Mileage", unit="km", rates=(RatePeriod(rate=rate, sheet="x", row=2),), row=2
    )

    def given_as(value):
        kind, number = value if value is not None else ("amount", None)
        return (number, None) if kind == "amount" else (None, number)

    def cents(a):
        return Decimal(a).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    rows, expected = [], []
    for i, (planned, actual, billable) in enumerate(expenses):
        (p_amount, p_units), (a_amount, a_units) = given_as(planned), given_as(actual)
        kind = "Mileage" if p_units is not None or a_units is not None else None
        rows.append(
            Expense(f"E{i}", "P1", "T1" if i % 2 else None, kind, None, None, p_amount, None,
                    a_amount, billable, False, False, None, i + 2, p_units, a_units)
        )  # fmt: skip
        expected.append(
            (
                cents(p_amount if p_units is None else p_units * rate),
                None if a_amount is None and a_units is None
                else cents(a_amount if a_units is None else a_units * rate),
            )
        )  # fmt: skip
    workbook = Workbook(
        projects={"P1": Project(project="P1", row=2)},
        tasks={("P1", "T1"): Task(project="P1", task="T1", row=2)},
        expenses=tuple(rows),
        expense_types={"Mileage": mileage},
    )
    p = compute(workbook).projects[0]
    not_billable = [x for e, x in zip(rows, expected, strict=True) if not e.billable]
    assert p.planned_expenses - p.planned_billable_expenses == sum(
        (planned for planned, _ in not_billable), Decimal(0)
    )
    assert p.actual_expenses - p.actual_billable_expenses == sum(
        (actual for _, actual in not_billable if actual is not None), Decimal(0)
    )
    assert p.planned_expenses == sum((planned for planned, _ in expected), Decimal(0))
    t = p.tasks[0]
    assert t.planned_billable_expenses <= t.planned_expenses
    assert p.planned_expenses == t.planned_expenses + sum(
        (x[0] for e, x in zip(rows, expected, strict=True) if e.task is None), Decimal(0)
    )


RATIO = """
    [Users]
    User | Billing rate | Cost rate
    hal | 95.55 | 50
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-09-02 | 2024-09-04
    [Tasks]
    Project | Task | Planned hours | Revenue type | Overtime ratio
    P1 | T1 | 7 | User Hourly | 1.25
    [Assignments]
    Project | Task | User
    P1 | T1 | hal
"""


def test_an_overtime_ratio_on_a_revenue_type_it_does_not_apply_to_is_ignored(results, book):
    """Model 11.2: the ratio multiplies planned revenue of the User and Role Hourly family
    only (section 17; tests/test_hierarchy.py); on User Hourly it is ignored with
    OVERTIME_RATIO_IGNORED and planned revenue is 7 h × 95.55 = 668.85."""
    _, problems = book(RATIO)
    assert [(p.code, p.field) for p in problems] == [("OVERTIME_RATIO_IGNORED", "Overtime ratio")]
    assert task(results(RATIO)).planned_revenue == Decimal("668.85")
    _, plain = book(RATIO.replace("| User Hourly | 1.25", "| User Hourly | 1"))
    assert plain == []  # 1 is no multiplier: nothing to say


@pytest.mark.parametrize("ratio", ["0", "-1.5"])
def test_an_overtime_ratio_not_above_zero_is_an_error(book, ratio):
    _, problems = book(RATIO.replace("| 1.25", f"| {ratio}"))
    assert [(p.code, p.field) for p in problems] == [("OVERTIME_RATIO_INVALID", "Overtime ratio")]


ROLES_10_2 = """
    [Roles]
    Role | Billing rate
    Designer | 120
    Senior Designer | 150
    [Users]
    User | Primary role | Other roles
    ann | Designer | Senior Designer
    bob | Designer |
    carl | |
    dee | Designer |
    [User roles]
    User | Start date | Primary role
    dee | 2024-07-01 | Senior Designer
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-06-03 | 2024-07-31
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T2 | Role Hourly | No Cost
    P1 | T3 | User Hourly | No Cost
    [Assignments]
    Project | Task | Role
    P1 | T2 | Senior Designer
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T2 | ann | 2024-06-03 | 5
    H2 | P1 | T2 | bob | 2024-06-04 | 2
    H3 | P1 | T2 | carl | 2024-06-05 | 1
    H4 | P1 | T3 | dee | 2024-06-28 | 3
    H5 | P1 | T3 | dee | 2024-07-02 | 2
"""


def test_example_10_2_the_role_of_a_line_among_the_users_roles(results):
    r = results(ROLES_10_2)
    lines = {x.line.entry: x for x in task(r, "T2").lines}
    assert (lines["H1"].role, lines["H1"].revenue) == ("Senior Designer", Decimal("750.00"))
    assert (lines["H2"].role, lines["H2"].revenue) == ("Designer", Decimal("240.00"))
    assert (lines["H3"].role, lines["H3"].revenue) == ("Senior Designer", Decimal("150.00"))
    assert task(r, "T2").actual_revenue == Decimal("1140.00")


def test_example_10_2_a_dated_role_set_changes_the_primary_role_on_its_date(results):
    r = results(ROLES_10_2)
    assert [x.revenue for x in task(r, "T3").lines] == [Decimal("360.00"), Decimal("300.00")]
    assert task(r, "T3").actual_revenue == Decimal("660.00")


def test_the_primary_role_gives_way_to_the_tasks_role_where_it_has_no_rate(results):
    """Revenue, step 4 to 5: Bob's primary role has no billing rate: his hours bill at the
    task's role-only assignment's rate; his cost stays his primary role's (none)."""
    text = ROLES_10_2.replace("    Designer | 120\n", "    Designer |\n")
    lines = {x.line.entry: x for x in task(results(text), "T2").lines}
    assert lines["H2"].revenue == Decimal("300.00")  # 2 h × 150


def test_two_role_sets_of_one_user_from_one_date_are_an_error(book):
    text = ROLES_10_2.replace(
        "    dee | 2024-07-01 | Senior Designer\n",
        "    dee | 2024-07-01 | Senior Designer\n    dee | 2024-07-01 | Designer\n",
    )
    _, problems = book(text)
    assert [(p.code, p.sheet, p.row) for p in problems] == [("ROLE_SET_DUPLICATE", "User roles", 3)]


def test_an_unknown_other_role_is_named(book):
    _, problems = book(ROLES_10_2.replace("| Designer | Senior Designer", "| Designer | Art"))
    assert [(p.code, p.field) for p in problems] == [("REFERENCE_UNKNOWN", "Other roles")]


def test_explain_names_the_hour_type_and_the_units_of_an_expense(results):
    from xlfin.report.explain import explain

    text = "\n".join(explain(results(GUS), "P1", entry="H2"))
    assert "hour type: Internal (adds cost only, no revenue)" in text
    text = "\n".join(explain(results(MILEAGE), "P1", task="T1"))
    assert "expense E1 (Expenses row 2) from units: planned: 250 Kilometer × 0.3125" in text
    assert "planned expenses 218.13 = billable 178.13 + not billable 40.00" in text


APPROVAL = """
    [Users]
    User | Billing rate
    u1 | 100
    [Projects]
    Project | Require time approval
    P1 | Yes
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T1 | User Hourly | No Cost
    [Billing records]
    Billing record | Project | Status
    B1 | P1 | Not Billed
    [Hours]
    Entry | Project | Task | User | Date | Hours | Status | Billing record
    L1 | P1 | T1 | u1 | 2024-06-03 | 4 | Approved |
    L2 | P1 | T1 | u1 | 2024-06-04 | 3 | Submitted |
    L3 | P1 | T1 | u1 | 2024-06-05 | 2 | Rejected |
"""


def test_example_18_1_approval_gates_billing_never_actuals(results, book):
    r = results(APPROVAL)
    p = project(r)
    assert p.actual_revenue == Decimal("900.00")
    assert p.unbilled == Decimal("400.00")
    assert (p.awaiting_approval, p.rejected) == (Decimal("300.00"), Decimal("200.00"))
    _, problems = book(APPROVAL)
    assert [(x.code, x.row, x.field) for x in problems] == [("HOURS_REJECTED", 4, "Status")]
    free = project(results(APPROVAL.replace("P1 | Yes", "P1 | No")))
    assert (free.unbilled, free.awaiting_approval, free.rejected) == (
        Decimal("700.00"), Decimal("0"), Decimal("200.00"),
    )  # fmt: skip


def test_hours_not_approved_in_a_record_are_an_error_at_their_status(results):
    r = results(APPROVAL.replace("| 3 | Submitted |", "| 3 | Submitted | B1"))
    [refused] = [x for x in r.problems if x.code == "HOURS_NOT_APPROVED"]
    assert (refused.row, refused.field) == (3, "Status")
    r = results(
        APPROVAL.replace("P1 | Yes", "P1 | No").replace(
            "| 2 | Rejected |", "| 2 | Not Approved | B1"
        )
    )
    assert [x.row for x in r.problems if x.code == "HOURS_NOT_APPROVED"] == [4]


LOCKED = """
    [Roles]
    Role | Billing rate
    Designer | 120
    [Users]
    User | Primary role | Location
    john | Designer | Paris
    [Companies]
    Company
    C1
    [Company rates]
    Company | Role | Billing rate
    C1 | Designer | 200
    [Rate cards]
    Rate card | Role | Location | Billing rate | Locked
    Intl | Designer | Paris | 98 | Yes
    [Projects]
    Project | Company | Rate card | Company rates override
    P1 | C1 | Intl | Yes
    [Project rates]
    Project | Role | Billing rate
    P1 | Designer | 180
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T1 | Role Hourly | No Cost
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | john | 2024-08-05 | 2
"""


def test_a_locked_rate_card_line_wins_over_every_level(results):
    """Model 17.5: a locked line of the project's rate card comes before the company
    override; unlocked, the company override wins (1.1)."""
    [line] = task(results(LOCKED)).lines
    assert (line.revenue, line.revenue_source.level.value) == (
        Decimal("196.00"), "locked rate card",
    )  # fmt: skip
    [line] = task(results(LOCKED.replace("| 98 | Yes", "| 98 | No"))).lines
    assert line.revenue == Decimal("400.00")  # company (override) 200


JOANNA = """
    [Users]
    User | Billing rate | Cost rate | Cost rate override allowed
    joanna | 100 | 60 | Yes
    [Projects]
    Project
    P1
    [Project cost rates]
    Project | User | Cost rate
    P1 | joanna | 55
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T1 | User Hourly | User Hourly
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | joanna | 2024-08-05 | 3
    H2 | P1 |  | joanna | 2024-08-06 | 1
"""


def test_example_17_3_a_project_cost_rate_for_a_user_who_allows_it(results, book):
    r = results(JOANNA)
    assert task(r).actual_cost == Decimal("165.00")  # 3 h × 55, the project's
    assert project(r).project_lines[0].cost == Decimal("55.00")  # on the project itself too
    not_allowed = JOANNA.replace("| 60 | Yes", "| 60 | No")
    assert task(results(not_allowed)).actual_cost == Decimal("180.00")  # 3 h × 60, hers
    _, problems = book(not_allowed)
    assert [(p.code, p.sheet) for p in problems] == [
        ("COST_OVERRIDE_NOT_ALLOWED", "Project cost rates")
    ]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["0.25", "1", "2.5", "7.75", "8"]),
            st.sampled_from([None, "Internal"]),
            st.integers(min_value=0, max_value=20),
        ),
        min_size=1,
        max_size=25,
    )
)
@settings(max_examples=100, deadline=None)
def test_lines_of_every_hour_type_sum_to_the_task_totals(lines):
    """Property (model 11.1): whatever the hour types, a task's actual revenue and cost are
    the sums of its lines' amounts, and a line of a type that does not count as revenue
    (read as not billable, as the reader reads it) adds its cost and no revenue."""
    import datetime as dt

    from xlfin.core.compute import compute
    from xlfin.models import HourLine, Project, RatePeriod, Task, User, Workbook

    rate = lambda r: (RatePeriod(rate=Decimal(r), sheet="Users", row=2),)  # noqa: E731
    hours = tuple(
        HourLine(f"H{i}", "P1", "T1", "u1", None, dt.date(2024, 6, 3) + dt.timedelta(days=day),
                 Decimal(h), kind is None, None, i + 2, kind)
        for i, (h, kind, day) in enumerate(lines)
    )  # fmt: skip
    workbook = Workbook(
        users={"u1": User(user="u1", cost_rates=rate("37.5"), billing_rates=rate("95.55"), row=2)},
        projects={"P1": Project(project="P1", row=2)},
        tasks={("P1", "T1"): Task(project="P1", task="T1", row=2)},
        hours=hours,
    )
    [t] = compute(workbook).projects[0].tasks
    assert t.actual_hourly_revenue == sum((r.revenue for r in t.lines), Decimal(0))
    assert t.actual_labor_cost == sum((r.cost for r in t.lines), Decimal(0))

    def cents(hours: Decimal, rate: str) -> Decimal:
        return (hours * Decimal(rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    for r in t.lines:
        assert r.cost == cents(r.line.hours, "37.5")
        assert r.revenue == (cents(r.line.hours, "95.55") if r.line.hour_type is None else 0)


def test_explain_says_when_a_projects_fixed_revenue_is_realized(results):
    from xlfin.report.explain import explain

    text = "\n".join(explain(results(EXAMPLE_10_1), "P-1"))
    assert (
        "actual revenue: tasks 1,500.00 + hours on the project itself 0.00 + fixed revenue "
        "1,000.00 (Complete on 2024-06-30: realized) = 2,500.00" in text
    )
    assert "planned revenue: tasks 500.00 + fixed revenue 1,000.00 = 1,500.00" in text
    current = results(EXAMPLE_10_1.replace("| Complete | 2024-06-30", "| Current | 2024-06-30"))
    text = "\n".join(explain(current, "P-1"))
    assert "fixed revenue 0.00 (Current: realized only once Complete) = 1,500.00" in text


TASK_ROLES = """
    [Roles]
    Role | Cost rate | Billing rate
    A | 10 | 100
    B | 20 | 200
    C | 30 | 300
    D | 40 |
    [Users]
    User | Primary role
    u0 |
    u1 | C
    u2 | D
    [Projects]
    Project
    P1
    [Tasks]
    Project | Task | Revenue type | Cost type | Role
    P1 | T1 | Role Hourly | Role Hourly | A
    P1 | T2 | Role Hourly | Role Hourly | B
    P1 | T3 | User Hourly | Role Hourly | A
    P1 | T4 | User Hourly | Role Hourly | B
    [Hours]
    Entry | Project | Task | User | Date | Hours
    L1 | P1 | T1 | u0 | 2024-06-03 | 1
    L2 | P1 | T2 | u0 | 2024-06-03 | 1
    L3 | P1 | T3 | u0 | 2024-06-03 | 1
    L4 | P1 | T4 | u0 | 2024-06-03 | 1
    L5 | P1 | T1 | u1 | 2024-06-03 | 1
    L6 | P1 | T2 | u1 | 2024-06-03 | 1
    L7 | P1 | T3 | u1 | 2024-06-03 | 1
    L8 | P1 | T4 | u1 | 2024-06-03 | 1
    L9 | P1 | T1 | u2 | 2024-06-03 | 1
    L10 | P1 | T2 | u2 | 2024-06-03 | 1
"""


def test_lines_of_users_without_an_assignment_take_each_tasks_role_where_it_decides(results):
    """Model 10.3: a user with no assignment and no primary role is costed as the task's
    Role, task by task; a user with a primary role is costed as it on every task (tasks of
    one project share such users' plans, never the task's Role where it decides)."""
    r = results(TASK_ROLES)
    lines = {x.line.entry: x for t in project(r).tasks for x in t.lines}
    assert [
        (lines[e].role, lines[e].role_from, lines[e].cost) for e in ("L1", "L2", "L3", "L4")
    ] == [
        ("A", "task", Decimal("10.00")),
        ("B", "task", Decimal("20.00")),
        ("A", "task", Decimal("10.00")),
        ("B", "task", Decimal("20.00")),
    ]
    assert {
        (lines[e].role, lines[e].role_from, lines[e].cost) for e in ("L5", "L6", "L7", "L8")
    } == {("C", "primary role", Decimal("30.00"))}
    # Role Hourly: the primary role's billing rate, else the task's Role's (D has none).
    assert [lines[e].revenue for e in ("L1", "L2", "L5", "L6", "L9", "L10")] == [
        Decimal("100.00"), Decimal("200.00"), Decimal("300.00"), Decimal("300.00"),
        Decimal("100.00"), Decimal("200.00"),
    ]  # fmt: skip
