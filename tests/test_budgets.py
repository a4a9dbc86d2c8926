"""Finance model, section 15: budgeted hours by role, priced day by day; the budgeted cost;
the burn of a project's Budget and its warnings."""

from __future__ import annotations

from decimal import Decimal

from conftest import codes, project

D = Decimal

EXAMPLE_15_1 = """
    [Roles]
    Role | Cost rate | Billing rate | Start date | End date
    Designer | 60 | 100 | |
    Developer | 80 | 150 | | 2024-01-15
    Developer | 85 | 150 | 2024-01-16 |
    [Users]
    User | Primary role | Cost rate
    u | Developer | 75
    [Projects]
    Project | Planned start | Planned completion | Fixed cost | Budget
    P-3 | 2024-01-01 | 2024-01-31 | 500 | 25000
    [Project rates]
    Project | Role | Billing rate
    P-3 | Designer | 130
    [Budgets]
    Project | Role | User | Budgeted hours
    P-3 | Designer | | 100
    P-3 | Developer | | 200
    [Tasks]
    Project | Task | Cost type | Revenue type
    P-3 | T1 | User Hourly | User Hourly
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P-3 | T1 | u | 2024-01-08 | 80
    H2 | P-3 | T1 | u | 2024-01-15 | 80
    H3 | P-3 | T1 | u | 2024-01-22 | 80
    [Expenses]
    Expense | Project | Planned amount | Actual amount
    E1 | P-3 | 1500 | {spent}
"""


def test_example_15_1_budgeted_cost_and_burn(results):
    """Designer 100 h: 6,000.00 cost, 13,000.00 revenue (project rate 130). Developer 200 h:
    200 × (11 × 80 + 12 × 85) / 23 = 16,521.74, revenue 30,000.00. Budgeted cost 22,521.74
    + 1,500.00 + 500.00 = 24,521.74; actual cost 18,750.00 of a 25,000.00 Budget: 75.00 %
    used, 6,250.00 left, cost variance 5,771.74; 240 of 300 h: 80.00 %."""
    r = results(EXAMPLE_15_1.format(spent=250))
    p = project(r, "P-3")
    b = p.budget
    designer, developer = b.roles
    assert (designer.cost, designer.revenue) == (D("6000.00"), D("13000.00"))
    assert (developer.cost, developer.revenue) == (D("16521.74"), D("30000.00"))
    assert (b.labor_cost, b.labor_revenue, b.hours) == (D("22521.74"), D("43000.00"), D(300))
    assert b.cost == D("24521.74") and p.actual_cost == D("18750.00")
    assert (b.used_pct, b.remaining, b.cost_variance) == (D("75.00"), D("6250.00"), D("5771.74"))
    assert b.hours_used_pct == D("80.00")
    assert not {"BUDGET_EXCEEDED", "BUDGET_THRESHOLD"} & set(codes(r.problems))


def test_example_15_1_one_cent_over_the_budget_is_a_warning(results):
    r = results(EXAMPLE_15_1.format(spent="6500.01"))  # actual cost 25,000.01
    assert project(r, "P-3").actual_cost == D("25000.01")
    assert "BUDGET_EXCEEDED" in codes(r.problems)
    assert "PLANNED_OVER_BUDGET" not in codes(r.problems)  # planned: only the fixed cost


def test_the_budget_warning_threshold(results):
    r = results(EXAMPLE_15_1.format(spent=4000))  # 22,500.00: 90.00 % of 25,000.00
    assert project(r, "P-3").budget.used_pct == D("90.00")
    assert "BUDGET_THRESHOLD" in codes(r.problems)


def test_users_budgeted_above_their_role_and_hours_over_budget(results):
    text = (
        EXAMPLE_15_1.format(spent=250)
        .replace(
            "P-3 | Developer | | 200", "P-3 | Developer | | 200\n    P-3 | Developer | u | 210"
        )
        .replace("H3 | P-3 | T1 | u | 2024-01-22 | 80", "H3 | P-3 | T1 | u | 2024-01-22 | 141")
    )
    r = results(text)
    developer = project(r, "P-3").budget.roles[1]
    [share] = developer.users
    assert (share.user, share.hours, share.cost) == ("u", D(210), D("15750.00"))  # 210 × 75
    assert project(r, "P-3").budget.labor_cost == D("22521.74")  # a user's share never adds
    found = codes(r.problems)
    assert "BUDGET_USERS_EXCEED_ROLE" in found and "BUDGETED_HOURS_EXCEEDED" in found


def test_a_planned_cost_over_the_budget_is_a_warning(results):
    text = EXAMPLE_15_1.format(spent=250).replace("| 500 | 25000", "| 500 | 400")
    r = results(text)
    [planned] = [p for p in r.problems if p.code == "PLANNED_OVER_BUDGET"]
    # Planned: the fixed cost 500.00 and the planned expense 1,500.00.
    assert planned.cell == "E2" and "2000.00, is over its Budget 400.00" in planned.message
    assert project(r, "P-3").budget.planned_over == D("1600.00")


def test_budget_rows_are_spread_over_the_periods_and_add_up(results):
    """Model 15 on 14: a role row's hours, cost and revenue by week, by largest remainder;
    the Developer's weeks carry the cost rate of their days (80.00, then 85.00)."""
    text = "[Settings]\nSetting | Value\nPeriod | Week\n" + EXAMPLE_15_1.format(spent=250)
    p = project(results(text), "P-3")
    weeks = p.periods
    assert sum(w.budgeted_hours for w in weeks) == D(300)
    assert sum(w.budgeted_labor_cost for w in weeks) == p.budget.labor_cost
    assert sum(w.budgeted_labor_revenue for w in weeks) == p.budget.labor_revenue
    # Week of 31 Dec 2023 → 1 Jan 2024 bucket (1–6 Jan: 5 working days of 23).
    first = weeks[0]
    assert (first.first.isoformat(), first.budgeted_hours) == ("2024-01-01", D("65.22"))
    # 100 h × 5/23 × 60 + 200 h × 5/23 × 80 = 1,304.35 + 3,478.26 = 4,782.61
    assert first.budgeted_labor_cost == D("4782.61")


def test_the_summary_has_a_budget_block_coloured_at_the_warning(tmp_path):
    import openpyxl

    from conftest import SAMPLES
    from xlfin.pipeline import build

    outcome = build(SAMPLES / "global.xlsx", tmp_path / "r.xlsx", ledger_path=tmp_path / "l")
    ws = openpyxl.load_workbook(outcome.report)["Summary"]
    [title] = [c for row in ws.iter_rows() for c in row if c.value and str(c.value).startswith(
        "Budget (Projects")]  # fmt: skip
    header = [c.value for c in ws[title.row + 1]][:11]
    assert header[:5] == ["Project", "Budget", "Budgeted cost", "Actual cost", "Budget used"]
    rows = {ws.cell(title.row + 2 + k, 1).value: ws.cell(title.row + 2 + k, 5).value
            for k in range(2)}  # fmt: skip
    assert rows == {"P-US": 0.324, "P-EU": 0.2117}  # 810.00 / 2,500.00; 1,905.36 / 9,000.00
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert sorted((r.operator, r.formula[0]) for r in rules) == [
        ("greaterThan", "1.0"), ("greaterThanOrEqual", "0.9")
    ]  # fmt: skip
