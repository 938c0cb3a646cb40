"""Claims: lists, the bank's NPL losses and enrolled principal, and what partners owe (filing
and deciding a claim are in market/services/claim_decision.py, recoveries in
market/services/recoveries.py)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from market.domain.errors import PermissionDenied
from market.domain.kinds import Role
from market.domain.messages import N_
from market.domain.states import (
    ClaimStatus,
    Enrolment,
)
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import (
    Claim,
    Receivable,
    Recovery,
)

OWING_PARTIES = ("insurer", "guarantor", "re_guarantor", "valuer")
RECEIVABLE_ROLES = {
    Role.INSURER: ("insurer",),
    Role.GUARANTOR: ("guarantor", "re_guarantor"),
    Role.VALUER: ("valuer",),
}


def claims_for_loan(session: Session, loan_id: int) -> list[Claim]:
    """Every claim on a loan, oldest first."""
    query = select(Claim).where(Claim.loan_id == loan_id).order_by(col(Claim.id))
    return list(session.exec(query).all())


def recoveries_for_loan(session: Session, loan_id: int) -> list[Recovery]:
    """Every recovery on a loan, oldest first."""
    query = select(Recovery).where(Recovery.loan_id == loan_id).order_by(col(Recovery.id))
    return list(session.exec(query).all())


def list_claims(session: Session, *, status: ClaimStatus | None = None) -> list[Claim]:
    """Claims for the bureau's queue, newest first."""
    query = select(Claim).order_by(col(Claim.id).desc())
    if status is not None:
        query = query.where(Claim.status == status)
    return list(session.exec(query).all())


def npl_losses(session: Session, *, bank_id: int, year: int) -> int:
    """Principal losses of the bank's approved claims decided in `year`."""
    query = select(func.coalesce(func.sum(Claim.loss), 0)).where(
        Claim.bank_id == bank_id,
        Claim.status == ClaimStatus.APPROVED,
        col(Claim.decided_on) >= date(year, 1, 1),
        col(Claim.decided_on) <= date(year, 12, 31),
    )
    return int(session.exec(query).one())


def enrolled_principal(session: Session, *, bank_id: int, year: int | None = None) -> int:
    """Principal of the bank's loans enrolled in the scheme (in `year`, or ever)."""
    query = select(func.coalesce(func.sum(Loan.principal), 0)).where(
        Loan.bank_id == bank_id, Loan.enrolment == Enrolment.ENROLLED
    )
    if year is not None:
        query = query.where(
            col(Loan.enrolled_on) >= date(year, 1, 1), col(Loan.enrolled_on) <= date(year, 12, 31)
        )
    return int(session.exec(query).one())


def receivables_for(session: Session, *, actor: User) -> list[Receivable]:
    """What the actor's organisation owes on approved claims (all of them for the bureau)."""
    query = select(Receivable).order_by(col(Receivable.id).desc())
    if actor.role in (Role.BUREAU, Role.ADMIN):
        return list(session.exec(query).all())
    parties = RECEIVABLE_ROLES.get(actor.role)
    if parties is None:
        raise PermissionDenied(N_("Only insurers, guarantors, valuers and the bureau see this."))
    query = query.where(Receivable.organisation_id == actor.organisation_id)
    return list(session.exec(query).all())
