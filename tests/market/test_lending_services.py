"""The whole life of an IP pledge loan through the services, on SQLite and PostgreSQL:
request -> offer -> approve -> accept -> pledge -> enrol -> disburse -> repay, and
-> default -> claim -> split -> recovery; illegal moves are 409s that change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.kinds import AssetKind, DisposalKind, RepaymentKind
from market.domain.schedule import Classification, RepaymentType
from market.domain.states import (
    AssetStatus,
    ClaimStatus,
    Enrolment,
    LoanStatus,
    OfferStatus,
    PledgeStatus,
    RequestStatus,
)
from market.models.assets import IPAsset
from market.models.audit import AuditEvent
from market.models.lending import FinancingRequest, Loan, Offer
from market.models.pool import BankSuspension, LedgerEntry, Receivable
from market.services import acceptance as acceptance_svc
from market.services import assets as asset_svc
from market.services import claim_decision, claims, pool, recoveries, servicing
from market.services import offers as offer_svc
from market.services import repayment as repayment_svc
from market.services import requests as request_svc
from market.services import valuations as valuation_svc
from market.services.clock import business_date
from tests.market.conftest import World
from tests.market.factories import asset_input, make_asset
from tests.market.lending_fixtures import (
    DEMO_SCHEME,
    POOL_FUNDS,
    START,
    collateral,
    first_due,
    make_claim,
    make_loan,
    make_npl,
    make_offer,
    make_request,
    offer_input,
    set_day,
    setup_pool,
)


def _events(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


def _pay_due(session: Session, world: World, loan: Loan) -> None:
    """Pay whatever is due on the business date."""
    assert loan.id is not None
    due = servicing.loan_position(session, loan).due_now
    repayment_svc.record_repayment(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id,
        amount=due,
        kind=RepaymentKind.SCHEDULED,
    )


# --- request and offers ----------------------------------------------------------------------


def test_request_sums_the_valuations_max_loan_of_a_mixed_pledge(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    chosen = collateral(session, world)
    chosen.append(make_asset(session, world.sme, AssetKind.GI_MARK))
    request = make_request(session, world, assets=chosen)
    values = valuation_svc.latest_for_assets(session, [a.id for a in chosen if a.id])
    assert request.max_loan == sum(v.max_loan for v in values.values()) > 0
    linked = request_svc.request_assets(session, request.id or 0)
    assert {a.id for _, a, _ in linked} == {a.id for a in chosen}
    assert {v.id for _, _, v in linked} == {v.id for v in values.values()}


def test_bad_requests_are_refused_with_field_errors(session: Session, world: World) -> None:
    setup_pool(session, world)
    mine = make_asset(session, world.sme)
    theirs = make_asset(session, world.users["other_sme"])
    before = _events(session)
    with pytest.raises(ValidationFailed) as caught:
        request_svc.create_request(
            session,
            actor=world.sme,
            data=request_svc.RequestInput(
                asset_ids=[mine.id or 0, theirs.id or 0],
                amount=0,
                term_months=0,
                purpose="",
                bank_id=world.users["insurer"].organisation_id,
            ),
        )
    assert set(caught.value.errors) == {"asset_ids", "amount", "term_months", "purpose", "bank_id"}
    assert session.exec(select(FinancingRequest)).first() is None
    assert _events(session) == before
    with pytest.raises(PermissionDenied):
        request_svc.create_request(
            session,
            actor=world.users["bank_officer"],
            data=request_svc.RequestInput(
                asset_ids=[mine.id or 0], amount=1, term_months=1, purpose="Working capital"
            ),
        )


def test_offer_above_the_max_loan_needs_a_written_override(session: Session, world: World) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    officer = world.users["bank_officer"]
    too_much = request.max_loan + 100
    with pytest.raises(ValidationFailed) as caught:
        offer_svc.propose_offer(
            session,
            actor=officer,
            request_id=request.id or 0,
            data=offer_input(amount=too_much, override_reason=""),
        )
    assert "override_reason" in caught.value.errors
    offer = offer_svc.propose_offer(
        session,
        actor=officer,
        request_id=request.id or 0,
        data=offer_input(amount=too_much, override_reason="Export contracts signed for 2027."),
    )
    assert offer.override_reason and offer.status is OfferStatus.PENDING_APPROVAL
    within = make_request(session, world)
    plain = offer_svc.propose_offer(
        session,
        actor=officer,
        request_id=within.id or 0,
        data=offer_input(amount=within.max_loan, override_reason="not needed"),
    )
    assert plain.override_reason == ""


def test_maker_checker_the_proposer_never_approves(session: Session, world: World) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    offer = make_offer(session, world, request.id or 0, approve=False)
    with pytest.raises(PermissionDenied):  # an officer is not an approver
        offer_svc.decide_offer(
            session, actor=world.users["bank_officer"], offer_id=offer.id or 0, approve=True
        )
    # Even if a proposer held the approver role, the database refuses the same person.
    session.execute(
        text("UPDATE offer SET proposed_by_id = :u WHERE id = :o"),
        {"u": world.users["bank_approver"].id, "o": offer.id},
    )
    session.commit()
    session.refresh(offer)
    with pytest.raises(PermissionDenied):
        offer_svc.decide_offer(
            session, actor=world.users["bank_approver"], offer_id=offer.id or 0, approve=True
        )
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE offer SET approved_by_id = proposed_by_id WHERE id = :o"),
            {"o": offer.id},
        )
    nested.rollback()


def test_sme_sees_only_approved_offers_and_compares_them(session: Session, world: World) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    pending = make_offer(session, world, request.id or 0, approve=False)
    assert offer_svc.offers_for(session, actor=world.sme, request=request) == []
    approved = offer_svc.decide_offer(
        session, actor=world.users["bank_approver"], offer_id=pending.id or 0, approve=True
    )
    shown = offer_svc.offers_for(session, actor=world.sme, request=request)
    assert [o.id for o in shown] == [approved.id]
    figures = offer_svc.offer_figures(session, approved, insured=True)
    # 1m CNY at 4.35% over 12 months, equal instalments: 85,309.90 a month.
    assert figures.first_payment == 85_309_90
    # Interest accrues by the day at 4.35% / 360 on the actual days of each month (DOMAIN.md
    # "Loan servicing rules"; was 23,718.79 at rate / 12 a month): worked out here month by
    # month, each month's interest rounded half up to the fen, the last month takes the rest.
    balance, total, previous = 1_000_000_00, 0, START
    for month in range(1, 13):
        due = date(2026 + (month // 12), month % 12 + 1, 5)
        interest = int(
            Fraction(balance * 435 * (due - previous).days, 10_000 * 360) + Fraction(1, 2)
        )
        total += interest
        balance -= balance if month == 12 else 85_309_90 - interest
        previous = due
    assert figures.total_interest == total
    assert 23_718_79 < total < 24_100_00  # a year of actual days is 365/360 of 30/360's
    assert figures.subsidy == figures.total_interest * 5000 // 10000
    assert figures.premium == 1_000_000_00 * 200 // 10000


def test_declined_request_shows_the_reason_and_the_bank_cannot_offer(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    with pytest.raises(ValidationFailed):
        request_svc.decline_request(
            session, actor=world.users["bank_officer"], request_id=request.id or 0, reason=""
        )
    request_svc.decline_request(
        session,
        actor=world.users["bank_officer"],
        request_id=request.id or 0,
        reason="Revenue history too short for our IP lending policy.",
    )
    assert [d.reason for d in request_svc.declines_for(session, request.id or 0)] == [
        "Revenue history too short for our IP lending policy."
    ]
    with pytest.raises(Conflict):
        offer_svc.propose_offer(
            session,
            actor=world.users["bank_officer"],
            request_id=request.id or 0,
            data=offer_input(),
        )


def test_request_to_one_bank_is_invisible_to_others(session: Session, world: World) -> None:
    from market.domain.kinds import OrgKind, Role
    from tests.market.factories import make_org, make_user

    setup_pool(session, world)
    other_bank = make_org(session, OrgKind.BANK)
    outsider = make_user(session, other_bank, Role.BANK_OFFICER)
    request = make_request(session, world, bank_id=world.bank.id)
    assert request_svc.list_requests_for(session, actor=outsider) == []
    with pytest.raises(PermissionDenied):
        request_svc.get_request_for(session, actor=outsider, request_id=request.id or 0)
    with pytest.raises(PermissionDenied):
        offer_svc.propose_offer(
            session, actor=outsider, request_id=request.id or 0, data=offer_input()
        )
    asset_id = request_svc.request_assets(session, request.id or 0)[0][1].id or 0
    with pytest.raises(PermissionDenied):
        asset_svc.get_asset_for(session, actor=outsider, asset_id=asset_id)
    seen = asset_svc.get_asset_for(session, actor=world.users["bank_officer"], asset_id=asset_id)
    assert seen.id == asset_id


# --- acceptance, pledges, enrolment ----------------------------------------------------------


def test_accepting_makes_the_loan_pledges_every_asset_and_enrols_it(
    session: Session, world: World
) -> None:
    version = setup_pool(session, world)
    request = make_request(session, world)
    offer = make_offer(session, world, request.id or 0)
    loan = acceptance_svc.accept_offer(session, actor=world.sme, offer_id=offer.id or 0)
    assert loan.principal == offer.amount and loan.status is LoanStatus.AWAITING_DISBURSEMENT
    assert loan.enrolment is Enrolment.ENROLLED and loan.scheme_version_id == version.id
    assert loan.enrolled_on == START and loan.enrolment_reasons == []
    pledges = servicing.pledges(session, loan.id or 0)
    linked = request_svc.request_assets(session, request.id or 0)
    assert sorted(p.asset_id for p in pledges) == sorted(a.id or 0 for _, a, _ in linked)
    numbers = [p.registration_number for p in pledges]
    assert all(n.startswith(f"ZY{START.year}") and len(n) == 14 for n in numbers)
    assert len(set(numbers)) == len(numbers)
    session.refresh(request)
    assert request.status is RequestStatus.ACCEPTED


def test_accepting_one_offer_lapses_the_others(session: Session, world: World) -> None:
    from market.domain.kinds import OrgKind, Role
    from tests.market.factories import make_org, make_user

    setup_pool(session, world)
    request = make_request(session, world)
    mine = make_offer(session, world, request.id or 0)
    bank2 = make_org(session, OrgKind.BANK)
    officer2 = make_user(session, bank2, Role.BANK_OFFICER)
    approver2 = make_user(session, bank2, Role.BANK_APPROVER)
    other = offer_svc.propose_offer(
        session, actor=officer2, request_id=request.id or 0, data=offer_input(rate_bp=480)
    )
    other = offer_svc.decide_offer(session, actor=approver2, offer_id=other.id or 0, approve=True)
    acceptance_svc.accept_offer(session, actor=world.sme, offer_id=mine.id or 0)
    session.refresh(other)
    assert other.status is OfferStatus.LAPSED
    before = _events(session)
    with pytest.raises(Conflict):
        acceptance_svc.accept_offer(session, actor=world.sme, offer_id=other.id or 0)
    with pytest.raises(Conflict):
        acceptance_svc.accept_offer(session, actor=world.sme, offer_id=mine.id or 0)
    assert _events(session) == before
    assert len(session.exec(select(Loan)).all()) == 1


def test_offers_expire_after_thirty_days(session: Session, world: World) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    offer = make_offer(session, world, request.id or 0)
    assert offer.expires_on == START + timedelta(days=offer_svc.OFFER_VALID_DAYS)
    set_day(session, START + timedelta(days=offer_svc.OFFER_VALID_DAYS + 1))
    session.refresh(offer)
    assert offer.status is OfferStatus.EXPIRED
    with pytest.raises(Conflict):
        acceptance_svc.accept_offer(session, actor=world.sme, offer_id=offer.id or 0)


def test_a_pledged_asset_cannot_be_pledged_again_withdrawn_or_edited(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    shared = collateral(session, world)
    first = make_request(session, world, assets=shared)
    second = make_request(session, world, assets=shared[:1])
    offer1 = make_offer(session, world, first.id or 0)
    offer2 = make_offer(session, world, second.id or 0)
    acceptance_svc.accept_offer(session, actor=world.sme, offer_id=offer1.id or 0)
    before = _events(session)
    with pytest.raises(Conflict, match="already pledged"):
        acceptance_svc.accept_offer(session, actor=world.sme, offer_id=offer2.id or 0)
    session.refresh(offer2)
    assert offer2.status is OfferStatus.APPROVED and _events(session) == before
    asset = shared[0]
    with pytest.raises(Conflict, match="active pledge"):
        asset_svc.withdraw_asset(session, actor=world.sme, asset_id=asset.id or 0)
    with pytest.raises(Conflict, match="active pledge"):
        asset_svc.update_asset(
            session,
            actor=world.sme,
            asset_id=asset.id or 0,
            data=asset_input(registry_number=asset.registry_number, annual_revenue=1),
            row_version=asset.row_version,
        )
    # A pledged asset is not offered for a new request either.
    assert asset.id not in {a.id for a, _ in request_svc.eligible_assets(session, actor=world.sme)}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ip_asset SET status = 'withdrawn' WHERE id = :a",
        "UPDATE ip_asset SET annual_revenue = 1 WHERE id = :a",
        "UPDATE ip_asset SET row_version = row_version + 1 WHERE id = :a",
        "INSERT INTO pledge (loan_id, asset_id, valuation_id, registration_number, status, "
        "registered_on, release_reason, created_at) SELECT loan_id, asset_id, valuation_id, "
        "'ZYDUP', 'active', registered_on, '', created_at FROM pledge WHERE asset_id = :a",
    ],
)
def test_the_database_guards_pledged_assets(session: Session, world: World, statement: str) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world, disburse=False)
    asset_id = servicing.pledges(session, loan.id or 0)[0].asset_id
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(text(statement), {"a": asset_id})
    nested.rollback()
    # Unrelated columns stay editable (e.g. nothing), and a live asset can still be pledged.
    assert session.get(IPAsset, asset_id).status is AssetStatus.ACTIVE  # type: ignore[union-attr]


def test_a_withdrawn_asset_cannot_be_pledged_in_the_database(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world, disburse=False)
    spare = make_asset(session, world.sme)
    asset_svc.withdraw_asset(session, actor=world.sme, asset_id=spare.id or 0)
    valuation = valuation_svc.latest(session, spare.id or 0)
    assert valuation is not None
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO pledge (loan_id, asset_id, valuation_id, registration_number, "
                "status, registered_on, release_reason, created_at) VALUES "
                "(:l, :a, :v, 'ZYW', 'active', :d, '', :t)"
            ),
            {
                "l": loan.id,
                "a": spare.id,
                "v": valuation.id,
                "d": START,
                "t": "2026-01-05 00:00:00+00:00",
            },
        )
    nested.rollback()


def test_ineligible_loans_are_told_why(session: Session, world: World) -> None:
    # A small pool: 10 x 50,000 CNY of leverage cannot carry a 1m loan.
    setup_pool(session, world, funds=50_000_00)
    loan = make_loan(session, world, disburse=False)
    assert loan.enrolment is Enrolment.NOT_ENROLLED
    assert any("leverage" in r for r in loan.enrolment_reasons)


def test_no_scheme_in_force_means_not_enrolled(session: Session, world: World) -> None:
    set_day(session, START)
    loan = make_loan(session, world, disburse=False)
    assert loan.enrolment is Enrolment.NOT_ENROLLED
    assert loan.enrolment_reasons == ["no risk-compensation scheme is in force"]


# --- disbursement, schedule, repayment -------------------------------------------------------


def test_disbursement_fixes_the_schedule_subsidy_and_premium(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world, repayment_type=RepaymentType.EQUAL_PRINCIPAL)
    rows = servicing.instalments(session, loan.id or 0)
    assert len(rows) == 12 and sum(r.principal_due for r in rows) == loan.principal
    assert rows[0].principal_due == loan.principal // 12
    assert rows[-1].principal_due == loan.principal - 11 * (loan.principal // 12)
    assert rows[0].due_on == date(2026, 2, 5) and loan.maturity_on == date(2027, 1, 5)
    # The subsidy is earned on interest actually paid, not fixed on the scheduled interest at
    # payout (DOMAIN.md "Loan servicing rules": 贴息 is paid on interest actually paid).
    assert loan.interest_subsidy == 0
    assert loan.insurance_premium == 2_000_000  # 2% of 1m CNY for one year
    with pytest.raises(Conflict):
        repayment_svc.disburse(session, actor=world.users["bank_officer"], loan_id=loan.id or 0)


def test_whole_life_to_repayment_releases_the_pledges(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    assert loan.id is not None
    for row in servicing.instalments(session, loan.id):
        set_day(session, row.due_on)
        _pay_due(session, world, loan)
    session.refresh(loan)
    assert loan.status is LoanStatus.REPAID and loan.classification is Classification.NORMAL
    assert all(p.status is PledgeStatus.RELEASED for p in servicing.pledges(session, loan.id))
    paid = servicing.repayments(session, loan.id)
    assert sum(p.principal for p in paid) == loan.principal
    # The released assets can be edited again.
    asset = session.get(IPAsset, servicing.pledges(session, loan.id)[0].asset_id)
    assert asset is not None
    asset_svc.withdraw_asset(session, actor=world.sme, asset_id=asset.id or 0)
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    for step in (
        "request.create",
        "offer.propose",
        "offer.approve",
        "offer.accepted",
        "loan.create",
        "pledge.register",
        "loan.enrol",
        "loan.disburse",
        "loan.repayment",
        "pledge.release",
    ):
        assert step in actions, step


def test_early_and_full_repayment(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    assert loan.id is not None
    officer = world.users["bank_officer"]
    set_day(session, first_due(session, loan))
    due = servicing.loan_position(session, loan).due_now
    with pytest.raises(ValidationFailed):  # an early repayment must exceed what is due
        repayment_svc.record_repayment(
            session, actor=officer, loan_id=loan.id, amount=due, kind=RepaymentKind.EARLY
        )
    repayment_svc.record_repayment(
        session, actor=officer, loan_id=loan.id, amount=due + 200_000_00, kind=RepaymentKind.EARLY
    )
    rows = servicing.instalments(session, loan.id)
    where = servicing.loan_position(session, loan)
    expected_left = loan.principal - rows[0].principal_due - 200_000_00
    assert where.outstanding_principal == expected_left
    # Keep the term (the default): the 11 instalments not yet due are recomputed on the lower
    # balance, none is paid ahead (the old rule took the prepayment off the last instalments).
    assert len(rows) == 12 and rows[-1].principal_paid == 0
    # Lower instalments: instalment 3 is below instalment 1's 85,309.90 (the same 4.35% level
    # payment on less principal).
    assert rows[2].principal_due + rows[2].interest_due < 85_309_90
    assert rows[1].interest_due < 332_889  # later interest follows the lower balance
    with pytest.raises(ValidationFailed):
        repayment_svc.record_repayment(
            session,
            actor=officer,
            loan_id=loan.id,
            amount=where.payoff - 1,
            kind=RepaymentKind.FULL,
        )
    repayment_svc.record_repayment(
        session, actor=officer, loan_id=loan.id, amount=where.payoff, kind=RepaymentKind.FULL
    )
    session.refresh(loan)
    assert loan.status is LoanStatus.REPAID
    assert servicing.loan_position(session, loan).outstanding_principal == 0


def test_overpaying_the_schedule_is_refused(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    before = _events(session)
    with pytest.raises(ValidationFailed):
        repayment_svc.record_repayment(
            session,
            actor=world.users["bank_officer"],
            loan_id=loan.id or 0,
            amount=10 * loan.principal,
            kind=RepaymentKind.SCHEDULED,
        )
    assert _events(session) == before
    with pytest.raises(PermissionDenied):
        repayment_svc.record_repayment(
            session,
            actor=world.sme,
            loan_id=loan.id or 0,
            amount=1,
            kind=RepaymentKind.SCHEDULED,
        )


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # 商业银行金融资产风险分类办法 (2023 No. 1) art. 11-13: any overdue amount is at least
        # special mention (grace 0 by default); MORE than 90 days substandard, more than 270
        # doubtful, more than 360 loss. (The old test had 90 -> substandard, 180 -> doubtful.)
        (0, Classification.NORMAL),
        (1, Classification.SPECIAL_MENTION),
        (90, Classification.SPECIAL_MENTION),
        (91, Classification.SUBSTANDARD),
        (270, Classification.SUBSTANDARD),
        (271, Classification.DOUBTFUL),
        (360, Classification.DOUBTFUL),
        (361, Classification.LOSS),
    ],
)
def test_the_business_date_drives_days_past_due_and_the_class(
    session: Session, world: World, days: int, expected: Classification
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    set_day(session, first_due(session, loan) + timedelta(days=days))
    session.refresh(loan)
    assert loan.days_past_due == days and loan.classification is expected


def test_thresholds_are_configurable(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    set_day(session, first_due(session, loan) + timedelta(days=30))
    session.refresh(loan)
    assert loan.classification is Classification.SPECIAL_MENTION
    with pytest.raises(ValidationFailed):
        servicing.set_thresholds(session, actor=world.admin, text="1/90/60/360")
    with pytest.raises(ValidationFailed):  # later than the 2023 rule's 90 days
        servicing.set_thresholds(session, actor=world.admin, text="0/120/270/360")
    servicing.set_thresholds(session, actor=world.admin, text="1/29/60/90")
    session.refresh(loan)
    # 30 days past due is MORE than 29: substandard under the stricter bank setting.
    assert loan.classification.value == "substandard"
    with pytest.raises(PermissionDenied):
        servicing.set_thresholds(session, actor=world.users["bureau"], text="1/90/180/360")


# --- default, claim, split, recovery ---------------------------------------------------------


def test_default_claim_split_and_recovery(session: Session, world: World) -> None:
    version = setup_pool(session, world)
    loan = make_loan(session, world)
    assert loan.id is not None
    with pytest.raises(Conflict):  # performing loans are not claimed on
        make_claim(session, world, loan)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    assert claim.loss == loan.principal  # nothing was repaid
    # Non-performing from the 91st day past due (2023 rule: MORE than 90 days), then the
    # demo scheme's 180 days to claim.
    assert claim.deadline_on == first_due(session, loan) + timedelta(days=91 + 180)
    balance = pool.pool_balance(session)
    claim_decision.decide_claim(
        session,
        actor=world.users["bureau"],
        claim_id=claim.id or 0,
        approve=True,
        reason="Documents complete.",
    )
    session.refresh(claim)
    assert claim.status is ClaimStatus.APPROVED
    assert claim.split == {
        "pool": 54_000_000,
        "bank": 26_000_000,
        "insurer": 16_000_000,
        "valuer": 4_000_000,
    }
    assert pool.pool_balance(session) == balance - 54_000_000
    owed = {r.party: (r.organisation_id, r.amount) for r in session.exec(select(Receivable))}
    assert owed == {
        "insurer": (world.users["insurer"].organisation_id, 16_000_000),
        "valuer": (world.users["valuer"].organisation_id, 4_000_000),
    }
    assert version.id == claim.scheme_version_id
    # Recovery: the pledged patent is sold for 300,000 CNY, back 54:26:16:4.
    rec = recoveries.record_recovery(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id,
        disposal=DisposalKind.AUCTION,
        proceeds=30_000_000,
        counterparty="Provincial IP exchange",
    )
    assert rec.distribution == {
        "pool": 16_200_000,
        "bank": 7_800_000,
        "insurer": 4_800_000,
        "valuer": 1_200_000,
    }
    assert pool.pool_balance(session) == balance - 54_000_000 + 16_200_000
    assert all(p.status is PledgeStatus.ACTIVE for p in servicing.pledges(session, loan.id))
    recoveries.record_recovery(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id,
        disposal=DisposalKind.LICENCE,
        proceeds=1_000_001,
        closes=True,
    )
    session.refresh(loan)
    assert loan.status is LoanStatus.CLOSED
    assert all(p.status is PledgeStatus.RELEASED for p in servicing.pledges(session, loan.id))
    assert pool.ledger_is_balanced(session)


def test_rejected_claim_puts_the_loan_back_and_can_be_filed_again(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    with pytest.raises(Conflict):  # one live claim per loan
        make_claim(session, world, loan)
    balance = pool.pool_balance(session)
    with pytest.raises(ValidationFailed):
        claim_decision.decide_claim(
            session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=False, reason=""
        )
    claim_decision.decide_claim(
        session,
        actor=world.users["bureau"],
        claim_id=claim.id or 0,
        approve=False,
        reason="Collection efforts not documented.",
    )
    session.refresh(loan)
    assert loan.status is LoanStatus.ACTIVE and pool.pool_balance(session) == balance
    with pytest.raises(Conflict):
        claim_decision.decide_claim(
            session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason=""
        )
    again = make_claim(session, world, loan)
    assert again.id != claim.id


def test_claims_after_the_deadline_are_refused(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    # Non-performing from the 91st day past due (2023 rule: more than 90 days), then the demo
    # scheme's 180 days: the day after the deadline is 91 + 181 days past due.
    make_npl(session, loan, days=91 + 181)
    with pytest.raises(Conflict, match="deadline"):
        make_claim(session, world, loan)


def test_the_pool_pays_only_up_to_its_balance(session: Session, world: World) -> None:
    document = {**DEMO_SCHEME, "leverage": "1000"}
    setup_pool(session, world, document=document, funds=100_000_00)  # 100k CNY
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    session.refresh(claim)
    assert claim.split["pool"] == 100_000_00 and pool.pool_balance(session) == 0
    assert sum(claim.split.values()) == claim.loss
    assert claim.split["bank"] == 26_000_000 + 54_000_000 - 100_000_00


def test_a_loan_keeps_its_scheme_version_for_life(session: Session, world: World) -> None:
    first = setup_pool(session, world)
    loan = make_loan(session, world)
    newer = pool.add_scheme_version(
        session,
        actor=world.users["bureau"],
        document={
            **DEMO_SCHEME,
            "shares": {"pool": 4000, "bank": 4000, "insurer": 1600, "valuer": 400},
        },
        effective_from=business_date(session) + timedelta(days=1),
        partners={
            "insurer": world.users["insurer"].organisation_id,
            "valuer": world.users["valuer"].organisation_id,
        },
    )
    assert newer.version == first.version + 1
    make_npl(session, loan)
    assert pool.scheme_in_force(session, business_date(session)).id == newer.id  # type: ignore[union-attr]
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    session.refresh(claim)
    assert claim.scheme_version_id == first.id and claim.split["pool"] == 54_000_000


def test_losses_past_the_trigger_suspend_the_bank_until_the_bureau_lifts_it(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    suspension = pool.live_suspension(session, world.bank.id or 0)
    assert suspension is not None and "3%" in suspension.reason
    blocked = make_loan(session, world, disburse=False)
    assert blocked.enrolment is Enrolment.NOT_ENROLLED
    assert any("suspended" in r for r in blocked.enrolment_reasons)
    with pytest.raises(PermissionDenied):
        pool.lift_suspension(
            session,
            actor=world.users["bank_approver"],
            suspension_id=suspension.id or 0,
            reason="Please",
        )
    pool.lift_suspension(
        session,
        actor=world.users["bureau"],
        suspension_id=suspension.id or 0,
        reason="Recovery plan agreed with the bank.",
    )
    enrolled = make_loan(session, world, disburse=False)
    assert enrolled.enrolment is Enrolment.ENROLLED
    assert len(session.exec(select(BankSuspension)).all()) == 1


# --- the pool ledger -------------------------------------------------------------------------


def test_the_ledger_is_append_only_and_corrections_are_new_entries(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    txn = pool.contribute(session, actor=world.users["bureau"], amount=5_000_00, memo="Top-up")
    assert pool.pool_balance(session) == POOL_FUNDS + 5_000_00
    for statement in ("UPDATE ledger_entry SET debit = debit + 1", "DELETE FROM ledger_entry"):
        nested = session.begin_nested()
        # A trigger refuses it; on PostgreSQL the site's role has not even the privilege.
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        nested.rollback()
    pool.reverse(session, actor=world.users["bureau"], txn=txn, reason="Entered twice")
    assert pool.pool_balance(session) == POOL_FUNDS
    assert len(session.exec(select(LedgerEntry).where(LedgerEntry.txn == txn)).all()) == 2
    with pytest.raises(Conflict):
        pool.reverse(session, actor=world.users["bureau"], txn=txn, reason="again")
    with pytest.raises(ValidationFailed):
        pool.contribute(session, actor=world.users["bureau"], amount=0, memo="")
    with pytest.raises(PermissionDenied):
        pool.contribute(session, actor=world.admin, amount=1, memo="")


def test_invariant_checks_catch_an_unbalanced_ledger(session: Session, world: World) -> None:
    from tests.market.invariants import check_invariants

    setup_pool(session, world)
    nested = session.begin_nested()
    session.execute(
        text(
            "INSERT INTO ledger_entry (txn, posted_on, account, debit, credit, memo, created_at)"
            " VALUES ('broken', :d, 'pool_cash', 5, 0, '', :t)"
        ),
        {"d": START, "t": "2026-01-05 00:00:00+00:00"},
    )
    assert "every ledger transaction balances" in check_invariants(session.connection())
    nested.rollback()
    assert check_invariants(session.connection()) == []


def test_illegal_transitions_are_conflicts(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world, disburse=False)
    officer = world.users["bank_officer"]
    with pytest.raises(Conflict):
        repayment_svc.record_repayment(
            session, actor=officer, loan_id=loan.id or 0, amount=1, kind=RepaymentKind.SCHEDULED
        )
    with pytest.raises(Conflict):
        request_svc.withdraw_request(session, actor=world.sme, request_id=loan.request_id)
    with pytest.raises(Conflict):
        recoveries.record_recovery(
            session, actor=officer, loan_id=loan.id or 0, disposal=DisposalKind.SALE, proceeds=1
        )
    offer = session.get(Offer, loan.offer_id)
    assert offer is not None
    with pytest.raises(Conflict):
        offer_svc.decide_offer(
            session, actor=world.users["bank_approver"], offer_id=offer.id or 0, approve=True
        )


def test_the_timeline_shows_each_party_what_it_may_see(session: Session, world: World) -> None:
    from market.domain.kinds import OrgKind, Role
    from market.services.timeline import request_timeline
    from tests.market.factories import make_org, make_user

    setup_pool(session, world)
    request = make_request(session, world)
    approved = make_offer(session, world, request.id or 0)
    other_bank = make_org(session, OrgKind.BANK)
    pending = offer_svc.propose_offer(
        session,
        actor=make_user(session, other_bank, Role.BANK_OFFICER),
        request_id=request.id or 0,
        data=offer_input(),
    )

    def offers_seen(user: object) -> set[int | None]:
        events = request_timeline(session, actor=user, request=request)  # type: ignore[arg-type]
        return {e.object_id for e in events if e.object_type == "Offer"}

    assert offers_seen(world.sme) == {approved.id}
    assert offers_seen(world.users["bank_officer"]) == {approved.id}
    assert offers_seen(world.users["bureau"]) == {approved.id, pending.id}


def test_the_annual_budget_cap_limits_what_the_pool_pays(session: Session, world: World) -> None:
    setup_pool(session, world, document={**DEMO_SCHEME, "annual_budget_cap": 60_000_000})
    first = make_loan(session, world)
    second = make_loan(session, world)
    make_npl(session, first)
    for loan in (first, second):
        claim = make_claim(session, world, loan)
        claim_decision.decide_claim(
            session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
        )
        session.refresh(claim)
        assert sum(claim.split.values()) == claim.loss
    paid = [c.split["pool"] for c in claims.list_claims(session, status=ClaimStatus.APPROVED)]
    # 540,000 CNY for the first loss, then only the 60,000 CNY left of the 600,000 budget.
    assert sorted(paid) == [6_000_000, 54_000_000]
