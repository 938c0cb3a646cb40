"""Payments of fees and premiums: what a payment is for, its state machine, and the subsidy split.

Pure rules (no Flask, no database). Amounts are integer fen.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from market.domain.messages import _l
from market.domain.states import STATE_LABELS

# Stripe takes amounts in the currency's smallest unit; for CNY that is the fen (1/100 yuan),
# so the integer fen this project stores everywhere is passed to Stripe unchanged.
CURRENCY = "cny"
FULL_BP = 10_000


class PaymentPurpose(enum.StrEnum):
    VALUATION_FEE = "valuation_fee"  # the formal valuation report of one stored valuation
    INSURANCE_PREMIUM = "insurance_premium"  # pledge-loan guarantee insurance of one loan
    GUARANTEE_FEE = "guarantee_fee"  # the guarantor's fee on one loan


class PaymentStatus(enum.StrEnum):
    CREATED = "created"  # the record exists; no PaymentIntent yet (or creating it failed)
    PENDING = "pending"  # a PaymentIntent exists and waits for the card
    FAILED = "failed"  # the last attempt was declined or failed; the SME may try again
    SUCCEEDED = "succeeded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


PAYMENT_TRANSITIONS: dict[enum.Enum, frozenset[enum.Enum]] = {
    PaymentStatus.CREATED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.PENDING: frozenset(
        {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.FAILED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.REFUNDED}),
}

# Statuses that still hold the payment's subject (and reserve its subsidy under the cap).
LIVE_STATUSES = frozenset(
    {PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.SUCCEEDED}
)
OPEN_STATUSES = frozenset({PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.FAILED})

PURPOSE_LABELS = {
    PaymentPurpose.VALUATION_FEE: _l("Valuation report fee"),
    PaymentPurpose.INSURANCE_PREMIUM: _l("Guarantee insurance premium"),
    PaymentPurpose.GUARANTEE_FEE: _l("Guarantee fee"),
}

PAYMENT_STATUS_LABELS = {
    PaymentStatus.CREATED: _l("Not started"),
    PaymentStatus.PENDING: _l("Awaiting payment"),
    PaymentStatus.FAILED: _l("Failed, can be retried"),
    PaymentStatus.SUCCEEDED: _l("Payment received"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.CANCELLED: _l("Cancelled"),
}
STATE_LABELS.update(PAYMENT_STATUS_LABELS.items())


def loan_subject_key(loan_id: int, loan_year: int = 1) -> str:
    """The subject key of a loan's fee for one loan year ("loan:5" for the first year, as
    stored before yearly premiums existed; "loan:5:y2" for the second)."""
    return f"loan:{loan_id}" if loan_year == 1 else f"loan:{loan_id}:y{loan_year}"


def loan_year_of_key(key: str) -> int:
    """The loan year a loan fee's subject key is for (1 when the key names no year)."""
    _, _, year = key.partition(":y")
    return int(year) if year.isdigit() else 1


@dataclass(frozen=True)
class Quote:
    """What a fee costs, what the subsidy covers and what the company pays (fen)."""

    gross: int
    subsidy: int
    payable: int
    share_bp: int
    cap_left: int | None  # what was left of the company's yearly cap before this payment

    @property
    def capped(self) -> bool:
        """True when the cap (or the pool's cash) cut the subsidy below its share."""
        return self.subsidy < self.gross * self.share_bp // FULL_BP


def split_subsidy(
    gross: int, *, share_bp: int, cap_left: int | None, available: int | None = None
) -> Quote:
    """Split a fee into the subsidy (share of the fee, rounded down, within what is left of
    the yearly cap and of the money available) and what the company pays."""
    if gross < 0 or not 0 <= share_bp <= FULL_BP:
        raise ValueError("fee must be >= 0 and the share between 0 and 10000 bp")
    subsidy = gross * share_bp // FULL_BP
    if cap_left is not None:
        subsidy = min(subsidy, max(cap_left, 0))
    if available is not None:
        subsidy = min(subsidy, max(available, 0))
    return Quote(
        gross=gross, subsidy=subsidy, payable=gross - subsidy, share_bp=share_bp, cap_left=cap_left
    )


def stripe_status_outcome(status: str) -> PaymentStatus:
    """Our status for a PaymentIntent's status (Stripe's names)."""
    if status == "succeeded":
        return PaymentStatus.SUCCEEDED
    if status == "canceled":
        return PaymentStatus.CANCELLED
    # requires_payment_method after a decline, requires_confirmation, requires_action,
    # processing, requires_capture: still open.
    return PaymentStatus.PENDING
