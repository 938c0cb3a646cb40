"""Sessions can be revoked; passwords are checked; reset by e-mail (issue 11)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.passwords import common_passwords, password_problem
from market.models.audit import AuditEvent
from market.models.outbox import OutboxEmail
from market.services import passwords
from tests.market.conftest import World, sign_in
from tests.market.factories import PASSWORD


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/dashboard").status_code == 200


def _login(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    return client


def _actions(session: Session, action: str) -> int:
    return len(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_sign_out_ends_every_session_of_the_user(
    app: Flask, world: World, session: Session
) -> None:
    laptop, phone = _login(app, world.sme.email), _login(app, world.sme.email)
    other = _login(app, world.users["other_sme"].email)
    assert _signed_in(laptop) and _signed_in(phone)
    assert laptop.post("/logout").status_code == 302
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert _signed_in(other)  # someone else's session is untouched
    assert _actions(session, "user.sign_out") == 1


def test_password_change_ends_the_other_sessions_only(app: Flask, world: World) -> None:
    laptop, phone = _login(app, world.sme.email), _login(app, world.sme.email)
    new = "Lantern-harbour-47"
    response = laptop.post(
        "/account", data={"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert _signed_in(laptop) and not _signed_in(phone)


def test_disabling_a_user_ends_their_sessions_for_good(
    app: Flask, world: World, client: FlaskClient
) -> None:
    victim = _login(app, world.users["insurer"].email)
    sign_in(client, world.admin)
    user_id = world.users["insurer"].id
    assert client.post(f"/admin/users/{user_id}/active", data={"active": "0"}).status_code == 302
    assert not _signed_in(victim)
    client.post(f"/admin/users/{user_id}/active", data={"active": "1"})
    assert not _signed_in(victim)  # enabling again does not revive the old session


def test_a_stale_session_cookie_loads_no_one(client: FlaskClient, world: World) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{world.sme.id}:7"
    assert not _signed_in(client)
    with client.session_transaction() as sess:
        sess["_user_id"] = "9" * 40
    assert not _signed_in(client)


def test_common_and_personal_passwords_are_refused_with_a_reason() -> None:
    assert len(common_passwords()) > 19_000
    assert "on a list of common passwords" in (password_problem("password123") or "")
    assert "on a list of common passwords" in (password_problem("1q2w3e4r5t") or "")
    assert "on a list of common passwords" in (password_problem("aaaaaaaaa1") or "")
    assert "your name or e-mail" in (
        password_problem("liming-2026!", email="liming@example.cn") or ""
    )
    assert password_problem("Lantern-harbour-47", email="li@example.cn", name="Li Ming") is None


def test_registration_refuses_a_common_password(client: FlaskClient) -> None:
    from tests.market.test_accounts import registration

    page = client.post(
        "/register", data=registration(password="password123", confirm="password123")
    ).get_data(as_text=True)
    assert "list of common passwords" in page


def _reset_link(session: Session, email: str) -> str:
    rows = session.exec(
        select(OutboxEmail).where(
            OutboxEmail.to_address == email, OutboxEmail.kind == passwords.RESET
        )
    ).all()
    assert len(rows) == 1
    return rows[0].body.split("http://localhost", 1)[1].split()[0]


def test_password_reset_by_email_is_single_use_and_ends_sessions(
    app: Flask, client: FlaskClient, world: World, session: Session
) -> None:
    old_session = _login(app, world.sme.email)
    page = client.post("/password/forgot", data={"email": world.sme.email.upper()})
    assert b"Check your e-mail" in page.data
    link = _reset_link(session, world.sme.email)
    assert client.get(link).status_code == 200
    new = "Copper-kettle-93"
    response = client.post(link, data={"new_password": new, "confirm": new})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _signed_in(old_session)
    other = "Other-kettle-94"
    again = client.post(link, data={"new_password": other, "confirm": other})
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]
    _login(app, world.sme.email, new)
    assert _actions(session, "user.password_reset") == 1


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client: FlaskClient, session: Session
) -> None:
    page = client.post("/password/forgot", data={"email": "nobody@nowhere.cn"})
    assert page.status_code == 200 and b"Check your e-mail" in page.data
    assert session.exec(select(OutboxEmail)).all() == []


def test_reset_link_expires_and_rejects_tampering(
    client: FlaskClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.post("/password/forgot", data={"email": world.sme.email})
    link = _reset_link(session, world.sme.email)
    assert client.get(link[:-3] + "abc").status_code == 302  # a changed signature
    monkeypatch.setattr(passwords, "RESET_MAX_AGE", -1)
    assert client.get(link).status_code == 302


def test_failed_sign_ins_are_audited(client: FlaskClient, world: World, session: Session) -> None:
    client.post("/login", data={"email": world.sme.email, "password": "wrong-guess-1"})
    client.post("/login", data={"email": "ghost@nowhere.cn", "password": "wrong-guess-1"})
    failed = select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed")
    rows = session.exec(failed.order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    assert [r.after["email"] for r in rows] == [world.sme.email, "ghost@nowhere.cn"]
    assert rows[0].object_id == world.sme.id and rows[1].object_id is None
