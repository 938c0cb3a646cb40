"""Stripe's webhook: verify the signature, process each event once, settle the payment."""

from __future__ import annotations

from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from market.domain.messages import N_
from market.frame.db import transaction
from market.models.payments import Payment, StripeEvent
from market.services.payment_gateway import intent_from
from market.services.payments import apply_intent

HANDLED = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed"})
TOLERANCE = 300  # seconds: an older signed timestamp is a replay and is refused


class WebhookRejected(Exception):
    """The request is not a genuine, fresh event from Stripe."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def verify(payload: bytes, signature: str | None, secret: str, tolerance: int = TOLERANCE) -> Any:
    """The event, if Stripe signed `payload` with `secret` within `tolerance` seconds."""
    if not secret:
        raise WebhookRejected(N_("Webhooks are not configured (STRIPE_WEBHOOK_SECRET)."))
    try:
        return stripe.Webhook.construct_event(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(N_("The signature is not valid or the event is too old.")) from exc
    except ValueError as exc:
        raise WebhookRejected(N_("The payload is not a Stripe event.")) from exc


def process(session: Session, event: Any) -> str:
    """Apply a verified event once; returns what happened (processed, duplicate, ignored)."""
    event_id = str(event["id"])
    kind = str(event["type"])
    if session.exec(select(StripeEvent).where(StripeEvent.event_id == event_id)).first():
        return "duplicate"
    try:
        with transaction(session):
            payment = _payment_of(session, event) if kind in HANDLED else None
            session.add(StripeEvent(event_id=event_id, event_type=kind,
                                    payment_id=payment.id if payment else None))
            session.flush()  # a concurrent delivery of the same event fails here
            if payment is not None:
                apply_intent(session, payment, intent_from(event["data"]["object"]))
    except IntegrityError:
        return "duplicate"
    if kind not in HANDLED:
        return "ignored"
    return "processed" if payment is not None else "unknown payment"


def _payment_of(session: Session, event: Any) -> Payment | None:
    intent_id = str(event["data"]["object"]["id"])
    return session.exec(
        select(Payment).where(Payment.stripe_payment_intent_id == intent_id)
    ).first()

