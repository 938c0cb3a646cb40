"""Rows of the permission matrix for the pool pages: (endpoint, method) -> who may use it.

Principals: see tests/market/test_permissions.py. `sme` is the borrower of every object in
tests.market.lending_fixtures.LendingWorld and `bank_officer`/`bank_approver` its lender.
"""

from __future__ import annotations

READERS = frozenset({"bureau", "admin"})
BUREAU = frozenset({"bureau"})
ADMIN = frozenset({"admin"})

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("pool.index", "GET"): READERS,
    ("pool.ledger", "GET"): READERS,
    ("pool.claims", "GET"): READERS,
    ("pool.claim_detail", "GET"): READERS,
    ("pool.npl", "GET"): READERS,
    ("pool.schemes", "GET"): READERS,
    ("pool.schemes", "POST"): BUREAU,
    ("pool.contribute", "POST"): BUREAU,
    ("pool.reverse", "POST"): BUREAU,
    ("pool.decide_claim", "POST"): BUREAU,
    ("pool.second_approval", "POST"): BUREAU,
    ("pool.lift_suspension", "POST"): BUREAU,
    ("pool.subsidies", "GET"): READERS,
    ("pool.pay_subsidies", "POST"): BUREAU,
    ("admin.thresholds", "POST"): ADMIN,
}
