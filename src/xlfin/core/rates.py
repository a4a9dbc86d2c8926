"""Rate resolution: which rate applies, and where it came from (finance model, section 1).

A `Timeline` holds one object's dated periods and finds the period of a date by
bisection. A `RateChain` is the ordered list of timelines that answer one question
("billing rate of role R on project P at location L"); its rate on a date is the
first level that has one. `role_billing_levels` is the one ordered list of the
levels tried for a role's billing rate: the chains the core looks rates up in, and the
report's Rates sheet, are both made from it. `RateBook.billing_for_role`,
`billing_for_user`, `cost_for_user` and `cost_for_role` build (and cache) the chains, and
`RateChain.at` is the one rate lookup of xlfin.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple

from xlfin.models import Assignment, Project, RatePeriod, Workbook
from xlfin.schema import SheetName


class RateLevel(StrEnum):
    """Where a rate came from, in the words the report shows."""

    LOCKED = "locked rate card"
    ASSIGNMENT = "assignment"
    BILLING_ROLE = "job role for billing"
    BILLING_ROLE_NO_RATE = "job role for billing, no rate"
    """Model 17.1 step 4: the role billed as has no rate; 0, and the search stops."""
    PROJECT_USER = "project user"
    PROJECT_COST = "project cost rate"
    PROJECT = "project override"
    RATE_CARD = "rate card"
    COMPANY = "company"
    SYSTEM = "system"
    USER = "user"
    TASK_HOURLY = "task hourly"
    FIXED = "fixed"
    FROZEN = "frozen"
    NOT_BILLABLE = "not billable"
    NO_COST = "no cost"
    NONE = "no rate"


class RateSource(NamedTuple):
    """A rate and where it came from: its level and the sheet row that holds it."""

    level: RateLevel
    rate: Decimal | None
    sheet: str | None = None
    row: int | None = None
    currency: str | None = None
    """The rate's currency (model 13); None: the project's, so never converted."""


NO_RATE_SOURCE = RateSource(RateLevel.NONE, None)


def source_text(source: RateSource) -> str:
    """`project override (Project rates row 3)`: the level and the row that gave a rate."""
    if source.sheet:
        return f"{source.level.value} ({source.sheet} row {source.row})"
    return source.level.value


class Timeline:
    """One object's rate periods, sorted and not overlapping (the reader checked).

    The first period also applies before its start, the last also after its end;
    a date between two periods is in a gap and has no rate here.
    """

    __slots__ = ("boundaries", "periods", "starts")

    def __init__(self, periods: tuple[RatePeriod, ...]) -> None:
        self.periods = periods
        self.starts = [p.start or date.min for p in periods]
        edges: set[date] = set()
        for p in periods:
            if p.start is not None:
                edges.add(p.start)
            if p.end is not None and p.end < date.max:
                edges.add(p.end + timedelta(days=1))
        self.boundaries = sorted(edges)

    def at(self, day: date) -> RatePeriod | None:
        """The period whose rate applies on `day`; None in a gap or without periods."""
        periods = self.periods
        if not periods:
            return None
        i = bisect_right(self.starts, day) - 1
        if i < 0:
            return periods[0]
        period = periods[i]
        if period.end is None or day <= period.end or i == len(periods) - 1:
            return period
        return None


EMPTY = Timeline(())


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of days with one rate: `first` to `last` inclusive."""

    first: date
    last: date
    source: RateSource


