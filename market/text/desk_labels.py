"""The desk's words: dimensions of the NPL tables, their group labels, targets, job states."""

from __future__ import annotations

from market.domain.jobs import JobKind, JobStatus, TargetMetric
from market.domain.kinds import AssetKind, Industry
from market.domain.messages import _l
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS, REGIONS

DIMENSION_LABELS = {
    "bank": _l("bank"),
    "kind": _l("kind of pledged IP"),
    "industry": _l("industry"),
    "region": _l("region"),
}

METRIC_LABELS = {
    TargetMetric.FINANCING_AMOUNT: _l("IP pledge financing in the year"),
    TargetMetric.LOAN_COUNT_GROWTH: _l("Pledge loans: growth on last year"),
    TargetMetric.FINANCING_GROWTH: _l("Pledge financing: growth on last year"),
    TargetMetric.POOL_LEVERAGE: _l("Pool leverage (enrolled principal / pool)"),
}

JOB_STATUS_LABELS = {
    JobStatus.QUEUED: _l("Queued"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Done"),
    JobStatus.FAILED: _l("Failed"),
}

JOB_KIND_LABELS = {
    JobKind.FORECAST: _l("Forecast"),
    JobKind.COMPARE: _l("Comparison"),
    JobKind.DESIGN: _l("Design"),
}

DESIGN_LABELS = {
    "leverage": _l("Largest leverage"),
    "pool": _l("Smallest pool"),
    "share": _l("Largest pool share"),
}

_REGION_LABELS = dict(REGIONS)


def dimension_label(dimension: str) -> str:
    """The name of an NPL dimension."""
    return str(DIMENSION_LABELS.get(dimension, dimension))


def group_label(dimension: str, key: str) -> str:
    """The label of a group: a kind, an industry or a region code in words; names as they are."""
    if not key:
        return str(_l("(not given)"))
    if dimension == "kind":
        if key == "mixed":
            return str(_l("Mixed pledge"))
        if key in AssetKind._value2member_map_:
            return str(KIND_LABELS[AssetKind(key)])
    if dimension == "industry" and key in Industry._value2member_map_:
        return str(INDUSTRY_LABELS[Industry(key)])
    if dimension == "region" and key in _REGION_LABELS:
        return str(_REGION_LABELS[key])
    return key
