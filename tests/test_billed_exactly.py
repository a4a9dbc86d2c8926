"""Billed means frozen, exactly: a cap never re-cuts a billed line, a billed amount is
compared as it was shown, and money never loses a cent to the decimal context."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import parse_sheets, write_sheets
from xlfin.pipeline import build

CAPPED = """
    [Users]
    User | Billing rate
    u1 | {rate}
    [Projects]
    Project
    P1
    [Tasks]
    Project | Task | Revenue type | Cost type | Fixed amount
    P1 | T1 | User Hourly with Cap | No Cost | {cap}
    [Billing records]
    Billing record | Project | Status | Billing date
    B1 | P1 | Billed | 2024-06-30
    [Hours]
    Entry | Project | Task | User | Date | Hours | Billing record
    H1 | P1 | T1 | u1 | 2024-06-03 | {h1} |
    H2 | P1 | T1 | u1 | 2024-06-04 | {h2} | B1
"""


def built(tmp_path, ledger, **values):  # type: ignore[no-untyped-def]
    text = CAPPED.format(**{"rate": 100, "cap": 100, "h1": "0.5", "h2": 1, **values})
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(text))
    outcome = build(path, tmp_path / "r.xlsx", ledger_path=ledger)
    assert outcome.ok, [p.message for p in outcome.problems if p.is_error]
    [p] = outcome.results.projects
    lines = {r.line.entry: r.revenue for r in p.tasks[0].lines}
    return p, lines


def test_a_cap_never_re_cuts_a_billed_line_after_a_rate_change(tmp_path):
    ledger = tmp_path / "l.sqlite"
    _, lines = built(tmp_path, ledger)
    assert lines == {"H1": Decimal("50.00"), "H2": Decimal("50.00")}  # 100 of the cap of 100
    second, lines = built(tmp_path, ledger, rate=120)
    assert lines["H2"] == Decimal("50.00")  # as billed (today: 120 of it)
    assert lines["H1"] == Decimal("50.00")  # what the billed line left of the cap
    assert (second.billed, second.unbilled) == (Decimal("50.00"), Decimal("50.00"))


def test_a_billed_line_that_crossed_the_cap_keeps_its_cut_amount(tmp_path):
    """H1 (in no record) comes first and takes 60 of the cap of 100; H2, billed, was cut to
    40. Rates go down: H2 stays 40, H1 gets today's 30, within what is left (60)."""
    ledger = tmp_path / "l.sqlite"
    _, lines = built(tmp_path, ledger, rate=120)
    assert lines == {"H1": Decimal("60.00"), "H2": Decimal("40.00")}
    p, lines = built(tmp_path, ledger, rate=60)
    assert lines == {"H1": Decimal("30.00"), "H2": Decimal("40.00")}
    assert p.billed == Decimal("40.00")
    p, lines = built(tmp_path, ledger, rate=200)  # up: H1 only gets what H2 left (60)
    assert lines == {"H1": Decimal("60.00"), "H2": Decimal("40.00")}


def test_an_additional_amount_with_more_decimals_than_the_currency_builds_again(tmp_path):
    text = CAPPED.format(rate=100, cap=1000, h1=1, h2=1).replace(
        "Status | Billing date\n    B1 | P1 | Billed | 2024-06-30",
        "Status | Billing date | Additional amount\n    B1 | P1 | Billed | 2024-06-30 | 26.635",
    )
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(text))
    ledger = tmp_path / "l.sqlite"
    for _ in range(2):  # the second build compares 26.635 as shown: 26.64, as frozen
        outcome = build(path, tmp_path / "r.xlsx", ledger_path=ledger)
        assert outcome.ok, [p.message for p in outcome.problems if p.is_error]
        assert outcome.results.projects[0].records[0].total == Decimal("126.64")


HUGE = """
    [Users]
    User | Billing rate | Cost rate
    u1 | 999999999999.99 | 999999999999.99
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-06-03 | 2024-06-05
    [Tasks]
    Project | Task | Planned hours
    P1 | T1 | 999999999999999
    [Assignments]
    Project | Task | User
    P1 | T1 | u1
    [Hours]
    Entry | Project | Task | User | Date | Hours
    H1 | P1 | T1 | u1 | 2024-06-03 | 999999999999999
"""


def test_amounts_at_the_contracts_limits_keep_every_cent(tmp_path):
    path = write_sheets(tmp_path / "huge.xlsx", parse_sheets(HUGE))
    outcome = build(path, tmp_path / "r.xlsx", tmp_path / "s.json", use_ledger=False)
    assert outcome.ok, [p.message for p in outcome.problems]
    exact = Decimal("999999999999989000000000000.01")  # 999,999,999,999,999 × 999,999,999,999.99
    [t] = outcome.results.projects[0].tasks
    assert t.planned_labor_cost == exact and t.planned_revenue == exact
    assert t.actual_labor_cost == exact and t.actual_hourly_revenue == exact
    assert str(exact) in (tmp_path / "s.json").read_text()  # to the cent in the summary


@given(
    rates=st.lists(st.integers(min_value=1, max_value=400), min_size=2, max_size=2),
    cap=st.integers(min_value=0, max_value=600),
    hours=st.lists(st.sampled_from(["0.5", "1", "1.25", "2", "3"]), min_size=2, max_size=2),
)
@settings(max_examples=15, deadline=None)
def test_billed_stays_billed_and_the_rest_gets_what_the_cap_leaves(
    rates, cap, hours, tmp_path_factory
):
    """Two builds against one ledger with the rate changed between them: B1's total and its
    line are unchanged; the line in no record gets today's rate within what B1 left."""
    folder = tmp_path_factory.mktemp("b")
    ledger = folder / "l.sqlite"
    first, lines = built(folder, ledger, rate=rates[0], cap=cap, h1=hours[0], h2=hours[1])
    billed, h2 = first.billed, lines["H2"]
    second, lines = built(folder, ledger, rate=rates[1], cap=cap, h1=hours[0], h2=hours[1])
    assert second.billed == billed and lines["H2"] == h2
    today = (Decimal(hours[0]) * rates[1]).quantize(Decimal("0.01"))
    assert lines["H1"] == min(today, max(Decimal(cap) - h2, Decimal(0)))
