"""The offer comparison's annual percentage rate: the IRR of the payments times 12 (PBoC
announcement [2021] No. 3, 中国人民银行公告〔2021〕第3号: annualised cost against the principal
actually used). Every expected figure below is worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from market.domain.apr import annual_percentage_rate
from market.domain.interest import DayCount
from market.domain.schedule import RepaymentType, build_schedule


def test_one_month_loan_of_100000_repaid_with_1000_interest_is_12_percent() -> None:
    # 1,000 on 100,000 for a month: 1 % a month, 12 % a year.
    assert annual_percentage_rate(100_000_00, [101_000_00]) == Decimal("12.00")


def test_a_premium_paid_up_front_raises_the_rate() -> None:
    # 99,000 in hand, 101,000 back a month later: 2,000 / 99,000 = 2.0202 % a month -> 24.24 %.
    assert annual_percentage_rate(99_000_00, [101_000_00]) == Decimal("24.24")


def test_two_months_compounded() -> None:
    # 10,000 now, 12,100 in two months: (1 + r)^2 = 1.21, r = 10 % a month -> 120 %.
    assert annual_percentage_rate(10_000_00, [0, 12_100_00]) == Decimal("120.00")


def test_equal_instalments_cost_their_nominal_rate() -> None:
    # 等额本息 sets the payment so the payments discounted at the monthly rate (6 % / 12) equal
    # the principal: with 30/360 months (each month exactly 1/12 of a year) the APR is the
    # nominal 6.00 % (fen rounding moves it far less than 0.005 %).
    rows = build_schedule(
        principal=1_000_000_00,
        rate_bp=600,
        months=12,
        repayment_type=RepaymentType.EQUAL_INSTALMENT,
        start=date(2026, 1, 15),
        day_count=DayCount.THIRTY_360,
    )
    assert annual_percentage_rate(1_000_000_00, [r.total for r in rows]) == Decimal("6.00")


def test_no_rate_when_less_comes_back_than_went_out() -> None:
    assert annual_percentage_rate(100_000_00, [50_000_00]) is None
    assert annual_percentage_rate(0, [1_00]) is None
    assert annual_percentage_rate(100_00, []) is None
