"""Payments of fees and premiums, the bureau's fee table and the Stripe events processed."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.payments import PaymentPurpose, PaymentStatus
from market.domain.timeutil import utcnow
from market.models.types import enum_column, money_column, utc_column


class Payment(SQLModel, table=True):
    """One charge to a company, created before Stripe is called so nothing is lost halfway."""

    __tablename__ = "payment"
    __table_args__ = (
        # One live payment per thing paid for (cancelled and refunded ones free it).
        sa.Index(
            "uq_payment_live_subject",
            "purpose",
            "subject_key",
            unique=True,
            sqlite_where=sa.text("status NOT IN ('cancelled', 'refunded')"),
            postgresql_where=sa.text("status NOT IN ('cancelled', 'refunded')"),
        ),
        sa.CheckConstraint(
            "gross >= 0 AND subsidy >= 0 AND amount >= 0 AND gross = subsidy + amount",
            name="ck_payment_amounts",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    purpose: PaymentPurpose = Field(sa_column=enum_column(PaymentPurpose))
    subject_key: str = Field(max_length=40)  # e.g. "valuation:12", "loan:5"
    valuation_id: int | None = Field(default=None, foreign_key="asset_valuation.id", index=True)
    loan_id: int | None = Field(default=None, foreign_key="loan.id", index=True)
    company_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    gross: int = Field(sa_column=money_column())  # the fee before the subsidy
    subsidy: int = Field(default=0, sa_column=money_column())  # what the pool pays
    amount: int = Field(sa_column=money_column())  # what the company pays through Stripe
    currency: str = Field(default="cny", max_length=3)
    subsidy_year: int  # the business year whose cap the subsidy counts against
    status: PaymentStatus = Field(
        default=PaymentStatus.CREATED, sa_column=enum_column(PaymentStatus, index=True)
    )
    simulated: bool = False
    idempotency_key: str = Field(max_length=64, unique=True)
    stripe_payment_intent_id: str | None = Field(default=None, max_length=255, unique=True)
    stripe_refund_id: str | None = Field(default=None, max_length=255)
    last_error: str = Field(default="", max_length=500)
    subsidy_txn: str | None = Field(default=None, max_length=36)
    refund_reason: str = Field(default="", max_length=500)
    refunded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_on: date  # business date
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    paid_on: date | None = None
    refunded_on: date | None = None


class FeeTable(SQLModel, table=True):
    """The bureau's fees, rates and subsidies; every edit adds a row, the newest applies."""

    __tablename__ = "fee_table"
    __table_args__ = (
        sa.CheckConstraint(
            "valuation_fee_invention_patent >= 0 AND valuation_fee_utility_model >= 0 "
            "AND valuation_fee_design_patent >= 0 AND valuation_fee_trademark >= 0 "
            "AND valuation_fee_gi_mark >= 0 AND guarantee_fee_bp BETWEEN 0 AND 10000 "
            "AND premium_bp BETWEEN 0 AND 10000 "
            "AND valuation_subsidy_bp BETWEEN 0 AND 10000 "
            "AND guarantee_subsidy_bp BETWEEN 0 AND 10000 "
            "AND premium_subsidy_bp BETWEEN 0 AND 10000 AND yearly_cap >= 0",
            name="ck_fee_table_ranges",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    valuation_fee_invention_patent: int = Field(sa_column=money_column())
    valuation_fee_utility_model: int = Field(sa_column=money_column())
    valuation_fee_design_patent: int = Field(sa_column=money_column())
    valuation_fee_trademark: int = Field(sa_column=money_column())
    valuation_fee_gi_mark: int = Field(sa_column=money_column())
    guarantee_fee_bp: int  # a year, on the loan's principal
    premium_bp: int  # a year, on the loan's principal (when the scheme sets none)
    valuation_subsidy_bp: int
    guarantee_subsidy_bp: int
    premium_subsidy_bp: int  # first-year share (when the scheme sets none)
    yearly_cap: int = Field(sa_column=money_column())  # per company and business year
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class StripeEvent(SQLModel, table=True):
    """A webhook event already processed: its unique id makes a second delivery a no-op."""

    __tablename__ = "stripe_event"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=255, unique=True)
    event_type: str = Field(max_length=100)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
