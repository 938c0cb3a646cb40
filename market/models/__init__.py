"""Domain models, one module per domain; importing this package registers every table."""

from market.models.assets import (
    PATENT_KINDS,
    AssetKind,
    AssetStatus,
    Industry,
    IPAsset,
    LegalStatus,
)
from market.models.audit import AuditEvent
from market.models.lending import (
    Classification,
    Enrolment,
    FinancingRequest,
    Loan,
    LoanStatus,
    Offer,
    OfferStatus,
    RepaymentType,
    RequestAsset,
    RequestDecline,
    RequestStatus,
)
from market.models.orgs import ROLES_BY_ORG_KIND, CompanySize, Organisation, OrgKind, Role, User
from market.models.pledges import Pledge, PledgeStatus
from market.models.pool import (
    BankSuspension,
    Claim,
    ClaimStatus,
    DisposalKind,
    LedgerAccount,
    LedgerEntry,
    Receivable,
    Recovery,
    SchemeVersion,
)
from market.models.servicing import Instalment, Repayment, RepaymentKind
from market.models.settings import Setting
from market.models.valuations import AssetValuation, BankValuation

__all__ = [
    "PATENT_KINDS",
    "ROLES_BY_ORG_KIND",
    "AssetKind",
    "AssetStatus",
    "AssetValuation",
    "AuditEvent",
    "BankSuspension",
    "BankValuation",
    "Claim",
    "ClaimStatus",
    "Classification",
    "CompanySize",
    "DisposalKind",
    "Enrolment",
    "FinancingRequest",
    "IPAsset",
    "Industry",
    "Instalment",
    "LedgerAccount",
    "LedgerEntry",
    "LegalStatus",
    "Loan",
    "LoanStatus",
    "Offer",
    "OfferStatus",
    "OrgKind",
    "Organisation",
    "Pledge",
    "PledgeStatus",
    "Receivable",
    "Recovery",
    "Repayment",
    "RepaymentKind",
    "RepaymentType",
    "RequestAsset",
    "RequestDecline",
    "RequestStatus",
    "Role",
    "SchemeVersion",
    "Setting",
    "User",
]
