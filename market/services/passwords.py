"""Password reset and e-mail confirmation by signed, expiring, single-use links.

A token signs the user's id and session version. Using it (a reset, a confirmation) raises
the session version, so the token cannot be used twice, and every older token and session of
the user ends with it.
"""

from __future__ import annotations

from collections.abc import Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, select

from market.domain.errors import ValidationFailed
from market.domain.messages import N_
from market.domain.passwords import password_problem
from market.frame.db import transaction
from market.models.orgs import User
from market.services import audit
from market.services.accounts import hash_password
from market.services.outbox import queue_email

RESET_MAX_AGE = 3600  # seconds a reset link stays valid
CONFIRM_MAX_AGE = 3 * 24 * 3600
RESET = "password-reset"
CONFIRM = "confirm-email"


def make_token(secret: str, purpose: str, user: User) -> str:
    """A signed token naming `user` at its current session version."""
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(
        {"u": user.id, "v": user.session_version}
    )


def user_for_token(
    session: Session, *, secret: str, purpose: str, token: str, max_age: int
) -> User | None:
    """The user a valid, unexpired, unused token names, or None."""
    try:
        data = URLSafeTimedSerializer(secret, salt=purpose).loads(token[:500], max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, data["u"]) if 0 < data["u"] < 2**31 else None
    if user is None or user.session_version != data.get("v"):
        return None
    return user


def request_reset(
    session: Session,
    *,
    email: str,
    link: Callable[[str], str],
    secret: str,
    subject: str,
    body: Callable[[str], str],
    echo: bool = False,
) -> None:
    """Send a reset link if an active user has this e-mail; say nothing either way."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.is_active:
        return
    with transaction(session):
        url = link(make_token(secret, RESET, user))
        queue_email(session, to=user.email, subject=subject, body=body(url), kind=RESET, echo=echo)
        audit.record(session, actor=None, action="user.password_reset_requested", obj=user,
                     organisation_id=user.organisation_id)


def reset_password(
    session: Session, *, secret: str, token: str, new: str
) -> User:
    """Set a new password with a reset token; the token and every session end with it."""
    user = user_for_token(session, secret=secret, purpose=RESET, token=token,
                          max_age=RESET_MAX_AGE)
    if user is None or not user.is_active:
        raise ValidationFailed(
            N_("This reset link has expired or was already used. Ask for a new one."),
            errors={},
        )
    if problem := password_problem(new, email=user.email, name=user.name):
        raise ValidationFailed(N_("Please choose a stronger password."),
                               errors={"new_password": problem})
    with transaction(session):
        user.password_hash = hash_password(new)
        user.session_version += 1
        session.add(user)
        audit.record(session, actor=user, action="user.password_reset", obj=user)
    return user


def confirm_email(session: Session, *, secret: str, token: str) -> User:
    """Activate a self-registered user from the link e-mailed at registration."""
    user = user_for_token(session, secret=secret, purpose=CONFIRM, token=token,
                          max_age=CONFIRM_MAX_AGE)
    if user is None or user.last_login_at is not None or user.is_active:
        raise ValidationFailed(
            N_("This confirmation link has expired or was already used."), errors={}
        )
    with transaction(session):
        user.is_active = True
        user.session_version += 1
        session.add(user)
        audit.record(session, actor=user, action="user.confirm_email", obj=user)
    return user

