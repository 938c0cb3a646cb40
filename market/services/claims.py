"""Claims and recoveries: lists, the bank's NPL losses and enrolled principal, recoveries
distributed by the scheme's rule, and what partners owe (filing and deciding a claim are in
market/services/claim_decision.py)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.kinds import DisposalKind, LedgerAccount, Role
from market.domain.messages import N_, msg
from market.domain.statemachine import require_transition
from market.domain.states import (
    LOAN_TRANSITIONS,
    ClaimStatus,
    Enrolment,
    LoanStatus,
)
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import (
    Claim,
    Receivable,
    Recovery,
    SchemeVersion,
)
from market.services import audit, pool
from market.services.clock import business_date
from market.services.servicing import (
    get_loan_for,
    release_pledges,
    require_lender,
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


def record_recovery(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    disposal: DisposalKind,
    proceeds: int,
    counterparty: str = "",
    closes: bool = False,
) -> Recovery:
    """The bank records proceeds from disposing of the pledged IP; they go back by the
    scheme's recovery rule (the pool's part is posted to the ledger). Closing the disposal
    releases the pledges and closes the loan."""
    with transaction(session):
        loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=True)
        require_lender(actor, loan)
        if loan.status is not LoanStatus.COMPENSATED:
            raise Conflict(N_("Recoveries are recorded on a loan whose claim was approved."))
        assert loan.id is not None
        claim = session.exec(
            select(Claim).where(Claim.loan_id == loan.id, Claim.status == ClaimStatus.APPROVED)
        ).one()
        if proceeds < 0 or (proceeds == 0 and not closes):
            raise ValidationFailed(
                N_("Enter the proceeds received."),
                errors={"proceeds": N_("Enter a positive amount.")},
            )
        version = session.get(SchemeVersion, claim.scheme_version_id)
        assert version is not None and claim.id is not None
        scheme = pool.scheme_of(version)
        # Each recovery goes back against what each payer has not yet had back.
        returned: dict[str, int] = {}
        for earlier in recoveries_for_loan(session, loan.id):
            for party, value in earlier.distribution.items():
                returned[party] = returned.get(party, 0) + int(value)
        treasury_back = returned.pop("treasury", 0)
        returned.pop("borrower", None)
        if scheme.recovery_rule == "treasury":
            returned["pool"] = returned.get("pool", 0) + treasury_back
        unpaid = {p: int(v) - returned.get(p, 0) for p, v in claim.split.items()}
        parts = scheme.split_recovery(proceeds, paid=unpaid).as_dict()
        assert sum(parts.values()) == proceeds
        today = business_date(session)
        row = Recovery(
            loan_id=loan.id,
            claim_id=claim.id,
            disposal=disposal,
            proceeds=proceeds,
            received_on=today,
            counterparty=counterparty.strip()[:200],
            closes_disposal=closes,
            distribution=parts,
            recorded_by_id=actor.id or 0,
        )
        session.add(row)
        session.flush()
        to_pool = parts.get("pool", 0)
        if to_pool > 0:
            pool.post(
                session,
                actor=actor,
                day=today,
                lines=[
                    (LedgerAccount.POOL_CASH, to_pool, 0),
                    (LedgerAccount.RECOVERIES, 0, to_pool),
                ],
                memo=msg("Recovery on loan %(loan)s (%(kind)s)", loan=loan.id, kind=disposal.value),
                loan_id=loan.id,
                claim_id=claim.id,
                recovery_id=row.id,
            )
        audit.record(
            session,
            actor=actor,
            action="recovery.record",
            obj=row,
            after=audit.snapshot(row),
            organisation_id=loan.bank_id,
        )
        if closes:
            before = audit.snapshot(loan)
            require_transition(LOAN_TRANSITIONS, loan.status, LoanStatus.CLOSED, what=N_("loan"))
            loan.status = LoanStatus.CLOSED
            loan.closed_on = today
            session.add(loan)
            release_pledges(session, actor=actor, loan=loan, reason=N_("disposal closed"))
            audit.record(
                session,
                actor=actor,
                action="loan.closed",
                obj=loan,
                before=before,
                after=audit.snapshot(loan),
                organisation_id=loan.bank_id,
            )
    return row


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
