"""Servicing a loan: who may see it, its schedule and position (days past due and the five-tier
classification driven by the business date), loan state moves and releasing pledges.
Disbursement and repayments are in market.services.repayment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from market.domain.errors import NotFound, PermissionDenied, ValidationFailed
from market.domain.interest import AccrualTerms, pending_penalty, period_interest
from market.domain.kinds import Role
from market.domain.messages import N_
from market.domain.schedule import (
    DEFAULT_THRESHOLDS,
    Classification,
    classify,
    first_npl_day,
    parse_thresholds,
)
from market.domain.statemachine import require_transition
from market.domain.states import (
    LOAN_TRANSITIONS,
    PLEDGE_TRANSITIONS,
    LoanStatus,
    PledgeStatus,
)
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pledges import Pledge
from market.models.servicing import Instalment, Repayment
from market.models.settings import Setting
from market.services import audit
from market.services.clock import business_date

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})


READ_ALL_ROLES = frozenset({Role.BUREAU, Role.ADMIN})


THRESHOLDS_KEY = "classification_thresholds"


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


def thresholds(session: Session) -> tuple[int, int, int, int]:
    """Days past due for special mention, substandard, doubtful and loss."""
    row = session.get(Setting, THRESHOLDS_KEY)
    return parse_thresholds(row.value) if row else DEFAULT_THRESHOLDS


def set_thresholds(session: Session, *, actor: User, text: str) -> tuple[int, int, int, int]:
    """An administrator changes the classification thresholds (e.g. '0/90/270/360': grace,
    then substandard, doubtful and loss after MORE than that many days past due)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(N_("Only an administrator can change the thresholds."))
    with transaction(session):
        try:
            values = parse_thresholds(text)
        except ValueError as exc:
            text_error = N_(
                "A grace of 0 to 7 days, then three increasing numbers of days no later than "
                "the 2023 rule's 90/270/360, e.g. 0/90/270/360."
            )
            raise ValidationFailed(text_error, errors={"thresholds": text_error}) from exc
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


@dataclass(frozen=True)
class Position:
    outstanding_principal: int
    overdue: int  # principal + interest due before today and unpaid, + penalty owed
    due_now: int  # what the borrower must pay today to be current (overdue + due today)
    next_due_on: date | None
    next_amount: int
    days_past_due: int
    classification: Classification
    npl_since: date | None
    payoff: int  # paying off today: due now + outstanding principal not yet due + accrued
    penalty_due: int = 0  # penalty and compound interest owed today (collected first)
    accrued_interest: int = 0  # interest of the current period accrued to today


def terms_of(loan: Loan) -> AccrualTerms | None:
    """The accrual terms of a disbursed loan (None before disbursement)."""
    if loan.disbursed_on is None:
        return None
    return AccrualTerms(
        start=loan.disbursed_on,
        rate_bp=loan.rate_bp,
        day_count=loan.day_count,
        markup_bp=loan.penalty_markup_bp,
        penalty_outstanding=loan.penalty_accrued + loan.compound_accrued - loan.penalty_paid,
        accrued_to=loan.penalty_accrued_to,
    )


def unpaid_lines(rows: list[Instalment]) -> list[tuple[date, int, int]]:
    """(due_on, unpaid principal, unpaid interest) of every instalment."""
    return [
        (r.due_on, r.principal_due - r.principal_paid, r.interest_due - r.interest_paid)
        for r in rows
    ]


def current_period(
    rows: list[Instalment], today: date, start: date
) -> tuple[Instalment | None, date]:
    """The first instalment not yet due on `today` and the day its period began."""
    previous = start
    for r in rows:
        if r.due_on > today:
            return r, previous
        previous = r.due_on
    return None, previous


def position(
    rows: list[Instalment],
    today: date,
    limits: tuple[int, int, int, int] = DEFAULT_THRESHOLDS,
    terms: AccrualTerms | None = None,
) -> Position:
    """Where a loan stands on `today`, from its schedule (and, with `terms`, the penalty
    owed and the interest accrued since the last due date)."""
    outstanding = sum(r.principal_due - r.principal_paid for r in rows)
    penalty = accrued = 0
    if terms is not None:
        penalty = (
            terms.penalty_outstanding + pending_penalty(unpaid_lines(rows), terms, today).total
        )
        current, began = current_period(rows, today, terms.start)
        if current is not None:
            balance = sum(r.principal_due - r.principal_paid for r in rows if r.due_on > today)
            accrued = period_interest(balance, terms.rate_bp, began, today, terms.day_count)
    overdue = sum(r.outstanding for r in rows if r.due_on < today) + penalty
    due_now = sum(r.outstanding for r in rows if r.due_on <= today) + penalty
    oldest = next((r for r in rows if r.outstanding > 0 and r.due_on < today), None)
    upcoming = next((r for r in rows if r.outstanding > 0 and r.due_on >= today), None)
    dpd = (today - oldest.due_on).days if oldest else 0
    klass = classify(dpd, limits)
    npl_since = first_npl_day(oldest.due_on, limits) if oldest and klass.is_npl else None
    not_yet_due = sum(r.principal_due - r.principal_paid for r in rows if r.due_on > today)
    return Position(
        outstanding_principal=outstanding,
        overdue=overdue,
        due_now=due_now,
        next_due_on=upcoming.due_on if upcoming else None,
        next_amount=upcoming.outstanding if upcoming else 0,
        days_past_due=dpd,
        classification=klass,
        npl_since=npl_since,
        payoff=due_now + not_yet_due + accrued,
        penalty_due=penalty,
        accrued_interest=accrued,
    )


def loan_position(session: Session, loan: Loan, today: date | None = None) -> Position:
    """The loan's position on the business date."""
    assert loan.id is not None
    return position(
        instalments(session, loan.id),
        today or business_date(session),
        thresholds(session),
        terms_of(loan),
    )


def move_loan(session: Session, *, actor: User | None, loan: Loan, target: LoanStatus) -> None:
    """Move the loan to `target` (checked against the loan state machine), audited."""
    require_transition(LOAN_TRANSITIONS, loan.status, target, what=N_("loan"))
    before = {"status": loan.status.value}
    loan.status = target
    session.add(loan)
    audit.record(
        session,
        actor=actor,
        action=f"loan.{target.value}",
        obj=loan,
        before=before,
        after={"status": target.value},
        organisation_id=loan.bank_id,
    )


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


def refresh_classification(
    session: Session, *, actor: User | None, loan: Loan, rows: list[Instalment], today: date
) -> None:
    """Store the loan's days past due and class; a change of class is audited."""
    if loan.status is LoanStatus.REPAID:
        where_class, dpd, since = Classification.NORMAL, 0, None
    elif loan.status in (LoanStatus.ACTIVE, LoanStatus.IN_CLAIM):
        where = position(rows, today, thresholds(session), terms_of(loan))
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
    """Recompute days past due and class of every live loan set-wise (the day-end's two
    statements); returns how many loans changed class."""
    from market.services import dayend  # imported here: the day-end reads thresholds() above

    session.flush()
    dayend.refresh_days_past_due(session, today=today)
    changed = dayend.reclassify_set(session, actor=actor, today=today)
    session.expire_all()  # loans loaded before the statements are stale
    return changed
