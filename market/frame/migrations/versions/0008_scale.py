"""scale: indexes for lists, figures and the set-based day-end; room for in-place updates of
loans (PostgreSQL fillfactor, so the day-end's updates stay HOT)

Revision ID: 0008_scale
Revises: 0009_payments
Create Date: 2026-12-01 06:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_scale"
down_revision: str | None = "0009_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNPAID = "principal_paid < principal_due OR interest_paid < interest_due"


def upgrade() -> None:
    # Plain CREATE INDEX (no batch mode): SQLite keeps the tables and their triggers.
    op.create_index(
        "ix_instalment_unpaid_due", "instalment", ["loan_id", "due_on"],
        sqlite_where=sa.text(UNPAID), postgresql_where=sa.text(UNPAID),
    )
    op.create_index("ix_loan_status_bank", "loan", ["status", "bank_id"])
    op.create_index(
        "ix_offer_approved_expiry", "offer", ["expires_on"],
        sqlite_where=sa.text("status = 'approved'"),
        postgresql_where=sa.text("status = 'approved'"),
    )
    op.create_index("ix_ledger_entry_account_posted", "ledger_entry", ["account", "posted_on"])
    op.create_index("ix_financing_request_status_id", "financing_request", ["status", "id"])
    op.create_index("ix_claim_status_id", "claim", ["status", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loan SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loan RESET (fillfactor)")
    op.drop_index("ix_claim_status_id", table_name="claim")
    op.drop_index("ix_financing_request_status_id", table_name="financing_request")
    op.drop_index("ix_ledger_entry_account_posted", table_name="ledger_entry")
    op.drop_index("ix_offer_approved_expiry", table_name="offer")
    op.drop_index("ix_loan_status_bank", table_name="loan")
    op.drop_index("ix_instalment_unpaid_due", table_name="instalment")
