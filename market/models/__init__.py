"""Database tables (SQLModel), one module per domain; importing this package registers every
table. Their enums live in market.domain (states, kinds, schedule)."""

from market.models.assets import IPAsset
from market.models.audit import AuditEvent
from market.models.calendar import HolidayYear
from market.models.documents import Document
from market.models.forecasts import ForecastJob, PlanTarget, PortfolioSnapshot
from market.models.indexes import INDEXES
from market.models.integrity import IdempotencyKey, LedgerReversal, PoolLock
from market.models.lending import FinancingRequest, Loan, Offer, RequestAsset, RequestDecline
from market.models.notifications import NoticeEmailChoice, Notification
from market.models.orgs import Organisation, User
from market.models.outbox import OutboxEmail
from market.models.payments import FeeTable, Payment, StripeEvent
from market.models.pledges import Pledge
from market.models.pool import (
    BankSuspension,
    Claim,
    LedgerEntry,
    Receivable,
    Recovery,
    SchemeVersion,
)
from market.models.recoveries import RecoveryReversal
from market.models.rollups import DeskGroup, DeskMonth
from market.models.servicing import Instalment, Repayment
from market.models.settings import Setting
from market.models.valuations import AssetValuation, BankValuation

__all__ = [
    "INDEXES",
    "AssetValuation",
    "AuditEvent",
    "BankSuspension",
    "BankValuation",
    "Claim",
    "DeskGroup",
    "DeskMonth",
    "Document",
    "FeeTable",
    "FinancingRequest",
    "ForecastJob",
    "HolidayYear",
    "IPAsset",
    "IdempotencyKey",
    "Instalment",
    "LedgerEntry",
    "LedgerReversal",
    "Loan",
    "NoticeEmailChoice",
    "Notification",
    "Offer",
    "Organisation",
    "OutboxEmail",
    "Payment",
    "PlanTarget",
    "Pledge",
    "PoolLock",
    "PortfolioSnapshot",
    "Receivable",
    "Recovery",
    "RecoveryReversal",
    "Repayment",
    "RequestAsset",
    "RequestDecline",
    "SchemeVersion",
    "Setting",
    "StripeEvent",
    "User",
]
