"""payments: payment records, the fee table, processed Stripe events, product flags and the
pool's subsidies account

Revision ID: 0009_payments
Revises: 0005_rules
Create Date: 2026-12-01 06:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.models.types

revision: str = '0009_payments'
down_revision: str | None = '0005_rules'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The ledger's 'fee_subsidies' account is allowed by 0004_interest (a revision before this one).


def upgrade() -> None:
    op.create_table('fee_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('valuation_fee_invention_patent', sa.BigInteger(), nullable=False),
    sa.Column('valuation_fee_utility_model', sa.BigInteger(), nullable=False),
    sa.Column('valuation_fee_design_patent', sa.BigInteger(), nullable=False),
    sa.Column('valuation_fee_trademark', sa.BigInteger(), nullable=False),
    sa.Column('valuation_fee_gi_mark', sa.BigInteger(), nullable=False),
    sa.Column('guarantee_fee_bp', sa.Integer(), nullable=False),
    sa.Column('premium_bp', sa.Integer(), nullable=False),
    sa.Column('valuation_subsidy_bp', sa.Integer(), nullable=False),
    sa.Column('guarantee_subsidy_bp', sa.Integer(), nullable=False),
    sa.Column('premium_subsidy_bp', sa.Integer(), nullable=False),
    sa.Column('yearly_cap', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "valuation_fee_invention_patent >= 0 AND valuation_fee_utility_model >= 0 "
        "AND valuation_fee_design_patent >= 0 AND valuation_fee_trademark >= 0 "
        "AND valuation_fee_gi_mark >= 0 AND guarantee_fee_bp BETWEEN 0 AND 10000 "
        "AND premium_bp BETWEEN 0 AND 10000 "
        "AND valuation_subsidy_bp BETWEEN 0 AND 10000 "
        "AND guarantee_subsidy_bp BETWEEN 0 AND 10000 "
        "AND premium_subsidy_bp BETWEEN 0 AND 10000 AND yearly_cap >= 0",
        name='ck_fee_table_ranges'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('valuation_fee', 'insurance_premium', 'guarantee_fee', name='ck_paymentpurpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('valuation_id', sa.Integer(), nullable=True),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('subsidy', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('subsidy_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('created', 'pending', 'failed', 'succeeded', 'refunded', 'cancelled', name='ck_paymentstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('stripe_payment_intent_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('stripe_refund_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('subsidy_txn', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('refund_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('refunded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('created_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('refunded_on', sa.Date(), nullable=True),
    sa.CheckConstraint('gross >= 0 AND subsidy >= 0 AND amount >= 0 AND gross = subsidy + amount', name='ck_payment_amounts'),
    sa.ForeignKeyConstraint(['company_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['loan_id'], ['loan.id'], ),
    sa.ForeignKeyConstraint(['refunded_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['valuation_id'], ['asset_valuation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('stripe_payment_intent_id')
    )
    op.create_index('ix_payment_company_id', 'payment', ['company_id'], unique=False)
    op.create_index('ix_payment_loan_id', 'payment', ['loan_id'], unique=False)
    op.create_index('ix_payment_status', 'payment', ['status'], unique=False)
    op.create_index('ix_payment_updated_at', 'payment', ['updated_at'], unique=False)
    op.create_index('ix_payment_valuation_id', 'payment', ['valuation_id'], unique=False)
    op.create_index('uq_payment_live_subject', 'payment', ['purpose', 'subject_key'], unique=True,
                    sqlite_where=sa.text("status NOT IN ('cancelled', 'refunded')"),
                    postgresql_where=sa.text("status NOT IN ('cancelled', 'refunded')"))
    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('received_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index('ix_stripe_event_payment_id', 'stripe_event', ['payment_id'], unique=False)
    # Plain ADD COLUMN (no table rebuild, so the triggers of 0003 stay).
    op.add_column('asset_valuation', sa.Column('report_released_on', sa.Date(), nullable=True))
    op.add_column('loan', sa.Column('insurance_in_force_on', sa.Date(), nullable=True))
    op.add_column('loan', sa.Column('guarantee_in_force_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('loan', 'guarantee_in_force_on')
    op.drop_column('loan', 'insurance_in_force_on')
    op.drop_column('asset_valuation', 'report_released_on')
    op.drop_index('ix_stripe_event_payment_id', table_name='stripe_event')
    op.drop_table('stripe_event')
    op.drop_index('uq_payment_live_subject', table_name='payment')
    op.drop_index('ix_payment_valuation_id', table_name='payment')
    op.drop_index('ix_payment_updated_at', table_name='payment')
    op.drop_index('ix_payment_status', table_name='payment')
    op.drop_index('ix_payment_loan_id', table_name='payment')
    op.drop_index('ix_payment_company_id', table_name='payment')
    op.drop_table('payment')
    op.drop_table('fee_table')
