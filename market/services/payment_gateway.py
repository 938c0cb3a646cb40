"""The payment provider behind the payments service: Stripe (the official SDK) or a simulation.

Payments run in simulated mode when no STRIPE_SECRET_KEY is configured (the embedded demo):
nothing leaves the machine and every page says so. Stripe errors become `GatewayError`s with
a message a user can act on; the caller leaves the payment in a state it can retry from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import stripe

from market.domain.messages import N_

DEFAULT_TIMEOUT = 20.0  # seconds for one call to Stripe


@dataclass(frozen=True)
class Intent:
    """What the site needs of a PaymentIntent."""

    id: str
    status: str  # Stripe's status: succeeded, requires_payment_method, processing, ...
    amount: int
    currency: str
    client_secret: str | None
    error: str  # the last payment error's message ("" if none)
    metadata: dict[str, str]


class GatewayError(Exception):
    """A call to the provider failed; `message` is for the user, `declined` for cards."""

    def __init__(self, message: str, *, declined: bool = False, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.declined = declined
        self.detail = detail


class Gateway(Protocol):
    """The provider's operations the payments service uses."""

    simulated: bool

    def create_intent(
        self, *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent: ...

    def retrieve_intent(self, intent_id: str) -> Intent: ...

    def cancel_intent(self, intent_id: str) -> None: ...

    def refund(self, *, intent_id: str, idempotency_key: str) -> str: ...


def intent_from(source: Any) -> Intent:
    """An Intent from a PaymentIntent (an SDK object or a webhook's plain dict)."""
    to_dict = getattr(source, "to_dict", None)
    obj: Mapping[str, Any] = to_dict() if callable(to_dict) else source
    error = obj.get("last_payment_error") or {}
    metadata = obj.get("metadata") or {}
    return Intent(
        id=str(obj["id"]),
        status=str(obj["status"]),
        amount=int(obj["amount"]),
        currency=str(obj["currency"]),
        client_secret=obj.get("client_secret"),
        error=str(error.get("message") or "") if isinstance(error, Mapping) else "",
        metadata={str(k): str(v) for k, v in dict(metadata).items()},
    )


class StripeGateway:
    """PaymentIntents and Refunds through `stripe.StripeClient`."""

    simulated = False

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_network_retries: int = 1,
    ) -> None:
        addresses: dict[str, str] = {"api": api_base} if api_base else {}
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses=addresses,  # type: ignore[arg-type]
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=max_network_retries,
        )

    def create_intent(
        self, *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent:
        """Create a PaymentIntent; a retry with the same key returns the same intent."""
        # CNY amounts are in fen, Stripe's smallest unit for CNY: passed through unchanged.
        with _translated_errors():
            obj = self.client.v1.payment_intents.create(
                params={"amount": amount, "currency": currency, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        return intent_from(obj)

    def retrieve_intent(self, intent_id: str) -> Intent:
        """The PaymentIntent as Stripe has it now."""
        with _translated_errors():
            obj = self.client.v1.payment_intents.retrieve(intent_id)
        return intent_from(obj)

    def cancel_intent(self, intent_id: str) -> None:
        """Cancel an intent that will not be paid (after a decline a new one replaces it)."""
        with _translated_errors():
            intent = self.client.v1.payment_intents.retrieve(intent_id)
            if intent.status not in ("canceled", "succeeded", "processing"):
                self.client.v1.payment_intents.cancel(intent_id)

    def refund(self, *, intent_id: str, idempotency_key: str) -> str:
        """Refund the whole PaymentIntent; returns the Refund's id."""
        with _translated_errors():
            refund = self.client.v1.refunds.create(
                params={"payment_intent": intent_id},
                options={"idempotency_key": idempotency_key},
            )
        return str(refund.id)


class SimulatedGateway:
    """No provider at all: intents live only in our records (the offline demo)."""

    simulated = True

    def create_intent(
        self, *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent:
        """A made-up intent id derived from the key (the same key gives the same id)."""
        return Intent(
            id=f"sim_pi_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}",
            status="requires_payment_method",
            amount=amount,
            currency=currency,
            client_secret=None,
            error="",
            metadata=metadata,
        )

    def retrieve_intent(self, intent_id: str) -> Intent:
        """Simulated intents are settled on the page only; there is nothing to retrieve."""
        raise GatewayError(N_("Simulated payments are settled on the payment page."))

    def cancel_intent(self, intent_id: str) -> None:
        """Nothing to cancel."""

    def refund(self, *, intent_id: str, idempotency_key: str) -> str:
        """A made-up refund id."""
        return f"sim_re_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}"


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn the SDK's errors into GatewayError with a message for the user."""
    try:
        yield
    except stripe.CardError as exc:
        raise GatewayError(
            N_("Your card was declined. Nothing was charged; try again or use another card."),
            declined=True,
            detail=_detail(exc),
        ) from exc
    except stripe.APIConnectionError as exc:
        raise GatewayError(
            N_(
                "The payment service did not answer (network error or timeout). "
                "Nothing was lost: try again in a moment."
            ),
            detail=_detail(exc),
        ) from exc
    except stripe.RateLimitError as exc:
        raise GatewayError(
            N_("The payment service is busy. Try again in a moment."), detail=_detail(exc)
        ) from exc
    except stripe.StripeError as exc:
        raise GatewayError(
            N_("The payment service refused the request. Try again later or contact the bureau."),
            detail=_detail(exc),
        ) from exc


def _detail(exc: stripe.StripeError) -> str:
    return str(exc.user_message or exc)[:400]


def gateway_from_config(config: Mapping[str, Any]) -> Gateway:
    """Stripe when a secret key is configured, else the simulation."""
    key = config.get("STRIPE_SECRET_KEY") or ""
    if not key:
        return SimulatedGateway()
    return StripeGateway(
        key,
        api_base=config.get("STRIPE_API_BASE") or None,
        timeout=float(config.get("STRIPE_TIMEOUT", DEFAULT_TIMEOUT)),
        max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 1)),
    )
