"""The Valuation record returned by value_asset, and its JSON form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from valuation.comparables import MarketEstimate
from valuation.income import IncomeAssumptions
from valuation.indicators import FactValue


@dataclass(frozen=True)
class IndicatorResult:
    """One scored indicator: where the points came from and why, in one sentence."""

    code: str
    group: str
    label: str
    fact: str
    fact_value: FactValue
    points: float
    max_points: float
    reason: str
    reason_template: str
    reason_params: dict[str, str | int | float | bool]


@dataclass(frozen=True)
class GroupScore:
    """Subtotal of one indicator group (legal, technical, economic, market)."""

    group: str
    points: float
    max_points: float


@dataclass(frozen=True)
class Valuation:
    """Score, money value range and loan terms of one asset. Money is int fen.

    `pledge_rate_bp` is the pledge rate in basis points (3000 = 30%); `pledge_rate` gives it
    as a Decimal fraction. `inputs` holds the facts, seed and as_of date that reproduce it.
    """

    kind: str
    score: float
    grade: str
    breakdown: tuple[IndicatorResult, ...]
    groups: tuple[GroupScore, ...]
    value_method: str
    value_p10: int
    value_p50: int
    value_p90: int
    income: IncomeAssumptions | None
    cost_floor: int | None
    market_comparables: MarketEstimate | None
    liquidation_value: int
    pledge_rate_bp: int
    max_loan: int
    loan_note_code: str
    loan_note: str
    confidence: float
    missing_facts: tuple[str, ...]
    model_version: str
    inputs: dict[str, Any]

    @property
    def pledge_rate(self) -> Decimal:
        """The pledge rate as a fraction (Decimal), e.g. Decimal('0.3')."""
        return Decimal(self.pledge_rate_bp) / Decimal(10_000)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (tuples as lists; pledge_rate added as a decimal string)."""
        out: dict[str, Any] = _jsonable(dataclasses.asdict(self))
        out["pledge_rate"] = str(self.pledge_rate)
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
