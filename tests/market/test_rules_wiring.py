"""Issue 10 on the site: the valuation 2.0 rules and the scheme rules as a user meets them.

Every expected figure is worked by hand from the rule's text (sources cited beside it).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import AssetKind
from market.domain.states import ClaimStatus, Enrolment
from market.frame.db import transaction
from market.models.lending import FinancingRequest, Loan
from market.models.orgs import Organisation, User
from market.models.pool import Receivable
from market.services import acceptance as acceptance_svc
from market.services import claim_decision, claim_plan, pool
from market.services import repayment as repayment_svc
from market.services import requests as request_svc
from market.services import valuations as valuation_svc
from market.services.claim_context import claim_deadline
from riskpool import Scheme
from riskpool.presets import preset_data
from tests.market.conftest import World, sign_in
from tests.market.factories import make_asset
from tests.market.lending_fixtures import (
    first_due,
    make_npl,
    make_offer,
    set_day,
    setup_pool,
)
from tests.market.test_accounts import registration

CNY = 100  # fen


def _loan(
    session: Session, world: World, *, amount: int, other: int = 0, relending: bool = False
) -> Loan:
    """A disbursed loan of `amount` fen of the world's SME against a fresh patent, with `other`
    fen secured by non-IP collateral."""
    asset = make_asset(session, world.sme, AssetKind.INVENTION_PATENT)
    request = request_svc.create_request(
        session,
        actor=world.sme,
        data=request_svc.RequestInput(
            asset_ids=[asset.id or 0],
            amount=amount,
            term_months=12,
            purpose="Working capital for orders",
            other_collateral=other,
        ),
    )
    offer = make_offer(session, world, request.id or 0, amount=amount, relending=relending)
    loan = acceptance_svc.accept_offer(session, actor=world.sme, offer_id=offer.id or 0)
    return repayment_svc.disburse(session, actor=world.users["bank_officer"], loan_id=loan.id or 0)


def _approve(session: Session, world: World, loan: Loan, **file: Any) -> dict[str, int]:
    claim = claim_decision.file_claim(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0, **file
    )
    decided = claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    return {k: int(v) for k, v in decided.split.items()}


# --- valuation on the site --------------------------------------------------------------------


def test_an_asset_without_revenue_evidence_cannot_be_put_in_a_request(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    bare = make_asset(session, world.sme, annual_revenue=None, development_cost=None)
    stored = valuation_svc.latest(session, bare.id or 0)
    assert stored is not None and stored.max_loan == 0
    assert stored.result["pledgeable"] is False
    assert stored.result["loan_note_code"] == "no_value_evidence"
    with pytest.raises(ValidationFailed) as caught:
        request_svc.create_request(
            session,
            actor=world.sme,
            data=request_svc.RequestInput(
                asset_ids=[bare.id or 0], amount=100_000 * CNY, term_months=12, purpose="Orders"
            ),
        )
    assert "no revenue evidence" in caught.value.errors["asset_ids"]
    assert session.exec(select(FinancingRequest)).first() is None


def _gi(session: Session, world: World, **kw: Any) -> Any:
    return make_asset(session, world.sme, AssetKind.GI_MARK, **kw)


def _ask(session: Session, world: World, asset_id: int) -> FinancingRequest:
    return request_svc.create_request(
        session,
        actor=world.sme,
        data=request_svc.RequestInput(
            asset_ids=[asset_id], amount=100_000 * CNY, term_months=12, purpose="Buying leaves"
        ),
    )


def test_only_the_holder_of_a_gi_mark_or_with_its_consent_can_pledge_it(
    session: Session, world: World
) -> None:
    # DOMAIN.md "GI marks": a GI collective or certification mark is registered to an
    # association; the holder can pledge it, a user cannot pledge a mark it does not hold.
    setup_pool(session, world)
    other = _gi(session, world, holder_name="Anxi Tea Association")
    with pytest.raises(ValidationFailed) as caught:
        _ask(session, world, other.id or 0)
    assert "only its holder can pledge it" in caught.value.errors["asset_ids"]
    assert "Anxi Tea Association" in caught.value.errors["asset_ids"]
    org = session.get(Organisation, world.sme.organisation_id)
    assert org is not None
    own = _gi(session, world, holder_name=f"  {org.name.upper()} ")  # same name, other case
    assert _ask(session, world, own.id or 0).id is not None
    consented = make_asset(
        session,
        world.sme,
        AssetKind.GI_MARK,
        holder_name="Anxi Tea Association",
        facts={
            "gi_type": "collective",
            "nice_classes": [30],
            "regional_output_value": 50_000_000_00,
            "authorised_users": 120,
            "quality_standard": "provincial",
            "holder_fee_income": 300_000_00,
            "holder_consent": True,
        },
    )
    assert _ask(session, world, consented.id or 0).id is not None


def test_own_sales_above_the_regional_output_are_refused_naming_the_field(
    session: Session, world: World
) -> None:
    facts = {
        "gi_type": "collective",
        "nice_classes": [30],
        "regional_output_value": 1_000_000_00,
        "authorised_users": 10,
        "quality_standard": "local",
        "own_sales_under_mark": 2_000_000_00,
    }
    with pytest.raises(ValidationFailed) as caught:
        make_asset(session, world.sme, AssetKind.GI_MARK, facts=facts)
    assert "facts.own_sales_under_mark" in caught.value.errors


def test_a_high_tech_owner_is_valued_at_15_percent_tax(session: Session, world: World) -> None:
    # Enterprise Income Tax Law Art. 4 (25%) and Art. 28 (15% for high-tech enterprises).
    # Relief from royalty: V = sum Rev x r x (1 - tax) / (1 + k)^t, so the central value
    # scales by (1 - 0.15) / (1 - 0.25) = 85 / 75 with everything else equal.
    standard = make_asset(session, world.sme)
    org = session.get(Organisation, world.sme.organisation_id)
    assert org is not None
    with transaction(session):
        org.high_tech = True
        session.add(org)
    high = valuation_svc.revalue(session, actor=world.sme, asset_id=standard.id or 0)
    low = valuation_svc.history(session, standard.id or 0)[1]
    assert (low.result["tax_rate_bp"], high.result["tax_rate_bp"]) == (2500, 1500)
    low_central = low.result["income"]["central_value"]
    high_central = high.result["income"]["central_value"]
    assert abs(high_central * 75 - low_central * 85) <= 85  # within a fen of rounding


def test_the_report_shows_the_rule_the_notes_and_why_no_loan(
    session: Session, world: World, client: FlaskClient
) -> None:
    bare = make_asset(session, world.sme, annual_revenue=None, development_cost=None)
    valued = make_asset(session, world.sme, AssetKind.TRADEMARK)
    sign_in(client, world.sme)
    page = html.unescape(client.get(f"/assets/{bare.id}/valuation").get_data(as_text=True))
    assert "No loan value can be given: there is no revenue evidence" in page
    assert "Maximum loan = pledge rate x appraised value (P50)" in page
    assert "Bank of Communications pledge practice" in page
    page = html.unescape(client.get(f"/assets/{valued.id}/valuation").get_data(as_text=True))
    assert "never exceeds 50% for a trademark" in page
    stored = valuation_svc.latest(session, valued.id or 0)
    assert stored is not None
    if stored.result["market_comparables"] is not None:
        assert stored.result["market_comparables"]["illustrative"] is True
        assert "illustrative" in page and "fictional comparables" in page
    client.set_cookie("lang", "zh")
    zh = html.unescape(client.get(f"/assets/{bare.id}/valuation").get_data(as_text=True))
    assert "无法给出可贷金额" in zh and "交通银行质押实务" in zh


# --- scheme rules at claim time ---------------------------------------------------------------


def test_guangzhou_2023_compensates_only_the_ip_backed_part(
    session: Session, world: World
) -> None:
    # 广州 2023: 50% of the loss on the covered part; for a combined loan only the IP-backed
    # part counts. Loan 1m CNY, 400k secured by property: covered 600k. Nothing repaid, so
    # the loss is 1m; pool = 50% x 1,000,000 x 600,000 / 1,000,000 = 300,000 CNY.
    setup_pool(session, world, document=preset_data("guangzhou-2023"))
    loan = _loan(session, world, amount=1_000_000 * CNY, other=400_000 * CNY)
    assert loan.other_collateral == 400_000 * CNY
    make_npl(session, loan)
    split = _approve(session, world, loan)
    assert split == {"pool": 300_000 * CNY, "bank": 700_000 * CNY}


def test_weihai_province_share_is_a_receivable_and_the_city_cap_binds(
    session: Session, world: World
) -> None:
    # 威海: province 40% + city 20%, bank 40%; the city pays at most 1m CNY a claim in the
    # first business year. Loan 6m CNY, unpaid: province 2.4m, city 20% = 1.2m capped at 1m,
    # the 0.2m above the cap stays with the bank: 2.4m + 0.2m = 2.6m.
    setup_pool(session, world, document=preset_data("weihai"))
    loan = _loan(session, world, amount=6_000_000 * CNY)
    day = make_npl(session, loan)
    with pytest.raises(ValidationFailed) as caught:
        claim_decision.file_claim(session, actor=world.users["bank_officer"], loan_id=loan.id or 0)
    assert "loss_confirmed_on" in caught.value.errors
    split = _approve(session, world, loan, loss_confirmed_on=day)
    assert split == {"province": 2_400_000 * CNY, "pool": 1_000_000 * CNY, "bank": 2_600_000 * CNY}
    owed = session.exec(select(Receivable).where(Receivable.party == "province")).one()
    assert owed.amount == 2_400_000 * CNY and owed.organisation_id is None


def test_weihai_deadline_counts_ten_working_days_from_the_confirmation(
    session: Session, world: World
) -> None:
    setup_pool(session, world, document=preset_data("weihai"))
    loan = _loan(session, world, amount=1_000_000 * CNY)
    # Disbursed Monday 2026-01-05; first instalment one month later; 95 days after it.
    assert first_due(session, loan) == date(2026, 2, 5)
    day = make_npl(session, loan)
    assert day == date(2026, 5, 11)  # a Monday
    claim = claim_decision.file_claim(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0, loss_confirmed_on=day
    )
    # Working days after Mon 11 May: 12-15 May (4), 18-22 May (9), Mon 25 May (10).
    assert claim.deadline_on == date(2026, 5, 25)


def test_the_deadline_skips_china_public_holidays_and_counts_make_up_days(
    session: Session,
) -> None:
    # 国办发明电〔2024〕12号: National Day 1-8 Oct 2025 off; Sun 28 Sep and Sat 11 Oct worked.
    # From Fri 26 Sep: 28 Sep (1), 29 (2), 30 (3), 9 Oct (4), 10 (5), Sat 11 (6), 13 (7),
    # 14 (8), 15 (9), 16 Oct (10).
    scheme = Scheme.from_dict(preset_data("weihai"))
    last = claim_deadline(
        session, scheme, npl_since=None, loss_confirmed_on=date(2025, 9, 26)
    )
    assert last == date(2025, 10, 16)


def test_guangzhou_2025_relending_bonus_and_suspended_compensation(
    session: Session, world: World
) -> None:
    # 穗金管规字〔2025〕1号: 30% for loans of 5-15m, +15 for IP pledges, +5 for relending,
    # at most 50%: a 6m relending loan gets 50%, i.e. 3m CNY of a 6m loss.
    setup_pool(session, world, document=preset_data("guangzhou-2025"))
    first = _loan(session, world, amount=6_000_000 * CNY, relending=True)
    second = _loan(session, world, amount=1_000_000 * CNY)
    assert first.relending and not second.relending
    make_npl(session, first, days=100)
    assert _approve(session, world, first) == {"pool": 3_000_000 * CNY, "bank": 3_000_000 * CNY}
    # The bank's losses this year (6m) exceed 3% of what it enrolled this year (7m): its
    # claims wait (暂缓补偿), enrolment goes on.
    claim = claim_decision.file_claim(
        session, actor=world.users["bank_officer"], loan_id=second.id or 0
    )
    paid_before = pool.pool_balance(session)
    with pytest.raises(claim_plan.CompensationSuspended) as caught:
        claim_decision.decide_claim(
            session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason=""
        )
    assert "suspended for 2026" in caught.value.message
    session.refresh(claim)
    assert claim.status is ClaimStatus.FILED and pool.pool_balance(session) == paid_before
    third = _loan(session, world, amount=500_000 * CNY)
    assert third.enrolment is Enrolment.ENROLLED


def test_anhui_refuses_a_loan_above_the_borrowers_guaranteed_balance(
    session: Session, world: World
) -> None:
    # Anhui 4321: 单户在保余额 at most 20m CNY. 12m outstanding + a new 9m = 21m > 20m.
    setup_pool(session, world, document=preset_data("anhui-4321"))
    _loan(session, world, amount=12_000_000 * CNY)
    second = _loan(session, world, amount=9_000_000 * CNY)
    assert second.enrolment is Enrolment.NOT_ENROLLED
    assert second.enrolment_reasons == [
        "the borrower's guaranteed balance would be 21,000,000.00 CNY, above the scheme's "
        "limit of 20,000,000.00 CNY a borrower"
    ]


def test_the_schemes_page_marks_a_superseded_preset_and_shows_the_new_fields(
    session: Session, world: World, client: FlaskClient
) -> None:
    setup_pool(session, world, document=preset_data("shenzhen-2018"))
    set_day(session, date(2026, 2, 1))
    pool.add_scheme_version(
        session,
        actor=world.users["bureau"],
        document=preset_data("weihai"),
        effective_from=date(2026, 2, 1),
    )
    sign_in(client, world.users["bureau"])
    page = html.unescape(client.get("/pool/schemes").get_data(as_text=True))
    assert "scheme replaced:" in page and "1:1" in page  # Shenzhen's superseded_by names it
    assert "only the IP-backed part is covered" in page
    assert "10 working days after the provincial bureau confirms the loss" in page
    assert "Provincial fund" in page
    assert "shenzhen-2018 (superseded)" in page


def test_a_company_registers_as_high_tech_and_its_assets_are_valued_at_15_percent(
    client: FlaskClient, session: Session
) -> None:
    response = client.post("/register", data=registration(high_tech="y"), follow_redirects=True)
    assert response.status_code == 200
    org = session.exec(
        select(Organisation).where(Organisation.name == "Zhongshan Test Optics Co.")
    ).one()
    assert org.high_tech is True
    user = session.exec(select(User).where(User.organisation_id == org.id)).one()
    asset = make_asset(session, user)
    stored = valuation_svc.latest(session, asset.id or 0)
    assert stored is not None and stored.result["tax_rate_bp"] == 1500
