"""`ipmarket outbox send` (issue 16): queued e-mails go to a real SMTP server (aiosmtpd,
started on a free loopback port) in the recipient's language; a failure is kept with its error
and tried again on the next run; without MAIL_SERVER development only logs them."""

from __future__ import annotations

import email
import email.header
import email.message
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Connection
from sqlmodel import Session, select

from market.models.outbox import OutboxEmail
from market.services.mail_delivery import MAX_ATTEMPTS
from tests.market.conftest import World, make_test_app
from tests.market.lending_fixtures import make_request, setup_pool


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture()
def smtp_port() -> int:
    return free_port()


@pytest.fixture()
def inbox(smtp_port: int) -> Iterator[tuple[Inbox, Controller]]:
    """A server not yet started (the test starts it when it wants the sending to work)."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    try:
        yield handler, controller
    finally:
        if getattr(controller, "_thread", None) is not None:
            controller.stop()


def _subject(message: email.message.Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _body(message: email.message.Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_smtp_sends_in_the_readers_language_and_keeps_a_failure_for_retry(
    session: Session, world: World, connection: Connection, smtp_port: int,
    inbox: tuple[Inbox, Controller],
) -> None:
    setup_pool(session, world)
    officer = world.users["bank_officer"]
    officer.locale = "zh"
    session.add(officer)
    session.commit()
    request = make_request(session, world, bank_id=world.bank.id)
    row = session.exec(select(OutboxEmail).where(OutboxEmail.kind == "new_request")).one()
    app = make_test_app(
        connection, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_SUPPRESS_SEND=False,
        MAIL_DEFAULT_SENDER="no-reply@ipmarket.test", SITE_URL="https://ipm.example",
    )
    runner = app.test_cli_runner()
    # No server listening yet: the e-mail fails, stays queued with its error.
    failed = runner.invoke(args=["outbox", "send"])
    assert failed.exit_code == 1, failed.output
    assert "0 e-mail(s) sent, 1 failed" in failed.output
    session.refresh(row)
    assert row.sent_at is None and row.attempts == 1
    assert "Connection" in row.last_error and row.last_attempt_at is not None
    # The server is up: the next run sends it, in the officer's language (Chinese).
    handler, controller = inbox
    controller.start()
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0, sent.output
    assert "1 e-mail(s) sent, 0 failed" in sent.output
    session.refresh(row)
    assert row.sent_at is not None and row.last_error == ""
    [message] = handler.messages
    assert message["To"] == officer.email
    assert _subject(message) == f"新的融资申请（第 {request.id} 号）"
    body = _body(message)
    assert f"{world.sme_org.name} 申请融资 ¥1,000,000.00，期限 12 个月。" in body
    assert "https://ipm.example/notifications/" in body
    assert row.subject == _subject(message)
    # Sent once: a further run has nothing to send.
    again = runner.invoke(args=["outbox", "send"])
    assert "0 e-mail(s) sent, 0 failed" in again.output and len(handler.messages) == 1


def test_an_e_mail_failing_too_often_is_no_longer_tried(
    session: Session, world: World, connection: Connection, smtp_port: int
) -> None:
    setup_pool(session, world)
    make_request(session, world, bank_id=world.bank.id)
    row = session.exec(select(OutboxEmail).where(OutboxEmail.kind == "new_request")).one()
    row.attempts = MAX_ATTEMPTS
    session.add(row)
    session.commit()
    app = make_test_app(connection, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port,
                        MAIL_SUPPRESS_SEND=False)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "0 e-mail(s) sent, 0 failed" in result.output
    session.refresh(row)
    assert row.attempts == MAX_ATTEMPTS and row.sent_at is None


def test_without_a_mail_server_development_logs_and_production_refuses(
    session: Session, world: World, connection: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    setup_pool(session, world)
    make_request(session, world, bank_id=world.bank.id)
    production = make_test_app(connection, ENV_NAME="production", PAYMENTS_SIMULATED_OK=True)
    refused = production.test_cli_runner().invoke(args=["outbox", "send"])
    assert refused.exit_code == 2 and "MAIL_SERVER is not set" in refused.output
    row = session.exec(select(OutboxEmail).where(OutboxEmail.kind == "new_request")).one()
    assert row.sent_at is None
    development = make_test_app(connection, ENV_NAME="development")
    with caplog.at_level("WARNING", logger="market.outbox"):
        result = development.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "New financing request no." in caplog.text  # English: the officer chose no language
    session.refresh(row)
    assert row.sent_at is not None
