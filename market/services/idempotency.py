"""Idempotency keys of money forms: the first submission of a key is done, the others replay
its result.

A key is issued with the form (a hidden field). The submission claims it by inserting its row
in the same transaction as the money it records, so the key and the money commit together or
not at all; a concurrent submission of the same key waits on the primary key and then fails,
and a later one finds the row and goes where the first went.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import update
from sqlmodel import Session, col

from market.domain.errors import ValidationFailed
from market.domain.messages import N_
from market.frame.db import transaction
from market.models.integrity import IdempotencyKey

FIELD = "idempotency_key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
STALE_FORM = N_("This form is out of date. Reload the page and send it again.")


def new_key() -> str:
    """A fresh random key for one form."""
    return secrets.token_urlsafe(24)


def check_key(key: str) -> str:
    """The key if it is well-formed; a clear error (nothing recorded) otherwise."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationFailed(STALE_FORM, errors={FIELD: N_("Missing or malformed form key.")})
    return key


def find(session: Session, *, key: str, user_id: int, action: str) -> IdempotencyKey | None:
    """The committed row of `key`, if the same user already sent it for the same action."""
    row = session.get(IdempotencyKey, key, populate_existing=True)
    if row is None:
        return None
    if row.user_id != user_id or row.action != action:
        raise ValidationFailed(STALE_FORM, errors={FIELD: N_("This form key is not yours.")})
    return row


def claim(session: Session, *, key: str, user_id: int, action: str) -> None:
    """Insert the key's row in the open transaction (the money commits with it).

    Raises sqlalchemy's IntegrityError when another submission of the key committed first.
    """
    session.add(IdempotencyKey(key=key, user_id=user_id, action=action))
    session.flush()


def settle(session: Session, *, key: str, result: str) -> bool:
    """Store where the first submission went; False if its key was never committed."""
    with transaction(session):
        done = session.execute(
            update(IdempotencyKey)
            .where(col(IdempotencyKey.key) == key, col(IdempotencyKey.result) == "")
            .values(result=result[:500])
        )
    return bool(getattr(done, "rowcount", 0))
