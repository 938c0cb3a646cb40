"""Database tables (SQLModel), one module per domain; importing this package registers every
table. Their enums live in market.domain (states, kinds, schedule)."""

from market.models.assets import IPAsset
from market.models.audit import AuditEvent
from market.models.lending import FinancingRequest, Loan, Offer, RequestAsset, RequestDecline
from market.models.orgs import Organisation, User
from market.models.outbox import OutboxEmail
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
from market.models.servicing import Instalment, Repayment
from market.models.settings import Setting
from market.models.valuations import AssetValuation, BankValuation

__all__ = [
    "AssetValuation",
    "AuditEvent",
    "BankSuspension",
    "BankValuation",
    "Claim",
    "FinancingRequest",
    "IPAsset",
    "Instalment",
    "LedgerEntry",
    "Loan",
    "Offer",
    "Organisation",
    "OutboxEmail",
    "Pledge",
    "Receivable",
    "Recovery",
    "RecoveryReversal",
    "Repayment",
    "RequestAsset",
    "RequestDecline",
    "SchemeVersion",
    "Setting",
    "User",
]
