"""The loan rules as pure arithmetic, each against numbers worked by hand from the rule's text.

Sources: 商业银行金融资产风险分类办法 (NFRA + PBoC order 2023 No. 1) art. 11-13 for the classes;
人民币利率管理规定 (PBoC 1999) for interest to the fen (half up); actual/360 for corporate loans
(DOMAIN.md "Loan servicing rules"); 银发〔2003〕251号 art. 3 for penalty and compound interest;
民法典 art. 561 for the order a payment is applied in.
"""

from __future__ import annotations

from datetime import date

import pytest

from market.domain.interest import (
    DayCount,
    OverdueLine,
    accrue_penalty,
    allocate,
    days_between,
    period_interest,
    split_prepayment,
)
from market.domain.schedule import (
    Classification,
    RepaymentType,
    build_schedule,
    classify,
    first_npl_day,
    parse_thresholds,
)

C = Classification


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, C.NORMAL),
        (1, C.SPECIAL_MENTION),  # any overdue amount: at least special mention
        (90, C.SPECIAL_MENTION),  # "more than 90" is not 90
        (91, C.SUBSTANDARD),
        (270, C.SUBSTANDARD),
        (271, C.DOUBTFUL),
        (360, C.DOUBTFUL),
        (361, C.LOSS),
    ],
)
def test_the_2023_rule_counts_more_than_n_days(days: int, expected: Classification) -> None:
    assert classify(days) is expected


def test_a_technical_grace_of_up_to_seven_days() -> None:
    # Art. 11: a short delay for technical reasons (at most 7 days) may stay normal.
    assert classify(7, (7, 90, 270, 360)) is C.NORMAL
    assert classify(8, (7, 90, 270, 360)) is C.SPECIAL_MENTION
    assert parse_thresholds("7/90/270/360") == (7, 90, 270, 360)
    with pytest.raises(ValueError):
        parse_thresholds("8/90/270/360")  # more grace than the rule allows
    with pytest.raises(ValueError):
        parse_thresholds("0/91/270/360")  # later than the rule
    with pytest.raises(ValueError):
        parse_thresholds("0/90/90/360")  # not increasing
    assert parse_thresholds("0/30/60/90") == (0, 30, 60, 90)  # earlier is allowed


def test_a_loan_is_non_performing_from_the_91st_day() -> None:
    # Due 2026-02-05: 91 days past due on 2026-05-07 (Feb 23 + Mar 31 + Apr 30 + 7 days).
    assert first_npl_day(date(2026, 2, 5)) == date(2026, 5, 7)


def test_day_counts() -> None:
    assert days_between(date(2026, 1, 5), date(2026, 2, 5), DayCount.ACTUAL_360) == 31
    assert days_between(date(2026, 1, 5), date(2026, 2, 5), DayCount.THIRTY_360) == 30
    assert days_between(date(2026, 2, 5), date(2026, 3, 5), DayCount.ACTUAL_360) == 28
    assert days_between(date(2026, 2, 5), date(2026, 3, 5), DayCount.THIRTY_360) == 30
    # 30E/360: day 31 counts as day 30 at either end.
    assert days_between(date(2026, 1, 31), date(2026, 3, 31), DayCount.THIRTY_360) == 60
    assert days_between(date(2026, 3, 5), date(2026, 3, 5), DayCount.ACTUAL_360) == 0


def test_interest_by_the_day_to_the_fen() -> None:
    # 1,000,000.00 CNY at 4.35% for 31 days, actual/360:
    # 100,000,000 fen x 0.0435 x 31 / 360 = 374,583.33 -> 374,583 fen.
    start, end = date(2026, 1, 5), date(2026, 2, 5)
    assert period_interest(100_000_000, 435, start, end, DayCount.ACTUAL_360) == 374_583
    # 30E/360: 100,000,000 x 0.0435 / 12 = 362,500 fen exactly.
    assert period_interest(100_000_000, 435, start, end, DayCount.THIRTY_360) == 362_500


