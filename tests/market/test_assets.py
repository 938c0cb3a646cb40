"""SMEs list, edit and withdraw IP assets; nobody else sees or touches them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.kinds import AssetKind
from market.domain.states import AssetStatus
from market.models.assets import IPAsset
from market.models.audit import AuditEvent
from market.services import assets as svc
from tests.market.conftest import World, sign_in
from tests.market.factories import asset_input, make_asset, patent_number, trademark_number


def patent_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "registry_number": patent_number(),
        "title": "Self-cleaning LED lens",
        "industry": "electronics",
        "legal_status": "valid",
        "filing_date": "2019-04-02",
        "grant_date": "2021-08-10",
        "annual_revenue": "12,500,000",
        "revenue_growth": "5",
        "development_cost": "800000.50",
        "fact_claims": "12",
        "fact_family_size": "3",
        "fact_countries": "2",
        "fact_forward_citations": "7",
        "fact_maturity": "mass_production",
        "fact_standard_essential": "y",
    }
    data.update(overrides)
    return data


def trademark_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "registry_number": trademark_number(),
        "title": "BRIGHTWAY",
        "industry": "consumer_goods",
        "legal_status": "valid",
        "filing_date": "2017-01-05",
        "grant_date": "2018-02-14",
        "fact_nice_classes": "11, 9",
        "fact_continuous_use": "y",
        "fact_renewals": "0",
        "fact_international_registrations": "2",
    }
    data.update(overrides)
    return data


def gi_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "registry_number": trademark_number(),
        "title": "Shiwan Pottery",
        "industry": "consumer_goods",
        "legal_status": "valid",
        "filing_date": "2019-05-01",
        "grant_date": "2020-05-01",
        "fact_gi_type": "certification",
        "fact_nice_classes": "21",
        "fact_regional_output_value": "3,500,000,000",
        "fact_authorised_users": "86",
        "fact_quality_standard": "provincial",
        "fact_demonstration_zone": "y",
    }
    data.update(overrides)
    return data


def test_sme_adds_a_patent_a_trademark_and_a_gi_mark(
    client: FlaskClient, world: World, session: Session
) -> None:
    sign_in(client, world.sme)
    for kind, form in (
        ("invention_patent", patent_form()),
        ("trademark", trademark_form()),
        ("gi_mark", gi_form()),
    ):
        response = client.post(f"/assets/new/{kind}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
    listing = client.get("/assets/").get_data(as_text=True)
    for title in ("Self-cleaning LED lens", "BRIGHTWAY", "Shiwan Pottery"):
        assert title in listing
    patent = session.exec(select(IPAsset).where(IPAsset.title == "Self-cleaning LED lens")).one()
    assert patent.owner_id == world.sme_org.id
    assert patent.annual_revenue == 1_250_000_000  # CNY typed with commas -> fen
    assert patent.development_cost == 80_000_050
    assert patent.revenue_growth_bp == 500
    assert patent.expiry_date is not None and patent.expiry_date.isoformat() == "2039-04-01"
    assert patent.facts["claims"] == 12 and patent.facts["standard_essential"] is True
    mark = session.exec(select(IPAsset).where(IPAsset.title == "BRIGHTWAY")).one()
    assert mark.facts["nice_classes"] == [9, 11]
    assert mark.expiry_date is not None and mark.expiry_date.isoformat() == "2028-02-13"
    gi = session.exec(select(IPAsset).where(IPAsset.title == "Shiwan Pottery")).one()
    assert gi.facts["regional_output_value"] == 350_000_000_000
    detail = client.get(f"/assets/{gi.id}").get_data(as_text=True)
    assert "¥3,500,000,000.00" in detail and "Certification mark" in detail


def test_another_sme_cannot_see_or_touch_my_assets(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.users["other_sme"])
    assert client.get(f"/assets/{asset.id}").status_code == 403
    assert client.get(f"/assets/{asset.id}/edit").status_code == 403
    assert client.post(f"/assets/{asset.id}/withdraw").status_code == 403
    assert asset.title not in client.get("/assets/").get_data(as_text=True)
    assert client.get("/assets/999999").status_code == 404
    session.refresh(asset)
    assert asset.status is AssetStatus.ACTIVE


def test_bureau_sees_every_asset_but_cannot_edit(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.users["bureau"])
    assert asset.title in client.get("/assets/").get_data(as_text=True)
    assert client.get(f"/assets/{asset.id}").status_code == 200
    assert client.get(f"/assets/{asset.id}/edit").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"registry_number": "CN201910012345.0"}, "check digit should be"),
        ({"registry_number": "12345678"}, "12 digits"),
        ({"grant_date": "2018-01-01"}, "cannot come before filing"),
        ({"filing_date": "2099-01-01", "grant_date": ""}, "cannot be in the future"),
        ({"fact_claims": ""}, "This field is required"),
        ({"annual_revenue": "12.345"}, "at most two decimals"),
        ({"annual_revenue": "-5"}, "cannot be negative"),
        ({"legal_status": "valid", "grant_date": ""}, "needs its grant date"),
        (
            {"legal_status": "valid", "filing_date": "1995-01-01", "grant_date": "1997-01-01"},
            "Protection ended on 2014-12-31",
        ),
    ],
)
def test_bad_patent_input_is_explained_and_changes_nothing(
    client: FlaskClient, world: World, session: Session, overrides: dict[str, Any], field_text: str
) -> None:
    sign_in(client, world.sme)
    before = session.exec(select(IPAsset)).all()
    response = client.post("/assets/new/invention_patent", data=patent_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_text in page
    assert 'value="Self-cleaning LED lens"' in page  # the form keeps what was typed
    assert session.exec(select(IPAsset)).all() == before


def test_bad_mark_input(client: FlaskClient, world: World) -> None:
    sign_in(client, world.sme)
    page = client.post(
        "/assets/new/trademark", data=trademark_form(fact_nice_classes="9, 46")
    ).get_data(as_text=True)
    assert "46 does not exist" in page
    page = client.post("/assets/new/gi_mark", data=gi_form(fact_authorised_users="")).get_data(
        as_text=True
    )
    assert "This field is required" in page
    assert client.get("/assets/new/not_a_kind").status_code == 404


def test_utility_number_cannot_be_listed_as_an_invention(client: FlaskClient, world: World) -> None:
    sign_in(client, world.sme)
    page = client.post(
        "/assets/new/invention_patent",
        data=patent_form(registry_number=patent_number(AssetKind.UTILITY_MODEL)),
    ).get_data(as_text=True)
    assert "Type digit 2 is for utility models, not invention patents." in page


def test_a_registry_number_is_listed_by_one_owner_only(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.users["other_sme"])
    page = client.post(
        "/assets/new/invention_patent", data=patent_form(registry_number=asset.registry_number)
    ).get_data(as_text=True)
    assert "already listed" in page
    # once withdrawn, the number is free (the right may have changed hands)
    svc.withdraw_asset(session, actor=world.sme, asset_id=asset.id)
    response = client.post(
        "/assets/new/invention_patent", data=patent_form(registry_number=asset.registry_number)
    )
    assert response.status_code == 302


def test_edit_keeps_history_and_detects_stale_forms(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme, title="Old title")
    sign_in(client, world.sme)
    form = client.get(f"/assets/{asset.id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in form and f'value="{asset.registry_number}"' in form
    data = patent_form(registry_number=asset.registry_number, title="New title", row_version="1")
    assert client.post(f"/assets/{asset.id}/edit", data=data).status_code == 302
    session.refresh(asset)
    assert asset.title == "New title" and asset.row_version == 2
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "asset.update", AuditEvent.object_id == asset.id
        )
    ).one()
    assert event.before["title"] == "Old title" and event.after["title"] == "New title"
    assert "registry_number" not in event.after  # only what changed is recorded
    # a second window still holding version 1 must not overwrite the newer data
    stale = client.post(f"/assets/{asset.id}/edit", data={**data, "title": "Stale"})
    assert stale.status_code == 409
    session.refresh(asset)
    assert asset.title == "New title"


def test_withdraw_then_edit_is_a_conflict(
    client: FlaskClient, world: World, session: Session
) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.sme)
    assert client.post(f"/assets/{asset.id}/withdraw").status_code == 302
    assert client.post(f"/assets/{asset.id}/withdraw").status_code == 409
    data = patent_form(registry_number=asset.registry_number, row_version="2")
    assert client.post(f"/assets/{asset.id}/edit", data=data).status_code == 409
    assert asset.title not in client.get("/assets/").get_data(as_text=True)
    assert asset.title in client.get("/assets/?withdrawn=1").get_data(as_text=True)


def test_services_refuse_non_sme_actors_and_kind_changes(world: World, session: Session) -> None:
    with pytest.raises(PermissionDenied):
        svc.create_asset(session, actor=world.users["bank_officer"], data=asset_input())
    asset = make_asset(session, world.sme)
    with pytest.raises(ValidationFailed):
        svc.update_asset(
            session,
            actor=world.sme,
            asset_id=asset.id,
            data=asset_input(AssetKind.TRADEMARK),
            row_version=1,
        )
    svc.withdraw_asset(session, actor=world.sme, asset_id=asset.id)
    with pytest.raises(Conflict):
        svc.withdraw_asset(session, actor=world.sme, asset_id=asset.id)


def test_unknown_facts_are_rejected(world: World, session: Session) -> None:
    with pytest.raises(ValidationFailed) as err:
        svc.create_asset(
            session,
            actor=world.sme,
            data=asset_input(facts={"claims": 3, "maturity": "pilot", "colour": "red"}),
        )
    assert "facts.colour" in err.value.errors


def test_json_clients_get_json_errors(client: FlaskClient, world: World, session: Session) -> None:
    asset = make_asset(session, world.sme)
    sign_in(client, world.users["other_sme"])
    response = client.get(f"/assets/{asset.id}", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["status"] == 403
