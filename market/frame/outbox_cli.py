"""`ipmarket outbox send`: hand queued e-mails to the SMTP server (run from cron). Without
MAIL_SERVER, development and testing only write them to the log; production refuses."""

from __future__ import annotations

import logging
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext
from flask_mail import Message

from market.domain.kinds import NoticeKind
from market.frame.config import SAFE_ENVS
from market.frame.db import get_session
from market.services.mail_delivery import Deliver, send_outbox
from market.text.notice_text import notice_words

log = logging.getLogger("market.outbox")


@click.group("outbox")
def outbox_group() -> None:
    """Outgoing e-mail."""


def render(kind: NoticeKind, params: dict[str, Any], locale: str | None) -> tuple[str, str]:
    """A notification's e-mail in the recipient's language (the site's default if unset)."""
    chosen = locale if locale in current_app.config["LANGUAGES"] else None
    with force_locale(chosen or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject, body = notice_words(kind, params, lambda text: str(gettext(text)))
        site = str(current_app.config.get("SITE_URL") or "").rstrip("/")
        if site:
            link = site + "/notifications/"
            body += "\n\n" + str(gettext("See it on the site: %(url)s", url=link))
    return subject, body


def smtp_deliver(to: str, subject: str, body: str) -> None:
    """Send one message through Flask-Mail (MAIL_SERVER, MAIL_PORT, ...)."""
    mail = current_app.extensions["mail"]
    mail.send(Message(subject=subject, recipients=[to], body=body))


def log_deliver(to: str, subject: str, body: str) -> None:
    """Development: the e-mail goes to the log only."""
    log.warning("e-mail to %s: %s\n%s", to, subject, body)


def deliverer() -> Deliver | None:
    """SMTP when MAIL_SERVER is set, the log in development and testing, else None."""
    if current_app.config.get("MAIL_SERVER"):
        return smtp_deliver
    if current_app.config["ENV_NAME"] in SAFE_ENVS:
        return log_deliver
    return None


@outbox_group.command("send")
@click.option("--limit", type=click.IntRange(min=1, max=10_000), default=100, show_default=True,
              help="At most this many e-mails in this run.")
@with_appcontext
def send(limit: int) -> None:
    """Send the queued e-mails; a failure stays queued with its error and is retried."""
    deliver = deliverer()
    if deliver is None:
        click.echo("ipmarket: MAIL_SERVER is not set: the e-mails stay queued.", err=True)
        raise SystemExit(2)
    run = send_outbox(get_session(), deliver=deliver, render=render, limit=limit)
    click.echo(f"{run.sent} e-mail(s) sent, {run.failed} failed (kept for a retry).")
    if run.failed:
        raise SystemExit(1)
