"""Moving the business date and the day-end work it triggers, set-wise: offers past their
expiry lapse, overdue amounts accrue penalty and compound interest (dayend_accrual) and every
live loan's days past due and five-tier class are recomputed in a handful of SQL statements,
whatever the size of the book.

Classification follows the 2023 rule (商业银行金融资产风险分类办法, CBIRC + PBoC order 2023
No. 1): a loan is in a class when it is *more than* that class's number of days past due.
Days past due count from the oldest instalment due before the business date that is not
fully paid. Each loan whose class changes gets one audit event, inserted by one
INSERT ... SELECT (the same event the per-loan path writes, with only the changed fields).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from market.domain.schedule import Classification
from market.domain.states import LoanStatus, OfferStatus
from market.domain.timeutil import utcnow
from market.models.audit import AuditEvent
from market.models.lending import Loan, Offer
from market.models.orgs import User
from market.models.servicing import Instalment
from market.models.types import UTCDateTime
from market.services import desk_rollup
from market.services.clock import set_business_date
from market.services.dayend_accrual import accrue_overdue_set
from market.services.dayend_sql import days_since as _days_since
from market.services.dayend_sql import table as _table
from market.services.notice_dayend import raise_payment_notices
from market.services.servicing import thresholds

LIVE = (LoanStatus.ACTIVE.value, LoanStatus.IN_CLAIM.value)
NPL_CLASSES = tuple(c.value for c in Classification if c.is_npl)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DayEnd:
    """What one day-end did."""

    day: date
    offers_expired: int
    loans_recounted: int  # live loans whose days past due changed
    loans_reclassified: int  # of which changed class (one audit event each)
    loans_accrued: int = 0  # live loans with overdue amounts that accrued penalty interest


def move_business_date(
    session: Session, *, actor: User | None, day: date, progress: Progress | None = None
) -> date:
    """Set the business date (never backwards) and run the day's work, in the caller's unit."""
    run_day_end(session, actor=actor, day=day, progress=progress)
    return day


def run_day_end(
    session: Session, *, actor: User | None, day: date, progress: Progress | None = None
) -> DayEnd:
    """Move the date, expire offers and reclassify every live loan, set-wise."""
    say = progress or (lambda _text: None)
    set_business_date(session, actor=actor, day=day)
    session.flush()
    say("offers")
    expired = expire_offers_set(session, actor=actor, today=day)
    say("penalty interest")
    accrued = accrue_overdue_set(session, today=day)
    say("days past due")
    recounted = refresh_days_past_due(session, today=day)
    say("classification")
    changed = reclassify_set(session, actor=actor, today=day)
    raise_payment_notices(session, today=day)
    desk_rollup.refresh(session, today=day, progress=say)
    # Rows loaded before the statements ran are stale now.
    session.expire_all()
    return DayEnd(day, expired, recounted, changed, accrued)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _json_object(dialect: str, *pairs: tuple[str, Any]) -> Any:
    """A JSON object built in SQL from (key, expression) pairs."""
    args: list[Any] = []
    for key, value in pairs:
        args += [sa.literal(key), value]
    if dialect == "postgresql":
        return sa.func.json_build_object(*args)
    return sa.func.json_object(*args)


AUDIT_COLUMNS = (
    "at", "actor_id", "organisation_id", "action", "object_type", "object_id", "before", "after"
)


def _audit_insert(rows: sa.Select[Any]) -> sa.Insert:
    """INSERT INTO audit_event SELECT ... (rows in the order of AUDIT_COLUMNS)."""
    return sa.insert(_table(AuditEvent)).from_select(list(AUDIT_COLUMNS), rows)


def expire_offers_set(session: Session, *, actor: User | None, today: date) -> int:
    """Approved offers past their expiry date become expired (one audit event each)."""
    offer = _table(Offer)
    due = sa.and_(
        offer.c.status == OfferStatus.APPROVED.value, offer.c.expires_on < sa.literal(today)
    )
    dialect = _dialect(session)
    now = utcnow()
    events = sa.select(
        sa.literal(now, UTCDateTime()),
        sa.literal(actor.id if actor else None, sa.Integer()),
        offer.c.bank_id,
        sa.literal("offer.expired"),
        sa.literal("Offer"),
        offer.c.id,
        _json_object(dialect, ("status", offer.c.status)),
        _json_object(dialect, ("status", sa.literal(OfferStatus.EXPIRED.value))),
    ).where(due)
    session.execute(_audit_insert(events))
    result = session.execute(
        sa.update(offer)
        .where(due)
        .values(status=OfferStatus.EXPIRED.value, decided_at=sa.literal(now, UTCDateTime()))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def refresh_days_past_due(session: Session, *, today: date) -> int:
    """Store each live loan's days past due (from its oldest unpaid overdue instalment)."""
    loan = _table(Loan)
    inst = _table(Instalment)
    dialect = _dialect(session)
    unpaid_overdue = sa.and_(
        inst.c.loan_id == loan.c.id,
        inst.c.due_on < sa.literal(today),
        sa.or_(
            inst.c.principal_paid < inst.c.principal_due,
            inst.c.interest_paid < inst.c.interest_due,
        ),
    )
    oldest = (
        sa.select(loan.c.id.label("loan_id"), sa.func.min(inst.c.due_on).label("oldest"))
        .select_from(loan.outerjoin(inst, unpaid_overdue))
        .where(loan.c.status.in_(LIVE))
        .group_by(loan.c.id)
        .subquery("oldest")
    )
    dpd = sa.func.coalesce(_days_since(dialect, today, oldest.c.oldest), 0)
    result = session.execute(
        sa.update(loan)
        .where(loan.c.id == oldest.c.loan_id, loan.c.days_past_due != dpd)
        .values(days_past_due=dpd)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def class_of_days(days: Any, limits: tuple[int, int, int, int]) -> Any:
    """The SQL CASE giving the five-tier class of `days` past due (more than each limit)."""
    special, substandard, doubtful, loss = limits
    return sa.case(
        (days > loss, Classification.LOSS.value),
        (days > doubtful, Classification.DOUBTFUL.value),
        (days > substandard, Classification.SUBSTANDARD.value),
        (days > special, Classification.SPECIAL_MENTION.value),
        else_=Classification.NORMAL.value,
    )


def _npl_since(dialect: str, today: date, days: Any, substandard: int) -> Any:
    """The day the loan went past the substandard limit: oldest due date + limit + 1."""
    shift = substandard + 1 - days  # days from today back to that day (negative)
    if dialect == "postgresql":
        return sa.cast(sa.literal(today, sa.Date()) + shift, sa.Date())
    return sa.func.date(sa.literal(today.isoformat()), sa.func.printf("%+d days", shift))


def reclassify_set(session: Session, *, actor: User | None, today: date) -> int:
    """Set every live loan's class from its stored days past due; audit the changes."""
    loan = _table(Loan)
    dialect = _dialect(session)
    limits = thresholds(session)
    new_class = class_of_days(loan.c.days_past_due, limits)
    new_since = sa.case(
        (new_class.in_(NPL_CLASSES), _npl_since(dialect, today, loan.c.days_past_due, limits[1])),
        else_=sa.null(),
    )
    live = loan.c.status.in_(LIVE)
    events = sa.select(
        sa.literal(utcnow(), UTCDateTime()),
        sa.literal(actor.id if actor else None, sa.Integer()),
        loan.c.bank_id,
        sa.literal("loan.classify"),
        sa.literal("Loan"),
        loan.c.id,
        _json_object(dialect, ("classification", loan.c.classification)),
        _json_object(
            dialect,
            ("classification", new_class),
            ("days_past_due", loan.c.days_past_due),
        ),
    ).where(live, loan.c.classification != new_class)
    # psycopg reports no row count for INSERT ... SELECT through SQLAlchemy: count first.
    changed = session.execute(
        sa.select(sa.func.count()).select_from(loan).where(live, loan.c.classification != new_class)
    ).scalar_one()
    session.execute(_audit_insert(events))
    session.execute(
        sa.update(loan)
        .where(
            live,
            sa.or_(
                loan.c.classification != new_class,
                loan.c.npl_since.is_distinct_from(new_since),
            ),
        )
        .values(classification=new_class, npl_since=new_since)
    )
    return int(changed)
