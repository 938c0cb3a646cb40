"""scale2: each loan's outstanding principal in a column (kept by disbursement and every
repayment; backfilled here from the schedules), so the pool figures read it instead of summing
instalments; indexes for the pool overview and filtered loan lists

Revision ID: 0012_scale2
Revises: 0012_desk2
Create Date: 2026-12-01 08:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_scale2"
down_revision: str | None = "0012_desk2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ENROLLED = "enrolment = 'enrolled'"
NPL_OWED = (
    "enrolment = 'enrolled' AND status IN ('active', 'in_claim') "
    "AND classification IN ('substandard', 'doubtful', 'loss')"
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch mode): SQLite keeps the loan table and its triggers.
    op.add_column(
        "loan",
        sa.Column("outstanding_principal", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE loan SET outstanding_principal = principal - COALESCE("
        "(SELECT SUM(i.principal_paid) FROM instalment i WHERE i.loan_id = loan.id), 0) "
        "WHERE disbursed_on IS NOT NULL"
    )
    op.create_index(
        "ix_loan_enrolled_book", "loan", ["bank_id", "status", "classification", "principal"],
        sqlite_where=sa.text(ENROLLED), postgresql_where=sa.text(ENROLLED),
    )
    op.create_index("ix_loan_status_class", "loan", ["status", "classification", "id"])
    op.create_index(
        "ix_loan_npl_owed", "loan",
        ["bank_id", "scheme_version_id", "principal", "outstanding_principal"],
        sqlite_where=sa.text(NPL_OWED), postgresql_where=sa.text(NPL_OWED),
    )


def downgrade() -> None:
    op.drop_index("ix_loan_npl_owed", table_name="loan")
    op.drop_index("ix_loan_status_class", table_name="loan")
    op.drop_index("ix_loan_enrolled_book", table_name="loan")
    # Plain DROP COLUMN (SQLite 3.35+) rather than batch mode, which would drop triggers.
    op.execute("ALTER TABLE loan DROP COLUMN outstanding_principal")
