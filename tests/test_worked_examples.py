"""One test per worked example of finance-model.md, section 3 (all from Workfront's docs)."""

from decimal import Decimal

from conftest import project, task


def test_user_hourly_planned_and_actual(results):
    # 2 planned hours, user at 30/h: planned revenue 60; the user logs 1.5 h: actual 45.
    r = results("""
        [Users]
        User | Billing rate
        u1   | 30
        [Projects]
        Project | Planned start | Planned completion
        P1      | 2024-06-03    | 2024-06-03
        [Tasks]
        Project | Task | Planned hours | Revenue type
        P1      | T1   | 2             | User Hourly
        [Assignments]
        Project | Task | User
        P1      | T1   | u1
        [Hours]
        Entry | Project | Task | User | Date       | Hours
        H1    | P1      | T1   | u1   | 2024-06-03 | 1.5
    """)
    assert task(r).planned_revenue == Decimal("60.00")
    assert task(r).actual_revenue == Decimal("45.00")


def test_user_rate_changing_on_a_date(results):
    # 20 until 2023-04-30, 25 from 2023-05-01; 2 h on 04-28 and 3 h on 05-02: 40 + 75 = 115.
    r = results("""
        [Users]
        User | Billing rate | Start date | End date
        u1   | 20           |            | 2023-04-30
        u1   | 25           | 2023-05-01 |
        [Projects]
        Project
        P1
        [Tasks]
        Project | Task | Revenue type
        P1      | T1   | User Hourly
        [Hours]
        Entry | Project | Task | User | Date       | Hours
        H1    | P1      | T1   | u1   | 2023-04-28 | 2
        H2    | P1      | T1   | u1   | 2023-05-02 | 3
    """)
    assert [line.revenue for line in task(r).lines] == [Decimal("40.00"), Decimal("75.00")]
    assert task(r).actual_revenue == Decimal("115.00")


def test_user_hourly_with_cap(results):
    # Rate 25, cap 20, 1 hour logged: actual revenue 20.
    r = results("""
        [Users]
        User | Billing rate
        u1   | 25
        [Projects]
        Project
        P1
        [Tasks]
        Project | Task | Revenue type         | Fixed amount
        P1      | T1   | User Hourly with Cap | 20
        [Hours]
        Entry | Project | Task | User | Date       | Hours
        H1    | P1      | T1   | u1   | 2024-06-03 | 1
    """)
    assert task(r).actual_revenue == Decimal("20.00")


def test_role_hourly_planned_with_two_dated_project_rates(results):
    # 5 working days, 40 h (8 a day); Rate 1 days 1-2, Rate 2 days 3-5:
    # 8*2*Rate1 + 8*3*Rate2 = 8*2*100 + 8*3*120 = 4480.
    r = results("""
        [Roles]
        Role | Billing rate
        PM   | 90
        [Projects]
        Project | Planned start | Planned completion
        P1      | 2024-06-03    | 2024-06-07
        [Project rates]
        Project | Role | Billing rate | Start date | End date
        P1      | PM   | 100          |            | 2024-06-04
        P1      | PM   | 120          | 2024-06-05 |
        [Tasks]
        Project | Task | Planned hours | Revenue type | Role
        P1      | T1   | 40            | Role Hourly  | PM
        [Assignments]
        Project | Task | Role
        P1      | T1   | PM
    """)
    assert task(r).planned_revenue == Decimal(8 * 2 * 100 + 8 * 3 * 120)
    plan = task(r).plans[0]
    assert [(s.working_days, plan.segment_hours(s), s.source.rate) for s in plan.revenue] == [
        (2, 16, Decimal(100)),
        (3, 24, Decimal(120)),
    ]


def test_role_hourly_actual_with_two_dated_project_rates(results):
    # Rate 1 from June 19 to 25, Rate 2 from June 26; 2 h on June 20, 3 h on June 28:
    # 2*Rate1 + 3*Rate2.
    r = results("""
        [Roles]
        Role | Billing rate
        PM   | 90
        [Projects]
        Project
        P1
        [Project rates]
        Project | Role | Billing rate | Start date | End date
        P1      | PM   | 100          | 2024-06-19 | 2024-06-25
        P1      | PM   | 120          | 2024-06-26 |
        [Tasks]
        Project | Task | Revenue type | Role
        P1      | T1   | Role Hourly  | PM
        [Hours]
        Entry | Project | Task | User | Role | Date       | Hours
        H1    | P1      | T1   | u1   | PM   | 2024-06-20 | 2
        H2    | P1      | T1   | u1   | PM   | 2024-06-28 | 3
        [Users]
        User
        u1
    """)
    assert task(r).actual_revenue == Decimal(2 * 100 + 3 * 120)


def test_project_planned_cost(results):
    # Task expenses planned 100 and 50; User Hourly task, user cost 15/h, 5 planned hours;
    # project expense planned 100; project fixed cost 200: project planned cost 525.
    r = results("""
        [Users]
        User | Cost rate
        u1   | 15
        [Projects]
        Project | Planned start | Planned completion | Fixed cost
        P1      | 2024-06-03    | 2024-06-07         | 200
        [Tasks]
        Project | Task | Planned hours | Cost type
        P1      | T1   | 5             | User Hourly
        [Assignments]
        Project | Task | User
        P1      | T1   | u1
        [Expenses]
        Expense | Project | Task | Planned amount
        E1      | P1      | T1   | 100
        E2      | P1      | T1   | 50
        E3      | P1      |      | 100
    """)
    assert task(r).planned_cost == Decimal(75 + 150)
    assert project(r).planned_cost == Decimal(525)


def test_project_actual_cost(results):
    # Task actual expenses 110 and 40; Role Hourly task, role cost 15/h, 6 h logged; project
    # expense actual 100; a user at 20/h logs 10 h on the project itself; fixed cost 200: 740.
    r = results("""
        [Roles]
        Role | Cost rate
        Dev  | 15
        [Users]
        User | Cost rate | Primary role
        u1   | 20        |
        u2   |           | Dev
        [Projects]
        Project | Fixed cost
        P1      | 200
        [Tasks]
        Project | Task | Cost type   | Role
        P1      | T1   | Role Hourly | Dev
        [Hours]
        Entry | Project | Task | User | Date       | Hours
        H1    | P1      | T1   | u2   | 2024-06-03 | 6
        H2    | P1      |      | u1   | 2024-06-03 | 10
        [Expenses]
        Expense | Project | Task | Actual amount
        E1      | P1      | T1   | 110
        E2      | P1      | T1   | 40
        E3      | P1      |      | 100
    """)
    assert task(r).actual_cost == Decimal(90 + 150)
    assert project(r).actual_cost == Decimal(740)


def test_project_planned_revenue_with_fixed_revenue(results):
    # One task of 10 planned hours at 20/h and a project fixed revenue of 100: 300.
    r = results("""
        [Users]
        User | Billing rate
        u1   | 20
        [Projects]
        Project | Planned start | Planned completion | Fixed revenue
        P1      | 2024-06-03    | 2024-06-14         | 100
        [Tasks]
        Project | Task | Planned hours
        P1      | T1   | 10
        [Assignments]
        Project | Task | User
        P1      | T1   | u1
    """)
    assert project(r).planned_revenue == Decimal(300)
