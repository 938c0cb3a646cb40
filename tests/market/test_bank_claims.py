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


def test_the_banks_claims_are_paged_filtered_and_sorted(
    client: FlaskClient, world: World, session: Session
) -> None:
    from market.services import claim_decision
    from tests.market.lending_fixtures import make_claim, make_loan, make_npl, setup_pool

    setup_pool(session, world)
    first, second = make_loan(session, world), make_loan(session, world)
    make_npl(session, first)
    claim, other = make_claim(session, world, first), make_claim(session, world, second)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=False,
        reason="Not serviced under the scheme's rules.",
    )
    sign_in(client, world.users["bank_officer"])

    def shown(query: str) -> list[str]:
        html = client.get(f"/claims/{query}").get_data(as_text=True)
        return [c for c in (f"Claim {claim.id}<", f"Claim {other.id}<") if c in html]

    assert shown("") == [f"Claim {claim.id}<", f"Claim {other.id}<"]
    assert shown("?status=rejected") == [f"Claim {claim.id}<"]
    assert shown("?status=filed") == [f"Claim {other.id}<"]
    assert shown(f"?loan={first.id}") == [f"Claim {claim.id}<"]
    assert shown("?q=no-such-borrower") == []
    assert len(shown(f"?q={world.sme_org.name}")) == 2
    # Two claims, one a page: "1–1 of 2" and a link to the next page, newest first.
    html = client.get("/claims/?per_page=1").get_data(as_text=True)
    assert "1–1 of 2" in html and 'rel="next"' in html
    assert f"Claim {other.id}<" in html and f"Claim {claim.id}<" not in html
    html = client.get("/claims/?per_page=1&sort=id&dir=asc").get_data(as_text=True)
    assert f"Claim {claim.id}<" in html and f"Claim {other.id}<" not in html
