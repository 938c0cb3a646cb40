"""Paying fees and premiums: the record first, then the PaymentIntent, then reconciliation
with what Stripe says; the product changes and the subsidy is posted only on success."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session, col, select

from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import LedgerAccount, Role
from market.domain.messages import N_, stored, word
from market.domain.payments import (
    CURRENCY,
    OPEN_STATUSES,
    PAYMENT_TRANSITIONS,
    PaymentPurpose,
    PaymentStatus,
    loan_year_of_key,
    stripe_status_outcome,
)
from market.domain.statemachine import require_transition
from market.domain.states import LoanStatus
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.lending import Loan
from market.models.orgs import User
from market.models.payments import Payment
from market.models.valuations import AssetValuation
from market.services import audit
from market.services.clock import business_date
from market.services.payment_fees import quote, subject_for
from market.services.payment_gateway import Gateway, GatewayError, Intent
from market.services.pool import lock_pool, post

REFUNDERS = frozenset({Role.BUREAU, Role.BANK_OFFICER, Role.BANK_APPROVER})


def get_payment(session: Session, *, actor: User, payment_id: int) -> Payment:
    """A payment the actor may see: its company's, or any for the bureau."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(N_("No such payment."))
    if actor.role in (Role.BUREAU, Role.ADMIN) or payment.company_id == actor.organisation_id:
        return payment
    if actor.role in (Role.BANK_OFFICER, Role.BANK_APPROVER) and payment.loan_id is not None:
        loan = session.get(Loan, payment.loan_id)
        if loan is not None and loan.bank_id == actor.organisation_id:
            return payment
    raise PermissionDenied(N_("This payment is another company's."))


def live_payment(session: Session, purpose: PaymentPurpose, key: str) -> Payment | None:
    """The payment that holds a subject now (not cancelled or refunded), if any."""
    query = select(Payment).where(
        Payment.purpose == purpose,
        Payment.subject_key == key,
        col(Payment.status).not_in([PaymentStatus.CANCELLED, PaymentStatus.REFUNDED]),
    )
    return session.exec(query).first()


def start_payment(
    session: Session,
    *,
    actor: User,
    gateway: Gateway,
    purpose: PaymentPurpose,
    subject_id: int,
    loan_year: int = 1,
) -> Payment:
    """Record the payment (fee, subsidy, amount due) and then create its PaymentIntent.

    The record is committed before Stripe is called; if Stripe fails the record stays
    `created` and `prepare` retries with the same idempotency key. A subject with an open
    payment gets that payment back.
    """
    subject = subject_for(session, purpose, subject_id, loan_year)
    if actor.role is not Role.SME or actor.organisation_id != subject.company_id:
        raise PermissionDenied(N_("Only the company that pays can start this payment."))
    existing = live_payment(session, purpose, subject.key)
    if existing is not None:
        if existing.status is PaymentStatus.SUCCEEDED:
            raise Conflict(N_("This has already been paid."))
        return prepare(session, payment=existing, gateway=gateway)
    with transaction(session):
        # Reserving a subsidy reads the company's yearly cap and the pool's free cash: take the
        # pool's lock first so two payments started at once cannot both reserve the same room.
        lock_pool(session)
        offer = quote(session, subject)
        payment = Payment(
            purpose=purpose,
            subject_key=subject.key,
            valuation_id=subject.valuation_id,
            loan_id=subject.loan_id,
            company_id=subject.company_id,
            created_by_id=actor.id,  # type: ignore[arg-type]
            gross=offer.gross,
            subsidy=offer.subsidy,
            amount=offer.payable,
            currency=CURRENCY,
            subsidy_year=business_date(session).year,
            simulated=gateway.simulated,
            idempotency_key=uuid.uuid4().hex,
            created_on=business_date(session),
        )
        session.add(payment)
        audit.record(session, actor=actor, action="payment.created", obj=payment,
                     after=audit.snapshot(payment))
        if payment.amount == 0:  # the subsidy covers everything: nothing to charge
            _succeed(session, payment, actor=actor)
    return prepare(session, payment=payment, gateway=gateway)


def prepare(session: Session, *, payment: Payment, gateway: Gateway) -> Payment:
    """Make sure the payment has a PaymentIntent (create it with the payment's key)."""
    if payment.stripe_payment_intent_id or payment.status not in OPEN_STATUSES:
        return payment
    try:
        intent = gateway.create_intent(
            amount=payment.amount,  # fen: Stripe's smallest unit for CNY, unchanged
            currency=payment.currency,
            metadata={
                "payment_id": str(payment.id),
                "purpose": payment.purpose.value,
                "subject": payment.subject_key,
            },
            idempotency_key=payment.idempotency_key,
        )
    except GatewayError as exc:
        with transaction(session):
            payment.last_error = exc.detail or exc.message
            payment.updated_at = utcnow()
            session.add(payment)
        raise
    with transaction(session):
        payment.stripe_payment_intent_id = intent.id
        _move(payment, PaymentStatus.PENDING)
        payment.last_error = ""
        session.add(payment)
    return payment


