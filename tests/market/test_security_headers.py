"""Security headers on every response, and pages the Content-Security-Policy does not break
(no inline script, handler or style attribute), for every GET route as every principal."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlmodel import Session

from market.frame.security import content_policy
from tests.market import access_desk, access_documents, access_payments
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import make_asset
from tests.market.lending_fixtures import lending_world, make_request
from tests.market.test_permissions import PRINCIPALS, own_notice

INLINE = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)


def _check(response_headers: dict[str, str], *, signed_in: bool, where: str) -> None:
    csp = response_headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, where
    assert "frame-ancestors 'none'" in csp, where
    assert response_headers.get("X-Content-Type-Options") == "nosniff", where
    assert response_headers.get("Referrer-Policy") == "same-origin", where
    assert "Server" not in response_headers, where
    if signed_in:
        assert response_headers.get("Cache-Control") == "no-store", where


def test_every_page_carries_the_headers_and_no_inline_code(
    app: Flask, client: FlaskClient, session: Session, world: World, tmp_path: Path
) -> None:
    args = vars(lending_world(session, world))
    asset = make_asset(session, world.sme)
    make_request(session, world, assets=[asset])
    args |= {"asset_id": asset.id, "kind": "trademark", "user_id": world.admin.id, "token": "x"}
    args |= {"recovery_id": 1, **access_desk.desk_args(session, world)}
    args |= access_payments.arrange(session, world, asset)
    notice = own_notice(session, world.sme)
    args |= {"org_id": world.sme.organisation_id, "notice_id": notice, "loan_year": 2}
    args |= access_documents.document_args(app, session, world, tmp_path, args["claim_id"])
    rules = [
        r for r in app.url_map.iter_rules() if r.endpoint != "static" and "GET" in (r.methods or ())
    ]
    assert len(rules) > 20
    for principal in PRINCIPALS:
        sign_in(client, None if principal == "anonymous" else world.users[principal])
        for rule in rules:
            with app.test_request_context():
                url = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
            response = client.get(url)
            where = f"{principal} {url} {response.status_code}"
            _check(dict(response.headers), signed_in=principal != "anonymous", where=where)
            assert "Strict-Transport-Security" not in response.headers  # testing: no HSTS
            if response.mimetype == "text/html":
                assert not INLINE.search(response.data), (where, INLINE.search(response.data))


def test_errors_and_posts_carry_the_headers_too(client: FlaskClient, world: World) -> None:
    for response in (client.get("/no-such-page"), client.post("/login", data={})):
        _check(dict(response.headers), signed_in=False, where=str(response.status_code))
    sign_in(client, world.sme)
    response = client.get("/admin/users")  # 403
    _check(dict(response.headers), signed_in=True, where="403")


def test_production_sends_hsts_and_secure_cookies(connection: Connection) -> None:
    app = make_test_app(
        connection, ENV_NAME="production", HSTS_ENABLED=True, PAYMENTS_SIMULATED_OK=True
    )
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_stripe_js_origin_is_allowed_only_when_stripe_is_configured() -> None:
    stripe = {
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_JS_URL": "https://js.stripe.com/v3/",
    }
    policy = content_policy(stripe)
    assert "script-src 'self' https://js.stripe.com;" in policy
    assert "frame-src 'self' https://js.stripe.com" in policy
    assert "js.stripe.com" not in content_policy({**stripe, "STRIPE_SECRET_KEY": ""})
    assert "frame-src" not in content_policy({})


def test_proxy_fix_takes_the_client_address_from_the_proxy(connection: Connection) -> None:
    from flask import request

    app = make_test_app(connection, PROXY_FIX_HOPS=1)

    @app.get("/_addr")
    def _addr() -> str:
        return str(request.remote_addr)

    seen = app.test_client().get(
        "/_addr",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert seen.data == b"203.0.113.7"
    plain = make_test_app(connection)

    @plain.get("/_addr")
    def _addr2() -> str:
        return str(request.remote_addr)

    seen = plain.test_client().get(
        "/_addr",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert seen.data == b"10.0.0.1"  # without the flag a forged header changes nothing
