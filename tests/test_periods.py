"""Finance model, section 14: time-phased figures — buckets, planned amounts by largest
remainder, where the other items fall, work in progress; one test per worked example and
properties over any schedule and rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from conftest import codes, project
from xlfin.core.periods import Period, bucket_start, buckets


def _by(periods, field):
    return [(p.first.isoformat(), getattr(p, field)) for p in periods]


EXAMPLE_14_1 = """
    [Settings]
    Setting | Value
    Period | {period}
    [Schedules]
    Schedule | Working days
    Mondays | Mon
    [Projects]
    Project | Schedule
    P1 | Mondays
    P2 |
    [Tasks]
    Project | Task | Planned start | Planned completion | Planned hours | Revenue type | Hourly rate
    P1 | T1 | 2024-01-08 | 2024-01-22 | 10 | Fixed Hourly | 10
    P2 | T1 | 2024-01-31 | 2024-02-02 | 10 | Fixed Hourly | 100
"""


def test_example_14_1_weeks_get_the_missing_cent_in_date_order(results):
    """3 Mondays, 10 h at 10.00: 33.333… a week; rounded down 99.99, the cent to the
    earliest of equal remainders: 33.34, 33.33, 33.33."""
    r = results(EXAMPLE_14_1.format(period="Week"))
    periods = project(r, "P1").periods
    assert _by(periods, "planned_revenue") == [
        ("2024-01-07", Decimal("33.34")),
        ("2024-01-14", Decimal("33.33")),
        ("2024-01-21", Decimal("33.33")),
    ]
    assert _by(project(r, "P1").periods, "planned_hours")[0] == ("2024-01-07", Decimal("3.34"))


def test_example_14_1_months_and_the_larger_remainder(results):
    """January 100.00; the other task 10 h at 100.00 over Wed 31 Jan – Fri 2 Feb: January
    333.33, February 666.67 (February has the larger remainder); total 1,000.00."""
    r = results(EXAMPLE_14_1.format(period="Month"))
    assert _by(project(r, "P1").periods, "planned_revenue") == [("2024-01-01", Decimal("100.00"))]
    p2 = project(r, "P2")
    assert _by(p2.periods, "planned_revenue") == [
        ("2024-01-01", Decimal("333.33")),
        ("2024-02-01", Decimal("666.67")),
    ]
    assert sum(p.planned_revenue for p in p2.periods) == p2.planned_revenue == Decimal("1000.00")


EXAMPLE_14_2 = """
    [Users]
    User | Billing rate | Cost rate
    u | 100 | 60
    [Projects]
    Project | Planned start | Planned completion | Fixed cost
    P-2 | 2024-01-08 | 2024-03-29 | 200
    [Tasks]
    Project | Task | Revenue type | Cost type
    P-2 | T1 | User Hourly | User Hourly
    [Hours]
    Entry | Project | Task | User | Date | Hours | Billing record
    L1 | P-2 | T1 | u | 2024-01-10 | 5 | B1
    L2 | P-2 | T1 | u | 2024-01-20 | 3 |
    L3 | P-2 | T1 | u | 2024-02-12 | 2 | B2
    [Expenses]
    Expense | Project | Task | Actual amount | Date paid | Billable
    E1 | P-2 | T1 | 90 | 2024-03-02 | Yes
    [Billing records]
    Billing record | Project | Status | Billing date
    B1 | P-2 | Billed | 2024-02-05
    B2 | P-2 | Not Billed |
