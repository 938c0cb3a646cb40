"""The lending pages: requests, offers side by side, maker-checker, loans, servicing forms,
claims and recoveries, receivables, banks' own values and the dashboards."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlmodel import Session, func, select

from market.domain.kinds import OrgKind, Role
from market.domain.money import format_fen
from market.domain.schedule import RepaymentType
from market.domain.states import ClaimStatus, LoanStatus, OfferStatus, RequestStatus
from market.models.audit import AuditEvent
from market.models.lending import FinancingRequest, Loan, Offer, RequestDecline
from market.models.orgs import User
from market.models.pledges import Pledge
from market.models.pool import Claim, Recovery
from market.models.servicing import Repayment
from market.models.valuations import AssetValuation, BankValuation
from market.services import claim_decision, servicing
from market.services import offers as offer_svc
from market.services import requests as request_svc
from market.services import valuations as valuation_svc
from market.services.clock import business_date
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.factories import make_asset, make_org, make_user
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import (
    collateral,
    make_claim,
    make_loan,
    make_npl,
    make_offer,
    make_request,
    make_suspension,
    set_day,
    setup_pool,
)
from tests.market.previewkit import confirmed


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def field_block(html: str, field_id: str) -> str:
    """The markup of one form field's block, from its input to the end of its <div>."""
    start = html.index(f'id="{field_id}"')
    return html[start : html.index("</div>", start)]


def second_bank(session: Session) -> tuple[User, User]:
    """Another bank with an officer and an approver."""
    bank = make_org(session, OrgKind.BANK)
    return make_user(session, bank, Role.BANK_OFFICER), make_user(session, bank, Role.BANK_APPROVER)


def officer(world: World) -> User:
    return world.users["bank_officer"]


def approver(world: World) -> User:
    return world.users["bank_approver"]


# --- the SME's request -----------------------------------------------------------------------


