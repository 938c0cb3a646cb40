"""The desk's roll-ups: the figures the day-end keeps so the dashboard need not scan the book
(services/desk_rollup.py writes them; the setting `desk.rollup_as_of` says when)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from market.models.types import money_column


class DeskMonth(SQLModel, table=True):
    """One month's ledger flows and enrolled principal (fen) on the days before the roll-up's
    business date (its last month is partial: the readers add the days since)."""

    __tablename__ = "desk_month"

    month: str = Field(primary_key=True, max_length=7)  # "2026-03"
    contributions: int = Field(default=0, sa_column=money_column())
    compensation: int = Field(default=0, sa_column=money_column())
    recoveries: int = Field(default=0, sa_column=money_column())
    subsidies: int = Field(default=0, sa_column=money_column())
    pool_cash: int = Field(default=0, sa_column=money_column())  # net movement of pool cash
    enrolled: int = Field(default=0, sa_column=money_column())
    closed: int = Field(default=0, sa_column=money_column())


class DeskGroup(SQLModel, table=True):
    """Live enrolled loans of one group (NPL by bank, kind, industry, region, or "all") as the
    day-end saw them; dimension "bank_enrolled" holds each bank's principal (any state)
    enrolled before the roll-up's business date, keyed by the bank's id."""

    __tablename__ = "desk_group"

    dimension: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=200)
    loans: int = 0
    principal: int = Field(default=0, sa_column=money_column())
    npl_loans: int = 0
    npl_principal: int = Field(default=0, sa_column=money_column())
