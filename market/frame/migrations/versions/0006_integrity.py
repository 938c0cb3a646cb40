"""integrity: the pool's lock row, one reversal per transaction, idempotency keys, and the
database's own guards on the ledger and the audit log

Revision ID: 0006_integrity
Revises: 0011_ux
Create Date: 2026-12-01 05:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.models.types

revision: str = '0006_integrity'
down_revision: str | None = '0011_ux'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows are never changed or removed once written.
APPEND_ONLY = ("ledger_entry", "audit_event", "ledger_reversal")

PG_GUARDS = [
    """CREATE FUNCTION append_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END $$""",
    # ledger_entry already refuses row UPDATE and DELETE (0003); TRUNCATE fires no row trigger.
    *[
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION append_only_guard()"""
        for table in APPEND_ONLY
    ],
    *[
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION append_only_guard()"""
        for table in ("audit_event", "ledger_reversal")
    ],
    # Checked at COMMIT, once every line of the transaction is in.
    """CREATE FUNCTION ledger_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT SUM(debit) - SUM(credit) FROM ledger_entry WHERE txn = NEW.txn) <> 0 THEN
            RAISE EXCEPTION 'ledger transaction % does not balance', NEW.txn
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER ledger_txn_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_txn_balanced()""",
    """CREATE FUNCTION ledger_reversal_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM ledger_reversal
                       WHERE reversed_txn = NEW.reverses_txn AND reversal_txn = NEW.txn) THEN
            RAISE EXCEPTION 'a reversal of % must be recorded in ledger_reversal first',
                NEW.reverses_txn USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER ledger_reversal_recorded BEFORE INSERT ON ledger_entry
    FOR EACH ROW WHEN (NEW.reverses_txn IS NOT NULL)
    EXECUTE FUNCTION ledger_reversal_recorded()""",
]
PG_DROPS = [
    "DROP TRIGGER IF EXISTS ledger_reversal_recorded ON ledger_entry",
    "DROP FUNCTION IF EXISTS ledger_reversal_recorded()",
    "DROP TRIGGER IF EXISTS ledger_txn_balanced ON ledger_entry",
    "DROP FUNCTION IF EXISTS ledger_txn_balanced()",
    *[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in ("audit_event", "ledger_reversal")],
    *[f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in APPEND_ONLY],
    "DROP FUNCTION IF EXISTS append_only_guard()",
]

# SQLite has no TRUNCATE and no deferred triggers: rows are guarded, balance is the code's.
SQLITE_GUARDS = [
    *[
        f"""CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
        for table in ("audit_event", "ledger_reversal")
        for op_name in ("UPDATE", "DELETE")
    ],
    """CREATE TRIGGER ledger_reversal_recorded BEFORE INSERT ON ledger_entry
    WHEN NEW.reverses_txn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_reversal
        WHERE reversed_txn = NEW.reverses_txn AND reversal_txn = NEW.txn)
    BEGIN SELECT RAISE(ABORT, 'a reversal must be recorded in ledger_reversal first'); END""",
]
SQLITE_DROPS = [
    "DROP TRIGGER IF EXISTS ledger_reversal_recorded",
    *[
        f"DROP TRIGGER IF EXISTS {table}_no_{op_name}"
        for table in ("audit_event", "ledger_reversal")
        for op_name in ("update", "delete")
    ],
]


def _guards(create: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        statements = PG_GUARDS if create else PG_DROPS
    else:
        statements = SQLITE_GUARDS if create else SQLITE_DROPS
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    pool_lock = op.create_table(
        'pool_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.CheckConstraint('id = 1', name='ck_pool_lock_one_row'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(pool_lock, [{"id": 1}])
    op.create_table(
        'ledger_reversal',
        sa.Column('reversed_txn', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('reversal_txn', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('reversed_txn'),
        sa.UniqueConstraint('reversal_txn'),
    )
    # Reversals made before this revision get their row, so they stay the only one.
    op.execute(
        "INSERT INTO ledger_reversal (reversed_txn, reversal_txn, created_at) "
        "SELECT reverses_txn, MIN(txn), MIN(created_at) FROM ledger_entry "
        "WHERE reverses_txn IS NOT NULL GROUP BY reverses_txn"
    )
    op.create_table(
        'idempotency_key',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index(
        op.f('ix_idempotency_key_user_id'), 'idempotency_key', ['user_id'], unique=False
    )
    _guards(create=True)


def downgrade() -> None:
    _guards(create=False)
    op.drop_index(op.f('ix_idempotency_key_user_id'), table_name='idempotency_key')
    op.drop_table('idempotency_key')
    op.drop_table('ledger_reversal')
    op.drop_table('pool_lock')
