"""Every money form is done once per form key: a double click, a browser retry or a replayed
request goes where the first went and records nothing more (issue 11, "every money action is
idempotent"). A new form (a new key) is a new action, where the action allows a second one."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel, func, select

from market.domain.states import ClaimStatus, LoanStatus
from market.models.integrity import IdempotencyKey
from market.models.lending import Loan
from market.models.pool import Claim, LedgerEntry, Recovery
from market.models.servicing import Repayment
from market.services import servicing
from market.services.idempotency import FIELD
from market.services.previews import FIELD as PREVIEW_FIELD
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import (
    lending_world,
    make_loan,
    make_npl,
    make_offer,
    make_request,
    set_day,
    setup_pool,
)
from tests.market.previewkit import confirmed, preview

TIMES = 10


def _count(session: Session, table: type[SQLModel]) -> int:
    return int(session.exec(select(func.count()).select_from(table)).one())


def _ten_times(
    client: FlaskClient, url: str, data: dict[str, Any], *, previewed: bool = False
) -> str:
    """POST the same form (same key) ten times; each goes to the same place. Returns it.
    A `previewed` action is confirmed ten times with the digest of its one preview."""
    form = keyed(data)
    if previewed:
        form[PREVIEW_FIELD] = preview(client, url, form)[1]
    places = set()
    for _ in range(TIMES):
        response = client.post(url, data=form)
        assert response.status_code == 302, (url, response.status_code)
        places.add(response.headers["Location"])
    assert len(places) == 1, places
    return places.pop()


def test_ten_contributions_with_one_key_are_one_and_a_new_key_is_another(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    lines = _count(session, LedgerEntry)
    top_up = {"amount": "1000", "memo": "Top-up"}
    place = _ten_times(client, "/pool/contributions", top_up, previewed=True)
    assert place.endswith("/pool/")
    assert _count(session, LedgerEntry) == lines + 2
    _ten_times(client, "/pool/contributions", {"amount": "1000", "memo": "Top-up"}, previewed=True)
    assert _count(session, LedgerEntry) == lines + 4
    assert _count(session, IdempotencyKey) == 2


def test_ten_repayments_with_one_key_are_one_and_a_new_key_is_another(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    set_day(session, servicing.instalments(session, loan.id or 0)[0].due_on)
    sign_in(client, world.users["bank_officer"])
    url = f"/loans/{loan.id}/repayments"
    place = _ten_times(client, url, {"amount": "100", "kind": "scheduled"})
    assert place.endswith(f"/loans/{loan.id}")
    assert _count(session, Repayment) == 1
    _ten_times(client, url, {"amount": "100", "kind": "scheduled"})
    assert _count(session, Repayment) == 2


def test_disbursement_acceptance_and_claim_filing_happen_once_per_key(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    offer = make_offer(session, world, make_request(session, world).id or 0)
    sign_in(client, world.sme)
    place = _ten_times(client, f"/offers/{offer.id}/accept", {})
    loan = session.exec(select(Loan)).one()
    assert place.endswith(f"/loans/{loan.id}") and _count(session, Loan) == 1

    sign_in(client, world.users["bank_officer"])
    _ten_times(client, f"/loans/{loan.id}/disburse", {}, previewed=True)
    session.refresh(loan)
    assert loan.status is LoanStatus.ACTIVE
    assert len(servicing.instalments(session, loan.id or 0)) == loan.term_months

    make_npl(session, loan)
    _ten_times(client, f"/loans/{loan.id}/claim", {"note": "Stopped paying"})
    assert _count(session, Claim) == 1


def test_a_claim_decision_and_a_recovery_happen_once_per_key(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    lines = _count(session, LedgerEntry)
    sign_in(client, world.users["bureau"])
    _ten_times(client, f"/pool/claims/{lw.claim_id}/decide", {"approve": "Approve"}, previewed=True)
    claim = session.get(Claim, lw.claim_id)
    assert claim is not None
    session.refresh(claim)
    assert claim.status is ClaimStatus.APPROVED
    assert _count(session, LedgerEntry) == lines + 2  # one compensation payment

    sign_in(client, world.users["bank_officer"])
    url = f"/loans/{lw.loan_id}/recoveries"
    _ten_times(client, url, {"disposal": "licence", "proceeds": "1000"}, previewed=True)
    assert _count(session, Recovery) == 1
    _ten_times(client, url, {"disposal": "licence", "proceeds": "1000"}, previewed=True)
    assert _count(session, Recovery) == 2


def test_a_reversal_happens_once_whatever_the_key(
    client: FlaskClient, session: Session, world: World
) -> None:
    lw = lending_world(session, world)
    sign_in(client, world.users["bureau"])
    lines = _count(session, LedgerEntry)
    url = f"/pool/ledger/{lw.txn}/reverse"
    place = _ten_times(client, url, {"reason": "Entered twice"}, previewed=True)
    assert place.endswith("/pool/ledger")
    assert _count(session, LedgerEntry) == lines + 2
    # A new form is a new request: refused, since the transaction is already reversed.
    assert client.post(url, data=keyed({"reason": "Again"})).status_code == 409
    assert _count(session, LedgerEntry) == lines + 2


def test_a_money_form_without_a_good_key_is_refused_and_records_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    lines = _count(session, LedgerEntry)
    for key in (None, "", "short", "x" * 65, "bad key with spaces!!", "a\x00" * 10):
        data: dict[str, Any] = {"amount": "1000", "memo": "Top-up"}
        if key is not None:
            data[FIELD] = key
        response = client.post("/pool/contributions", data=data)
        assert response.status_code == 422, key
        assert "This form is out of date" in response.get_data(as_text=True)
    assert _count(session, LedgerEntry) == lines and _count(session, IdempotencyKey) == 0


def test_another_users_key_is_refused(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    set_day(session, servicing.instalments(session, loan.id or 0)[0].due_on)
    sign_in(client, world.users["bank_officer"])
    form = keyed({"amount": "100", "kind": "scheduled"})
    assert client.post(f"/loans/{loan.id}/repayments", data=form).status_code == 302
    sign_in(client, world.users["bank_approver"])
    assert client.post(f"/loans/{loan.id}/repayments", data=form).status_code == 422
    assert _count(session, Repayment) == 1


def test_a_rejected_form_keeps_its_key_for_the_corrected_submission(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["bureau"])
    lines = _count(session, LedgerEntry)
    key = keyed()[FIELD]
    bad = client.post("/pool/contributions", data=keyed({"amount": "-5"}, key=key))
    assert bad.status_code == 422 and _count(session, IdempotencyKey) == 0
    good = confirmed(client, "/pool/contributions", keyed({"amount": "5"}, key=key))
    assert good.status_code == 302 and _count(session, LedgerEntry) == lines + 2
    again = client.post("/pool/contributions", data=keyed({"amount": "5"}, key=key))
    assert again.status_code == 302 and again.headers["Location"] == good.headers["Location"]
    assert _count(session, LedgerEntry) == lines + 2
