"""The day-end's payment notices (issue 16): a payment due within 7 days and an overdue one
tell the borrower's SME users only, once per instalment, set-wise (the statements do not grow
with the number of loans)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection
from sqlmodel import Session, select

from market.domain.kinds import NoticeKind, RepaymentKind
from market.models.notifications import Notification
from market.models.outbox import OutboxEmail
from market.models.servicing import Instalment
from market.services import repayment as repayment_svc
from market.services.notice_dayend import raise_payment_notices
from tests.market.conftest import World
from tests.market.lending_fixtures import first_due, make_loan, set_day, setup_pool
from tests.market.query_budget import counting


def _notices(session: Session, kind: NoticeKind) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.kind == kind)).all())


def test_due_within_7_days_then_overdue_once_each_to_the_borrower_only(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    due = first_due(session, loan)
    set_day(session, due - timedelta(days=8))  # 8 days ahead: not yet announced
    assert _notices(session, NoticeKind.PAYMENT_DUE) == []
    set_day(session, due - timedelta(days=7))  # 7 days ahead: announced
    [notice] = _notices(session, NoticeKind.PAYMENT_DUE)
    first = session.exec(
        select(Instalment).where(Instalment.loan_id == loan.id, Instalment.number == 1)
    ).one()
    assert notice.user_id == world.sme.id and notice.object_id == first.id
    # Nothing paid yet: the amount owed is the instalment's principal plus interest.
    assert notice.params == {"loan": loan.id, "number": 1, "due": due.isoformat(),
                             "amount": first.principal_due + first.interest_due}
    assert notice.created_on == due - timedelta(days=7)
    mails = session.exec(select(OutboxEmail).where(OutboxEmail.kind == "payment_due")).all()
    assert [m.to_address for m in mails] == [world.sme.email]
    # The next days, and the due day itself, tell nobody again.
    set_day(session, due)
    assert len(_notices(session, NoticeKind.PAYMENT_DUE)) == 1
    assert _notices(session, NoticeKind.PAYMENT_OVERDUE) == []
    # ¥1,000 paid on the due day: the rest is overdue the day after.
    repayment_svc.record_repayment(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0, amount=1_000_00,
        kind=RepaymentKind.SCHEDULED,
    )
    set_day(session, due + timedelta(days=1))
    [late] = _notices(session, NoticeKind.PAYMENT_OVERDUE)
    assert late.user_id == world.sme.id and late.object_id == first.id
    assert late.params["amount"] == first.principal_due + first.interest_due - 1_000_00
    set_day(session, due + timedelta(days=2))
    assert len(_notices(session, NoticeKind.PAYMENT_OVERDUE)) == 1
    assert {n.user_id for n in session.exec(select(Notification)).all()} & {
        world.users["other_sme"].id
    } == set()


def test_a_paid_instalment_is_not_overdue(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    due = first_due(session, loan)
    set_day(session, due)
    first = session.exec(
        select(Instalment).where(Instalment.loan_id == loan.id, Instalment.number == 1)
    ).one()
    repayment_svc.record_repayment(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0,
        amount=first.principal_due + first.interest_due, kind=RepaymentKind.SCHEDULED,
    )
    set_day(session, due + timedelta(days=1))
    assert _notices(session, NoticeKind.PAYMENT_OVERDUE) == []


def test_the_payment_notices_are_set_wise(
    session: Session, world: World, connection: Connection
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    due = first_due(session, loan)
    with counting(connection) as one_loan:
        raise_payment_notices(session, today=due - timedelta(days=3))
    assert len(_notices(session, NoticeKind.PAYMENT_DUE)) == 1
    for _ in range(3):
        make_loan(session, world)
    with counting(connection) as four_loans:
        raise_payment_notices(session, today=due + timedelta(days=5))
    # Four loans' first instalments overdue (the three new ones share the due date)...
    assert len(_notices(session, NoticeKind.PAYMENT_OVERDUE)) == 4
    # ...in as many statements as one loan's notice took (savepoints aside).
    def work(seen: list[str]) -> list[str]:
        return [s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE"))]

    assert len(work(four_loans)) == len(work(one_loan)) == 3


def test_an_instalment_missed_long_ago_is_not_reported_late(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    due = first_due(session, loan)
    # The date moves 40 days past the first due date at once: the first instalment fell
    # overdue more than 30 days ago (not reported), the second (a month later) within them.
    set_day(session, due + timedelta(days=40))
    second = session.exec(
        select(Instalment).where(Instalment.loan_id == loan.id, Instalment.number == 2)
    ).one()
    assert (due + timedelta(days=40) - second.due_on).days <= 30
    assert [n.object_id for n in _notices(session, NoticeKind.PAYMENT_OVERDUE)] == [second.id]
