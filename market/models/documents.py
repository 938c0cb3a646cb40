"""Uploaded documents: the file lives in a document store (uploads/ under the instance folder,
or an S3-compatible bucket); this row says what it is, whose it is and where it is kept."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.kinds import DocumentKind
from market.domain.timeutil import utcnow
from market.models.types import enum_column, utc_column

# Each kind is kept on exactly one kind of record (the database refuses any other shape).
SUBJECT_COLUMN = {
    DocumentKind.REGISTRATION_CERTIFICATE: "asset_id",
    DocumentKind.FINANCIAL_STATEMENT: "organisation_id",
    DocumentKind.CLAIM_EVIDENCE: "claim_id",
    DocumentKind.DISPOSAL_CONTRACT: "recovery_id",
}


def _shape_check() -> str:
    """The CHECK: the kind's subject column is set and every other subject column is NULL."""
    columns = list(SUBJECT_COLUMN.values())
    cases = []
    for kind, column in SUBJECT_COLUMN.items():
        nulls = " AND ".join(f"{c} IS NULL" for c in columns if c != column)
        cases.append(f"(kind = '{kind.value}' AND {column} IS NOT NULL AND {nulls})")
    return " OR ".join(cases)


SHAPE_CHECK = _shape_check()


class Document(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (
        sa.CheckConstraint(SHAPE_CHECK, name="ck_document_subject"),
        sa.CheckConstraint("size_bytes > 0", name="ck_document_size"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: DocumentKind = Field(sa_column=enum_column(DocumentKind))
    asset_id: int | None = Field(default=None, foreign_key="ip_asset.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    recovery_id: int | None = Field(default=None, foreign_key="recovery.id", index=True)
    # The name in the store: random, never the user's file name.
    storage_key: str = Field(max_length=64, unique=True)
    file_name: str = Field(max_length=200)  # the user's name, cleaned, for display only
    content_type: str = Field(max_length=32)  # recognised from the bytes
    size_bytes: int
    sha256: str = Field(max_length=64)
    note: str = Field(default="", max_length=200)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    uploaded_by_org_id: int = Field(foreign_key="organisation.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
