"""Finance model, section 17 (with 11.2's overtime): the User and Role Hourly types and the
full rate hierarchy, one test per worked example and one per step of 17.1–17.3 (that step
decides the rate; taken away, the next step does)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import codes, project, task

EXAMPLE_17_1 = """
    [Roles]
    Role | Billing rate | Cost rate
    Designer 1 | 80 | 45
    Senior Designer | 150 |
    Principal Designer | |
    [Users]
    User | Primary role | Billing rate | Cost rate
    john | Designer 1 | 90 | 50
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-07-01 | 2024-09-30
    [Project rates]
    Project | Role | Billing rate
    P1 | Senior Designer | 160
    [Billing roles]
    Project | User | Role | Start date | End date
    P1 | john | Senior Designer | 2024-08-01 | 2024-08-31
    [Tasks]
    Project | Task | Planned start | Planned completion | Planned hours | Revenue type | Cost type
    P1 | T1 | 2024-07-31 | 2024-08-01 | 16 | User and Role Hourly | User and Role Hourly
    [Assignments]
    Project | Task | User | Job role for billing | Billing rate
    P1 | T1 | john | |
"""


def test_example_17_1_the_job_role_for_billing_from_its_date(results):
    """July 31: no billing role (no reach-back), John's own 90 (step 6); August 1: Senior
    Designer's project rate 160 (step 4): 8 × 90 + 8 × 160."""
    t = task(results(EXAMPLE_17_1))
    assert t.planned_revenue == Decimal("2000.00")
    assert t.planned_cost == Decimal("800.00")  # 16 × 50: a billing role never touches cost
    [plan] = t.plans
    assert [(s.first.isoformat(), s.source.rate, s.source.level.value) for s in plan.revenue] == [
        ("2024-07-31", Decimal("90"), "user"),
        ("2024-08-01", Decimal("160"), "job role for billing"),
    ]


def test_example_17_1_the_assignments_billing_rate_comes_before_the_billing_role(results):
    r = results(EXAMPLE_17_1.replace("P1 | T1 | john | |", "P1 | T1 | john | | 120"))
    assert task(r).planned_revenue == Decimal("1920.00")  # 16 × 120, step 3


def test_example_17_1_a_job_role_for_billing_without_a_rate_bills_zero(book, results):
    text = EXAMPLE_17_1.replace("P1 | T1 | john | |", "P1 | T1 | john | Principal Designer |")
    r = results(text)
    assert task(r).planned_revenue == Decimal("0.00")  # John's 90 is not reached
    assert codes(book(text)[1]) == []
    assert [(p.code, p.sheet, p.field) for p in r.problems] == [
        ("JOB_ROLE_FOR_BILLING_NO_RATE", "Assignments", "Job role for billing")
    ]


EXAMPLE_17_2 = """
    [Roles]
    Role | Billing rate | Cost rate
    Designer 1 | 80 | 45
    [Users]
    User | Primary role | Location | Billing rate | Cost rate
    john | Designer 1 | Paris | 90 | 50
    [Rate cards]
    Rate card | Role | Location | Billing rate | Locked
    Intl | Designer 1 | Paris | 98 | Yes
    [Projects]
    Project | Rate card | Planned start | Planned completion
    P1 | Intl | 2024-07-01 | 2024-09-30
    [Tasks]
    Project | Task | Planned start | Planned completion | Planned hours | Revenue type | Cost type
    P1 | T1 | 2024-07-31 | 2024-08-01 | 16 | User and Role Hourly | User and Role Hourly
    [Assignments]
    Project | Task | User | Billing rate
    P1 | T1 | john | 120
"""


def test_example_17_2_a_locked_rate_card_line_wins_over_the_assignment_rate(results):
    t = task(results(EXAMPLE_17_2))
    assert t.planned_revenue == Decimal("1568.00")  # 16 × 98, step 2
    assert {s.source.level.value for s in t.plans[0].revenue} == {"locked rate card"}
    unlocked = results(EXAMPLE_17_2.replace("| 98 | Yes", "| 98 | No"))
    assert task(unlocked).planned_revenue == Decimal("1920.00")  # 16 × 120, step 3


