"""A compensated loan is still owed; recoveries are checked against the claim and corrected
by reversing entries (the ledger stays append-only).

The loan: 1,000,000.00 CNY at 4.35%, nothing repaid, claimed 95 days after its first due date;
the demo scheme splits the 100,000,000 fen loss pool 54 : bank 26 : insurer 16 : valuer 4.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.kinds import DisposalKind
from market.domain.money import format_fen
from market.domain.schedule import RepaymentType
from market.models.audit import AuditEvent
from market.models.lending import Loan
from market.models.orgs import Organisation
from market.models.pool import LedgerEntry, Recovery
from market.services import claim_decision, pool, recoveries
from tests.market.conftest import World, sign_in
from tests.market.formkeys import keyed
from tests.market.lending_fixtures import make_claim, make_loan, make_npl, set_day, setup_pool
from tests.market.previewkit import confirmed, preview

LOSS = 100_000_000


def _compensated(session: Session, world: World) -> Loan:
    setup_pool(session, world)
    loan = make_loan(session, world)
    make_npl(session, loan)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    session.refresh(loan)
    return loan


def _record(session: Session, world: World, loan: Loan, proceeds: int, **kw: object) -> Recovery:
    return recoveries.record_recovery(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id or 0,
        disposal=DisposalKind.SALE,
        proceeds=proceeds,
        **kw,  # type: ignore[arg-type]
    )


def test_a_recovery_above_the_claim_needs_a_confirmation_naming_the_surplus(
    session: Session, world: World
) -> None:
    loan = _compensated(session, world)
    borrower = session.get(Organisation, loan.borrower_id)
    assert borrower is not None
    # 1,005,000.00 CNY against the 1,000,000.00 outstanding: 5,000.00 more, to the borrower.
    with pytest.raises(ValidationFailed) as refused:
        _record(session, world, loan, LOSS + 500_000)
    text = refused.value.message
    assert format_fen(500_000) in text and borrower.name in text and "borrower" in text
    assert session.exec(select(func.count()).select_from(Recovery)).one() == 0
    row = _record(session, world, loan, LOSS + 500_000, confirm_surplus=True)
    assert row.distribution["borrower"] == 500_000
    assert sum(v for k, v in row.distribution.items() if k != "borrower") == LOSS


def test_a_mistaken_recovery_is_reversed_once_with_a_reason(session: Session, world: World) -> None:
    loan = _compensated(session, world)
    before = pool.pool_balance(session)
    row = _record(session, world, loan, 20_000_000)
    assert pool.pool_balance(session) == before + 10_800_000  # the pool's 54%
    owed_before = recoveries.still_owed(session, loan)
    assert owed_before is not None
    with pytest.raises(ValidationFailed):  # a reason is required
        recoveries.reverse_recovery(
            session, actor=world.users["bank_officer"], recovery_id=row.id or 0, reason=" "
        )
    with pytest.raises(PermissionDenied):
        recoveries.reverse_recovery(
            session, actor=world.sme, recovery_id=row.id or 0, reason="Typed twice by mistake"
        )
    lines_before = session.exec(select(func.count()).select_from(LedgerEntry)).one()
    recoveries.reverse_recovery(
        session,
        actor=world.users["bank_officer"],
        recovery_id=row.id or 0,
        reason="Typed twice by mistake",
    )
    assert pool.pool_balance(session) == before
    # The original two lines stay; two mirror lines are added.
    assert session.exec(select(func.count()).select_from(LedgerEntry)).one() == lines_before + 2
    with pytest.raises(Conflict):
        recoveries.reverse_recovery(
            session,
            actor=world.users["bank_officer"],
            recovery_id=row.id or 0,
            reason="Typed twice by mistake",
        )
    assert session.exec(select(func.count()).select_from(LedgerEntry)).one() == lines_before + 2
    # The reversed recovery no longer reduces the debt.
    owed_after = recoveries.still_owed(session, loan)
    assert owed_after is not None and owed_after.total == owed_before.total + 20_000_000
    actions = session.exec(select(AuditEvent.action)).all()
    assert "recovery.reverse" in actions


def test_the_borrower_still_owes_the_bank_after_compensation(
    session: Session, world: World
) -> None:
    loan = _compensated(session, world)
    owed = recoveries.still_owed(session, loan)
    assert owed is not None
    assert owed.creditor_id == loan.bank_id and owed.principal == LOSS
    assert owed.by_party == {
        "pool": 54_000_000,
        "bank": 26_000_000,
        "insurer": 16_000_000,
        "valuer": 4_000_000,
    }
    assert owed.interest > 0 and owed.penalty > 0
    _record(session, world, loan, 30_000_000)
    after = recoveries.still_owed(session, loan)
    assert after is not None and after.total == owed.total - 30_000_000
    # Back 54:26:16:4 of 30,000,000.
    assert after.by_party["pool"] == 54_000_000 - 16_200_000


def test_the_loan_page_shows_the_debt_and_asks_again_for_a_surplus(
    client: FlaskClient, session: Session, world: World
) -> None:
    loan = _compensated(session, world)
    owed = recoveries.still_owed(session, loan)
    assert owed is not None
    sign_in(client, world.users["bank_officer"])
    html = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "What the borrower still owes" in html and format_fen(owed.total) in html
    data = {"disposal": "sale", "proceeds": "1005000", "counterparty": "Buyer Co"}
    response = client.post(f"/loans/{loan.id}/recoveries", data=keyed(data))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert format_fen(500_000) in html and 'name="confirm_surplus"' in html
    assert 'value="1005000"' in html and 'value="Buyer Co"' in html  # what was typed stays
    assert session.exec(select(func.count()).select_from(Recovery)).one() == 0
    surplus_ok = {**data, "confirm_surplus": "y"}
    page, _ = preview(client, f"/loans/{loan.id}/recoveries", keyed(surplus_ok))
    assert "it goes to the borrower" in page.get_data(as_text=True)  # the surplus, named
    response = confirmed(client, f"/loans/{loan.id}/recoveries", surplus_ok)
    assert response.status_code == 302
    row = session.exec(select(Recovery)).one()
    assert row.distribution["borrower"] == 500_000
    html = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert f"/recoveries/{row.id}/reverse" in html
    response = confirmed(
        client, f"/loans/{loan.id}/recoveries/{row.id}/reverse", {"reason": "Wrong buyer entered"}
    )
    assert response.status_code == 302
    html = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "Wrong buyer entered" in html
    zh = client.get(f"/loans/{loan.id}", headers={"Accept-Language": "zh-CN"})
    assert "借款人仍欠" in zh.get_data(as_text=True)
    assert (
        session.exec(
            select(func.count())
            .select_from(LedgerEntry)
            .where(col(LedgerEntry.recovery_id) == row.id)
        ).one()
        == 4
    )


def test_a_compensated_loan_keeps_accruing_penalty_and_recoveries_reduce_it(
    client: FlaskClient, session: Session, world: World
) -> None:
    """Worked by hand from the rules (银发〔2003〕251号: penalty at the contract rate +50% on
    overdue principal, compound interest at that rate on unpaid interest; 民法典 art. 561:
    penalty, interest, principal). 1,000,000.00 CNY at 3.60%, equal principal over 12 months,
    paid out 2026-01-05, actual/360; penalty rate 5.40%: 0.015% a day.
    Instalments 1-4 (due 02-05, 03-05, 04-05, 05-05): principal 8,333,333 each, interest
    310,000, 256,667, 258,333, 225,000; the claim is decided on 05-11 (95 days after 02-05).
    On 05-11: principal 100,000,000; interest 1,050,000 due + 6 days on the 66,666,668 not yet
    due (40,000) = 1,090,000; penalty 8,333,333 x 0.015% x (95+67+36+6) = 254,999.99 -> 255,000,
    compound 0.015% x (310,000x95 + 256,667x67 + 258,333x36 + 225,000x6) = 8,594.50 -> 8,595.
    To 06-10 (30 days): penalty 100,000,000 x 0.015% x 30 = 450,000, compound 1,090,000 x
    0.015% x 30 = 4,905: penalty owed 718,500. A recovery of 2,000,000 pays it, the 1,090,000
    interest and 191,500 of principal: 99,808,500 left. To 07-10 (30 days): 99,808,500 x
    0.015% x 30 = 449,138.25 -> 449,138. Still owed: 99,808,500 + 449,138 = 100,257,638."""
    setup_pool(session, world)
    loan = make_loan(session, world, rate_bp=360, repayment_type=RepaymentType.EQUAL_PRINCIPAL)
    assert make_npl(session, loan) == date(2026, 5, 11)
    claim = make_claim(session, world, loan)
    claim_decision.decide_claim(
        session, actor=world.users["bureau"], claim_id=claim.id or 0, approve=True, reason="ok"
    )
    session.refresh(loan)
    owed = recoveries.still_owed(session, loan)
    assert owed is not None
    assert (owed.principal, owed.interest, owed.penalty) == (100_000_000, 1_090_000, 263_595)
    set_day(session, date(2026, 6, 10))
    owed = recoveries.still_owed(session, loan)
    assert owed is not None and owed.penalty == 263_595 + 454_905
    _record(session, world, loan, 2_000_000)
    set_day(session, date(2026, 7, 10))
    owed = recoveries.still_owed(session, loan)
    assert owed is not None
    assert (owed.principal, owed.interest, owed.penalty) == (99_808_500, 0, 449_138)
    assert owed.recovered == 2_000_000 and owed.total == 100_257_638
    sign_in(client, world.users["bank_officer"])
    html = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert format_fen(100_257_638) in html and format_fen(449_138) in html
