"""Report sentences of the value and loan part, from the templates in reasons_en.json.

Each sentence keeps its code, English template and params so the site can translate it.
Fields: loan notes use asset, grade, rate, cap, status, years, min_years, value_cny,
max_loan_cny; pledge rules use cap and floor; value notes use life, cost_cny, amount_cny,
fees_cny, sales_cny, royalty_pct, count, tax_pct.
"""

from __future__ import annotations

from dataclasses import dataclass

from valuation.tables import load_tables

NoteParam = str | int | float


@dataclass(frozen=True)
class Note:
    """One report sentence: a machine-readable code, the English text, and what made it."""

    code: str
    text: str
    template: str
    params: dict[str, NoteParam]


def _make(section: dict[str, str], code: str, params: dict[str, NoteParam]) -> Note:
    template = section[code]
    text = template.format(**params)
    return Note(code, text[:1].upper() + text[1:], template, dict(params))


def loan_note(code: str, **params: NoteParam) -> Note:
    """The loan note for `code` (why the asset can or cannot secure a loan)."""
    return _make(load_tables().loan_notes, code, params)


def pledge_rule(kind: str, **params: NoteParam) -> Note:
    """The pledge-rate rule and its source for a kind (code = the kind)."""
    return _make(load_tables().pledge_rules, kind, params)


def value_note(code: str, **params: NoteParam) -> Note:
    """A sentence on how the money value was reached."""
    return _make(load_tables().value_notes, code, params)


def cny(fen: int) -> str:
    """Whole yuan with thousands separators (as the indicator reasons write money)."""
    return f"{fen / 100:,.0f}"


def pct_bp(bp: int) -> str:
    """Basis points as a percentage string without trailing zeros (2500 -> '25')."""
    return f"{bp / 100:g}"
