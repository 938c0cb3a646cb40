"""The business date: a settable clock that drives schedules, arrears and claims."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from market.domain.errors import ValidationFailed
from market.domain.messages import N_, msg
from market.domain.timeutil import utcnow
from market.models.orgs import User
from market.models.settings import Setting
from market.services import audit

KEY = "business_date"


def business_date(session: Session) -> date:
    """Today's business date: the stored one, or the calendar date (UTC) if none is set."""
    row = session.get(Setting, KEY)
    return date.fromisoformat(row.value) if row else utcnow().date()


def set_business_date(session: Session, *, actor: User | None, day: date) -> date:
    """Move the business date to `day`; it never goes backwards."""
    current = business_date(session)
    row = session.get(Setting, KEY)
    if row is not None and day < current:
        raise ValidationFailed(
            msg("The business date cannot go back (it is %(day)s).", day=current.isoformat()),
            errors={"day": N_("Must not be before the current business date.")},
        )
    before = {"business_date": row.value if row else None}
    if row is None:
        row = Setting(key=KEY, value=day.isoformat())
    else:
        row.value = day.isoformat()
        row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="clock.set",
        obj=row,
        before=before,
        after={"business_date": day.isoformat()},
    )
    return day
