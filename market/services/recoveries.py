"""Recoveries on a compensated loan: recorded against what the claim still has outstanding
(a surplus needs an explicit confirmation naming who receives it), corrected by a reversing
entry with a reason (the ledger stays append-only), and what the borrower still owes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from market.domain.errors import Conflict, NotFound, ValidationFailed
from market.domain.interest import Debt, debt_in_default
from market.domain.kinds import DisposalKind, LedgerAccount
from market.domain.messages import N_, msg, stored, word
from market.domain.money import format_fen
from market.domain.statemachine import require_transition
from market.domain.states import LOAN_TRANSITIONS, ClaimStatus, LoanStatus
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import Organisation, User
from market.models.pool import Claim, LedgerEntry, Recovery, SchemeVersion
from market.models.recoveries import RecoveryReversal
from market.models.servicing import Instalment
from market.services import audit, pool, previews
from market.services.claims import recoveries_for_loan
from market.services.clock import business_date
from market.services.servicing import (
    get_loan_for,
    instalments,
    position,
    release_pledges,
    require_lender,
    terms_of,
    thresholds,
)


def reversals_for_loan(session: Session, loan_id: int) -> dict[int, RecoveryReversal]:
    """The reversals of the loan's recoveries, by recovery id."""
    query = select(RecoveryReversal).where(RecoveryReversal.loan_id == loan_id)
    return {r.recovery_id: r for r in session.exec(query).all()}


def approved_claim(session: Session, loan_id: int) -> Claim | None:
    """The loan's approved claim, if any."""
    query = select(Claim).where(Claim.loan_id == loan_id, Claim.status == ClaimStatus.APPROVED)
    return session.exec(query).first()


def claim_outstanding(session: Session, claim: Claim, treasury_to_pool: bool) -> dict[str, int]:
    """What each payer of the claim has not yet had back (reversed recoveries do not count)."""
    returned: dict[str, int] = {}
    reversed_ids = set(reversals_for_loan(session, claim.loan_id))
    for earlier in recoveries_for_loan(session, claim.loan_id):
        if earlier.claim_id != claim.id or earlier.id in reversed_ids:
            continue
        for party, value in earlier.distribution.items():
            returned[party] = returned.get(party, 0) + int(value)
    treasury_back = returned.pop("treasury", 0)
    returned.pop("borrower", None)
    if treasury_to_pool:
        returned["pool"] = returned.get("pool", 0) + treasury_back
    return {p: int(v) - returned.get(p, 0) for p, v in claim.split.items()}


@dataclass(frozen=True)
class RecoveryPlan:
    """How recorded proceeds go back: the split by party under the scheme's recovery rule,
    what the claim still had outstanding and any surplus (to the borrower, the pledgor)."""

    loan_id: int
    claim_id: int
    borrower_id: int
    proceeds: int
    outstanding: int
    parts: dict[str, int]
    closes: bool

    @property
    def surplus(self) -> int:
        """What is above the claim's outstanding amount (the borrower's)."""
        return max(self.proceeds - self.outstanding, 0)

    @property
    def digest(self) -> str:
        """The fingerprint of the figures the bank confirms."""
        return previews.digest(
            {
                "action": "recovery.record",
                "loan": self.loan_id,
                "claim": self.claim_id,
                "proceeds": self.proceeds,
                "outstanding": self.outstanding,
                "parts": self.parts,
                "closes": self.closes,
            }
        )


def plan_recovery(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    proceeds: int,
    closes: bool = False,
    confirm_surplus: bool = False,
    lock: bool = False,
) -> tuple[Loan, Claim, RecoveryPlan]:
    """Check the recovery may be recorded and split it (nothing is written). Proceeds above
    what the claim still has outstanding are refused unless `confirm_surplus`."""
    loan = get_loan_for(session, actor=actor, loan_id=loan_id, lock=lock)
    require_lender(actor, loan)
    if loan.status is not LoanStatus.COMPENSATED:
        raise Conflict(N_("Recoveries are recorded on a loan whose claim was approved."))
    assert loan.id is not None
    claim = approved_claim(session, loan.id)
    assert claim is not None and claim.id is not None
    if proceeds < 0 or (proceeds == 0 and not closes):
        raise ValidationFailed(
            N_("Enter the proceeds received."),
            errors={"proceeds": N_("Enter a positive amount.")},
        )
    version = session.get(SchemeVersion, claim.scheme_version_id)
    assert version is not None
    scheme = pool.scheme_of(version)
    unpaid = claim_outstanding(session, claim, scheme.recovery_rule == "treasury")
    left = sum(unpaid.values())
    if proceeds > left and not confirm_surplus:
        borrower = session.get(Organisation, loan.borrower_id)
        text = msg(
            "%(proceeds)s is %(surplus)s more than the %(left)s still outstanding on the "
            "claim; the surplus goes to the borrower, %(borrower)s. Confirm to record it.",
            proceeds=format_fen(proceeds),
            surplus=format_fen(proceeds - left),
            left=format_fen(left),
            borrower=borrower.name if borrower else "",
        )
        raise ValidationFailed(text, errors={"confirm_surplus": text})
    parts = {p: int(v) for p, v in scheme.split_recovery(proceeds, paid=unpaid).as_dict().items()}
    assert sum(parts.values()) == proceeds
    plan = RecoveryPlan(
        loan_id=loan.id,
        claim_id=claim.id,
        borrower_id=loan.borrower_id,
        proceeds=proceeds,
        outstanding=left,
        parts=parts,
        closes=closes,
    )
    return loan, claim, plan


