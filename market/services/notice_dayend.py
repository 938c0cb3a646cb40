"""The day-end's payment notices, set-wise: the borrower's SME users are told of each unpaid
instalment of an active loan falling due within the next 7 days, and of each one past its due
date (within the last 30 days). One INSERT ... SELECT per kind whatever the size of the book;
each instalment is told once per kind (the notification's unique key), so a day-end run again
adds nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from market.domain.kinds import NoticeKind, Role
from market.domain.states import LoanStatus
from market.domain.timeutil import utcnow
from market.models.lending import Loan
from market.models.notifications import Notification
from market.models.orgs import User
from market.models.servicing import Instalment
from market.models.types import UTCDateTime
from market.services.dayend_sql import table
from market.services.notifications import not_told_yet, notice_insert, queue_notice_emails

#: How many days ahead a payment is announced (issue 16: "a payment due in 7 days").
DUE_NOTICE_DAYS = 7
#: An instalment is reported overdue if it fell due within this many days: each is told the
#: day-end after its due date; a book older than the notices (or a date moved far at once) is
#: not flooded with one notice per instalment missed long ago.
OVERDUE_LOOKBACK_DAYS = 30


def raise_payment_notices(session: Session, *, today: date) -> None:
    """Raise today's payment-due and overdue notices and queue their e-mails."""
    inst = table(Instalment)
    window = sa.and_(
        inst.c.due_on >= sa.literal(today, sa.Date()),
        inst.c.due_on <= sa.literal(today + timedelta(days=DUE_NOTICE_DAYS), sa.Date()),
    )
    _raise(session, NoticeKind.PAYMENT_DUE, window, today)
    recent = sa.and_(
        inst.c.due_on < sa.literal(today, sa.Date()),
        inst.c.due_on >= sa.literal(today - timedelta(days=OVERDUE_LOOKBACK_DAYS), sa.Date()),
    )
    _raise(session, NoticeKind.PAYMENT_OVERDUE, recent, today)
    n = table(Notification)
    queue_notice_emails(
        session,
        n.c.kind.in_([NoticeKind.PAYMENT_DUE.value, NoticeKind.PAYMENT_OVERDUE.value]),
        n.c.created_on == sa.literal(today, sa.Date()),
    )


def _raise(session: Session, kind: NoticeKind, when: Any, today: date) -> None:
    """One INSERT ... SELECT of `kind` for the unpaid instalments matching `when`."""
    from market.services.dayend import _json_object  # the day-end's JSON builder (no cycle)

    inst = table(Instalment)
    loan = table(Loan)
    user = table(User)
    owed = (inst.c.principal_due - inst.c.principal_paid) + (
        inst.c.interest_due - inst.c.interest_paid
    )
    params = _json_object(
        session.get_bind().dialect.name,
        ("loan", loan.c.id),
        ("number", inst.c.number),
        ("due", inst.c.due_on),
        ("amount", owed),
    )
    rows = (
        sa.select(
            user.c.id,
            sa.literal(kind.value),
            inst.c.id,
            params,
            sa.literal(utcnow(), UTCDateTime()),
            sa.literal(today, sa.Date()),
        )
        .select_from(
            inst.join(loan, loan.c.id == inst.c.loan_id).join(
                user,
                sa.and_(
                    user.c.organisation_id == loan.c.borrower_id,
                    user.c.role == Role.SME.value,
                    user.c.is_active,
                ),
            )
        )
        .where(
            loan.c.status == LoanStatus.ACTIVE.value,
            sa.or_(
                inst.c.principal_paid < inst.c.principal_due,
                inst.c.interest_paid < inst.c.interest_due,
            ),
            when,
            not_told_yet(user.c.id, kind.value, inst.c.id),
        )
    )
    session.execute(notice_insert(rows))
