"""The annual percentage rate of a loan: the internal rate of return of its cash flows.

The PBoC's announcement [2021] No. 3 (中国人民银行公告〔2021〕第3号) requires lenders to show the
annualised rate of all the borrower's costs against the principal actually used; with monthly
instalments that is the monthly internal rate of return times 12 (the IRR method).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext


def _present_value(rate: Decimal, payments: Sequence[int]) -> Decimal:
    """What monthly `payments` (the first a month out) are worth today at `rate` a month."""
    total = Decimal(0)
    factor = Decimal(1)
    step = 1 / (1 + rate)
    for amount in payments:
        factor *= step
        total += amount * factor
    return total


def annual_percentage_rate(received: int, payments: Sequence[int]) -> Decimal | None:
    """The APR in percent (two decimals) of receiving `received` fen today and paying monthly
    `payments` (fen, one a month, the first a month from today); None if it has no IRR."""
    if received <= 0 or not payments or sum(payments) < received:
        return None
    with localcontext() as ctx:
        ctx.prec = 34
        low, high = Decimal(0), Decimal(1)  # a month: 0 % to 100 %
        if _present_value(high, payments) > received:
            return None
        for _ in range(120):  # bisection: the present value falls as the rate rises
            mid = (low + high) / 2
            if _present_value(mid, payments) > received:
                low = mid
            else:
                high = mid
        monthly = (low + high) / 2
        return (monthly * 1200).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
