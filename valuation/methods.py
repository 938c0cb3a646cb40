"""Valuation arithmetic: present value, relief from royalty, real option (Black-Scholes-Merton).

These helpers work in whatever money unit they are given and return floats; callers round.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

Floats = NDArray[np.float64]


def _flows(values: Sequence[float] | Floats, name: str) -> Floats:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    return arr


def _rate(rate: float, name: str) -> float:
    if not math.isfinite(rate) or rate <= -1.0:
        raise ValueError(f"{name} must be finite and above -1, got {rate!r}")
    return float(rate)


def present_value(cash_flows: Sequence[float] | Floats, rate: float) -> float:
    """Present value of year-end cash flows for years 1..n at a constant annual rate."""
    flows = _flows(cash_flows, "cash_flows")
    years = np.arange(1, flows.size + 1, dtype=np.float64)
    return float(np.sum(flows / (1.0 + _rate(rate, "rate")) ** years))


def relief_from_royalty(
    revenues: Sequence[float] | Floats,
    royalty_rate: float,
    tax_rate: float,
    discount_rate: float,
) -> float:
    """V = sum_t Rev_t * r * (1 - tax) / (1 + k)^t over years 1..n (year-end flows)."""
    if not 0.0 <= tax_rate < 1.0:
        raise ValueError(f"tax_rate must be in [0, 1), got {tax_rate!r}")
    if not math.isfinite(royalty_rate) or royalty_rate < 0.0:
        raise ValueError(f"royalty_rate must be >= 0, got {royalty_rate!r}")
    revs = _flows(revenues, "revenues")
    return present_value(revs * royalty_rate * (1.0 - tax_rate), discount_rate)


def real_option_value(
    underlying: float,
    strike: float,
    volatility: float,
    years: float,
    risk_free: float,
    dividend_yield: float,
) -> float:
    """Black-Scholes-Merton call value with a continuous dividend yield.

    C = S e^{-qT} N(d1) - K e^{-rT} N(d2); at T = 0 or zero volatility it is the
    discounted intrinsic value max(S e^{-qT} - K e^{-rT}, 0).
    """
    for name, value in (
        ("underlying", underlying),
        ("strike", strike),
        ("volatility", volatility),
        ("years", years),
    ):
        if not math.isfinite(value) or value < 0.0:
            raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    if not (math.isfinite(risk_free) and math.isfinite(dividend_yield)):
        raise ValueError("risk_free and dividend_yield must be finite")
    spot = underlying * math.exp(-dividend_yield * years)
    pv_strike = strike * math.exp(-risk_free * years)
    spread = volatility * math.sqrt(years)
    if spread == 0.0 or underlying == 0.0 or strike == 0.0:
        return max(spot - pv_strike, 0.0)
    d1 = (math.log(spot / pv_strike) + 0.5 * spread * spread) / spread
    d2 = d1 - spread
    return float(spot * norm.cdf(d1) - pv_strike * norm.cdf(d2))


def growth_annuity_many(growth: Floats, discount_rate: Floats, life_years: float) -> Floats:
    """sum_t share_t (1 + g)^t / (1 + k)^t for each scenario: the value of 1 a year today.

    Year-end flows for years 1..ceil(life); the last year counts pro rata when the life is
    fractional (e.g. 7.4 years: years 1-7 in full, 40% of year 8).
    """
    n_years = math.ceil(life_years)
    if n_years <= 0:
        return np.zeros_like(discount_rate)
    t = np.arange(1, n_years + 1, dtype=np.float64)
    share = np.minimum(life_years - (t - 1.0), 1.0)
    growth_factor = (1.0 + growth[:, None]) ** t
    discount_factor = (1.0 + discount_rate[:, None]) ** t
    out: Floats = np.sum(share * growth_factor / discount_factor, axis=1)
    return out


def relief_from_royalty_many(
    revenue0: float,
    growth: Floats,
    royalty_rate: Floats,
    discount_rate: Floats,
    tax_rate: float,
    life_years: float,
    licence_income0: float = 0.0,
) -> Floats:
    """Relief-from-royalty values for many scenarios at once.

    V = sum_t (Rev_t * r + L_t) * (1 - tax) / (1 + k)^t, with Rev_t = revenue0 * (1 + g)^t the
    owner's own product revenue and L_t = licence_income0 * (1 + g)^t royalty income actually
    received (no rate applies to it: it already is a royalty).
    """
    if math.ceil(life_years) <= 0 or (revenue0 <= 0.0 and licence_income0 <= 0.0):
        return np.zeros_like(royalty_rate)
    per_unit = growth_annuity_many(growth, discount_rate, life_years)
    royalties = max(revenue0, 0.0) * royalty_rate + max(licence_income0, 0.0)
    values: Floats = royalties * (1.0 - tax_rate) * per_unit
    return values