EXAMPLE_17_3 = """
    [Roles]
    Role | Billing rate | Cost rate
    Designer | 80 | 40
    Senior Designer | 150 |
    [Users]
    User | Primary role | Billing rate | Cost rate | Cost rate override allowed
    michael | Designer | 85 | 45 | No
    joanna | Designer | 100 | 60 | Yes
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-08-01 | 2024-08-31
    [Project rates]
    Project | Role | User | Billing rate
    P1 | Senior Designer | | 160
    P1 | | joanna | 140
    [Project cost rates]
    Project | User | Cost rate
    P1 | joanna | 55
    [Billing roles]
    Project | User | Role | Start date | End date
    P1 | joanna | Senior Designer | 2024-08-01 | 2024-08-31
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T1 | User and Role Hourly | User and Role Hourly
    [Assignments]
    Project | Task | User
    P1 | T1 | michael
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | joanna | 2024-08-05 | 3
"""


def test_example_17_3_a_user_who_is_not_assigned(results, book):
    [line] = task(results(EXAMPLE_17_3)).lines
    assert (line.revenue, line.revenue_source.level.value) == (Decimal("420.00"), "project user")
    assert (line.cost, line.cost_source.level.value) == (Decimal("165.00"), "project cost rate")
    without = EXAMPLE_17_3.replace("    P1 | | joanna | 140\n", "")
    [line] = task(results(without)).lines
    assert (line.revenue, line.revenue_source.level.value) == (
        Decimal("480.00"), "job role for billing",
    )  # fmt: skip
    not_allowed = EXAMPLE_17_3.replace("| 60 | Yes", "| 60 | No")
    [line] = task(results(not_allowed)).lines
    assert line.cost == Decimal("180.00")
    _, problems = book(not_allowed)
    assert codes(problems) == ["COST_OVERRIDE_NOT_ALLOWED"]


EXAMPLE_11_2 = """
    [Users]
    User | Billing rate | Cost rate
    hal | 95.55 | 50
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-09-02 | 2024-09-04
    [Tasks]
    Project | Task | Planned hours | Revenue type | Cost type | Fixed amount | Overtime ratio
    P1 | T1 | 7 | User and Role Hourly | User and Role Hourly | | 1.25
    [Assignments]
    Project | Task | User
    P1 | T1 | hal
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | hal | 2024-09-03 | 7
"""


def test_example_11_2_the_overtime_ratio_multiplies_planned_revenue_only(results, book):
    r = results(EXAMPLE_11_2)
    t = task(r)
    assert t.planned_revenue == Decimal("836.06")  # 3 × (7/3 h × 95.55 × 1.25) = 836.0625
    assert t.planned_cost == Decimal("350.00")
    assert t.planned_hours == Decimal("7")
    assert t.actual_revenue == Decimal("668.85")  # 7 × 95.55: actuals are never multiplied
    assert codes(book(EXAMPLE_11_2)[1]) == []
    capped = EXAMPLE_11_2.replace(
        "| User and Role Hourly | User and Role Hourly | | 1.25",
        "| User and Role Hourly with Cap | User and Role Hourly | 800 | 1.25",
    )
    assert task(results(capped)).planned_revenue == Decimal("800.00")  # the cap after the ratio
    plus = capped.replace("with Cap", "Plus Fixed").replace("| 800 |", "| 100 |")
    assert task(results(plus)).planned_revenue == Decimal("936.06")  # the hourly part × 1.25
    role_hourly = EXAMPLE_11_2.replace(
        "| User and Role Hourly | User and Role Hourly |", "| Role Hourly | User Hourly |"
    )
    role_hourly = role_hourly.replace(
        "User | Billing rate | Cost rate\n", "User | Primary role | Billing rate | Cost rate\n"
    )
    role_hourly = role_hourly.replace("hal | 95.55 | 50", "hal | Dev | | 50").replace(
        "[Users]", "[Roles]\n    Role | Billing rate\n    Dev | 95.55\n    [Users]"
    )
    assert task(results(role_hourly)).planned_revenue == Decimal("668.85")
    assert codes(book(role_hourly)[1]) == ["OVERTIME_RATIO_IGNORED"]


def test_the_planned_sheet_and_explain_say_the_overtime(results):
    from xlfin.report.explain import explain

    r = results(EXAMPLE_11_2)
    [plan] = task(r).plans
    assert plan.overtime_text() == " × 1.25 overtime"
    assert sum(plan.revenue_amount(s) for s in plan.revenue) == plan.planned_revenue
    text = "\n".join(explain(r, "P1", "T1"))
    assert "95.55/h × 1.25 overtime" in text


# -- each step of 17.1: an assignee's billing rate -----------------------------------------

