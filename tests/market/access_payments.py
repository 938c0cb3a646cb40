"""Rows of the permission matrix for the payment pages, and the payment they act on.

`sme` owns the asset under test; a simulated payment of its valuation report fee is arranged.
"""

from __future__ import annotations

from sqlmodel import Session, select

from market.domain.payments import PaymentPurpose
from market.models.assets import IPAsset
from market.models.valuations import AssetValuation
from market.services.payment_gateway import SimulatedGateway
from market.services.payments import start_payment
from tests.market.conftest import World

PAYERS = frozenset({"sme"})
BUREAU = frozenset({"bureau"})
READERS = frozenset({"bureau", "admin"})
LISTERS = frozenset({"sme", "other_sme", "bank_officer", "bank_approver", "bureau", "admin"})
ALL = frozenset(
    {"anonymous", "sme", "other_sme", "bank_officer", "bank_approver", "insurer", "guarantor",
     "valuer", "bureau", "admin"}
)

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("payments.index", "GET"): LISTERS,
    ("payments.start", "GET"): PAYERS,
    ("payments.start", "POST"): PAYERS,
    ("payments.detail", "GET"): PAYERS | READERS,
    ("payments.returned", "GET"): PAYERS | READERS,
    ("payments.retry", "POST"): PAYERS,
    ("payments.simulate", "POST"): PAYERS,
    ("payments.refund", "POST"): BUREAU,
    ("payments.webhook", "POST"): ALL,  # Stripe's: the signature decides (400 without one)
    ("payments.fees", "GET"): READERS,
    ("payments.fees", "POST"): BUREAU,
    ("payments.report", "GET"): READERS,
}
# Answered 400 to anyone when the request is not signed by Stripe (the matrix sends none).
SIGNED_BY_STRIPE = frozenset({("payments.webhook", "POST")})


def arrange(session: Session, world: World, asset: IPAsset) -> dict[str, object]:
    """URL arguments: the asset's valuation and a simulated payment of its report fee."""
    valuation = session.exec(
        select(AssetValuation).where(AssetValuation.asset_id == asset.id)
    ).one()
    assert valuation.id is not None
    payment = start_payment(
        session,
        actor=world.sme,
        gateway=SimulatedGateway(),
        purpose=PaymentPurpose.VALUATION_FEE,
        subject_id=valuation.id,
    )
    return {"purpose": "valuation_fee", "subject_id": valuation.id, "payment_id": payment.id}
