"""The NPL page's groups add up to the live enrolled book, counted directly."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from market.domain.states import Enrolment, LoanStatus
from market.frame.bookgen import generate_book
from market.models.lending import Loan
from market.views.pool.breakdown import npl_breakdown

LIVE = (LoanStatus.AWAITING_DISBURSEMENT, LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)
NPL = ("substandard", "doubtful", "loss")


def test_every_grouping_adds_up_to_the_book(session: Session) -> None:
    generate_book(session, loans=60, seed=5)
    live = (Loan.enrolment == Enrolment.ENROLLED, Loan.status.in_(LIVE))  # type: ignore[attr-defined]
    count, principal = session.execute(
        select(func.count(), func.sum(Loan.principal)).where(*live)
    ).one()
    npl_count, npl_principal = session.execute(
        select(func.count(), func.coalesce(func.sum(Loan.principal), 0)).where(
            *live,
            Loan.status.in_([LoanStatus.ACTIVE, LoanStatus.IN_CLAIM]),  # type: ignore[attr-defined]
            Loan.classification.in_(NPL),  # type: ignore[attr-defined]
        )
    ).one()
    assert npl_count > 0
    tables = npl_breakdown(session)
    for key in ("industry", "region", "dpd"):
        rows = tables[key]
        assert sum(r.loans for r in rows) == count, key
        assert sum(r.principal for r in rows) == principal, key
        assert sum(r.npl_loans for r in rows) == npl_count, key
        assert sum(r.npl_principal for r in rows) == npl_principal, key
    # A loan is counted once under each kind it pledges: at least once in all.
    assert sum(r.loans for r in tables["kind"]) >= count
    assert all(r.npl_principal <= r.principal for r in tables["kind"])
