"""The bureau's pool: scheme versions, claims, receivables, recoveries, ledger, suspensions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.kinds import DisposalKind, LedgerAccount
from market.domain.states import ClaimStatus
from market.domain.timeutil import utcnow
from market.models.types import enum_column, json_column, money_column, utc_column


class SchemeVersion(SQLModel, table=True):
    """One version of the bureau's scheme (riskpool.Scheme as JSON), in force from a date."""

    __tablename__ = "scheme_version"
    __table_args__ = (sa.UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    version: int
    effective_from: date = Field(index=True)
    document: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    # Which organisation stands behind each non-bank party (insurer, guarantor, valuer, ...).
    partners: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Claim(SQLModel, table=True):
    """A bank's compensation claim on a non-performing enrolled loan."""

    __tablename__ = "claim"
    __table_args__ = (
        sa.Index(
            "uq_claim_live_per_loan",
            "loan_id",
            unique=True,
            sqlite_where=sa.text("status <> 'rejected'"),
            postgresql_where=sa.text("status <> 'rejected'"),
        ),
        sa.CheckConstraint("loss > 0", name="ck_claim_loss_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    bank_id: int = Field(foreign_key="organisation.id", index=True)
    scheme_version_id: int = Field(foreign_key="scheme_version.id")
    loss: int = Field(sa_column=money_column())  # outstanding principal at filing
    filed_on: date
    # The day the provincial bureau confirmed the loss, for schemes whose deadline counts
    # from it (Weihai: 10 working days).
    loss_confirmed_on: date | None = None
    deadline_on: date | None = None
    filed_by_id: int = Field(foreign_key="user_account.id")
    note: str = Field(default="", max_length=1000)
    status: ClaimStatus = Field(default=ClaimStatus.FILED, sa_column=enum_column(ClaimStatus))
    # Four eyes (services/four_eyes.py): the first bureau user of a claim above the bureau's
    # threshold recommends it; a different one approves it.
    recommended_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    recommended_on: date | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_on: date | None = None
    decision_reason: str = Field(default="", max_length=1000)
    pool_balance_at_decision: int | None = Field(
        default=None, sa_column=money_column(nullable=True)
    )
    split: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    split_notes: list[Any] = Field(default_factory=list, sa_column=json_column())


class Receivable(SQLModel, table=True):
    """What a party other than the pool and the bank owes on an approved claim."""

    __tablename__ = "receivable"
    __table_args__ = (
        sa.UniqueConstraint("claim_id", "party"),
        sa.CheckConstraint("amount >= 0", name="ck_receivable_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    party: str = Field(max_length=32)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    amount: int = Field(sa_column=money_column())
    settled: int = Field(default=0, sa_column=money_column())
    created_on: date


class Recovery(SQLModel, table=True):
    """Proceeds of disposing of pledged IP, split by the scheme's recovery rule."""

    __tablename__ = "recovery"
    __table_args__ = (sa.CheckConstraint("proceeds >= 0", name="ck_recovery_proceeds"),)

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    disposal: DisposalKind = Field(sa_column=enum_column(DisposalKind))
    proceeds: int = Field(sa_column=money_column())
    received_on: date
    counterparty: str = Field(default="", max_length=200)
    closes_disposal: bool = False
    distribution: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    recorded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class LedgerEntry(SQLModel, table=True):
    """One line of a double-entry pool transaction; rows are only ever inserted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0) AND debit + credit > 0",
            name="ck_ledger_one_side",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    txn: str = Field(max_length=36, index=True)
    posted_on: date = Field(index=True)
    account: LedgerAccount = Field(sa_column=enum_column(LedgerAccount))
    debit: int = Field(default=0, sa_column=money_column())
    credit: int = Field(default=0, sa_column=money_column())
    memo: str = Field(default="", max_length=500)
    # The memo as a message key and parameters (market.domain.messages.stored), shown in the
    # reader's language; None on rows written before it and on memos typed by a person.
    memo_message: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON()))
    loan_id: int | None = Field(default=None, foreign_key="loan.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id")
    recovery_id: int | None = Field(default=None, foreign_key="recovery.id")
    reverses_txn: str | None = Field(default=None, max_length=36)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class BankSuspension(SQLModel, table=True):
    """A bank whose NPL losses passed the scheme's trigger; lifted only by the bureau."""

    __tablename__ = "bank_suspension"
    __table_args__ = (
        sa.Index(
            "uq_bank_suspension_live",
            "bank_id",
            unique=True,
            sqlite_where=sa.text("lifted_on IS NULL"),
            postgresql_where=sa.text("lifted_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    bank_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    npl_losses: int = Field(sa_column=money_column())
    enrolled_principal: int = Field(sa_column=money_column())
    trigger_bp: int
    suspended_on: date
    reason: str = Field(max_length=500)
    # The reason as a message key and parameters, shown in the reader's language (None on
    # rows written before it: their stored text is shown).
    reason_message: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON()))
    lifted_on: date | None = None
    lifted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    lift_reason: str = Field(default="", max_length=500)
