"""Assets are valued when saved; the SME sees the score, reasons, range and maximum loan;
stored valuations never change afterwards."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

import valuation
from market.domain.errors import Conflict
from market.domain.kinds import AssetKind, LegalStatus
from market.frame.db import transaction
from market.models.audit import AuditEvent
from market.models.valuations import AssetValuation
from market.services import appraisal
from market.services import assets as asset_svc
from market.services import valuations as svc
from market.services.clock import set_business_date
from tests.market.conftest import World, sign_in
from tests.market.factories import asset_input, make_asset

# Pledge rate by grade, worked by hand: cap x grade factor for patents and trademarks, and
# floor + (cap - floor) x factor for GI marks. Caps: Bank of Communications practice (DOMAIN.md,
# "From valuation to loan": invention <= 25%, utility model <= 15%, trademark <= 50%; design:
# the utility-model cap); GI marks 30-40% (published GI pledge cases). Grade factors AAA 1.0,
# AA 0.9, A 0.8, BBB 0.65, BB 0.5, B 0.35 (valuation/data/loan.json).
RATE_BY_GRADE = {
    AssetKind.INVENTION_PATENT: {"AAA": 2500, "AA": 2250, "A": 2000, "BBB": 1625, "BB": 1250,
                                 "B": 875},
    AssetKind.UTILITY_MODEL: {"AAA": 1500, "AA": 1350, "A": 1200, "BBB": 975, "BB": 750,
                              "B": 525},
    AssetKind.DESIGN_PATENT: {"AAA": 1500, "AA": 1350, "A": 1200, "BBB": 975, "BB": 750,
                              "B": 525},
    AssetKind.TRADEMARK: {"AAA": 5000, "AA": 4500, "A": 4000, "BBB": 3250, "BB": 2500,
                          "B": 1750},
    AssetKind.GI_MARK: {"AAA": 4000, "AA": 3900, "A": 3800, "BBB": 3650, "BB": 3500,
                        "B": 3350},
}


@pytest.mark.parametrize("kind", list(AssetKind))
def test_saving_an_asset_values_it_with_the_library(
    world: World, session: Session, kind: AssetKind
) -> None:
    # Filed in 2023: even a utility model (10 years) keeps more than the 3 years a pledge needs.
    asset = make_asset(
        session, world.sme, kind, filing_date=date(2023, 3, 1), grant_date=date(2023, 9, 1)
    )
    stored = svc.latest(session, asset.id)
    assert stored is not None and stored.asset_row_version == 1
    # The stored result is exactly what the library gives for the same facts, date and the
    # owner's tax rate (not high-tech: 25%, Enterprise Income Tax Law Art. 4).
    expected = valuation.value_asset(
        valuation.facts_from_dict(appraisal.facts_for(asset)),
        as_of=stored.as_of,
        tax_rate_bp=2500,
    )
    assert stored.result == expected.to_dict()
    assert (stored.value_p10, stored.value_p50, stored.value_p90) == (
        expected.value_p10,
        expected.value_p50,
        expected.value_p90,
    )
    assert stored.max_loan == expected.max_loan
    # One rule: maximum loan = pledge rate x P50 (rounded down), the rate by kind and grade.
    assert stored.result["pledgeable"] is True
    assert stored.pledge_rate_bp == RATE_BY_GRADE[kind][stored.grade]
    assert stored.max_loan == stored.value_p50 * stored.pledge_rate_bp // 10_000 > 0
    assert stored.result["tax_rate_bp"] == 2500
    assert valuation.reproduce(stored.inputs).to_dict() == stored.result


def test_editing_revalues_and_keeps_the_old_valuation(world: World, session: Session) -> None:
    asset = make_asset(session, world.sme, annual_revenue=2_000_000_00)
    first = svc.latest(session, asset.id)
    assert first is not None
    first_result = dict(first.result)
    asset_svc.update_asset(
        session,
        actor=world.sme,
        asset_id=asset.id,
        data=asset_input(registry_number=asset.registry_number, annual_revenue=20_000_000_00),
        row_version=1,
    )
    rows = svc.history(session, asset.id)
    assert len(rows) == 2
    newest, old = rows
    assert newest.asset_row_version == 2 and old.id == first.id
    assert newest.value_p50 > old.value_p50  # ten times the revenue is worth more
    session.refresh(old)
    assert old.result == first_result  # never silently changed
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action == "valuation.create"))
    assert len(list(actions)) == 2


def test_revalue_uses_the_business_date(world: World, session: Session) -> None:
    asset = make_asset(session, world.sme)
    with transaction(session):
        set_business_date(session, actor=None, day=date(2031, 1, 1))
    again = svc.revalue(session, actor=world.sme, asset_id=asset.id)
    assert again.as_of == date(2031, 1, 1)
    assert again.inputs["as_of"] == "2031-01-01"
    asset_svc.withdraw_asset(session, actor=world.sme, asset_id=asset.id)
    with pytest.raises(Conflict):
        svc.revalue(session, actor=world.sme, asset_id=asset.id)


def test_sme_sees_grade_value_and_reasons(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    stored = svc.latest(session, asset.id)
    assert stored is not None
    sign_in(client, world.sme)
    detail = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert stored.grade in detail
    from market.domain.money import format_fen

    assert format_fen(stored.max_loan) in detail
    report = client.get(f"/assets/{asset.id}/valuation").get_data(as_text=True)
    for item in stored.result["breakdown"]:
        assert item["reason"].replace("'", "&#39;") in report
    assert format_fen(stored.value_p10) in report and format_fen(stored.value_p90) in report
    assert "<svg" in report  # the chart is drawn server-side, no CDN
    listing = client.get("/assets/").get_data(as_text=True)
    assert format_fen(stored.value_p50) in listing


def test_revalue_button_adds_a_valuation(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    response = client.post(f"/assets/{asset.id}/revalue")
    assert response.status_code == 302
    assert len(svc.history(session, asset.id)) == 2
    first = svc.history(session, asset.id)[-1]
    old_page = client.get(f"/assets/{asset.id}/valuation?v={first.id}")
    assert old_page.status_code == 200
    assert client.get(f"/assets/{asset.id}/valuation?v=999999").status_code == 404


def test_pending_application_is_valued_but_cannot_secure_a_loan(
    world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme, legal_status=LegalStatus.PENDING, grant_date=None)
    stored = svc.latest(session, asset.id)
    assert stored is not None and stored.max_loan == 0


def test_valuations_are_not_visible_to_other_smes(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.users["other_sme"])
    assert client.get(f"/assets/{asset.id}/valuation").status_code == 403
    assert client.post(f"/assets/{asset.id}/revalue").status_code == 403
    assert (
        len(session.exec(select(AssetValuation).where(AssetValuation.asset_id == asset.id)).all())
        == 1
    )
