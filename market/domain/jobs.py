"""Forecast jobs and plan targets: their kinds and states (pure enums)."""

from __future__ import annotations

import enum


class JobKind(enum.StrEnum):
    FORECAST = "forecast"  # one scheme on the live portfolio
    COMPARE = "compare"  # several schemes, common random numbers
    DESIGN = "design"  # search for a scheme parameter under a depletion target


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


class TargetMetric(enum.StrEnum):
    FINANCING_AMOUNT = "financing_amount"  # principal lent in the year reaches an amount (fen)
    LOAN_COUNT_GROWTH = "loan_count_growth"  # loans this year >= last year x (1 + growth)
    FINANCING_GROWTH = "financing_growth"  # principal this year > last year x (1 + growth)
    POOL_LEVERAGE = "pool_leverage"  # live enrolled principal / pool balance reaches a multiple
