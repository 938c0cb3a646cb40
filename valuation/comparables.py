"""Market approach: a cross-check from comparable transactions of the same kind.

It never enters P10/P50/P90 or the maximum loan. Comparables that name a source are used
when there are any; otherwise the illustrative (fictional) ones are, and the estimate says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuation.income import round_fen
from valuation.tables import Comparable, load_tables


@dataclass(frozen=True)
class MarketEstimate:
    """Comparable-based value: median (estimate) and P10/P90 of the adjusted prices.

    `illustrative` is True when the comparables are fictional (no source): the figure is
    for orientation only.
    """

    estimate: int
    low: int
    high: int
    basis: str
    comparables: tuple[Comparable, ...]
    illustrative: bool


def market_estimate(
    kind: str, industry: str, score: float, revenue_base: float, weight: float
) -> MarketEstimate | None:
    """Comparables' price-to-revenue multiples applied to the subject's own revenue.

    Each multiple is scaled for the score difference; `weight` scales the result (grant
    probability of an application). None when the subject has no revenue or no comparables.
    """
    if revenue_base <= 0.0:
        return None
    tables = load_tables()
    adj = tables.comparables_adjustment
    same_kind = [c for c in tables.comparables if c.kind == kind]
    sourced = [c for c in same_kind if not c.illustrative]
    pool = sourced or same_kind
    same_industry = [c for c in pool if c.industry == industry]
    chosen = same_industry if len(same_industry) >= int(adj["min_same_industry"]) else pool
    if not chosen:
        return None
    prices = np.array([c.price_fen for c in chosen], dtype=np.float64)
    revenues = np.array([c.annual_revenue_fen for c in chosen], dtype=np.float64)
    factors = np.clip(
        1.0 + float(adj["per_score_point"]) * (score - np.array([c.score for c in chosen])),
        float(adj["min_factor"]),
        float(adj["max_factor"]),
    )
    values = prices / revenues * revenue_base * factors * weight
    low, mid, high = np.quantile(values, [0.1, 0.5, 0.9])
    scope = "same industry" if chosen is same_industry else "same kind, all industries"
    return MarketEstimate(
        round_fen(mid),
        round_fen(low),
        round_fen(high),
        f"price-to-revenue multiple, {scope}",
        tuple(chosen),
        illustrative=not sourced,
    )
