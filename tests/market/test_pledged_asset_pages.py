"""A pledged asset says so on its page and hides what it refuses; a refused edit keeps the
owner on the form with what they typed and the reason."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.kinds import AssetKind
from market.models.orgs import Organisation
from market.models.pledges import Pledge
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from tests.market.lending_fixtures import make_loan, setup_pool
from tests.market.test_assets import patent_form


def test_pledged_asset_shows_its_pledge_and_hides_edit_withdraw_borrow(
    client: FlaskClient, world: World, session: Session
) -> None:
    setup_pool(session, world)
    patent = make_asset(session, world.sme, AssetKind.INVENTION_PATENT)
    free = make_asset(session, world.sme, AssetKind.INVENTION_PATENT)
    loan = make_loan(session, world, assets=[patent])
    pledge = session.exec(select(Pledge).where(Pledge.asset_id == patent.id)).one()
    bank = session.get(Organisation, loan.bank_id)
    assert bank is not None
    sign_in(client, world.sme)

    html = client.get(f"/assets/{patent.id}").get_data(as_text=True)
    assert pledge.registration_number in html
    assert bank.name in html and f"/loans/{loan.id}" in html
    assert f"/assets/{patent.id}/edit" not in html
    assert f"/assets/{patent.id}/withdraw" not in html
    assert "new?asset=" not in html and "Borrow against it" not in html

    other = client.get(f"/assets/{free.id}").get_data(as_text=True)
    assert f"/assets/{free.id}/edit" in other and f"/assets/{free.id}/withdraw" in other


def test_refused_edit_of_a_pledged_asset_stays_on_the_form_with_the_input(
    client: FlaskClient, world: World, session: Session
) -> None:
    setup_pool(session, world)
    patent = make_asset(session, world.sme, AssetKind.INVENTION_PATENT, title="Before pledge")
    make_loan(session, world, assets=[patent])
    sign_in(client, world.sme)
    data = patent_form(
        registry_number=patent.registry_number,
        title="Typed while pledged",
        row_version=str(patent.row_version),
    )
    response = client.post(f"/assets/{patent.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="Typed while pledged"' in html  # the typed value is kept
    assert "active pledge" in html  # and the reason is on the page
    assert "<form" in html and 'name="title"' in html
    session.refresh(patent)
    assert patent.title == "Before pledge"
