"""Default and claim: the bank files, the bureau decides, the loss is split with riskpool
and posted to the pool ledger; recoveries are distributed by the scheme's rule."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import DisposalKind, LedgerAccount, Role
from market.domain.messages import N_, msg
from market.domain.money import format_fen
from market.domain.statemachine import require_transition
from market.domain.states import (
    CLAIM_TRANSITIONS,
    LOAN_TRANSITIONS,
    ClaimStatus,
    Enrolment,
    LoanStatus,
)
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import (
    BankSuspension,
    Claim,
    LedgerEntry,
    Receivable,
    Recovery,
    SchemeVersion,
)
from market.services import audit, pool
from market.services.clock import business_date
from market.services.servicing import (
    get_loan_for,
    instalments,
    position,
    release_pledges,
    require_lender,
    thresholds,
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


def claim_deadline(loan: Loan, version: SchemeVersion, npl_since: date | None) -> date | None:
    """The last day to file: the scheme's deadline counted from the day the loan became NPL."""
    days = version.document.get("claim_deadline_days")
    if days is None or npl_since is None:
        return None
    return npl_since + timedelta(days=int(days))


def file_claim(session: Session, *, actor: User, loan_id: int, note: str = "") -> Claim:
    """The lending bank claims compensation for an enrolled loan that is non-performing."""
    try:
        with transaction(session):
            loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=True)
            require_lender(actor, loan)
            require_transition(LOAN_TRANSITIONS, loan.status, LoanStatus.IN_CLAIM, what=N_("loan"))
            if loan.enrolment is not Enrolment.ENROLLED or loan.scheme_version_id is None:
                raise Conflict(N_("Only a loan enrolled in the scheme can be claimed on."))
            assert loan.id is not None
            today = business_date(session)
            where = position(instalments(session, loan.id), today, thresholds(session))
            if not where.classification.is_npl:
                raise Conflict(
                    msg(
                        "The loan is %(days)s days past due: a claim needs a non-performing "
                        "loan (substandard or worse).",
                        days=where.days_past_due,
                    )
                )
            version = session.get(SchemeVersion, loan.scheme_version_id)
            assert version is not None
            deadline = claim_deadline(loan, version, where.npl_since)
            if deadline is not None and today > deadline:
                raise Conflict(
                    msg(
                        "The scheme's deadline for this claim passed on %(day)s.",
                        day=deadline.isoformat(),
                    )
                )
            before = audit.snapshot(loan)
            loan.status = LoanStatus.IN_CLAIM
            session.add(loan)
            claim = Claim(
                loan_id=loan.id,
                bank_id=loan.bank_id,
                scheme_version_id=version.id or 0,
                loss=where.outstanding_principal,
                filed_on=today,
                deadline_on=deadline,
                filed_by_id=actor.id or 0,
                note=note.strip()[:1000],
            )
            session.add(claim)
            audit.record(
                session,
                actor=actor,
                action="claim.file",
                obj=claim,
                after=audit.snapshot(claim),
                organisation_id=loan.bank_id,
            )
            audit.record(
                session,
                actor=actor,
                action="loan.in_claim",
                obj=loan,
                before=before,
                after=audit.snapshot(loan),
                organisation_id=loan.bank_id,
            )
    except IntegrityError as exc:
        raise Conflict(N_("A claim on this loan is already open.")) from exc
    return claim


def _pool_paid_this_year(session: Session, year: int) -> int:
    """What the pool paid on claims in `year`, net of reversals."""
    query = select(func.coalesce(func.sum(LedgerEntry.debit - LedgerEntry.credit), 0)).where(
        LedgerEntry.account == LedgerAccount.COMPENSATION,
        col(LedgerEntry.posted_on) >= date(year, 1, 1),
        col(LedgerEntry.posted_on) <= date(year, 12, 31),
    )
    return int(session.exec(query).one())


