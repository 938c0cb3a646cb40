"""Corrections of recoveries: a mistaken recovery is reversed, never edited or deleted."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import utc_column


class RecoveryReversal(SQLModel, table=True):
    """The reversal of one recovery (at most one), with the reason and the ledger mirror."""

    __tablename__ = "recovery_reversal"

    id: int | None = Field(default=None, primary_key=True)
    recovery_id: int = Field(foreign_key="recovery.id", unique=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    reason: str = Field(max_length=500)
    txn: str | None = Field(
        default=None, max_length=36
    )  # the mirror posting, if the pool had a part
    reversed_on: date
    reversed_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
