"""confirm: four eyes on claims (who recommended a claim, and a guard in the database)

Revision ID: 0012_confirm
Revises: 0012_money
Create Date: 2026-12-01 08:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_confirm'
down_revision: str | None = '0012_money'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTING = "claims.second_approval_above"  # market/services/four_eyes.py KEY

# An approval (or a later change of who approved or recommended it) is refused when no one
# approved it, when the approver recommended it, or when the pool's share is above the
# bureau's threshold and no other bureau user recommended it.
PG_GUARDS = [
    f"""CREATE FUNCTION claim_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE above bigint;
    BEGIN
        IF NEW.status = 'approved' AND (OLD.status <> 'approved'
           OR NEW.decided_by_id IS DISTINCT FROM OLD.decided_by_id
           OR NEW.recommended_by_id IS DISTINCT FROM OLD.recommended_by_id) THEN
            IF NEW.decided_by_id IS NULL OR NEW.recommended_by_id = NEW.decided_by_id THEN
                RAISE EXCEPTION 'claim %: approved by no one or by its recommender', NEW.id
                    USING ERRCODE = 'check_violation';
            END IF;
            SELECT NULLIF(value, '')::bigint INTO above FROM setting WHERE key = '{SETTING}';
            IF above IS NOT NULL AND NEW.recommended_by_id IS NULL
               AND COALESCE((NEW.split ->> 'pool')::bigint, 0) > above THEN
                RAISE EXCEPTION 'claim %: a second bureau user must approve it', NEW.id
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER claim_four_eyes BEFORE UPDATE ON claim
    FOR EACH ROW EXECUTE FUNCTION claim_four_eyes()""",
]
PG_DROPS = [
    "DROP TRIGGER IF EXISTS claim_four_eyes ON claim",
    "DROP FUNCTION IF EXISTS claim_four_eyes()",
]
SQLITE_GUARDS = [
    f"""CREATE TRIGGER claim_four_eyes BEFORE UPDATE ON claim
    WHEN NEW.status = 'approved' AND (OLD.status <> 'approved'
        OR NEW.decided_by_id IS NOT OLD.decided_by_id
        OR NEW.recommended_by_id IS NOT OLD.recommended_by_id) AND (
        NEW.decided_by_id IS NULL OR NEW.recommended_by_id = NEW.decided_by_id
        OR (NEW.recommended_by_id IS NULL AND EXISTS (
            SELECT 1 FROM setting WHERE key = '{SETTING}' AND value <> ''
            AND COALESCE(CAST(json_extract(NEW.split, '$.pool') AS INTEGER), 0)
                > CAST(value AS INTEGER))))
    BEGIN SELECT RAISE(ABORT, 'claim approval needs a second, different bureau user'); END""",
]
SQLITE_DROPS = ["DROP TRIGGER IF EXISTS claim_four_eyes"]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch: the claim table keeps its partial unique index as it is);
    # both databases accept an inline REFERENCES on a nullable new column.
    op.execute(
        "ALTER TABLE claim ADD COLUMN recommended_by_id INTEGER REFERENCES user_account (id)"
    )
    op.add_column('claim', sa.Column('recommended_on', sa.Date(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_GUARDS if postgres else SQLITE_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DROPS if postgres else SQLITE_DROPS:
        op.execute(statement)
    with op.batch_alter_table('claim') as batch:
        batch.drop_column('recommended_on')
        batch.drop_column('recommended_by_id')
