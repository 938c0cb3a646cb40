"""Card payments against a real localstripe server: success, decline and retry, webhooks
(valid, forged, stale, replayed), refund, a lost webhook settled by `ipmarket payments
reconcile`, and network errors / timeouts. Nothing here talks to the internet."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import stripe
from flask import Flask
from sqlmodel import Session, select

from market.domain.kinds import AssetKind
from market.domain.payments import PaymentStatus
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.payments import Payment, StripeEvent
from market.models.valuations import AssetValuation
from market.services.clock import business_date
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import setup_pool
from tests.market.payments.conftest import (
    WEBHOOK_SECRET,
    Catcher,
    browser_pays,
    free_port,
)
from tests.market.payments.helpers import (
    only_payment,
    start,
    subsidies_posted,
    text_of,
    valuation_of,
)

pytestmark = pytest.mark.localstripe

# Fee table defaults (market/services/payment_fees.py): an invention patent's report costs
# 8,000 CNY and the bureau pays back 50%: 4,000 CNY subsidy, 4,000 CNY charged by card.
FEE, SUBSIDY, CHARGED = 800_000, 400_000, 400_000


@pytest.fixture()
def valuation(session: Session, world: World) -> AssetValuation:
    setup_pool(session, world)
    return valuation_of(session, world, AssetKind.INVENTION_PATENT)


def _pending(app: Flask, session: Session, world: World, valuation: AssetValuation) -> Payment:
    client = sign_in(app.test_client(), world.sme)
    assert start(client, "valuation_fee", valuation.id).status_code == 302  # type: ignore[arg-type]
    payment = only_payment(session)
    assert payment.status is PaymentStatus.PENDING
    return payment


def _post_webhook(app: Flask, body: bytes, signature: str) -> tuple[int, dict[str, str]]:
    answer = app.test_client().post(
        "/payments/webhook",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    return answer.status_code, answer.get_json()


def test_card_payment_succeeds_then_the_report_is_released_and_the_subsidy_posted(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    stripe_client: stripe.StripeClient,
) -> None:
    client = sign_in(stripe_app.test_client(), world.sme)
    quote = text_of(client.get(f"/payments/new/valuation_fee/{valuation.id}"))
    assert "¥8,000.00" in quote and "¥4,000.00" in quote  # fee, subsidy and what is charged
    payment = _pending(stripe_app, session, world, valuation)
    assert (payment.gross, payment.subsidy, payment.amount) == (FEE, SUBSIDY, CHARGED)
    intent = stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id or "")
    assert (intent.amount, intent.currency) == (CHARGED, "cny")  # fen pass through unchanged
    assert intent.metadata["payment_id"] == str(payment.id)

    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert f'src="{stripe_app.config["STRIPE_JS_URL"]}"' in page
    assert intent.client_secret in page
    session.refresh(valuation)
    assert valuation.report_released_on is None and subsidies_posted(session) == 0

    browser_pays(stripe_client, intent.id, "pm_card_visa")
    answer = client.get(f"/payments/{payment.id}/return", follow_redirects=True)
    assert "Payment received" in text_of(answer)
    payment = only_payment(session)
    assert payment.status is PaymentStatus.SUCCEEDED
    session.refresh(valuation)
    assert valuation.report_released_on == business_date(session)
    assert subsidies_posted(session) == SUBSIDY


def test_declined_card_says_so_and_the_payment_can_be_retried(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    stripe_client: stripe.StripeClient,
) -> None:
    payment = _pending(stripe_app, session, world, valuation)
    intent_id = payment.stripe_payment_intent_id or ""
    browser_pays(stripe_client, intent_id, "pm_card_chargeCustomerFail")
    client = sign_in(stripe_app.test_client(), world.sme)
    answer = client.get(f"/payments/{payment.id}/return", follow_redirects=True)
    page = text_of(answer)
    assert "did not go through" in page and "Your card was declined" in page
    assert 'value="Try again"' in answer.get_data(as_text=True)
    payment = only_payment(session)
    assert payment.status is PaymentStatus.FAILED
    session.refresh(valuation)
    assert valuation.report_released_on is None and subsidies_posted(session) == 0

    assert client.post(f"/payments/{payment.id}/retry").status_code == 302
    payment = only_payment(session)
    assert payment.status is PaymentStatus.PENDING
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "canceled"
    intent_id = payment.stripe_payment_intent_id or ""  # a fresh intent for the new card
    browser_pays(stripe_client, intent_id, "pm_card_visa")
    client.get(f"/payments/{payment.id}/return")
    assert only_payment(session).status is PaymentStatus.SUCCEEDED
    assert subsidies_posted(session) == SUBSIDY


def test_signed_webhook_settles_the_payment_once_and_a_replay_changes_nothing(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    stripe_client: stripe.StripeClient,
    catcher: Catcher,
) -> None:
    payment = _pending(stripe_app, session, world, valuation)
    intent_id = payment.stripe_payment_intent_id or ""
    browser_pays(stripe_client, intent_id, "pm_card_visa")
    delivery = catcher.wait_for("payment_intent.succeeded", intent_id)

    assert _post_webhook(stripe_app, delivery.body, delivery.signature) == (
        200, {"result": "processed"})
    assert only_payment(session).status is PaymentStatus.SUCCEEDED
    assert subsidies_posted(session) == SUBSIDY

    assert _post_webhook(stripe_app, delivery.body, delivery.signature) == (
        200, {"result": "duplicate"})
    assert subsidies_posted(session) == SUBSIDY
    assert len(session.exec(select(StripeEvent)).all()) == 1


def test_payment_failed_webhook_marks_the_payment_failed(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    stripe_client: stripe.StripeClient,
    catcher: Catcher,
) -> None:
    payment = _pending(stripe_app, session, world, valuation)
    intent_id = payment.stripe_payment_intent_id or ""
    browser_pays(stripe_client, intent_id, "pm_card_chargeCustomerFail")
    delivery = catcher.wait_for("payment_intent.payment_failed", intent_id)
    assert _post_webhook(stripe_app, delivery.body, delivery.signature)[0] == 200
    payment = only_payment(session)
    assert payment.status is PaymentStatus.FAILED
    assert "declined" in payment.last_error


def _sign(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def test_forged_and_stale_webhooks_are_refused_and_change_nothing(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    stripe_client: stripe.StripeClient,
    catcher: Catcher,
) -> None:
    payment = _pending(stripe_app, session, world, valuation)
    intent_id = payment.stripe_payment_intent_id or ""
    browser_pays(stripe_client, intent_id, "pm_card_visa")
    genuine = catcher.wait_for("payment_intent.succeeded", intent_id)
    now = int(time.time())
    attempts = [
        (genuine.body, _sign(genuine.body, "whsec_someone_else", now)),  # wrong key
        (genuine.body.replace(b'"succeeded"', b'"succeeded" '), genuine.signature),  # altered
        (genuine.body, _sign(genuine.body, WEBHOOK_SECRET, now - 3600)),  # an hour old
        (genuine.body, ""),  # unsigned
    ]
    for body, signature in attempts:
        status, answer = _post_webhook(stripe_app, body, signature)
        assert status == 400, answer
    assert only_payment(session).status is PaymentStatus.PENDING
    assert session.exec(select(StripeEvent)).first() is None
    assert subsidies_posted(session) == 0


def test_bureau_refund_reaches_stripe_and_undoes_the_release_and_the_subsidy(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    stripe_client: stripe.StripeClient,
) -> None:
    payment = _pending(stripe_app, session, world, valuation)
    intent_id = payment.stripe_payment_intent_id or ""
    browser_pays(stripe_client, intent_id, "pm_card_visa")
    sign_in(stripe_app.test_client(), world.sme).get(f"/payments/{payment.id}/return")
    bureau = sign_in(stripe_app.test_client(), world.users["bureau"])
    answer = bureau.post(f"/payments/{payment.id}/refund", data={"reason": "Report withdrawn"})
    assert answer.status_code == 302
    payment = only_payment(session)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refund_reason == "Report withdrawn"
    refund = stripe_client.v1.refunds.retrieve(payment.stripe_refund_id or "")
    assert (refund.payment_intent, refund.amount) == (intent_id, CHARGED)
    assert refund.status == "succeeded"
    session.refresh(valuation)
    assert valuation.report_released_on is None
    assert subsidies_posted(session) == 0  # the subsidy went back to the pool


def test_lost_webhook_is_settled_by_reconcile_older_than(
    stripe_app: Flask,
    session: Session,
    world: World,
    stripe_client: stripe.StripeClient,
) -> None:
    setup_pool(session, world)
    old_v = valuation_of(session, world, AssetKind.INVENTION_PATENT)
    new_v = valuation_of(session, world, AssetKind.TRADEMARK)
    client = sign_in(stripe_app.test_client(), world.sme)
    start(client, "valuation_fee", old_v.id)  # type: ignore[arg-type]
    start(client, "valuation_fee", new_v.id)  # type: ignore[arg-type]
    session.expire_all()
    old, new = session.exec(select(Payment).order_by(Payment.id)).all()  # type: ignore[arg-type]
    for payment in (old, new):  # both paid in the browser; neither webhook is ever delivered
        browser_pays(stripe_client, payment.stripe_payment_intent_id or "", "pm_card_visa")
    with transaction(session):
        old.updated_at = utcnow() - timedelta(minutes=30)
        session.add(old)

    result = stripe_app.test_cli_runner().invoke(
        args=["payments", "reconcile", "--older-than", "15"]
    )
    assert result.exit_code == 0, result.output
    assert f"payment {old.id}: pending -> succeeded" in result.output
    session.expire_all()
    assert session.get(Payment, old.id).status is PaymentStatus.SUCCEEDED  # type: ignore[union-attr]
    assert session.get(Payment, new.id).status is PaymentStatus.PENDING  # type: ignore[union-attr]
    assert subsidies_posted(session) == SUBSIDY


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a hung server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        sock.close()


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_network_error_or_timeout_leaves_a_payment_that_can_be_retried(
    stripe_app: Flask,
    session: Session,
    world: World,
    valuation: AssetValuation,
    localstripe_url: str,
    silent_port: int,
    failure: str,
) -> None:
    port = free_port() if failure == "refused" else silent_port
    stripe_app.config.update(STRIPE_API_BASE=f"http://127.0.0.1:{port}", STRIPE_TIMEOUT=0.5)
    client = sign_in(stripe_app.test_client(), world.sme)
    answer = client.post(f"/payments/new/valuation_fee/{valuation.id}", follow_redirects=True)
    assert "did not answer (network error or timeout)" in text_of(answer)
    assert 'value="Try again"' in answer.get_data(as_text=True)
    payment = only_payment(session)
    assert payment.status is PaymentStatus.CREATED and payment.stripe_payment_intent_id is None
    key = payment.idempotency_key

    stripe_app.config.update(STRIPE_API_BASE=localstripe_url, STRIPE_TIMEOUT=5.0)
    assert client.post(f"/payments/{payment.id}/retry").status_code == 302
    payment = only_payment(session)
    assert payment.status is PaymentStatus.PENDING and payment.idempotency_key == key
    assert payment.stripe_payment_intent_id is not None