def test_sme_sends_a_request_against_several_assets(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    patent, mark = collateral(session, world)
    values = valuation_svc.latest_for_assets(session, [patent.id, mark.id])
    sign_in(client, world.sme)
    html = page(client, "/financing/new")
    for asset in (patent, mark):
        assert asset.title in html
        assert format_fen(values[asset.id].max_loan) in html
        assert format_fen(values[asset.id].value_p50) in html
    assert "All participating banks" in html
    assert 'src="/static/lending.js"' in html
    response = client.post(
        "/financing/new",
        data={
            "asset_ids": [str(patent.id), str(mark.id)],
            "amount": "1,200,000",
            "term_months": "24",
            "purpose": "A second moulding line for the export order",
            "wants_insurance": "y",
            "bank_id": "",
        },
    )
    assert response.status_code == 302
    row = session.exec(select(FinancingRequest)).one()
    assert response.headers["Location"].endswith(f"/financing/{row.id}")
    assert row.amount == 1_200_000_00 and row.term_months == 24 and row.bank_id is None
    assert row.wants_insurance
    assert row.max_loan == values[patent.id].max_loan + values[mark.id].max_loan
    html = page(client, f"/financing/{row.id}")
    assert format_fen(row.max_loan) in html
    assert "Withdraw the request" in html
    assert "No offer yet" in html


def test_request_form_errors_stay_next_to_the_fields_and_keep_the_input(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    patent, _mark = collateral(session, world)
    chosen = valuation_svc.latest(session, patent.id)
    assert chosen is not None
    sign_in(client, world.sme)
    response = client.post(
        "/financing/new",
        data={"amount": "12.345", "term_months": "99", "purpose": "Tooling for 2026"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose at least one asset to pledge." in html
    assert "at most two decimals" in field_block(html, "amount")
    assert 'value="12.345"' in field_block(html, "amount")
    assert "has-error" in html
    assert "Tooling for 2026" in html
    # The service's own rule (purpose too short) lands next to its field; the ticked asset
    # stays ticked and the total maximum loan is worked out on the server.
    response = client.post(
        "/financing/new",
        data={"asset_ids": [str(patent.id)], "amount": "500000", "term_months": "12",
              "purpose": "tool"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say what the money is for." in html
    assert re.search(rf'value="{patent.id}"[^>]*checked', html)
    total = re.search(r'id="total-max-loan">([^<]+)<', html)
    assert total is not None and total.group(1) == format_fen(chosen.max_loan)
    assert session.exec(select(FinancingRequest)).first() is None


def test_request_lists_and_empty_states(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.sme)
    html = page(client, "/financing/")
    assert "No financing requests yet" in html and "/financing/new" in html
    req = make_request(session, world)
    assert f"/financing/{req.id}" in page(client, "/financing/")
    sign_in(client, officer(world))
    html = page(client, "/financing/")
    assert f"/financing/{req.id}" in html and "Waiting for an offer" in html
    sign_in(client, world.users["bureau"])
    assert f"/financing/{req.id}" in page(client, "/financing/")
    sign_in(client, world.users["other_sme"])
    assert f"/financing/{req.id}" not in page(client, "/financing/")
    assert page(client, f"/financing/{req.id}", 403)


def test_sme_withdraws_an_open_request(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    make_offer(session, world, req.id)
    sign_in(client, world.sme)
    response = client.post(f"/financing/{req.id}/withdraw")
    assert response.status_code == 302
    session.refresh(req)
    assert req.status is RequestStatus.WITHDRAWN
    offer = session.exec(select(Offer)).one()
    assert offer.status is OfferStatus.LAPSED
    html = page(client, f"/financing/{req.id}")
    assert "Withdraw the request" not in html
    assert client.post(f"/financing/{req.id}/withdraw").status_code == 409


# --- the bank's side -------------------------------------------------------------------------


def test_officer_sees_the_collateral_and_when_an_override_is_needed(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    sign_in(client, officer(world))
    html = page(client, f"/financing/{req.id}")
    for _ra, asset, v in request_svc.request_assets(session, req.id):
        assert f"/assets/{asset.id}/valuation?v={v.id}" in html
        assert format_fen(v.value_p10) in html and format_fen(v.value_p90) in html
        assert format_fen(v.max_loan) in html
        # The bank may open the report of an asset offered to it.
        assert page(client, f"/assets/{asset.id}/valuation?v={v.id}")
        assert page(client, f"/assets/{asset.id}")
    assert "Propose an offer" in html
    assert f"at most {format_fen(req.max_loan)}" in html
    assert "needs an override reason" in html
    assert "Decline the request" in html
    # An asset of the same SME outside any request stays closed to banks.
    other = make_asset(session, world.sme)
    page(client, f"/assets/{other.id}", 403)
    page(client, f"/assets/{other.id}/valuation", 403)


def test_officer_reads_the_borrowers_profile_and_record(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    make_npl(session, make_loan(session, world))
    req = make_request(session, world)
    sign_in(client, officer(world))
    html = page(client, f"/financing/{req.id}")
    assert world.sme_org.uscc in html and world.sme_org.name in html
    assert "Pledge loans on the platform" in html
    assert f"1 in all; {format_fen(100_000_000)} outstanding now" in html
    assert "1 non-performing, 0 with a compensation claim" in html


def offer_data(**kw: str) -> dict[str, str]:
    data = {
        "amount": "50000",
        "rate": "4.35",
        "term_months": "12",
        "repayment_type": "equal_instalment",
        "rating_grade": "bbb",
        "override_reason": "",
        "conditions": "Sales proceeds through our account",
    }
    data.update(kw)
    return data


def test_offer_form_errors_are_shown_next_to_the_fields(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    above = format_fen(req.max_loan + 100_000_00).lstrip("¥").replace(",", "")
    sign_in(client, officer(world))
    response = client.post(f"/financing/{req.id}/offers", data=offer_data(amount=above))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    block = field_block(html, "override_reason")
    assert "write why the bank lends more" in block
    assert f'value="{above}"' in field_block(html, "amount")
    assert 'value="4.35"' in field_block(html, "rate")
    response = client.post(f"/financing/{req.id}/offers", data=offer_data(rate="4.355"))
    assert response.status_code == 422
    assert "at most two decimals" in field_block(response.get_data(as_text=True), "rate")
    response = client.post(f"/financing/{req.id}/offers", data=offer_data(rate="30"))
    assert response.status_code == 422
    assert "between 0.01% and 24%" in field_block(response.get_data(as_text=True), "rate")
    assert session.exec(select(Offer)).first() is None


def test_officer_proposes_an_offer_with_the_rate_in_exact_basis_points(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    sign_in(client, officer(world))
    response = client.post(f"/financing/{req.id}/offers", data=offer_data(rate="4.35"))
    assert response.status_code == 302
    offer = session.exec(select(Offer)).one()
    assert offer.rate_bp == 435 and offer.amount == 50_000_00 and offer.rating_grade == "BBB"
    assert offer.status is OfferStatus.PENDING_APPROVAL and offer.override_reason == ""
    html = page(client, f"/financing/{req.id}")
    assert "4.35%" in html and "Waiting for approval" in html
    assert "Propose an offer" not in html  # one live offer per bank
    # Above the maximum with a reason: accepted and kept.
    _req2 = make_request(session, world)
    amount = format_fen(_req2.max_loan + 1).lstrip("¥").replace(",", "")
    reason = "Ten-year relationship and audited cash flow cover it."
    response = client.post(
        f"/financing/{_req2.id}/offers",
        data=offer_data(amount=amount, rate="5.1", override_reason=reason),
    )
    assert response.status_code == 302
    second = session.exec(select(Offer).where(Offer.request_id == _req2.id)).one()
    assert second.rate_bp == 510 and second.override_reason == reason
    # The SME does not see an offer before it is approved.
    sign_in(client, world.sme)
    html = page(client, f"/financing/{req.id}")
    assert "4.35%" not in html and "No offer yet" in html


def test_approver_cannot_approve_an_offer_they_proposed(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    maker = make_user(session, world.bank, Role.BANK_OFFICER)
    offer = offer_svc.propose_offer(
        session,
        actor=maker,
        request_id=req.id,
        data=offer_svc.OfferInput(
            amount=req.max_loan // 2,
            rate_bp=420,
            term_months=12,
            repayment_type=RepaymentType.EQUAL_INSTALMENT,
            rating_grade="A",
        ),
    )
    maker.role = Role.BANK_APPROVER  # promoted since: still may not check their own work
    session.add(maker)
    session.commit()
    sign_in(client, maker)
    html = page(client, f"/financing/{req.id}")
    assert "You proposed this offer" in html
    assert f"/offers/{offer.id}/decide" not in html
    response = client.post(f"/offers/{offer.id}/decide", data={"decision": "approve"})
    assert response.status_code == 403
    session.refresh(offer)
    assert offer.status is OfferStatus.PENDING_APPROVAL
    # Another approver sees the decision form.
    sign_in(client, approver(world))
    html = page(client, f"/financing/{req.id}")
    assert f"/offers/{offer.id}/decide" in html and "Send back" in html


def test_approver_sends_back_with_a_reason_and_approves(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    offer = make_offer(session, world, req.id, approve=False)
    sign_in(client, approver(world))
    response = client.post(f"/offers/{offer.id}/decide", data={"decision": "reject"})
    assert response.status_code == 302
    session.refresh(offer)
    assert offer.status is OfferStatus.PENDING_APPROVAL
    assert "Say why the offer is sent back." in page(client, f"/financing/{req.id}")
    client.post(
        f"/offers/{offer.id}/decide",
        data={"decision": "reject", "reason": "Rate too low for grade BBB"},
    )
    session.refresh(offer)
    assert offer.status is OfferStatus.REJECTED
    assert offer.rejection_reason == "Rate too low for grade BBB"
    sign_in(client, officer(world))
    html = page(client, f"/financing/{req.id}")
    assert "Rate too low for grade BBB" in html and "Propose an offer" in html
    again = make_offer(session, world, req.id, approve=False, rate_bp=480)
    sign_in(client, approver(world))
    client.post(f"/offers/{again.id}/decide", data={"decision": "approve"})
    session.refresh(again)
    assert again.status is OfferStatus.APPROVED and again.expires_on is not None
    assert again.approved_by_id == approver(world).id


def test_bank_declines_with_a_reason_the_sme_reads(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    sign_in(client, approver(world))
    assert client.post(f"/financing/{req.id}/decline", data={"reason": ""}).status_code == 302
    assert session.exec(select(RequestDecline)).first() is None
    client.post(f"/financing/{req.id}/decline", data={"reason": "Outside our sector limits"})
    assert session.exec(select(RequestDecline)).one().reason == "Outside our sector limits"
    html = page(client, f"/financing/{req.id}")
    assert "Decline the request" not in html
    sign_in(client, world.sme)
    html = page(client, f"/financing/{req.id}")
    assert "Outside our sector limits" in html and world.bank.name in html


# --- comparing and accepting -----------------------------------------------------------------


def test_sme_compares_offers_side_by_side(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    first = make_offer(session, world, req.id, rate_bp=435)
    b_officer, b_approver = second_bank(session)
    second = offer_svc.propose_offer(
        session,
        actor=b_officer,
        request_id=req.id,
        data=offer_svc.OfferInput(
            amount=800_000_00,
            rate_bp=390,
            term_months=24,
            repayment_type=RepaymentType.EQUAL_PRINCIPAL,
            rating_grade="A",
            override_reason="Long relationship and a strong order book cover it.",
        ),
    )
    second = offer_svc.decide_offer(session, actor=b_approver, offer_id=second.id, approve=True)
    pending = make_offer(session, world, make_request(session, world).id, approve=False)
    sign_in(client, world.sme)
    html = page(client, f"/financing/{req.id}")
    assert "Total interest" in html and "Monthly payment" in html
    for offer in (first, second):
        figures = offer_svc.offer_figures(session, offer, insured=True)
        assert format_fen(figures.total_interest) in html
        assert format_fen(figures.first_payment) in html
        assert format_fen(figures.largest_payment) in html
        assert format_fen(figures.premium) in html and figures.premium > 0
        assert format_fen(figures.subsidy) in html and figures.subsidy > 0
        assert f"/offers/{offer.id}/accept" in html
    assert "4.35%" in html and "3.90%" in html
    assert b_officer.organisation_id and world.bank.name in html
    assert f"/offers/{pending.id}/accept" not in html
    # Once past its expiry date an approved offer shows as expired and cannot be accepted.
    assert first.expires_on is not None
    set_day(session, first.expires_on + timedelta(days=1))
    html = page(client, f"/financing/{req.id}")
    assert "Expired" in html
    assert f"/offers/{first.id}/accept" not in html


def test_accepting_makes_the_loan_and_accepting_twice_is_a_409(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    offer = make_offer(session, world, req.id)
    sign_in(client, world.sme)
    response = client.post(f"/offers/{offer.id}/accept", data=keyed())
    assert response.status_code == 302
    loan = session.exec(select(Loan)).one()
    assert response.headers["Location"].endswith(f"/loans/{loan.id}")
    pledges = session.exec(select(func.count()).select_from(Pledge)).one()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    again = client.post(f"/offers/{offer.id}/accept", data=keyed())
    assert again.status_code == 409
    assert session.exec(select(func.count()).select_from(Loan)).one() == 1
    assert session.exec(select(func.count()).select_from(Pledge)).one() == pledges
    assert (
        session.exec(select(func.count()).select_from(AuditEvent)).one() == events
    )
    session.refresh(offer)
    assert offer.status is OfferStatus.ACCEPTED
    html = page(client, f"/financing/{req.id}")
    assert f"/loans/{loan.id}" in html and f"/offers/{offer.id}/accept" not in html
    assert "Offer accepted" in html and "Request sent" in html  # the timeline


# --- loans -----------------------------------------------------------------------------------


def test_borrower_sees_terms_schedule_pledges_and_what_is_due(
    client: FlaskClient, session: Session, world: World
) -> None:
    version = setup_pool(session, world)
    loan = make_loan(session, world)
    rows = servicing.instalments(session, loan.id)
    sign_in(client, world.sme)
    html = page(client, f"/loans/{loan.id}")
    assert "What you owe" in html
    assert "Next instalment, due on" in html and format_fen(rows[0].outstanding) in html
    for r in rows:
        assert format_fen(r.principal_due) in html
    for pledge in servicing.pledges(session, loan.id):
        assert pledge.registration_number in html
    assert f"Scheme {version.name}, version {version.version}" in html
    session.refresh(loan)
    # Nothing paid yet, so no subsidy earned (贴息 is paid on interest actually paid).
    assert loan.interest_subsidy == 0
    assert "Earned on each repayment on the interest actually paid" in html
    assert format_fen(loan.insurance_premium) in html
    assert "4.35%" in html and "Normal" in html
    assert "Loan disbursed" in html and "Pledge registered" in html
    assert "Record a repayment" not in html and "/disburse" not in html
    html = page(client, "/loans/")
    assert f"/loans/{loan.id}" in html and format_fen(loan.principal) in html
    sign_in(client, world.users["other_sme"])
    assert "No loans yet" in page(client, "/loans/")
    page(client, f"/loans/{loan.id}", 403)


def test_bank_pays_the_loan_out(client: FlaskClient, session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world, disburse=False)
    sign_in(client, world.sme)
    assert "schedule starts when the bank pays" in page(client, f"/loans/{loan.id}")
    sign_in(client, approver(world))
    html = page(client, f"/loans/{loan.id}")
    assert f"/loans/{loan.id}/disburse" in html
    assert confirmed(client, f"/loans/{loan.id}/disburse").status_code == 302
    session.refresh(loan)
    assert loan.status is LoanStatus.ACTIVE and loan.disbursed_on == business_date(session)
    assert len(servicing.instalments(session, loan.id)) == loan.term_months
    assert client.post(f"/loans/{loan.id}/disburse", data=keyed()).status_code == 409
    assert len(servicing.instalments(session, loan.id)) == loan.term_months


def test_repayment_form_records_and_rerenders_errors(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    first = servicing.instalments(session, loan.id)[0]
    sign_in(client, officer(world))
    html = page(client, f"/loans/{loan.id}")
    position = servicing.loan_position(session, loan)
    assert "Record a repayment" in html
    assert f"exactly {format_fen(position.payoff)}" in html
    set_day(session, first.due_on)
    amount = format_fen(first.outstanding).lstrip("¥").replace(",", "")
    response = client.post(
        f"/loans/{loan.id}/repayments",
        data=keyed({"amount": amount, "kind": "scheduled", "reference": "TX-0001"}),
    )
    assert response.status_code == 302
    paid = session.exec(select(Repayment)).one()
    assert paid.amount == first.outstanding and paid.reference == "TX-0001"
    html = page(client, f"/loans/{loan.id}")
    assert "TX-0001" in html and "Scheduled" in html
    # A full repayment must be exactly the payoff: the error sits next to the amount.
    session.expire_all()
    payoff = servicing.loan_position(session, loan).payoff
    response = client.post(
        f"/loans/{loan.id}/repayments", data=keyed({"amount": "100", "kind": "full"})
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Exactly {format_fen(payoff)}." in field_block(html, "amount")
    assert 'value="100"' in field_block(html, "amount")
    assert session.exec(select(func.count()).select_from(Repayment)).one() == 1
    response = client.post(
        f"/loans/{loan.id}/repayments", data=keyed({"amount": "", "kind": "early"})
    )
    assert response.status_code == 422
    exact = format_fen(payoff).lstrip("¥").replace(",", "")
    response = client.post(
        f"/loans/{loan.id}/repayments", data=keyed({"amount": exact, "kind": "full"})
    )
    assert response.status_code == 302
    session.refresh(loan)
    assert loan.status is LoanStatus.REPAID
    html = page(client, f"/loans/{loan.id}")
    assert "Repaid" in html and "Released" in html
    assert "Record a repayment" not in html


def test_claim_and_recovery_forms(client: FlaskClient, session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    sign_in(client, officer(world))
    html = page(client, f"/loans/{loan.id}")
    assert "File a compensation claim" in html and "Claim deadline:" in html
    assert "Substandard" in html
    response = client.post(
        f"/loans/{loan.id}/claim", data=keyed({"note": "Borrower stopped paying"})
    )
    assert response.status_code == 302
    claim = session.exec(select(Claim)).one()
    assert claim.note == "Borrower stopped paying" and claim.status is ClaimStatus.FILED
    assert client.post(f"/loans/{loan.id}/claim", data=keyed({})).status_code == 409
    assert session.exec(select(func.count()).select_from(Claim)).one() == 1
    html = page(client, f"/loans/{loan.id}")
    assert "Borrower stopped paying" in html and "In claim" in html
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id, approve=True, reason=""
    )
    session.refresh(claim)
    html = page(client, f"/loans/{loan.id}")
    for amount in claim.split.values():
        assert format_fen(int(amount)) in html
    assert "Risk-compensation pool" in html and "Record a recovery" in html
    response = client.post(
        f"/loans/{loan.id}/recoveries", data=keyed({"disposal": "licence", "proceeds": ""})
    )
    assert response.status_code == 422
    assert "This field is required." in field_block(response.get_data(as_text=True), "proceeds")
    response = confirmed(
        client,
        f"/loans/{loan.id}/recoveries",
        {"disposal": "licence", "proceeds": "100000", "counterparty": "Licensee Ltd"},
    )
    assert response.status_code == 302
    recovery = session.exec(select(Recovery)).one()
    assert recovery.proceeds == 100_000_00 and sum(recovery.distribution.values()) == 100_000_00
    html = page(client, f"/loans/{loan.id}")
    assert "Licensee Ltd" in html and "Recovery recorded" in html
    closing = {"disposal": "auction", "proceeds": "0", "closes": "y"}
    confirmed(client, f"/loans/{loan.id}/recoveries", closing)
    session.refresh(loan)
    assert loan.status is LoanStatus.CLOSED
    assert "Record a recovery" not in page(client, f"/loans/{loan.id}")


def test_receivables_show_what_each_party_owes(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    sign_in(client, world.users["insurer"])
    assert "Nothing owed" in page(client, "/receivables")
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id, approve=True, reason=""
    )
    session.refresh(claim)
    html = page(client, "/receivables")
    assert format_fen(int(claim.split["insurer"])) in html and f"#{claim.id}" in html
    assert format_fen(int(claim.split["valuer"])) not in html
    sign_in(client, world.users["valuer"])
    assert format_fen(int(claim.split["valuer"])) in page(client, "/receivables")
    sign_in(client, world.users["bureau"])
    html = page(client, "/receivables")
    assert format_fen(int(claim.split["insurer"])) in html
    assert format_fen(int(claim.split["valuer"])) in html
    assert f"/loans/{loan.id}" in html


# --- banks' own values -----------------------------------------------------------------------


def test_bank_records_its_own_value_beside_never_over_the_models(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    asset = make_asset(session, world.sme)
    make_request(session, world, assets=[asset])
    model = valuation_svc.latest(session, asset.id)
    assert model is not None
    model_result, model_p50 = dict(model.result), model.value_p50
    url = f"/assets/{asset.id}/bank-value"
    sign_in(client, officer(world))
    html = page(client, f"/assets/{asset.id}/valuation")
    assert "Record your bank" in html and url in html
    response = client.post(url, data={"adjusted_value": "1,500,000", "reason": "Too low"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write the reason for the bank" in field_block(html, "reason")
    assert 'value="1,500,000"' in field_block(html, "adjusted_value")
    assert session.exec(select(BankValuation)).first() is None
    reason = "The market for this class of sensor patents is narrower than modelled."
    response = client.post(url, data={"adjusted_value": "1,500,000", "reason": reason})
    assert response.status_code == 302
    stored = session.exec(select(BankValuation)).one()
    assert stored.adjusted_value == 1_500_000_00 and stored.valuation_id == model.id
    assert stored.bank_id == world.bank.id
    # The model's valuation is untouched and both values are shown side by side.
    fresh = session.get(AssetValuation, model.id)
    assert fresh is not None
    session.refresh(fresh)
    assert fresh.result == model_result and fresh.value_p50 == model_p50
    assert valuation_svc.latest(session, asset.id).id == model.id  # type: ignore[union-attr]
    html = page(client, f"/assets/{asset.id}/valuation")
    assert reason in html and "¥1,500,000.00" in html and format_fen(model_p50) in html
    # The owner and the bureau see it; another bank sees only its own (none).
    for user in (world.sme, world.users["bureau"]):
        sign_in(client, user)
        html = page(client, f"/assets/{asset.id}/valuation")
        assert reason in html and "Record your bank" not in html
    other_officer, _other_approver = second_bank(session)
    sign_in(client, other_officer)
    html = page(client, f"/assets/{asset.id}/valuation")
    assert reason not in html and "No bank has recorded its own value yet." in html
    # Outside a request addressed to the bank: no value may be recorded.
    lone = make_asset(session, world.sme)
    sign_in(client, officer(world))
    assert client.post(
        f"/assets/{lone.id}/bank-value", data={"adjusted_value": "1", "reason": reason}
    ).status_code == 403


# --- dashboards ------------------------------------------------------------------------------


def test_dashboards_show_the_work_waiting(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    waiting = make_request(session, world)
    offered = make_request(session, world)
    approved = make_offer(session, world, offered.id)
    pending_req = make_request(session, world)
    pending = make_offer(session, world, pending_req.id, approve=False)
    first = servicing.instalments(session, loan.id)[0]
    sign_in(client, world.sme)
    html = page(client, "/dashboard")
    assert "What is due on your loans" in html and format_fen(first.outstanding) in html
    assert "Offers waiting for your answer" in html
    assert f"/financing/{approved.request_id}" in html
    assert f"/financing/{waiting.id}" in html  # an open request
    sign_in(client, officer(world))
    html = page(client, "/dashboard")
    assert "Requests waiting for an offer" in html and f"/financing/{waiting.id}" in html
    assert "Offers waiting for approval" in html and f"/financing/{pending.request_id}" in html
    assert "suspended" not in html
    make_npl(session, loan, days=10)
    suspension = make_suspension(session, world)
    html = page(client, "/dashboard")
    assert "Loans in arrears" in html and f"/loans/{loan.id}" in html
    assert "Your bank is suspended" in html and suspension.reason in html
    html = page(client, f"/financing/{waiting.id}")
    assert "Your bank is suspended" in html
    sign_in(client, world.users["insurer"])
    assert "/receivables" in page(client, "/dashboard")


def test_every_lending_form_carries_a_csrf_token(
    connection: Connection, session: Session, world: World
) -> None:
    app = make_test_app(connection, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    setup_pool(session, world)
    req = make_request(session, world)
    offer = make_offer(session, world, req.id, approve=False)
    loan = make_loan(session, world, disburse=False)
    pages = [
        (world.sme, "/financing/new"),
        (world.sme, f"/financing/{req.id}"),
        (officer(world), f"/financing/{req.id}"),
        (approver(world), f"/financing/{req.id}"),
        (officer(world), f"/loans/{loan.id}"),
        (
            officer(world),
            f"/assets/{request_svc.request_assets(session, req.id)[0][1].id}/valuation",
        ),
    ]
    assert offer.id
    for user, url in pages:
        sign_in(client, user)
        html = page(client, url)
        forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
        assert len(forms) >= 2, url  # the language switch and at least one page form
        for form in forms:
            assert 'name="csrf_token"' in form, (url, form[:120])


def test_supervisors_read_everything_and_change_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    pending = make_offer(session, world, req.id, approve=False)
    loan = make_loan(session, world)
    for key in ("bureau", "admin"):
        sign_in(client, world.users[key])
        html = page(client, f"/financing/{req.id}")
        assert "Waiting for approval" in html and world.bank.name in html
        assert f"/assets/{request_svc.request_assets(session, req.id)[0][1].id}/valuation" in html
        for form_url in (
            f"/financing/{req.id}/offers",
            f"/financing/{req.id}/decline",
            f"/financing/{req.id}/withdraw",
            f"/offers/{pending.id}/decide",
            f"/offers/{pending.id}/accept",
        ):
            assert form_url not in html
        html = page(client, f"/loans/{loan.id}")
        assert "Record a repayment" not in html and "Schedule" in html
        assert f"/loans/{loan.id}" in page(client, "/loans/")


def test_another_bank_cannot_act_on_an_offer_or_loan_it_does_not_hold(
    client: FlaskClient, session: Session, world: World
) -> None:
    setup_pool(session, world)
    req = make_request(session, world)
    offer = make_offer(session, world, req.id, approve=False)
    loan = make_loan(session, world)
    other_officer, other_approver = second_bank(session)
    sign_in(client, other_approver)
    html = page(client, f"/financing/{req.id}")  # addressed to every bank
    assert f"/offers/{offer.id}/decide" not in html and "Propose an offer" not in html
    response = client.post(f"/offers/{offer.id}/decide", data={"decision": "approve"})
    assert response.status_code == 403
    session.refresh(offer)
    assert offer.status is OfferStatus.PENDING_APPROVAL
    sign_in(client, other_officer)
    page(client, f"/loans/{loan.id}", 403)
    response = client.post(
        f"/loans/{loan.id}/repayments", data=keyed({"amount": "1", "kind": "scheduled"})
    )
    assert response.status_code == 403
    assert session.exec(select(func.count()).select_from(Repayment)).one() == 0