def record_recovery(
    session: Session,
    *,
    actor: User,
    loan_id: int,
    disposal: DisposalKind,
    proceeds: int,
    counterparty: str = "",
    closes: bool = False,
    confirm_surplus: bool = False,
    expected: str | None = None,
) -> Recovery:
    """The bank records proceeds from disposing of the pledged IP; they go back by the
    scheme's recovery rule (the pool's part is posted to the ledger). Proceeds above what the
    claim still has outstanding are refused unless `confirm_surplus` (the surplus goes to the
    borrower, the pledgor). Closing the disposal releases the pledges and closes the loan.
    `expected` is the digest of the previewed split: refused (StalePreview) if it differs."""
    with transaction(session):
        loan, claim, plan = plan_recovery(
            session,
            actor=actor,
            loan_id=loan_id,
            proceeds=proceeds,
            closes=closes,
            confirm_surplus=confirm_surplus,
            lock=True,
        )
        previews.require_digest(expected, plan.digest)
        assert loan.id is not None and claim.id is not None
        parts = plan.parts
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
                memo=stored(
                    N_("Recovery on loan %(loan)s (%(kind)s)"),
                    loan=loan.id,
                    kind=word("disposal", disposal.value),
                ),
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
            _close(session, actor=actor, loan=loan, today=today)
    return row


def _close(session: Session, *, actor: User, loan: Loan, today: date) -> None:
    """The disposal is over: the loan closes and its pledges are released."""
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


def reversible_recovery(
    session: Session, *, actor: User, recovery_id: int, lock: bool = False
) -> tuple[Recovery, Loan]:
    """The recovery and its loan, if the user's bank may reverse it now."""
    row = session.get(Recovery, recovery_id)
    if row is None:
        raise NotFound(N_("No such recovery."))
    loan = get_loan_for(session, actor=actor, loan_id=row.loan_id, lock=lock)
    require_lender(actor, loan)
    if recovery_id in reversals_for_loan(session, row.loan_id):
        raise Conflict(N_("This recovery has already been reversed."))
    if loan.status is not LoanStatus.COMPENSATED:
        raise Conflict(
            N_("The disposal is closed: a recovery of a closed loan cannot be reversed.")
        )
    return row, loan


def recovery_reversal_plan(
    session: Session, *, recovery: Recovery, day: date, lock: bool = False
) -> RecoveryReversalPlan:
    """The mirror of the pool's part of a recovery, if it had one (nothing is written)."""
    lines = list(
        session.exec(
            select(LedgerEntry).where(
                LedgerEntry.recovery_id == recovery.id, col(LedgerEntry.reverses_txn).is_(None)
            )
        ).all()
    )
    plan = RecoveryReversalPlan(
        subject=f"recovery:{recovery.id}",
        lines=tuple((x.account.value, x.credit, x.debit) for x in lines),
        balance_before=pool.pool_balance(session, day, for_update=lock),
        reverses=lines[0].txn if lines else None,
    )
    if plan.balance_after < 0:
        raise Conflict(N_("Reversing this would leave the pool with a negative balance."))
    return plan


@dataclass(frozen=True)
class RecoveryReversalPlan(previews.ReversalPlan):
    """The mirror posting of a recovery and the ledger transaction it reverses."""

    reverses: str | None = None


