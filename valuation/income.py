"""Income approach: relief from royalty, central value and seeded uncertainty (P10/P50/P90)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from valuation.batch import Batch
from valuation.errors import FactsError
from valuation.indicators import growth_used
from valuation.methods import relief_from_royalty_many
from valuation.tables import load_tables
from valuation.vocab import INCOME_FAMILY, INDUSTRIES, LEGAL_STATUSES, PATENT_KINDS


@dataclass(frozen=True)
class IncomeAssumptions:
    """The central inputs of the relief-from-royalty model for one asset.

    `revenue_base` is the own product revenue a year the royalty rate applies to (for a GI
    mark, the borrower's own sales under the mark), `licence_income` the royalty income
    actually received a year (for a GI mark, the fees its holder collects); either may be 0.
    """

    revenue_base: int
    licence_income: int
    revenue_growth: float
    royalty_rate: float
    discount_rate: float
    tax_rate: float
    tax_rate_bp: int
    life_years: float
    grant_probability: float
    simulations: int
    central_value: int


def round_fen(x: float) -> int:
    """Round a float amount of fen to whole fen, halves up (the rounding rule for values)."""
    return int(np.floor(x + 0.5))


def revenue_evidence(batch: Batch) -> tuple[float, float]:
    """(own product revenue, licence income) a year in fen, 0.0 where not given.

    For a GI mark: the borrower's own sales under the mark and the fees its holder collects;
    the region's output value is never a revenue base.
    """
    if batch.kind == "gi_mark":
        columns = ("own_sales_under_mark", "holder_fee_income")
    else:
        columns = ("annual_revenue", "licence_income")
    product, licence = (float(np.nan_to_num(batch.a[c][0], nan=0.0)) for c in columns)
    return product, licence


def tax_rate_checked(tax_rate_bp: int | None) -> int:
    """The borrower's income-tax rate in basis points (default: the standard 25%).

    Enterprise Income Tax Law of the PRC, Art. 4 (25%) and Art. 28 (15% for high and new
    technology enterprises); bounds from valuation/data/income.json.
    """
    tax = load_tables().income["tax"]
    if tax_rate_bp is None:
        return int(tax["standard_bp"])
    low, high = int(tax["minimum_bp"]), int(tax["maximum_bp"])
    if isinstance(tax_rate_bp, bool) or not isinstance(tax_rate_bp, int):
        raise FactsError(
            "tax_rate_bp", f"must be an int number of basis points, got {tax_rate_bp!r}"
        )
    if not low <= tax_rate_bp <= high:
        raise FactsError("tax_rate_bp", f"must be between {low} and {high}, got {tax_rate_bp}")
    return tax_rate_bp


def life_years(batch: Batch) -> float:
    """Shorter of economic life and remaining legal term; marks renew, so economic life."""
    income = load_tables().income
    industry = INDUSTRIES[int(batch.a["industry"][0])]
    economic = float(income["economic_life_years"][industry][INCOME_FAMILY[batch.kind]])
    if not bool(batch.a["live"][0]):
        return 0.0
    if batch.kind in PATENT_KINDS:
        return min(economic, float(batch.a["remaining_years"][0]))
    return economic


def assumptions(batch: Batch, score: float, tax_rate_bp: int) -> IncomeAssumptions | None:
    """Central income assumptions for a one-asset batch, or None without revenue evidence."""
    base, licence = revenue_evidence(batch)
    if base <= 0.0 and licence <= 0.0:
        return None
    income = load_tables().income
    kind = batch.kind
    industry = INDUSTRIES[int(batch.a["industry"][0])]
    at0, at100 = (
        float(income["score_royalty_multiplier"][k]) for k in ("at_score_0", "at_score_100")
    )
    royalty = (
        float(income["royalty_rates"][industry][INCOME_FAMILY[kind]])
        * float(income["kind_royalty_multiplier"][kind])
        * (at0 + (at100 - at0) * score / 100.0)
    )
    disc = income["discount"]
    discount = max(
        float(disc["base_rate"])
        + float(disc["kind_premium"][kind])
        + float(disc["score_premium_max"]) * (1.0 - score / 100.0),
        float(disc["minimum"]),
    )
    pending = LEGAL_STATUSES[int(batch.a["legal_status"][0])] == "pending"
    grant_probability = float(income["grant_probability"][kind]) if pending else 1.0
    growth = float(growth_used(batch)[0])
    tax = tax_rate_bp / 10_000
    life = life_years(batch)
    central = relief_from_royalty_many(
        base, np.array([growth]), np.array([royalty]), np.array([discount]), tax, life, licence
    )[0]
    return IncomeAssumptions(
        revenue_base=round_fen(base),
        licence_income=round_fen(licence),
        revenue_growth=growth,
        royalty_rate=royalty,
        discount_rate=discount,
        tax_rate=tax,
        tax_rate_bp=tax_rate_bp,
        life_years=life,
        grant_probability=grant_probability,
        simulations=int(income["uncertainty"]["simulations"]),
        central_value=round_fen(central * grant_probability),
    )


def simulate(a: IncomeAssumptions, seed: int) -> NDArray[np.float64]:
    """Values under uncertain royalty rate, growth and discount rate (common random numbers).

    The same seed gives the same uniforms whatever the facts, so a better asset is better in
    every scenario and its quantiles never fall.
    """
    u_cfg = load_tables().income["uncertainty"]
    u = np.random.default_rng(seed).random((a.simulations, 3))
    royalty = stats.lognorm(s=float(u_cfg["royalty_log_sd"]), scale=a.royalty_rate).ppf(u[:, 0])
    growth = np.maximum(
        stats.norm(a.revenue_growth, float(u_cfg["growth_sd"])).ppf(u[:, 1]),
        float(u_cfg["growth_floor"]),
    )
    minimum = float(load_tables().income["discount"]["minimum"])
    discount = np.maximum(
        stats.norm(a.discount_rate, float(u_cfg["discount_sd"])).ppf(u[:, 2]), minimum
    )
    values = relief_from_royalty_many(
        float(a.revenue_base),
        growth,
        royalty,
        discount,
        a.tax_rate,
        a.life_years,
        float(a.licence_income),
    )
    return values * a.grant_probability
