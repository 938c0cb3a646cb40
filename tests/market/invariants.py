"""Invariants of the lending data, checked after every database test."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

CHECKS: dict[str, str] = {
    "every ledger transaction balances": """
        SELECT txn FROM ledger_entry GROUP BY txn HAVING SUM(debit) <> SUM(credit)""",
    "the pool's cash is never negative": """
        SELECT 1 FROM (SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) AS balance
                       FROM ledger_entry WHERE account = 'pool_cash') AS cash
        WHERE balance < 0""",
    "no asset is in two active pledges": """
        SELECT asset_id FROM pledge WHERE status = 'active'
        GROUP BY asset_id HAVING COUNT(*) > 1""",
    "a request has at most one accepted offer": """
        SELECT request_id FROM offer WHERE status = 'accepted'
        GROUP BY request_id HAVING COUNT(*) > 1""",
    "a schedule's principal adds up to the loan": """
        SELECT l.id FROM loan l JOIN instalment i ON i.loan_id = l.id
        GROUP BY l.id, l.principal HAVING SUM(i.principal_due) <> l.principal""",
    "repayments match what the schedule records as paid": """
        SELECT l.id FROM loan l
        WHERE COALESCE((SELECT SUM(principal) FROM repayment r WHERE r.loan_id = l.id), 0)
              <> COALESCE((SELECT SUM(principal_paid) FROM instalment i WHERE i.loan_id = l.id), 0)
           OR COALESCE((SELECT SUM(interest) FROM repayment r WHERE r.loan_id = l.id), 0)
              <> COALESCE((SELECT SUM(interest_paid) FROM instalment i WHERE i.loan_id = l.id), 0)
           OR EXISTS (SELECT 1 FROM repayment r WHERE r.loan_id = l.id
                      AND r.principal + r.interest + r.penalty <> r.amount)""",
    "a loan's outstanding principal is its principal minus the principal repaid": """
        SELECT l.id FROM loan l
        WHERE l.outstanding_principal <> CASE WHEN l.disbursed_on IS NULL THEN 0
              ELSE l.principal - COALESCE((SELECT SUM(principal_paid) FROM instalment i
                                            WHERE i.loan_id = l.id), 0) END""",
    "penalty paid never exceeds penalty accrued": """
        SELECT id FROM loan WHERE penalty_paid > penalty_accrued + compound_accrued
           OR penalty_paid <> (SELECT COALESCE(SUM(penalty), 0) FROM repayment r
                               WHERE r.loan_id = loan.id)""",
    "the subsidy payable is never negative": """
        SELECT loan_id FROM ledger_entry WHERE account = 'subsidy_payable'
        GROUP BY loan_id HAVING SUM(credit) < SUM(debit)""",
    "a finished forecast job has its end time and a running one its start": """
        SELECT id FROM forecast_job
        WHERE (status IN ('done', 'failed') AND finished_at IS NULL)
           OR (status = 'running' AND started_at IS NULL)""",
    "a ledger transaction is reversed at most once": """
        SELECT reverses_txn FROM ledger_entry WHERE reverses_txn IS NOT NULL
        GROUP BY reverses_txn HAVING COUNT(DISTINCT txn) > 1""",
    "an active pledge belongs to a live loan": """
        SELECT p.id FROM pledge p JOIN loan l ON l.id = p.loan_id
        WHERE p.status = 'active' AND l.status IN ('repaid', 'closed')""",
    "the pool's subsidies equal those of the paid payments": """
        SELECT 1 WHERE (SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0)
                        FROM ledger_entry WHERE account = 'fee_subsidies')
                    <> (SELECT COALESCE(SUM(subsidy), 0) FROM payment
                        WHERE status = 'succeeded')""",
}


def check_invariants(conn: Connection) -> list[str]:
    """The names of the invariants that do not hold (empty: all hold)."""
    broken = [name for name, sql in CHECKS.items() if conn.execute(text(sql)).first() is not None]
    broken += _json_sums(conn)
    return broken


def _json_sums(conn: Connection) -> list[str]:
    """Loss shares add up to the loss; recovery parts add up to the proceeds."""
    broken: list[str] = []
    paid = {
        int(row[0]): int(row[1])
        for row in conn.execute(
            text(
                "SELECT claim_id, SUM(debit) FROM ledger_entry WHERE account = 'compensation' "
                "AND claim_id IS NOT NULL GROUP BY claim_id"
            )
        )
    }
    for claim_id, loss, split in conn.execute(
        text("SELECT id, loss, split FROM claim WHERE status = 'approved'")
    ):
        parts = _json(split)
        if sum(int(v) for v in parts.values()) != loss or any(int(v) < 0 for v in parts.values()):
            broken.append(f"claim {claim_id}: the shares do not add up to the loss")
        if paid.get(int(claim_id), 0) != int(parts.get("pool", 0)):
            broken.append(f"claim {claim_id}: the ledger does not show the pool's share paid")
    for rec_id, proceeds, dist in conn.execute(
        text("SELECT id, proceeds, distribution FROM recovery")
    ):
        parts = _json(dist)
        if sum(int(v) for v in parts.values()) != proceeds:
            broken.append(f"recovery {rec_id}: the parts do not add up to the proceeds")
    return broken


def _json(value: Any) -> dict[str, Any]:
    parsed = value if isinstance(value, dict) else json.loads(value)
    assert isinstance(parsed, dict)
    return parsed
