"""Explicit state machines of requests, offers, loans, enrolment, pledges, claims and assets:
each an enum, its table of allowed moves and its display labels (translated when shown)."""

from __future__ import annotations

import enum

from market.domain.messages import _l


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


REQUEST_TRANSITIONS: dict[enum.Enum, frozenset[enum.Enum]] = {
    RequestStatus.OPEN: frozenset({RequestStatus.ACCEPTED, RequestStatus.WITHDRAWN}),
}


class OfferStatus(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"  # the approver sent it back
    ACCEPTED = "accepted"
    LAPSED = "lapsed"  # the SME accepted another offer or withdrew the request
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the bank took it back before approval


OFFER_TRANSITIONS: dict[enum.Enum, frozenset[enum.Enum]] = {
    OfferStatus.PENDING_APPROVAL: frozenset(
        {OfferStatus.APPROVED, OfferStatus.REJECTED, OfferStatus.LAPSED, OfferStatus.WITHDRAWN}
    ),
    OfferStatus.APPROVED: frozenset(
        {OfferStatus.ACCEPTED, OfferStatus.LAPSED, OfferStatus.EXPIRED}
    ),
}


class LoanStatus(enum.StrEnum):
    AWAITING_DISBURSEMENT = "awaiting_disbursement"
    ACTIVE = "active"
    REPAID = "repaid"
    IN_CLAIM = "in_claim"
    COMPENSATED = "compensated"
    CLOSED = "closed"  # the disposal of the pledged IP is finished


LOAN_TRANSITIONS: dict[enum.Enum, frozenset[enum.Enum]] = {
    LoanStatus.AWAITING_DISBURSEMENT: frozenset({LoanStatus.ACTIVE}),
    LoanStatus.ACTIVE: frozenset({LoanStatus.REPAID, LoanStatus.IN_CLAIM}),
    LoanStatus.IN_CLAIM: frozenset({LoanStatus.COMPENSATED, LoanStatus.ACTIVE}),
    LoanStatus.COMPENSATED: frozenset({LoanStatus.CLOSED}),
}


class Enrolment(enum.StrEnum):
    PENDING = "pending"
    ENROLLED = "enrolled"
    NOT_ENROLLED = "not_enrolled"


class PledgeStatus(enum.StrEnum):
    ACTIVE = "active"
    RELEASED = "released"


PLEDGE_TRANSITIONS: dict[enum.Enum, frozenset[enum.Enum]] = {
    PledgeStatus.ACTIVE: frozenset({PledgeStatus.RELEASED}),
}


class ClaimStatus(enum.StrEnum):
    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"


CLAIM_TRANSITIONS: dict[enum.Enum, frozenset[enum.Enum]] = {
    ClaimStatus.FILED: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
}


class AssetStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


REQUEST_STATUS_LABELS = {
    RequestStatus.OPEN: _l("Open"),
    RequestStatus.ACCEPTED: _l("Accepted"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
}

OFFER_STATUS_LABELS = {
    OfferStatus.PENDING_APPROVAL: _l("Waiting for approval"),
    OfferStatus.APPROVED: _l("Approved"),
    OfferStatus.REJECTED: _l("Sent back"),
    OfferStatus.ACCEPTED: _l("Accepted"),
    OfferStatus.LAPSED: _l("Lapsed"),
    OfferStatus.WITHDRAWN: _l("Withdrawn by the bank"),
    OfferStatus.EXPIRED: _l("Expired"),
}

LOAN_STATUS_LABELS = {
    LoanStatus.AWAITING_DISBURSEMENT: _l("Awaiting disbursement"),
    LoanStatus.ACTIVE: _l("Active"),
    LoanStatus.REPAID: _l("Repaid"),
    LoanStatus.IN_CLAIM: _l("In claim"),
    LoanStatus.COMPENSATED: _l("Compensated"),
    LoanStatus.CLOSED: _l("Closed"),
}

ENROLMENT_LABELS = {
    Enrolment.PENDING: _l("Pending"),
    Enrolment.ENROLLED: _l("Enrolled"),
    Enrolment.NOT_ENROLLED: _l("Not enrolled"),
}

CLAIM_STATUS_LABELS = {
    ClaimStatus.FILED: _l("Filed"),
    ClaimStatus.APPROVED: _l("Approved"),
    ClaimStatus.REJECTED: _l("Rejected"),
}

PLEDGE_STATUS_LABELS = {
    PledgeStatus.ACTIVE: _l("Registered"),
    PledgeStatus.RELEASED: _l("Released"),
}

# Every state's display label (translated in the reader's language when shown).
STATE_LABELS: dict[enum.Enum, object] = {}
for _table in (
    REQUEST_STATUS_LABELS,
    OFFER_STATUS_LABELS,
    LOAN_STATUS_LABELS,
    CLAIM_STATUS_LABELS,
    PLEDGE_STATUS_LABELS,
):
    STATE_LABELS.update(_table.items())


def state_label(state: enum.Enum) -> str:
    """A state's label for messages, e.g. "Waiting for approval"."""
    label = STATE_LABELS.get(state)
    return str(label) if label is not None else str(state.value).replace("_", " ")
