"""The bureau's desk: forecast jobs, the portfolio snapshots they ran on, plan targets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.domain.jobs import JobKind, JobStatus, TargetMetric
from market.domain.timeutil import utcnow
from market.models.types import enum_column, json_column, money_column, utc_column


class PortfolioSnapshot(SQLModel, table=True):
    """The enrolled loans a forecast ran on, stored once per content hash."""

    __tablename__ = "portfolio_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, unique=True)
    taken_on: date
    loans: int
    principal: int = Field(sa_column=money_column())
    # columns: loan_id, exposure (fen), grade, term (months), bank_id, borrower_id, industry
    rows: list[Any] = Field(default_factory=list, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ForecastJob(SQLModel, table=True):
    """A stored forecast request and, once run, its result; reproducible from the record."""

    __tablename__ = "forecast_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: JobKind = Field(sa_column=enum_column(JobKind))
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_column=enum_column(JobStatus))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    seed: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    # [{"label", "version_id" (None for a draft or preset), "document"}]
    schemes: list[Any] = Field(default_factory=list, sa_column=json_column())
    snapshot_id: int = Field(foreign_key="portfolio_snapshot.id", index=True)
    pool_balance: int = Field(sa_column=money_column())
    progress_done: int = 0
    progress_total: int = 0
    result: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    error: str = Field(default="", max_length=1000)
    worker: str = Field(default="", max_length=200)
    rerun_of_id: int | None = Field(default=None, foreign_key="forecast_job.id")
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    started_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    heartbeat_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PlanTarget(SQLModel, table=True):
    """A target of a city's IP plan the desk measures the platform against."""

    __tablename__ = "plan_target"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    city: str = Field(max_length=64)
    metric: TargetMetric = Field(sa_column=enum_column(TargetMetric))
    # fen for an amount, hundredths for a leverage multiple (1000 = 10x); unused for growth
    target_value: int = Field(default=0, sa_column=money_column())
    growth_bp: int = 0  # for growth targets: 1000 = +10% a year, 0 = any growth
    year: int  # the year the target is for (the plan's end year for a cumulative target)
    source: str = Field(max_length=500)
    note: str = Field(default="", max_length=500)
    row_version: int = 1
    updated_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
