"""Hostile input never gives a 500, and a rejected submission changes nothing (issue 11).

Hypothesis drives every POST form found on the site's pages, as every principal allowed to
use it (and one who is not), with huge and non-finite numbers, NUL bytes, 10k-character text,
far dates and deeply nested JSON mixed into otherwise plausible values. Derandomized and
bounded so the whole file runs in well under a minute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection
from sqlmodel import Session, col, select
from werkzeug.routing import Rule

from market.models.audit import AuditEvent
from market.models.notifications import Notification
from market.services import passwords
from market.views.auth import forms as auth_forms
from market.views.lending import forms as lending_forms
from market.views.lending import loan_forms
from market.views.payments import forms as payment_forms
from tests.market import access_desk, access_documents, access_payments, fuzzkit
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import LendingWorld, lending_world, make_request
from tests.market.test_permissions import ACCESS, PRINCIPALS

FUZZ = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# POST routes whose form no page shows in the fuzz world's states: the fields come from the
# WTForms class the view uses (None: the route takes no fields).
BY_HAND: dict[str, type[FlaskForm] | None] = {
    "lending.accept_offer": None,
    "lending.disburse": None,
    "lending.propose_offer": lending_forms.OfferForm,
    "lending.record_repayment": lending_forms.RepaymentForm,
    "lending.file_claim": lending_forms.ClaimForm,
    "lending.record_recovery": lending_forms.RecoveryForm,
    "auth.reset_password": auth_forms.ResetForm,  # the page needs a fresh e-mailed token
    "lending.reverse_recovery": loan_forms.ReverseRecoveryForm,
    # The fuzz world's payment is already started (no start page), and neither failed nor
    # paid (no retry or refund button); Stripe's webhook takes no form.
    "payments.start": payment_forms.StartForm,
    "payments.retry": payment_forms.RetryForm,
    "payments.refund": payment_forms.RefundForm,
    "payments.webhook": None,
}
# Audit actions a rejected submission may append (the attempt itself is the fact recorded).
AUDITED_REJECTIONS = {"user.sign_in_failed"}
# The position of `action` in an audit_event row of the snapshot (the table's column order).
ACTION_COLUMN = [c.name for c in AuditEvent.__table__.columns].index("action")  # type: ignore[attr-defined]


def any_notice(session: Session) -> int:
    """A notification of the fuzz world (the lending world's events raise several)."""
    notice = session.exec(select(Notification).order_by(col(Notification.id))).first()
    assert notice is not None and notice.id is not None
    return notice.id


class Site:
    """The fuzz world: objects in every state a route needs, and the forms its pages show."""

    def __init__(
        self, app: Flask, client: FlaskClient, session: Session, world: World, folder: Path
    ) -> None:
        self.app, self.client, self.world, self.session = app, client, world, session
        self.lw: LendingWorld = lending_world(session, world)
        asset = make_asset(session, world.sme)
        make_request(session, world, assets=[asset])
        assert asset.id is not None
        self.args: dict[str, Any] = {
            **vars(self.lw),
            "asset_id": asset.id,
            "kind": "invention_patent",
            "user_id": world.users["insurer"].id,
            "recovery_id": 1,
            "org_id": world.sme.organisation_id,
            "loan_year": 1,
            "token": passwords.make_token(app.config["SECRET_KEY"], passwords.RESET, world.sme),
            **access_desk.desk_args(session, world),
            **access_payments.arrange(session, world, asset),
            "notice_id": any_notice(session),
            **access_documents.document_args(app, session, world, folder, self.lw.claim_id),
        }

    def url(self, rule: Rule) -> str:
        """The rule's URL for the world's objects."""
        with self.app.test_request_context():
            return url_for(rule.endpoint, **{k: self.args[k] for k in rule.arguments})

    def endpoint_of(self, url: str) -> str:
        """The endpoint a form posts to."""
        adapter = self.app.url_map.bind("localhost")
        endpoint, _args = adapter.match(url.split("#")[0].split("?")[0], method="POST")
        return str(endpoint)

    def discover(self, principals: tuple[str, ...]) -> dict[str, dict[str, fuzzkit.FoundForm]]:
        """endpoint -> principal -> a POST form of that endpoint the principal's pages show.

        GET forms (filters, searches) are kept in `self.get_forms` as (principal, form)."""
        found: dict[str, dict[str, fuzzkit.FoundForm]] = {}
        self.get_forms: list[tuple[str, fuzzkit.FoundForm]] = []
        gets = [
            r
            for r in self.app.url_map.iter_rules()
            if r.endpoint != "static" and "GET" in (r.methods or ())
        ]
        for principal in principals:
            sign_in(self.client, self.user(principal))
            for rule in gets:
                page = self.url(rule)
                response = self.client.get(page)
                assert response.status_code < 500, (principal, page)
                if response.status_code != 200 or b"<form" not in response.data:
                    continue
                for form in fuzzkit.forms_on(page, response.get_data(as_text=True)):
                    form.action = form.action.split("#")[0]
                    if form.method != "post":
                        self.get_forms.append((principal, form))
                        continue
                    endpoint = self.endpoint_of(form.action)
                    found.setdefault(endpoint, {}).setdefault(principal, form)
        return found

    def user(self, principal: str) -> Any:
        """The principal's user as the database has it now (sign-outs and password changes
        move its session version on; a disabled user is enabled again for the next example)."""
        if principal == "anonymous":
            return None
        user = self.world.users[principal]
        self.session.refresh(user)
        if not user.is_active:
            user.is_active = True
            self.session.add(user)
            self.session.commit()
        return user


@pytest.fixture()
def site(
    app: Flask, client: FlaskClient, session: Session, world: World, tmp_path: Path
) -> Site:
    return Site(app, client, session, world, tmp_path)


def _values(spec: fuzzkit.FormField) -> st.SearchStrategy[str]:
    hostile = fuzzkit.HOSTILE
    if spec.name == "document":
        hostile = fuzzkit.HOSTILE_JSON + [
            bad for good in spec.values for bad in fuzzkit.json_mutations(good)
        ]
    return st.one_of(
        st.sampled_from(fuzzkit.plausible(spec)),
        st.sampled_from(hostile),
        st.text(max_size=12),
    )


def _rejected(client: FlaskClient, status: int) -> bool:
    if status >= 400 or status == 200:
        return True
    with client.session_transaction() as sess:
        flashes = sess.get("_flashes", [])
        return any(category == "error" for category, _message in flashes)


def _strip_audited_rejections(
    snapshot: dict[str, list[tuple[Any, ...]]], before_ids: set[Any]
) -> dict[str, list[tuple[Any, ...]]]:
    rows = snapshot.get("audit_event", [])
    snapshot["audit_event"] = [
        r for r in rows if r[0] in before_ids or r[ACTION_COLUMN] not in AUDITED_REJECTIONS
    ]
    return snapshot


def _fuzz_endpoint(
    site: Site, connection: Connection, endpoint: str, forms: dict[str, fuzzkit.FoundForm]
) -> None:
    allowed = tuple(p for p in PRINCIPALS if p in ACCESS[(endpoint, "POST")])
    outsider = next((p for p in PRINCIPALS if p not in allowed and p != "anonymous"), None)
    rule = next(r for r in site.app.url_map.iter_rules() if r.endpoint == endpoint)
    if not forms:
        with site.app.test_request_context():
            fields = fuzzkit.fields_of(BY_HAND[endpoint])
        forms = {p: fuzzkit.FoundForm(site.url(rule), fields) for p in allowed}
    if outsider is not None and outsider not in forms:
        forms[outsider] = next(iter(forms.values()))
    choices = sorted(forms)

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        principal = data.draw(st.sampled_from(choices), label="principal")
        form = forms[principal]
        # A fresh, valid form key (as a browser sends) so the input reaches the form's checks.
        payload = keyed({
            name: data.draw(_values(spec), label=name) for name, spec in sorted(form.fields.items())
        })
        sign_in(site.client, site.user(principal))
        before = fuzzkit.table_snapshot(connection)
        response = site.client.post(form.action, data=payload)
        assert response.status_code < 500, (endpoint, principal, payload)
        if _rejected(site.client, response.status_code):
            after = fuzzkit.table_snapshot(connection)
            ids = {r[0] for r in before.get("audit_event", [])}
            assert _strip_audited_rejections(after, ids) == before, (endpoint, principal, payload)

    run()


def _fuzz_get_forms(site: Site, connection: Connection) -> None:
    """Filter and search forms (GET): hostile query values never give a 500 or a change."""
    forms = site.get_forms[:40]
    if not forms:
        return

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        principal, form = data.draw(st.sampled_from(forms), label="form")
        query = {name: data.draw(_values(spec), label=name) for name, spec in form.fields.items()}
        sign_in(site.client, site.user(principal))
        before = fuzzkit.table_snapshot(connection)
        response = site.client.get(form.action.split("?")[0], query_string=query)
        assert response.status_code < 500, (principal, form.action, query)
        assert fuzzkit.table_snapshot(connection) == before, (principal, form.action, query)

    run()


def test_every_post_form_survives_hostile_input(site: Site, connection: Connection) -> None:
    """Every POST route has a form (found on a page or given by hand) and no value breaks it."""
    found = site.discover(PRINCIPALS)
    routes = {r.endpoint for r in site.app.url_map.iter_rules() if "POST" in (r.methods or ())}
    assert routes - set(found) - set(BY_HAND) == set(), "no form found: add to BY_HAND"
    for endpoint in sorted(routes):
        _fuzz_endpoint(site, connection, endpoint, dict(found.get(endpoint, {})))
    _fuzz_get_forms(site, connection)
    site.discover(("sme", "bank_officer", "bureau", "admin"))  # accepted input breaks no page


def _id_routes() -> list[tuple[str, str]]:
    from sqlalchemy import create_engine

    from tests.market.conftest import make_test_app

    app = make_test_app(create_engine("sqlite://"))
    return sorted(
        (r.endpoint, m)
        for r in app.url_map.iter_rules()
        if any(a.endswith("_id") for a in r.arguments)
        for m in (r.methods or set()) - {"HEAD", "OPTIONS"}
    )


def test_ids_out_of_range_are_404(site: Site) -> None:
    """An id beyond the integer range names nothing: 404, never a 500."""
    for endpoint, method in _id_routes():
        rule = next(r for r in site.app.url_map.iter_rules() if r.endpoint == endpoint)
        principal = next(p for p in PRINCIPALS if p in ACCESS[(endpoint, method)])
        sign_in(site.client, site.user(principal))
        for bad_id in ("2147483648", "9223372036854775808", "1" * 40):
            url = site.url(rule)
            for arg in (a for a in rule.arguments if a.endswith("_id")):
                url = url.replace(f"/{site.args[arg]}", f"/{bad_id}", 1)
            response = site.client.open(url, method=method)
            assert response.status_code == 404, (principal, url, response.status_code)
