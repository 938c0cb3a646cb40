"""The guarantee-insurance premium of every loan year, each with that year's subsidy share.

Rule (Qingdao, DOMAIN.md "Scheme details"; riskpool/presets/qingdao.json): premium 2% a year of
the loan; the city pays back 80%, 60% and 40% of the premium in loan years 1-3. A later year's
premium falls due on the anniversary of disbursement (by the business date) if the loan is
still live; a loan repaid before the anniversary is not billed for the next year.

Worked by hand: 1,000,000.00 CNY over 30 months, disbursed 2026-01-05.
- year 1 (12 months): 1,000,000 x 2% = 20,000.00; back 80% = 16,000.00; SME pays 4,000.00.
- year 2 from 2027-01-05 (12 months): 20,000.00; back 60% = 12,000.00; SME pays 8,000.00.
- year 3 from 2028-01-05 (the last 6 months): 1,000,000 x 2% x 6/12 = 10,000.00; back 40% =
  4,000.00; SME pays 6,000.00. There is no year 4.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import RepaymentKind
from market.domain.payments import PaymentPurpose, PaymentStatus
from market.models.lending import Loan
from market.models.payments import Payment
from market.services import payment_dues, payment_fees, servicing
from market.services import repayment as repayment_svc
from riskpool import Scheme
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import make_loan, set_day, setup_pool
from tests.market.payments.helpers import subsidies_posted, text_of

PREMIUM = PaymentPurpose.INSURANCE_PREMIUM


def _loan(session: Session, world: World) -> Loan:
    setup_pool(session, world, document=Scheme.preset("qingdao").to_dict())
    return make_loan(session, world, term_months=30, wants_insurance=True)


def _start_and_settle(app: Flask, session: Session, world: World, url: str) -> Payment:
    """The SME confirms the quote at `url` and the simulated card pays it."""
    client = sign_in(app.test_client(), world.sme)
    assert client.post(url).status_code == 302
    session.expire_all()
    payment = session.exec(select(Payment).order_by(col(Payment.id).desc())).first()
    assert payment is not None
    answer = client.post(f"/payments/{payment.id}/simulate", data={"outcome": "succeed"})
    assert answer.status_code == 302
    session.refresh(payment)
    assert payment.status is PaymentStatus.SUCCEEDED
    return payment


def _due_years(session: Session, world: World) -> list[tuple[int, int]]:
    owed = payment_dues.dues(session, company_id=world.sme.organisation_id or 0)
    return [(d.loan_year, d.gross) for d in owed if d.purpose is PREMIUM]


def test_each_loan_year_is_billed_on_its_anniversary_with_its_share(
    app: Flask, session: Session, world: World
) -> None:
    loan = _loan(session, world)
    first = _start_and_settle(app, session, world, f"/payments/new/insurance_premium/{loan.id}")
    assert (first.gross, first.subsidy, first.amount) == (2_000_000, 1_600_000, 400_000)
    session.refresh(loan)
    in_force = loan.insurance_in_force_on
    assert in_force == date(2026, 1, 5)

    set_day(session, date(2027, 1, 4))  # the day before the first anniversary
    assert _due_years(session, world) == []
    with pytest.raises(ValidationFailed):
        payment_fees.subject_for(session, PREMIUM, loan.id or 0, 2)

    set_day(session, date(2027, 1, 5))  # the anniversary: year 2 begins
    assert _due_years(session, world) == [(2, 2_000_000)]
    client = sign_in(app.test_client(), world.sme)
    page = text_of(client.get("/payments/"))
    assert "loan year 2" in page
    quote = text_of(client.get(f"/payments/new/insurance_premium/{loan.id}/year/2"))
    assert "¥20,000.00" in quote and "¥12,000.00" in quote and "¥8,000.00" in quote
    second = _start_and_settle(
        app, session, world, f"/payments/new/insurance_premium/{loan.id}/year/2"
    )
    assert (second.gross, second.subsidy, second.amount) == (2_000_000, 1_200_000, 800_000)
    assert second.subsidy_year == 2027 and second.subject_key == f"loan:{loan.id}:y2"
    assert subsidies_posted(session) == 1_600_000 + 1_200_000
    assert "loan year 2" in text_of(client.get(f"/payments/{second.id}"))
    session.refresh(loan)
    assert loan.insurance_in_force_on == in_force  # the first year's date stays
    assert _due_years(session, world) == []  # paid: nothing left to pay
    # Paying the same year twice is refused.
    assert client.post(f"/payments/new/insurance_premium/{loan.id}/year/2").status_code == 409

    set_day(session, date(2028, 1, 5))
    assert _due_years(session, world) == [(3, 1_000_000)]
    third = _start_and_settle(
        app, session, world, f"/payments/new/insurance_premium/{loan.id}/year/3"
    )
    assert (third.gross, third.subsidy, third.amount) == (1_000_000, 400_000, 600_000)
    with pytest.raises(ValidationFailed):  # a 30-month loan has no fourth year
        payment_fees.subject_for(session, PREMIUM, loan.id or 0, 4)


def test_a_loan_repaid_before_the_anniversary_is_not_billed_for_the_next_year(
    app: Flask, session: Session, world: World
) -> None:
    loan = _loan(session, world)
    set_day(session, date(2026, 12, 20))
    payoff = servicing.loan_position(session, loan).payoff
    repayment_svc.record_repayment(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0, amount=payoff,
        kind=RepaymentKind.FULL,
    )
    set_day(session, date(2027, 1, 5))
    assert _due_years(session, world) == []
    with pytest.raises(ValidationFailed):
        payment_fees.subject_for(session, PREMIUM, loan.id or 0, 2)
    client = sign_in(app.test_client(), world.sme)
    answer = client.post(f"/payments/new/insurance_premium/{loan.id}/year/2")
    assert answer.status_code == 422
    assert session.exec(select(Payment)).first() is None


def test_each_year_counts_against_the_cap_of_the_business_year_it_is_paid_in(
    app: Flask, session: Session, world: World
) -> None:
    """Cap 13,000.00 CNY per company and business year (fee table). Year 1, paid in 2026:
    80% of 20,000.00 = 16,000.00, cut to the 13,000.00 cap; the SME pays 7,000.00. Year 2,
    paid in 2027 under a fresh cap: 60% = 12,000.00 in full; the SME pays 8,000.00."""
    values = dict(payment_fees.DEFAULT_FEES)
    values["yearly_cap"] = 1_300_000
    setup_pool(session, world, document=Scheme.preset("qingdao").to_dict())
    payment_fees.edit_fees(session, actor=world.users["bureau"], values=values)
    loan = make_loan(session, world, term_months=30, wants_insurance=True)
    first = _start_and_settle(app, session, world, f"/payments/new/insurance_premium/{loan.id}")
    assert (first.subsidy, first.amount, first.subsidy_year) == (1_300_000, 700_000, 2026)
    set_day(session, date(2027, 1, 5))
    second = _start_and_settle(
        app, session, world, f"/payments/new/insurance_premium/{loan.id}/year/2"
    )
    assert (second.subsidy, second.amount, second.subsidy_year) == (1_200_000, 800_000, 2027)
    assert subsidies_posted(session) == 1_300_000 + 1_200_000