def decide_claim(
    session: Session, *, actor: User, claim_id: int, approve: bool, reason: str
) -> Claim:
    """The bureau approves (the loss is split and paid) or rejects (with a reason) a claim."""
    pool.require_bureau(actor)
    with transaction(session):
        claim = session.exec(select(Claim).where(Claim.id == claim_id).with_for_update()).first()
        if claim is None:
            raise NotFound(N_("No such claim."))
        target = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        require_transition(CLAIM_TRANSITIONS, claim.status, target, what=N_("claim"))
        if not approve and len(reason.strip()) < 5:
            raise ValidationFailed(
                N_("Write the reason the bank will read."), errors={"reason": N_("Required.")}
            )
        loan = session.exec(select(Loan).where(Loan.id == claim.loan_id).with_for_update()).one()
        version = session.get(SchemeVersion, claim.scheme_version_id)
        assert version is not None and claim.id is not None and loan.id is not None
        today = business_date(session)
        before = audit.snapshot(claim)
        loan_before = audit.snapshot(loan)
        claim.status = target
        claim.decided_by_id = actor.id
        claim.decided_on = today
        claim.decision_reason = reason.strip()
        if approve:
            scheme = pool.scheme_of(version)
            balance = pool.pool_balance(session, today, for_update=True)
            budget = None
            if scheme.annual_budget_cap is not None:
                budget = max(
                    0, scheme.annual_budget_cap - _pool_paid_this_year(session, today.year)
                )
            split = scheme.split(
                claim.loss,
                loan_principal=loan.principal,
                pool_balance=balance,
                budget_remaining=budget,
            )
            amounts = split.as_dict()
            assert sum(amounts.values()) == claim.loss
            claim.pool_balance_at_decision = balance
            claim.split = amounts
            claim.split_notes = split.notes
            paid = amounts.get("pool", 0)
            if paid > 0:
                pool.post(
                    session,
                    actor=actor,
                    day=today,
                    lines=[
                        (LedgerAccount.COMPENSATION, paid, 0),
                        (LedgerAccount.POOL_CASH, 0, paid),
                    ],
                    memo=msg("Compensation on loan %(loan)s", loan=loan.id),
                    loan_id=loan.id,
                    claim_id=claim.id,
                )
            for party in OWING_PARTIES:
                owed = amounts.get(party, 0)
                if owed > 0:
                    org = version.partners.get(party)
                    session.add(
                        Receivable(
                            claim_id=claim.id,
                            party=party,
                            organisation_id=int(org) if org else None,
                            amount=owed,
                            created_on=today,
                        )
                    )
            loan.status = LoanStatus.COMPENSATED
        else:
            loan.status = LoanStatus.ACTIVE
        session.add(claim)
        session.add(loan)
        audit.record(
            session,
            actor=actor,
            action=f"claim.{target.value}",
            obj=claim,
            before=before,
            after=audit.snapshot(claim),
        )
        audit.record(
            session,
            actor=actor,
            action=f"loan.{loan.status.value}",
            obj=loan,
            before=loan_before,
            after=audit.snapshot(loan),
        )
        if approve:
            _check_suspension(
                session, actor=actor, bank_id=loan.bank_id, scheme_version=version, today=today
            )
    return claim


def npl_losses(session: Session, *, bank_id: int, year: int) -> int:
    """Principal losses of the bank's approved claims decided in `year`."""
    query = select(func.coalesce(func.sum(Claim.loss), 0)).where(
        Claim.bank_id == bank_id,
        Claim.status == ClaimStatus.APPROVED,
        col(Claim.decided_on) >= date(year, 1, 1),
        col(Claim.decided_on) <= date(year, 12, 31),
    )
    return int(session.exec(query).one())


def enrolled_principal(session: Session, *, bank_id: int) -> int:
    """Principal of every loan of the bank ever enrolled in the scheme."""
    query = select(func.coalesce(func.sum(Loan.principal), 0)).where(
        Loan.bank_id == bank_id, Loan.enrolment == Enrolment.ENROLLED
    )
    return int(session.exec(query).one())


def _check_suspension(
    session: Session, *, actor: User, bank_id: int, scheme_version: SchemeVersion, today: date
) -> None:
    """Suspend the bank once its NPL losses this year pass the scheme's trigger."""
    scheme = pool.scheme_of(scheme_version)
    if scheme.suspension_npl_bp is None or pool.live_suspension(session, bank_id) is not None:
        return
    losses = npl_losses(session, bank_id=bank_id, year=today.year)
    enrolled = enrolled_principal(session, bank_id=bank_id)
    if not scheme.bank_suspended(losses, enrolled):
        return
    row = BankSuspension(
        bank_id=bank_id,
        year=today.year,
        npl_losses=losses,
        enrolled_principal=enrolled,
        trigger_bp=scheme.suspension_npl_bp,
        suspended_on=today,
        reason=msg(
            "NPL losses of %(losses)s in %(year)s are above %(pct)s%% of the %(enrolled)s "
            "enrolled.",
            losses=format_fen(losses),
            year=today.year,
            pct=f"{scheme.suspension_npl_bp / 100:g}",
            enrolled=format_fen(enrolled),
        ),
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="pool.suspension",
        obj=row,
        after=audit.snapshot(row),
        organisation_id=bank_id,
    )


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
