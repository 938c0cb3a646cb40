"""Scored indicators: each maps batch columns to a 0..1 fraction and explains one row.

An indicator's points are `max_points * fraction`; weights and tables come from scoring.json.
`explain` reuses the same array helpers on a one-row batch, so the reason always matches the
points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from valuation.batch import Batch, day_to_date
from valuation.tables import load_tables
from valuation.vocab import (
    GI_TYPES,
    INDUSTRIES,
    LEGAL_STATUSES,
    MATURITIES,
    PATENT_KINDS,
    QUALITY_STANDARDS,
)

Floats = NDArray[np.float64]
Params = Mapping[str, float]
ReasonParams = dict[str, str | int | float | bool]
FactValue = str | int | float | bool | list[int | None] | None


@dataclass(frozen=True)
class Explanation:
    """Why one asset scored as it did: the fact's value, a template case and its params."""

    fact_value: FactValue
    case: str
    params: ReasonParams


@dataclass(frozen=True)
class Indicator:
    """A scored indicator: the fact(s) it reads, its vectorised fraction and its explainer."""

    fact: str
    fraction: Callable[[Batch, Params], Floats]
    explain: Callable[[Batch, Params], Explanation]


# ---------------------------------------------------------------- shared shapes


def _table(codes: NDArray[np.int16], params: Params, choices: tuple[str, ...]) -> Floats:
    """Look a choice code up in a {choice: fraction} table; missing (-1) scores 0."""
    lookup = np.array([float(params.get(c, 0.0)) for c in choices] + [0.0])
    out: Floats = lookup[codes]
    return out


def _linear(x: Floats, full: float) -> Floats:
    return np.clip(np.nan_to_num(x / full, nan=0.0), 0.0, 1.0)


def _log_count(x: Floats, full: float) -> Floats:
    """log2(1 + x) / log2(1 + full), capped at 1: the first few count most."""
    out: Floats = np.minimum(np.log2(1.0 + x) / np.log2(1.0 + full), 1.0)
    return out


def _log_range(x: Floats, low: float, high: float) -> Floats:
    """0 at or below `low`, 1 at or above `high`, log-linear between; missing scores 0."""
    ratio = np.log10(np.maximum(np.nan_to_num(x, nan=0.0), 1.0) / low) / np.log10(high / low)
    out: Floats = np.clip(ratio, 0.0, 1.0)
    return out


def _record(won: Floats, lost: Floats, p: Params) -> Floats:
    return np.clip(p["base"] + p["per_won"] * won - p["per_lost"] * lost, 0.0, 1.0)


def _row(x: NDArray[Any]) -> Any:
    return x[0].item()


def _cny(fen: float) -> str:
    return f"{fen / 100:,.0f}"


def _pct(x: float) -> float:
    return round(100.0 * x, 1)


def _iso(day: float) -> str:
    return day_to_date(day).isoformat()


def _count_case(value: float, zero: str = "none", some: str = "some") -> str:
    return zero if value == 0 else some


# ---------------------------------------------------------------- legal


def _legal_status(b: Batch, p: Params) -> Floats:
    return _table(b.a["legal_status"], p, LEGAL_STATUSES)


def _legal_status_explain(b: Batch, p: Params) -> Explanation:
    status = LEGAL_STATUSES[_row(b.a["legal_status"])]
    granted = "granted" if b.kind in PATENT_KINDS else "registered"
    return Explanation(status, status, {"granted": granted})


def _remaining(b: Batch, p: Params) -> Floats:
    return _linear(b.a["remaining_years"], p["full_years"])


def _remaining_explain(b: Batch, p: Params) -> Explanation:
    expiry = _iso(_row(b.a["expiry_used"]))
    if not _row(b.a["live"]):
        case = "ended"
    else:
        case = "derived" if _row(b.a["expiry_derived"]) else "given"
    years = round(_row(b.a["remaining_years"]), 1)
    return Explanation(
        None if _row(b.a["expiry_derived"]) else expiry,
        case,
        {"years": years, "expiry": expiry, "full_years": int(p["full_years"])},
    )


