"""Integer-fen money helpers (1 CNY = 100 fen)."""

from __future__ import annotations

import numbers
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def require_fen(value: object, name: str) -> int:
    """Return `value` as int fen, rejecting floats, bools and other non-integers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer number of fen, got {type(value).__name__}")
    return int(value)


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact fraction to the nearest integer, halves up."""
    return int((value * 2 + 1) // 2)


def fraction_of(value: int | Decimal | Fraction) -> Fraction:
    """Exact Fraction of an int, Decimal or Fraction (floats are refused)."""
    if isinstance(value, float):
        raise TypeError("use int, Decimal or Fraction, not float, for exact money arithmetic")
    return Fraction(value)


def format_cny(fen: int) -> str:
    """Format fen as a CNY amount, e.g. 123456789 -> '1,234,567.89 CNY'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d} CNY"


def format_cny_float(fen: float) -> str:
    """Format a (possibly fractional, e.g. a mean) fen amount as CNY with two decimals."""
    q = Decimal(repr(float(fen))) / 100
    return f"{q.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,} CNY"
