"""Rate resolution (finance model, section 1): the hierarchy, dated periods, gaps, sources."""

from datetime import date
from decimal import Decimal

import pytest

from xlfin.core.rates import RateBook, RateLevel, Timeline, source_text
from xlfin.models import Company, Project, RateCard, RatePeriod, Role, User, Workbook

D = date


def period(rate, start=None, end=None, row=2, sheet="Roles"):
    return RatePeriod(rate=Decimal(rate), start=start, end=end, sheet=sheet, row=row)


class TestTimeline:
    def test_single_rate_applies_to_every_date(self):
        t = Timeline((period(50, D(2024, 6, 1), D(2024, 6, 30)),))
        assert t.at(D(2000, 1, 1)).rate == 50
        assert t.at(D(2099, 1, 1)).rate == 50

    def test_first_before_its_end_and_last_after_its_start(self):
        t = Timeline(
            (
                period(10, D(2024, 1, 10), D(2024, 1, 31), row=2),
                period(20, D(2024, 2, 1), D(2024, 2, 29), row=3),
            )
        )
        assert t.at(D(2023, 12, 1)).row == 2  # before the first start: first period
        assert t.at(D(2024, 1, 31)).row == 2
        assert t.at(D(2024, 2, 1)).row == 3
        assert t.at(D(2025, 7, 1)).row == 3  # after the last end: last period

    def test_gap_has_no_rate(self):
        # The seed's API example: 45.00 ends 2017-06-17, 95.00 starts 2017-06-21.
        t = Timeline(
            (
                period("0.00", None, D(2017, 6, 11)),
                period("45.00", D(2017, 6, 12), D(2017, 6, 17)),
                period("95.00", D(2017, 6, 21), None),
            )
        )
        assert t.at(D(2017, 6, 1)).rate == Decimal("0.00")  # 0.00 is a rate
        assert t.at(D(2017, 6, 17)).rate == Decimal("45.00")
        for day in (18, 19, 20):
            assert t.at(D(2017, 6, day)) is None
        assert t.at(D(2017, 6, 21)).rate == Decimal("95.00")

    def test_no_periods_no_rate(self):
        assert Timeline(()).at(D(2024, 1, 1)) is None


def workbook(
    *,
    override=False,
    card=False,
    project_rate=True,
    company_rate=True,
    card_lines=(("Dev", None, 130), ("Dev", "Paris", 140)),
):
    company = Company(
        company="C",
        row=2,
        role_rates={"Dev": (period(110, sheet="Company rates", row=2),)} if company_rate else {},
    )
    cards = {
        "RC": RateCard(
            rate_card="RC",
            row=2,
            rates={
                (role, loc): (period(rate, sheet="Rate cards", row=3 + i),)
                for i, (role, loc, rate) in enumerate(card_lines)
            },
        )
    }
    project = Project(
        project="P1",
        row=2,
        company="C",
        rate_card="RC" if card else None,
        company_rates_override=override,
        role_rates={"Dev": (period(120, sheet="Project rates", row=2),)} if project_rate else {},
        user_rates={"u2": (period(99, sheet="Project rates", row=3),)},
    )
    return Workbook(
        roles={
            "Dev": Role(role="Dev", row=2, billing_rates=(period(100),), cost_rates=(period(40),))
        },
        users={
            "u1": User(
                user="u1",
                row=2,
                primary_role="Dev",
                location="Paris",
                cost_rates=(period(45, sheet="Users"),),
            ),
            "u2": User(
                user="u2",
                row=3,
                primary_role="Dev",
                billing_rates=(period(80, sheet="Users", row=3),),
            ),
        },
        companies={"C": company},
        rate_cards=cards,
        projects={"P1": project},
    )


MONDAY = D(2024, 6, 3)


def role_rate(wb, location=None, day=MONDAY):
    book = RateBook(wb)
    return book.billing_for_role(wb.projects["P1"], "Dev", location).at(day)[0]


@pytest.mark.parametrize(
    ("kwargs", "location", "level", "rate"),
    [
        ({}, None, RateLevel.PROJECT, 120),  # project override beats company and system
        ({"project_rate": False}, None, RateLevel.COMPANY, 110),  # company rate without a card
        ({"project_rate": False, "company_rate": False}, None, RateLevel.SYSTEM, 100),
        ({"override": True}, None, RateLevel.COMPANY, 110),  # company-rates override wins
        ({"override": True, "company_rate": False}, None, RateLevel.PROJECT, 120),
        ({"card": True, "project_rate": False}, "Paris", RateLevel.RATE_CARD, 140),
        ({"card": True, "project_rate": False}, "London", RateLevel.RATE_CARD, 130),
        ({"card": True, "project_rate": False}, None, RateLevel.RATE_CARD, 130),
        ({"card": True}, "Paris", RateLevel.PROJECT, 120),  # project override beats the card
        # with a card, company rates are not imported: a card without the role falls to system
        ({"card": True, "project_rate": False, "card_lines": ()}, None, RateLevel.SYSTEM, 100),
        ({"card": True, "override": True}, "Paris", RateLevel.COMPANY, 110),
        # a location-only card line does not match another location
        (
            {
                "card": True,
                "project_rate": False,
                "company_rate": False,
                "card_lines": (("Dev", "Paris", 140),),
            },
            "London",
            RateLevel.SYSTEM,
            100,
        ),
    ],
)
def test_role_billing_hierarchy(kwargs, location, level, rate):
    source = role_rate(workbook(**kwargs), location)
    assert (source.level, source.rate) == (level, rate)


def test_rate_source_names_the_row():
    source = role_rate(workbook(card=True, project_rate=False), "Paris")
    assert (source.sheet, source.row) == ("Rate cards", 4)
    assert source_text(source) == "rate card (Rate cards row 4)"


