"""The company profile: the high-tech flag sets the income-tax rate of the company's valuations
(Enterprise Income Tax Law art. 4: 25%; art. 28: 15% for a certified high and new technology
enterprise). The company's own users and the administrator change it (audited, once per form);
a valuation made under the old rate is shown as out of date with a button to value again.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from market.domain.kinds import OrgKind
from market.models.audit import AuditEvent
from market.models.orgs import Organisation
from market.services import valuations as valuation_svc
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset, make_org
from tests.market.formkeys import keyed


def _flag_events(session: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(col(AuditEvent.action) == "organisation.high_tech")
    return list(session.exec(query).all())


def _high_tech(session: Session, org_id: int) -> bool:
    session.expire_all()
    org = session.get(Organisation, org_id)
    assert org is not None
    return org.high_tech


def test_the_company_sets_its_flag_once_audited_and_others_cannot(
    client: FlaskClient, session: Session, world: World
) -> None:
    org_id = world.sme.organisation_id
    sign_in(client, world.sme)
    page = client.get("/company").get_data(as_text=True)
    assert world.sme_org.name in page and "25%" in page
    form = keyed({"high_tech": "y"})
    assert client.post(f"/company/{org_id}/high-tech", data=form).status_code == 302
    assert client.post(f"/company/{org_id}/high-tech", data=form).status_code == 302  # again
    assert _high_tech(session, org_id) is True
    events = _flag_events(session)
    assert len(events) == 1 and events[0].actor_id == world.sme.id
    assert events[0].before == {"high_tech": False} and events[0].after == {"high_tech": True}
    # A new form with the same value changes and records nothing.
    client.post(f"/company/{org_id}/high-tech", data=keyed({"high_tech": "y"}))
    assert len(_flag_events(session)) == 1
    assert "15%" in client.get("/company").get_data(as_text=True)

    for other in (world.users["other_sme"], world.users["bank_officer"], world.users["bureau"]):
        sign_in(client, other)
        answer = client.post(f"/company/{org_id}/high-tech", data=keyed({}))
        assert answer.status_code == 403
        assert client.get(f"/company/{org_id}").status_code == 403
    assert _high_tech(session, org_id) is True

    sign_in(client, world.admin)  # the platform administrator may correct it
    assert client.post(f"/company/{org_id}/high-tech", data=keyed({})).status_code == 302
    assert _high_tech(session, org_id) is False
    bank_id = world.bank.id
    assert client.get(f"/company/{bank_id}").status_code == 404  # not a company
    assert client.get(f"/company/{make_org(session, OrgKind.SME).id}").status_code == 200


def test_a_valuation_under_the_old_rate_is_out_of_date_until_valued_again(
    client: FlaskClient, session: Session, world: World
) -> None:
    asset = make_asset(session, world.sme)
    first = valuation_svc.latest(session, asset.id or 0)
    assert first is not None and first.inputs["tax_rate_bp"] == 2500
    sign_in(client, world.sme)
    assert "Valuation out of date" not in client.get(f"/assets/{asset.id}").get_data(as_text=True)
    client.post(f"/company/{world.sme.organisation_id}/high-tech", data=keyed({"high_tech": "y"}))
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Valuation out of date" in page and "at 25%" in page and "at 15%" in page
    assert f"/assets/{asset.id}/revalue" in page
    report = client.get(f"/assets/{asset.id}/valuation").get_data(as_text=True)
    assert "Valuation out of date" in report
    assert asset.title in client.get("/company").get_data(as_text=True)
    zh = client.get(f"/assets/{asset.id}", headers={"Accept-Language": "zh-CN"})
    assert "估值已过时" in zh.get_data(as_text=True)

    assert client.post(f"/assets/{asset.id}/revalue").status_code == 302
    fresh = valuation_svc.latest(session, asset.id or 0)
    assert fresh is not None and fresh.id != first.id and fresh.inputs["tax_rate_bp"] == 1500
    assert "Valuation out of date" not in client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "stale-valuations" not in client.get("/company").get_data(as_text=True)
