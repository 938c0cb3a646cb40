"""The banks' view (own loans, claims, NPL against the trigger, capital relief) and the CSV
exports of loans and claims (the bureau: every bank; a bank: its own)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from market.frame.db import get_session
from market.models.lending import Loan
from market.models.pool import Claim
from market.services import bank_view, desk_history
from market.services import pool as pool_svc
from market.services.clock import business_date
from market.text.pool_labels import CLAIM_STATUS_LABELS, CLASSIFICATION_LABELS
from market.views.authz import actor, roles_required
from market.views.desk.blueprint import BANKS, DESK, bp, csv_response

PAGE = 200


@bp.route("/bank")
@roles_required(*BANKS)
def bank() -> ResponseReturnValue:
    """A bank's enrolled loans, claims, NPL against the trigger and capital relief."""
    session = get_session()
    bank_id = bank_view.require_bank(actor())
    today = business_date(session)
    version = pool_svc.scheme_in_force(session, today)
    trigger_bp = pool_svc.scheme_of(version).suspension_npl_bp if version else None
    loans = session.exec(
        select(Loan)
        .where(Loan.bank_id == bank_id, col(Loan.enrolled_on).is_not(None))
        .order_by(col(Loan.id).desc())
        .limit(PAGE)
    ).all()
    return render_template(
        "desk/bank.html",
        loans=loans,
        claims=bank_view.bank_claims(session, bank_id=bank_id),
        trigger=bank_view.bank_trigger(session, bank_id=bank_id, year=today.year),
        trigger_bp=trigger_bp,
        npl=desk_history.npl_total(session, bank_id=bank_id),
        relief=bank_view.capital_relief(session, bank_id=bank_id, today=today),
        lgd_percent=round(bank_view.CAPITAL_LGD * 100),
        classification_labels=CLASSIFICATION_LABELS,
        claim_status_labels=CLAIM_STATUS_LABELS,
        today=today,
    )


def _scope() -> int | None:
    """None for the bureau (every bank), else the bank's own id."""
    user = actor()
    return None if user.role in DESK else bank_view.require_bank(user)


@bp.route("/data/loans.csv")
@roles_required(*DESK, *BANKS)
def loans_csv() -> ResponseReturnValue:
    """Loans as CSV."""
    session = get_session()
    query = select(Loan).order_by(col(Loan.id)).execution_options(yield_per=1000)
    bank_id = _scope()
    if bank_id is not None:
        query = query.where(Loan.bank_id == bank_id)
    header = [
        "loan_id", "bank_id", "borrower_id", "principal_fen", "rate_bp", "term_months",
        "status", "classification", "days_past_due", "enrolment", "scheme_version_id",
        "accepted_on", "disbursed_on", "maturity_on", "enrolled_on", "closed_on",
    ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for loan in session.exec(query):
            yield [
                loan.id, loan.bank_id, loan.borrower_id, loan.principal, loan.rate_bp,
                loan.term_months, loan.status.value, loan.classification.value,
                loan.days_past_due, loan.enrolment.value, loan.scheme_version_id,
                loan.accepted_on, loan.disbursed_on, loan.maturity_on, loan.enrolled_on,
                loan.closed_on,
            ]  # fmt: skip

    return csv_response("loans.csv", header, rows())


@bp.route("/data/claims.csv")
@roles_required(*DESK, *BANKS)
def claims_csv() -> ResponseReturnValue:
    """Claims as CSV."""
    session = get_session()
    query = select(Claim).order_by(col(Claim.id)).execution_options(yield_per=1000)
    bank_id = _scope()
    if bank_id is not None:
        query = query.where(Claim.bank_id == bank_id)
    header = [
        "claim_id", "loan_id", "bank_id", "scheme_version_id", "loss_fen", "filed_on",
        "deadline_on", "status", "decided_on", "pool_balance_at_decision_fen", "split",
    ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for c in session.exec(query):
            split = ";".join(f"{k}={v}" for k, v in sorted(c.split.items()))
            yield [
                c.id, c.loan_id, c.bank_id, c.scheme_version_id, c.loss, c.filed_on,
                c.deadline_on, c.status.value, c.decided_on, c.pool_balance_at_decision, split,
            ]  # fmt: skip

    return csv_response("claims.csv", header, rows())
