"""Repayment schedules in exact fen, days past due and the five-tier classification.

Interest of each period accrues by the day on the outstanding principal under the loan's
day-count convention (market.domain.interest: actual/360 by default, 30E/360 available),
rounded half up to the fen per period; the equal instalment (等额本息) comes from the nominal
monthly rate (annual / 12). The last instalment takes whatever principal is left, so the
principal parts always add up to the loan exactly.
"""

from __future__ import annotations

import calendar
import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from market.domain.interest import DayCount, period_interest, round_half_up


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


# The five-tier rule of 商业银行金融资产风险分类办法 (NFRA + PBoC order 2023 No. 1, in force
# 2023-07-01), art. 11-13: overdue MORE THAN 90 days is at least substandard, more than 270 days
# at least doubtful, more than 360 days loss; any overdue principal or interest is at least
# special mention, except a short delay for operational or technical reasons of at most 7 days.
# The thresholds read "more than N days": (technical grace, substandard, doubtful, loss).
# Default grace 0: the rule's exception needs a known technical cause, which the site does not
# record, so any overdue day counts; an administrator may allow up to 7.
DEFAULT_THRESHOLDS = (0, 90, 270, 360)
RULE_CEILINGS = (7, 90, 270, 360)  # a bank may classify earlier than the rule, never later
CLASSIFICATION_SOURCE = (
    "商业银行金融资产风险分类办法 (NFRA + PBoC order 2023 No. 1, in force 2023-07-01), art. 11-13"
)


@dataclass(frozen=True)
class PlannedInstalment:
    number: int
    due_on: date
    principal: int
    interest: int

    @property
    def total(self) -> int:
        return self.principal + self.interest


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
    *,
    principal: int,
    rate_bp: int,
    months: int,
    repayment_type: RepaymentType,
    start: date,
    day_count: DayCount = DayCount.ACTUAL_360,
) -> list[PlannedInstalment]:
    """The instalments of a loan disbursed on `start`, one a month."""
    if principal <= 0 or months <= 0 or rate_bp < 0:
        raise ValueError("principal and months must be positive and the rate non-negative")
    dates = [add_months(start, n) for n in range(1, months + 1)]
    return amortise(
        balance=principal,
        rate_bp=rate_bp,
        start=start,
        due_dates=dates,
        repayment_type=repayment_type,
        day_count=day_count,
    )


def amortise(
    *,
    balance: int,
    rate_bp: int,
    start: date,
    due_dates: Sequence[date],
    repayment_type: RepaymentType,
    day_count: DayCount,
    payment: int | None = None,
    principal_part: int | None = None,
) -> list[PlannedInstalment]:
    """Repay `balance` over `due_dates`, the first period running from `start`.

    Keep the term (default): the instalment is recomputed for the dates given. Keep the
    instalment: pass the old `payment` (equal instalments) or `principal_part` (equal
    principal); the rows stop as soon as the balance is repaid (a shorter term).
    """
    count = len(due_dates)
    if balance <= 0 or count == 0:
        return []
    level = payment if payment is not None else level_payment(balance, rate_bp, count)
    base = principal_part if principal_part is not None else balance // count
    rows: list[PlannedInstalment] = []
    previous = start
    for n, due in enumerate(due_dates, start=1):
        interest = period_interest(balance, rate_bp, previous, due, day_count)
        if n == count:
            part = balance
        elif repayment_type is RepaymentType.EQUAL_INSTALMENT:
            part = min(max(level - interest, 0), balance)
        elif repayment_type is RepaymentType.EQUAL_PRINCIPAL:
            part = min(base, balance)
        else:
            part = 0
        rows.append(PlannedInstalment(n, due, part, interest))
        balance -= part
        previous = due
        if balance == 0:
            break
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


def classify(
    days_past_due: int, thresholds: Sequence[int] = DEFAULT_THRESHOLDS
) -> Classification:
    """The five-tier class of a loan `days_past_due` days late (the 2023 rule, see above).

    thresholds = (grace, substandard, doubtful, loss), each read as "MORE than N days":
    loss if dpd > loss; doubtful if dpd > doubtful; substandard if dpd > substandard; special
    mention if dpd > grace; normal otherwise. With the defaults (0, 90, 270, 360): 1-90 days
    special mention, 91-270 substandard, 271-360 doubtful, 361 and more loss.
    """
    grace, substandard, doubtful, loss = thresholds
    if days_past_due > loss:
        return Classification.LOSS
    if days_past_due > doubtful:
        return Classification.DOUBTFUL
    if days_past_due > substandard:
        return Classification.SUBSTANDARD
    if days_past_due > grace:
        return Classification.SPECIAL_MENTION
    return Classification.NORMAL


def first_npl_day(oldest_due_on: date, thresholds: Sequence[int] = DEFAULT_THRESHOLDS) -> date:
    """The first day a loan whose oldest unpaid amount fell due on `oldest_due_on` is
    non-performing: more than `substandard` days past due."""
    return oldest_due_on + timedelta(days=thresholds[1] + 1)


THRESHOLDS_HELP = "four increasing whole numbers of days, e.g. 0/90/270/360"


def parse_thresholds(text: str) -> tuple[int, int, int, int]:
    """'0/90/270/360' -> (0, 90, 270, 360): grace 0-7 days, then increasing days no later
    than the rule's 90/270/360."""
    parts = [p.strip() for p in text.replace(",", "/").split("/")]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError as exc:
        raise ValueError(f"thresholds are {THRESHOLDS_HELP}") from exc
    if len(values) != 4 or values[0] < 0 or any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"thresholds are {THRESHOLDS_HELP}")
    if any(v > ceiling for v, ceiling in zip(values, RULE_CEILINGS, strict=True)):
        raise ValueError("thresholds may not be later than 7/90/270/360 days (the 2023 rule)")
    return values[0], values[1], values[2], values[3]
