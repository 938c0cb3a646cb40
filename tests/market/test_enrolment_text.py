"""Enrolment reasons from riskpool are shown in the reader's language."""

from __future__ import annotations

import pytest
from flask import Flask

from market.text.enrolment_text import localise_reason
from riskpool import Scheme


def _reasons() -> list[str]:
    scheme = Scheme.from_dict(
        {
            "name": "t",
            "shares": {"pool": 5000, "bank": 5000},
            "max_loan_size": 100_00,
            "per_borrower_annual_cap": 150_00,
            "max_borrower_balance": 250_00,
            "leverage": "2",
            "tiers": [{"above": 0, "up_to": 100_00, "pool_bp": 5000}],
        }
    )
    return scheme.check_enrolment(
        loan_principal=200_00,
        borrower_enrolled_principal=0,
        total_enrolled_principal=0,
        pool_balance=50_00,
        bank_suspended=True,
        borrower_guaranteed_balance=100_00,
    ) + scheme.check_enrolment(
        loan_principal=0,
        borrower_enrolled_principal=0,
        total_enrolled_principal=0,
        pool_balance=0,
        bank_suspended=False,
    )


def test_every_riskpool_reason_is_recognised(app: Flask) -> None:
    reasons = _reasons()
    assert len(reasons) >= 6
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = [localise_reason(r) for r in reasons]
    assert all(s != r for s, r in zip(shown, reasons, strict=True)), shown
    assert "The loan of ¥200.00 exceeds the scheme's maximum loan size of ¥100.00." in shown
    # Anhui 4321: 100 on other loans + this 200 = 300 > the 250 limit.
    assert (
        "The borrower's guaranteed balance would be ¥300.00, above the scheme's limit of "
        "¥250.00 a borrower." in shown
    )


@pytest.mark.parametrize("reason", [*_reasons(), "no risk-compensation scheme is in force"])
def test_reasons_are_in_chinese_on_the_zh_site(app: Flask, reason: str) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        shown = localise_reason(reason)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in shown), shown


def test_an_unknown_reason_is_shown_as_it_is(app: Flask) -> None:
    with app.test_request_context():
        assert localise_reason("something new") == "something new"