ASSIGNEE = """
    [Roles]
    Role | Billing rate | Cost rate
    Designer | 70 | 40
    Senior | 150 |
    [Users]
    User | Primary role | Billing rate | Cost rate | Cost rate override allowed
    john | Designer | 90 | 50 | Yes
    [Rate cards]
    Rate card | Role | Billing rate | Locked
    Card | Senior | 98 | Yes
    [Projects]
    Project | Rate card | Planned start | Planned completion
    P1 | Card | 2024-08-05 | 2024-08-05
    [Project rates]
    Project | Role | User | Billing rate
    P1 | Senior | | 160
    P1 | | john | 130
    [Project cost rates]
    Project | User | Cost rate
    P1 | john | 55
    [Billing roles]
    Project | User | Role
    P1 | john | Senior
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1 | T1 | User and Role Hourly | User and Role Hourly
    [Assignments]
    Project | Task | User | Billing rate | Cost rate
    P1 | T1 | john | 120 | 52
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | john | 2024-08-05 | 1
"""

REMOVE = {
    "lock": ("| Senior | 98 | Yes", "| Senior | 98 | No"),
    "assignment rate": ("| john | 120 | 52", "| john |  | 52"),
    "billing role": ("    P1 | john | Senior\n", ""),
    "project user": ("    P1 | | john | 130\n", ""),
    "user rate": ("john | Designer | 90 |", "john | Designer |  |"),
    "role rate": ("Designer | 70 | 40", "Designer |  | 40"),
}


def _planned(text: str, hours: int) -> str:
    """The task of `text` with planned hours, on the project's one day."""
    text = text.replace(
        "| Revenue type | Cost type\n", "| Planned hours | Revenue type | Cost type\n"
    )
    return text.replace(
        "P1 | T1 | User and Role Hourly", f"P1 | T1 | {hours} | User and Role Hourly"
    )


def _without(text: str, *steps: str) -> str:
    for step in steps:
        old, new = REMOVE[step]
        assert old in text, step
        text = text.replace(old, new)
    return text


def _line(results, text):
    [line] = task(results(text)).lines
    return line.revenue_source.rate, line.revenue_source.level.value


ASSIGNEE_STEPS = [
    ((), ("98", "locked rate card")),  # 2: Locked(B)
    (("lock",), ("120", "assignment")),  # 3
    (("lock", "assignment rate"), ("160", "job role for billing")),  # 4: R(B)
    (("lock", "assignment rate", "billing role"), ("130", "project user")),  # 5
    (("lock", "assignment rate", "billing role", "project user"), ("90", "user")),  # 6
    (("lock", "assignment rate", "billing role", "project user", "user rate"),
     ("70", "system")),  # 7: R(primary)
]  # fmt: skip


@pytest.mark.parametrize(("removed", "expected"), ASSIGNEE_STEPS)
def test_each_step_of_17_1_decides_an_assignees_rate(results, removed, expected):
    assert _line(results, _without(ASSIGNEE, *removed)) == (Decimal(expected[0]), expected[1])


def test_17_1_without_any_rate_is_no_rate(results):
    everything = ("lock", "assignment rate", "billing role", "project user", "user rate",
                  "role rate")  # fmt: skip
    r = results(_without(ASSIGNEE, *everything))
    [line] = task(r).lines
    assert (line.revenue, line.revenue_source.level.value) == (Decimal("0"), "no rate")
    assert "NO_RATE" in codes(r.problems)


def test_17_1_a_billing_role_without_a_rate_stops_the_search(results):
    """Step 4: the billing role has no rate anywhere: 0, not the project user rate below."""
    text = _without(ASSIGNEE, "lock", "assignment rate").replace("    P1 | Senior | | 160\n", "")
    text = text.replace("Senior | 150 |", "Senior |  |")
    text = text.replace("| Senior | 98 | No", "| Designer | 98 | No")
    r = results(text)
    [line] = task(r).lines
    assert (line.revenue, line.revenue_source.level.value) == (
        Decimal("0"), "job role for billing, no rate",
    )  # fmt: skip
    planned, found = [p for p in r.problems if p.code == "JOB_ROLE_FOR_BILLING_NO_RATE"]
    assert (planned.sheet, planned.row) == ("Assignments", 2)
    assert (found.sheet, found.row) == ("Hours", 2)
    assert "Billing roles row 2" in found.message


def test_17_1_planned_revenue_follows_the_same_steps(results):
    planned = _planned(ASSIGNEE, 2)
    for removed, (rate, _level) in ASSIGNEE_STEPS:
        t = task(results(_without(planned, *removed)))
        assert t.planned_revenue == 2 * Decimal(rate), removed


