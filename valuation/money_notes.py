"""The sentences that say how the money value was reached (see valuation/notes.py)."""

from __future__ import annotations

from valuation.comparables import MarketEstimate
from valuation.income import IncomeAssumptions
from valuation.notes import Note, cny, pct_bp, value_note


def _gi_note(income: IncomeAssumptions) -> Note:
    royalty = f"{100.0 * income.royalty_rate:.2f}".rstrip("0").rstrip(".")
    if income.revenue_base and income.licence_income:
        return value_note(
            "gi_both",
            fees_cny=cny(income.licence_income),
            sales_cny=cny(income.revenue_base),
            royalty_pct=royalty,
        )
    if income.licence_income:
        return value_note("gi_holder_fees", amount_cny=cny(income.licence_income))
    return value_note("gi_own_sales", amount_cny=cny(income.revenue_base), royalty_pct=royalty)


def value_notes(
    kind: str,
    method: str,
    income: IncomeAssumptions | None,
    cost: int | None,
    floored: bool,
    market: MarketEstimate | None,
    live: bool,
) -> tuple[Note, ...]:
    """Value basis, tax, cost floor and market cross-check sentences, in report order."""
    notes: list[Note] = []
    if method == "relief_from_royalty" and income is not None:
        notes.append(value_note("income", life=f"{income.life_years:.1f}"))
        if kind == "gi_mark":
            notes.append(_gi_note(income))
        notes.append(value_note("tax", tax_pct=pct_bp(income.tax_rate_bp)))
        if floored and cost is not None:
            notes.append(value_note("cost_floor_applied", cost_cny=cny(cost)))
    elif method == "cost":
        notes.append(value_note("cost_fallback"))
    elif live:
        notes.append(value_note("no_evidence"))
    if market is not None:
        if market.illustrative:
            notes.append(value_note("market_illustrative"))
        else:
            notes.append(value_note("market_sourced", count=len(market.comparables)))
    return tuple(notes)