def _invalidation(b: Batch, p: Params) -> Floats:
    survived = np.clip(p["base"] + p["per_survived"] * b.a["invalidation_survived"], 0.0, 1.0)
    return np.where(b.a["invalidation_pending"], survived * p["pending_factor"], survived)


def _invalidation_explain(b: Batch, p: Params) -> Explanation:
    survived = int(_row(b.a["invalidation_survived"]))
    pending = bool(_row(b.a["invalidation_pending"]))
    case = "pending" if pending else _count_case(survived, "none", "survived")
    return Explanation([survived, int(pending)], case, {"survived": survived})


def _litigation(b: Batch, p: Params) -> Floats:
    return _record(b.a["litigation_won"], b.a["litigation_lost"], p)


def _litigation_explain(b: Batch, p: Params) -> Explanation:
    won, lost = int(_row(b.a["litigation_won"])), int(_row(b.a["litigation_lost"]))
    return Explanation(
        [won, lost], _count_case(won + lost, "none", "record"), {"won": won, "lost": lost}
    )


def _oppositions(b: Batch, p: Params) -> Floats:
    return _record(b.a["oppositions_won"], b.a["oppositions_lost"], p)


def _oppositions_explain(b: Batch, p: Params) -> Explanation:
    won, lost = int(_row(b.a["oppositions_won"])), int(_row(b.a["oppositions_lost"]))
    return Explanation(
        [won, lost], _count_case(won + lost, "none", "record"), {"won": won, "lost": lost}
    )


def _log2_ratio(column: str) -> Callable[[Batch, Params], Floats]:
    def fraction(b: Batch, p: Params) -> Floats:
        out: Floats = np.minimum(np.log2(b.a[column]) / np.log2(p["full"]), 1.0)
        return out

    return fraction


def _countries_explain(b: Batch, p: Params) -> Explanation:
    n = int(_row(b.a["countries"]))
    return Explanation(
        n, "domestic" if n == 1 else "multi", {"countries": n, "full": int(p["full"])}
    )


def _family_explain(b: Batch, p: Params) -> Explanation:
    n = int(_row(b.a["family_size"]))
    return Explanation(
        n, "single" if n == 1 else "multi", {"family_size": n, "full": int(p["full"])}
    )


# ---------------------------------------------------------------- technical


def _claims(b: Batch, p: Params) -> Floats:
    return _linear(b.a["claims"], p["full"])


def _claims_explain(b: Batch, p: Params) -> Explanation:
    claims = _row(b.a["claims"])
    if np.isnan(claims):
        return Explanation(None, "missing", {"full": int(p["full"])})
    return Explanation(int(claims), "given", {"claims": int(claims), "full": int(p["full"])})


def _independent(b: Batch, p: Params) -> Floats:
    # Every claim set has at least one independent claim, so a missing count means one.
    return _linear(np.nan_to_num(b.a["independent_claims"], nan=1.0), p["full"])


def _independent_explain(b: Batch, p: Params) -> Explanation:
    value = _row(b.a["independent_claims"])
    missing = bool(np.isnan(value))
    n = 1 if missing else int(value)
    return Explanation(
        None if missing else n,
        "missing" if missing else "given",
        {"independent": n, "full": int(p["full"])},
    )


def _citation_norm(b: Batch) -> Floats:
    norms = load_tables().scoring["citation_norms"]
    per_year = np.array([float(norms["per_year"][i]) for i in INDUSTRIES])
    return per_year[b.a["industry"]] * float(norms["kind_factor"][b.kind])


def _citation_ratio(b: Batch) -> Floats:
    """Forward citations per year since filing, relative to the field's usual rate."""
    per_year = b.a["forward_citations"] / np.maximum(b.a["age_years"], 1.0)
    return per_year / _citation_norm(b)


def _citations(b: Batch, p: Params) -> Floats:
    # 1 - 2^-ratio: a patent cited at its field's usual rate gets half the points.
    return 1.0 - np.exp2(-_citation_ratio(b))