class RateChain:
    """Levels tried in order; the first with a rate on a date gives it.

    Every level's rate is constant between its own boundaries, so the chain's answer
    is constant between the union of them: the chain is resolved once, into `pieces`
    between `edges`, and a lookup is one bisection.
    """

    __slots__ = ("edges", "levels", "pieces")

    def __init__(self, levels: list[tuple[RateLevel, Timeline]]) -> None:
        self.levels = tuple((lvl, tl) for lvl, tl in levels if tl.periods)
        self.edges: list[date] = []
        self.pieces = [self._resolve(date.min)]
        for edge in sorted({b for _, tl in self.levels for b in tl.boundaries}):
            piece = self._resolve(edge)
            if piece != self.pieces[-1]:  # an edge hidden by a higher level changes nothing
                self.edges.append(edge)
                self.pieces.append(piece)

    def _resolve(self, day: date) -> tuple[RateSource, bool]:
        gap = False
        for level, timeline in self.levels:
            period = timeline.at(day)
            if period is not None:
                source = RateSource(level, period.rate, period.sheet, period.row, period.currency)
                return source, gap
            gap = True  # a timeline with periods but none on this day: a gap
        return NO_RATE_SOURCE, gap

    @classmethod
    def joined(cls, parts: Sequence[tuple[date, RateChain]]) -> RateChain:
        """One chain from chains that each hold from a date on (`parts` by date, the first
        from date.min): a user's chains under each of their dated role sets (model 10.3)."""
        chain = cls.__new__(cls)
        chain.levels = tuple(lv for _, part in parts for lv in part.levels)
        starts = [start for start, _ in parts]

        def part_on(day: date) -> RateChain:
            return parts[bisect_right(starts, day) - 1][1]

        points: set[date] = set(starts[1:])
        for i, (start, part) in enumerate(parts):
            end = starts[i + 1] if i + 1 < len(parts) else date.max
            points.update(e for e in part.edges if start < e < end)
        chain.edges, chain.pieces = [], [part_on(date.min).at(date.min)]
        for edge in sorted(points):
            piece = part_on(edge).at(edge)
            if piece != chain.pieces[-1]:
                chain.edges.append(edge)
                chain.pieces.append(piece)
        return chain

    def at(self, day: date) -> tuple[RateSource, bool]:
        """(rate source on `day`, whether a gap of a higher level was passed over)."""
        return self.pieces[bisect_right(self.edges, day)]

    def segments(self, first: date, last: date) -> list[Segment]:
        """The runs of days from `first` to `last` on which the resolved rate is constant."""
        lo, hi = bisect_right(self.edges, first), bisect_right(self.edges, last)
        edges = self.edges[lo:hi]
        starts = [first, *edges]
        ends = [e - timedelta(days=1) for e in edges] + [last]
        sources = self.pieces[lo : hi + 1]
        return [Segment(s, e, piece[0]) for s, e, piece in zip(starts, ends, sources, strict=True)]


def _no_gap(periods: tuple[RatePeriod, ...]) -> bool:
    """Whether sorted periods leave no day between them (before the first and after the
    last, the nearest period applies: section 1)."""
    for before, after in pairwise(periods):
        if before.end is None or after.start is None:  # overlapping: the full chain decides
            return False
        if after.start > before.end + timedelta(days=1):
            return False
    return True


class Level(NamedTuple):
    """One level of a rate hierarchy: where it is (`level`, `label` in the report's words,
    the rate card's `location` or None) and the periods it holds (none: it has no rate)."""

    level: RateLevel
    label: str
    location: str | None
    periods: tuple[RatePeriod, ...]


def card_lines(
    workbook: Workbook, project: Project, role: str | None, locations: Sequence[str], locked: bool
) -> list[Level]:
    """The lines of the project's rate card for `role`, those of each of `locations` before
    the one for any location: the locked lines (model 17.5), or the others."""
    card = workbook.rate_cards.get(project.rate_card) if project.rate_card else None
    if card is None or role is None:
        return []
    kind = RateLevel.LOCKED if locked else RateLevel.RATE_CARD
    label = f"{kind.value} {card.rate_card}"
    return [
        Level(kind, label, where, card.rates.get((role, where), ()))
        for where in dict.fromkeys([*locations, None])
        if ((role, where) in card.locked) == locked
    ]


