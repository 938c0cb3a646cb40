"""Site-wide settings kept in the database (e.g. the business date)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import utc_column


class Setting(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=500)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
