"""The permission matrix: every route x every role x anonymous.

A new route fails `test_every_route_is_in_the_matrix` until its row is added here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session
from werkzeug.routing import Rule

from market.domain.kinds import NoticeKind
from market.models.notifications import Notification
from market.models.orgs import User
from tests.market import (
    access_desk,
    access_documents,
    access_lending,
    access_payments,
    access_pool,
)
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import make_asset
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import lending_world, make_request

PRINCIPALS = (
    "anonymous",
    "sme",
    "other_sme",
    "bank_officer",
    "bank_approver",
    "insurer",
    "guarantor",
    "valuer",
    "bureau",
    "admin",
)
PUBLIC = frozenset(PRINCIPALS)
SIGNED_IN = PUBLIC - {"anonymous"}
SMES = frozenset({"sme", "other_sme"})

# (endpoint, method) -> who may use it. `sme` owns the asset under test; `other_sme` does not.
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("main.index", "GET"): PUBLIC,
    ("main.healthz", "GET"): PUBLIC,
    ("main.set_language", "POST"): PUBLIC,
    ("main.dashboard", "GET"): SIGNED_IN,
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.register", "GET"): PUBLIC,
    ("auth.register", "POST"): PUBLIC,
    ("auth.logout", "POST"): SIGNED_IN,
    ("auth.account", "GET"): SIGNED_IN,
    ("auth.account", "POST"): SIGNED_IN,
    ("auth.confirm", "GET"): PUBLIC,
    ("auth.forgot_password", "GET"): PUBLIC,
    ("auth.forgot_password", "POST"): PUBLIC,
    ("auth.reset_password", "GET"): PUBLIC,
    ("auth.reset_password", "POST"): PUBLIC,
    ("assets.index", "GET"): SMES | {"bureau", "admin"},
    ("assets.choose_kind", "GET"): SMES,
    ("assets.create", "GET"): SMES,
    ("assets.create", "POST"): SMES,
    ("assets.detail", "GET"): frozenset(
        {"sme", "bureau", "admin", "bank_officer", "bank_approver"}
    ),
    ("assets.edit", "GET"): frozenset({"sme"}),
    ("assets.edit", "POST"): frozenset({"sme"}),
    ("assets.withdraw", "POST"): frozenset({"sme"}),
    ("assets.valuation_report", "GET"): frozenset(
        {"sme", "bureau", "admin", "bank_officer", "bank_approver"}
    ),
    ("assets.revalue", "POST"): frozenset({"sme"}),
    ("admin.organisations", "GET"): frozenset({"admin"}),
    ("admin.organisations", "POST"): frozenset({"admin"}),
    ("admin.users", "GET"): frozenset({"admin"}),
    ("admin.users", "POST"): frozenset({"admin"}),
    ("admin.set_active", "POST"): frozenset({"admin"}),
    ("admin.clock", "GET"): frozenset({"admin"}),
    ("admin.clock", "POST"): frozenset({"admin"}),
    ("admin.audit_log", "GET"): frozenset({"bureau", "admin"}),
    ("notices.index", "GET"): SIGNED_IN,
    ("notices.open_notice", "POST"): SIGNED_IN,  # one's own notice (others': 404, tested apart)
    ("notices.read_all", "POST"): SIGNED_IN,
    ("notices.email_choices", "GET"): SIGNED_IN,
    ("notices.email_choices", "POST"): SIGNED_IN,
    ("admin.holidays", "GET"): frozenset({"admin"}),
    ("admin.holidays", "POST"): frozenset({"admin"}),
    # The company profile of `sme`'s company (each SME also opens its own at /company).
    ("main.company", "GET"): frozenset({"sme", "admin"}),
    ("main.company_high_tech", "POST"): frozenset({"sme", "admin"}),
    **access_lending.ACCESS,
    **access_pool.ACCESS,
    **access_desk.ACCESS,
    **access_payments.ACCESS,
    **access_documents.ACCESS,
}
LENDING_ARGS = {"request_id", "offer_id", "loan_id", "claim_id", "suspension_id", "txn"}
# Banks open an asset only as collateral in a request addressed to them: for these rows the
# asset under test is put in a request of `sme` to every bank.
COLLATERAL_ENDPOINTS = {
    "assets.detail", "assets.valuation_report", "assets.bank_value", "documents.valuation_report"
}


def _rule(app: Flask, endpoint: str) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def _url(app: Flask, endpoint: str, world: World, asset_id: int, **more: object) -> str:
    args = {
        "asset_id": asset_id,
        "kind": "invention_patent",
        "user_id": world.users["insurer"].id,
        "token": "not-a-token",
        "recovery_id": 1,  # the reversal form is refused (no reason) before the id is read
        "org_id": world.sme.organisation_id,
        **more,
    }
    rule = _rule(app, endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})


def own_notice(session: Session, user: User) -> int:
    """A notification of `user` (the notices a user opens are their own)."""
    notice = Notification(user_id=user.id or 0, kind=NoticeKind.SUSPENSION, object_id=1,
                          params={"year": 2026}, created_on=date(2026, 1, 5))
    session.add(notice)
    session.commit()
    return notice.id or 0


def test_every_route_is_in_the_matrix() -> None:
    from sqlalchemy import create_engine

    app = make_test_app(create_engine("sqlite://"))
    routes = {
        (r.endpoint, m)
        for r in app.url_map.iter_rules()
        if r.endpoint != "static"
        for m in (r.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routes - set(ACCESS) == set(), "add these routes to ACCESS"
    assert set(ACCESS) - routes == set(), "these routes no longer exist"


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("endpoint", "method"), sorted(ACCESS))
def test_permission_matrix(
    app: Flask,
    client: FlaskClient,
    session: Session,
    world: World,
    endpoint: str,
    method: str,
    principal: str,
    tmp_path: Path,
) -> None:
    more: dict[str, object] = {}
    if LENDING_ARGS & set(_rule(app, endpoint).arguments):
        more = vars(lending_world(session, world))
    if access_documents.DOCUMENT_ARGS & set(_rule(app, endpoint).arguments):
        more = vars(lending_world(session, world))
        more.update(
            access_documents.document_args(app, session, world, tmp_path, int(more["claim_id"]))
        )
    if access_desk.DESK_ARGS & set(_rule(app, endpoint).arguments):
        more.update(access_desk.desk_args(session, world))
    asset = make_asset(session, world.sme)
    assert asset.id is not None
    if endpoint in COLLATERAL_ENDPOINTS:
        make_request(session, world, assets=[asset])
    if endpoint.startswith("payments."):
        more.update(access_payments.arrange(session, world, asset))
    if "notice_id" in _rule(app, endpoint).arguments:
        more["notice_id"] = own_notice(session, world.users["sme" if principal == "anonymous"
                                                            else principal])
    sign_in(client, None if principal == "anonymous" else world.users[principal])
    url = _url(app, endpoint, world, asset.id, **more)
    # POSTs carry a form key as the site's forms do, so the money routes reach their checks.
    response = client.open(url, method=method, data=keyed() if method == "POST" else None)
    allowed = principal in ACCESS[(endpoint, method)]
    location = response.headers.get("Location", "")
    if allowed:
        # Authorised: the page works, or the service refuses on the object's state or the
        # (empty) input with 409/422 - never 403 or 404.
        assert (
            response.status_code < 400
            or response.status_code in (409, 422)
            or (
                (endpoint, method) in access_payments.SIGNED_BY_STRIPE
                and response.status_code == 400
            )
        ), (
            url,
            response.status_code,
        )
        assert "/login" not in location or endpoint.startswith("auth.") or principal == "anonymous"
    elif principal == "anonymous":
        assert response.status_code == 302 and "/login" in location, (url, response.status_code)
    else:
        assert response.status_code == 403, (url, response.status_code)
