"""offers: a bank officer may withdraw a pending offer (status 'withdrawn')

Revision ID: 0011_ux
Revises: 0010_desk
Create Date: 2026-12-01 06:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0011_ux'
down_revision: str | None = '0010_desk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ('pending_approval', 'approved', 'rejected', 'accepted', 'lapsed', 'expired')
NEW = (*OLD, 'withdrawn')


def _check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _sqlite_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Rewrite the CHECK of offer.status in place. SQLite cannot alter a CHECK constraint;
    rebuilding the table would fail on the loans that reference it (foreign keys are on), so
    this is SQLite's own documented procedure for loosening a CHECK (lang_altertable.html,
    "writable_schema"): edit the stored CREATE TABLE text and bump the schema version."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'offer'"
    ).scalar_one()
    before = "(" + ", ".join(f"'{v}'" for v in old) + ")"
    if before not in sql:
        raise RuntimeError("0011_ux: the CHECK of offer.status is not the expected one")
    after = "(" + ", ".join(f"'{v}'" for v in new) + ")"
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'offer'",
        (sql.replace(before, after),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _change(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE offer DROP CONSTRAINT ck_offerstatus")
        op.execute(f"ALTER TABLE offer ADD CONSTRAINT ck_offerstatus CHECK ({_check(new)})")
    else:
        _sqlite_check(old, new)


def upgrade() -> None:
    _change(OLD, NEW)


def downgrade() -> None:
    # A withdrawn offer becomes lapsed (the nearest older state: it can no longer be taken).
    op.execute("UPDATE offer SET status = 'lapsed' WHERE status = 'withdrawn'")
    _change(NEW, OLD)
