"""Finance model, section 13: a base currency, dated exchange rates, projects and rates in
their own currencies; one test per worked example, and the rules around them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import codes, project, task
from xlfin.core.currency import Exchange
from xlfin.core.money import round_money

RATES_13 = """
    [Settings]
    Setting | Value
    Currency | USD
    As of date | 2024-07-15
    [Exchange rates]
    Currency | Rate | Start date | End date
    EUR | 0.92 | | 2024-06-30
    EUR | 0.94 | 2024-07-01 |
    GBP | 0.79 | |
    [Roles]
    Role | Billing rate | Currency
    Consultant | 100 | GBP
    [Users]
    User | Primary role
    ann | Consultant
"""

EXAMPLE_13_1 = (
    RATES_13
    + """
    [Projects]
    Project | Currency | Planned start | Planned completion
    P1 | EUR | 2024-06-01 | 2024-07-31
    [Tasks]
    Project | Task | Revenue type | Cost type | Planned start | Planned completion
    P1 | T1 | Role Hourly | No Cost | 2024-06-03 | 2024-07-31
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | ann | 2024-06-20 | 7.5
    H2 | P1 | T1 | ann | 2024-07-02 | 7.5
"""
)


def test_example_13_1_the_direction_of_a_rate(book):
    """EUR 0.92: 100.00 USD = 92.00 EUR, and 92.00 EUR = 100.00 USD."""
    wb, problems = book(EXAMPLE_13_1)
    assert codes(problems) == []
    fx = Exchange(wb)
    on = date(2024, 6, 20)
    assert round_money(100 * fx.factor("USD", "EUR", on), 2) == Decimal("92.00")
    assert round_money(92 * fx.factor("EUR", "USD", on), 2) == Decimal("100.00")
    assert fx.factor("GBP", "EUR", on) == Fraction("0.92") / Fraction("0.79")  # exact


def test_the_days_of_a_rate_period_share_one_factor(book):
    """A factor is made once per pair of rates, so what is made from it (a line's converted
    amount, the factor as the report writes it) is made once per period, not per day."""
    wb, _ = book(EXAMPLE_13_1)
    fx = Exchange(wb)
    june = fx.factor("GBP", "EUR", date(2024, 6, 20))
    assert fx.factor("GBP", "EUR", date(2024, 6, 3)) is june
    july = fx.factor("GBP", "EUR", date(2024, 7, 2))
    assert july is not june and july == Fraction("0.94") / Fraction("0.79")


def test_example_13_1_a_line_converted_on_its_date(results):
    """7.5 × 100 GBP × 0.92 / 0.79 = 873.4177… → 873.42 EUR; on 2 July (EUR 0.94) 892.41."""
    r = results(EXAMPLE_13_1)
    first, second = task(r).lines
    assert (first.revenue, second.revenue) == (Decimal("873.42"), Decimal("892.41"))
    assert first.revenue_source.currency == "GBP"
    assert first.revenue_factor == Fraction("0.92") / Fraction("0.79")
    assert second.revenue_factor == Fraction("0.94") / Fraction("0.79")
    assert project(r).actual_revenue == Decimal("1765.83")  # the sum of the rounded lines


EXAMPLE_13_2 = (
    RATES_13
    + """
    [Projects]
    Project | Currency
    P1 | EUR
    [Tasks]
    Project | Task | Revenue type | Cost type | Planned start | Planned completion | Planned hours
    P1 | T1 | Role Hourly | No Cost | 2024-06-28 | 2024-07-01 | 16
    [Assignments]
    Project | Task | Role
    P1 | T1 | Consultant
