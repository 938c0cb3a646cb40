"""The set-based day-end: days past due from the oldest unpaid instalment, the five-tier class
by the 2023 rule ("more than N days"), one audit event per loan whose class changed, offers
past their expiry expired; and the CLI's progress line."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskCliRunner
from sqlalchemy import Connection
from sqlmodel import Session, col, select

from market.domain.schedule import Classification, classify
from market.domain.states import OfferStatus
from market.models.audit import AuditEvent
from market.models.lending import Offer
from market.services import servicing
from market.services.dayend import run_day_end
from tests.market.conftest import World
from tests.market.lending_fixtures import (
    first_due,
    make_loan,
    make_offer,
    make_request,
    set_day,
    setup_pool,
)
from tests.market.query_budget import counting

# 商业银行金融资产风险分类办法 (CBIRC + PBoC order 2023 No. 1; DOMAIN.md): overdue more than
# 90 days at least substandard, more than 270 doubtful, more than 360 loss; any overdue amount
# special mention, a technical delay of up to 7 days may stay normal. Worked by hand with the
# thresholds 7/90/270/360: a loan is in a class when it is strictly past that class's limit.
CASES = [
    (0, Classification.NORMAL),
    (7, Classification.NORMAL),
    (8, Classification.SPECIAL_MENTION),
    (90, Classification.SPECIAL_MENTION),
    (91, Classification.SUBSTANDARD),
    (270, Classification.SUBSTANDARD),
    (271, Classification.DOUBTFUL),
    (360, Classification.DOUBTFUL),
    (361, Classification.LOSS),
]


def test_sql_classification_follows_the_2023_rule_at_every_boundary(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    servicing.set_thresholds(session, actor=world.admin, text="7/90/270/360")
    loan = make_loan(session, world)
    due = first_due(session, loan)
    seen = []
    for days, expected in CASES:
        set_day(session, due + timedelta(days=days))
        session.refresh(loan)
        seen.append((days, loan.days_past_due, loan.classification))
        if expected.is_npl:
            # Non-performing from the day it went past 90 days: due date + 91.
            assert loan.npl_since == due + timedelta(days=91)
        else:
            assert loan.npl_since is None
    assert seen == [(days, days, expected) for days, expected in CASES]
    # The pure Python rule (domain.schedule.classify) agrees with the SQL on every case.
    assert [classify(days, (7, 90, 270, 360)) for days, _ in CASES] == [e for _, e in CASES]
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "loan.classify", AuditEvent.object_id == loan.id
        ).order_by(col(AuditEvent.id))
    ).all()
    # One event per change of class: normal -> special mention -> ... -> loss.
    assert [e.after["classification"] for e in events][-4:] == [
        "special_mention", "substandard", "doubtful", "loss"
    ]
    assert events[-1].before == {"classification": "doubtful"}


def test_paying_the_arrears_makes_the_loan_current_at_the_next_day_end(
    session: Session, world: World
) -> None:
    from market.domain.kinds import RepaymentKind
    from market.services import repayment

    setup_pool(session, world)
    loan = make_loan(session, world)
    due = first_due(session, loan)
    set_day(session, due + timedelta(days=100))
    session.refresh(loan)
    assert loan.days_past_due == 100
    owed = servicing.loan_position(session, loan).overdue
    repayment.record_repayment(
        session, actor=world.users["bank_officer"], loan_id=loan.id or 0, amount=owed,
        kind=RepaymentKind.SCHEDULED,
    )
    set_day(session, due + timedelta(days=101))
    session.refresh(loan)
    assert (loan.days_past_due, loan.classification, loan.npl_since) == (
        0, Classification.NORMAL, None
    )


def test_approved_offers_past_expiry_expire_with_an_audit_event(
    session: Session, world: World
) -> None:
    setup_pool(session, world)
    request = make_request(session, world)
    offer = make_offer(session, world, request.id or 0)
    assert offer.expires_on is not None
    set_day(session, offer.expires_on)
    session.refresh(offer)
    assert offer.status is OfferStatus.APPROVED  # still valid on its last day
    report = run_day_end(session, actor=None, day=offer.expires_on + timedelta(days=1))
    session.commit()
    assert report.offers_expired == 1
    assert session.get(Offer, offer.id).status is OfferStatus.EXPIRED  # type: ignore[union-attr]
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "offer.expired")
    ).one()
    assert event.object_id == offer.id and event.organisation_id == offer.bank_id


def test_advance_date_prints_progress(
    session: Session, world: World, runner: FlaskCliRunner
) -> None:
    setup_pool(session, world)
    make_loan(session, world)
    result = runner.invoke(args=["advance-date", "--days", "40"])
    assert result.exit_code == 0, result.output
    assert "days past due" in result.output and "reclassified" in result.output


def test_new_thresholds_reclassify_set_wise_in_the_same_statements_whatever_the_book(
    session: Session, world: World, connection: Connection
) -> None:
    setup_pool(session, world)
    loans = [make_loan(session, world)]
    set_day(session, first_due(session, loans[0]) + timedelta(days=30))
    counts = []
    for text in ("7/90/270/360", "1/29/60/90"):
        with counting(connection) as seen:
            servicing.set_thresholds(session, actor=world.admin, text=text)
        counts.append(len(seen))
        loans.append(make_loan(session, world))
        loans.append(make_loan(session, world))
    assert counts[0] == counts[1]
    session.refresh(loans[0])
    # 30 days past due is more than 29: substandard under 1/29/60/90, with its audit event.
    assert loans[0].classification is Classification.SUBSTANDARD
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "loan.classify", AuditEvent.object_id == loans[0].id
        ).order_by(col(AuditEvent.id).desc())
    ).first()
    assert event is not None and event.after["classification"] == "substandard"
