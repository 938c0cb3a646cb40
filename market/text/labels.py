"""Display labels of the lending words that are not states: repayment types and kinds,
classification, disposals, parties and audit actions (translated lazily). The state labels live
with the states (market.domain.states); `LABELS` hands both to the lending templates."""

from __future__ import annotations

from market.domain.kinds import DisposalKind, RepaymentKind
from market.domain.messages import _l
from market.domain.schedule import Classification, RepaymentType
from market.domain.states import (
    CLAIM_STATUS_LABELS,
    ENROLMENT_LABELS,
    LOAN_STATUS_LABELS,
    OFFER_STATUS_LABELS,
    PLEDGE_STATUS_LABELS,
    REQUEST_STATUS_LABELS,
)

REPAYMENT_TYPE_LABELS = {
    RepaymentType.EQUAL_INSTALMENT: _l("Equal instalments (principal and interest)"),
    RepaymentType.EQUAL_PRINCIPAL: _l("Equal principal"),
    RepaymentType.INTEREST_ONLY: _l("Interest monthly, principal at the end"),
}


CLASSIFICATION_LABELS = {
    Classification.NORMAL: _l("Normal"),
    Classification.SPECIAL_MENTION: _l("Special mention"),
    Classification.SUBSTANDARD: _l("Substandard"),
    Classification.DOUBTFUL: _l("Doubtful"),
    Classification.LOSS: _l("Loss"),
}


REPAYMENT_KIND_LABELS = {
    RepaymentKind.SCHEDULED: _l("Scheduled"),
    RepaymentKind.EARLY: _l("Early (reduces principal)"),
    RepaymentKind.FULL: _l("Full (pays the loan off)"),
}

DISPOSAL_LABELS = {
    DisposalKind.SALE: _l("Sale"),
    DisposalKind.LICENCE: _l("Licence"),
    DisposalKind.AUCTION: _l("Auction"),
}


PARTY_LABELS = {
    "pool": _l("Risk-compensation pool"),
    "bank": _l("Lending bank"),
    "insurer": _l("Insurer"),
    "guarantor": _l("Guarantor"),
    "re_guarantor": _l("Re-guarantor"),
    "valuer": _l("Valuation firm"),
    "treasury": _l("Treasury"),
    "borrower": _l("Borrower"),
}

ACTION_LABELS = {
    "request.create": _l("Request sent"),
    "request.withdraw": _l("Request withdrawn"),
    "request.decline": _l("A bank declined"),
    "request.accept": _l("Request closed: an offer was accepted"),
    "offer.propose": _l("Offer proposed"),
    "offer.approve": _l("Offer approved"),
    "offer.reject": _l("Offer sent back"),
    "offer.accepted": _l("Offer accepted"),
    "offer.lapsed": _l("Offer lapsed"),
    "offer.expired": _l("Offer expired"),
    "loan.create": _l("Loan made"),
    "loan.enrol": _l("Enrolled in the scheme"),
    "loan.not_enrolled": _l("Not enrolled in the scheme"),
    "pledge.register": _l("Pledge registered"),
    "pledge.release": _l("Pledge released"),
    "loan.disburse": _l("Loan disbursed"),
    "loan.repayment": _l("Repayment recorded"),
    "loan.classify": _l("Classification changed"),
    "loan.in_claim": _l("Claim filed on the loan"),
    "claim.file": _l("Compensation claim filed"),
    "claim.approved": _l("Claim approved"),
    "claim.rejected": _l("Claim rejected"),
    "loan.compensated": _l("Loan compensated"),
    "loan.active": _l("Loan back to active"),
    "recovery.record": _l("Recovery recorded"),
    "recovery.reverse": _l("Recovery reversed"),
    "loan.closed": _l("Loan closed"),
}

LABELS = {
    "request_status_labels": REQUEST_STATUS_LABELS,
    "offer_status_labels": OFFER_STATUS_LABELS,
    "repayment_type_labels": REPAYMENT_TYPE_LABELS,
    "loan_status_labels": LOAN_STATUS_LABELS,
    "classification_labels": CLASSIFICATION_LABELS,
    "enrolment_labels": ENROLMENT_LABELS,
    "repayment_kind_labels": REPAYMENT_KIND_LABELS,
    "disposal_labels": DISPOSAL_LABELS,
    "claim_status_labels": CLAIM_STATUS_LABELS,
    "pledge_status_labels": PLEDGE_STATUS_LABELS,
    "party_labels": PARTY_LABELS,
    "action_labels": ACTION_LABELS,
}
