"""Small SQL building blocks the set-based day-end statements share (both dialects)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel


def table(model: type[SQLModel]) -> sa.Table:
    """The Core table of a model."""
    found = sa.inspect(model).local_table
    assert isinstance(found, sa.Table)
    return found


def days_since(dialect: str, today: date, earlier: Any) -> Any:
    """Whole days from `earlier` (a date expression) to `today`."""
    if dialect == "postgresql":
        return sa.cast(sa.literal(today, sa.Date()), sa.Date()) - earlier
    return sa.cast(sa.func.julianday(sa.literal(today.isoformat())) - sa.func.julianday(earlier),
                   sa.Integer())