def reverse_recovery(
    session: Session, *, actor: User, recovery_id: int, reason: str, expected: str | None = None
) -> RecoveryReversal:
    """The lending bank corrects a mistaken recovery: a reversal record and, if the pool had
    a part, a mirror posting (the original lines stay). A second reversal is a conflict;
    a stale preview (`expected`) is refused."""
    with transaction(session):
        if len(reason.strip()) < 5:
            raise ValidationFailed(
                N_("Say why the recovery is reversed."), errors={"reason": N_("Required.")}
            )
        row, loan = reversible_recovery(session, actor=actor, recovery_id=recovery_id, lock=True)
        today = business_date(session)
        plan = recovery_reversal_plan(session, recovery=row, day=today, lock=True)
        previews.require_digest(expected, plan.digest)
        txn = None
        if plan.lines:
            txn = pool.post(
                session,
                actor=actor,
                day=today,
                lines=[(LedgerAccount(a), debit, credit) for a, debit, credit in plan.lines],
                memo=stored(N_("Reversal: %(reason)s"), reason=reason.strip()),
                loan_id=row.loan_id,
                claim_id=row.claim_id,
                recovery_id=row.id,
                reverses_txn=plan.reverses,
            )
        reversal = RecoveryReversal(
            recovery_id=recovery_id,
            loan_id=row.loan_id,
            reason=reason.strip()[:500],
            txn=txn,
            reversed_on=today,
            reversed_by_id=actor.id or 0,
        )
        session.add(reversal)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="recovery.reverse",
            obj=row,
            before=audit.snapshot(row),
            after={"reason": reversal.reason, "txn": txn},
            organisation_id=loan.bank_id,
        )
    return reversal


@dataclass(frozen=True)
class StillOwed:
    """What the borrower of a compensated loan still owes, and to whom, on `as_of`."""

    creditor_id: int  # the lending bank, which collects on behalf of the payers
    principal: int
    interest: int
    penalty: int  # penalty and compound interest accrued to `as_of`, less what was paid
    recovered: int  # recoveries applied to the debt (the payers' part, not a surplus)
    by_party: dict[str, int] = field(default_factory=dict)  # unrecovered share of each payer
    decided_on: date | None = None  # the claim decision: the whole debt is overdue from then
    as_of: date | None = None

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.penalty


def still_owed(session: Session, loan: Loan) -> StillOwed | None:
    """The borrower's debt after the claim was paid, on the business date.

    On the decision day the borrower owed the outstanding principal, the interest due (and
    accrued in the current period) and the penalty accrued so far. (inference) The claim paid
    the whole outstanding principal as a loss, so from that day the whole principal counts as
    overdue: it keeps accruing penalty interest and the unpaid interest compound interest
    (market.domain.interest, 银发〔2003〕251号). Each recovery paid to the payers is applied on
    the day received: penalty, interest, then principal (民法典 art. 561).
    """
    if loan.id is None or loan.status not in (LoanStatus.COMPENSATED, LoanStatus.CLOSED):
        return None
    claim = approved_claim(session, loan.id)
    if claim is None or claim.decided_on is None:
        return None
    decided = claim.decided_on
    rows: list[Instalment] = instalments(session, loan.id)
    where = position(rows, decided, thresholds(session), terms_of(loan))
    interest = sum(r.interest_due - r.interest_paid for r in rows if r.due_on <= decided)
    today = max(business_date(session), decided)
    debt = debt_in_default(
        Debt(where.outstanding_principal, interest + where.accrued_interest, where.penalty_due, 0),
        since=decided,
        until=today,
        payments=_recovered_by_day(session, claim),
        rate_bp=loan.rate_bp,
        markup_bp=loan.penalty_markup_bp,
        convention=loan.day_count,
    )
    version = session.get(SchemeVersion, claim.scheme_version_id)
    assert version is not None
    unpaid = claim_outstanding(
        session, claim, pool.scheme_of(version).recovery_rule == "treasury"
    )
    return StillOwed(
        creditor_id=loan.bank_id,
        principal=debt.principal,
        interest=debt.interest,
        penalty=debt.penalty,
        recovered=debt.applied,
        by_party=unpaid,
        decided_on=decided,
        as_of=today,
    )


def _recovered_by_day(session: Session, claim: Claim) -> list[tuple[date, int]]:
    """(day received, the payers' part) of each recovery on the claim not reversed."""
    reversed_ids = set(reversals_for_loan(session, claim.loan_id))
    return [
        (row.received_on, sum(int(v) for k, v in row.distribution.items() if k != "borrower"))
        for row in recoveries_for_loan(session, claim.loan_id)
        if row.claim_id == claim.id and row.id not in reversed_ids
    ]