def _project_level(project: Project, role: str) -> Level:
    return Level(RateLevel.PROJECT, "project override", None, project.role_rates.get(role, ()))


def _system_level(workbook: Workbook, role: str) -> Level:
    system = workbook.roles.get(role)
    return Level(RateLevel.SYSTEM, "system", None, system.billing_rates if system else ())


def role_billing_levels(
    workbook: Workbook, project: Project, role: str, locations: Sequence[str]
) -> list[Level]:
    """Model 1.1: the levels tried, in order, for the billing rate of `role` on `project`.

    A rate card's lines for each of `locations` come before its line for any location;
    the core asks for one location (the line's), the Rates sheet for every location the
    card has for the role.
    """
    company = workbook.companies.get(project.company) if project.company else None
    company_rates = (company.role_rates.get(role) if company else None) or ()
    # Model 17.5: a locked line of the project's rate card wins over every level below.
    levels = card_lines(workbook, project, role, locations, locked=True)
    if project.company_rates_override:
        levels.append(Level(RateLevel.COMPANY, "company (override)", None, company_rates))
    levels.append(_project_level(project, role))
    if project.rate_card in workbook.rate_cards:
        levels += card_lines(workbook, project, role, locations, locked=False)
    elif not project.company_rates_override:
        levels.append(Level(RateLevel.COMPANY, "company", None, company_rates))
    levels.append(_system_level(workbook, role))
    return levels


def hierarchy_role_levels(
    workbook: Workbook, project: Project, role: str, location: str | None
) -> list[Level]:
    """Model 17, R(role): the project's rate for the role, an unlocked line of its rate card
    (the location's, then any location's), the role's system rate. Never a company rate."""
    return [
        _project_level(project, role),
        *card_lines(workbook, project, role, _at(location), locked=False),
        _system_level(workbook, role),
    ]


class Hierarchy(NamedTuple):
    """Who a User and Role Hourly rate is looked up for (model 17): the `user` (None: a
    role-only assignment of `role`), their `assignment` on the task (None: a user who logs
    on a task they are not assigned to), and an hour line's Role (`line_role`), which acts
    as the assignment's job role for billing."""

    project: Project
    user: str | None
    role: str | None
    assignment: Assignment | None
    line_role: str | None
    location: str | None


def _at(location: str | None) -> list[str]:
    return [location] if location is not None else []


def _key(who: Hierarchy) -> tuple:
    row = who.assignment.row if who.assignment else None
    return (who.project.project, who.user, who.role, row, who.line_role)


