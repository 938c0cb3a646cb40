"""The multi-indicator score (0-100) and grade, vectorised over many assets of one kind."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from valuation.batch import Batch, build_batch
from valuation.facts import facts_class
from valuation.indicators import INDICATORS
from valuation.schema import specs_of
from valuation.tables import IndicatorSpec, load_tables

Floats = NDArray[np.float64]


def batch_for(kind: str, columns: Mapping[str, Any], as_of: date) -> Batch:
    """Validate facts columns of one kind into a Batch (FactsError on bad facts)."""
    return build_batch(kind, specs_of(facts_class(kind)), columns, as_of)


def indicator_points(batch: Batch) -> list[tuple[IndicatorSpec, Floats]]:
    """Points of every indicator of the batch's kind, in the data file's order."""
    return [
        (spec, spec.max_points * INDICATORS[spec.code].fraction(batch, spec.params))
        for spec in load_tables().indicators[batch.kind]
    ]


def total_score(points: list[tuple[IndicatorSpec, Floats]]) -> Floats:
    """Sum of indicator points, rounded to one decimal (the published score)."""
    total: Floats = np.zeros(points[0][1].shape, dtype=np.float64)
    for _, p in points:
        total = total + p
    return np.round(np.clip(total, 0.0, 100.0), 1).astype(np.float64, copy=False)


def score_many(kind: str, columns: Mapping[str, ArrayLike], *, as_of: date) -> Floats:
    """Scores (0-100, one decimal) of many assets of one kind from facts columns.

    Columns are named like the facts (`nice_class_count` for the number of Nice classes):
    dates as datetime64 (NaT = missing), money and counts as integer arrays, choices as
    strings or integer codes into the vocabularies; optional columns may be omitted or
    masked (numpy.ma). `columns_from_facts` builds them from facts records.
    """
    return total_score(indicator_points(batch_for(kind, columns, as_of)))


def grades_of(scores: ArrayLike) -> NDArray[np.str_]:
    """Grades (AAA..C) for an array of scores."""
    floors = load_tables().grade_floors[::-1]  # ascending
    lows = np.array([f for f, _ in floors])
    names = np.array([g for _, g in floors])
    idx = np.searchsorted(lows, np.asarray(scores, dtype=np.float64), side="right") - 1
    return names[np.maximum(idx, 0)]


def grade_of(score: float) -> str:
    """The grade (AAA..C) for one score."""
    return str(grades_of([score])[0])
