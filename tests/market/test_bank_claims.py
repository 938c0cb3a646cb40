"""A bank lists the compensation claims it filed; no other bank sees them."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session

from market.domain.kinds import OrgKind, Role
from tests.market.conftest import World, sign_in
from tests.market.factories import make_org, make_user
from tests.market.lending_fixtures import lending_world


def test_a_bank_sees_its_own_claims_only(
    client: FlaskClient, world: World, session: Session
) -> None:
    lw = lending_world(session, world)
    sign_in(client, world.users["bank_approver"])
    page = client.get("/claims/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Claim {lw.claim_id}" in html and f"/loans/{lw.loan_id}" in html and "Filed" in html
    assert "/claims/" in client.get("/dashboard").get_data(as_text=True)  # in the nav
    other = make_user(session, make_org(session, OrgKind.BANK), Role.BANK_OFFICER)
    sign_in(client, other)
    assert f"Claim {lw.claim_id}" not in client.get("/claims/").get_data(as_text=True)
    sign_in(client, world.sme)
    assert client.get("/claims/").status_code == 403
