"""desk2: the desk's roll-ups, each loan's collateral kind, indexes on enrolment and closure

Revision ID: 0012_desk2
Revises: 0012_clock
Create Date: 2026-12-01 08:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_desk2'
down_revision: str | None = '0012_clock'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One kind per loan from its pledges (any state): the kind, or "mixed" when they differ.
BACKFILL = """
UPDATE loan SET collateral_kind = (
    SELECT CASE WHEN MIN(a.kind) = MAX(a.kind) THEN MIN(a.kind) ELSE 'mixed' END
    FROM pledge p JOIN ip_asset a ON a.id = p.asset_id
    WHERE p.loan_id = loan.id
)
"""


def upgrade() -> None:
    # The indexes come before the backfill: built after it in the same transaction,
    # PostgreSQL would hide them from transactions older than this one (indcheckxmin).
    op.create_index('ix_loan_enrolled_on', 'loan', ['enrolled_on'])
    op.create_index('ix_loan_closed_on', 'loan', ['closed_on'])
    # Plain add_column (no batch): the loan table keeps any triggers on SQLite.
    op.add_column(
        'loan',
        sa.Column('collateral_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.execute(BACKFILL)
    op.create_table(
        'desk_month',
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('contributions', sa.BigInteger(), nullable=False),
        sa.Column('compensation', sa.BigInteger(), nullable=False),
        sa.Column('recoveries', sa.BigInteger(), nullable=False),
        sa.Column('subsidies', sa.BigInteger(), nullable=False),
        sa.Column('pool_cash', sa.BigInteger(), nullable=False),
        sa.Column('enrolled', sa.BigInteger(), nullable=False),
        sa.Column('closed', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month'),
    )
    op.create_table(
        'desk_group',
        sa.Column('dimension', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('loans', sa.Integer(), nullable=False),
        sa.Column('principal', sa.BigInteger(), nullable=False),
        sa.Column('npl_loans', sa.Integer(), nullable=False),
        sa.Column('npl_principal', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('dimension', 'key'),
    )


def downgrade() -> None:
    op.drop_table('desk_group')
    op.drop_table('desk_month')
    op.drop_index('ix_loan_closed_on', table_name='loan')
    op.drop_index('ix_loan_enrolled_on', table_name='loan')
    with op.batch_alter_table('loan') as batch:
        batch.drop_column('collateral_kind')
    op.execute("DELETE FROM setting WHERE key = 'desk.rollup_as_of'")

