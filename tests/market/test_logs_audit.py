"""Structured request logs, and the audit of sign-ins, sign-outs and loan state changes."""

from __future__ import annotations

import json
import logging

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from market.domain.kinds import RepaymentKind
from market.domain.states import LoanStatus
from market.models.audit import AuditEvent
from market.services import repayment
from tests.market.conftest import World, sign_in
from tests.market.lending_fixtures import make_loan, setup_pool


def test_one_json_line_per_request(
    client: FlaskClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(client, world.sme)
    with caplog.at_level(logging.INFO, logger="market.request"):
        client.get("/assets/")
        client.get("/assets/999999")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "market.request"]
    assert [(x["route"], x["status"], x["user"]) for x in lines] == [
        ("/assets/", 200, world.sme.id),
        ("/assets/<int:asset_id>", 404, world.sme.id),
    ]
    assert all(x["method"] == "GET" and x["ms"] >= 0 and x["ip"] for x in lines)


def test_every_loan_state_change_is_audited(session: Session, world: World) -> None:
    setup_pool(session, world)
    loan = make_loan(session, world)
    assert loan.id is not None
    repayment.record_repayment(
        session,
        actor=world.users["bank_officer"],
        loan_id=loan.id,
        amount=1_000_000_00,  # the principal: paying off on the day of disbursement
        kind=RepaymentKind.FULL,
    )
    session.refresh(loan)
    assert loan.status is LoanStatus.REPAID
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.object_type == "Loan", AuditEvent.object_id == loan.id)
        .order_by(col(AuditEvent.id))
    ).all()
    statuses = [e.after.get("status") for e in events if "status" in e.after]
    # created awaiting disbursement, then active, then repaid: each step has its event
    assert statuses == ["awaiting_disbursement", "active", "repaid"]
    assert events[-1].action == "loan.repaid" and events[-1].before == {"status": "active"}
