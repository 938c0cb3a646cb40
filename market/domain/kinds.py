"""The enumerated kinds of the domain: assets, organisations, roles, disposals, ledger accounts."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class AssetKind(enum.StrEnum):
    INVENTION_PATENT = "invention_patent"
    UTILITY_MODEL = "utility_model"
    DESIGN_PATENT = "design_patent"
    TRADEMARK = "trademark"
    GI_MARK = "gi_mark"

    @property
    def is_patent(self) -> bool:
        return self in PATENT_KINDS

    @property
    def is_mark(self) -> bool:
        return not self.is_patent


PATENT_KINDS = frozenset(
    {AssetKind.INVENTION_PATENT, AssetKind.UTILITY_MODEL, AssetKind.DESIGN_PATENT}
)
MIXED_COLLATERAL = "mixed"  # a loan pledging assets of more than one kind


def collateral_kind(kinds: Iterable[str]) -> str | None:
    """A loan's collateral kind: the one kind of its pledged assets, "mixed", or None."""
    found = {str(k) for k in kinds}
    if not found:
        return None
    return found.pop() if len(found) == 1 else MIXED_COLLATERAL


class LegalStatus(enum.StrEnum):
    PENDING = "pending"
    VALID = "valid"
    LAPSED = "lapsed"
    INVALIDATED = "invalidated"
    EXPIRED = "expired"


class Industry(enum.StrEnum):
    ELECTRONICS = "electronics"
    SOFTWARE = "software"
    MACHINERY = "machinery"
    CHEMICALS = "chemicals"
    PHARMA = "pharma"
    MEDICAL_DEVICES = "medical_devices"
    NEW_ENERGY = "new_energy"
    MATERIALS = "materials"
    TEXTILES = "textiles"
    FOOD = "food"
    AGRICULTURE = "agriculture"
    CONSUMER_GOODS = "consumer_goods"


class OrgKind(enum.StrEnum):
    SME = "sme"
    BANK = "bank"
    INSURER = "insurer"
    GUARANTOR = "guarantor"
    VALUER = "valuer"
    BUREAU = "bureau"


class Role(enum.StrEnum):
    SME = "sme"
    BANK_OFFICER = "bank_officer"
    BANK_APPROVER = "bank_approver"
    INSURER = "insurer"
    GUARANTOR = "guarantor"
    VALUER = "valuer"
    BUREAU = "bureau"
    ADMIN = "admin"


# Which roles a user of each kind of organisation may hold.
ROLES_BY_ORG_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.SME: (Role.SME,),
    OrgKind.BANK: (Role.BANK_OFFICER, Role.BANK_APPROVER),
    OrgKind.INSURER: (Role.INSURER,),
    OrgKind.GUARANTOR: (Role.GUARANTOR,),
    OrgKind.VALUER: (Role.VALUER,),
    OrgKind.BUREAU: (Role.BUREAU, Role.ADMIN),
}


class CompanySize(enum.StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class DisposalKind(enum.StrEnum):
    SALE = "sale"
    LICENCE = "licence"
    AUCTION = "auction"


class LedgerAccount(enum.StrEnum):
    POOL_CASH = "pool_cash"  # the pool's money (an asset: balance = debits - credits)
    FUNDING = "funding"  # government contributions
    COMPENSATION = "compensation"  # what the pool paid on claims
    RECOVERIES = "recoveries"  # what came back to the pool
    SUBSIDIES = "subsidies"  # interest subsidies (贴息) earned on interest paid (an expense)
    FEE_SUBSIDIES = "fee_subsidies"  # fee and premium subsidies paid with payments (an expense)
    SUBSIDY_PAYABLE = "subsidy_payable"  # earned, not yet paid out (a liability)


class RepaymentKind(enum.StrEnum):
    SCHEDULED = "scheduled"  # pays what is due, oldest first
    EARLY = "early"  # pays principal ahead of the schedule
    FULL = "full"  # pays off the whole loan


class NoticeKind(enum.StrEnum):
    """What a notification tells its reader (issue 16); each names the object it is about."""

    NEW_REQUEST = "new_request"  # a bank officer: a request addressed to the bank
    OFFER_TO_APPROVE = "offer_to_approve"  # a bank approver: an officer proposed an offer
    OFFER_RECEIVED = "offer_received"  # the SME: an approved offer on its request
    OFFER_SENT_BACK = "offer_sent_back"  # the proposing officer: the approver sent it back
    PAYMENT_DUE = "payment_due"  # the SME: an instalment due within 7 days
    PAYMENT_OVERDUE = "payment_overdue"  # the SME: an instalment past its due date, unpaid
    CLAIM_FILED = "claim_filed"  # the bureau: a bank filed a claim
    CLAIM_DECIDED = "claim_decided"  # the bank: the bureau approved or rejected its claim
    SUSPENSION = "suspension"  # the bank: the scheme suspended its compensation


class DocumentKind(enum.StrEnum):
    """Uploaded papers, each kept on one kind of record (its subject)."""

    REGISTRATION_CERTIFICATE = "registration_certificate"  # on an IP asset
    FINANCIAL_STATEMENT = "financial_statement"  # on an SME (organisation)
    CLAIM_EVIDENCE = "claim_evidence"  # on a compensation claim
    DISPOSAL_CONTRACT = "disposal_contract"  # on a recovery (the disposal of the pledged IP)
