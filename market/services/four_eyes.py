"""Four eyes at the bureau: a claim whose pool share is above the threshold the bureau sets
needs two different bureau users, the first recommending, the second approving (as offers
need an approver at banks). The threshold is a setting, changed by the bureau and audited;
with none set, one bureau user decides every claim. The database refuses an approval by the
user who recommended it (migration 0012_confirm)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from market.domain.errors import ValidationFailed
from market.domain.messages import N_
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.orgs import User
from market.models.pool import Claim
from market.models.settings import Setting
from market.services import audit, pool

KEY = "claims.second_approval_above"

SAME_USER = N_("You recommended this claim: a second, different bureau user must approve it.")


def threshold(session: Session) -> int | None:
    """The pool share (fen) above which a claim needs a second approver; None: never."""
    row = session.get(Setting, KEY)
    return int(row.value) if row is not None and row.value else None


def needs_second(session: Session, pool_share: int) -> bool:
    """True if a claim paying `pool_share` from the pool needs a second bureau user."""
    limit = threshold(session)
    return limit is not None and pool_share > limit


def set_threshold(session: Session, *, actor: User, amount: int | None) -> int | None:
    """The bureau sets (or, with None, removes) the second-approval threshold."""
    pool.require_bureau(actor)
    if amount is not None and amount < 0:
        raise ValidationFailed(
            N_("The threshold cannot be negative."),
            errors={"amount": N_("Enter zero or more.")},
        )
    with transaction(session):
        row = session.get(Setting, KEY)
        before = {"second_approval_above": threshold(session)}
        value = "" if amount is None else str(amount)
        if row is None:
            row = Setting(key=KEY, value=value)
        else:
            row.value = value
            row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="pool.second_approval_threshold",
            obj=row,
            before=before,
            after={"second_approval_above": amount},
        )
    return amount


def recommend(session: Session, *, actor: User, claim: Claim, today: date) -> None:
    """The first bureau user recommends the claim for approval (in the caller's unit); it
    stays filed until a second, different bureau user approves it."""
    before = audit.snapshot(claim)
    claim.recommended_by_id = actor.id
    claim.recommended_on = today
    session.add(claim)
    audit.record(
        session,
        actor=actor,
        action="claim.recommend",
        obj=claim,
        before=before,
        after=audit.snapshot(claim),
    )