def _citations_explain(b: Batch, p: Params) -> Explanation:
    cites = int(_row(b.a["forward_citations"]))
    params: ReasonParams = {
        "citations": cites,
        "years": round(max(_row(b.a["age_years"]), 1.0), 1),
        "ratio": round(_row(_citation_ratio(b)), 2),
        "norm": round(_row(_citation_norm(b)), 2),
        "industry": INDUSTRIES[_row(b.a["industry"])],
    }
    return Explanation(cites, _count_case(cites, "none", "some"), params)


def _maturity(b: Batch, p: Params) -> Floats:
    return _table(b.a["maturity"], p, MATURITIES)


def _maturity_explain(b: Batch, p: Params) -> Explanation:
    code = _row(b.a["maturity"])
    if code < 0:
        return Explanation(None, "missing", {})
    stage = MATURITIES[code]
    return Explanation(stage, "given", {"maturity": stage, "stage": stage.replace("_", " ")})


def _flag(column: str) -> Callable[[Batch, Params], Floats]:
    def fraction(b: Batch, p: Params) -> Floats:
        return b.a[column].astype(np.float64)

    return fraction


def _flag_explain(column: str) -> Callable[[Batch, Params], Explanation]:
    def explain(b: Batch, p: Params) -> Explanation:
        value = bool(_row(b.a[column]))
        return Explanation(value, "yes" if value else "no", {})

    return explain


# ---------------------------------------------------------------- economic and market


def _money_range(column: str) -> Callable[[Batch, Params], Floats]:
    def fraction(b: Batch, p: Params) -> Floats:
        return _log_range(b.a[column], p["low_fen"], p["high_fen"])

    return fraction


def _money_explain(column: str) -> Callable[[Batch, Params], Explanation]:
    def explain(b: Batch, p: Params) -> Explanation:
        value = _row(b.a[column])
        params: ReasonParams = {"low_cny": _cny(p["low_fen"]), "high_cny": _cny(p["high_fen"])}
        if np.isnan(value):
            return Explanation(None, "missing", params)
        params.update({"amount_fen": int(value), "amount_cny": _cny(value)})
        return Explanation(int(value), "given", params)

    return explain


def _log_counter(column: str) -> Callable[[Batch, Params], Floats]:
    def fraction(b: Batch, p: Params) -> Floats:
        return _log_count(b.a[column], p["full"])

    return fraction


def _linear_counter(column: str) -> Callable[[Batch, Params], Floats]:
    def fraction(b: Batch, p: Params) -> Floats:
        return _linear(b.a[column], p["full"])

    return fraction


def _count_explain(column: str) -> Callable[[Batch, Params], Explanation]:
    def explain(b: Batch, p: Params) -> Explanation:
        n = int(_row(b.a[column]))
        return Explanation(n, _count_case(n), {"count": n, "full": int(p["full"])})

    return explain


def growth_used(b: Batch) -> Floats:
    """The growth given, or the industry default when none was given."""
    defaults = load_tables().income["default_growth"]
    table = np.array([float(defaults[i]) for i in INDUSTRIES])
    given = b.a["revenue_growth"]
    return np.where(np.isnan(given), table[b.a["industry"]], given)


def _growth(b: Batch, p: Params) -> Floats:
    return np.clip((growth_used(b) - p["low"]) / (p["high"] - p["low"]), 0.0, 1.0)


def _growth_explain(b: Batch, p: Params) -> Explanation:
    given = _row(b.a["revenue_growth"])
    missing = bool(np.isnan(given))
    params: ReasonParams = {
        "growth_pct": _pct(_row(growth_used(b))),
        "low_pct": _pct(p["low"]),
        "high_pct": _pct(p["high"]),
        "industry": INDUSTRIES[_row(b.a["industry"])],
    }
    return Explanation(None if missing else given, "default" if missing else "given", params)


def _classes_explain(b: Batch, p: Params) -> Explanation:
    n = int(_row(b.a["nice_class_count"]))
    return Explanation(n, "missing" if n == 0 else "given", {"count": n, "full": int(p["full"])})


