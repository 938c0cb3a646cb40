"""Organisations and their users."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from market.domain.kinds import CompanySize, OrgKind, Role
from market.domain.timeutil import utcnow
from market.models.types import enum_column, utc_column


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    kind: OrgKind = Field(sa_column=enum_column(OrgKind, index=True))
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18, unique=True, index=True)
    industry: str | None = Field(default=None, max_length=32)
    size: CompanySize | None = Field(
        default=None, sa_column=enum_column(CompanySize, nullable=True)
    )
    region: str = Field(default="", max_length=64)
    # A certified high and new technology enterprise pays 15% income tax, others 25%
    # (Enterprise Income Tax Law of the PRC, Art. 28 and Art. 4); the valuation uses it.
    high_tech: bool = Field(default=False)
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=32)
    contact_email: str = Field(default="", max_length=254)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_column=enum_column(Role))
    is_active: bool = Field(default=True)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_login_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Raised to end every session of the user (sign-out, password change, disabling).
    session_version: int = Field(default=0)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session token: the id and the session version ("12:3")."""
        return f"{self.id}:{self.session_version}"
