"""Finance model, sections 10–12: the corrections to the classic layer, one test per
worked example and per rule."""

from __future__ import annotations

from decimal import Decimal

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
