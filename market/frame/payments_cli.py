"""`ipmarket payments ...`: settle payments whose webhook never arrived (run from cron)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from market.domain.errors import DomainError
from market.frame.db import get_session
from market.services import payments
from market.services.payment_gateway import GatewayError, gateway_from_config


@click.group("payments")
def payments_group() -> None:
    """Stripe payments."""


@payments_group.command("reconcile")
@click.option(
    "--older-than",
    "minutes",
    type=click.IntRange(min=0),
    default=15,
    show_default=True,
    help="Only payments unchanged for longer than this many minutes.",
)
@with_appcontext
def reconcile(minutes: int) -> None:
    """Retrieve the PaymentIntent of every payment still open and reconcile its record."""
    gateway = gateway_from_config(current_app.config)
    if gateway.simulated:
        click.echo("Payments are simulated (no STRIPE_SECRET_KEY): nothing to reconcile.")
        return
    session = get_session()
    stale = payments.stale_payments(session, older_than=timedelta(minutes=minutes))
    failures = 0
    for payment in stale:
        before = payment.status.value
        try:
            payments.reconcile(session, payment=payment, gateway=gateway)
        except (GatewayError, DomainError) as exc:
            failures += 1
            click.echo(f"payment {payment.id}: {exc}", err=True)
            continue
        click.echo(f"payment {payment.id}: {before} -> {payment.status.value}")
    click.echo(f"{len(stale)} payment(s) checked, {failures} could not be reconciled.")
    if failures:
        raise SystemExit(1)
