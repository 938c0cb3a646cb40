"""Indexes the lists, figures and day-end need at scale (issue 12), declared apart from the
tables so the models stay as their owners wrote them. Importing this module adds them to
the tables' metadata; migration 0008_scale creates them."""

from __future__ import annotations

import sqlalchemy as sa

from market.models.lending import FinancingRequest, Loan, Offer
from market.models.pool import Claim, LedgerEntry
from market.models.servicing import Instalment

UNPAID = "principal_paid < principal_due OR interest_paid < interest_due"
ENROLLED = "enrolment = 'enrolled'"
NPL_OWED = (
    "enrolment = 'enrolled' AND status IN ('active', 'in_claim') "
    "AND classification IN ('substandard', 'doubtful', 'loss')"
)


def _t(model: type) -> sa.Table:
    table = getattr(model, "__table__")  # noqa: B009 (SQLModel classes type it loosely)
    assert isinstance(table, sa.Table)
    return table


INDEXES = (
    # Days past due: the oldest unpaid instalment of each loan (day-end, positions).
    sa.Index(
        "ix_instalment_unpaid_due",
        _t(Instalment).c.loan_id,
        _t(Instalment).c.due_on,
        sqlite_where=sa.text(UNPAID),
        postgresql_where=sa.text(UNPAID),
    ),
    # A bank's loans by state; the live book by state (NPL figures, lists).
    sa.Index("ix_loan_status_bank", _t(Loan).c.status, _t(Loan).c.bank_id),
    # Offers to expire at day-end.
    sa.Index(
        "ix_offer_approved_expiry",
        _t(Offer).c.expires_on,
        sqlite_where=sa.text("status = 'approved'"),
        postgresql_where=sa.text("status = 'approved'"),
    ),
    # The pool's cash on a date and per-account totals.
    sa.Index("ix_ledger_entry_account_posted", _t(LedgerEntry).c.account,
             _t(LedgerEntry).c.posted_on),
    # Lists filtered by state, newest first.
    sa.Index("ix_financing_request_status_id", _t(FinancingRequest).c.status,
             _t(FinancingRequest).c.id),
    sa.Index("ix_claim_status_id", _t(Claim).c.status, _t(Claim).c.id),
    # The pool overview's enrolled book by bank, state and class: an index-only scan
    # (migration 0012_scale2).
    sa.Index(
        "ix_loan_enrolled_book",
        _t(Loan).c.bank_id, _t(Loan).c.status, _t(Loan).c.classification, _t(Loan).c.principal,
        sqlite_where=sa.text(ENROLLED),
        postgresql_where=sa.text(ENROLLED),
    ),
    # Loan lists filtered by state and class (the bureau's "active, loss" view), their counts.
    sa.Index("ix_loan_status_class", _t(Loan).c.status, _t(Loan).c.classification, _t(Loan).c.id),
    # What the NPL loans still owe, by bank, scheme version and size (the pool's exposure).
    sa.Index(
        "ix_loan_npl_owed",
        _t(Loan).c.bank_id, _t(Loan).c.scheme_version_id, _t(Loan).c.principal,
        _t(Loan).c.outstanding_principal,
        sqlite_where=sa.text(NPL_OWED),
        postgresql_where=sa.text(NPL_OWED),
    ),
    # The desk: the current month's enrolments and closures beside the roll-ups (0012_desk2).
    sa.Index("ix_loan_enrolled_on", _t(Loan).c.enrolled_on),
    sa.Index("ix_loan_closed_on", _t(Loan).c.closed_on),
)
