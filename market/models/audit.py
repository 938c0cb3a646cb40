"""The append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import json_column, utc_column


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64)
    object_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    after: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    remote_addr: str | None = Field(default=None, max_length=64)
