"""From value to loan: liquidation value, pledge rate (basis points) and maximum loan."""

from __future__ import annotations

from dataclasses import dataclass

from valuation.tables import load_tables
from valuation.vocab import ASSET_NOUN, PATENT_KINDS


@dataclass(frozen=True)
class LoanTerms:
    """Loan terms; `note_code` names the rule that set the pledge rate (for translation)."""

    liquidation_value: int
    pledge_rate_bp: int
    max_loan: int
    note_code: str
    note: str


def liquidation_value(kind: str, value_p10: int) -> int:
    """P10 less the kind's forced-sale discount, rounded down to whole fen."""
    discount = float(load_tables().loan["forced_sale_discount"][kind])
    # Integer arithmetic on basis points keeps the rounding exact.
    keep_bp = 10_000 - round(discount * 10_000)
    return value_p10 * keep_bp // 10_000


def loan_terms(
    *,
    kind: str,
    grade: str,
    value_p10: int,
    legal_status: str,
    remaining_years: float,
    invalidation_pending: bool,
) -> LoanTerms:
    """Pledge rate = floor + (cap - floor) x grade factor, or 0 when the asset can't be pledged.

    max_loan = floor(pledge_rate_bp x liquidation_value / 10,000).
    """
    loan = load_tables().loan
    asset = ASSET_NOUN[kind]
    liquidation = liquidation_value(kind, value_p10)
    min_years = float(loan["min_remaining_years"][kind])
    factor = float(loan["grade_factor"][grade])
    if legal_status == "pending":
        code, note = (
            "pending",
            (
                f"A pending {asset} application cannot be registered as a pledge; "
                "its value is shown for information only."
            ),
        )
    elif legal_status != "valid":
        code, note = "not_in_force", f"The {asset} is {legal_status}, so it cannot secure a loan."
    elif kind in PATENT_KINDS and invalidation_pending:
        code, note = (
            "invalidation_pending",
            (
                f"An invalidation request against the {asset} is pending, and a pledge of a "
                "patent under invalidation cannot be registered."
            ),
        )
    elif remaining_years < min_years:
        code, note = (
            "term_too_short",
            (
                f"Only {remaining_years:.1f} years of protection remain, less than the "
                f"{min_years:g} years a pledge needs to outlast the loan."
            ),
        )
    elif factor == 0.0:
        code, note = "score_too_low", f"Grade {grade} is below the lowest grade banks lend on."
    else:
        cap, floor = int(loan["pledge_cap_bp"][kind]), int(loan["pledge_floor_bp"][kind])
        rate = floor + round((cap - floor) * factor)
        return LoanTerms(
            liquidation,
            rate,
            rate * liquidation // 10_000,
            "eligible",
            f"Pledge rate {rate / 100:g}% for a grade {grade} {asset} (cap {cap / 100:g}%), "
            f"applied to the liquidation value (P10 less a forced-sale discount).",
        )
    return LoanTerms(liquidation, 0, 0, code, note)