def _mark_age(b: Batch, p: Params) -> Floats:
    return _linear(b.a["mark_age_years"], p["full_years"])


def _mark_age_explain(b: Batch, p: Params) -> Explanation:
    since = _iso(_row(b.a["mark_since"]))
    basis = ("first_use", "registration", "filing")[_row(b.a["mark_since_basis"])]
    return Explanation(
        since,
        basis,
        {
            "since": since,
            "years": round(_row(b.a["mark_age_years"]), 1),
            "full_years": int(p["full_years"]),
        },
    )


def _choice_fraction(column: str, choices: tuple[str, ...]) -> Callable[[Batch, Params], Floats]:
    def fraction(b: Batch, p: Params) -> Floats:
        return _table(b.a[column], p, choices)

    return fraction


def _choice_explain(
    column: str, choices: tuple[str, ...]
) -> Callable[[Batch, Params], Explanation]:
    def explain(b: Batch, p: Params) -> Explanation:
        value = choices[_row(b.a[column])]
        return Explanation(value, value, {column: value})

    return explain


INDICATORS: dict[str, Indicator] = {
    "legal_status": Indicator("legal_status", _legal_status, _legal_status_explain),
    "remaining_term": Indicator("expiry_date", _remaining, _remaining_explain),
    "invalidation": Indicator(
        "invalidation_survived, invalidation_pending", _invalidation, _invalidation_explain
    ),
    "litigation": Indicator("litigation_won, litigation_lost", _litigation, _litigation_explain),
    "oppositions": Indicator(
        "oppositions_won, oppositions_lost", _oppositions, _oppositions_explain
    ),
    "countries": Indicator("countries", _log2_ratio("countries"), _countries_explain),
    "family_size": Indicator("family_size", _log2_ratio("family_size"), _family_explain),
    "claims": Indicator("claims", _claims, _claims_explain),
    "independent_claims": Indicator("independent_claims", _independent, _independent_explain),
    "forward_citations": Indicator("forward_citations", _citations, _citations_explain),
    "maturity": Indicator("maturity", _maturity, _maturity_explain),
    "standard_essential": Indicator(
        "standard_essential", _flag("standard_essential"), _flag_explain("standard_essential")
    ),
    "revenue": Indicator(
        "annual_revenue", _money_range("annual_revenue"), _money_explain("annual_revenue")
    ),
    "regional_output": Indicator(
        "regional_output_value",
        _money_range("regional_output_value"),
        _money_explain("regional_output_value"),
    ),
    "licences": Indicator("licences", _log_counter("licences"), _count_explain("licences")),
    "growth": Indicator("revenue_growth", _growth, _growth_explain),
    "renewals": Indicator("renewals", _linear_counter("renewals"), _count_explain("renewals")),
    "nice_classes": Indicator(
        "nice_classes", _linear_counter("nice_class_count"), _classes_explain
    ),
    "mark_age": Indicator("first_use_date, grant_date, filing_date", _mark_age, _mark_age_explain),
    "continuous_use": Indicator(
        "continuous_use", _flag("continuous_use"), _flag_explain("continuous_use")
    ),
    "well_known": Indicator("well_known", _flag("well_known"), _flag_explain("well_known")),
    "international_registrations": Indicator(
        "international_registrations",
        _log_counter("international_registrations"),
        _count_explain("international_registrations"),
    ),
    "authorised_users": Indicator(
        "authorised_users", _log_counter("authorised_users"), _count_explain("authorised_users")
    ),
    "quality_standard": Indicator(
        "quality_standard",
        _choice_fraction("quality_standard", QUALITY_STANDARDS),
        _choice_explain("quality_standard", QUALITY_STANDARDS),
    ),
    "demonstration_zone": Indicator(
        "demonstration_zone", _flag("demonstration_zone"), _flag_explain("demonstration_zone")
    ),
    "gi_type": Indicator(
        "gi_type", _choice_fraction("gi_type", GI_TYPES), _choice_explain("gi_type", GI_TYPES)
    ),
}
