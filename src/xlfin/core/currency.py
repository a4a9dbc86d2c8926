"""Currencies (finance model, section 13): rate(C, D) on a project, and the exact factor
fx(A → B, D) = rate(B, D) / rate(A, D) that converts an amount from A to B on day D.

The Rate of currency C is how many units of C one unit of the base currency buys: base
USD, EUR 0.92, 100.00 USD = 92.00 EUR. A factor is a Fraction, never rounded: an amount is
rounded once, after the conversion (`money.round_money`).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from xlfin.core.money import exact_text, round_money
from xlfin.core.rates import Timeline
from xlfin.models import Project, Workbook

ONE = Fraction(1)


class Exchange:
    """The workbook's exchange rates: the base currency, each currency's dated rates and
    each currency's decimals."""

    def __init__(self, workbook: Workbook) -> None:
        settings = workbook.settings
        self.base = settings.currency
        self.timelines = {c: Timeline(p) for c, p in workbook.exchange_rates.items()}
        self.places = {**workbook.currency_decimals, self.base: settings.decimals}
        self.quotients: dict[tuple[Decimal, Decimal], Fraction] = {}
        """One factor per pair of rates: the days of a rate period share it (and what is
        made from it once, such as the amounts of the lines converted by it)."""

    def decimals(self, currency: str) -> int:
        """Decimals of `currency`'s minor unit: Exchange rates › Decimals, the base's from
        Settings › Decimals; 2 for a currency with no row."""
        return self.places.get(currency, 2)

    def rate(self, currency: str, day: date, project: Project | None = None) -> Decimal | None:
        """rate(C, D) on `project`: 1 for the base; the project's Exchange rate for its own
        currency; else the Exchange rates row of C on D; None: no rate."""
        if currency == self.base:
            return Decimal(1)
        if project is not None and currency == project.currency and project.exchange_rate:
            return project.exchange_rate
        timeline = self.timelines.get(currency)
        period = timeline.at(day) if timeline is not None else None
        return period.rate if period is not None else None

    def factor(
        self, source: str, target: str, day: date, project: Project | None = None
    ) -> Fraction | None:
        """fx(source → target, day) on `project`, exact; None when a rate is missing."""
        if source == target:
            return ONE
        a, b = self.rate(source, day, project), self.rate(target, day, project)
        if a is None or b is None:
            return None
        found = self.quotients.get((a, b))
        if found is None:
            found = self.quotients[(a, b)] = Fraction(b) / Fraction(a)
        return found

    def says(self, source: str, target: str, day: date, project: Project | None = None) -> str:
        """`GBP → EUR × 0.92 / 0.79`: the conversion in the two rates a person can check
        against the Exchange rates sheet (a rate of 1, the base's, is left out)."""
        a, b = self.rate(source, day, project), self.rate(target, day, project)
        if a is None or b is None:
            return f"{source} → {target}: no exchange rate"
        shown = (
            exact_text(b)
            if a == 1
            else f"1 / {exact_text(a)}"
            if b == 1
            else (f"{exact_text(b)} / {exact_text(a)}")
        )
        return f"{source} → {target} × {shown}"

    def edges(self, source: str, target: str, project: Project | None = None) -> list[date]:
        """The days on which fx(source → target) on `project` may change: where a dated
        rate of either begins or ends."""
        found: set[date] = set()
        for currency in (source, target):
            if currency == self.base:
                continue
            if project is not None and currency == project.currency and project.exchange_rate:
                continue
            timeline = self.timelines.get(currency)
            if timeline is not None:
                found.update(timeline.boundaries)
        return sorted(found)

    def pieces(
        self, source: str, target: str, first: date, last: date, project: Project | None = None
    ) -> list[tuple[date, date, Fraction | None]]:
        """The runs of days from `first` to `last` with one factor fx(source → target)."""
        starts = [first, *(e for e in self.edges(source, target, project) if first < e <= last)]
        ends = [s - timedelta(days=1) for s in starts[1:]] + [last]
        return [
            (start, end, self.factor(source, target, start, project))
            for start, end in zip(starts, ends, strict=True)
        ]


def factor_text(factor: Fraction) -> str:
    """An exchange factor as a person checks it: exact when it is a short decimal
    (`0.92`), else to 10 decimals with an ellipsis (`1.1645569620…`)."""
    exact = round_money(factor, 10)
    if exact == factor:
        return exact_text(exact)
    return f"{exact}…"
