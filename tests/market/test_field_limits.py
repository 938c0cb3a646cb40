"""Fields show their length limit next to them (and the browser stops typing at it)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import make_request, setup_pool


def test_limits_are_shown_on_the_request_and_offer_forms(
    client: FlaskClient, world: World, session: Session
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    sign_in(client, world.sme)
    html = client.get("/financing/new").get_data(as_text=True)
    assert 'maxlength="500"' in html and "At most 500 characters." in html
    sign_in(client, world.users["bank_officer"])
    html = client.get(f"/financing/{request.id}").get_data(as_text=True)
    assert 'maxlength="8"' in html and "At most 8 characters." in html  # the rating grade
