"""Disbursing a loan (its schedule starts) and recording repayments: what is due is paid in
the order costs, penalty, interest, principal (market.domain.interest.ALLOCATION_ORDER); an
early repayment then prepays principal with the interest accrued on it; a full repayment pays
interest accrued to the day."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from market.domain.errors import Conflict, ValidationFailed
from market.domain.interest import (
    PENALTY_MARKUP_DEFAULT_BP,
    DayCount,
    PrepayMode,
    allocate,
    pending_penalty,
    period_interest,
    split_prepayment,
)
from market.domain.kinds import RepaymentKind
from market.domain.messages import N_, msg
from market.domain.money import format_fen
from market.domain.schedule import RepaymentType, amortise
from market.domain.states import LoanStatus
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.servicing import Instalment, Repayment
from market.services import audit, previews, subsidies
from market.services.clock import business_date
from market.services.payout_plan import plan_payout
from market.services.servicing import (
    Position,
    current_period,
    get_loan_for,
    instalments,
    move_loan,
    position,
    refresh_classification,
    release_pledges,
    require_lender,
    terms_of,
    thresholds,
    unpaid_lines,
)


def disburse(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    day_count: DayCount = DayCount.ACTUAL_360,
    penalty_markup_bp: int = PENALTY_MARKUP_DEFAULT_BP,
    expected: str | None = None,
) -> Loan:
    """The bank pays the loan out today: the schedule (by the day-count convention), the
    penalty markup and the insurance premium are fixed (market.services.payout_plan). The
    interest subsidy is earned later, on interest actually paid (market.services.subsidies).
    `expected` is the digest of the previewed payout: refused (StalePreview) if it differs."""
    with transaction(session):
        loan, plan = plan_payout(
            session,
            actor=actor,
            loan_id=loan_id,
            day_count=day_count,
            penalty_markup_bp=penalty_markup_bp,
            lock=True,
        )
        previews.require_digest(expected, plan.digest)
        assert loan.id is not None
        today = plan.day
        for row in plan.schedule:
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
        if plan.premium is not None:
            loan.insurance_premium = plan.premium
        loan.day_count = day_count
        loan.penalty_markup_bp = penalty_markup_bp
        loan.penalty_accrued_to = today
        loan.status = LoanStatus.ACTIVE
        loan.disbursed_on = today
        loan.outstanding_principal = loan.principal
        loan.maturity_on = plan.maturity
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
    prepay_mode: PrepayMode = PrepayMode.KEEP_TERM,
) -> Repayment:
    """The bank records money the borrower paid today.

    scheduled: at most what is due now, applied costs, penalty, interest, principal (oldest
    first); early: pays what is due now, and the rest prepays principal with the interest
    accrued on it since the current period began (keep the term: lower instalments; keep the
    instalment: fewer of them); full: exactly the payoff (interest accrued to today, nothing
    after) and closes the loan.
    """
    with transaction(session):
        loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=True)
        require_lender(actor, loan)
        if loan.status is not LoanStatus.ACTIVE:
            raise Conflict(N_("Repayments are recorded only on an active loan."))
        assert loan.id is not None and loan.disbursed_on is not None
        today = business_date(session)
        rows = instalments(session, loan.id)
        terms = terms_of(loan)
        where = position(rows, today, thresholds(session), terms)
        _check_amount(amount, kind, where, loan, prepay_mode)
        # Penalty and compound interest accrue up to today before the money is applied.
        assert terms is not None
        fresh = pending_penalty(unpaid_lines(rows), terms, today)
        loan.penalty_accrued += fresh.penalty
        loan.compound_accrued += fresh.compound
        loan.penalty_accrued_to = today
        before_rows = {r.id: (r.principal_paid, r.interest_paid, r.interest_due) for r in rows}
        due = [r for r in rows if r.due_on <= today]
        owed_penalty = loan.penalty_accrued + loan.compound_accrued - loan.penalty_paid
        pay_due = min(amount, where.due_now)
        split = allocate(
            pay_due,
            penalty=owed_penalty,
            interest=[r.interest_due - r.interest_paid for r in due],
            principal=[r.principal_due - r.principal_paid for r in due],
        )
        for r, i, p in zip(due, split.interest, split.principal, strict=True):
            r.interest_paid += i
            r.principal_paid += p
        loan.penalty_paid += split.penalty
        paid_p, paid_i = sum(split.principal), sum(split.interest)
        if kind is RepaymentKind.FULL:
            p, i = _pay_off(rows, today, loan)
            paid_p, paid_i = paid_p + p, paid_i + i
        dropped: list[Instalment] = []
        if kind is RepaymentKind.EARLY:
            p, i, dropped = _prepay(rows, today, loan, amount - pay_due, prepay_mode)
            paid_p, paid_i = paid_p + p, paid_i + i
        assert split.penalty + paid_p + paid_i == amount
        for r in dropped:
            session.delete(r)  # a due date that keeping the instalment made unnecessary
        rows = [r for r in rows if r not in dropped]
        for r in rows:
            session.add(r)
        loan.maturity_on = rows[-1].due_on
        loan.outstanding_principal -= paid_p
        changed = [
            {
                "number": r.number,
                "principal_paid": r.principal_paid,
                "interest_paid": r.interest_paid,
                "interest_due": r.interest_due,
            }
            for r in rows
            if before_rows.get(r.id) != (r.principal_paid, r.interest_paid, r.interest_due)
        ]
        subsidy = subsidies.subsidy_for(session, loan=loan, interest=paid_i, day=today)
        payment = Repayment(
            loan_id=loan.id,
            paid_on=today,
            kind=kind,
            amount=amount,
            principal=paid_p,
            interest=paid_i,
            penalty=split.penalty,
            subsidy=subsidy,
            prepay_mode=prepay_mode if kind is RepaymentKind.EARLY else None,
            recorded_by_id=actor.id or 0,
            reference=reference.strip()[:100],
        )
        session.add(payment)
        session.flush()
        subsidies.post_earned(session, actor=actor, loan=loan, amount=subsidy, day=today)
        audit.record(
            session,
            actor=actor,
            action="loan.repayment",
            obj=payment,
            after={**audit.snapshot(payment), "instalments": changed},
            organisation_id=loan.bank_id,
        )
        session.add(loan)
        if all(r.outstanding == 0 for r in rows) and loan.penalty_paid == (
            loan.penalty_accrued + loan.compound_accrued
        ):
            move_loan(session, actor=actor, loan=loan, target=LoanStatus.REPAID)
            loan.closed_on = today
            release_pledges(session, actor=actor, loan=loan, reason=N_("loan repaid"))
        refresh_classification(session, actor=actor, loan=loan, rows=rows, today=today)
    return payment


def _check_amount(
    amount: int, kind: RepaymentKind, where: Position, loan: Loan, mode: PrepayMode
) -> None:
    """Refuse an amount that does not fit the kind of repayment (nothing is changed)."""
    if amount <= 0:
        raise ValidationFailed(
            N_("Enter the amount received."), errors={"amount": N_("Enter a positive amount.")}
        )
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
    if (
        kind is RepaymentKind.EARLY
        and mode is PrepayMode.KEEP_INSTALMENT
        and loan.repayment_type is RepaymentType.INTEREST_ONLY
    ):
        raise ValidationFailed(
            N_("An interest-only loan repays its principal at the end: it keeps its term."),
            errors={"prepay_mode": N_("Keep the term.")},
        )
    if kind is RepaymentKind.SCHEDULED and amount > where.due_now:
        raise ValidationFailed(
            msg(
                "Only %(amount)s is due now; record more than that as an early repayment "
                "(interest not yet accrued is not charged).",
                amount=format_fen(where.due_now),
            ),
            errors={"amount": N_("More than what is due now.")},
        )


def _pay_off(rows: list[Instalment], today: date, loan: Loan) -> tuple[int, int]:
    """Pay every instalment not yet due: principal, and interest accrued to today only."""
    assert loan.disbursed_on is not None
    current, began = current_period(rows, today, loan.disbursed_on)
    if current is None:
        return 0, 0
    future = [r for r in rows if r.due_on > today]
    balance = sum(r.principal_due - r.principal_paid for r in future)
    accrued = _interest(balance, loan, began, today)
    for r in future:
        r.interest_due = r.interest_paid + (accrued if r is current else 0)
        r.interest_paid = r.interest_due
        r.principal_paid = r.principal_due
    return balance, accrued


def _prepay(
    rows: list[Instalment], today: date, loan: Loan, money: int, mode: PrepayMode
) -> tuple[int, int, list[Instalment]]:
    """Prepay principal from `money` (with the interest accrued on it since the current period
    began) and re-plan the instalments not yet due; returns (principal, interest) paid and the
    due dates no longer needed."""
    assert loan.disbursed_on is not None
    current, began = current_period(rows, today, loan.disbursed_on)
    assert current is not None
    principal, interest = split_prepayment(
        money, rate_bp=loan.rate_bp, start=began, day=today, convention=loan.day_count
    )
    future = [r for r in rows if r.due_on > today]
    balance = sum(r.principal_due - r.principal_paid for r in future)
    if principal >= balance:
        raise ValidationFailed(
            N_("That pays the loan off: record it as a full repayment."),
            errors={"amount": N_("Use a full repayment.")},
        )
    regular_p = current.principal_due - current.principal_paid
    regular_total = regular_p + current.interest_due - current.interest_paid
    keep = mode is PrepayMode.KEEP_INSTALMENT and len(future) > 1
    plan = amortise(
        balance=balance - principal,
        rate_bp=loan.rate_bp,
        start=began,
        due_dates=[r.due_on for r in future],
        repayment_type=loan.repayment_type,
        day_count=loan.day_count,
        payment=regular_total if keep else None,
        principal_part=regular_p if keep else None,
    )
    current.principal_paid += principal
    current.interest_paid += interest
    for r, part in zip(future, plan, strict=False):
        r.principal_due = r.principal_paid + part.principal
        r.interest_due = r.interest_paid + part.interest
    return principal, interest, future[len(plan) :]


def _interest(balance: int, loan: Loan, start: date, end: date) -> int:
    """Interest on `balance` from `start` to `end` under the loan's day count."""
    return period_interest(balance, loan.rate_bp, start, end, loan.day_count)