"""
)


def test_example_13_2_planned_revenue_is_converted_per_day_and_rounded_once(results):
    """(8 × 100 × 0.92 + 8 × 100 × 0.94) / 0.79 = 1,883.5443… → 1,883.54 EUR (rounding each
    day first would give 931.65 + 951.90 = 1,883.55)."""
    t = task(results(EXAMPLE_13_2))
    assert t.planned_revenue == Decimal("1883.54")
    [plan] = t.plans
    assert [(s.first, s.last, s.factor) for s in plan.revenue] == [
        (date(2024, 6, 28), date(2024, 6, 30), Fraction("0.92") / Fraction("0.79")),
        (date(2024, 7, 1), date(2024, 7, 1), Fraction("0.94") / Fraction("0.79")),
    ]
    assert sum(map(plan.revenue_amount, plan.revenue)) == Fraction(800 * 186, 79)


def test_example_13_3_a_projects_own_exchange_rate_holds_on_every_date(results):
    """P-EU with Exchange rate 0.90: 7.5 × 100 × 0.90 / 0.79 → 854.43 EUR, on any date."""
    text = EXAMPLE_13_1.replace("Project | Currency |", "Project | Exchange rate | Currency |")
    r = results(text.replace("P1 | EUR | 2024-06-01", "P1 | 0.90 | EUR | 2024-06-01"))
    first, second = task(r).lines
    assert (first.revenue, second.revenue) == (Decimal("854.43"), Decimal("854.43"))


def test_example_13_3_a_project_figure_in_base_at_the_as_of_date(results):
    """Without its own rate, as of 2024-07-15 (EUR 0.94), 873.42 EUR is 873.42 / 0.94 →
    929.17 USD."""
    r = results(EXAMPLE_13_1.replace("H2 | P1 | T1 | ann | 2024-07-02 | 7.5\n", ""))
    p = project(r)
    assert p.actual_revenue == Decimal("873.42")
    assert r.as_of == date(2024, 7, 15)
    assert p.to_base == 1 / Fraction("0.94")
    assert p.in_base(p.actual_revenue) == Decimal("929.17")


# -- the rules around the examples ------------------------------------------------------


def test_a_rate_in_a_currency_without_an_exchange_rate_is_an_error_at_its_cell(book, tmp_path):
    from conftest import write_text_workbook
    from xlfin.pipeline import analyse

    text = EXAMPLE_13_1.replace("Consultant | 100 | GBP", "Consultant | 100 | CHF")
    analysis = analyse(write_text_workbook(tmp_path, text), use_ledger=False)
    [missing] = [p for p in analysis.problems if p.code == "EXCHANGE_RATE_MISSING"]
    assert (missing.sheet, missing.cell) == ("Roles", "C2")  # Roles › Currency of the rate
    assert "CHF" in missing.message and not analysis.ok


def test_a_project_in_its_own_currency_needs_no_conversion(results):
    """Rates in the project's currency are never converted, whatever the exchange rates."""
    text = EXAMPLE_13_1.replace("Consultant | 100 | GBP", "Consultant | 100 | EUR")
    first, second = task(results(text)).lines
    assert (first.revenue, second.revenue) == (Decimal("750.00"), Decimal("750.00"))
    assert first.revenue_factor is None


def test_blank_currencies_are_the_base_on_roles_and_the_projects_on_project_rates(results):
    """Roles › Currency blank: base (USD, × 0.92 on 20 June); Project rates › Currency
    blank: the project's (EUR, not converted)."""
    text = EXAMPLE_13_1.replace("Consultant | 100 | GBP", "Consultant | 100 |")
    first, _ = task(results(text)).lines
    assert first.revenue == Decimal("690.00")  # 7.5 × 100 × 0.92
    text += "\n[Project rates]\nProject | Role | Billing rate\nP1 | Consultant | 120\n"
    first, _ = task(results(text)).lines
    assert first.revenue == Decimal("900.00") and first.revenue_factor is None


def test_each_currency_rounds_to_its_decimals(results):
    """JPY has 0 decimals: 7.5 × 100 USD × 161.37 = 121,027.5 → 121,028 JPY."""
    text = EXAMPLE_13_1.replace("Consultant | 100 | GBP", "Consultant | 100 | USD")
    text = text.replace("GBP | 0.79 | |", "GBP | 0.79 | |\n    JPY | 161.37 | | | 0")
    text = text.replace(
        "Currency | Rate | Start date | End date",
        "Currency | Rate | Start date | End date | Decimals",
    )
    text = text.replace("P1 | EUR |", "P1 | JPY |")
    first, _ = task(results(text)).lines
    assert first.revenue == Decimal("121028")