def test_user_billing_rate_then_primary_role():
    wb = workbook()
    book = RateBook(wb)
    p = wb.projects["P1"]
    assert book.billing_for_user(p, "u2").at(D(2024, 1, 1))[0].rate == 99  # project user rate
    no_override = wb.model_copy(
        update={"projects": {"P1": p.model_copy(update={"user_rates": {}})}}
    )
    book = RateBook(no_override)
    p2 = no_override.projects["P1"]
    assert book.billing_for_user(p2, "u2").at(D(2024, 1, 1))[0].level is RateLevel.USER
    # u1 has no billing rate: its primary role's rate via 1.1 (the project override).
    source = book.billing_for_user(p2, "u1").at(D(2024, 1, 1))[0]
    assert (source.level, source.rate) == (RateLevel.PROJECT, 120)


def test_cost_rates_are_never_overridden():
    wb = workbook(override=True, card=True)
    book = RateBook(wb)
    assert book.cost_for_user("u1").at(D(2024, 1, 1))[0].rate == 45
    assert book.cost_for_user("u2").at(D(2024, 1, 1))[0].rate == 40  # primary role's
    assert book.cost_for_role("Dev").at(D(2024, 1, 1))[0].rate == 40
    assert book.cost_for_role(None).at(D(2024, 1, 1))[0].rate is None


def test_gap_falls_through_to_the_next_level():
    wb = workbook(project_rate=False, company_rate=False)
    p = wb.projects["P1"].model_copy(
        update={
            "role_rates": {
                "Dev": (
                    period(120, None, D(2017, 6, 17), sheet="Project rates"),
                    period(125, D(2017, 6, 21), None, sheet="Project rates", row=3),
                )
            }
        }
    )
    chain = RateBook(wb.model_copy(update={"projects": {"P1": p}})).billing_for_role(p, "Dev", None)
    source, gap = chain.at(D(2017, 6, 19))
    assert (source.level, source.rate, gap) == (RateLevel.SYSTEM, 100, True)
    source, gap = chain.at(D(2017, 6, 22))
    assert (source.level, source.rate, gap) == (RateLevel.PROJECT, 125, False)


def test_blank_rate_is_no_rate_and_zero_is_a_rate(results):
    r = results("""
        [Roles]
        Role | Billing rate
        Free | 0
        None |
        [Users]
        User
        u1
        [Projects]
        Project
        P1
        [Tasks]
        Project | Task | Revenue type | Cost type
        P1      | T1   | Role Hourly  | No Cost
        [Hours]
        Entry | Project | Task | User | Role | Date       | Hours
        H1    | P1      | T1   | u1   | Free | 2024-06-03 | 2
        H2    | P1      | T1   | u1   | None | 2024-06-03 | 2
    """)
    h1, h2 = r.projects[0].tasks[0].lines
    assert (h1.revenue_source.level, h1.revenue_source.rate, h1.revenue) == (RateLevel.SYSTEM, 0, 0)
    assert (h2.revenue_source.level, h2.revenue) == (RateLevel.NONE, 0)
    no_rate = [p for p in r.problems if p.code == "NO_RATE"]
    assert [(p.row, p.column) for p in no_rate] == [(3, "E")]


def test_segments_follow_every_level():
    wb = workbook(project_rate=False)
    p = wb.projects["P1"].model_copy(
        update={
            "company_rates_override": True,
            "role_rates": {
                "Dev": (period(120, D(2024, 6, 10), D(2024, 6, 12), sheet="Project rates"),)
            },
        }
    )
    # override on, company 110 everywhere: the project rate never shows.
    chain = RateBook(wb).billing_for_role(p, "Dev", None)
    segments = chain.segments(D(2024, 6, 3), D(2024, 6, 28))
    assert {s.source.rate for s in segments} == {110}


def _by_day(chain, days):
    return [chain.at(d) for d in days]


@pytest.mark.parametrize(
    "user_rates",
    [
        (),  # no own rate: the primary role's chain, shared with the role's
        (period("90", sheet="Users"),),  # one open period: the user's rate everywhere
        (period("90", None, date(2024, 6, 30), sheet="Users"),
         period("95", date(2024, 7, 1), None, 3, sheet="Users")),  # back to back
        (period("90", None, date(2024, 6, 10), sheet="Users"),
         period("95", date(2024, 7, 1), None, 3, sheet="Users")),  # a gap: the role fills it
    ],
)  # fmt: skip
@pytest.mark.parametrize("override", [False, True])
def test_a_shared_user_chain_answers_as_the_users_own_would(user_rates, override):
    """A user's billing chain may be one shared with other projects or with their role; on
    every day it gives what the user's levels, tried in order, give."""
    from datetime import timedelta

    from xlfin.core.rates import RateChain, role_billing_levels

    project = Project(
        project="P1",
        row=2,
        role_rates={"Dev": (period("130", date(2024, 6, 20), None, 4, "Project rates"),)},
        user_rates={"ann": (period("150", sheet="Project rates"),)} if override else {},
    )
    wb = Workbook(
        roles={"Dev": Role(role="Dev", billing_rates=(period("100"),), row=2)},
        users={"ann": User(user="ann", primary_role="Dev", billing_rates=user_rates, row=2)},
        projects={"P1": project},
    )
    levels = [
        (RateLevel.PROJECT, Timeline(project.user_rates.get("ann", ()))),
        (RateLevel.USER, Timeline(user_rates)),
        *((lv.level, Timeline(lv.periods)) for lv in role_billing_levels(wb, project, "Dev", [])),
    ]
    expected = RateChain(levels)
    days = [date(2024, 6, 1) + timedelta(days=k) for k in range(60)]
    assert _by_day(RateBook(wb).billing_for_user(project, "ann"), days) == _by_day(expected, days)
