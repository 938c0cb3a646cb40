"""The figures of a claim's approval, planned before anything is posted: the split of the
loss by party under the loan's scheme version and the claim's context, and the pool's balance
before and after its share. The preview shows this plan; the approval posts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from market.domain.errors import Conflict, NotFound
from market.domain.messages import N_, msg
from market.domain.money import format_fen
from market.domain.statemachine import require_transition
from market.domain.states import CLAIM_TRANSITIONS, ClaimStatus
from market.models.lending import Loan
from market.models.orgs import User
from market.models.pool import Claim, SchemeVersion
from market.services import pool, previews
from market.services.claim_context import claim_context
from market.services.clock import business_date
from riskpool import Scheme
from riskpool.context import ClaimContext


class CompensationSuspended(Conflict):
    """The scheme suspends compensation to the claiming bank: the claim waits, unchanged."""


def suspension_message(context: ClaimContext, scheme: Scheme, year: int) -> str:
    """Why a bank's claims wait this year (translated)."""
    return msg(
        "Compensation to this bank is suspended for %(year)s: its compensated losses this year "
        "(%(losses)s) exceed %(pct)s%% of the principal it enrolled this year (%(enrolled)s). "
        "The claim waits, filed, until the suspension no longer holds; its loans stay "
        "enrolled.",
        year=year,
        losses=format_fen(context.bank_losses_this_year),
        pct=f"{(scheme.suspension_npl_bp or 0) / 100:g}",
        enrolled=format_fen(context.bank_enrolled_this_year),
    )


@dataclass(frozen=True)
class ApprovalPlan:
    """What approving a claim posts: the split of the loss by party and the pool's balance
    before and after its share is paid."""

    claim_id: int
    loan_id: int
    loss: int
    balance_before: int
    split: dict[str, int]
    notes: tuple[str, ...]

    @property
    def pool_share(self) -> int:
        """What the pool pays now."""
        return self.split.get("pool", 0)

    @property
    def balance_after(self) -> int:
        """The pool's balance once its share is paid."""
        return self.balance_before - self.pool_share

    @property
    def digest(self) -> str:
        """The fingerprint of the figures the bureau confirms."""
        return previews.digest(
            {
                "action": "claim.approve",
                "claim": self.claim_id,
                "loss": self.loss,
                "balance": self.balance_before,
                "split": self.split,
            }
        )


def plan_approval(
    session: Session,
    *,
    claim: Claim,
    loan: Loan,
    version: SchemeVersion,
    today: date,
    lock: bool = False,
) -> ApprovalPlan:
    """Split the loss under the loan's scheme and the claim's context (nothing is written).

    The preview calls it without locks; the approval calls it with the pool locked, so what
    is posted is exactly this plan. Raises CompensationSuspended if the bank's compensation
    is suspended."""
    assert claim.id is not None and loan.id is not None
    scheme = pool.scheme_of(version)
    context = claim_context(session, scheme=scheme, version=version, loan=loan, day=today)
    if scheme.compensation_suspended(context):
        raise CompensationSuspended(suspension_message(context, scheme, today.year))
    balance = pool.pool_balance(session, today, for_update=lock)
    split = scheme.split(
        claim.loss, loan_principal=loan.principal, pool_balance=balance, context=context
    )
    amounts = {party: int(value) for party, value in split.as_dict().items()}
    assert sum(amounts.values()) == claim.loss
    return ApprovalPlan(
        claim_id=claim.id,
        loan_id=loan.id,
        loss=claim.loss,
        balance_before=balance,
        split=amounts,
        notes=tuple(split.notes),
    )


def preview_approval(session: Session, *, actor: User, claim_id: int) -> ApprovalPlan:
    """The figures approving the claim would post today (read only, for the preview)."""
    pool.require_bureau(actor)
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(N_("No such claim."))
    require_transition(CLAIM_TRANSITIONS, claim.status, ClaimStatus.APPROVED, what=N_("claim"))
    loan = session.get(Loan, claim.loan_id)
    version = session.get(SchemeVersion, claim.scheme_version_id)
    assert loan is not None and version is not None
    return plan_approval(
        session, claim=claim, loan=loan, version=version, today=business_date(session)
    )
