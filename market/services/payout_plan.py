"""The figures of paying a loan out, planned before anything is written: the schedule (by
the day-count convention), the penalty markup and the insurance premium. The preview shows
this plan; the disbursement (market.services.repayment.disburse) writes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlmodel import Session

from market.domain.errors import Conflict, ValidationFailed
from market.domain.interest import PENALTY_MARKUP_MAX_BP, PENALTY_MARKUP_MIN_BP, DayCount
from market.domain.messages import N_
from market.domain.schedule import PlannedInstalment, build_schedule
from market.domain.statemachine import require_transition
from market.domain.states import LOAN_TRANSITIONS, LoanStatus
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import SchemeVersion
from market.services import pool, previews
from market.services.clock import business_date
from market.services.servicing import get_loan_for, require_lender


@dataclass(frozen=True)
class PayoutPlan:
    """What paying the loan out today fixes."""

    loan_id: int
    borrower_id: int
    principal: int
    day: date
    day_count: DayCount
    penalty_markup_bp: int
    premium: int | None  # the guarantee-insurance premium, for an insured enrolled loan
    schedule: tuple[PlannedInstalment, ...]

    @property
    def first(self) -> PlannedInstalment:
        """The first instalment."""
        return self.schedule[0]

    @property
    def maturity(self) -> date:
        """The last instalment's due date."""
        return self.schedule[-1].due_on

    @property
    def total_interest(self) -> int:
        """The interest of the whole schedule."""
        return sum(row.interest for row in self.schedule)

    @property
    def digest(self) -> str:
        """The fingerprint of the figures the bank confirms."""
        return previews.digest(
            {
                "action": "loan.disburse",
                "loan": self.loan_id,
                "principal": self.principal,
                "day": self.day,
                "day_count": self.day_count.value,
                "penalty": self.penalty_markup_bp,
                "premium": self.premium,
                "schedule": [(r.due_on, r.principal, r.interest) for r in self.schedule],
            }
        )


def plan_payout(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    day_count: DayCount,
    penalty_markup_bp: int,
    lock: bool = False,
) -> tuple[Loan, PayoutPlan]:
    """Check the payout is allowed and plan it (nothing is written); the loan is locked when
    `lock` (the disbursement's own call)."""
    if not PENALTY_MARKUP_MIN_BP <= penalty_markup_bp <= PENALTY_MARKUP_MAX_BP:
        raise ValidationFailed(
            N_("The penalty markup must be between 30% and 50% (a share of the contract rate)."),
            errors={"penalty_markup": N_("Between 30% and 50%.")},
        )
    loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=lock)
    require_lender(actor, loan)
    if loan.status is not LoanStatus.AWAITING_DISBURSEMENT:
        # IN_CLAIM -> ACTIVE is a legal transition too (a rejected claim), not a payout.
        raise Conflict(N_("Only a loan awaiting disbursement can be paid out."))
    require_transition(LOAN_TRANSITIONS, loan.status, LoanStatus.ACTIVE, what=N_("loan"))
    assert loan.id is not None
    today = business_date(session)
    schedule = build_schedule(
        principal=loan.principal,
        rate_bp=loan.rate_bp,
        months=loan.term_months,
        repayment_type=loan.repayment_type,
        start=today,
        day_count=day_count,
    )
    premium = None
    if loan.scheme_version_id is not None and loan.insured:
        version = session.get(SchemeVersion, loan.scheme_version_id)
        assert version is not None
        premium = pool.scheme_of(version).insurance_premium(
            loan.principal, Fraction(loan.term_months, 12)
        )
    return loan, PayoutPlan(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        principal=loan.principal,
        day=today,
        day_count=day_count,
        penalty_markup_bp=penalty_markup_bp,
        premium=premium,
        schedule=tuple(schedule),
    )