# -- property -----------------------------------------------------------------------------

CURRENCIES = ("USD", "EUR", "GBP", "JPY")
ORIGIN = date(2024, 6, 1)


@st.composite
def currency_workbooks(draw):
    """Projects in random currencies (some with their own rate), roles rated in random
    currencies with a rate change, dated exchange rates, hour lines and planned hours."""
    from datetime import timedelta

    from xlfin.models import (
        Assignment,
        HourLine,
        Project,
        RatePeriod,
        RevenueType,
        Role,
        Settings,
        Task,
        User,
        Workbook,
    )

    def rate(low: int, high: int, places: int) -> Decimal:
        return Decimal(draw(st.integers(low, high))).scaleb(-places)

    change = ORIGIN + timedelta(days=draw(st.integers(1, 40)))
    exchange = {
        c: (
            RatePeriod(rate=rate(50, 300, 2), end=change - timedelta(days=1), sheet="X", row=2),
            RatePeriod(rate=rate(50, 300, 2), start=change, sheet="X", row=3),
        )
        for c in CURRENCIES[1:]
    }
    roles = {}
    for i in range(2):
        periods = tuple(
            RatePeriod(rate=rate(0, 30000, 2), sheet="Roles", row=2 * i + k + 2,
                       currency=draw(st.sampled_from(CURRENCIES)), start=start, end=end)
            for k, (start, end) in enumerate(((None, change), (change + timedelta(days=1), None)))
        )  # fmt: skip
        roles[f"R{i}"] = Role(role=f"R{i}", billing_rates=periods, cost_rates=periods, row=i + 2)
    users = {"u": User(user="u", primary_role="R0", row=2)}
    projects, tasks, assignments, hours = {}, {}, [], []
    for n in range(draw(st.integers(1, 3))):
        pid = f"P{n}"
        currency = draw(st.sampled_from(CURRENCIES))
        own = rate(50, 300, 2) if currency != "USD" and draw(st.booleans()) else None
        projects[pid] = Project(project=pid, currency=currency, exchange_rate=own, row=n + 2)
        first = ORIGIN + timedelta(days=draw(st.integers(0, 30)))
        last = first + timedelta(days=draw(st.integers(0, 30)))
        tasks[(pid, "T")] = Task(
            project=pid, task="T", planned_start=first, planned_completion=last,
            revenue_type=RevenueType.ROLE_HOURLY, planned_hours=rate(1, 8000, 2), row=n + 2,
        )  # fmt: skip
        assignments.append(Assignment(project=pid, task="T", role="R1", row=n + 2))
        for k in range(draw(st.integers(0, 6))):
            day = ORIGIN + timedelta(days=draw(st.integers(0, 60)))
            hours.append(
                HourLine(f"{pid}-{k}", pid, "T", "u", None, day, rate(1, 1200, 2), True, None,
                         len(hours) + 2)
            )  # fmt: skip
    named = frozenset(p.currency for p in projects.values()) | {
        period.currency for r in roles.values() for period in r.billing_rates
    }
    return Workbook(
        settings=Settings(currency="USD", decimals=2),
        roles=roles,
        users=users,
        projects=projects,
        tasks=tasks,
        assignments=tuple(assignments),
        hours=tuple(hours),
        exchange_rates=exchange,
        currency_decimals={"EUR": 2, "GBP": 2, "JPY": 0},
        currencies=named - {"USD"},
    )


def naive_rate(wb, currency: str, day: date, project) -> Fraction:
    """Model 13's rate(C, D) on a project, as plainly as it can be written."""
    if currency == "USD":
        return Fraction(1)
    if currency == project.currency and project.exchange_rate:
        return Fraction(project.exchange_rate)
    for p in wb.exchange_rates[currency]:
        if (p.start is None or p.start <= day) and (p.end is None or day <= p.end):
            return Fraction(p.rate)
    raise AssertionError("no rate")