class RateBook:
    """Builds the rate chains of a workbook (section 1 of the finance model), cached."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._chains: dict[tuple, RateChain] = {}
        self._timelines: dict[int, Timeline] = {}

    def _levels(
        self, levels: list[Level], as_level: RateLevel | None = None
    ) -> list[tuple[RateLevel, Timeline]]:
        """`levels` as the chain holds them (each as `as_level`, if given)."""
        return [(as_level or lv.level, self._timeline(lv.periods)) for lv in levels]

    def _timeline(self, periods: tuple[RatePeriod, ...] | None) -> Timeline:
        if not periods:
            return EMPTY
        key = id(periods)
        timeline = self._timelines.get(key)
        if timeline is None:
            timeline = self._timelines[key] = Timeline(periods)
        return timeline

    def _role_levels(
        self, project: Project, role: str | None, location: str | None
    ) -> list[tuple[RateLevel, Timeline]]:
        """Section 1.1: the levels for role billing rates on `project`, at `location`."""
        if role is None:
            return []
        return self._levels(role_billing_levels(self.workbook, project, role, _at(location)))

    def _chain(self, key: tuple, build, *args) -> RateChain:
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = RateChain(build(*args))
        return chain

    def billing_for_role(
        self, project: Project, role: str | None, location: str | None
    ) -> RateChain:
        """Billing rate of `role` on `project` for `location` (model 1.1 and 1.3)."""
        key = ("role-billing", project.project, role, location)
        return self._chains.get(key) or self._chain(key, self._role_levels, project, role, location)

    def billing_for_user(
        self,
        project: Project,
        user: str,
        location: str | None = None,
        fallback_role: str | None = None,
    ) -> RateChain:
        """Billing rate of `user` on `project`: the project's user override, the user's rate,
        else the user's primary role via 1.1 (at `location`, default the user's), else
        `fallback_role` via 1.1 (model 10.4: a task's role-only assignment)."""
        key = ("user-billing", project.project, user, location, fallback_role)
        chain = self._chains.get(key)
        if chain is None:
            row = self.workbook.users.get(user)
            shared = self._shared_user_chain(project, user, location, fallback_role)
            if shared is not None:
                chain = self._chains[key] = shared
            elif row is not None and row.role_sets:  # primary role by date (model 10.3)
                chain = self._chains[key] = self._dated(
                    user,
                    lambda primary: self._user_levels(
                        project, user, location, fallback_role, primary
                    ),
                )
            else:
                chain = self._chain(key, self._user_levels, project, user, location, fallback_role)
        return chain

    def _shared_user_chain(
        self, project: Project, user: str, location: str | None, fallback_role: str | None
    ) -> RateChain | None:
        """The chain of `billing_for_user` when it is one that other projects or users share
        (None otherwise): a user without a project override whose own rates leave no day
        uncovered has those rates everywhere; one without own rates (and without dated
        role sets) has their primary role's chain on the project. A workbook of many
        projects and users builds these once, not once per project and user."""
        row = self.workbook.users.get(user)
        if row is None or user in project.user_rates:
            return None
        if row.billing_rates and _no_gap(row.billing_rates):
            key = ("user-own", user)
            chain = self._chains.get(key)
            if chain is None:
                timeline = self._timeline(row.billing_rates)
                chain = self._chains[key] = RateChain([(RateLevel.USER, timeline)])
            return chain
        if row.billing_rates or row.role_sets:
            return None
        where = location if location is not None else row.location
        role = row.primary_role
        if fallback_role is not None and fallback_role != role:
            return self.billing_for_roles(project, (role, fallback_role), where)
        return self.billing_for_role(project, role, where)

    def cost_for_user(self, user: str, project: Project | None = None) -> RateChain:
        """Cost rate of `user`: `project`'s cost rate for them (model 17.4), theirs, else
        their primary role's on the day (model 1.4)."""
        overrides = project.user_cost_rates.get(user) if project is not None else None
        key = ("user-cost", user, project.project if overrides and project else None)
        chain = self._chains.get(key)
        if chain is None:
            row = self.workbook.users.get(user)
            if row is not None and row.role_sets:
                chain = self._chains[key] = self._dated(
                    user, lambda primary: self._user_cost_levels(user, primary, overrides)
                )
            else:
                chain = self._chain(key, self._user_cost_levels, user, False, overrides)
        return chain

    def for_primary_role(self, user: str, chain_of: Callable[[str | None], RateChain]) -> RateChain:
        """`chain_of(role)` for the user's primary role on each day (model 10.3)."""
        row = self.workbook.users.get(user)
        if row is None:
            return chain_of(None)
        if not row.role_sets:
            return chain_of(row.primary_role)
        return RateChain.joined(
            [(start, chain_of(primary)) for start, primary, _ in row.role_periods()]
        )

    def billing_for_roles(
        self, project: Project, roles: Sequence[str | None], location: str | None
    ) -> RateChain:
        """The billing rate of the first of `roles` with one on the day, through 1.1 each
        (model 10.3: the primary role gives way to the task's role where it has none)."""
        key = ("roles-billing", project.project, tuple(roles), location)
        chain = self._chains.get(key)
        if chain is None and roles:
            first = self.billing_for_role(project, roles[0], location)
            if all(source.rate is not None for source, _ in first.pieces):
                chain = self._chains[key] = first  # the first role always has a rate
        if chain is None:
            levels = [
                lv
                for role in dict.fromkeys(roles)
                for lv in self._role_levels(project, role, location)
            ]
            chain = self._chains[key] = RateChain(levels)
        return chain

    def cost_for_role(self, role: str | None) -> RateChain:
        """Cost rate of `role` (Roles sheet); never overridden."""
        key = ("role-cost", role)
        return self._chains.get(key) or self._chain(key, self._role_cost_levels, role)

    def _user_levels(
        self,
        project: Project,
        user: str,
        location: str | None,
        fallback_role: str | None = None,
        primary: str | bool | None = False,
    ) -> list[tuple[RateLevel, Timeline]]:
        """`primary`: the primary role to use (False: the user's, from the Users sheet)."""
        row = self.workbook.users.get(user)
        if row is None:
            return []
        role = row.primary_role if primary is False else primary
        where = location if location is not None else row.location
        levels = [
            (RateLevel.PROJECT, self._timeline(project.user_rates.get(user))),
            (RateLevel.USER, self._timeline(row.billing_rates)),
            *self._role_levels(project, role, where),
        ]
        if fallback_role is not None and fallback_role != role:
            levels += self._role_levels(project, fallback_role, where)
        return levels

    def _dated(
        self, user: str, build: Callable[[str | None], list[tuple[RateLevel, Timeline]]]
    ) -> RateChain:
        """A user's chain, built by `build(primary role)` for each of their role sets."""
        row = self.workbook.users[user]
        return RateChain.joined(
            [(start, RateChain(build(primary))) for start, primary, _ in row.role_periods()]
        )

    def _user_cost_levels(
        self,
        user: str,
        primary: str | bool | None = False,
        overrides: tuple[RatePeriod, ...] | None = None,
    ) -> list[tuple[RateLevel, Timeline]]:
        row = self.workbook.users.get(user)
        if row is None:
            return []
        levels = [
            (RateLevel.PROJECT_COST, self._timeline(overrides)),
            (RateLevel.USER, self._timeline(row.cost_rates)),
        ]
        name = row.primary_role if primary is False else primary
        role = self.workbook.roles.get(name) if name else None
        if role is not None:
            levels.append((RateLevel.SYSTEM, self._timeline(role.cost_rates)))
        return levels

    # -- User and Role Hourly (model 17) ---------------------------------------------------

    def _assignment_rate(self, a: Assignment, rate: Decimal | None) -> Timeline:
        """One of an assignment's own rates (model 17), in its Rate currency."""
        if rate is None:
            return EMPTY
        period = RatePeriod(
            rate=rate, sheet=SheetName.ASSIGNMENTS, row=a.row, currency=a.rate_currency
        )
        return Timeline((period,))

    def hierarchy_billing(self, who: Hierarchy) -> RateChain:
        """Model 17.1 (an assignee: planned, and their own lines) and 17.2 (a user who logs
        on a task without an assignment on it): the billing-rate hierarchy, day by day."""
        key = ("hierarchy-billing", *_key(who), who.location)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = self._by_day(who, self._billing_levels)
        return chain

    def hierarchy_cost(self, who: Hierarchy) -> RateChain:
        """Model 17.3: the cost-rate hierarchy of the User and Role Hourly cost type."""
        key = ("hierarchy-cost", *_key(who))
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = self._by_day(who, self._cost_levels)
        return chain

    def _by_day(self, who: Hierarchy, build) -> RateChain:
        """The chain `build(who, billing role, primary role)` gives on each day: the billing
        role (a Billing roles row) and the primary role (a role set) may change on dates."""
        row = self.workbook.users.get(who.user) if who.user else None
        fixed_role = who.line_role or (
            who.assignment.job_role_for_billing if who.assignment else None
        )
        spans = (
            () if fixed_role or who.user is None else who.project.billing_roles.get(who.user, ())
        )
        starts = {date.min}
        for span in spans:
            if span.start is not None:
                starts.add(span.start)
            if span.end is not None and span.end < date.max:
                starts.add(span.end + timedelta(days=1))
        if row is not None:
            starts.update(s.start for s in row.role_sets)
        parts = []
        for start in sorted(starts):
            primary = row.roles_on(start)[0] if row is not None else None
            if fixed_role is not None:
                if who.line_role:  # where the role is: the line names it
                    billing = (fixed_role, SheetName.ROLES, self.workbook.roles[fixed_role].row)
                else:
                    billing = (fixed_role, SheetName.ASSIGNMENTS, who.assignment.row)
            else:
                span = next((b for b in spans if b.covers(start)), None)
                billing = (span.role, SheetName.BILLING_ROLES, span.row) if span else None
            parts.append((start, RateChain(build(who, billing, primary))))
        return parts[0][1] if len(parts) == 1 else RateChain.joined(parts)

    def _billing_levels(
        self, who: Hierarchy, billing: tuple[str, str, int] | None, primary: str | None
    ) -> list[tuple[RateLevel, Timeline]]:
        wb, project, location = self.workbook, who.project, who.location
        a = who.assignment
        if who.user is None:  # a role-only assignment of role A: Locked(A), its rate, R(A)
            role = who.role
            return [
                *self._levels(card_lines(wb, project, role, _at(location), locked=True)),
                (RateLevel.ASSIGNMENT, self._assignment_rate(a, a.billing_rate)),
                *self._levels(hierarchy_role_levels(wb, project, role, location) if role else []),
            ]
        user = wb.users.get(who.user)
        billed_as = billing[0] if billing else primary
        levels = self._levels(card_lines(wb, project, billed_as, _at(location), locked=True))
        project_user = (RateLevel.PROJECT_USER, self._timeline(project.user_rates.get(who.user)))
        if a is not None:  # 17.1: the assignment's rate comes before the job role for billing
            levels.append((RateLevel.ASSIGNMENT, self._assignment_rate(a, a.billing_rate)))
        else:  # 17.2: the project's rate for the user comes first
            levels.append(project_user)
        if billing is not None:
            role, sheet, at = billing
            stop = Timeline((RatePeriod(rate=Decimal(0), sheet=sheet, row=at),))
            return [
                *levels,
                *self._levels(hierarchy_role_levels(wb, project, role, location),
                              RateLevel.BILLING_ROLE),
                (RateLevel.BILLING_ROLE_NO_RATE, stop),
            ]  # fmt: skip
        if a is not None:
            levels.append(project_user)
        levels.append((RateLevel.USER, self._timeline(user.billing_rates if user else None)))
        if primary is not None:
            levels += self._levels(hierarchy_role_levels(wb, project, primary, location))
        return levels

    def _cost_levels(
        self, who: Hierarchy, billing: tuple[str, str, int] | None, primary: str | None
    ) -> list[tuple[RateLevel, Timeline]]:
        """Model 17.3; a job role for billing never affects cost."""
        a = who.assignment
        levels = []
        if a is not None:
            levels.append((RateLevel.ASSIGNMENT, self._assignment_rate(a, a.cost_rate)))
        if who.user is None:
            return [*levels, *self._role_cost_levels(who.role)]
        user = self.workbook.users.get(who.user)
        levels += [
            (RateLevel.PROJECT_COST, self._timeline(who.project.user_cost_rates.get(who.user))),
            (RateLevel.USER, self._timeline(user.cost_rates if user else None)),
        ]
        role = (who.line_role if a is None else None) or primary
        return [*levels, *self._role_cost_levels(role)]

    def _role_cost_levels(self, role: str | None) -> list[tuple[RateLevel, Timeline]]:
        row = self.workbook.roles.get(role) if role else None
        return [(RateLevel.SYSTEM, self._timeline(row.cost_rates if row else None))]