def client_secret(payment: Payment, gateway: Gateway) -> str | None:
    """The PaymentIntent's client secret for Stripe.js (never stored)."""
    if payment.stripe_payment_intent_id is None or gateway.simulated:
        return None
    return gateway.retrieve_intent(payment.stripe_payment_intent_id).client_secret


def reconcile(session: Session, *, payment: Payment, gateway: Gateway) -> Payment:
    """Retrieve the payment's PaymentIntent and bring the record in line with it."""
    if payment.stripe_payment_intent_id is None or payment.status not in OPEN_STATUSES:
        return payment
    intent = gateway.retrieve_intent(payment.stripe_payment_intent_id)
    with transaction(session):
        apply_intent(session, payment, intent)
    return payment


def apply_intent(session: Session, payment: Payment, intent: Intent) -> None:
    """Move the payment to what the intent says (inside the caller's transaction)."""
    if intent.id != payment.stripe_payment_intent_id:
        raise Conflict(N_("The PaymentIntent does not belong to this payment."))
    if intent.amount != payment.amount or intent.currency != payment.currency:
        raise Conflict(N_("The PaymentIntent's amount does not match the payment."))
    outcome = stripe_status_outcome(intent.status)
    if outcome is PaymentStatus.PENDING and intent.error:
        outcome = PaymentStatus.FAILED
    if outcome is payment.status or payment.status not in OPEN_STATUSES:
        if outcome is PaymentStatus.FAILED:
            payment.last_error = intent.error[:500]
            session.add(payment)
        return
    if outcome is PaymentStatus.SUCCEEDED:
        _succeed(session, payment, actor=None)
        return
    before = audit.snapshot(payment)
    _move(payment, outcome)
    payment.last_error = intent.error[:500]
    session.add(payment)
    audit.record(session, actor=None, action="payment.status", obj=payment, before=before,
                 after=audit.snapshot(payment), organisation_id=payment.company_id)


def retry(session: Session, *, actor: User, payment: Payment, gateway: Gateway) -> Payment:
    """After a decline or an error, make the payment payable again."""
    if actor.organisation_id != payment.company_id:
        raise PermissionDenied(N_("Only the company that pays can retry this payment."))
    if payment.status is PaymentStatus.FAILED and payment.stripe_payment_intent_id:
        # A declined intent is cancelled and a new one (new key) takes its place, so the
        # card form always confirms a fresh intent and the old one can never be charged.
        if payment.amount > 0:
            gateway.cancel_intent(payment.stripe_payment_intent_id)
        with transaction(session):
            before = audit.snapshot(payment)
            payment.stripe_payment_intent_id = None
            payment.idempotency_key = uuid.uuid4().hex
            payment.updated_at = utcnow()
            session.add(payment)
            audit.record(session, actor=actor, action="payment.retry", obj=payment,
                         before=before, after=audit.snapshot(payment))
    return prepare(session, payment=payment, gateway=gateway)


def settle_simulated(session: Session, *, actor: User, payment: Payment, succeed: bool) -> None:
    """Simulated mode: the SME picks the outcome the card would have had."""
    if not payment.simulated:
        raise Conflict(N_("Only simulated payments can be settled this way."))
    if actor.organisation_id != payment.company_id:
        raise PermissionDenied(N_("Only the company that pays can pay this."))
    with transaction(session):
        if succeed:
            _succeed(session, payment, actor=actor)
        else:
            require_transition(PAYMENT_TRANSITIONS, payment.status, PaymentStatus.FAILED,
                               what=N_("payment"))
            payment.status = PaymentStatus.FAILED
            payment.last_error = N_("Simulated decline: the card was refused.")
            payment.updated_at = utcnow()
            session.add(payment)