"""


def test_example_14_2_actuals_billed_and_work_in_progress_by_month(tmp_path):
    from conftest import write_text_workbook
    from xlfin.pipeline import analyse

    analysis = analyse(write_text_workbook(tmp_path, EXAMPLE_14_2), use_ledger=False)
    p = project(analysis.results, "P-2")
    jan, _feb, mar = p.periods
    assert (jan.actual_revenue, jan.actual_cost) == (Decimal("800.00"), Decimal("680.00"))
    assert [x.wip for x in p.periods] == [Decimal("800.00"), Decimal("500.00"), Decimal("590.00")]
    assert [x.billed for x in p.periods] == [Decimal(0), Decimal("500.00"), Decimal(0)]
    assert mar.actual_expenses == Decimal("90.00")
    # At the last bucket: Not yet billed − the Not Billed records' additional amounts (none).
    assert mar.wip == p.unbilled


def test_a_billed_record_without_a_billing_date_counts_on_the_as_of_date(results):
    text = EXAMPLE_14_2.replace("B1 | P-2 | Billed | 2024-02-05", "B1 | P-2 | Billed |")
    text = "[Settings]\nSetting | Value\nAs of date | 2024-03-10\n" + text
    r = results(text)
    p = project(r, "P-2")
    assert [x.billed for x in p.periods] == [Decimal(0), Decimal(0), Decimal("500.00")]
    assert "BILLING_DATE_MISSING" in codes(r.problems)


def test_weeks_are_cut_at_the_first_of_a_month():
    """A week from Sunday 28 January 2024 is two buckets: 28–31 January, 1–3 February."""
    spans = buckets(date(2024, 1, 29), date(2024, 2, 5), Period.WEEK)
    assert spans == [
        (date(2024, 1, 28), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 3)),
        (date(2024, 2, 4), date(2024, 2, 10)),
    ]
    assert bucket_start(date(2024, 8, 14), Period.QUARTER) == date(2024, 7, 1)
    assert buckets(date(2024, 2, 1), date(2025, 1, 1), Period.YEAR)[-1][0] == date(2025, 1, 1)


# -- properties ---------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ORIGIN = date(2024, 1, 1)
KINDS = ("User Hourly", "Role Hourly", "Role Hourly with Cap", "User Hourly Plus Fixed",
         "Fixed Hourly", "Fixed Revenue", "Not Billable")  # fmt: skip


@st.composite
def phased_workbooks(draw):
    """A project on any working week and holidays, tasks of every revenue type with dated
    rates, hour lines, expenses, Billed and Not Billed records with additional amounts."""
    from xlfin.models import (
        Assignment,
        BillingRecord,
        BillingStatus,
        CostType,
        Expense,
        HourLine,
        Project,
        RatePeriod,
        RevenueType,
        Role,
        Schedule,
        Settings,
        Task,
        TaskStatus,
        User,
        Workbook,
    )

    def day(span: int = 120) -> date:
        return ORIGIN + timedelta(days=draw(st.integers(0, span)))

    def money(high: int = 30000) -> Decimal:
        return Decimal(draw(st.integers(0, high))).scaleb(-2)

    working = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    holidays = frozenset(day() for _ in range(draw(st.integers(0, 4))))
    schedule = Schedule(schedule="S", working_days=working, exceptions=holidays)
    change = day(90)
    rates = (
        RatePeriod(rate=money(), end=change, sheet="Roles", row=2),
        RatePeriod(rate=money(), start=change + timedelta(days=1), sheet="Roles", row=3),
    )
    roles = {"R": Role(role="R", billing_rates=rates, cost_rates=rates[::-1], row=2)}
    users = {"u": User(user="u", primary_role="R", row=2)}
    start = day(30)
    proj = Project(project="P", schedule="S", planned_start=start,
                   planned_completion=start + timedelta(days=draw(st.integers(0, 150))),
                   fixed_cost=money(), fixed_revenue=money(), row=2)  # fmt: skip
    tasks, assignments, hours, expenses = {}, [], [], []
    records = {
        "B1": BillingRecord(billing_record="B1", project="P", status=BillingStatus.BILLED,
                            billing_date=day(150), row=2),
        "B2": BillingRecord(billing_record="B2", project="P", additional_amount=money(), row=3),
    }  # fmt: skip
    for n in range(draw(st.integers(1, 4))):
        tid = f"T{n}"
        first = day(100)
        kind = RevenueType(draw(st.sampled_from(KINDS)))
        done = draw(st.booleans())
        tasks[("P", tid)] = Task(
            project="P", task=tid, planned_start=first,
            planned_completion=first + timedelta(days=draw(st.integers(0, 60))),
            planned_hours=Decimal(draw(st.integers(0, 40000))).scaleb(-2),
            revenue_type=kind, cost_type=draw(st.sampled_from(list(CostType)[:4])),
            hourly_rate=money(), hourly_cost=money(), fixed_amount=money(300000),
            status=TaskStatus.COMPLETE if done else TaskStatus.NEW,
            actual_completion=day(150) if done and draw(st.booleans()) else None, row=n + 2,
        )  # fmt: skip
        for k in range(draw(st.integers(0, 2))):
            assignments.append(
                Assignment(project="P", task=tid, user="u" if k == 0 else None,
                           role="R" if k else None, row=len(assignments) + 2)
            )  # fmt: skip
        for k in range(draw(st.integers(0, 5))):
            record = draw(st.sampled_from([None, None, "B1", "B2"]))
            hours.append(
                HourLine(f"{tid}-{k}", "P", tid, "u", None, day(150),
                         Decimal(draw(st.integers(1, 1000))).scaleb(-2), True, record,
                         len(hours) + 2)
            )  # fmt: skip
        for k in range(draw(st.integers(0, 2))):
            paid = draw(st.one_of(st.none(), st.just(day(150))))
            expenses.append(
                Expense(f"{tid}-E{k}", "P", tid, None, None, draw(st.one_of(st.none(),
                        st.just(day(150)))), money(), paid, money() if paid else None,
                        draw(st.booleans()), False, False, None, len(expenses) + 2)
            )  # fmt: skip
    return Workbook(
        settings=Settings(as_of_date=date(2024, 6, 30)),
        schedules={"S": schedule},
        roles=roles,
        users=users,
        projects={"P": proj},
        tasks=tasks,
        assignments=tuple(assignments),
        hours=tuple(hours),
        expenses=tuple(expenses),
        billing_records=records,
    )


FIGURES = ("planned_hours", "planned_cost", "planned_revenue", "actual_hours", "actual_cost",
           "actual_revenue", "billed")  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(phased_workbooks())
def test_buckets_add_up_to_the_totals_and_weeks_to_months(wb):
    """For any schedule, rates and items: every figure's buckets add up to the project's
    total exactly, in weeks, months, quarters and years; weeks add up to months; the work
    in progress at the last bucket is Not yet billed minus the Not Billed records'
    additional amounts; and the same workbook gives the same numbers again."""
    from xlfin.core.compute import compute

    by = {}
    for period in Period:
        settings_ = wb.settings.model_copy(update={"period": period.value})
        results = compute(wb.model_copy(update={"settings": settings_}))
        [p] = results.projects
        by[period] = p.periods
        for name in FIGURES:
            assert sum((getattr(x, name) for x in p.periods), Decimal(0)) == getattr(p, name)
        extra = sum(
            (r.additional_amount for r in p.records if r.record.status.value == "Not Billed"),
            Decimal(0),
        )
        assert p.periods[-1].wip == p.unbilled - extra
        again = compute(wb.model_copy(update={"settings": settings_})).projects[0].periods
        assert again == p.periods
        # Each task's own buckets add up to its totals too (the project's are their sums).
        from xlfin.core.calendar import WorkCalendar
        from xlfin.core.periods import _Buckets, _task_planned

        cal = WorkCalendar(wb.schedules["S"])
        for t in p.tasks:
            alone = _Buckets(buckets(date(2023, 12, 1), date(2024, 12, 31), Period.WEEK))
            _task_planned(alone, t, cal, 2)
            for name in ("planned_hours", "planned_labor_cost", "planned_revenue"):
                assert sum(alone.sums[name], Decimal(0)) == getattr(t, name), (t.task.task, name)
    for month in by[Period.MONTH]:
        weeks = [w for w in by[Period.WEEK] if month.first <= w.first <= month.last]
        for name in FIGURES:
            assert sum((getattr(w, name) for w in weeks), Decimal(0)) == getattr(month, name)
        assert weeks[-1].wip == month.wip


def test_the_by_period_sheet_adds_up_to_the_summary_and_says_what_the_json_says(tmp_path):
    import json

    import openpyxl

    from conftest import SAMPLES
    from xlfin.pipeline import build

    outcome = build(SAMPLES / "agency.xlsx", tmp_path / "r.xlsx", tmp_path / "s.json",
                    ledger_path=tmp_path / "l")  # fmt: skip
    data = json.loads(outcome.summary.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(outcome.report, data_only=True)
    rows = list(book["By period"].iter_rows(min_row=3, values_only=True))
    header, body = rows[0], rows[1:]
    at = {name: i for i, name in enumerate(header)}
    summary = {r["project"]: r for r in data["projects"]}
    names = {"Planned cost": "planned_cost", "Actual cost": "actual_cost",
             "Planned revenue": "planned_revenue", "Actual revenue": "actual_revenue",
             "Billed": "billed"}  # fmt: skip
    for pid, p in summary.items():
        mine = [r for r in body if r[0] == pid]
        assert len(mine) == len(p["periods"]) > 0
        for column, key in names.items():
            total = sum(Decimal(str(r[at[column]])) for r in mine)
            assert total.quantize(Decimal("0.01")) == Decimal(p[key]), (pid, column)
            assert [f"{Decimal(str(r[at[column]])):.2f}" for r in mine] == [
                x[key] for x in p["periods"]
            ]
        assert (
            f"{Decimal(str(mine[-1][at['Work in progress']])):.2f}"
            == (p["periods"][-1]["work_in_progress"])
        )
    assert len(book["By period"]._charts) == len(summary)  # a chart per project


def test_explain_a_period_and_the_indexes(tmp_path):
    from click.testing import CliRunner

    from conftest import write_text_workbook
    from xlfin.cli import main

    path = write_text_workbook(tmp_path, EXAMPLE_14_2)
    runner = CliRunner()
    done = runner.invoke(main, ["explain", str(path), "--project", "P-2", "--period",
                                "2024-02-12", "--no-ledger"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Project P-2, month 2024-02-01 to 2024-02-29" in done.output
    assert "billed: 500.00 (B1 by Billing date)" in done.output
    assert "work in progress at 2024-02-29: 500.00" in done.output
    task = runner.invoke(main, ["explain", str(path), "--project", "P-2", "--task", "T1",
                                "--no-ledger"])  # fmt: skip
    assert "CPI 0.00 = BCWP h / actual hours" in task.output  # nothing complete yet
    assert "EAC 10.00 h = planned + actual hours (CPI is 0)" in task.output
    missing = runner.invoke(main, ["explain", str(path), "--project", "P-2", "--period",
                                   "2023-01-01", "--no-ledger"])  # fmt: skip
    assert missing.exit_code == 1 and "nothing in the period holding 2023-01-01" in missing.output
