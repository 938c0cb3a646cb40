"""Outgoing e-mail: queued in the outbox table inside the caller's transaction; in
development the message is also written to the log, so the link in it can be followed."""

from __future__ import annotations

import logging

from sqlmodel import Session

from market.models.outbox import OutboxEmail

log = logging.getLogger("market.outbox")


def queue_email(
    session: Session, *, to: str, subject: str, body: str, kind: str, echo: bool = False
) -> OutboxEmail:
    """Add an e-mail to the outbox (the caller commits); `echo` also logs it in full."""
    row = OutboxEmail(to_address=to, subject=subject[:200], body=body[:4000], kind=kind)
    session.add(row)
    if echo:
        log.warning("e-mail to %s: %s\n%s", to, subject, body)
    return row
