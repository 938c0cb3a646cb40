"""Market approach: an estimate from (fictional) comparable transactions of the same kind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuation.income import round_fen
from valuation.tables import Comparable, load_tables


@dataclass(frozen=True)
class MarketEstimate:
    """Comparable-based value: median (estimate) and P10/P90 of the adjusted prices."""

    estimate: int
    low: int
    high: int
    basis: str
    comparables: tuple[Comparable, ...]


def market_estimate(
    kind: str, industry: str, score: float, revenue_base: float | None, weight: float
) -> MarketEstimate | None:
    """Adjust comparables' prices to the subject (score, and revenue when known).

    With a revenue base each comparable gives price/revenue x subject revenue; without one
    its price is used as is. `weight` scales the result (grant probability of an application).
    """
    tables = load_tables()
    adj = tables.comparables_adjustment
    same_kind = [c for c in tables.comparables if c.kind == kind]
    same_industry = [c for c in same_kind if c.industry == industry]
    chosen = same_industry if len(same_industry) >= int(adj["min_same_industry"]) else same_kind
    if not chosen:
        return None
    prices = np.array([c.price_fen for c in chosen], dtype=np.float64)
    if revenue_base is not None:
        revenues = np.array([c.annual_revenue_fen for c in chosen], dtype=np.float64)
        prices = prices / revenues * revenue_base
        basis = "price-to-revenue multiple"
    else:
        basis = "price"
    factors = np.clip(
        1.0 + float(adj["per_score_point"]) * (score - np.array([c.score for c in chosen])),
        float(adj["min_factor"]),
        float(adj["max_factor"]),
    )
    low, mid, high = np.quantile(prices * factors * weight, [0.1, 0.5, 0.9])
    scope = "same industry" if chosen is same_industry else "same kind, all industries"
    return MarketEstimate(
        round_fen(mid), round_fen(low), round_fen(high), f"{basis}, {scope}", tuple(chosen)
    )
