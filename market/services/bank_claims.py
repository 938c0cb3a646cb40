"""A bank's own compensation claims, newest first."""

from __future__ import annotations

from sqlmodel import Session, col, select

from market.domain.errors import PermissionDenied
from market.domain.messages import N_
from market.models.orgs import User
from market.models.pool import Claim
from market.services.requests import BANK_ROLES


def claims_of_bank(session: Session, *, actor: User) -> list[Claim]:
    """Every claim the actor's bank filed (officers and approvers only)."""
    if actor.role not in BANK_ROLES:
        raise PermissionDenied(N_("Only a bank sees its list of claims."))
    query = (
        select(Claim)
        .where(Claim.bank_id == actor.organisation_id)
        .order_by(col(Claim.filed_on).desc(), col(Claim.id).desc())
    )
    return list(session.exec(query).all())