def test_a_line_role_acts_as_the_job_role_for_billing(results):
    text = _without(ASSIGNEE, "lock", "assignment rate").replace(
        "Entry | Project | Task | User | Date | Hours\n    H1 | P1 | T1 | john | 2024-08-05 | 1",
        "Entry | Project | Task | User | Role | Date | Hours\n"
        "    H1 | P1 | T1 | john | Designer | 2024-08-05 | 1",
    )
    assert _line(results, text) == (Decimal("70"), "job role for billing")  # R(Designer)


# -- each step of 17.2: a user who logs without an assignment ---------------------------------

OWNER = ASSIGNEE.replace("    P1 | T1 | john | 120 | 52\n", "")

OWNER_STEPS = [
    ((), ("98", "locked rate card")),  # 2: Locked(B')
    (("lock",), ("130", "project user")),  # 3: before the billing role on this path
    (("lock", "project user"), ("160", "job role for billing")),  # 4: R(B')
    (("lock", "project user", "billing role"), ("90", "user")),  # 5
    (("lock", "project user", "billing role", "user rate"), ("70", "system")),  # 6
]


@pytest.mark.parametrize(("removed", "expected"), OWNER_STEPS)
def test_each_step_of_17_2_decides_an_owners_rate(results, removed, expected):
    assert _line(results, _without(OWNER, *removed)) == (Decimal(expected[0]), expected[1])


# -- each step of 17.3: cost ---------------------------------------------------------------

COST_REMOVE = {
    "assignment cost": ("| john | 120 | 52", "| john | 120 |"),
    "project cost": ("    P1 | john | 55\n", ""),
    "user cost": ("| 90 | 50 | Yes", "| 90 |  | Yes"),
    "role cost": ("Designer | 70 | 40", "Designer | 70 |"),
}


def _cost(results, text, *removed):
    for step in removed:
        old, new = COST_REMOVE[step]
        assert old in text, step
        text = text.replace(old, new)
    [line] = task(results(text)).lines
    return line.cost_source.rate, line.cost_source.level.value


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        ((), ("52", "assignment")),
        (("assignment cost",), ("55", "project cost rate")),
        (("assignment cost", "project cost"), ("50", "user")),
        (("assignment cost", "project cost", "user cost"), ("40", "system")),
        (("assignment cost", "project cost", "user cost", "role cost"), (None, "no rate")),
    ],
)
def test_each_step_of_17_3_decides_an_assignees_cost(results, removed, expected):
    rate = None if expected[0] is None else Decimal(expected[0])
    assert _cost(results, ASSIGNEE, *removed) == (rate, expected[1])


def test_17_3_an_owners_cost_uses_the_line_role_and_never_the_billing_role(results):
    assert _cost(results, OWNER) == (Decimal("55"), "project cost rate")
    assert _cost(results, OWNER, "project cost") == (Decimal("50"), "user")
    with_role = OWNER.replace(
        "Entry | Project | Task | User | Date | Hours\n    H1 | P1 | T1 | john | 2024-08-05 | 1",
        "Entry | Project | Task | User | Role | Date | Hours\n"
        "    H1 | P1 | T1 | john | Senior | 2024-08-05 | 1",
    ).replace("Senior | 150 |", "Senior | 150 | 65")
    assert _cost(results, with_role, "project cost", "user cost") == (Decimal("65"), "system")
    # The Billing roles row (Senior) does not change cost: the primary role's 40.
    assert _cost(results, OWNER, "project cost", "user cost") == (Decimal("40"), "system")


def test_role_only_assignment_locked_then_its_rate_then_the_role(results):
    text = ASSIGNEE.replace(
        "Project | Task | User | Billing rate | Cost rate\n    P1 | T1 | john | 120 | 52",
        "Project | Task | Role | Billing rate | Cost rate\n    P1 | T1 | Senior | 120 | 52",
    )
    text = _planned(text, 1)
    [plan] = task(results(text)).plans
    assert [s.source.level.value for s in plan.revenue] == ["locked rate card"]
    [plan] = task(results(text.replace("| Senior | 98 | Yes", "| Senior | 98 | No"))).plans
    assert [(s.source.rate, s.source.level.value) for s in plan.revenue] == [
        (Decimal("120"), "assignment")
    ]
    assert [(s.source.rate, s.source.level.value) for s in plan.cost] == [
        (Decimal("52"), "assignment")
    ]


# -- other rules of 17 ---------------------------------------------------------------------


