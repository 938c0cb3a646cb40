"""value_asset: facts in, score, value range and loan terms out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np

from valuation.batch import Batch, columns_from_facts
from valuation.comparables import market_estimate
from valuation.errors import FactsError, ModelVersionError
from valuation.facts import Facts, facts_from_inputs
from valuation.income import (
    IncomeAssumptions,
    assumptions,
    revenue_evidence,
    round_fen,
    simulate,
    tax_rate_checked,
)
from valuation.indicators import INDICATORS
from valuation.loan import loan_terms
from valuation.money_notes import value_notes
from valuation.result import GroupScore, IndicatorResult, Valuation
from valuation.schema import specs_of
from valuation.scoring import batch_for, grade_of, indicator_points, total_score
from valuation.tables import IndicatorSpec, load_tables
from valuation.version import MODEL_VERSION
from valuation.vocab import ASSET_NOUN, LEGAL_STATUSES, PATENT_KINDS

GROUP_ORDER = ("legal", "technical", "economic", "market")


def value_asset(
    facts: Facts,
    *,
    seed: int | None = None,
    as_of: date | None = None,
    tax_rate_bp: int | None = None,
) -> Valuation:
    """Score, value (P10/P50/P90) and loan terms of one asset.

    `as_of` defaults to today; `seed` defaults to the data tables' fixed seed, so the same
    facts and date always give the same Valuation. `tax_rate_bp` is the borrower's income-tax
    rate (2500 = 25%, the default; 1500 for a high and new technology enterprise). All three
    are recorded in `inputs`.
    """
    as_of = date.today() if as_of is None else as_of
    if seed is None:
        seed = int(load_tables().income["default_seed"])
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise FactsError("seed", f"must be a non-negative int, got {seed!r}")
    tax_bp = tax_rate_checked(tax_rate_bp)
    batch = batch_for(facts.kind, columns_from_facts([facts]), as_of)
    points = indicator_points(batch)
    score = float(total_score(points)[0])
    grade = grade_of(score)

    income = assumptions(batch, score, tax_bp)
    live = bool(batch.a["live"][0])
    weight = income.grant_probability if income else _grant_weight(batch)
    own_revenue = revenue_evidence(batch)[0]
    market = (
        market_estimate(facts.kind, facts.industry, score, own_revenue, weight) if live else None
    )
    cost = _cost_floor(batch, facts.development_cost)
    method, (p10, p50, p90), floored = _value_range(income, cost, live, seed)

    remaining = float(batch.a["remaining_years"][0]) if facts.kind in PATENT_KINDS else 0.0
    terms = loan_terms(
        kind=facts.kind,
        grade=grade,
        value_method=method,
        value_p10=p10,
        value_p50=p50,
        legal_status=facts.legal_status,
        remaining_years=remaining,
        invalidation_pending=bool(getattr(facts, "invalidation_pending", False)),
    )
    missing = _missing_facts(facts)
    sourced_market = market is not None and not market.illustrative
    return Valuation(
        kind=facts.kind,
        score=score,
        grade=grade,
        breakdown=tuple(_explain(batch, spec, p) for spec, p in points),
        groups=_groups(points),
        value_method=method,
        value_p10=p10,
        value_p50=p50,
        value_p90=p90,
        income=income,
        cost_floor=cost,
        market_comparables=market,
        liquidation_value=terms.liquidation_value,
        pledge_rate_bp=terms.pledge_rate_bp,
        pledge_cap_bp=terms.pledge_cap_bp,
        max_loan=terms.max_loan,
        pledgeable=terms.pledgeable,
        loan_note_code=terms.note.code,
        loan_note=terms.note.text,
        loan_note_template=terms.note.template,
        loan_note_params=terms.note.params,
        pledge_rule=terms.rule,
        value_notes=value_notes(facts.kind, method, income, cost, floored, market, live),
        tax_rate_bp=tax_bp,
        confidence=_confidence(missing, method, sourced_market, live),
        missing_facts=missing,
        model_version=MODEL_VERSION,
        inputs={
            "facts": facts.to_dict(),
            "seed": seed,
            "as_of": as_of.isoformat(),
            "tax_rate_bp": tax_bp,
            "model_version": MODEL_VERSION,
        },
    )


def reproduce(inputs: Mapping[str, Any]) -> Valuation:
    """Re-run a stored valuation from its `inputs`.

    ModelVersionError (a ValueError) if it was made by another model version: earlier rules
    are not shipped, so an old valuation cannot be re-run as it was. Its stored result stays
    the record; `value_asset(facts_from_inputs(inputs), ...)` values the same facts anew.
    """
    version = inputs.get("model_version")
    if version != MODEL_VERSION:
        raise ModelVersionError(
            f"valuation was made with model {version!r}, this is {MODEL_VERSION!r}; the rules "
            "of earlier models are not shipped (2.0.0 changed the value basis, the pledge-rate "
            "rule and the GI revenue base), so it cannot be re-run as it was and its stored "
            "result stays the record. To value the same facts under the current rules, call "
            "value_asset(facts_from_inputs(inputs), seed=..., as_of=...)."
        )
    tax = inputs.get("tax_rate_bp")
    return value_asset(
        facts_from_inputs(inputs),
        seed=int(inputs["seed"]),
        as_of=date.fromisoformat(inputs["as_of"]),
        tax_rate_bp=None if tax is None else int(tax),
    )


def _grant_weight(batch: Batch) -> float:
    if LEGAL_STATUSES[int(batch.a["legal_status"][0])] != "pending":
        return 1.0
    return float(load_tables().income["grant_probability"][batch.kind])


def _value_range(
    income: IncomeAssumptions | None, cost: int | None, live: bool, seed: int
) -> tuple[str, tuple[int, int, int], bool]:
    """Income approach when there is revenue evidence (the cost value as its floor), else the
    cost approach, else no value. The market approach never enters. Also says whether the
    cost floor raised the income P50.
    """
    if not live:
        return "none", (0, 0, 0), False
    if income is not None:
        values = simulate(income, seed)
        q10, q50, q90 = (round_fen(q) for q in np.quantile(values, [0.1, 0.5, 0.9]))
        if cost is None:
            return "relief_from_royalty", (q10, q50, q90), False
        floored = (max(q10, cost), max(q50, cost), max(q90, cost))
        return "relief_from_royalty", floored, cost > q50
    if cost is not None:
        return "cost", (cost, cost, cost), False
    return "none", (0, 0, 0), False


def _cost_floor(batch: Batch, development_cost: int | None) -> int | None:
    """Development cost plus official fees, less obsolescence (share of legal term used up)."""
    if development_cost is None:
        return None
    if not bool(batch.a["live"][0]):
        return 0
    fees = int(load_tables().income["official_fees_fen"][batch.kind])
    if batch.kind not in PATENT_KINDS:
        return development_cost + fees
    left = min(float(batch.a["remaining_years"][0]) / float(batch.a["statutory_years"][0]), 1.0)
    return int(np.floor((development_cost + fees) * left))


def _explain(batch: Batch, spec: IndicatorSpec, points: np.ndarray[Any, Any]) -> IndicatorResult:
    tables = load_tables()
    indicator = INDICATORS[spec.code]
    why = indicator.explain(batch, spec.params)
    template = tables.reasons[spec.code][why.case]
    pts = round(float(points[0]), 2)
    params = {
        "asset": ASSET_NOUN[batch.kind],
        "points": round(pts, 1),
        "max_points": int(spec.max_points),
        **why.params,
    }
    return IndicatorResult(
        code=spec.code,
        group=spec.group,
        label=tables.labels[spec.code],
        fact=indicator.fact,
        fact_value=why.fact_value,
        points=pts,
        max_points=spec.max_points,
        reason=_capitalise(template.format(**params)),
        reason_template=template,
        reason_params=params,
    )


def _capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _groups(points: list[tuple[IndicatorSpec, np.ndarray[Any, Any]]]) -> tuple[GroupScore, ...]:
    present = [g for g in GROUP_ORDER if any(s.group == g for s, _ in points)]
    return tuple(
        GroupScore(
            g,
            round(sum(float(p[0]) for s, p in points if s.group == g), 2),
            sum(s.max_points for s, _ in points if s.group == g),
        )
        for g in present
    )


def _missing_facts(facts: Facts) -> tuple[str, ...]:
    penalties = load_tables().scoring["confidence"]["missing_penalty"]
    missing = []
    for spec in specs_of(type(facts)):
        value = getattr(facts, spec.name)
        if spec.name in penalties and (value is None or value == ()):
            missing.append(spec.name)
    expected_absent: tuple[str, ...] = {
        # Design patents have no claims in China; a GI mark is valued on its holder's fees
        # or own sales under it, not annual revenue; marks renew, so expiry is not used.
        "design_patent": ("claims", "independent_claims"),
        "trademark": ("expiry_date",),
        "gi_mark": ("annual_revenue", "expiry_date"),
    }.get(facts.kind, ())
    if facts.legal_status == "pending":
        expected_absent += ("grant_date",)
    missing = [m for m in missing if m not in expected_absent]
    return tuple(missing)


def _confidence(missing: tuple[str, ...], method: str, has_market: bool, live: bool) -> float:
    cfg = load_tables().scoring["confidence"]
    loss = sum(float(cfg["missing_penalty"][m]) for m in missing)
    if live and method != "relief_from_royalty":
        loss += float(cfg["no_income_method_penalty"])
    if live and not has_market:
        loss += float(cfg["no_comparables_penalty"])
    return round(max(1.0 - loss, float(cfg["floor"])), 3)
