"""holiday_year: public-holiday calendars entered by the administrator

Revision ID: 0012_money
Revises: 0012_scale2
Create Date: 2026-12-01 08:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.models.types

revision: str = '0012_money'
down_revision: str | None = '0012_scale2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('holiday_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('makeup_workdays', sa.JSON(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year')
    )


def downgrade() -> None:
    op.drop_table('holiday_year')