def test_an_assignment_that_is_not_billable_earns_nothing_and_costs_the_same(results):
    text = ASSIGNEE.replace(
        "Project | Task | User | Billing rate | Cost rate\n    P1 | T1 | john | 120 | 52",
        "Project | Task | User | Billing rate | Cost rate | Billable\n"
        "    P1 | T1 | john | 120 | 52 | No",
    )
    [line] = task(results(text)).lines
    assert (line.revenue, line.revenue_source.level.value) == (Decimal("0"), "not billable")
    assert line.cost == Decimal("52.00")


def test_a_job_role_for_billing_on_a_role_only_assignment_is_an_error(book):
    _, problems = book(
        EXAMPLE_17_1.replace(
            "Project | Task | User | Job role for billing | Billing rate\n    P1 | T1 | john | |",
            "Project | Task | Role | Job role for billing | Billing rate\n"
            "    P1 | T1 | Designer 1 | Senior Designer |",
        )
    )
    assert [(p.code, p.sheet, p.field) for p in problems] == [
        ("BILLING_ROLE_ON_ROLE", "Assignments", "Job role for billing")
    ]


def test_hierarchy_inputs_on_classic_tasks_are_ignored_with_a_warning(book, results):
    classic = EXAMPLE_17_1.replace(
        "| User and Role Hourly | User and Role Hourly", "| User Hourly | User Hourly"
    ).replace("P1 | T1 | john | |", "P1 | T1 | john | Senior Designer | 120")
    _, problems = book(classic)
    assert sorted((p.code, p.sheet, p.field) for p in problems) == [
        ("ASSIGNMENT_RATE_IGNORED", "Assignments", "Billing rate"),
        ("ASSIGNMENT_RATE_IGNORED", "Assignments", "Job role for billing"),
        ("ASSIGNMENT_RATE_IGNORED", "Billing roles", "Role"),
    ]
    assert task(results(classic)).planned_revenue == Decimal("1440.00")  # 16 × John's 90


def test_overlapping_billing_roles_are_an_error(book):
    text = EXAMPLE_17_1.replace(
        "    P1 | john | Senior Designer | 2024-08-01 | 2024-08-31\n",
        "    P1 | john | Senior Designer | 2024-08-01 | 2024-08-31\n"
        "    P1 | john | Designer 1 | 2024-08-15 |\n",
    )
    _, problems = book(text)
    assert [(p.code, p.sheet, p.row) for p in problems] == [("RATE_OVERLAP", "Billing roles", 3)]


def test_the_project_total_of_hierarchy_tasks_adds_up(results):
    r = results(EXAMPLE_17_3)
    assert project(r).actual_revenue == Decimal("420.00")


def test_17_2_without_any_rate_is_no_rate(results):
    everything = ("lock", "project user", "billing role", "user rate", "role rate")
    r = results(_without(OWNER, *everything))
    [line] = task(r).lines
    assert (line.revenue, line.revenue_source.level.value) == (Decimal("0"), "no rate")
    assert "NO_RATE" in codes(r.problems)


def test_17_3_a_role_only_assignments_cost_is_its_own_then_the_roles(results):
    text = _planned(
        ASSIGNEE.replace(
            "Project | Task | User | Billing rate | Cost rate\n    P1 | T1 | john | 120 | 52",
            "Project | Task | Role | Billing rate | Cost rate\n    P1 | T1 | Designer | 120 |",
        ),
        1,
    )
    [plan] = task(results(text)).plans
    assert [(s.source.rate, s.source.level.value) for s in plan.cost] == [(Decimal("40"), "system")]


def test_a_line_of_an_assignment_that_is_not_billable_cannot_be_billed(results):
    text = ASSIGNEE.replace(
        "Project | Task | User | Billing rate | Cost rate\n    P1 | T1 | john | 120 | 52",
        "Project | Task | User | Billing rate | Cost rate | Billable\n"
        "    P1 | T1 | john | 120 | 52 | No",
    ).replace(
        "Entry | Project | Task | User | Date | Hours\n    H1 | P1 | T1 | john | 2024-08-05 | 1",
        "Entry | Project | Task | User | Date | Hours | Billing record\n"
        "    H1 | P1 | T1 | john | 2024-08-05 | 1 | B1\n"
        "    [Billing records]\n    Billing record | Project\n    B1 | P1",
    )
    [refused] = [p for p in results(text).problems if p.code == "BILLING_LINE_NOT_BILLABLE"]
    assert (refused.sheet, refused.row) == ("Hours", 2)
    assert "Assignments › Billable" in refused.message
