"""The append-only audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import json_column, utc_column


class BusinessDay(sa.sql.expression.FunctionElement[date]):
    """SQL for the business date stored in the setting row `business_date` (the UTC calendar
    date when none is set, as services.clock.business_date reads it), so every insert, the
    day-end's INSERT ... SELECT included, records the business date of its event."""

    type = sa.Date()
    name = "business_day"
    inherit_cache = True


@compiles(BusinessDay)
def _business_day_pg(element: BusinessDay, compiler: SQLCompiler, **kw: Any) -> str:
    return (
        "COALESCE((SELECT CAST(value AS DATE) FROM setting WHERE key = 'business_date'), "
        "CAST(timezone('UTC', now()) AS DATE))"
    )


@compiles(BusinessDay, "sqlite")
def _business_day_sqlite(element: BusinessDay, compiler: SQLCompiler, **kw: Any) -> str:
    return "COALESCE((SELECT value FROM setting WHERE key = 'business_date'), date('now'))"


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    # The business date of the event (the wall clock is `at`); filled in by the database.
    business_on: date | None = Field(
        default=None,
        sa_column=sa.Column(sa.Date(), nullable=False, default=BusinessDay(), index=True),
    )
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64)
    object_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    after: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    remote_addr: str | None = Field(default=None, max_length=64)
