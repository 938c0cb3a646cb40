"""Servicing a loan: disbursement and its schedule, repayments, days past due and the
five-tier classification driven by the business date, and releasing pledges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session, col, select

from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import RepaymentKind, Role
from market.domain.messages import N_, msg
from market.domain.money import format_fen
from market.domain.schedule import (
    DEFAULT_THRESHOLDS,
    Classification,
    build_schedule,
    classify,
    monthly_rate,
    parse_thresholds,
    round_half_up,
)
from market.domain.statemachine import require_transition
from market.domain.states import (
    LOAN_TRANSITIONS,
    PLEDGE_TRANSITIONS,
    Enrolment,
    LoanStatus,
    PledgeStatus,
)
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pledges import Pledge
from market.models.pool import SchemeVersion
from market.models.servicing import Instalment, Repayment
from market.models.settings import Setting
from market.services import audit, pool
from market.services.clock import business_date

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})
READ_ALL_ROLES = frozenset({Role.BUREAU, Role.ADMIN})
THRESHOLDS_KEY = "classification_thresholds"


# --- loading ---------------------------------------------------------------------------------


def get_loan_for(session: Session, *, actor: User, loan_id: int, lock: bool = False) -> Loan:
    """Load a loan the actor may see: borrower, lending bank, bureau, admin (404/403)."""
    query = select(Loan).where(Loan.id == loan_id)
    if lock:
        query = query.with_for_update()
    loan = session.exec(query).first()
    if loan is None:
        raise NotFound(N_("No such loan."))
    if actor.role is Role.SME and loan.borrower_id == actor.organisation_id:
        return loan
    if actor.role in BANK_ROLES and loan.bank_id == actor.organisation_id:
        return loan
    if actor.role in READ_ALL_ROLES:
        return loan
    raise PermissionDenied(N_("This loan is not yours to see."))


def require_lender(actor: User, loan: Loan) -> None:
    """Only the lending bank's users service the loan."""
    if actor.role not in BANK_ROLES or actor.organisation_id != loan.bank_id:
        raise PermissionDenied(N_("Only the lending bank can do this."))


def list_loans_for(session: Session, *, actor: User) -> list[Loan]:
    """The loans the actor may see, newest first."""
    query = select(Loan).order_by(col(Loan.id).desc())
    if actor.role is Role.SME:
        query = query.where(Loan.borrower_id == actor.organisation_id)
    elif actor.role in BANK_ROLES:
        query = query.where(Loan.bank_id == actor.organisation_id)
    elif actor.role not in READ_ALL_ROLES:
        return []
    return list(session.exec(query).all())


def instalments(session: Session, loan_id: int) -> list[Instalment]:
    """The loan's schedule in order."""
    query = select(Instalment).where(Instalment.loan_id == loan_id).order_by(col(Instalment.number))
    return list(session.exec(query).all())


def repayments(session: Session, loan_id: int) -> list[Repayment]:
    """Repayments recorded on the loan, oldest first."""
    query = select(Repayment).where(Repayment.loan_id == loan_id).order_by(col(Repayment.id))
    return list(session.exec(query).all())


def pledges(session: Session, loan_id: int) -> list[Pledge]:
    """The loan's pledges."""
    query = select(Pledge).where(Pledge.loan_id == loan_id).order_by(col(Pledge.id))
    return list(session.exec(query).all())


# --- thresholds ------------------------------------------------------------------------------


def thresholds(session: Session) -> tuple[int, int, int, int]:
    """Days past due for special mention, substandard, doubtful and loss."""
    row = session.get(Setting, THRESHOLDS_KEY)
    return parse_thresholds(row.value) if row else DEFAULT_THRESHOLDS


