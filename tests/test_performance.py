"""Finance model, section 16: parent tasks, BCWP, BCWS, CPI, SPI, CSI and EAC — Workfront's
own worked examples, to the cent."""

from __future__ import annotations

from decimal import Decimal

from conftest import codes, project
from xlfin.core.performance import shown

D = Decimal


def _book(method: str, eac: str, tasks: str, hours: str, extra: str = "") -> str:
    return f"""
    [Settings]
    Setting | Value
    Performance index method | {method}
    EAC method | {eac}
    As of date | 2024-06-30
    [Users]
    User | Cost rate
    u | 100
    [Projects]
    Project | Planned start | Planned completion
    P1 | 2024-06-03 | 2024-06-28
    [Tasks]
    Project | Task | Planned hours | Percent complete | Parent task | Cost type
    {tasks}
    [Hours]
    Entry | Project | Task | User | Date | Hours
    {hours}
    {extra}
    """


THREE = "\n    ".join(
    f"P1 | {t} | {h} | {pct} | | User Hourly"
    for t, h, pct in (("T1", 5, 20), ("T2", 10, 30), ("T3", 15, 40))
)
LOGGED = "\n    ".join(f"H{t} | P1 | {t} | u | 2024-06-10 | 25" for t in ("T1", "T2", "T3"))


def _task_indexes(r, task_id):
    return next(t for t in project(r).tasks if t.task.task == task_id).indexes


def test_example_16_1_hour_based(results):
    """CPI 0.04, 0.12, 0.24; EAC 125.00, 83.33, 62.50 h; the project: CPI 10 / 75 → 0.13,
    EAC 30 / 0.1333… = 225.00 h at project level, 270.83 h rolled up."""
    r = results(_book("Hour-Based", "Project level", THREE, LOGGED))
    got = [(shown(x.cpi), x.eac) for x in (_task_indexes(r, t) for t in ("T1", "T2", "T3"))]
    assert got == [(D("0.04"), D("125.00")), (D("0.12"), D("83.33")), (D("0.24"), D("62.50"))]
    p = project(r).indexes
    assert (shown(p.cpi), p.eac) == (D("0.13"), D("225.00"))
    rolled = results(_book("Hour-Based", "Roll up", THREE, LOGGED))
    assert project(rolled).indexes.eac == D("270.83")


def _cost_book(eac: str, fixed: str = "") -> str:
    assignments = "\n    ".join(f"P1 | {t} | u" for t in ("T1", "T2", "T3"))
    expenses = (
        """[Expenses]
    Expense | Project | Task | Planned amount | Actual amount
    E1 | P1 | T1 | 300 | 400
    E2 | P1 | T1 | 500 | 0
    E3 | P1 | T2 | 200 | 100
    E4 | P1 | T3 | 800 | 700
    E5 | P1 | | 1000 | 1500
    E6 | P1 | | 2500 |
    [Assignments]
    Project | Task | User
    """
        + assignments
    )
    text = _book("Cost-Based", eac, THREE, LOGGED, expenses)
    if fixed:
        text = text.replace("Project | Planned start | Planned completion\n    P1 | 2024-06-03 | "
                            "2024-06-28", "Project | Planned start | Planned completion | Fixed "
                            f"cost\n    P1 | 2024-06-03 | 2024-06-28 | {fixed}")  # fmt: skip
    return text


def test_example_16_2_cost_based(results):
    """T1: CPI (100 + 300) / (2,500 + 400) → 0.14, EAC 500 / 0.04 + (400 + 500) = 13,400.00;
    T2 0.19 / 8,433.33; T3 0.44 / 6,950.00; the project: CPI (1,000 + 2,300) / (7,500 +
    2,700) → 0.32, EAC 28,200.00 (28,400.00 with a Fixed cost of 200.00), rolled up
    28,783.33."""
    r = results(_cost_book("Project level"))
    got = [(shown(x.cpi), x.eac) for x in (_task_indexes(r, t) for t in ("T1", "T2", "T3"))]
    assert got == [(D("0.14"), D("13400.00")), (D("0.19"), D("8433.33")),
                   (D("0.44"), D("6950.00"))]  # fmt: skip
    p = project(r).indexes
    assert (shown(p.cpi), p.eac) == (D("0.32"), D("28200.00"))
    assert project(results(_cost_book("Project level", "200"))).indexes.eac == D("28400.00")
    assert project(results(_cost_book("Roll up", "200"))).indexes.eac == D("28783.33")


