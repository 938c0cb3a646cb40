"""Public-holiday calendars the administrator enters from the State Council's yearly notice
(years built into market.domain.holidays need no row)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import json_column, utc_column


class HolidayYear(SQLModel, table=True):
    """One year's public holidays and make-up working days (ISO dates), with the notice."""

    __tablename__ = "holiday_year"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    holidays: list[str] = Field(default_factory=list, sa_column=json_column())
    makeup_workdays: list[str] = Field(default_factory=list, sa_column=json_column())
    source: str = Field(max_length=500)
    entered_by_id: int = Field(foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
