"""Rounding (model 9) and working-day counting (model 4)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfin.core.calendar import WorkCalendar
from xlfin.core.money import round_money
from xlfin.models import Schedule


@pytest.mark.parametrize(
    ("amount", "decimals", "expected"),
    [
        (Decimal("2.345"), 2, "2.35"),
        (Decimal("-2.345"), 2, "-2.35"),
        (Decimal("2.344"), 2, "2.34"),
        (Decimal("0.5"), 0, "1"),
        (Decimal("-0.5"), 0, "-1"),
        (Decimal("1.5"), 0, "2"),
        (Fraction(1, 3), 2, "0.33"),
        (Fraction(-69, 200), 2, "-0.35"),
        (Fraction(2, 3), 3, "0.667"),
        (7, 2, "7.00"),
    ],
)
def test_round_half_away_from_zero(amount, decimals, expected):
    assert str(round_money(amount, decimals)) == expected


def test_floats_are_refused():
    with pytest.raises(TypeError):
        round_money(0.345, 2)


@given(st.integers(-(10**9), 10**9), st.integers(1, 10**6), st.integers(0, 4))
def test_fraction_rounding_matches_decimal(numerator, denominator, decimals):
    exact = Fraction(numerator, denominator)
    result = round_money(exact, decimals)
    assert abs(Fraction(result) - exact) <= Fraction(1, 2 * 10**decimals)


WEEK = Schedule(schedule="S", exceptions=frozenset({date(2024, 12, 25), date(2024, 12, 28)}))


def test_count_weekdays_minus_holidays():
    cal = WorkCalendar(WEEK)
    assert cal.count(date(2024, 12, 23), date(2024, 12, 29)) == 4  # 25th off; 28th is Sat
    assert cal.count(date(2024, 12, 29), date(2024, 12, 23)) == 0
    assert cal.count(date(2024, 1, 1), date(2033, 12, 31)) == sum(
        1 for _ in cal.days(date(2024, 1, 1), date(2033, 12, 31))
    )


@given(
    st.frozensets(st.integers(0, 6)),
    st.integers(0, 800),
    st.integers(0, 60),
    st.lists(st.integers(0, 900), max_size=6),
)
def test_count_equals_day_by_day(weekdays, start, length, holidays):
    origin = date(2024, 1, 1)
    schedule = Schedule(
        schedule="S",
        working_days=weekdays,
        exceptions=frozenset(origin + timedelta(days=h) for h in holidays),
    )
    cal = WorkCalendar(schedule)
    first = origin + timedelta(days=start)
    last = first + timedelta(days=length)
    naive = sum(
        1
        for k in range(length + 1)
        if (first + timedelta(days=k)).weekday() in weekdays
        and first + timedelta(days=k) not in schedule.exceptions
    )
    assert cal.count(first, last) == naive
