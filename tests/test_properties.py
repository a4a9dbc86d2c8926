"""Invariants, checked by hypothesis over generated rates, tasks and hour lines."""

from __future__ import annotations

import itertools
import random
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from xlfin.core.calendar import WorkCalendar
from xlfin.core.compute import compute
from xlfin.core.money import round_money
from xlfin.core.rates import Timeline
from xlfin.models import (
    Assignment,
    HourLine,
    Project,
    RatePeriod,
    RevenueType,
    Role,
    Schedule,
    Task,
    User,
    Workbook,
)

ORIGIN = date(2024, 1, 1)


@st.composite
def periods(draw, min_size=0):
    """Sorted, non-overlapping periods, with gaps or not, open or closed at the ends."""
    count = draw(st.integers(min_size, 6))
    day = ORIGIN + timedelta(days=draw(st.integers(0, 30)))
    result = []
    for i in range(count):
        length = draw(st.integers(0, 40))
        start = None if i == 0 and draw(st.booleans()) else day
        end = day + timedelta(days=length)
        if i == count - 1 and draw(st.booleans()):
            end = None
        rate = Decimal(draw(st.integers(0, 50000))) / 100
        result.append(RatePeriod(rate=rate, start=start, end=end, sheet="Project rates", row=i + 2))
        day += timedelta(days=length + 1 + draw(st.sampled_from([0, 0, 1, 3])))
    return tuple(result)


def naive_at(ps, day):
    """The rule of finance-model 1, as plainly as it can be written."""
    if not ps:
        return None
    for p in ps:
        if (p.start is None or p.start <= day) and (p.end is None or day <= p.end):
            return p
    if ps[0].start is not None and day < ps[0].start:
        return ps[0]
    if ps[-1].end is not None and day > ps[-1].end:
        return ps[-1]
    return None


@given(periods(), st.integers(-30, 400))
def test_a_lookup_follows_the_rule_of_finance_model_1(ps, offset):
    day = ORIGIN + timedelta(days=offset)
    assert Timeline(ps).at(day) == naive_at(ps, day)


@st.composite
def any_periods(draw):
    """Rate rows of one role as a person might type them: any order, open or closed ends,
    overlapping or not (never reversed: that is PERIOD_REVERSED)."""
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.one_of(st.none(), st.integers(0, 60)))
        length = draw(st.one_of(st.none(), st.integers(0, 30)))
        first = None if start is None else ORIGIN + timedelta(days=start)
        last = None if length is None else (first or ORIGIN) + timedelta(days=length)
        rows.append((first, last, draw(st.integers(1, 300))))
    return rows


def share_a_day(a: tuple, b: tuple) -> bool:
    lo = max(a[0] or date.min, b[0] or date.min)
    hi = min(a[1] or date.max, b[1] or date.max)
    return lo <= hi


@settings(max_examples=60, deadline=None)
@given(any_periods(), st.integers(-30, 120))
def test_the_reader_never_lets_a_date_fall_in_two_periods(rows, offset):
    """Rows of one role are refused with RATE_OVERLAP exactly when two of them share a day;
    otherwise every date is in at most one of the periods read."""
    from conftest import read_text

    text = "[Projects]\nProject\nP1\n[Roles]\nRole | Billing rate | Start date | End date\n"
    for first, last, rate in rows:
        text += f"Dev | {rate} | {first or ''} | {last or ''}\n"
    with tempfile.TemporaryDirectory() as folder:
        workbook, problems = read_text(Path(folder), text)
    overlapping = any(share_a_day(a, b) for a, b in itertools.combinations(rows, 2))
    assert ("RATE_OVERLAP" in {p.code for p in problems}) == overlapping
    if not overlapping:
        periods_read = workbook.roles["Dev"].billing_rates
        assert len(periods_read) == len(rows)
        day = ORIGIN + timedelta(days=offset)
        containing = [
            p for p in periods_read if (p.start or date.min) <= day <= (p.end or date.max)
        ]
        assert len(containing) <= 1
        assert Timeline(periods_read).at(day) == naive_at(periods_read, day)


weekdays = st.frozensets(st.integers(0, 6), min_size=1)


