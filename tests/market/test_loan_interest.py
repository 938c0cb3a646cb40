"""Daily interest, prepayments, penalty interest and interest subsidies on a serviced loan.

The loan: 1,000,000.00 CNY (100,000,000 fen) at 3.60% a year, equal principal over 12 months,
paid out on 2026-01-05, actual/360 - so interest is exactly 0.01% of the balance a day
(100,000,000 x 0.036 / 360 = 10,000 fen a day). Instalment 1: principal 100,000,000 // 12 =
8,333,333; interest 31 days x 10,000 = 310,000 (due 2026-02-05).
Sources: DOMAIN.md "Loan servicing rules (China)": daily accrual at rate / 360; payoff and
prepayment between due dates pay interest to that day; 罚息 (银发〔2003〕251号: contract rate
+30-50%) and 复利; 贴息 on interest actually paid; 民法典 art. 561 for the allocation order.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.interest import PrepayMode
from market.domain.kinds import LedgerAccount, RepaymentKind
from market.domain.money import format_fen
from market.domain.schedule import Classification, RepaymentType
from market.domain.states import LoanStatus
from market.models.lending import Loan
from market.models.pool import LedgerEntry
from market.services import pool, servicing, subsidies
from market.services import repayment as repayment_svc
from riskpool import Scheme
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import make_loan, set_day, setup_pool

FIRST_PRINCIPAL = 8_333_333
FIRST_INTEREST = 310_000
FIRST_DUE = date(2026, 2, 5)
AFTER_FIRST = 100_000_000 - FIRST_PRINCIPAL  # 91,666,667


def _loan(session: Session, world: World) -> Loan:
    setup_pool(session, world)
    return make_loan(session, world, rate_bp=360, repayment_type=RepaymentType.EQUAL_PRINCIPAL)


def _pay(
    session: Session, world: World, loan: Loan, amount: int, kind: RepaymentKind, **kw: object
):  # type: ignore[no-untyped-def]
    return repayment_svc.record_repayment(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id or 0,
        amount=amount,
        kind=kind,
        **kw,  # type: ignore[arg-type]
    )


def _pay_first(session: Session, world: World, loan: Loan) -> None:
    set_day(session, FIRST_DUE)
    _pay(session, world, loan, FIRST_PRINCIPAL + FIRST_INTEREST, RepaymentKind.SCHEDULED)


def test_the_schedule_accrues_by_the_actual_days(session: Session, world: World) -> None:
    loan = _loan(session, world)
    rows = servicing.instalments(session, loan.id or 0)
    assert (rows[0].principal_due, rows[0].interest_due) == (FIRST_PRINCIPAL, FIRST_INTEREST)
    # February has 28 days: 91,666,667 x 0.0001 x 28 = 256,666.67 -> 256,667.
    assert rows[1].interest_due == 256_667
    assert loan.day_count.value == "actual_360"


def test_a_repayment_on_disbursement_day_owes_no_interest(session: Session, world: World) -> None:
    loan = _loan(session, world)
    with pytest.raises(ValidationFailed):  # nothing is due yet: no month of interest
        _pay(session, world, loan, 1, RepaymentKind.SCHEDULED)
    paid = _pay(session, world, loan, 10_000_000, RepaymentKind.EARLY)
    assert (paid.principal, paid.interest, paid.penalty) == (10_000_000, 0, 0)
    rows = servicing.instalments(session, loan.id or 0)
    # Keep the term: 90,000,000 over 12 months = 7,500,000 a month; January's 31 days on
    # 90,000,000 = 279,000. Instalment 1 also carries the 10,000,000 already prepaid.
    assert rows[0].principal_due == 10_000_000 + 7_500_000
    assert rows[0].interest_due == 279_000
    assert len(rows) == 12


def test_a_payoff_between_due_dates_pays_interest_to_that_day(
    session: Session, world: World
) -> None:
    loan = _loan(session, world)
    _pay_first(session, world, loan)
    set_day(session, date(2026, 2, 15))
    where = servicing.loan_position(session, loan)
    # 10 days on 91,666,667: 91,666.667 -> 91,667.
    assert where.accrued_interest == 91_667
    assert where.payoff == AFTER_FIRST + 91_667
    paid = _pay(session, world, loan, AFTER_FIRST + 91_667, RepaymentKind.FULL)
    assert (paid.principal, paid.interest) == (AFTER_FIRST, 91_667)
    session.refresh(loan)
    assert loan.status is LoanStatus.REPAID
    total_interest = sum(r.interest_due for r in servicing.instalments(session, loan.id or 0))
    assert total_interest == FIRST_INTEREST + 91_667


@pytest.mark.parametrize("mode", list(PrepayMode))
def test_a_part_prepayment_keeps_the_term_or_the_instalment(
    session: Session, world: World, mode: PrepayMode
) -> None:
    loan = _loan(session, world)
    _pay_first(session, world, loan)
    set_day(session, date(2026, 2, 15))
    # 10 days into the period: 0.1% interest on what is prepaid; 30,030,000 = 30,000,000
    # principal + 30,000 interest.
    paid = _pay(session, world, loan, 30_030_000, RepaymentKind.EARLY, prepay_mode=mode)
    assert (paid.principal, paid.interest) == (30_000_000, 30_000)
    rows = servicing.instalments(session, loan.id or 0)
    left = AFTER_FIRST - 30_000_000  # 61,666,667
    # February's 28 days on what is left: 61,666,667 x 0.0001 x 28 = 172,666.67 -> 172,667.
    assert rows[1].interest_due == 30_000 + 172_667
    session.refresh(loan)
    if mode is PrepayMode.KEEP_TERM:
        # 61,666,667 over the 11 months left: 5,606,060 a month, the last takes 5,606,067.
        assert rows[1].principal_due == 30_000_000 + 5_606_060
        assert len(rows) == 12 and rows[-1].principal_due == 5_606_067
        assert loan.maturity_on == date(2027, 1, 5)
    else:
        # The same 8,333,333 a month: 7 more of them and 3,333,336 in the eighth.
        assert rows[1].principal_due == 30_000_000 + 8_333_333
        assert len(rows) == 9 and rows[-1].principal_due == 3_333_336
        assert loan.maturity_on == date(2026, 10, 5)
    assert sum(r.principal_due - r.principal_paid for r in rows) == left


def test_overdue_amounts_cost_penalty_interest_collected_first(
    session: Session, world: World
) -> None:
    loan = _loan(session, world)
    set_day(session, date(2026, 2, 15))  # instalment 1 is 10 days overdue
    where = servicing.loan_position(session, loan)
    # 3.60% + 50% = 5.40% a year = 0.015% a day: 8,333,333 x 0.00015 x 10 = 12,499.9995
    # -> 12,500 penalty; 310,000 x 0.00015 x 10 = 465 compound interest.
    assert where.penalty_due == 12_500 + 465
    assert where.due_now == FIRST_PRINCIPAL + FIRST_INTEREST + 12_965
    assert where.days_past_due == 10 and where.classification is Classification.SPECIAL_MENTION
    paid = _pay(session, world, loan, 12_965 + 310_000 + 1_000_000, RepaymentKind.SCHEDULED)
    assert (paid.penalty, paid.interest, paid.principal) == (12_965, 310_000, 1_000_000)
    set_day(session, date(2026, 2, 16))
    # One more day on the 7,333,333 still overdue: 1,099.99995 -> 1,100; no unpaid interest.
    assert servicing.loan_position(session, loan).penalty_due == 1_100


def test_the_subsidy_is_earned_on_interest_paid_and_paid_by_the_bureau(
    session: Session, world: World
) -> None:
    loan = _loan(session, world)
    _pay_first(session, world, loan)
    set_day(session, date(2026, 2, 15))
    _pay(session, world, loan, AFTER_FIRST + 91_667, RepaymentKind.FULL)
    session.refresh(loan)
    # The demo scheme pays 50% of the interest: 310,000 / 2 = 155,000, then 91,667 / 2 =
    # 45,833.5 -> 45,833 (rounded down). A loan paid off early earns only on what was paid,
    # not on the 12 months of scheduled interest.
    assert loan.interest_subsidy == 155_000 + 45_833
    assert subsidies.payable_by_loan(session) == {loan.id: 200_833}
    with pytest.raises(PermissionDenied):
        subsidies.pay_accrued(session, actor=world.users["bank_officer"])
    before = pool.pool_balance(session)
    assert subsidies.pay_accrued(session, actor=world.users["bureau"]) == 200_833
    assert pool.pool_balance(session) == before - 200_833
    assert subsidies.payable_by_loan(session) == {}
    assert subsidies.paid_for_loan(session, loan.id or 0) == 200_833
    with pytest.raises(Conflict):  # paying twice pays nothing
        subsidies.pay_accrued(session, actor=world.users["bureau"])
    assert pool.pool_balance(session) == before - 200_833
    earned = session.exec(
        select(func.sum(LedgerEntry.debit)).where(
            col(LedgerEntry.account) == LedgerAccount.SUBSIDIES
        )
    ).one()
    assert earned == 200_833


def test_the_loan_page_shows_penalty_accrual_and_the_rules(
    client: FlaskClient, session: Session, world: World
) -> None:
    loan = _loan(session, world)
    set_day(session, date(2026, 2, 15))
    sign_in(client, world.sme)
    html = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert format_fen(12_965) in html  # penalty 12,500 + compound 465 (worked above)
    assert format_fen(FIRST_PRINCIPAL + FIRST_INTEREST + 12_965) in html  # due now
    assert "Actual/360" in html and "contract rate plus 50%" in html
    assert "251号" in html and "民法典 (Civil Code of the PRC) art. 561" in html
    zh = client.get(f"/loans/{loan.id}", headers={"Accept-Language": "zh-CN"})
    text = zh.get_data(as_text=True)
    assert "应付罚息和复利" in text and "实际天数/360" in text and format_fen(12_965) in text


def test_the_pool_pays_accrued_subsidies_from_its_page(
    client: FlaskClient, session: Session, world: World
) -> None:
    loan = _loan(session, world)
    _pay_first(session, world, loan)  # 310,000 interest paid: 155,000 subsidy earned
    sign_in(client, world.users["bureau"])
    html = client.get("/pool/subsidies").get_data(as_text=True)
    assert format_fen(155_000) in html and "Pay accrued subsidies" in html
    before = pool.pool_balance(session)
    assert client.post("/pool/subsidies/pay", data=keyed()).status_code == 302
    assert pool.pool_balance(session) == before - 155_000
    # nothing left: no change
    assert client.post("/pool/subsidies/pay", data=keyed()).status_code == 302
    assert pool.pool_balance(session) == before - 155_000
    sign_in(client, world.admin)
    assert "支付应付贴息" not in client.get("/pool/subsidies").get_data(as_text=True)
    zh = client.get("/pool/subsidies", headers={"Accept-Language": "zh-CN"})
    assert "贷款贴息" in zh.get_data(as_text=True)


def test_qingdao_pays_back_part_of_each_years_premium(
    client: FlaskClient, session: Session, world: World
) -> None:
    # Qingdao (docs/schemes.md; qzxia.com): premium 2% a year, paid back 80%, 60%, 40% in loan
    # years 1-3. 1,000,000.00 CNY over 24 months: 20,000.00 a year; back 16,000.00 then
    # 12,000.00.
    setup_pool(session, world, document=Scheme.preset("qingdao").to_dict())
    loan = make_loan(session, world, term_months=24)
    years = subsidies.premium_subsidies(session, loan)
    assert [(y.year, y.premium, y.subsidy) for y in years] == [
        (1, 2_000_000, 1_600_000),
        (2, 2_000_000, 1_200_000),
    ]
    sign_in(client, world.sme)
    html = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert format_fen(1_600_000) in html and format_fen(1_200_000) in html


def test_the_loan_keeps_its_outstanding_principal(session: Session, world: World) -> None:
    loan = _loan(session, world)
    assert loan.outstanding_principal == 100_000_000  # paid out in full
    _pay_first(session, world, loan)
    session.refresh(loan)
    # Instalment 1 repaid 8,333,333 of principal: 100,000,000 - 8,333,333 = 91,666,667.
    assert loan.outstanding_principal == AFTER_FIRST
    set_day(session, date(2026, 2, 15))
    # Paid off ten days into period 2: 91,666,667 principal + 10 days x 9,166.6667 interest.
    _pay(session, world, loan, AFTER_FIRST + 91_667, RepaymentKind.FULL)
    session.refresh(loan)
    assert loan.outstanding_principal == 0 and loan.status is LoanStatus.REPAID