PARENTS = """P1 | T1 | | | |
    P1 | T2 | 5 | 20 | T1 |
    P1 | T3 | | | T1 |
    P1 | T4 | 10 | 40 | T3 |
    P1 | T5 | 15 | 50 | T3 |
    P1 | T6 | 20 | 60 | |"""
PARENT_HOURS = "\n    ".join(
    [f"H{t} | P1 | {t} | u | 2024-06-10 | 10" for t in ("T1", "T2", "T3", "T4", "T5", "T6")]
    + ["H0 | P1 | | u | 2024-06-10 | 50"]
)


def test_example_16_3_parents_at_project_level_and_rolled_up(results):
    r = results(_book("Hour-Based", "Project level", PARENTS, PARENT_HOURS))
    leaves = [
        (shown(x.cpi), x.eac) for x in (_task_indexes(r, t) for t in ("T2", "T4", "T5", "T6"))
    ]
    assert leaves == [(D("0.10"), D("50.00")), (D("0.40"), D("25.00")), (D("0.75"), D("20.00")),
                      (D("1.20"), D("16.67"))]  # fmt: skip
    t3, t1 = _task_indexes(r, "T3"), _task_indexes(r, "T1")
    assert (t3.bcwp_hours, shown(t3.cpi), t3.eac) == (D("11.5"), D("0.38"), D("65.22"))
    assert (t1.bcwp_hours, shown(t1.cpi), t1.eac) == (D("12.5"), D("0.25"), D("120.00"))
    p = project(r).indexes
    assert (p.bcwp_hours, shown(p.cpi), p.eac) == (D("24.5"), D("0.22"), D("224.49"))
    rolled = results(_book("Hour-Based", "Roll up", PARENTS, PARENT_HOURS))
    assert (_task_indexes(rolled, "T3").eac, _task_indexes(rolled, "T1").eac) == (
        D("45.00"),
        D("95.00"),
    )
    assert project(rolled).indexes.eac == D("111.67")


def test_a_parents_own_plan_is_ignored(results):
    text = _book("Hour-Based", "Project level", PARENTS.replace("P1 | T1 | | | |",
                 "P1 | T1 | 40 | | |"), PARENT_HOURS)  # fmt: skip
    r = results(text)
    assert "PARENT_TASK_PLANNED_IGNORED" in codes(r.problems)
    t1 = next(t for t in project(r).tasks if t.task.task == "T1")
    assert t1.planned_hours == 0 and project(r).planned_hours == 50


def test_example_16_4_bcws_spi_and_csi(results):
    """100 h at 100.00 over Mon 10 – Fri 21 February 2025, 25 % done, 20 h logged, as of
    Tue 11 February: BCWP 2,500.00, BCWS 2 / 10 → 2,000.00, SPI 25 / 20 = 1.25, CPI
    2,500 / 2,000 = 1.25, CSI 1.5625 → 1.56."""
    text = _book(
        "Cost-Based", "Project level",
        "P1 | T1 | 100 | 25 | | User Hourly",
        "H1 | P1 | T1 | u | 2025-02-10 | 20",
        "[Assignments]\n    Project | Task | User\n    P1 | T1 | u",
    ).replace("2024-06-03 | 2024-06-28", "2025-02-10 | 2025-02-21").replace(
        "As of date | 2024-06-30", "As of date | 2025-02-11"
    )  # fmt: skip
    x = _task_indexes(results(text), "T1")
    assert (x.bcwp, x.bcws) == (D("2500.00"), D("2000.00"))
    assert (shown(x.spi), shown(x.cpi), shown(x.csi)) == (D("1.25"), D("1.25"), D("1.56"))
    assert x.csi == D("1.5625")


def test_a_task_that_is_its_own_ancestor_is_an_error(book):
    text = _book("Hour-Based", "Project level", "P1 | T1 | | | T2 |\n    P1 | T2 | | | T1 |", "")
    _, problems = book(text)
    assert "TASK_PARENT_CYCLE" in codes(problems)


def test_percent_complete_outside_0_to_100_is_an_error(book):
    _, problems = book(_book("Hour-Based", "Project level", "P1 | T1 | 5 | 120 | |", ""))
    [bad] = [p for p in problems if p.code == "PERCENT_COMPLETE_INVALID"]
    assert bad.cell == "D2"
