"""From value to loan: pledge rate (basis points), maximum loan and liquidation value.

The one rule: maximum loan = pledge rate x appraised value (P50), rounded down to whole fen.
The pledge rate is the only haircut; it falls with a weaker grade and never exceeds the cap
for the kind (valuation/data/loan.json, `cap_source` names where each cap comes from).
"""

from __future__ import annotations

from dataclasses import dataclass

from valuation.notes import Note, cny, loan_note, pct_bp, pledge_rule
from valuation.tables import load_tables
from valuation.vocab import ASSET_NOUN, PATENT_KINDS


@dataclass(frozen=True)
class LoanTerms:
    """Loan terms; `note.code` names the rule that decided them (for translation)."""

    liquidation_value: int
    pledge_rate_bp: int
    pledge_cap_bp: int
    max_loan: int
    pledgeable: bool
    note: Note
    rule: Note


def liquidation_value(kind: str, value_p10: int) -> int:
    """P10 less the kind's forced-sale discount, rounded down (shown; not used for the loan)."""
    discount = float(load_tables().loan["forced_sale_discount"][kind])
    # Integer arithmetic on basis points keeps the rounding exact.
    keep_bp = 10_000 - round(discount * 10_000)
    return value_p10 * keep_bp // 10_000


def pledge_rate_bp(kind: str, grade: str) -> int:
    """floor + (cap - floor) x grade factor for the kind, in basis points (0 if not lendable)."""
    loan = load_tables().loan
    factor = float(loan["grade_factor"][grade])
    if factor == 0.0:
        return 0
    cap, floor = int(loan["pledge_cap_bp"][kind]), int(loan["pledge_floor_bp"][kind])
    return min(floor + round((cap - floor) * factor), cap)


def loan_terms(
    *,
    kind: str,
    grade: str,
    value_method: str,
    value_p10: int,
    value_p50: int,
    legal_status: str,
    remaining_years: float,
    invalidation_pending: bool,
) -> LoanTerms:
    """Maximum loan = floor(pledge_rate_bp x value_p50 / 10,000), or 0 with the reason why."""
    loan = load_tables().loan
    asset = ASSET_NOUN[kind]
    cap, floor = int(loan["pledge_cap_bp"][kind]), int(loan["pledge_floor_bp"][kind])
    rule = pledge_rule(kind, cap=pct_bp(cap), floor=pct_bp(floor))
    liquidation = liquidation_value(kind, value_p10)
    min_years = float(loan["min_remaining_years"][kind])
    rate = pledge_rate_bp(kind, grade)
    if legal_status == "pending":
        note = loan_note("pending", asset=asset)
    elif legal_status != "valid":
        note = loan_note("not_in_force", asset=asset, status=legal_status)
    elif kind in PATENT_KINDS and invalidation_pending:
        note = loan_note("invalidation_pending", asset=asset)
    elif remaining_years < min_years:
        note = loan_note(
            "term_too_short", years=f"{remaining_years:.1f}", min_years=f"{min_years:g}"
        )
    elif value_method == "none" or value_p50 <= 0:
        note = loan_note("no_value_evidence", asset=asset)
    elif rate == 0:
        note = loan_note("score_too_low", grade=grade)
    else:
        max_loan = rate * value_p50 // 10_000
        code = "eligible_cost" if value_method == "cost" else "eligible"
        note = loan_note(
            code,
            rate=pct_bp(rate),
            grade=grade,
            asset=asset,
            cap=pct_bp(cap),
            value_cny=cny(value_p50),
            max_loan_cny=cny(max_loan),
        )
        return LoanTerms(liquidation, rate, cap, max_loan, True, note, rule)
    return LoanTerms(liquidation, 0, cap, 0, False, note, rule)
