"""clock: the business date of every audit event; ledger memos and suspension reasons kept as
a message key and parameters, so they show in the reader's language

Revision ID: 0012_clock
Revises: 0007_hardening
Create Date: 2026-12-01 08:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_clock'
down_revision: str | None = '0007_hardening'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# audit_event is append-only (0006): its UPDATE guard is lifted for the backfill only.
PG_GUARD = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION append_only_guard()"
)
SQLITE_GUARDS = [
    f"CREATE TRIGGER audit_event_no_{op_name.lower()} BEFORE {op_name} ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
    for op_name in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column('audit_event', sa.Column('business_on', sa.Date(), nullable=True))
    # Events written before this revision: the wall-clock (UTC) date is the best record.
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("UPDATE audit_event SET business_on = CAST(timezone('UTC', at) AS DATE)")
        op.alter_column('audit_event', 'business_on', nullable=False)
        op.execute(PG_GUARD)
    else:
        for name in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{name}")
        op.execute("UPDATE audit_event SET business_on = date(at)")
        # batch mode rebuilds the table and drops its triggers: they are created again below.
        with op.batch_alter_table('audit_event') as batch:
            batch.alter_column('business_on', existing_type=sa.Date(), nullable=False)
        for statement in SQLITE_GUARDS:
            op.execute(statement)
    # The audit log filters by business date. Plain CREATE INDEX: the table keeps its triggers.
    op.create_index(op.f('ix_audit_event_business_on'), 'audit_event', ['business_on'])
    # Plain add_column (no batch): ledger_entry and bank_suspension keep their triggers.
    op.add_column('ledger_entry', sa.Column('memo_message', sa.JSON(), nullable=True))
    op.add_column('bank_suspension', sa.Column('reason_message', sa.JSON(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+ too) keeps each table and its append-only triggers.
    op.execute("ALTER TABLE bank_suspension DROP COLUMN reason_message")
    op.execute("ALTER TABLE ledger_entry DROP COLUMN memo_message")
    op.drop_index(op.f('ix_audit_event_business_on'), table_name='audit_event')
    op.execute("ALTER TABLE audit_event DROP COLUMN business_on")
