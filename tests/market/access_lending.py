"""Rows of the permission matrix for the lending pages: (endpoint, method) -> who may use it.

Principals: see tests/market/test_permissions.py. `sme` is the borrower of every object in
tests.market.lending_fixtures.LendingWorld and `bank_officer`/`bank_approver` its lender.
"""

from __future__ import annotations

BANKS = frozenset({"bank_officer", "bank_approver"})
SMES = frozenset({"sme", "other_sme"})
# The borrower, the lending bank (the request went to every bank) and supervisors.
PARTIES = frozenset({"sme", "bureau", "admin"}) | BANKS
# Whoever has a list of their own (another SME's list is simply empty).
LISTERS = PARTIES | {"other_sme"}

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("lending.requests", "GET"): LISTERS,
    ("lending.new_request", "GET"): SMES,
    ("lending.new_request", "POST"): SMES,
    ("lending.request_detail", "GET"): PARTIES,
    ("lending.withdraw_request", "POST"): frozenset({"sme"}),
    ("lending.propose_offer", "POST"): frozenset({"bank_officer"}),
    ("lending.decline_request", "POST"): BANKS,
    ("lending.decide_offer", "POST"): frozenset({"bank_approver"}),
    ("lending.withdraw_offer_page", "POST"): frozenset({"bank_officer"}),
    ("lending.accept_offer", "POST"): frozenset({"sme"}),
    ("lending.loans", "GET"): LISTERS,
    ("lending.loan_detail", "GET"): PARTIES,
    ("lending.disburse", "POST"): BANKS,
    ("lending.record_repayment", "POST"): BANKS,
    ("lending.file_claim", "POST"): BANKS,
    ("lending.record_recovery", "POST"): BANKS,
    ("lending.reverse_recovery", "POST"): BANKS,
    ("lending.bank_claims", "GET"): BANKS,
    ("lending.receivables", "GET"): frozenset(
        {"insurer", "guarantor", "valuer", "bureau", "admin"}
    ),
    # The matrix passes an asset that is collateral in a request to every bank for this row.
    ("assets.bank_value", "POST"): BANKS,
}