@settings(max_examples=150, deadline=None)
@given(
    periods(),
    weekdays,
    st.integers(0, 200),
    st.integers(0, 120),
    st.lists(st.one_of(st.none(), st.integers(0, 80)), min_size=1, max_size=3),
    st.integers(0, 100),
    st.lists(st.integers(0, 200), max_size=4),
)
def test_planned_amount_equals_day_by_day(ps, days, start, length, shares, total, holidays):
    first = ORIGIN + timedelta(days=start)
    last = first + timedelta(days=length)
    schedule = Schedule(
        schedule="S",
        working_days=days,
        row=2,
        exceptions=frozenset(ORIGIN + timedelta(days=h) for h in holidays),
    )
    system = (RatePeriod(rate=Decimal("7.25"), sheet="Roles", row=2),)
    wb = Workbook(
        schedules={"S": schedule},
        roles={"R": Role(role="R", row=2, billing_rates=system)},
        projects={"P": Project(project="P", row=2, schedule="S", role_rates={"R": ps})},
        tasks={
            ("P", "T"): Task(
                project="P",
                task="T",
                row=2,
                planned_start=first,
                planned_completion=last,
                planned_hours=Decimal(total),
                revenue_type=RevenueType.ROLE_HOURLY,
            )
        },
        assignments=tuple(
            Assignment(
                project="P",
                task="T",
                role="R",
                row=i + 2,
                planned_hours=None if h is None else Decimal(h),
            )
            for i, h in enumerate(shares)
        ),
    )
    result = compute(wb).projects[0].tasks[0]

    # Day by day, with the shares computed the plain way.
    given_hours = [Fraction(h) for h in shares if h is not None]
    blanks = len(shares) - len(given_hours)
    share = max(Fraction(0), Fraction(total) - sum(given_hours)) / blanks if blanks else 0
    hours = [Fraction(h) if h is not None else share for h in shares]
    cal = WorkCalendar(schedule)
    work = list(cal.days(first, last)) or [first]
    expected = Fraction(0)
    for day in work:
        period = naive_at(ps, day) or system[0]
        expected += sum(hours) / len(work) * Fraction(period.rate)
    assert result.planned_revenue == round_money(expected, 2)
    assert result.working_days == (len(work) if cal.count(first, last) else 0)


@st.composite
def hour_lines(draw):
    n = draw(st.integers(1, 25))
    return [
        HourLine(
            f"H{i:03}",
            "P",
            draw(st.sampled_from(["T1", "T2", None])),
            draw(st.sampled_from(["u1", "u2"])),
            draw(st.sampled_from([None, "R"])),
            ORIGIN + timedelta(days=draw(st.integers(0, 90))),
            Decimal(draw(st.integers(0, 1000))) / 100,
            draw(st.booleans()),
            None,
            i + 2,
        )
        for i in range(n)
    ]


def lines_workbook(ps, lines, assignments=()):
    return Workbook(
        roles={
            "R": Role(
                role="R",
                row=2,
                cost_rates=(RatePeriod(rate=Decimal("33.333"), sheet="Roles", row=2),),
                billing_rates=(RatePeriod(rate=Decimal("99.99"), sheet="Roles", row=2),),
            )
        },
        users={
            "u1": User(user="u1", row=2, primary_role="R"),
            "u2": User(
                user="u2",
                row=3,
                billing_rates=ps,
                cost_rates=(RatePeriod(rate=Decimal("12.5"), sheet="Users", row=3),),
            ),
        },
        projects={
            "P": Project(
                project="P",
                row=2,
                role_rates={"R": ps},
                planned_start=ORIGIN,
                planned_completion=ORIGIN + timedelta(60),
            )
        },
        tasks={
            ("P", "T1"): Task(
                project="P",
                task="T1",
                row=2,
                revenue_type=RevenueType.ROLE_HOURLY_WITH_CAP,
                fixed_amount=Decimal("333.33"),
            ),
            ("P", "T2"): Task(
                project="P",
                task="T2",
                row=3,
                planned_hours=Decimal(17),
                revenue_type=RevenueType.USER_HOURLY,
            ),
        },
        assignments=tuple(assignments),
        hours=tuple(lines),
    )


@settings(max_examples=100, deadline=None)
@given(periods(min_size=1), hour_lines())
def test_lines_sum_to_totals(ps, lines):
    p = compute(lines_workbook(ps, lines)).projects[0]
    for t in p.tasks:
        assert t.actual_hourly_revenue == sum((x.revenue for x in t.lines), Decimal(0))
        assert t.actual_labor_cost == sum((x.cost for x in t.lines), Decimal(0))
        for x in t.lines:
            assert x.revenue == round_money(x.revenue, 2)  # every line shown rounded
    assert p.actual_revenue == sum((t.actual_revenue for t in p.tasks), Decimal(0)) + sum(
        (x.revenue for x in p.project_lines), Decimal(0)
    )
    assert p.actual_hours == sum((x.hours for x in lines), Decimal(0))
    capped = next(t for t in p.tasks if t.task.task == "T1")
    assert capped.actual_revenue <= Decimal("333.33")


@settings(max_examples=60, deadline=None)
@given(periods(min_size=1), hour_lines(), st.randoms(use_true_random=False))
def test_amounts_do_not_depend_on_row_order(ps, lines, rnd: random.Random):
    assignments = [
        Assignment(project="P", task="T2", user="u1", row=2),
        Assignment(project="P", task="T2", role="R", row=3, planned_hours=Decimal(5)),
        Assignment(project="P", task="T2", user="u2", role="R", row=4),
    ]
    shuffled_lines, shuffled_assignments = list(lines), list(assignments)
    rnd.shuffle(shuffled_lines)
    rnd.shuffle(shuffled_assignments)

    def totals(wb):
        p = compute(wb).projects[0]
        return [
            (
                t.task.task,
                t.planned_revenue,
                t.planned_cost,
                t.actual_revenue,
                t.actual_cost,
                sorted((x.line.entry, x.revenue, x.cost) for x in t.lines),
            )
            for t in p.tasks
        ]

    assert totals(lines_workbook(ps, lines, assignments)) == totals(
        lines_workbook(ps, shuffled_lines, shuffled_assignments)
    )
