"""Moving the business date shows first what the day-end will do (issue 16, "Confirm with a
preview": what it will reclassify and expire), and a preview that no longer holds is refused.

Worked by hand: a loan paid out on 2026-01-05 has its first instalment due a month later and
nothing paid; one day after that due date it is 1 day past due, which under the default
thresholds (special mention after more than 0 days; 商业银行金融资产风险分类办法 2023) moves it
from normal to special mention. An approved offer whose expiry date is before the new date
expires. With a technical grace of 7 days (thresholds 7/90/270/360) the loan stays normal.
"""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlmodel import Session

from market.domain.schedule import Classification
from market.domain.states import OfferStatus
from market.models.lending import Loan, Offer
from market.services import servicing
from market.services.clock import business_date
from market.services.previews import FIELD
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import first_due, make_loan, make_offer, make_request, setup_pool
from tests.market.previewkit import preview


def test_the_preview_counts_what_the_day_end_then_does(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    offer = make_offer(session, world, make_request(session, world).id or 0)
    target = first_due(session, loan) + timedelta(days=1)
    assert offer.expires_on is not None and offer.expires_on < target
    today = business_date(session)
    sign_in(client, world.admin)
    form = {"day": target.isoformat()}
    page, digest = preview(client, "/admin/clock", form)
    text = page.get_data(as_text=True)
    assert "Special mention" in text and f"Offer {offer.id}" in text
    assert "<dt>Loans reclassified</dt><dd>1</dd>" in text
    assert "<dt>Offers expired</dt><dd>1</dd>" in text
    assert business_date(session) == today  # the preview moved nothing

    response = client.post("/admin/clock", data={**form, FIELD: digest})
    assert response.status_code == 302
    assert business_date(session) == target
    moved = session.get(Loan, loan.id, populate_existing=True)
    lapsed = session.get(Offer, offer.id, populate_existing=True)
    assert moved is not None and moved.classification is Classification.SPECIAL_MENTION
    assert lapsed is not None and lapsed.status is OfferStatus.EXPIRED


def test_a_stale_preview_of_the_move_is_refused(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    target = first_due(session, loan) + timedelta(days=1)
    today = business_date(session)
    sign_in(client, world.admin)
    form = {"day": target.isoformat()}
    _, digest = preview(client, "/admin/clock", form)
    # Meanwhile the thresholds change: a 1-day delay is now within the technical grace.
    servicing.set_thresholds(session, actor=world.admin, text="7/90/270/360")
    refused = client.post("/admin/clock", data={**form, FIELD: digest})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "The figures changed since your preview" in text
    assert "<dt>Loans reclassified</dt><dd>0</dd>" in text
    assert business_date(session) == today
