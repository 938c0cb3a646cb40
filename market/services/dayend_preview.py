"""The preview of moving the business date: how many live loans the day-end will move to
which class, and which approved offers it will expire, counted in SQL with the day-end's own
expressions (market.services.dayend) at the new date; and the move itself, refused when these
figures changed since the administrator's preview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from market.domain.errors import ValidationFailed
from market.domain.messages import N_, msg
from market.domain.schedule import Classification
from market.domain.states import OfferStatus
from market.models.lending import Loan, Offer
from market.models.orgs import User
from market.models.servicing import Instalment
from market.services import previews
from market.services.clock import business_date
from market.services.dayend import LIVE, class_of_days, move_business_date
from market.services.dayend_sql import days_since, table
from market.services.servicing import thresholds

#: How many of the offers to expire the preview lists by number (all are counted).
OFFERS_LISTED = 50


@dataclass(frozen=True)
class ExpiringOffer:
    """An approved offer the move expires."""

    offer_id: int
    bank_id: int
    request_id: int
    expires_on: date


@dataclass(frozen=True)
class DayEndPlan:
    """What moving the business date from `today` to `day` will do."""

    today: date
    day: date
    reclassified: dict[Classification, int]  # new class -> live loans moving into it
    offers_expiring: int
    offers: tuple[ExpiringOffer, ...]  # the first OFFERS_LISTED of them, by expiry

    @property
    def loans_reclassified(self) -> int:
        """Live loans whose class changes."""
        return sum(self.reclassified.values())

    @property
    def digest(self) -> str:
        """The fingerprint of the figures the administrator confirms."""
        return previews.digest(
            {
                "action": "clock.move",
                "today": self.today,
                "day": self.day,
                "reclassified": {c.value: n for c, n in self.reclassified.items()},
                "offers": self.offers_expiring,
                "listed": [o.offer_id for o in self.offers],
            }
        )


def plan_day_end(session: Session, *, day: date) -> DayEndPlan:
    """Count what the day-end at `day` will change (nothing is written)."""
    today = business_date(session)
    if day < today:
        raise ValidationFailed(
            msg("The business date cannot go back (it is %(day)s).", day=today.isoformat()),
            errors={"day": N_("Must not be before the current business date.")},
        )
    loan = table(Loan)
    inst = table(Instalment)
    unpaid_overdue = sa.and_(
        inst.c.loan_id == loan.c.id,
        inst.c.due_on < sa.literal(day),
        sa.or_(
            inst.c.principal_paid < inst.c.principal_due,
            inst.c.interest_paid < inst.c.interest_due,
        ),
    )
    oldest = (
        sa.select(
            loan.c.id.label("loan_id"),
            loan.c.classification.label("now"),
            sa.func.min(inst.c.due_on).label("oldest"),
        )
        .select_from(loan.outerjoin(inst, unpaid_overdue))
        .where(loan.c.status.in_(LIVE))
        .group_by(loan.c.id, loan.c.classification)
        .subquery("oldest")
    )
    dpd = sa.func.coalesce(days_since(session.get_bind().dialect.name, day, oldest.c.oldest), 0)
    new_class = class_of_days(dpd, thresholds(session)).label("new_class")
    moving = (
        sa.select(new_class, sa.func.count())
        .select_from(oldest)
        .where(oldest.c.now != new_class)
        .group_by(new_class)
    )
    reclassified = {
        Classification(value): int(count) for value, count in session.execute(moving).all()
    }
    offer = table(Offer)
    due = sa.and_(
        offer.c.status == OfferStatus.APPROVED.value, offer.c.expires_on < sa.literal(day)
    )
    count = session.execute(sa.select(sa.func.count()).select_from(offer).where(due)).scalar_one()
    listed = session.execute(
        sa.select(offer.c.id, offer.c.bank_id, offer.c.request_id, offer.c.expires_on)
        .where(due)
        .order_by(offer.c.expires_on, offer.c.id)
        .limit(OFFERS_LISTED)
    ).all()
    return DayEndPlan(
        today=today,
        day=day,
        reclassified={c: reclassified[c] for c in Classification if c in reclassified},
        offers_expiring=int(count),
        offers=tuple(ExpiringOffer(int(i), int(b), int(r), e) for i, b, r, e in listed),
    )


def move_after_preview(
    session: Session, *, actor: User, day: date, expected: str | None
) -> DayEndPlan:
    """Move the business date to `day` and run the day-end, in the caller's unit, unless the
    figures previewed (`expected`) changed since (StalePreview, nothing done)."""
    plan = plan_day_end(session, day=day)
    previews.require_digest(expected, plan.digest)
    move_business_date(session, actor=actor, day=day)
    return plan
