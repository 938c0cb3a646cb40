"""The Valuation record returned by value_asset, and its JSON form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from valuation.comparables import MarketEstimate
from valuation.income import IncomeAssumptions
from valuation.indicators import FactValue
from valuation.notes import Note


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

    `value_method` is relief_from_royalty (revenue evidence), cost (no revenue evidence:
    cost approach) or none (no value can be given). `max_loan` = pledge rate x `value_p50`
    (`pledge_rule` states it with the cap and its source); `pledgeable` is False, with the
    reason in `loan_note_code` / `loan_note`, when no loan can be made. `pledge_rate_bp` is
    in basis points (2500 = 25%); `pledge_rate` gives it as a Decimal fraction.
    `market_comparables` is a cross-check only. `inputs` holds the facts, seed, as_of date
    and tax rate that reproduce it.
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
    pledge_cap_bp: int
    max_loan: int
    pledgeable: bool
    loan_note_code: str
    loan_note: str
    loan_note_template: str
    loan_note_params: dict[str, str | int | float]
    pledge_rule: Note
    value_notes: tuple[Note, ...]
    tax_rate_bp: int
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
