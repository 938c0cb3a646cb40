"""Sending the outbox: each queued e-mail is handed to a deliverer (SMTP through Flask-Mail,
or the log in development; the frame chooses) and marked sent, or its failure is kept (the
error, the time, the number of attempts) so the next run tries again, up to MAX_ATTEMPTS.

A notification's e-mail is written here, in its recipient's language, the first time it is
tried; each row is committed on its own, so a crash never sends one twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from market.domain.kinds import NoticeKind
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.notifications import Notification
from market.models.orgs import User
from market.models.outbox import OutboxEmail

#: Attempts after which a failing e-mail is no longer tried (it stays, with its error).
MAX_ATTEMPTS = 5

#: (to, subject, body) -> None; raises when the message could not be handed over.
Deliver = Callable[[str, str, str], None]
#: (kind, params, locale or None) -> (subject, body) in that language.
Render = Callable[[NoticeKind, dict[str, Any], str | None], tuple[str, str]]


@dataclass(frozen=True)
class SendRun:
    """What one run of the sender did."""

    sent: int
    failed: int


def waiting(session: Session, *, limit: int) -> list[OutboxEmail]:
    """Unsent e-mails still to be tried, oldest first (rows another sender holds are
    skipped on PostgreSQL)."""
    query = (
        select(OutboxEmail)
        .where(col(OutboxEmail.sent_at).is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .order_by(col(OutboxEmail.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query).all())


def send_outbox(
    session: Session, *, deliver: Deliver, render: Render, limit: int = 100
) -> SendRun:
    """Try every waiting e-mail once (at most `limit`); returns how many went and failed."""
    sent = failed = 0
    ids = [row.id for row in waiting(session, limit=limit)]
    session.rollback()
    for row_id in ids:
        with transaction(session):
            row = session.exec(
                select(OutboxEmail)
                .where(OutboxEmail.id == row_id, col(OutboxEmail.sent_at).is_(None))
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                continue
            if row.notification_id is not None and not row.subject:
                _write(session, row, render)
            try:
                deliver(row.to_address, row.subject, row.body)
            except Exception as exc:  # any refusal of the server or the network is kept
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                failed += 1
            else:
                row.sent_at = utcnow()
                row.last_error = ""
                sent += 1
            row.last_attempt_at = utcnow()
            session.add(row)
    return SendRun(sent, failed)


def _write(session: Session, row: OutboxEmail, render: Render) -> None:
    """Fill a notification's e-mail in its recipient's language."""
    notice = session.get(Notification, row.notification_id)
    if notice is None:
        return
    user = session.get(User, notice.user_id)
    subject, body = render(notice.kind, dict(notice.params), user.locale if user else None)
    row.subject = subject[:200]
    row.body = body[:4000]
