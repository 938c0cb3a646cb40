"""Repayment schedules and the repayments a bank records."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.interest import PrepayMode
from market.domain.kinds import RepaymentKind
from market.domain.timeutil import utcnow
from market.models.types import enum_column, money_column, utc_column


class Instalment(SQLModel, table=True):
    """One due date of a loan's schedule, with what has been paid against it."""

    __tablename__ = "instalment"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "number"),
        sa.CheckConstraint(
            "principal_paid >= 0 AND principal_paid <= principal_due "
            "AND interest_paid >= 0 AND interest_paid <= interest_due",
            name="ck_instalment_paid_within_due",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    number: int
    due_on: date
    principal_due: int = Field(sa_column=money_column())
    interest_due: int = Field(sa_column=money_column())
    principal_paid: int = Field(default=0, sa_column=money_column())
    interest_paid: int = Field(default=0, sa_column=money_column())

    @property
    def outstanding(self) -> int:
        return self.principal_due - self.principal_paid + self.interest_due - self.interest_paid


class Repayment(SQLModel, table=True):
    """Money the borrower paid, as the bank recorded it; never edited."""

    __tablename__ = "repayment"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="ck_repayment_positive"),)
    # amount = penalty + interest + principal (tests/market/invariants.py checks it)

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    paid_on: date
    kind: RepaymentKind = Field(sa_column=enum_column(RepaymentKind))
    amount: int = Field(sa_column=money_column())
    principal: int = Field(sa_column=money_column())
    interest: int = Field(sa_column=money_column())
    recorded_by_id: int = Field(foreign_key="user_account.id")
    reference: str = Field(default="", max_length=100)
    # Penalty and compound interest paid (collected before interest and principal), the
    # interest subsidy this payment's interest earned, and what a prepayment kept.
    penalty: int = Field(default=0, sa_column=money_column(server_default="0"))
    subsidy: int = Field(default=0, sa_column=money_column(server_default="0"))
    prepay_mode: PrepayMode | None = Field(
        default=None, sa_column=enum_column(PrepayMode, nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
