"""Rounding: half away from zero (Excel's ROUND) to the currency's minor unit.

The one rounding function of xlfin. Amounts are Decimal; planned amounts, which
divide hours over days, are exact fractions until they are rounded here.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction

ZERO = Decimal(0)
MONEY = Context(
    prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
"""The decimal context of every computation on money and hours (`localcontext(MONEY)`):
the contract admits 15 digits before the point and 12 after in a cell, so the largest
product of two cells has 54 digits, and a sum of a million of them 61 — all exact in 100.
Python's default context keeps 28 digits: it loses cents above 10^25 and cannot quantize
above 10^26."""


def round_money(amount: Decimal | Fraction | int, decimals: int) -> Decimal:
    """`amount` rounded half away from zero to `decimals` places, as a Decimal.

    Decimal's ROUND_HALF_UP rounds ties away from zero for negative numbers too,
    which is what Excel's ROUND does. A Fraction is rounded exactly, never through
    a float or a truncated quotient.
    """
    if isinstance(amount, float):
        raise TypeError("money is never a float; convert the cell value first")
    if isinstance(amount, Fraction):
        scaled = abs(amount) * 10**decimals
        whole, remainder = divmod(scaled.numerator, scaled.denominator)
        if 2 * remainder >= scaled.denominator:
            whole += 1
        result = Decimal(whole).scaleb(-decimals)
        return -result if amount < 0 else result
    return Decimal(amount).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


class Rounder:
    """`round_money` at fixed decimals, with a fast path for Decimal amounts."""

    __slots__ = ("decimals", "quantum")

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals
        self.quantum = Decimal(1).scaleb(-decimals)

    def __call__(self, amount: Decimal | Fraction | int) -> Decimal:
        if type(amount) is Decimal:
            return amount.quantize(self.quantum, rounding=ROUND_HALF_UP)
        return round_money(amount, self.decimals)


def as_decimal(value: Fraction, places: int = 6) -> Decimal:
    """A fraction (such as an equal share of hours) shown with at most `places` decimals."""
    return round_money(value, places).normalize()


def money_text(amount: Decimal, decimals: int) -> str:
    """`1234.5` with 2 decimals -> "1234.50"."""
    return f"{amount:.{decimals}f}"


def exact_text(value: Decimal) -> str:
    """A decimal as a person writes it: `450.0` -> "450", `12.50` -> "12.5"; never an
    exponent."""
    text = f"{value.normalize():f}"
    return text if text != "-0" else "0"


def hours_text(hours: Decimal) -> str:
    """`40.00` -> "40", `12.50` -> "12.5"; never an exponent."""
    return exact_text(hours)
