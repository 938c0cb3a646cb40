"""The book generator writes a consistent book through bulk inserts (the invariants checked
after every database test must hold) with loans in every state."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlmodel import Session

from market.domain.states import LoanStatus
from market.frame.bookgen import generate_book
from market.models import AuditEvent, Claim, Instalment, LedgerEntry, Loan, Pledge, Repayment
from tests.market.invariants import check_invariants


def test_book_has_loans_in_every_state_and_keeps_the_invariants(session: Session) -> None:
    report = generate_book(session, loans=250, seed=7)
    session.flush()
    assert report.rows["loan"] == 250
    statuses = set(session.exec(select(Loan.status)).scalars())  # type: ignore[call-overload]
    assert {LoanStatus(s) for s in statuses} == set(LoanStatus)
    # Disbursed loans have schedules; repaid ones have their pledges released.
    no_schedule = session.execute(
        select(func.count()).select_from(Loan).where(
            Loan.status != LoanStatus.AWAITING_DISBURSEMENT,  # type: ignore[arg-type]
            ~select(Instalment.id).where(Instalment.loan_id == Loan.id).exists(),
        )
    ).scalar_one()
    assert no_schedule == 0
    live_pledges_on_repaid = session.execute(
        select(func.count()).select_from(Pledge).join(Loan, Loan.id == Pledge.loan_id).where(
            Loan.status == LoanStatus.REPAID, Pledge.status == "active"  # type: ignore[arg-type]
        )
    ).scalar_one()
    assert live_pledges_on_repaid == 0
    for model in (Repayment, Claim, LedgerEntry, AuditEvent):
        assert session.execute(select(func.count()).select_from(model)).scalar_one() > 0
    assert check_invariants(session.connection()) == []


def test_same_seed_same_book(session: Session) -> None:
    first = generate_book(session, loans=20, seed=3)
    principal = session.execute(select(func.sum(Loan.principal))).scalar_one()
    second = generate_book(session, loans=20, seed=3)
    for table in ("loan", "instalment", "repayment", "claim", "offer"):
        assert first.rows.get(table) == second.rows.get(table)
    total = session.execute(select(func.sum(Loan.principal))).scalar_one()
    assert total == 2 * principal


def test_cli_generate_book(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["generate-book", "--loans", "5", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "loan: 5" in result.output
    bad = runner.invoke(args=["generate-book", "--loans", "0"])
    assert bad.exit_code == 2
