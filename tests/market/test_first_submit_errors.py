"""Every wrong field shows its error after the first submit: when the form's own checks
refuse a field, the service's checks still run on the others (issue 16, "every field's error
shown in the first submit"). Each post below has one field the form refuses and one only the
service refuses; both messages must be on the page at once."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from market.domain.money import format_fen
from market.models.lending import FinancingRequest, Offer
from market.models.orgs import Organisation
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import collateral, make_request, setup_pool
from tests.market.test_accounts import registration
from tests.market.test_lending_site import field_block, offer_data, officer


def test_request_shows_the_service_error_beside_the_form_error(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    patent, _mark = collateral(session, world)
    sign_in(client, world.sme)
    response = client.post(
        "/financing/new",
        # term 999 breaks the form's 1-120 months; an amount of 0 only the service refuses
        data={"asset_ids": [str(patent.id)], "amount": "0", "term_months": "999",
              "purpose": "A second moulding line"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the amount you want to borrow." in field_block(html, "amount")
    assert 'class="error"' in field_block(html, "term_months")
    assert session.exec(select(FinancingRequest)).first() is None


def test_offer_shows_the_missing_override_reason_beside_the_form_error(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    above = format_fen(req.max_loan + 100_000_00).lstrip("¥").replace(",", "")
    sign_in(client, officer(world))
    # an empty grade breaks the form; an amount above the maximum with no reason, the service
    data = offer_data(amount=above, rating_grade="")
    response = client.post(f"/financing/{req.id}/offers", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in field_block(html, "rating_grade")
    assert "write why the bank lends more" in field_block(html, "override_reason")
    assert session.exec(select(Offer)).first() is None


def test_registration_shows_the_wrong_check_character_beside_the_form_error(
    client: FlaskClient, session: Session, world: World
) -> None:
    before = session.exec(select(func.count()).select_from(Organisation)).one()
    wrong = registration()["uscc"]
    wrong = wrong[:-1] + ("0" if wrong[-1] != "0" else "1")  # GB 32100: a bad check character
    response = client.post("/register", data=registration(uscc=wrong, company_name=""))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error"' in field_block(html, "company_name")
    assert "check character" in field_block(html, "uscc")
    assert session.exec(select(func.count()).select_from(Organisation)).one() == before
