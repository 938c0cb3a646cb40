"""docs: uploaded documents (registration certificates, financial statements, claim evidence,
disposal contracts)

Revision ID: 0012_docs
Revises: 0012_notify
Create Date: 2026-12-01 08:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.models.types

revision: str = '0012_docs'
down_revision: str | None = '0012_notify'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ('registration_certificate', 'financial_statement', 'claim_evidence', 'disposal_contract')
SUBJECTS = ('asset_id', 'organisation_id', 'claim_id', 'recovery_id')


def _shape_check() -> str:
    """The same CHECK as market.models.documents (copied: a migration never imports models)."""
    cases = []
    for kind, column in zip(KINDS, SUBJECTS, strict=True):
        nulls = " AND ".join(f"{c} IS NULL" for c in SUBJECTS if c != column)
        cases.append(f"(kind = '{kind}' AND {column} IS NOT NULL AND {nulls})")
    return " OR ".join(cases)


def upgrade() -> None:
    op.create_table(
        'document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum(*KINDS, name='ck_documentkind', native_enum=False, length=32,
                    create_constraint=True),
            nullable=False,
        ),
        sa.Column('asset_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('claim_id', sa.Integer(), nullable=True),
        sa.Column('recovery_id', sa.Integer(), nullable=True),
        sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_org_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', market.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_shape_check(), name='ck_document_subject'),
        sa.CheckConstraint('size_bytes > 0', name='ck_document_size'),
        sa.ForeignKeyConstraint(['asset_id'], ['ip_asset.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['claim_id'], ['claim.id']),
        sa.ForeignKeyConstraint(['recovery_id'], ['recovery.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['uploaded_by_org_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('storage_key'),
    )
    for column in SUBJECTS:
        op.create_index(op.f(f'ix_document_{column}'), 'document', [column])


def downgrade() -> None:
    for column in SUBJECTS:
        op.drop_index(op.f(f'ix_document_{column}'), table_name='document')
    op.drop_table('document')
