"""A bank officer withdraws a pending offer: audited, refused once the offer is decided, and
the company's comparison shows what each offer really costs (net cost and APR)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.errors import Conflict, PermissionDenied
from market.domain.kinds import OrgKind, Role
from market.domain.states import OfferStatus
from market.models.audit import AuditEvent
from market.models.lending import Offer
from market.services.offer_withdrawal import withdraw_offer
from tests.market.conftest import World, sign_in
from tests.market.factories import make_org, make_user
from tests.market.lending_fixtures import make_offer, make_request, setup_pool


def _pending(session: Session, world: World) -> Offer:
    setup_pool(session, world)
    request = make_request(session, world)
    assert request.id is not None
    return make_offer(session, world, request.id, approve=False)


def test_officer_withdraws_a_pending_offer_from_the_request_page(
    client: FlaskClient, world: World, session: Session
) -> None:
    offer = _pending(session, world)
    sign_in(client, world.users["bank_officer"])
    page = client.get(f"/financing/{offer.request_id}").get_data(as_text=True)
    assert f"/offers/{offer.id}/withdraw" in page
    response = client.post(f"/offers/{offer.id}/withdraw")
    assert response.status_code == 302
    session.refresh(offer)
    assert offer.status is OfferStatus.WITHDRAWN
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "offer.withdrawn", AuditEvent.object_id == offer.id
        )
    ).one()
    assert event.actor_id == world.users["bank_officer"].id
    after = client.get(f"/financing/{offer.request_id}").get_data(as_text=True)
    assert "Withdrawn by the bank" in after and f"/offers/{offer.id}/withdraw" not in after


def test_a_decided_offer_cannot_be_withdrawn_and_the_page_says_why(
    client: FlaskClient, world: World, session: Session
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    assert request.id is not None
    offer = make_offer(session, world, request.id, approve=True)
    with pytest.raises(Conflict):
        withdraw_offer(session, actor=world.users["bank_officer"], offer_id=offer.id or 0)
    sign_in(client, world.users["bank_officer"])
    response = client.post(f"/offers/{offer.id}/withdraw", follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    session.refresh(offer)
    assert offer.status is OfferStatus.APPROVED


def test_only_an_officer_of_the_offering_bank_may_withdraw(
    client: FlaskClient, world: World, session: Session
) -> None:
    offer = _pending(session, world)
    with pytest.raises(PermissionDenied):
        withdraw_offer(session, actor=world.users["bank_approver"], offer_id=offer.id or 0)
    sign_in(client, world.users["bank_approver"])
    assert client.post(f"/offers/{offer.id}/withdraw").status_code == 403
    other_bank_officer = make_user(session, make_org(session, OrgKind.BANK), Role.BANK_OFFICER)
    with pytest.raises(PermissionDenied):
        withdraw_offer(session, actor=other_bank_officer, offer_id=offer.id or 0)
    session.refresh(offer)
    assert offer.status is OfferStatus.PENDING_APPROVAL


def test_comparison_shows_net_cost_and_apr(
    client: FlaskClient, world: World, session: Session
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    assert request.id is not None
    make_offer(session, world, request.id, approve=True)
    sign_in(client, world.sme)
    page = client.get(f"/financing/{request.id}").get_data(as_text=True)
    assert "Net cost" in page and "Annual percentage rate" in page


def test_comparison_labels_the_interest_subsidy_an_estimate_in_both_languages(
    client: FlaskClient, world: World, session: Session
) -> None:
    # 贴息 is paid on interest actually paid (DOMAIN.md "Loan servicing rules"), so the figure
    # worked from the schedule is only an estimate and must say so.
    setup_pool(session, world)
    request = make_request(session, world)
    assert request.id is not None
    make_offer(session, world, request.id, approve=True)
    sign_in(client, world.sme)
    page = client.get(f"/financing/{request.id}").get_data(as_text=True)
    assert "Interest subsidy (estimate)" in page and "interest actually paid" in page
    assert "Net cost (estimate)" in page and "≈ ¥" in page
    zh = client.get(f"/financing/{request.id}", headers={"Accept-Language": "zh-CN"})
    text = zh.get_data(as_text=True)
    assert "贴息（估算）" in text and "实际支付的利息" in text and "净成本（估算）" in text
