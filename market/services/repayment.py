"""Disbursing a loan (its schedule starts) and recording repayments, allocated to the
instalments due (scheduled, early or full)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session

from market.domain.errors import Conflict, ValidationFailed
from market.domain.kinds import RepaymentKind
from market.domain.messages import N_, msg
from market.domain.money import format_fen
from market.domain.schedule import (
    build_schedule,
    monthly_rate,
    round_half_up,
)
from market.domain.statemachine import require_transition
from market.domain.states import (
    LOAN_TRANSITIONS,
    Enrolment,
    LoanStatus,
)
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import SchemeVersion
from market.models.servicing import Instalment, Repayment
from market.services import audit, pool
from market.services.clock import business_date
from market.services.servicing import (
    get_loan_for,
    instalments,
    move_loan,
    position,
    refresh_classification,
    release_pledges,
    require_lender,
    thresholds,
)


def disburse(session: Session, *, actor: User, loan_id: int) -> Loan:
    """The bank pays the loan out today: the schedule, subsidy and premium are fixed."""
    with transaction(session):
        loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=True)
        require_lender(actor, loan)
        if loan.status is not LoanStatus.AWAITING_DISBURSEMENT:
            # IN_CLAIM -> ACTIVE is a legal transition too (a rejected claim), not a payout.
            raise Conflict(N_("Only a loan awaiting disbursement can be paid out."))
        require_transition(LOAN_TRANSITIONS, loan.status, LoanStatus.ACTIVE, what=N_("loan"))
        assert loan.id is not None
        today = business_date(session)
        plan = build_schedule(
            principal=loan.principal,
            rate_bp=loan.rate_bp,
            months=loan.term_months,
            repayment_type=loan.repayment_type,
            start=today,
        )
        for row in plan:
            session.add(
                Instalment(
                    loan_id=loan.id,
                    number=row.number,
                    due_on=row.due_on,
                    principal_due=row.principal,
                    interest_due=row.interest,
                )
            )
        before = audit.snapshot(loan)
        years = Fraction(loan.term_months, 12)
        span = Decimal(years.numerator) / Decimal(years.denominator)
        if loan.scheme_version_id is not None:
            version = session.get(SchemeVersion, loan.scheme_version_id)
            assert version is not None
            scheme = pool.scheme_of(version)
            if loan.enrolment is Enrolment.ENROLLED:
                loan.interest_subsidy = scheme.interest_subsidy(
                    sum(r.interest for r in plan), years=span
                )
            if loan.insured:
                loan.insurance_premium = scheme.insurance_premium(loan.principal, years)
        loan.status = LoanStatus.ACTIVE
        loan.disbursed_on = today
        loan.maturity_on = plan[-1].due_on
        session.add(loan)
        audit.record(
            session,
            actor=actor,
            action="loan.disburse",
            obj=loan,
            before=before,
            after=audit.snapshot(loan),
            organisation_id=loan.bank_id,
        )
    return loan


def record_repayment(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    amount: int,
    kind: RepaymentKind,
    reference: str = "",
) -> Repayment:
    """The bank records money the borrower paid today.

    scheduled: pays what is due, oldest first (interest before principal), and may run
    ahead into later instalments; early: pays what is due, then the rest reduces principal
    from the last instalment backwards and later interest is recomputed; full: must equal the
    payoff amount and closes the loan (future interest is not charged).
    """
    with transaction(session):
        loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=True)
        require_lender(actor, loan)
        if loan.status is not LoanStatus.ACTIVE:
            raise Conflict(N_("Repayments are recorded only on an active loan."))
        assert loan.id is not None
        today = business_date(session)
        rows = instalments(session, loan.id)
        where = position(rows, today, thresholds(session))
        if amount <= 0:
            raise ValidationFailed(
                N_("Enter the amount received."), errors={"amount": N_("Enter a positive amount.")}
            )
        total_left = sum(r.outstanding for r in rows)
        if kind is RepaymentKind.FULL and amount != where.payoff:
            raise ValidationFailed(
                msg("Paying off today takes exactly %(amount)s.", amount=format_fen(where.payoff)),
                errors={"amount": msg("Exactly %(amount)s.", amount=format_fen(where.payoff))},
            )
        if kind is RepaymentKind.EARLY and amount <= where.due_now:
            raise ValidationFailed(
                msg(
                    "An early repayment must be more than the %(amount)s due now.",
                    amount=format_fen(where.due_now),
                ),
                errors={"amount": N_("More than what is due now.")},
            )
        if kind is RepaymentKind.EARLY and amount >= where.payoff:
            raise ValidationFailed(
                N_("That pays the loan off: record it as a full repayment."),
                errors={"amount": N_("Use a full repayment.")},
            )
        if kind is RepaymentKind.SCHEDULED and amount > total_left:
            raise ValidationFailed(
                msg(
                    "Only %(amount)s is left to pay on the schedule.", amount=format_fen(total_left)
                ),
                errors={"amount": N_("More than what is left on the loan.")},
            )
        before_rows = {r.id: (r.principal_paid, r.interest_paid, r.interest_due) for r in rows}
        principal_paid, interest_paid = _allocate(rows, amount, kind, today, loan.rate_bp)
        for r in rows:
            session.add(r)
        changed = [
            {
                "number": r.number,
                "principal_paid": r.principal_paid,
                "interest_paid": r.interest_paid,
                "interest_due": r.interest_due,
            }
            for r in rows
            if before_rows[r.id] != (r.principal_paid, r.interest_paid, r.interest_due)
        ]
        payment = Repayment(
            loan_id=loan.id,
            paid_on=today,
            kind=kind,
            amount=amount,
            principal=principal_paid,
            interest=interest_paid,
            recorded_by_id=actor.id or 0,
            reference=reference.strip()[:100],
        )
        session.add(payment)
        audit.record(
            session,
            actor=actor,
            action="loan.repayment",
            obj=payment,
            after={**audit.snapshot(payment), "instalments": changed},
            organisation_id=loan.bank_id,
        )
        if all(r.outstanding == 0 for r in rows):
            move_loan(session, actor=actor, loan=loan, target=LoanStatus.REPAID)
            loan.closed_on = today
            release_pledges(session, actor=actor, loan=loan, reason=N_("loan repaid"))
        refresh_classification(session, actor=actor, loan=loan, rows=rows, today=today)
    return payment


def _allocate(
    rows: list[Instalment], amount: int, kind: RepaymentKind, today: date, rate_bp: int
) -> tuple[int, int]:
    """Apply `amount` to the schedule in place; returns (principal, interest) paid."""
    left = amount
    paid_p = paid_i = 0
    if kind is RepaymentKind.FULL:
        for r in rows:
            if r.due_on > today:
                r.interest_due = r.interest_paid  # interest not yet due is not charged
        for r in rows:
            i = r.interest_due - r.interest_paid
            p = r.principal_due - r.principal_paid
            r.interest_paid += i
            r.principal_paid += p
            paid_i += i
            paid_p += p
        return paid_p, paid_i
    cutoff = today if kind is RepaymentKind.EARLY else date.max
    for r in rows:
        if left == 0 or r.due_on > cutoff:
            break
        i = min(left, r.interest_due - r.interest_paid)
        r.interest_paid += i
        left -= i
        p = min(left, r.principal_due - r.principal_paid)
        r.principal_paid += p
        left -= p
        paid_i += i
        paid_p += p
    if kind is RepaymentKind.EARLY and left > 0:
        # The prepayment shortens the loan: principal comes off the last instalments first.
        for r in reversed(rows):
            if left == 0:
                break
            if r.due_on <= today:
                continue
            p = min(left, r.principal_due - r.principal_paid)
            r.principal_paid += p
            left -= p
            paid_p += p
        # Interest on later instalments follows the lower balance.
        r_month = monthly_rate(rate_bp)
        balance = sum(r.principal_due - r.principal_paid for r in rows if r.due_on > today)
        for r in rows:
            if r.due_on <= today:
                continue
            r.interest_due = max(r.interest_paid, round_half_up(balance * r_month))
            balance -= r.principal_due - r.principal_paid
    assert left == 0
    return paid_p, paid_i
