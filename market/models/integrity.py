"""Tables that keep money actions single and serial: the pool's lock row, the one reversal of
a ledger transaction, and the idempotency keys of money forms."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.timeutil import utcnow
from market.models.types import utc_column


class PoolLock(SQLModel, table=True):
    """The one row every posting to the pool locks first, so postings run one at a time."""

    __tablename__ = "pool_lock"
    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_pool_lock_one_row"),)

    id: int = Field(default=1, primary_key=True)


class LedgerReversal(SQLModel, table=True):
    """A reversed ledger transaction and the transaction that mirrors it: one per original.

    A trigger on ledger_entry only accepts reversal lines whose pair is recorded here, and the
    primary key on `reversed_txn` lets only one such pair exist, whatever the code does.
    """

    __tablename__ = "ledger_reversal"

    reversed_txn: str = Field(max_length=36, primary_key=True)
    reversal_txn: str = Field(max_length=36, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class IdempotencyKey(SQLModel, table=True):
    """A money form's key, stored with the first submission's result (where it went)."""

    __tablename__ = "idempotency_key"

    key: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    action: str = Field(max_length=64)
    result: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