def test_a_schedule_accrues_each_period_by_its_days() -> None:
    # 12,000.00 CNY at 36% (0.1% a day under actual/360), equal principal over 3 months from
    # 2026-01-05: 31, 28 and 31 days on balances of 1,200,000, 800,000 and 400,000 fen.
    rows = build_schedule(
        principal=1_200_000,
        rate_bp=3600,
        months=3,
        repayment_type=RepaymentType.EQUAL_PRINCIPAL,
        start=date(2026, 1, 5),
    )
    assert [(r.principal, r.interest) for r in rows] == [
        (400_000, 37_200),
        (400_000, 22_400),
        (400_000, 12_400),
    ]
    thirty = build_schedule(
        principal=1_200_000,
        rate_bp=3600,
        months=3,
        repayment_type=RepaymentType.EQUAL_PRINCIPAL,
        start=date(2026, 1, 5),
        day_count=DayCount.THIRTY_360,
    )
    assert [r.interest for r in thirty] == [36_000, 24_000, 12_000]  # 3% a month


def test_penalty_and_compound_interest_by_the_day() -> None:
    # 银发〔2003〕251号: contract rate 36% + 50% = 54% a year = 0.15% a day (actual/360).
    # Principal 400,000 and interest 37,200 fen due 2026-02-05, unpaid on 2026-02-15 (10 days):
    # penalty 400,000 x 0.0015 x 10 = 6,000; compound 37,200 x 0.0015 x 10 = 558.
    lines = [OverdueLine(date(2026, 2, 5), 400_000, 37_200)]
    args = {"since": date(2026, 1, 5), "until": date(2026, 2, 15), "rate_bp": 3600}
    got = accrue_penalty(lines, markup_bp=5000, convention=DayCount.ACTUAL_360, **args)  # type: ignore[arg-type]
    assert (got.penalty, got.compound) == (6_000, 558)
    # +30%: 46.8% a year = 0.13% a day: 5,200 and 483.6 -> 484.
    got = accrue_penalty(lines, markup_bp=3000, convention=DayCount.ACTUAL_360, **args)  # type: ignore[arg-type]
    assert (got.penalty, got.compound) == (5_200, 484)
    with pytest.raises(ValueError):  # the rule allows 30%-50% only
        accrue_penalty(lines, markup_bp=6000, convention=DayCount.ACTUAL_360, **args)  # type: ignore[arg-type]
    # Nothing accrues on the due date itself.
    same_day = {**args, "until": date(2026, 2, 5)}
    got = accrue_penalty(lines, markup_bp=5000, convention=DayCount.ACTUAL_360, **same_day)  # type: ignore[arg-type]
    assert got.total == 0


def test_a_payment_goes_to_penalty_then_interest_then_principal() -> None:
    # 民法典 art. 561: costs (none), interest (penalty first), principal; oldest first.
    got = allocate(50_000, penalty=6_558, interest=[37_200, 22_400], principal=[400_000, 1])
    assert got.penalty == 6_558
    assert got.interest == (37_200, 6_242)
    assert got.principal == (0, 0)
    got = allocate(443_758, penalty=6_558, interest=[37_200], principal=[400_000])
    assert (got.penalty, got.interest, got.principal) == (6_558, (37_200,), (400_000,))
    with pytest.raises(ValueError):
        allocate(1, penalty=0, interest=[], principal=[])


def test_a_prepayment_pays_interest_only_on_the_principal_it_prepays() -> None:
    # 36% a year, 5 days into the period (actual/360): 0.5% of the principal prepaid.
    # 100,500 = 100,000 principal + 500 interest.
    got = split_prepayment(
        100_500,
        rate_bp=3600,
        start=date(2026, 2, 5),
        day=date(2026, 2, 10),
        convention=DayCount.ACTUAL_360,
    )
    assert got == (100_000, 500)
    # On the day the period starts (e.g. disbursement day) no interest is owed at all.
    assert split_prepayment(
        100_500,
        rate_bp=3600,
        start=date(2026, 2, 5),
        day=date(2026, 2, 5),
        convention=DayCount.ACTUAL_360,
    ) == (100_500, 0)
