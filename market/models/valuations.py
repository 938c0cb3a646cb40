"""Stored valuations of IP assets: what the model said, with the inputs that reproduce it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import json_column, money_column, utc_column


class AssetValuation(SQLModel, table=True):
    """One run of the valuation model on one version of an asset; never updated."""

    __tablename__ = "asset_valuation"

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="ip_asset.id", index=True)
    asset_row_version: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    model_version: str = Field(max_length=40)
    as_of: date
    seed: int
    score_centi: int  # score x 100, for sorting and filtering
    grade: str = Field(max_length=4)
    value_p10: int = Field(sa_column=money_column())
    value_p50: int = Field(sa_column=money_column())
    value_p90: int = Field(sa_column=money_column())
    liquidation_value: int = Field(sa_column=money_column())
    pledge_rate_bp: int
    max_loan: int = Field(sa_column=money_column())
    inputs: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    result: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    report_released_on: date | None = None  # the formal report, once its fee is paid

    @property
    def score(self) -> float:
        return self.score_centi / 100


class BankValuation(SQLModel, table=True):
    """A bank's own adjusted value of an asset, kept beside (never over) the model's."""

    __tablename__ = "bank_valuation"
    __table_args__ = (sa.CheckConstraint("adjusted_value >= 0", name="ck_bank_value"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="ip_asset.id", index=True)
    valuation_id: int = Field(foreign_key="asset_valuation.id")
    bank_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    adjusted_value: int = Field(sa_column=money_column())
    reason: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
