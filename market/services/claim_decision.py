"""Filing and deciding a compensation claim: the bank files within the scheme's deadline, the
bureau approves (the loss is split with riskpool under the loan's scheme version and the
claim's context, the pool's share is paid, what others owe is recorded) or rejects it.

A bank whose compensation the scheme suspends (Guangzhou 2025, 穗金管规字〔2025〕1号: losses
this year above 3% of the principal it enrolled this year) cannot be paid: its claims wait,
filed, until the suspension no longer holds; its loans are still enrolled.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from market.domain.errors import Conflict, NotFound, ValidationFailed
from market.domain.kinds import LedgerAccount
from market.domain.messages import N_, msg, stored
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
from market.models.pool import BankSuspension, Claim, Receivable, SchemeVersion
from market.services import audit, four_eyes, notifications, pool, previews
from market.services.claim_context import claim_deadline
from market.services.claim_plan import ApprovalPlan, plan_approval
from market.services.claims import OWING_PARTIES, enrolled_principal, npl_losses
from market.services.clock import business_date
from market.services.servicing import (
    get_loan_for,
    instalments,
    position,
    require_lender,
    thresholds,
)
from riskpool import Scheme

#: Parties whose share of an approved claim is recorded as a receivable. `province` is the
#: higher-level government fund that pays beside the city's pool (Weihai: the Shandong
#: provincial fund's 40%): the bureau claims it from the provincial fund, so it is a receivable
#: like a partner's, with no organisation on the platform unless the scheme names one.
RECEIVABLE_PARTIES = (*OWING_PARTIES, "province")


def file_claim(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    note: str = "",
    loss_confirmed_on: date | None = None,
) -> Claim:
    """The lending bank claims compensation for an enrolled loan that is non-performing.

    `loss_confirmed_on` is the day the provincial bureau confirmed the loss, needed when the
    scheme's deadline counts from it (Weihai).
    """
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
            scheme = pool.scheme_of(version)
            _check_confirmation(scheme, loss_confirmed_on, where.npl_since, today)
            deadline = claim_deadline(
                session, scheme, npl_since=where.npl_since, loss_confirmed_on=loss_confirmed_on
            )
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
                loss_confirmed_on=loss_confirmed_on,
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
            notifications.claim_filed(session, claim)
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


def _check_confirmation(
    scheme: Scheme, confirmed: date | None, npl_since: date | None, today: date
) -> None:
    """A scheme counting from the loss confirmation needs its date, within sense."""
    if scheme.claim_deadline_trigger != "loss_confirmed":
        return
    error = None
    if confirmed is None:
        error = N_(
            "This scheme counts the claim deadline from the day the provincial bureau "
            "confirmed the loss: enter that day."
        )
    elif confirmed > today:
        error = N_("The confirmation day cannot be after today.")
    elif npl_since is not None and confirmed < npl_since:
        error = N_("The loss cannot be confirmed before the loan became non-performing.")
    if error is not None:
        raise ValidationFailed(error, errors={"loss_confirmed_on": error})


def decide_claim(
    session: Session,
    *,
    actor: User,
    claim_id: int,
    approve: bool,
    reason: str,
    expected: str | None = None,
) -> Claim:
    """The bureau approves (the loss is split and paid) or rejects (with a reason) a claim.

    `expected` is the digest of the previewed approval: the approval is refused
    (StalePreview, nothing posted) if the figures changed since. A claim whose pool share is
    above the bureau's second-approval threshold is only recommended by its first approver
    (it stays filed) and approved by a second, different bureau user."""
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
        if approve:
            pool.lock_pool(session)  # the context and the balance are read as the only writer
            plan = plan_approval(
                session, claim=claim, loan=loan, version=version, today=today, lock=True
            )
            previews.require_digest(expected, plan.digest)
            if four_eyes.needs_second(session, plan.pool_share):
                if claim.recommended_by_id is None:
                    four_eyes.recommend(session, actor=actor, claim=claim, today=today)
                    return claim
                if claim.recommended_by_id == actor.id:
                    raise Conflict(four_eyes.SAME_USER)
            _approve(session, actor=actor, claim=claim, plan=plan, version=version, today=today)
            loan.status = LoanStatus.COMPENSATED
        else:
            loan.status = LoanStatus.ACTIVE
        claim.status = target
        claim.decided_by_id = actor.id
        claim.decided_on = today
        claim.decision_reason = reason.strip()
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
        notifications.claim_decided(session, claim)
        if approve:
            _check_suspension(
                session, actor=actor, bank_id=loan.bank_id, scheme_version=version, today=today
            )
    return claim


def _approve(
    session: Session,
    *,
    actor: User,
    claim: Claim,
    plan: ApprovalPlan,
    version: SchemeVersion,
    today: date,
) -> None:
    """Post the planned split: the pool pays its share, the other payers owe theirs."""
    assert claim.id is not None
    amounts = plan.split
    claim.pool_balance_at_decision = plan.balance_before
    claim.split = dict(amounts)
    claim.split_notes = list(plan.notes)
    paid = plan.pool_share
    if paid > 0:
        pool.post(
            session,
            actor=actor,
            day=today,
            lines=[(LedgerAccount.COMPENSATION, paid, 0), (LedgerAccount.POOL_CASH, 0, paid)],
            memo=stored(N_("Compensation on loan %(loan)s"), loan=plan.loan_id),
            loan_id=plan.loan_id,
            claim_id=claim.id,
        )
    for party in RECEIVABLE_PARTIES:
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


def _check_suspension(
    session: Session, *, actor: User, bank_id: int, scheme_version: SchemeVersion, today: date
) -> None:
    """Record a suspension once the bank's losses this year pass the scheme's trigger
    (both figures of this calendar year)."""
    scheme = pool.scheme_of(scheme_version)
    if scheme.suspension_npl_bp is None or pool.live_suspension(session, bank_id) is not None:
        return
    losses = npl_losses(session, bank_id=bank_id, year=today.year)
    enrolled = enrolled_principal(session, bank_id=bank_id, year=today.year)
    if not scheme.bank_suspended(losses, enrolled):
        return
    reason = stored(
        N_(
            "NPL losses of %(losses)s in %(year)s are above %(pct)s%% of the %(enrolled)s "
            "enrolled in %(year)s."
        ),
        losses=format_fen(losses),
        year=today.year,
        pct=f"{scheme.suspension_npl_bp / 100:g}",
        enrolled=format_fen(enrolled),
    )
    row = BankSuspension(
        bank_id=bank_id,
        year=today.year,
        npl_losses=losses,
        enrolled_principal=enrolled,
        trigger_bp=scheme.suspension_npl_bp,
        suspended_on=today,
        reason=reason.text(),
        reason_message=reason.as_json(),
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
    notifications.bank_suspended(session, row)