def set_thresholds(session: Session, *, actor: User, text: str) -> tuple[int, int, int, int]:
    """An administrator changes the classification thresholds (e.g. '1/90/180/360')."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(N_("Only an administrator can change the thresholds."))
    with transaction(session):
        try:
            values = parse_thresholds(text)
        except ValueError as exc:
            raise ValidationFailed(
                N_("Four increasing numbers of days, e.g. 1/90/180/360."),
                errors={"thresholds": N_("Four increasing numbers of days, e.g. 1/90/180/360.")},
            ) from exc
        row = session.get(Setting, THRESHOLDS_KEY)
        before = {"thresholds": row.value if row else "/".join(map(str, DEFAULT_THRESHOLDS))}
        text_value = "/".join(map(str, values))
        if row is None:
            row = Setting(key=THRESHOLDS_KEY, value=text_value)
        else:
            row.value = text_value
            row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="settings.thresholds",
            obj=row,
            before=before,
            after={"thresholds": text_value},
        )
        reclassify_all(session, actor=actor, today=business_date(session))
    return values


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    outstanding_principal: int
    overdue: int  # principal + interest due before today and unpaid
    due_now: int  # what the borrower must pay today to be current (overdue + due today)
    next_due_on: date | None
    next_amount: int
    days_past_due: int
    classification: Classification
    npl_since: date | None
    payoff: int  # paying off today: outstanding principal + interest already due


def position(
    rows: list[Instalment], today: date, limits: tuple[int, int, int, int] = DEFAULT_THRESHOLDS
) -> Position:
    """Where a loan stands on `today`, from its schedule."""
    outstanding = sum(r.principal_due - r.principal_paid for r in rows)
    overdue = sum(r.outstanding for r in rows if r.due_on < today)
    due_now = sum(r.outstanding for r in rows if r.due_on <= today)
    oldest = next((r for r in rows if r.outstanding > 0 and r.due_on < today), None)
    upcoming = next((r for r in rows if r.outstanding > 0 and r.due_on >= today), None)
    dpd = (today - oldest.due_on).days if oldest else 0
    klass = classify(dpd, limits)
    npl_since = oldest.due_on + timedelta(days=limits[1]) if oldest and klass.is_npl else None
    unpaid_interest_due = sum(r.interest_due - r.interest_paid for r in rows if r.due_on <= today)
    return Position(
        outstanding_principal=outstanding,
        overdue=overdue,
        due_now=due_now,
        next_due_on=upcoming.due_on if upcoming else None,
        next_amount=upcoming.outstanding if upcoming else 0,
        days_past_due=dpd,
        classification=klass,
        npl_since=npl_since,
        payoff=outstanding + unpaid_interest_due,
    )


def loan_position(session: Session, loan: Loan, today: date | None = None) -> Position:
    """The loan's position on the business date."""
    assert loan.id is not None
    return position(
        instalments(session, loan.id), today or business_date(session), thresholds(session)
    )


# --- disbursement ----------------------------------------------------------------------------


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


# --- repayments ------------------------------------------------------------------------------


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
            _move_loan(session, actor=actor, loan=loan, target=LoanStatus.REPAID)
            loan.closed_on = today
            release_pledges(session, actor=actor, loan=loan, reason=N_("loan repaid"))
        _refresh(session, actor=actor, loan=loan, rows=rows, today=today)
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


def _move_loan(session: Session, *, actor: User | None, loan: Loan, target: LoanStatus) -> None:
    require_transition(LOAN_TRANSITIONS, loan.status, target, what=N_("loan"))
    loan.status = target
    session.add(loan)


def release_pledges(session: Session, *, actor: User | None, loan: Loan, reason: str) -> None:
    """Release every active pledge of the loan (inside the caller's unit of work)."""
    assert loan.id is not None
    for pledge in pledges(session, loan.id):
        if pledge.status is not PledgeStatus.ACTIVE:
            continue
        require_transition(
            PLEDGE_TRANSITIONS, pledge.status, PledgeStatus.RELEASED, what=N_("pledge")
        )
        before = audit.snapshot(pledge)
        pledge.status = PledgeStatus.RELEASED
        pledge.released_on = business_date(session)
        pledge.release_reason = reason
        session.add(pledge)
        audit.record(
            session,
            actor=actor,
            action="pledge.release",
            obj=pledge,
            before=before,
            after=audit.snapshot(pledge),
            organisation_id=loan.bank_id,
        )


# --- classification --------------------------------------------------------------------------


def _refresh(
    session: Session, *, actor: User | None, loan: Loan, rows: list[Instalment], today: date
) -> None:
    """Store the loan's days past due and class; a change of class is audited."""
    if loan.status is LoanStatus.REPAID:
        where_class, dpd, since = Classification.NORMAL, 0, None
    elif loan.status in (LoanStatus.ACTIVE, LoanStatus.IN_CLAIM):
        where = position(rows, today, thresholds(session))
        where_class, dpd, since = where.classification, where.days_past_due, where.npl_since
    else:
        return
    before = audit.snapshot(loan)
    changed = loan.classification is not where_class
    loan.days_past_due = dpd
    loan.classification = where_class
    loan.npl_since = since
    session.add(loan)
    if changed:
        audit.record(
            session,
            actor=actor,
            action="loan.classify",
            obj=loan,
            before=before,
            after=audit.snapshot(loan),
            organisation_id=loan.bank_id,
        )


def reclassify_all(session: Session, *, actor: User | None, today: date) -> int:
    """Recompute days past due and class of every live loan (after the date moves)."""
    query = select(Loan).where(col(Loan.status).in_([LoanStatus.ACTIVE, LoanStatus.IN_CLAIM]))
    count = 0
    for loan in session.exec(query).all():
        assert loan.id is not None
        _refresh(session, actor=actor, loan=loan, rows=instalments(session, loan.id), today=today)
        count += 1
    return count


__all__ = ["disburse", "get_loan_for", "reclassify_all", "record_repayment", "release_pledges"]
