"""Pledges of IP assets registered for a loan."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.states import PledgeStatus
from market.domain.timeutil import utcnow
from market.models.types import enum_column, utc_column


class Pledge(SQLModel, table=True):
    """One asset pledged for one loan; the database allows one active pledge per asset."""

    __tablename__ = "pledge"
    __table_args__ = (
        sa.Index(
            "uq_pledge_active_asset",
            "asset_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    asset_id: int = Field(foreign_key="ip_asset.id", index=True)
    valuation_id: int = Field(foreign_key="asset_valuation.id")
    registration_number: str = Field(max_length=32, unique=True)
    status: PledgeStatus = Field(default=PledgeStatus.ACTIVE, sa_column=enum_column(PledgeStatus))
    registered_on: date
    released_on: date | None = None
    release_reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
