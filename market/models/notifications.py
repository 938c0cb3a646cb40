"""In-app notifications and each user's choice of e-mails (issue 16).

A notice stores a message key (its kind) and parameters, never finished text, so it is shown
in the reader's language; one notice per user, kind and object (the unique key makes raising
it twice, e.g. by a day-end run again, a no-op)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.kinds import NoticeKind
from market.domain.timeutil import utcnow
from market.models.indexes import UNPAID
from market.models.servicing import Instalment
from market.models.types import enum_column, json_column, utc_column

#: The day-end's payment notices find unpaid instalments by due date (a window of 7 days,
#: and those past due) without reading the whole schedule of the book.
INSTALMENT_UNPAID_BY_DUE = sa.Index(
    "ix_instalment_unpaid_by_due",
    Instalment.__table__.c.due_on,  # type: ignore[attr-defined]
    sqlite_where=sa.text(UNPAID),
    postgresql_where=sa.text(UNPAID),
)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "object_id", name="uq_notification_once"),
        # The bell's unread count and the reader's list, newest first.
        sa.Index("ix_notification_user_read", "user_id", "read_at", "id"),
        # An event's e-mails: the notices about one object; the day-end's: today's.
        sa.Index("ix_notification_about", "kind", "object_id"),
        sa.Index("ix_notification_created_on", "created_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    kind: NoticeKind = Field(sa_column=enum_column(NoticeKind))
    object_id: int  # the request, offer, instalment, claim or suspension it is about
    params: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    created_on: date  # the business date of the event
    read_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class NoticeEmailChoice(SQLModel, table=True):
    """A user's choice for the e-mails of one kind of notice (no row: e-mails are sent)."""

    __tablename__ = "notice_email_choice"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    kind: NoticeKind = Field(sa_column=enum_column(NoticeKind, primary_key=True))
    email: bool = Field(default=True)
