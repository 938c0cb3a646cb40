"""rules: issue 10's valuation and scheme inputs

Organisation.high_tech (income tax 15% / 25% for the valuation); non-IP collateral on a request
and its loan; the relending flag on an offer and its loan; the day a provincial bureau confirmed
a claim's loss (deadlines counted from it).

Revision ID: 0005_rules
Revises: 0004_interest
Create Date: 2026-12-01 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_rules'
down_revision: str | None = '0004_interest'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD / DROP COLUMN on both databases (SQLite >= 3.35 drops columns in place), so no
# table is recreated and the triggers of 0003 stay. None of these tables carries a trigger.
COLUMNS: list[tuple[str, sa.Column[object]]] = [
    ('organisation', sa.Column('high_tech', sa.Boolean(), nullable=False,
                               server_default=sa.false())),
    ('financing_request', sa.Column('other_collateral', sa.BigInteger(), nullable=False,
                                    server_default='0')),
    ('offer', sa.Column('relending', sa.Boolean(), nullable=False, server_default=sa.false())),
    ('loan', sa.Column('other_collateral', sa.BigInteger(), nullable=False,
                       server_default='0')),
    ('loan', sa.Column('relending', sa.Boolean(), nullable=False, server_default=sa.false())),
    ('claim', sa.Column('loss_confirmed_on', sa.Date(), nullable=True)),
]


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column.name)