@settings(max_examples=80, deadline=None)
@given(currency_workbooks(), st.integers(0, 60))
def test_converted_lines_add_up_to_the_totals_in_every_currency(wb, as_of_day):
    """Every line is hours × rate × fx of its date, rounded once in its project's decimals;
    the lines add up to the project's actual revenue in its currency; a planned amount is
    the exact sum of its days; the base totals are the projects' figures each converted
    at the As of date and rounded — and the JSON summary says the same."""
    from datetime import timedelta

    from xlfin.core.calendar import WorkCalendar
    from xlfin.core.compute import compute
    from xlfin.models import DEFAULT_SCHEDULE
    from xlfin.report.summary import summary

    as_of = ORIGIN + timedelta(days=as_of_day)
    results = compute(wb, as_of=as_of)
    places = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
    total = Decimal(0)
    for p in results.projects:
        project = p.project
        decimals = places[project.currency]
        [t] = p.tasks
        for x in t.lines:
            source = x.revenue_source
            exact = (
                Fraction(x.line.hours * source.rate)
                * naive_rate(wb, project.currency, x.line.date, project)
                / naive_rate(wb, source.currency, x.line.date, project)
            )
            assert x.revenue == round_money(exact, decimals)
        assert p.actual_revenue == sum((x.revenue for x in t.lines), Decimal(0))
        # Planned: day by day, the role's rate of the day × fx of the day.
        cal = WorkCalendar(DEFAULT_SCHEDULE)
        days = [
            t.first_day + timedelta(days=i)
            for i in range((t.last_day - t.first_day).days + 1)
            if cal.count(t.first_day + timedelta(days=i), t.first_day + timedelta(days=i))
        ] or [t.first_day]
        per_day = Fraction(t.task.planned_hours) / len(days)
        exact = Fraction(0)
        for day in days:
            period = next(
                q for q in wb.roles["R1"].billing_rates
                if (q.start is None or q.start <= day) and (q.end is None or day <= q.end)
            )  # fmt: skip
            exact += (
                per_day
                * Fraction(period.rate)
                * naive_rate(wb, project.currency, day, project)
                / naive_rate(wb, period.currency, day, project)
            )
        assert t.planned_revenue == round_money(exact, decimals)
        in_base = round_money(
            Fraction(p.actual_revenue) / naive_rate(wb, project.currency, as_of, project), 2
        )
        assert p.in_base(p.actual_revenue) == in_base
        total += in_base
    data = summary(results, [])
    assert Decimal(data["totals_base"]["actual_revenue"]) == total
    for p, shown in zip(results.projects, data["projects"], strict=True):
        assert shown["actual_revenue"] == f"{p.actual_revenue:.{places[p.currency]}f}"


def test_a_billed_record_of_a_zero_decimal_currency_builds_again(tmp_path):
    """An Additional amount of 1,000.40 on a JPY project is frozen as 1,000 and compared as
    1,000 at the next build, not with the base currency's two decimals."""
    from conftest import write_text_workbook
    from xlfin.pipeline import build

    text = """
    [Exchange rates]
    Currency | Rate | Decimals
    JPY | 161.37 | 0
    [Projects]
    Project | Currency
    P1 | JPY
    [Billing records]
    Billing record | Project | Status | Billing date | Additional amount
    B1 | P1 | Billed | 2024-06-30 | 1000.4
    """
    path = write_text_workbook(tmp_path, text)
    for _ in range(2):
        outcome = build(path, tmp_path / "r.xlsx", ledger_path=tmp_path / "l.sqlite")
        assert outcome.ok, [p.message for p in outcome.problems if p.is_error]
        assert outcome.results.projects[0].records[0].total == Decimal("1000")


def test_explain_shows_the_conversion_of_a_line_and_of_a_project(results):
    from xlfin.report.explain import explain

    r = results(EXAMPLE_13_1)
    text = "\n".join(explain(r, "P1"))
    assert (
        "revenue: 7.5 h × 100 GBP/h (system, Roles row 2) = 750 × 1.1645569620… (exchange "
        "factor, GBP → the project's currency) = 873.417722… -> rounded to 2 decimals: 873.42"
    ) in text
    assert "in USD as of 2024-07-15 (× 1.0638297872…, EUR → USD" in text
    assert "actual revenue 1765.83 EUR × 1.0638297872… = 1,878.54 USD" in text