def refund(
    session: Session, *, actor: User, payment: Payment, reason: str, gateway: Gateway
) -> Payment:
    """Refund a paid payment in full: the bureau any; a bank a fee of its own loan that has
    not been disbursed (e.g. the premium of a loan cancelled before disbursement)."""
    _require_refunder(session, actor, payment)
    if not reason.strip():
        raise ValidationFailed(N_("Say why the payment is refunded."),
                               errors={"reason": N_("Required.")})
    require_transition(PAYMENT_TRANSITIONS, payment.status, PaymentStatus.REFUNDED,
                       what=N_("payment"))
    refund_id = None
    if payment.amount > 0 and payment.stripe_payment_intent_id is not None:
        refund_id = gateway.refund(
            intent_id=payment.stripe_payment_intent_id,
            idempotency_key=f"refund-{payment.idempotency_key}",
        )
    with transaction(session):
        before = audit.snapshot(payment)
        payment.status = PaymentStatus.REFUNDED
        payment.stripe_refund_id = refund_id
        payment.refund_reason = reason.strip()[:500]
        payment.refunded_by_id = actor.id
        payment.refunded_on = business_date(session)
        payment.updated_at = utcnow()
        _set_product(session, payment, on=False)
        if payment.subsidy_txn is not None:
            post(
                session,
                actor=actor,
                day=business_date(session),
                lines=[(LedgerAccount.POOL_CASH, payment.subsidy, 0),
                       (LedgerAccount.FEE_SUBSIDIES, 0, payment.subsidy)],
                memo=stored(N_("Subsidy returned: payment %(id)s refunded"), id=payment.id),
                loan_id=payment.loan_id,
                reverses_txn=payment.subsidy_txn,
            )
        session.add(payment)
        audit.record(session, actor=actor, action="payment.refunded", obj=payment,
                     before=before, after=audit.snapshot(payment),
                     organisation_id=payment.company_id)
    return payment


def _require_refunder(session: Session, actor: User, payment: Payment) -> None:
    if actor.role is Role.BUREAU:
        return
    if actor.role in REFUNDERS and payment.loan_id is not None:
        loan = session.get(Loan, payment.loan_id)
        if loan is not None and loan.bank_id == actor.organisation_id:
            if loan.status is not LoanStatus.AWAITING_DISBURSEMENT:
                raise Conflict(N_("A bank refunds a loan's fees only before disbursement."))
            return
    raise PermissionDenied(N_("You may not refund this payment."))


def stale_payments(session: Session, *, older_than: timedelta) -> list[Payment]:
    """Open payments with a PaymentIntent, unchanged for longer than `older_than`."""
    query = (
        select(Payment)
        .where(
            col(Payment.status).in_([PaymentStatus.PENDING, PaymentStatus.FAILED]),
            col(Payment.stripe_payment_intent_id).is_not(None),
            col(Payment.simulated).is_(False),
            Payment.updated_at < utcnow() - older_than,
        )
        .order_by(col(Payment.id))
    )
    return list(session.exec(query).all())


def _move(payment: Payment, target: PaymentStatus) -> None:
    require_transition(PAYMENT_TRANSITIONS, payment.status, target, what=N_("payment"))
    payment.status = target
    payment.updated_at = utcnow()


def _succeed(session: Session, payment: Payment, *, actor: User | None) -> None:
    """Mark paid, release the product and post the subsidy (inside the caller's transaction)."""
    before = audit.snapshot(payment)
    _move(payment, PaymentStatus.SUCCEEDED)
    day = business_date(session)
    payment.paid_on = day
    payment.last_error = ""
    if payment.subsidy > 0:
        payment.subsidy_txn = post(
            session,
            actor=actor,
            day=day,
            lines=[(LedgerAccount.FEE_SUBSIDIES, payment.subsidy, 0),
                   (LedgerAccount.POOL_CASH, 0, payment.subsidy)],
            memo=stored(N_("Subsidy: %(what)s, payment %(id)s"),
                        what=word("purpose", payment.purpose.value), id=payment.id),
            loan_id=payment.loan_id,
        )
    _set_product(session, payment, on=True)
    session.add(payment)
    audit.record(session, actor=actor, action="payment.succeeded", obj=payment, before=before,
                 after=audit.snapshot(payment), organisation_id=payment.company_id)


def _set_product(session: Session, payment: Payment, *, on: bool) -> None:
    """Release (or withdraw) what the payment paid for."""
    day = business_date(session) if on else None
    if payment.valuation_id is not None:
        valuation = session.get(AssetValuation, payment.valuation_id)
        assert valuation is not None
        valuation.report_released_on = day
        session.add(valuation)
    elif payment.loan_id is not None:
        loan = session.get(Loan, payment.loan_id)
        assert loan is not None
        if payment.purpose is PaymentPurpose.INSURANCE_PREMIUM:
            if loan_year_of_key(payment.subject_key) != 1:
                return  # a later year's premium keeps the insurance the first one started
            loan.insurance_in_force_on = day
        else:
            loan.guarantee_in_force_on = day
        session.add(loan)
