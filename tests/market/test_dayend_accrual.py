"""The day-end accrues penalty interest (罚息) on overdue principal and compound interest (复利)
on overdue interest set-wise, by the rule of market/domain/interest.py (PBoC 银发〔2003〕251号
art. 3: the contract rate + 50% by default, from the day after the due date; rounded half up
to the fen once per accrual, here once per day-end).

The loan (as in test_loan_interest.py): 100,000,000 fen at 3.60% a year, equal principal over
12 months, paid out on 2026-01-05; instalment 1 (due 2026-02-05) is principal 8,333,333 and,
under actual/360, interest 31 x 10,000 = 310,000. The penalty rate is 3.60% x 1.5 = 5.40% a
year = 0.015% a day under a 360-day year. All figures below are worked by hand from that.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from market.domain.interest import DayCount
from market.domain.schedule import RepaymentType
from market.models.lending import Loan
from market.services import repayment as repayment_svc
from market.services import servicing
from tests.market.conftest import World
from tests.market.lending_fixtures import make_loan, set_day, setup_pool


def _loan(session: Session, world: World, day_count: DayCount = DayCount.ACTUAL_360) -> Loan:
    setup_pool(session, world)
    loan = make_loan(
        session, world, disburse=False, rate_bp=360,
        repayment_type=RepaymentType.EQUAL_PRINCIPAL,
    )
    return repayment_svc.disburse(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0, day_count=day_count
    )


def test_each_day_end_accrues_penalty_and_compound_interest_on_overdue_amounts(
    session: Session, world: World
) -> None:
    loan = _loan(session, world)
    # A second loan on the same terms, the same day: one statement accrues both.
    other = make_loan(
        session, world, rate_bp=360, repayment_type=RepaymentType.EQUAL_PRINCIPAL
    )
    set_day(session, date(2026, 2, 5))  # due today: not yet overdue
    session.refresh(loan)
    assert (loan.penalty_accrued, loan.compound_accrued) == (0, 0)
    set_day(session, date(2026, 2, 15))  # 10 days overdue (from 02-06 to 02-15)
    session.refresh(loan)
    # 8,333,333 x 0.00015 x 10 = 12,499.9995 -> 12,500; 310,000 x 0.00015 x 10 = 465.
    assert (loan.penalty_accrued, loan.compound_accrued) == (12_500, 465)
    assert loan.penalty_accrued_to == date(2026, 2, 15)
    set_day(session, date(2026, 2, 16))  # one more day
    session.refresh(loan)
    # 8,333,333 x 0.00015 = 1,249.99995 -> 1,250; 310,000 x 0.00015 = 46.5 -> 47 (half up).
    assert (loan.penalty_accrued, loan.compound_accrued) == (13_750, 512)
    # The loan's position reads what the day-end stored and adds nothing twice.
    assert servicing.loan_position(session, loan).penalty_due == 13_750 + 512
    session.refresh(other)
    assert (other.penalty_accrued, other.compound_accrued) == (13_750, 512)


def test_a_repayment_after_a_day_end_collects_exactly_the_accrued_penalty(
    session: Session, world: World
) -> None:
    from market.domain.kinds import RepaymentKind

    loan = _loan(session, world)
    set_day(session, date(2026, 2, 15))
    # Due now: 8,333,333 + 310,000 + the 12,965 accrued by the day-end (worked above).
    paid = repayment_svc.record_repayment(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0,
        amount=8_333_333 + 310_000 + 12_965, kind=RepaymentKind.SCHEDULED,
    )
    assert (paid.penalty, paid.interest, paid.principal) == (12_965, 310_000, 8_333_333)
    set_day(session, date(2026, 2, 20))
    session.refresh(loan)
    # Nothing overdue any more: nothing accrues, the accrual date stays at the payment.
    assert (loan.penalty_accrued, loan.compound_accrued, loan.penalty_paid) == (
        12_500, 465, 12_965
    )
    assert loan.penalty_accrued_to == date(2026, 2, 15)


def test_thirty_360_counts_thirty_days_a_month(session: Session, world: World) -> None:
    loan = _loan(session, world, DayCount.THIRTY_360)
    rows = servicing.instalments(session, loan.id or 0)
    # 30E/360: every period is 30 days. 100,000,000 x 0.036 x 30/360 = 300,000;
    # 91,666,667 x 0.036 x 30/360 = 275,000.0025 -> 275,000.
    assert [(r.principal_due, r.interest_due) for r in rows[:2]] == [
        (8_333_333, 300_000), (8_333_333, 275_000)
    ]
    set_day(session, date(2026, 3, 31))  # one day-end
    session.refresh(loan)
    # Instalment 1 (due 02-05): 30 x (3 - 2) + min(31, 30) - 5 = 55 days (54 actual days);
    # instalment 2 (due 03-05): 30 - 5 = 25 days.
    # Penalty: 8,333,333 x (55 + 25) x 0.00015 = 99,999.996 -> 100,000.
    # Compound: (300,000 x 55 + 275,000 x 25) x 0.00015 = 23,375,000 x 0.00015 = 3,506.25
    # -> 3,506.
    assert (loan.penalty_accrued, loan.compound_accrued) == (100_000, 3_506)
