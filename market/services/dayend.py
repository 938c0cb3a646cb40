"""Moving the business date: offers past their expiry lapse, loans are reclassified."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from market.models.orgs import User
from market.services.clock import set_business_date
from market.services.offers import expire_offers
from market.services.servicing import reclassify_all


def move_business_date(session: Session, *, actor: User | None, day: date) -> date:
    """Set the business date (never backwards) and run the day's work, in the caller's unit."""
    set_business_date(session, actor=actor, day=day)
    expire_offers(session, actor=actor, today=day)
    reclassify_all(session, actor=actor, today=day)
    return day
