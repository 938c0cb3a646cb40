"""Who sees the desk: only bureau staff see every bank, targets, forecasts and schemes; a bank
sees its own loans, claims, NPL and capital relief (Basel IRB worked by hand)."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from market.domain.kinds import OrgKind, Role
from market.services import bank_view
from market.services.clock import business_date
from tests.market.conftest import World, sign_in
from tests.market.factories import make_org, make_user
from tests.market.lending_fixtures import make_loan, setup_pool

BUREAU_PAGES = [
    "/desk/", "/desk/targets", "/desk/forecasts", "/desk/compare", "/desk/design",
    "/desk/data/months.csv", "/desk/data/npl-bank.csv",
]  # fmt: skip
OTHERS = ["sme", "bank_officer", "bank_approver", "insurer", "guarantor", "valuer", "admin"]


@pytest.mark.parametrize("who", OTHERS)
def test_only_the_bureau_opens_the_desk(client: FlaskClient, world: World, who: str) -> None:
    sign_in(client, world.users[who])
    for url in BUREAU_PAGES:
        assert client.get(url).status_code == 403, url
    for url in ("/desk/forecasts", "/desk/compare", "/desk/design"):
        assert client.post(url, data={}).status_code == 403, url


def test_the_bureau_opens_every_desk_page(client: FlaskClient, world: World) -> None:
    sign_in(client, world.users["bureau"])
    for url in BUREAU_PAGES:
        assert client.get(url).status_code == 200, url
    assert client.get("/desk/bank").status_code == 403  # the bureau has no bank of its own
    sign_in(client, None)
    assert client.get("/desk/").status_code == 302  # to the sign-in page


@pytest.mark.parametrize("who", ["sme", "insurer", "admin", "bureau"])
def test_the_banks_view_is_for_banks(client: FlaskClient, world: World, who: str) -> None:
    sign_in(client, world.users[who])
    assert client.get("/desk/bank").status_code == 403
    if who in ("sme", "insurer", "admin"):
        assert client.get("/desk/data/loans.csv").status_code == 403


def test_a_bank_sees_only_its_own_book(client: FlaskClient, session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    other_bank = make_org(session, OrgKind.BANK)
    stranger = make_user(session, other_bank, Role.BANK_OFFICER)
    sign_in(client, stranger)
    assert client.get("/desk/bank").status_code == 200
    mine = client.get("/desk/data/loans.csv").get_data(as_text=True).strip().splitlines()
    assert len(mine) == 1  # the header only
    sign_in(client, world.users["bank_approver"])
    page = client.get("/desk/bank").get_data(as_text=True)
    assert 'id="capital-relief"' in page and f"loan_id={loan.id}" not in page
    rows = client.get("/desk/data/loans.csv").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 2 and rows[1].startswith(f"{loan.id},")
    sign_in(client, world.users["bureau"])
    everything = client.get("/desk/data/loans.csv").get_data(as_text=True).strip().splitlines()
    assert len(everything) == 2


def _irb_k(pd: float, lgd: float, maturity: float) -> float:
    """Basel II IRB corporate capital per unit of exposure, from the formula in DOMAIN.md."""
    n = NormalDist()
    w = (1 - math.exp(-50 * pd)) / (1 - math.exp(-50))
    r = 0.12 * w + 0.24 * (1 - w)
    b = (0.11852 - 0.05478 * math.log(pd)) ** 2
    stressed = n.cdf((n.inv_cdf(pd) + math.sqrt(r) * n.inv_cdf(0.999)) / math.sqrt(1 - r))
    return (lgd * stressed - pd * lgd) * (1 + (maturity - 2.5) * b) / (1 - 1.5 * b)


def test_capital_relief_of_the_retained_share(session: Session, world: World) -> None:
    setup_pool(session, world)
    make_loan(session, world)  # 1m CNY, grade BBB, 12 months: maturity 1 year
    assert world.bank.id is not None
    relief = bank_view.capital_relief(session, bank_id=world.bank.id, today=business_date(session))
    # BBB: 2% PD (the desk's default table); LGD 80%; the demo scheme leaves the bank 26%
    whole = _irb_k(0.02, 0.8, 1.0) * 1_000_000_00
    assert relief.loans == 1 and relief.exposure == 1_000_000_00
    assert abs(relief.capital_whole - whole) <= 1
    assert abs(relief.capital_retained - whole * 0.26) <= 1
    assert relief.relief == relief.capital_whole - relief.capital_retained
    assert relief.retained_bp == 2600
