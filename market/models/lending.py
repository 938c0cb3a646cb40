"""Financing requests, bank offers and loans, with their state machines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.interest import PENALTY_MARKUP_DEFAULT_BP, DayCount
from market.domain.schedule import Classification, RepaymentType
from market.domain.states import Enrolment, LoanStatus, OfferStatus, RequestStatus
from market.domain.timeutil import utcnow
from market.models.types import enum_column, json_column, money_column, utc_column


class FinancingRequest(SQLModel, table=True):
    """An SME's request for a pledge loan against one or several of its assets."""

    __tablename__ = "financing_request"

    id: int | None = Field(default=None, primary_key=True)
    borrower_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    bank_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    amount: int = Field(sa_column=money_column())
    term_months: int
    purpose: str = Field(max_length=500)
    wants_insurance: bool = False
    # Part of the amount secured by collateral other than IP (property, receivables...): the
    # schemes that cover only the IP part of a combined loan (Guangzhou 2023, Weihai) need it.
    other_collateral: int = Field(default=0, sa_column=money_column(default=0))
    max_loan: int = Field(sa_column=money_column())  # what the valuations supported at sending
    status: RequestStatus = Field(default=RequestStatus.OPEN, sa_column=enum_column(RequestStatus))
    created_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class RequestAsset(SQLModel, table=True):
    """An asset offered as collateral in a request, with the valuation it was sent with."""

    __tablename__ = "request_asset"
    __table_args__ = (sa.UniqueConstraint("request_id", "asset_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="financing_request.id", index=True)
    asset_id: int = Field(foreign_key="ip_asset.id", index=True)
    valuation_id: int = Field(foreign_key="asset_valuation.id")


class RequestDecline(SQLModel, table=True):
    """A bank's written refusal of a request."""

    __tablename__ = "request_decline"
    __table_args__ = (sa.UniqueConstraint("request_id", "bank_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="financing_request.id", index=True)
    bank_id: int = Field(foreign_key="organisation.id")
    declined_by_id: int = Field(foreign_key="user_account.id")
    reason: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Offer(SQLModel, table=True):
    """A bank's offer on a request: proposed by an officer, approved by another user."""

    __tablename__ = "offer"
    __table_args__ = (
        # At most one accepted offer per request, whatever the application does.
        sa.Index(
            "uq_offer_accepted_per_request",
            "request_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
        sa.CheckConstraint("amount > 0", name="ck_offer_amount_positive"),
        sa.CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> proposed_by_id",
            name="ck_offer_maker_checker",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="financing_request.id", index=True)
    bank_id: int = Field(foreign_key="organisation.id", index=True)
    amount: int = Field(sa_column=money_column())
    rate_bp: int  # annual interest rate in basis points
    term_months: int
    repayment_type: RepaymentType = Field(sa_column=enum_column(RepaymentType))
    rating_grade: str = Field(max_length=8)
    override_reason: str = Field(default="", max_length=1000)
    conditions: str = Field(default="", max_length=1000)
    # Funded by PBoC relending or another monetary-policy tool (Guangzhou 2025: +5 points).
    relending: bool = Field(default=False)
    status: OfferStatus = Field(
        default=OfferStatus.PENDING_APPROVAL, sa_column=enum_column(OfferStatus)
    )
    proposed_by_id: int = Field(foreign_key="user_account.id")
    approved_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    rejection_reason: str = Field(default="", max_length=1000)
    expires_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Loan(SQLModel, table=True):
    """The loan an accepted offer became: pledged, enrolled, disbursed, serviced."""

    __tablename__ = "loan"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="financing_request.id", unique=True)
    offer_id: int = Field(foreign_key="offer.id", unique=True)
    borrower_id: int = Field(foreign_key="organisation.id", index=True)
    bank_id: int = Field(foreign_key="organisation.id", index=True)
    principal: int = Field(sa_column=money_column())
    rate_bp: int
    term_months: int
    repayment_type: RepaymentType = Field(sa_column=enum_column(RepaymentType))
    insured: bool = False
    other_collateral: int = Field(default=0, sa_column=money_column(default=0))
    relending: bool = Field(default=False)
    status: LoanStatus = Field(
        default=LoanStatus.AWAITING_DISBURSEMENT, sa_column=enum_column(LoanStatus)
    )
    accepted_on: date
    disbursed_on: date | None = None
    maturity_on: date | None = None
    scheme_version_id: int | None = Field(default=None, foreign_key="scheme_version.id")
    enrolment: Enrolment = Field(default=Enrolment.PENDING, sa_column=enum_column(Enrolment))
    enrolment_reasons: list[Any] = Field(default_factory=list, sa_column=json_column())
    enrolled_on: date | None = None
    interest_subsidy: int = Field(default=0, sa_column=money_column())
    insurance_premium: int = Field(default=0, sa_column=money_column())
    classification: Classification = Field(
        default=Classification.NORMAL, sa_column=enum_column(Classification)
    )
    days_past_due: int = 0
    npl_since: date | None = None
    closed_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    # Daily interest and overdue charges (market.domain.interest; docs/loans.md).
    day_count: DayCount = Field(
        default=DayCount.ACTUAL_360,
        sa_column=enum_column(DayCount, server_default=DayCount.ACTUAL_360.value),
    )
    penalty_markup_bp: int = Field(
        default=PENALTY_MARKUP_DEFAULT_BP,
        sa_column=sa.Column(
            sa.Integer(), nullable=False, server_default=str(PENALTY_MARKUP_DEFAULT_BP)
        ),
    )
    penalty_accrued: int = Field(default=0, sa_column=money_column(server_default="0"))
    compound_accrued: int = Field(default=0, sa_column=money_column(server_default="0"))
    penalty_paid: int = Field(default=0, sa_column=money_column(server_default="0"))
    penalty_accrued_to: date | None = None
    # Principal lent and not yet repaid: 0 until disbursement, then principal minus the
    # principal of every repayment (market.services.repayment keeps it; the pool figures read
    # it instead of summing instalments; tests/market/invariants.py checks it).
    outstanding_principal: int = Field(default=0, sa_column=money_column(server_default="0"))
    insurance_in_force_on: date | None = None  # set when the premium is paid (payments)
    guarantee_in_force_on: date | None = None  # set when the guarantee fee is paid
    # The kind of IP pledged (an AssetKind value, or "mixed" when the pledges differ), set at
    # acceptance so the desk's NPL by IP kind needs no join through the pledges.
    collateral_kind: str | None = Field(default=None, max_length=32)
