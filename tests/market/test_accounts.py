"""SME self-registration, sign-in, sign-out, rate limit, passwords."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlmodel import Session, func, select

from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User
from market.models.outbox import OutboxEmail
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import PASSWORD, uscc


def registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "company_name": "Zhongshan Test Optics Co.",
        "uscc": uscc(),
        "industry": "electronics",
        "size": "small",
        "region": "GD-Zhongshan",
        "contact_name": "Li Lei",
        "contact_phone": "13800000000",
        "name": "Li Lei",
        "email": "li.lei@optics-demo.cn",
        "password": "optics-2026-ok",
        "confirm": "optics-2026-ok",
    }
    data.update(overrides)
    return data


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _link(session: Session, to: str, kind: str) -> str:
    """The path of the link in the newest outbox e-mail of `kind` to `to`."""
    row = session.exec(
        select(OutboxEmail)
        .where(OutboxEmail.to_address == to, OutboxEmail.kind == kind)
        .order_by(OutboxEmail.id.desc())  # type: ignore[union-attr]
    ).first()
    assert row is not None, f"no {kind} e-mail to {to}"
    return row.body.split("http://localhost", 1)[1].split()[0]


def test_sme_registers_confirms_by_email_and_is_signed_in(
    client: FlaskClient, session: Session
) -> None:
    response = client.post("/register", data=registration())
    assert response.status_code == 200
    assert b"Check your e-mail" in response.data
    assert client.get("/dashboard").status_code == 302  # not signed in before confirming
    response = client.get(_link(session, "li.lei@optics-demo.cn", "confirm-email"))
    assert response.status_code == 302
    assert b"Your company is registered" in client.get("/assets/").data
    org = session.exec(
        select(Organisation).where(Organisation.name == "Zhongshan Test Optics Co.")
    ).one()
    user = session.exec(select(User).where(User.email == "li.lei@optics-demo.cn")).one()
    assert user.organisation_id == org.id and user.role.value == "sme"
    assert org.kind.value == "sme" and org.size.value == "small"
    assert "optics-2026-ok" not in user.password_hash  # stored hashed
    actions = set(session.exec(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)))
    assert {"organisation.register", "user.create"} <= actions
    assert client.get("/dashboard").status_code == 200


def test_bad_credit_code_is_shown_next_to_the_field_and_nothing_is_saved(
    client: FlaskClient, session: Session
) -> None:
    before = (count(session, Organisation), count(session, User))
    code = uscc()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post("/register", data=registration(uscc=wrong))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "check character" in page
    assert 'value="Zhongshan Test Optics Co."' in page  # what the user typed is kept
    assert 'value="li.lei@optics-demo.cn"' in page
    assert (count(session, Organisation), count(session, User)) == before


def test_duplicate_credit_code_is_refused(
    client: FlaskClient, session: Session, world: World
) -> None:
    response = client.post("/register", data=registration(uscc=world.sme_org.uscc))
    page = response.get_data(as_text=True)
    assert "already registered" in page


def test_registration_does_not_reveal_a_registered_email(
    client: FlaskClient, session: Session, world: World
) -> None:
    before = (count(session, Organisation), count(session, User))
    taken = client.post("/register", data=registration(email=world.sme.email))
    fresh = client.post("/register", data=registration(email="new.person@optics-demo.cn"))
    assert taken.status_code == fresh.status_code == 200

    def words(page: bytes, email: str) -> bytes:
        page = re.sub(rb'name="csrf_token" value="[^"]*"', b"", page)  # a token per session
        return page.replace(email.encode(), b"EMAIL")

    assert words(taken.data, world.sme.email) == words(fresh.data, "new.person@optics-demo.cn")
    # Nothing is created for the registered address; its owner is told by e-mail.
    assert (count(session, Organisation), count(session, User)) == (before[0] + 1, before[1] + 1)
    assert "/password/forgot" in _link(session, world.sme.email, "already-registered")


def test_weak_or_mismatched_passwords(client: FlaskClient) -> None:
    page = client.post("/register", data=registration(password="short", confirm="short")).get_data(
        as_text=True
    )
    assert "between 10 and 200 characters" in page
    page = client.post(
        "/register",
        data=registration(password="onlyletterspassword", confirm="onlyletterspassword"),
    ).get_data(as_text=True)
    assert "Mix letters with digits" in page
    page = client.post("/register", data=registration(confirm="something-else-1")).get_data(
        as_text=True
    )
    assert "Passwords differ" in page


def test_large_company_cannot_register_as_sme(client: FlaskClient) -> None:
    response = client.post("/register", data=registration(size="large"))
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_sign_in_and_out(client: FlaskClient, world: World, session: Session) -> None:
    response = client.post("/login", data={"email": world.sme.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    session.refresh(world.sme)
    assert world.sme.last_login_at is not None and world.sme.last_login_at.tzinfo is not None
    assert client.get("/logout").status_code == 405  # signing out is a POST
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_and_disabled_user(
    client: FlaskClient, world: World, session: Session
) -> None:
    response = client.post("/login", data={"email": world.sme.email, "password": "nope-nope-1"})
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    world.sme.is_active = False
    session.add(world.sme)
    session.commit()
    response = client.post("/login", data={"email": world.sme.email, "password": PASSWORD})
    assert "Wrong e-mail or password" in response.get_data(as_text=True)


def test_disabled_user_loses_an_open_session(
    client: FlaskClient, world: World, session: Session
) -> None:
    sign_in(client, world.sme)
    assert client.get("/assets/").status_code == 200
    world.sme.is_active = False
    session.add(world.sme)
    session.commit()
    assert client.get("/assets/").status_code == 302


def test_next_parameter_only_follows_local_links(client: FlaskClient, world: World) -> None:
    data = {"email": world.sme.email, "password": PASSWORD}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"].endswith("/dashboard")
    client.post("/logout")
    response = client.post("/login?next=/assets/", data=data)
    assert response.headers["Location"].endswith("/assets/")


def test_login_is_rate_limited(connection: Connection, session: Session, world: World) -> None:
    app = make_test_app(
        connection,
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="3 per minute",
        RATELIMIT_STORAGE_URI="memory://",
    )
    client = app.test_client()
    for _ in range(3):
        assert (
            client.post(
                "/login", data={"email": world.sme.email, "password": "bad-guess-1"}
            ).status_code
            == 200
        )
    blocked = client.post("/login", data={"email": world.sme.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_change_password(client: FlaskClient, world: World) -> None:
    sign_in(client, world.sme)
    response = client.post(
        "/account",
        data={
            "current_password": "wrong-one-1",
            "new_password": "brand-new-pass-1",
            "confirm": "brand-new-pass-1",
        },
    )
    assert "not your current password" in response.get_data(as_text=True)
    response = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "brand-new-pass-1",
            "confirm": "brand-new-pass-1",
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    ok = client.post("/login", data={"email": world.sme.email, "password": "brand-new-pass-1"})
    assert ok.status_code == 302
