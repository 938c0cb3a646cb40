"""IP assets listed by SMEs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.kinds import AssetKind, Industry, LegalStatus
from market.domain.states import AssetStatus
from market.domain.timeutil import utcnow
from market.models.types import enum_column, json_column, money_column, utc_column


class IPAsset(SQLModel, table=True):
    __tablename__ = "ip_asset"
    __table_args__ = (
        # One live listing per registry number; a withdrawn listing frees the number.
        sa.Index(
            "uq_ip_asset_live_registry_number",
            "registry_number",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="organisation.id", index=True)
    kind: AssetKind = Field(sa_column=enum_column(AssetKind))
    registry_number: str = Field(max_length=32)
    title: str = Field(max_length=200)
    holder_name: str = Field(default="", max_length=200)
    industry: Industry = Field(sa_column=enum_column(Industry))
    legal_status: LegalStatus = Field(sa_column=enum_column(LegalStatus))
    filing_date: date
    grant_date: date | None = None
    expiry_date: date | None = None
    annual_revenue: int | None = Field(default=None, sa_column=money_column(nullable=True))
    development_cost: int | None = Field(default=None, sa_column=money_column(nullable=True))
    revenue_growth_bp: int | None = None
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: AssetStatus = Field(default=AssetStatus.ACTIVE, sa_column=enum_column(AssetStatus))
    row_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
