"""Enrolling a new loan in the risk-compensation scheme in force, or recording why not."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from market.domain.states import Enrolment
from market.models.lending import Loan
from market.models.orgs import User
from market.services import audit, pool
from market.services.requests import LIVE_LOAN_STATUSES
from market.services.servicing import loan_position


def enrol(session: Session, *, actor: User | None, loan: Loan, today: date) -> None:
    """Enrol the loan in the scheme version in force today, or record why it is not."""
    version = pool.scheme_in_force(session, today)
    before = audit.snapshot(loan)
    if version is None:
        loan.enrolment = Enrolment.NOT_ENROLLED
        loan.enrolment_reasons = ["no risk-compensation scheme is in force"]
    else:
        scheme = pool.scheme_of(version)
        reasons = scheme.check_enrolment(
            loan_principal=loan.principal,
            borrower_enrolled_principal=_enrolled_principal(
                session, borrower_id=loan.borrower_id, year=today.year, exclude=loan.id
            ),
            total_enrolled_principal=_enrolled_principal(session, exclude=loan.id),
            pool_balance=pool.pool_balance(session, today),
            bank_suspended=pool.live_suspension(session, loan.bank_id) is not None,
            borrower_guaranteed_balance=guaranteed_balance(
                session, borrower_id=loan.borrower_id, exclude=loan.id, today=today
            ),
        )
        loan.scheme_version_id = version.id
        if reasons:
            loan.enrolment = Enrolment.NOT_ENROLLED
            loan.enrolment_reasons = reasons
        else:
            loan.enrolment = Enrolment.ENROLLED
            loan.enrolment_reasons = []
            loan.enrolled_on = today
    session.add(loan)
    audit.record(
        session,
        actor=actor,
        action="loan.enrol" if loan.enrolment is Enrolment.ENROLLED else "loan.not_enrolled",
        obj=loan,
        before=before,
        after=audit.snapshot(loan),
        organisation_id=loan.bank_id,
    )


def guaranteed_balance(
    session: Session, *, borrower_id: int, exclude: int | None, today: date
) -> int:
    """The borrower's outstanding principal on its other live enrolled loans (Anhui 4321: the
    guaranteed balance, 在保余额); a loan not yet disbursed counts in full."""
    query = select(Loan).where(
        Loan.borrower_id == borrower_id,
        Loan.enrolment == Enrolment.ENROLLED,
        col(Loan.status).in_(LIVE_LOAN_STATUSES),
    )
    if exclude is not None:
        query = query.where(col(Loan.id) != exclude)
    total = 0
    for other in session.exec(query).all():
        if other.disbursed_on is None:
            total += other.principal
        else:
            total += loan_position(session, other, today).outstanding_principal
    return total


def _enrolled_principal(
    session: Session,
    *,
    borrower_id: int | None = None,
    year: int | None = None,
    exclude: int | None = None,
) -> int:
    """Principal of live enrolled loans (optionally one borrower's, enrolled in one year)."""
    query = select(func.coalesce(func.sum(Loan.principal), 0)).where(
        Loan.enrolment == Enrolment.ENROLLED, col(Loan.status).in_(LIVE_LOAN_STATUSES)
    )
    if borrower_id is not None:
        query = query.where(Loan.borrower_id == borrower_id)
    if year is not None:
        query = query.where(
            col(Loan.enrolled_on) >= date(year, 1, 1), col(Loan.enrolled_on) <= date(year, 12, 31)
        )
    if exclude is not None:
        query = query.where(col(Loan.id) != exclude)
    return int(session.exec(query).one())
