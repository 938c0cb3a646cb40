"""The e-mails of registration and password reset: words and links, queued in the outbox."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlmodel import Session

from market.models.orgs import User
from market.services import passwords
from market.services.outbox import queue_email


def echo() -> bool:
    """In development and testing the e-mail is also logged (there is no mailer)."""
    return str(current_app.config["ENV_NAME"]) in ("development", "testing")


def secret() -> str:
    """The key that signs the links."""
    return str(current_app.config["SECRET_KEY"])


def reset_link(token: str) -> str:
    """The absolute link of a reset token."""
    return url_for("auth.reset_password", token=token, _external=True)


def reset_body(url: str) -> str:
    """The reset e-mail's text."""
    return str(
        _(
            "Someone (we hope you) asked to reset the password of your IP Pledge Finance "
            "account. Follow this link within an hour to choose a new one:\n\n%(url)s\n\n"
            "If it was not you, ignore this e-mail: your password stays as it is.",
            url=url,
        )
    )


def send_confirmation(session: Session, user: User) -> None:
    """The link that activates a newly registered account (the caller commits)."""
    url = url_for(
        "auth.confirm",
        token=passwords.make_token(secret(), passwords.CONFIRM, user),
        _external=True,
    )
    queue_email(
        session,
        to=user.email,
        subject=_("Confirm your e-mail address"),
        body=_(
            "Welcome to IP Pledge Finance. Follow this link within three days to confirm "
            "your e-mail address and sign in:\n\n%(url)s",
            url=url,
        ),
        kind=passwords.CONFIRM,
        echo=echo(),
    )


def send_already_registered(session: Session, email: str) -> None:
    """Tell the owner of a registered address that someone tried to register it again."""
    queue_email(
        session,
        to=email,
        subject=_("You already have an account"),
        body=_(
            "Someone tried to register a company with this e-mail address, which already has "
            "an account. If it was you, sign in, or reset your password here:\n\n%(url)s",
            url=url_for("auth.forgot_password", _external=True),
        ),
        kind="already-registered",
        echo=echo(),
    )
