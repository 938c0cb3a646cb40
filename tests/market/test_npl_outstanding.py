"""The pool's NPL figures read each loan's outstanding principal column: what the NPL loans
still owe in principal, by bank, and the pool's share of it (its exposure).

Worked by hand: the demo scheme's pool share is 54% (seeds/demo/scheme.json, modelled on
Zhongshan 2021). Loan A: 100,000,000 fen at 3.60%, equal principal over 12 months, paid out
2026-01-05; instalment 1 (principal 8,333,333, interest 31 x 10,000 = 310,000, due 2026-02-05)
is paid on time, instalment 2 (due 2026-03-05) never: on 2026-06-10 it is 97 days past due,
more than 90, so substandard (2023 rule). Loan B: 100,000,000 fen, nothing ever paid: its first
instalment (due 2026-02-05) is 125 days past due. NPL principal still owed: 91,666,667 +
100,000,000 = 191,666,667; the pool's exposure: 91,666,667 x 54% = 49,500,000.18 -> 49,500,000
(fen, rounded down) + 54,000,000 = 103,500,000.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from market.domain.kinds import RepaymentKind
from market.domain.schedule import RepaymentType
from market.services import pool
from market.services import repayment as repayment_svc
from market.views.pool.figures import npl_book
from tests.market.conftest import World
from tests.market.lending_fixtures import make_loan, set_day, setup_pool


def test_npl_outstanding_and_the_pools_exposure_come_from_the_column(
    session: Session, world: World
) -> None:
    version = setup_pool(session, world)
    paid_once = make_loan(
        session, world, rate_bp=360, repayment_type=RepaymentType.EQUAL_PRINCIPAL
    )
    never_paid = make_loan(session, world)
    set_day(session, date(2026, 2, 5))
    repayment_svc.record_repayment(
        session, actor=world.users["bank_officer"], loan_id=paid_once.id or 0,
        amount=8_333_333 + 310_000, kind=RepaymentKind.SCHEDULED,
    )
    set_day(session, date(2026, 6, 10))
    session.refresh(paid_once)
    session.refresh(never_paid)
    assert (paid_once.days_past_due, never_paid.days_past_due) == (97, 125)
    assert (paid_once.outstanding_principal, never_paid.outstanding_principal) == (
        91_666_667, 100_000_000
    )
    book = npl_book(session, today=date(2026, 6, 10), scheme=pool.scheme_of(version))
    assert book.npl_outstanding == 191_666_667
    assert book.pool_exposure == 49_500_000 + 54_000_000
    (row,) = [r for r in book.banks if r.bank.id == world.bank.id]
    assert (row.npl_loans, row.npl_outstanding, row.live_loans) == (2, 191_666_667, 2)
