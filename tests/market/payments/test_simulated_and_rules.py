"""Payments without Stripe keys (the offline demo), the subsidy rules worked by hand, refunds
by a bank, the bureau's fee table and monthly report, and the production guard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from market import create_app
from market.domain.kinds import AssetKind
from market.domain.payments import PaymentStatus, split_subsidy
from market.frame.config import ConfigError
from market.models.lending import Loan
from market.models.payments import FeeTable, Payment
from market.services import payment_fees
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import make_loan, setup_pool
from tests.market.payments.helpers import (
    only_payment,
    start,
    subsidies_posted,
    text_of,
    valuation_of,
)


def _fees(session: Session, world: World, **changes: int) -> None:
    values = dict(payment_fees.DEFAULT_FEES)
    values.update(changes)
    payment_fees.edit_fees(session, actor=world.users["bureau"], values=values)


def _simulated_pay(app: Flask, world: World, payment_id: int, outcome: str = "succeed") -> str:
    client = sign_in(app.test_client(), world.sme)
    answer = client.post(f"/payments/{payment_id}/simulate", data={"outcome": outcome},
                         follow_redirects=True)
    return text_of(answer)


def test_simulated_mode_is_labelled_loads_no_script_and_settles_offline(
    app: Flask, session: Session, world: World
) -> None:
    setup_pool(session, world)
    valuation = valuation_of(session, world, AssetKind.INVENTION_PATENT)
    client = sign_in(app.test_client(), world.sme)
    quote = client.get(f"/payments/new/valuation_fee/{valuation.id}")
    assert "Simulated payments" in text_of(quote) and "no card is charged" in text_of(quote)
    start(client, "valuation_fee", valuation.id)  # type: ignore[arg-type]
    payment = only_payment(session)
    assert payment.simulated and payment.status is PaymentStatus.PENDING
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "Simulated payments" in page
    # nothing external at all: the only scripts are the site's own (static/behaviours.js)
    assert all(src.startswith("/static/") for src in re.findall(r'<script[^>]*src="([^"]*)"', page))
    assert "<script>" not in page

    assert "did not go through" in _simulated_pay(app, world, payment.id, "decline")  # type: ignore[arg-type]
    assert only_payment(session).status is PaymentStatus.FAILED
    assert client.post(f"/payments/{payment.id}/retry").status_code == 302
    assert only_payment(session).status is PaymentStatus.PENDING
    assert "Payment received" in _simulated_pay(app, world, payment.id)  # type: ignore[arg-type]
    session.refresh(valuation)
    assert only_payment(session).status is PaymentStatus.SUCCEEDED
    assert valuation.report_released_on is not None
    assert subsidies_posted(session) == 400_000  # 50% of the 8,000 CNY default fee


def test_subsidies_stop_at_the_company_yearly_cap(
    app: Flask, session: Session, world: World
) -> None:
    """Hand-worked: fees 10,000 and 6,000 CNY, 50% subsidised, cap 7,000 CNY a year.
    1st: 5,000 subsidy (cap left 2,000 after); 2nd: 50% would be 3,000 but only 2,000 is left,
    so 2,000 subsidy and 4,000 paid; 3rd: nothing left, the whole 10,000 is paid."""
    setup_pool(session, world)
    _fees(session, world, valuation_fee_invention_patent=1_000_000,
          valuation_fee_trademark=600_000, valuation_subsidy_bp=5_000, yearly_cap=700_000)
    kinds = [AssetKind.INVENTION_PATENT, AssetKind.TRADEMARK, AssetKind.INVENTION_PATENT]
    valuations = [valuation_of(session, world, kind) for kind in kinds]
    client = sign_in(app.test_client(), world.sme)
    expected = [(1_000_000, 500_000, 500_000), (600_000, 200_000, 400_000),
                (1_000_000, 0, 1_000_000)]
    for valuation, (gross, subsidy, paid) in zip(valuations, expected, strict=True):
        start(client, "valuation_fee", valuation.id)  # type: ignore[arg-type]
        payment = session.exec(
            select(Payment).where(Payment.valuation_id == valuation.id)
        ).one()
        assert (payment.gross, payment.subsidy, payment.amount) == (gross, subsidy, paid)
        _simulated_pay(app, world, payment.id)  # type: ignore[arg-type]
    assert subsidies_posted(session) == 700_000  # exactly the cap


def test_split_subsidy_rounds_down_and_respects_cap_and_cash() -> None:
    # 12,345.67 CNY at 33.33%: 1,234,567 x 3333 / 10000 = 411,481.18... -> 411,481 fen.
    assert split_subsidy(1_234_567, share_bp=3_333, cap_left=None).subsidy == 411_481
    assert split_subsidy(1_000, share_bp=5_000, cap_left=0).payable == 1_000
    assert split_subsidy(1_000, share_bp=5_000, cap_left=None, available=100).subsidy == 100


def test_premium_paid_puts_insurance_in_force_and_the_bank_refunds_it_before_disbursement(
    app: Flask, session: Session, world: World
) -> None:
    """Hand-worked: 1,000,000 CNY for 12 months, the demo scheme's premium 2% (200 bp):
    20,000 CNY; the fee table pays back 80% of the first year's premium (Qingdao, DOMAIN.md):
    16,000 CNY subsidy, 4,000 CNY paid by the SME."""
    setup_pool(session, world)
    loan = make_loan(session, world, disburse=False, wants_insurance=True)
    client = sign_in(app.test_client(), world.sme)
    quote = text_of(client.get(f"/payments/new/insurance_premium/{loan.id}"))
    assert "¥20,000.00" in quote and "¥16,000.00" in quote and "¥4,000.00" in quote
    start(client, "insurance_premium", loan.id)  # type: ignore[arg-type]
    payment = only_payment(session)
    assert (payment.gross, payment.subsidy, payment.amount) == (2_000_000, 1_600_000, 400_000)
    _simulated_pay(app, world, payment.id)  # type: ignore[arg-type]
    session.refresh(loan)
    assert loan.insurance_in_force_on is not None

    other_bank = sign_in(app.test_client(), world.users["other_sme"])
    assert other_bank.post(f"/payments/{payment.id}/refund",
                           data={"reason": "x"}).status_code in (403, 404)
    officer = sign_in(app.test_client(), world.users["bank_officer"])
    answer = officer.post(f"/payments/{payment.id}/refund",
                          data={"reason": "Loan cancelled before disbursement"})
    assert answer.status_code == 302
    assert only_payment(session).status is PaymentStatus.REFUNDED
    session.refresh(loan)
    assert loan.insurance_in_force_on is None and subsidies_posted(session) == 0


def test_a_bank_cannot_refund_once_the_loan_is_disbursed(
    app: Flask, session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan: Loan = make_loan(session, world, disburse=True, wants_insurance=True)
    client = sign_in(app.test_client(), world.sme)
    start(client, "insurance_premium", loan.id)  # type: ignore[arg-type]
    payment = only_payment(session)
    _simulated_pay(app, world, payment.id)  # type: ignore[arg-type]
    officer = sign_in(app.test_client(), world.users["bank_officer"])
    answer = officer.post(f"/payments/{payment.id}/refund", data={"reason": "Too late"})
    assert answer.status_code == 409
    assert only_payment(session).status is PaymentStatus.SUCCEEDED


def test_other_companies_cannot_see_or_pay(app: Flask, session: Session, world: World) -> None:
    setup_pool(session, world)
    valuation = valuation_of(session, world, AssetKind.TRADEMARK)
    start(sign_in(app.test_client(), world.sme), "valuation_fee", valuation.id)  # type: ignore[arg-type]
    payment = only_payment(session)
    other = sign_in(app.test_client(), world.users["other_sme"])
    assert other.get(f"/payments/{payment.id}").status_code == 403
    assert other.get(f"/payments/new/valuation_fee/{valuation.id}").status_code == 403
    paying = other.post(f"/payments/{payment.id}/simulate", data={"outcome": "succeed"})
    assert paying.status_code == 403
    assert only_payment(session).status is PaymentStatus.PENDING
    assert app.test_client().get("/payments/new/nonsense/1").status_code in (302, 401)
    assert sign_in(app.test_client(), world.sme).get("/payments/new/nonsense/1").status_code == 404


def test_bureau_edits_the_fee_table_and_bad_input_changes_nothing(
    app: Flask, session: Session, world: World
) -> None:
    bureau = sign_in(app.test_client(), world.users["bureau"])
    form = {name: str(value) for name, value in payment_fees.DEFAULT_FEES.items()}
    form.update(valuation_fee_trademark="6000", yearly_cap="70000", premium_bp="150")
    assert bureau.post("/payments/fees", data=form).status_code == 302
    row = payment_fees.current_fees(session)
    assert (row.valuation_fee_trademark, row.yearly_cap, row.premium_bp) == (
        600_000, 7_000_000, 150)
    bad = dict(form, premium_bp="10001", yearly_cap="-5")
    assert bureau.post("/payments/fees", data=bad).status_code == 422
    assert len(session.exec(select(FeeTable)).all()) == 1
    sme = sign_in(app.test_client(), world.sme)
    assert sme.post("/payments/fees", data=form).status_code == 403


def test_bureau_sees_payments_and_subsidies_by_month_and_exports_them(
    app: Flask, session: Session, world: World
) -> None:
    setup_pool(session, world)
    client = sign_in(app.test_client(), world.sme)
    for kind in (AssetKind.INVENTION_PATENT, AssetKind.TRADEMARK):
        valuation = valuation_of(session, world, kind)
        start(client, "valuation_fee", valuation.id)  # type: ignore[arg-type]
        payment = session.exec(select(Payment).where(Payment.valuation_id == valuation.id)).one()
        _simulated_pay(app, world, payment.id)  # type: ignore[arg-type]
    bureau = sign_in(app.test_client(), world.users["bureau"])
    page = text_of(bureau.get("/payments/report"))
    # 8,000 + 5,000 CNY of fees, half subsidised: 6,500 CNY subsidy and 6,500 paid, in 2026-01.
    assert "2026-01" in page and "¥13,000.00" in page and "¥6,500.00" in page
    csv_text = bureau.get("/payments/report?format=csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("month,payment_id,paid_on,company,purpose")
    assert len(lines) == 3
    assert any(",valuation_fee,800000,400000,400000,succeeded," in row for row in lines[1:])
    assert any(",valuation_fee,500000,250000,250000,succeeded," in row for row in lines[1:])
    assert sign_in(app.test_client(), world.sme).get("/payments/report").status_code == 403


def test_webhook_without_a_secret_is_refused(app: Flask) -> None:
    answer = app.test_client().post("/payments/webhook", data=b"{}",
                                    headers={"Stripe-Signature": "t=1,v1=00"})
    assert answer.status_code == 400


def test_production_refuses_simulated_payments_unless_allowed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IPMARKET_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    for name in ("STRIPE_SECRET_KEY", "PAYMENTS_SIMULATED_OK"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="PAYMENTS_SIMULATED_OK"):
        create_app()
    monkeypatch.setenv("PAYMENTS_SIMULATED_OK", "1")
    assert create_app().config["PAYMENTS_SIMULATED_OK"] is True
    monkeypatch.delenv("PAYMENTS_SIMULATED_OK")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_x")
    with pytest.raises(ConfigError, match="STRIPE_PUBLISHABLE_KEY"):
        create_app()
