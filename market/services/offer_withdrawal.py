"""A bank officer takes back an offer that is still waiting for approval."""

from __future__ import annotations

from sqlmodel import Session, select

from market.domain.errors import NotFound, PermissionDenied
from market.domain.kinds import Role
from market.domain.messages import N_
from market.domain.states import OfferStatus
from market.frame.db import transaction
from market.models.lending import Offer
from market.models.orgs import User
from market.services.requests import move_offer


def withdraw_offer(session: Session, *, actor: User, offer_id: int) -> Offer:
    """Withdraw a pending offer of the officer's own bank (audited as offer.withdrawn; the
    state machine refuses an offer already approved, sent back, accepted or lapsed)."""
    if actor.role is not Role.BANK_OFFICER:
        raise PermissionDenied(N_("Only a bank officer can withdraw an offer."))
    with transaction(session):
        offer = session.exec(select(Offer).where(Offer.id == offer_id).with_for_update()).first()
        if offer is None:
            raise NotFound(N_("No such offer."))
        if offer.bank_id != actor.organisation_id:
            raise PermissionDenied(N_("This offer belongs to another bank."))
        move_offer(session, actor=actor, offer=offer, target=OfferStatus.WITHDRAWN)
    return offer
