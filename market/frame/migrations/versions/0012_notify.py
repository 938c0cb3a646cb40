"""notify: in-app notifications, e-mail choices, outbox delivery state

Revision ID: 0012_notify
Revises: 0012_confirm
Create Date: 2026-12-01 08:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.models.types

revision: str = '0012_notify'
down_revision: str | None = '0012_confirm'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNPAID = "principal_paid < principal_due OR interest_paid < interest_due"
KINDS = (
    'new_request', 'offer_to_approve', 'offer_received', 'offer_sent_back', 'payment_due',
    'payment_overdue', 'claim_filed', 'claim_decided', 'suspension',
)


def _kind() -> sa.Enum:
    return sa.Enum(*KINDS, name='ck_noticekind', native_enum=False, create_constraint=True,
                   length=32)


def upgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', _kind(), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_on', sa.Date(), nullable=False),
        sa.Column('read_at', market.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'kind', 'object_id', name='uq_notification_once'),
    )
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at', 'id'])
    op.create_index('ix_notification_about', 'notification', ['kind', 'object_id'])
    op.create_index('ix_notification_created_on', 'notification', ['created_on'])
    op.create_table(
        'notice_email_choice',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', _kind(), nullable=False),
        sa.Column('email', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('user_id', 'kind'),
    )
    # Plain ADD COLUMN (no batch): outbox_email keeps its table on SQLite, which takes a
    # REFERENCES clause on a new nullable column but no separate ALTER of constraints.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE outbox_email ADD COLUMN notification_id INTEGER '
                   'REFERENCES notification (id)')
    else:
        op.add_column('outbox_email', sa.Column('notification_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_outbox_email_notification', 'outbox_email', 'notification',
                              ['notification_id'], ['id'])
    op.add_column('outbox_email', sa.Column(
        'attempts', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('outbox_email', sa.Column(
        'last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
        server_default=''))
    op.add_column('outbox_email', sa.Column(
        'last_attempt_at', market.models.types.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_outbox_email_notification_id'), 'outbox_email', ['notification_id'])
    op.create_index('ix_instalment_unpaid_by_due', 'instalment', ['due_on'],
                    sqlite_where=sa.text(UNPAID), postgresql_where=sa.text(UNPAID))


def downgrade() -> None:
    op.drop_index('ix_instalment_unpaid_by_due', table_name='instalment')
    op.drop_index(op.f('ix_outbox_email_notification_id'), table_name='outbox_email')
    with op.batch_alter_table('outbox_email') as batch:
        batch.drop_column('last_attempt_at')
        batch.drop_column('last_error')
        batch.drop_column('attempts')
        batch.drop_column('notification_id')
    op.drop_table('notice_email_choice')
    op.drop_index('ix_notification_created_on', table_name='notification')
    op.drop_index('ix_notification_about', table_name='notification')
    op.drop_index('ix_notification_user_read', table_name='notification')
    op.drop_table('notification')
