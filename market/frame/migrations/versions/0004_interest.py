"""interest: daily interest, penalty interest, subsidy ledger accounts, recovery reversals

Revision ID: 0004_interest
Revises: 0003_lending
Create Date: 2026-12-01 05:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import market.models.types

revision: str = '0004_interest'
down_revision: str | None = '0003_lending'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ACCOUNTS = ('pool_cash', 'funding', 'compensation', 'recoveries')
NEW_ACCOUNTS = (*OLD_ACCOUNTS, 'subsidies', 'subsidy_payable', 'fee_subsidies')
THRESHOLDS_KEY = 'classification_thresholds'
RULE_CEILINGS = (7, 90, 270, 360)


def _accounts(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name='ck_ledgeraccount', native_enum=False, create_constraint=True, length=32
    )


def _ledger_accounts(values: tuple[str, ...]) -> None:
    """Widen (or narrow) the CHECK on ledger_entry.account."""
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS ck_ledgeraccount')
        listed = ', '.join(f"'{v}'" for v in values)
        op.execute(
            f'ALTER TABLE ledger_entry ADD CONSTRAINT ck_ledgeraccount CHECK (account IN ({listed}))'
        )
        return
    # SQLite rebuilds the table to change a CHECK, which drops its triggers (the append-only
    # guards of 0003 and any added since): keep whatever triggers exist and re-create them.
    triggers = [
        row[0]
        for row in bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_entry'"
            )
        )
    ]
    old = OLD_ACCOUNTS if values == NEW_ACCOUNTS else NEW_ACCOUNTS
    with op.batch_alter_table('ledger_entry', recreate='always') as batch_op:
        batch_op.alter_column(
            'account', existing_type=_accounts(old), type_=_accounts(values), existing_nullable=False
        )
    for statement in triggers:
        op.execute(statement)


def _convert_thresholds(forward: bool) -> None:
    """A stored setting read '>= N days' before and 'more than N days' now: N becomes N - 1
    (within the 2023 rule's ceilings); a value that cannot be converted falls back to the
    defaults."""
    bind = op.get_bind()
    row = bind.execute(
        sa.text('SELECT value FROM setting WHERE key = :k'), {'k': THRESHOLDS_KEY}
    ).first()
    if row is None:
        return
    try:
        values = [int(p) for p in str(row[0]).split('/')]
    except ValueError:
        values = []
    if forward:
        values = [min(v - 1, c) for v, c in zip(values, RULE_CEILINGS, strict=False)]
    else:
        values = [v + 1 for v in values]
    good = len(values) == 4 and values[0] >= 0 and all(b > a for a, b in zip(values, values[1:]))
    if good:
        bind.execute(
            sa.text('UPDATE setting SET value = :v WHERE key = :k'),
            {'v': '/'.join(map(str, values)), 'k': THRESHOLDS_KEY},
        )
    else:
        bind.execute(sa.text('DELETE FROM setting WHERE key = :k'), {'k': THRESHOLDS_KEY})


def upgrade() -> None:
    day_count = sa.Enum(
        'actual_360', 'thirty_360', name='ck_daycount', native_enum=False,
        create_constraint=True, length=32,
    )
    op.add_column('loan', sa.Column(
        'day_count', day_count, nullable=False, server_default='actual_360'))
    op.add_column('loan', sa.Column(
        'penalty_markup_bp', sa.Integer(), nullable=False, server_default='5000'))
    for name in ('penalty_accrued', 'compound_accrued', 'penalty_paid'):
        op.add_column('loan', sa.Column(name, sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('loan', sa.Column('penalty_accrued_to', sa.Date(), nullable=True))
    # Schedules made before this revision charged annual rate / 12 a month: 30E/360.
    op.execute("UPDATE loan SET day_count = 'thirty_360' WHERE disbursed_on IS NOT NULL")
    op.add_column('repayment', sa.Column(
        'penalty', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('repayment', sa.Column(
        'subsidy', sa.BigInteger(), nullable=False, server_default='0'))
    prepay = sa.Enum(
        'keep_term', 'keep_instalment', name='ck_prepaymode', native_enum=False,
        create_constraint=True, length=32,
    )
    op.add_column('repayment', sa.Column('prepay_mode', prepay, nullable=True))
    op.create_table('recovery_reversal',
    sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recovery_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('txn', sa.String(length=36), nullable=True),
    sa.Column('reversed_on', sa.Date(), nullable=False),
    sa.Column('reversed_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.ForeignKeyConstraint(['recovery_id'], ['recovery.id'], ),
    sa.ForeignKeyConstraint(['reversed_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recovery_id')
    )
    op.create_index(op.f('ix_recovery_reversal_loan_id'), 'recovery_reversal', ['loan_id'])
    _ledger_accounts(NEW_ACCOUNTS)
    _convert_thresholds(forward=True)


def downgrade() -> None:
    _convert_thresholds(forward=False)
    _ledger_accounts(OLD_ACCOUNTS)
    op.drop_index(op.f('ix_recovery_reversal_loan_id'), table_name='recovery_reversal')
    op.drop_table('recovery_reversal')
    with op.batch_alter_table('repayment') as batch_op:
        for name in ('prepay_mode', 'subsidy', 'penalty'):
            batch_op.drop_column(name)
    with op.batch_alter_table('loan') as batch_op:
        for name in (
            'penalty_accrued_to', 'penalty_paid', 'compound_accrued', 'penalty_accrued',
            'penalty_markup_bp', 'day_count',
        ):
            batch_op.drop_column(name)
