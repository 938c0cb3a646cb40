"""Daily interest arithmetic of a loan, in integer fen with exact fractions.

Sources:
- 人民币利率管理规定 (PBoC 1999): interest is computed to the fen; amounts below a fen are
  rounded half up. Every helper here accrues exactly (Fraction) and rounds half up to the fen
  once per accrual period (one schedule period, one prepayment, one penalty accrual).
- Corporate loans accrue daily at annual rate / 360 on the actual days outstanding
  (actual/360, the default); 30E/360 (ISDA 2006 §4.16(g): each month counts 30 days, day 31
  counts as day 30) is available as a loan attribute.
- 罚息 and 复利 (PBoC 银发〔2003〕251号 art. 3): overdue principal pays the contract rate plus
  30%-50% (default +50%) from the day after the due date until repaid; interest not paid on time
  pays compound interest at that same penalty rate.
- Allocation of a payment (民法典 art. 561, unless the contract says otherwise): costs of
  enforcing the debt first, then interest (penalty and compound interest before contract
  interest), then principal.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

DAYS_IN_YEAR_BASIS = 360
FULL_BP = 10_000
PENALTY_MARKUP_DEFAULT_BP = 5_000  # +50% of the contract rate (银发〔2003〕251号: 30%-50%)
PENALTY_MARKUP_MIN_BP = 3_000
PENALTY_MARKUP_MAX_BP = 5_000
PENALTY_SOURCE = "中国人民银行 银发〔2003〕251号 (关于人民币贷款利率有关问题的通知), art. 3"
ALLOCATION_ORDER = ("costs", "penalty", "interest", "principal")
ALLOCATION_SOURCE = "民法典 (Civil Code of the PRC) art. 561"


class DayCount(enum.StrEnum):
    """How the days of an accrual period are counted; the year is always 360 days."""

    ACTUAL_360 = "actual_360"
    THIRTY_360 = "thirty_360"  # 30E/360


class PrepayMode(enum.StrEnum):
    """What an early part-prepayment changes: the instalments or the number of them."""

    KEEP_TERM = "keep_term"  # same due dates, lower instalments
    KEEP_INSTALMENT = "keep_instalment"  # same instalment, fewer due dates


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact fraction to the nearest integer, halves up."""
    return int((value * 2 + 1) // 2)


def days_between(start: date, end: date, convention: DayCount) -> int:
    """Days from `start` (excluded) to `end` (included) by the convention; 0 if end <= start."""
    if end <= start:
        return 0
    if convention is DayCount.ACTUAL_360:
        return (end - start).days
    d1, d2 = min(start.day, 30), min(end.day, 30)
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + d2 - d1


def accrued(
    principal: int, rate_bp: int | Fraction, start: date, end: date, convention: DayCount
) -> Fraction:
    """Exact interest on `principal` fen at an annual rate (basis points) from start to end."""
    days = days_between(start, end, convention)
    return Fraction(principal) * Fraction(rate_bp) * days / (FULL_BP * DAYS_IN_YEAR_BASIS)


def period_interest(
    principal: int, rate_bp: int | Fraction, start: date, end: date, convention: DayCount
) -> int:
    """The interest of one accrual period in fen, rounded half up."""
    return round_half_up(accrued(principal, rate_bp, start, end, convention))


def penalty_rate_bp(rate_bp: int, markup_bp: int = PENALTY_MARKUP_DEFAULT_BP) -> Fraction:
    """The penalty rate: the contract rate raised by `markup_bp` of itself (+50% by default)."""
    if not PENALTY_MARKUP_MIN_BP <= markup_bp <= PENALTY_MARKUP_MAX_BP:
        raise ValueError("the penalty markup is 30%-50% of the contract rate (银发〔2003〕251号)")
    return Fraction(rate_bp) * (FULL_BP + markup_bp) / FULL_BP


@dataclass(frozen=True)
class OverdueLine:
    """One instalment's unpaid principal and interest and the day they fell due."""

    due_on: date
    principal: int
    interest: int


@dataclass(frozen=True)
class PenaltyAccrual:
    penalty: int  # 罚息 on overdue principal, fen
    compound: int  # 复利 on overdue interest, fen

    @property
    def total(self) -> int:
        return self.penalty + self.compound


def accrue_penalty(
    lines: Sequence[OverdueLine],
    *,
    since: date,
    until: date,
    rate_bp: int,
    markup_bp: int,
    convention: DayCount,
) -> PenaltyAccrual:
    """Penalty and compound interest accrued from `since` to `until` on the unpaid amounts.

    An amount due on day D is overdue from D + 1, so it accrues for the days after
    max(D, since) up to `until`. The amounts must not have changed in between (the caller
    accrues at every repayment). Each of the two sums is rounded half up to the fen.
    """
    rate = penalty_rate_bp(rate_bp, markup_bp)
    penalty = compound = Fraction(0)
    for line in lines:
        start = max(line.due_on, since)
        penalty += accrued(line.principal, rate, start, until, convention)
        compound += accrued(line.interest, rate, start, until, convention)
    return PenaltyAccrual(round_half_up(penalty), round_half_up(compound))


@dataclass(frozen=True)
class Allocation:
    """How one payment is applied: penalty, then interest and principal of each item."""

    penalty: int
    interest: tuple[int, ...]
    principal: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.penalty + sum(self.interest) + sum(self.principal)


def allocate(
    amount: int, *, penalty: int, interest: Sequence[int], principal: Sequence[int]
) -> Allocation:
    """Apply `amount` in the order costs (none recorded), penalty, interest (oldest first),
    principal (oldest first); `interest` and `principal` are what each instalment still owes."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    left = amount
    paid_penalty = min(left, penalty)
    left -= paid_penalty
    interest_parts = []
    for owed in interest:
        part = min(left, owed)
        interest_parts.append(part)
        left -= part
    principal_parts = []
    for owed in principal:
        part = min(left, owed)
        principal_parts.append(part)
        left -= part
    if left:
        raise ValueError("the amount is more than what is owed")
    return Allocation(paid_penalty, tuple(interest_parts), tuple(principal_parts))


@dataclass(frozen=True)
class AccrualTerms:
    """What daily accrual needs from a loan besides its schedule."""

    start: date  # disbursement day: the first period starts here
    rate_bp: int
    day_count: DayCount
    markup_bp: int
    penalty_outstanding: int  # penalty + compound accrued up to `accrued_to` and not yet paid
    accrued_to: date | None


def overdue_lines(rows: Sequence[tuple[date, int, int]], until: date) -> list[OverdueLine]:
    """The (due_on, unpaid principal, unpaid interest) rows that fell due before `until`."""
    return [OverdueLine(d, p, i) for d, p, i in rows if d < until and (p or i)]


def pending_penalty(
    rows: Sequence[tuple[date, int, int]], terms: AccrualTerms, until: date
) -> PenaltyAccrual:
    """Penalty and compound interest accrued since the last accrual and not yet stored."""
    since = terms.accrued_to or terms.start
    return accrue_penalty(
        overdue_lines(rows, until),
        since=since,
        until=until,
        rate_bp=terms.rate_bp,
        markup_bp=terms.markup_bp,
        convention=terms.day_count,
    )


def split_prepayment(
    total: int, *, rate_bp: int, start: date, day: date, convention: DayCount
) -> tuple[int, int]:
    """Split money prepaid on `day` into (principal, interest accrued on that principal since
    `start`, the beginning of the current period).

    The principal P is the largest with P + round(interest on P) <= total; if rounding skips
    `total`, the odd fen goes to principal (never to interest), so principal + interest = total.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    factor = accrued(1, rate_bp, start, day, convention)

    def cost(p: int) -> int:
        return p + round_half_up(p * factor)

    guess = int(Fraction(total) / (1 + factor))
    while guess > 0 and cost(guess) > total:
        guess -= 1
    while cost(guess + 1) <= total:
        guess += 1
    interest = round_half_up(guess * factor)
    return total - interest, interest


@dataclass(frozen=True)
class Debt:
    """What a borrower owes on a loan in default, after the payments applied to it."""

    principal: int
    interest: int  # contract interest due and unpaid
    penalty: int  # penalty and compound interest owed
    applied: int  # payments applied (penalty first, then interest, then principal)

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.penalty


def debt_in_default(
    start: Debt,
    *,
    since: date,
    until: date,
    payments: Sequence[tuple[date, int]],
    rate_bp: int,
    markup_bp: int,
    convention: DayCount,
) -> Debt:
    """The debt on `until` of a loan whose whole principal and interest are overdue since
    `since` (the claim decision): penalty interest on the principal and compound interest on
    the unpaid interest at the penalty rate, accrued by the day between payments; each payment
    (day, amount) is applied penalty, interest, principal (ALLOCATION_SOURCE), so later days
    accrue on what is left. A payment above the debt pays it off (the rest is not debt)."""
    principal, interest, penalty, applied = start.principal, start.interest, start.penalty, 0
    day = since
    for paid_on, amount in sorted(payments):
        upto = min(max(paid_on, day), until)
        penalty += _accrue_overdue(principal, interest, day, upto, rate_bp, markup_bp, convention)
        day = upto
        part = allocate(min(amount, principal + interest + penalty), penalty=penalty,
                        interest=[interest], principal=[principal])
        penalty, interest = penalty - part.penalty, interest - part.interest[0]
        principal -= part.principal[0]
        applied += part.total
    penalty += _accrue_overdue(principal, interest, day, until, rate_bp, markup_bp, convention)
    return Debt(principal, interest, penalty, start.applied + applied)


def _accrue_overdue(
    principal: int, interest: int, since: date, until: date, rate_bp: int, markup_bp: int,
    convention: DayCount,
) -> int:
    line = OverdueLine(since, principal, interest)
    return accrue_penalty(
        [line], since=since, until=until, rate_bp=rate_bp, markup_bp=markup_bp,
        convention=convention,
    ).total
