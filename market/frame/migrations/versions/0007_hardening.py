"""hardening: session version on users, e-mail outbox

Revision ID: 0007_hardening
Revises: 0003_lending
Create Date: 2026-12-01 06:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.models.types

revision: str = '0007_hardening'
down_revision: str | None = '0006_integrity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain add_column (no batch): user_account keeps its table and any triggers on SQLite.
    op.add_column(
        'user_account',
        sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'),
    )
    op.create_table(
        'outbox_email',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('sent_at', market.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_outbox_email_created_at'), 'outbox_email', ['created_at'])
    op.create_index(op.f('ix_outbox_email_kind'), 'outbox_email', ['kind'])


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_email_kind'), table_name='outbox_email')
    op.drop_index(op.f('ix_outbox_email_created_at'), table_name='outbox_email')
    op.drop_table('outbox_email')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('session_version')
