"""Column types shared by the models: UTC timestamps, enums as strings, money."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], *, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    """A column storing an enum's values as a checked VARCHAR (no native PG enum)."""
    return sa.Column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
            create_constraint=True,
            name=f"ck_{enum_cls.__name__.lower()}",
        ),
        nullable=nullable,
        **kw,
    )


def money_column(*, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    """An integer number of fen (分) in a BIGINT column."""
    return sa.Column(sa.BigInteger(), nullable=nullable, **kw)


def utc_column(*, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    """A timezone-aware UTC timestamp column."""
    return sa.Column(UTCDateTime(), nullable=nullable, **kw)


def json_column(**kw: Any) -> sa.Column[Any]:
    """A JSON document column."""
    return sa.Column(sa.JSON(), nullable=False, **kw)
