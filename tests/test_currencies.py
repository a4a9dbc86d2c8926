"""Finance model, section 13: a base currency, dated exchange rates, projects and rates in
their own currencies; one test per worked example, and the rules around them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

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
