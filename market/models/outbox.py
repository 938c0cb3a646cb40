"""E-mail waiting to be sent: the site writes here, a mailer (or the log, in development)
delivers it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import utc_column


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_email"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=4000)
    kind: str = Field(max_length=32, index=True)
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # A notification's e-mail is written in the reader's language when it is sent: its
    # subject and body stay empty until then.
    notification_id: int | None = Field(default=None, foreign_key="notification.id", index=True)
    attempts: int = Field(default=0)  # failed sending attempts (retried up to a limit)
    last_error: str = Field(default="", max_length=500)
    last_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
