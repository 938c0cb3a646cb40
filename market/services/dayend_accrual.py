"""The day-end's accrual, set-wise: every live loan with overdue amounts accrues its penalty
interest (罚息) on overdue principal and compound interest (复利) on overdue interest up to the
business date, in one UPDATE whatever the size of the book.

The rule is market.domain.interest's (PBoC 银发〔2003〕251号 art. 3: the contract rate raised by
the loan's markup, 30%-50%, from the day after the due date until repaid; 人民币利率管理规定:
rounded half up to the fen once per accrual): an amount due on day D accrues from
max(D, the loan's last accrual) to the business date, under the loan's day count (actual/360
or 30E/360). Each day-end is one accrual period: the penalty and the compound sums of a loan
are each rounded half up to the fen, and the loan's accrual date moves to the business date,
so the repayment path (market.services.repayment) goes on from there. The arithmetic stays in
exact integers: sum(unpaid x days) x rate_bp x (10,000 + markup_bp) / (10,000 x 10,000 x 360),
split into quotient and remainder so no product passes 64 bits for any loan size.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from market.domain.interest import DAYS_IN_YEAR_BASIS, FULL_BP, DayCount
from market.domain.states import LoanStatus
from market.models.lending import Loan
from market.models.servicing import Instalment
from market.services.dayend_sql import days_since, table

LIVE = (LoanStatus.ACTIVE.value, LoanStatus.IN_CLAIM.value)
DENOMINATOR = FULL_BP * FULL_BP * DAYS_IN_YEAR_BASIS  # bp of the rate x bp of the markup x days


def _greatest(dialect: str, a: Any, b: Any) -> Any:
    """The later of two dates (SQLite's two-argument max() is its scalar greatest)."""
    if dialect == "postgresql":
        return sa.func.greatest(a, b)
    return sa.func.max(a, b)


def _thirty_360(start: Any, today: date) -> Any:
    """Days from `start` to `today` by 30E/360 (ISDA 2006 §4.16(g)): day 31 counts as 30."""
    year, month, day = (
        sa.cast(sa.extract(part, start), sa.Integer()) for part in ("year", "month", "day")
    )
    first_day = sa.case((day > 30, 30), else_=day)
    return (
        360 * (today.year - year) + 30 * (today.month - month) + min(today.day, 30) - first_day
    )


def _days(dialect: str, start: Any, today: date, day_count: Any) -> Any:
    """Days from `start` (excluded) to `today` (included) by the loan's convention; 0 if none."""
    counted = sa.case(
        (day_count == DayCount.THIRTY_360.value, _thirty_360(start, today)),
        else_=days_since(dialect, today, start),
    )
    return sa.case((start < sa.literal(today), counted), else_=0)


def _rounded(weighted: Any, rate_bp: Any, markup_bp: Any) -> Any:
    """round_half_up(weighted x rate_bp x (FULL_BP + markup_bp) / DENOMINATOR) in integers:
    with t = weighted x rate_bp = q x DENOMINATOR + r, it is q x m + (2 r m + D) // 2D."""
    t = weighted * rate_bp
    m = FULL_BP + markup_bp
    q, r = t // DENOMINATOR, t % DENOMINATOR
    return q * m + (2 * r * m + DENOMINATOR) // (2 * DENOMINATOR)


def accrue_overdue_set(session: Session, *, today: date) -> int:
    """Accrue penalty and compound interest of every live loan with overdue amounts up to
    `today` (one UPDATE); returns how many loans accrued."""
    loan = table(Loan)
    inst = table(Instalment)
    dialect = session.get_bind().dialect.name
    since = sa.func.coalesce(loan.c.penalty_accrued_to, loan.c.disbursed_on)
    start = _greatest(dialect, inst.c.due_on, since)
    days = _days(dialect, start, today, loan.c.day_count)
    unpaid_p = inst.c.principal_due - inst.c.principal_paid
    unpaid_i = inst.c.interest_due - inst.c.interest_paid
    owed = (
        sa.select(
            loan.c.id.label("loan_id"),
            # PostgreSQL sums bigint to numeric: back to bigint for integer division.
            sa.cast(sa.func.sum(unpaid_p * days), sa.BigInteger()).label("principal_days"),
            sa.cast(sa.func.sum(unpaid_i * days), sa.BigInteger()).label("interest_days"),
        )
        .select_from(loan.join(inst, inst.c.loan_id == loan.c.id))
        .where(
            loan.c.status.in_(LIVE),
            loan.c.disbursed_on.is_not(None),
            since < sa.literal(today),
            inst.c.due_on < sa.literal(today),
            sa.or_(
                inst.c.principal_paid < inst.c.principal_due,
                inst.c.interest_paid < inst.c.interest_due,
            ),
        )
        .group_by(loan.c.id)
        .subquery("owed")
    )
    result = session.execute(
        sa.update(loan)
        .where(loan.c.id == owed.c.loan_id)
        .values(
            penalty_accrued=loan.c.penalty_accrued
            + _rounded(owed.c.principal_days, loan.c.rate_bp, loan.c.penalty_markup_bp),
            compound_accrued=loan.c.compound_accrued
            + _rounded(owed.c.interest_days, loan.c.rate_bp, loan.c.penalty_markup_bp),
            penalty_accrued_to=sa.literal(today, sa.Date()),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
