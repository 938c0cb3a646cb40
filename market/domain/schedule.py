"""Repayment schedules in exact fen, days past due and the five-tier classification.

Interest accrues monthly at the annual rate / 12 on the outstanding principal, rounded half
up to the fen each month; the last instalment takes whatever principal is left, so the
principal parts always add up to the loan exactly.
"""

from __future__ import annotations

import calendar
import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction


class RepaymentType(enum.StrEnum):
    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_ONLY = "interest_only"  # 先息后本: interest monthly, principal at the end


class Classification(enum.StrEnum):
    """The five-tier loan classification (五级分类); the last three are non-performing."""

    NORMAL = "normal"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"

    @property
    def is_npl(self) -> bool:
        return self in (Classification.SUBSTANDARD, Classification.DOUBTFUL, Classification.LOSS)


DEFAULT_THRESHOLDS = (1, 90, 180, 360)  # days past due for special mention .. loss


@dataclass(frozen=True)
class PlannedInstalment:
    number: int
    due_on: date
    principal: int
    interest: int

    @property
    def total(self) -> int:
        return self.principal + self.interest


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact fraction to the nearest integer, halves up."""
    return int((value * 2 + 1) // 2)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def monthly_rate(rate_bp: int) -> Fraction:
    """The monthly interest rate of an annual rate in basis points."""
    return Fraction(rate_bp, 10000 * 12)


def level_payment(principal: int, rate_bp: int, months: int) -> int:
    """The equal monthly payment (等额本息) in fen, rounded half up."""
    r = monthly_rate(rate_bp)
    if r == 0:
        return round_half_up(Fraction(principal, months))
    growth = (1 + r) ** months
    return round_half_up(principal * r * growth / (growth - 1))


def build_schedule(
    *, principal: int, rate_bp: int, months: int, repayment_type: RepaymentType, start: date
) -> list[PlannedInstalment]:
    """The instalments of a loan disbursed on `start`, one a month."""
    if principal <= 0 or months <= 0 or rate_bp < 0:
        raise ValueError("principal and months must be positive and the rate non-negative")
    r = monthly_rate(rate_bp)
    balance = principal
    payment = level_payment(principal, rate_bp, months)
    base_principal = principal // months
    rows: list[PlannedInstalment] = []
    for n in range(1, months + 1):
        interest = round_half_up(balance * r)
        last = n == months
        if last:
            part = balance
        elif repayment_type is RepaymentType.EQUAL_INSTALMENT:
            part = min(max(payment - interest, 0), balance)
        elif repayment_type is RepaymentType.EQUAL_PRINCIPAL:
            part = base_principal
        else:
            part = 0
        rows.append(PlannedInstalment(n, add_months(start, n), part, interest))
        balance -= part
    return rows


@dataclass(frozen=True)
class ScheduleSummary:
    first_payment: int
    largest_payment: int
    total_interest: int
    total_paid: int


def summarise(rows: Sequence[PlannedInstalment]) -> ScheduleSummary:
    """The figures an SME compares offers by."""
    return ScheduleSummary(
        first_payment=rows[0].total,
        largest_payment=max(r.total for r in rows),
        total_interest=sum(r.interest for r in rows),
        total_paid=sum(r.total for r in rows),
    )


def classify(days_past_due: int, thresholds: Sequence[int] = DEFAULT_THRESHOLDS) -> Classification:
    """The five-tier class of a loan `days_past_due` days late."""
    special, substandard, doubtful, loss = thresholds
    if days_past_due >= loss:
        return Classification.LOSS
    if days_past_due >= doubtful:
        return Classification.DOUBTFUL
    if days_past_due >= substandard:
        return Classification.SUBSTANDARD
    if days_past_due >= special:
        return Classification.SPECIAL_MENTION
    return Classification.NORMAL


def parse_thresholds(text: str) -> tuple[int, int, int, int]:
    """'1/90/180/360' -> (1, 90, 180, 360); four increasing positive whole days."""
    parts = [p.strip() for p in text.replace(",", "/").split("/")]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError as exc:
        raise ValueError("thresholds are four whole numbers of days, e.g. 1/90/180/360") from exc
    if len(values) != 4 or values[0] < 1 or any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError("thresholds are four increasing whole numbers of days, e.g. 1/90/180/360")
    return values[0], values[1], values[2], values[3]
