"""Rows of the permission matrix for the pool pages: (endpoint, method) -> who may use it.

Principals: see tests/market/test_permissions.py. `sme` is the borrower of every object in
tests.market.lending_fixtures.LendingWorld and `bank_officer`/`bank_approver` its lender.
"""

from __future__ import annotations

ACCESS: dict[tuple[str, str], frozenset[str]] = {}
