"""Valuation 2.0 rules worked by hand: relief from royalty, tax, pledge rate x P50, cost
fallback, no value without evidence, comparables, old stored valuations.

Sources: DOMAIN.md "From valuation to loan" (Bank of Communications caps: invention <= 25%,
utility models <= 15%, trademarks <= 50%; GI cases 30-40%) and "Valuation frameworks"
(V = sum_t Rev_t x r x (1 - tax) / (1 + k)^t); Enterprise Income Tax Law of the PRC, Art. 4
(25%) and Art. 28 (15% for high and new technology enterprises).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import numpy as np
import pytest

import valuation as v
from valuation import comparables as comparables_module
from valuation.loan import pledge_rate_bp
from valuation.methods import relief_from_royalty_many
from valuation.tables import Comparable, load_tables

from .factories import AS_OF, CNY, invention, trademark


def _rfr(revenue: float, licence: float, tax: float) -> float:
    one = np.array([0.0])
    return float(
        relief_from_royalty_many(revenue, one, np.array([0.05]), one + 0.10, tax, 3.0, licence)[0]
    )


def test_relief_from_royalty_for_a_three_year_life_worked_on_paper() -> None:
    # Revenue 1,000,000 CNY a year, flat; royalty 5%; tax 25%; discount 10%; 3 years.
    # Royalty saved after tax: 1,000,000 x 0.05 x 0.75 = 37,500 CNY a year.
    # PV = 37,500/1.1 + 37,500/1.21 + 37,500/1.331
    #    = 34,090.909 + 30,991.736 + 28,174.305 = 93,256.95 CNY
    assert _rfr(1_000_000 * CNY, 0.0, 0.25) == pytest.approx(9_325_695, abs=1)
    # Plus 200,000 CNY a year of licence income actually received (no rate applies to it):
    # (37,500 + 200,000 x 0.75) = 187,500 a year x 2.4868520 = 466,284.75 CNY
    assert _rfr(1_000_000 * CNY, 200_000 * CNY, 0.25) == pytest.approx(46_628_475, abs=1)
    # Licence income alone: 150,000 x 2.4868520 = 373,027.80 CNY
    assert _rfr(0.0, 200_000 * CNY, 0.25) == pytest.approx(37_302_780, abs=1)
    # A high and new technology enterprise pays 15%: 1,000,000 x 0.05 x 0.85 = 42,500 a year
    # x 2.4868520 = 105,691.21 CNY
    assert _rfr(1_000_000 * CNY, 0.0, 0.15) == pytest.approx(10_569_121, abs=1)


def test_the_borrowers_tax_rate_is_an_input_recorded_with_the_valuation() -> None:
    standard = v.value_asset(invention(), as_of=AS_OF)
    high_tech = v.value_asset(invention(), as_of=AS_OF, tax_rate_bp=1500)
    assert standard.tax_rate_bp == 2500 and standard.inputs["tax_rate_bp"] == 2500
    assert high_tech.inputs["tax_rate_bp"] == 1500
    assert standard.income is not None and high_tech.income is not None
    # Only (1 - tax) differs: values scale by 0.85 / 0.75 in every scenario.
    ratio = high_tech.income.central_value / standard.income.central_value
    assert ratio == pytest.approx(0.85 / 0.75, rel=1e-7)
    assert high_tech.value_p50 / standard.value_p50 == pytest.approx(0.85 / 0.75, rel=1e-7)
    assert v.reproduce(json.loads(json.dumps(high_tech.inputs))) == high_tech


@pytest.mark.parametrize("bad", [-1, 5001, 15.0, True, "1500"])
def test_a_bad_tax_rate_is_refused(bad: object) -> None:
    with pytest.raises(v.FactsError) as caught:
        v.value_asset(invention(), as_of=AS_OF, tax_rate_bp=bad)  # type: ignore[arg-type]
    assert caught.value.field == "tax_rate_bp"


@pytest.mark.parametrize(
    ("kind", "grade", "rate_bp"),
    [
        # cap x grade factor (AAA 1.0, AA 0.9, A 0.8, BBB 0.65, BB 0.5, B 0.35, CCC 0)
        ("invention_patent", "AAA", 2500),
        ("invention_patent", "A", 2000),
        ("invention_patent", "BBB", 1625),
        ("invention_patent", "B", 875),
        ("invention_patent", "CCC", 0),
        ("utility_model", "AAA", 1500),
        ("utility_model", "A", 1200),
        ("design_patent", "AAA", 1500),
        ("trademark", "AAA", 5000),
        ("trademark", "BB", 2500),
        # GI: 30% + (40% - 30%) x grade factor
        ("gi_mark", "AAA", 4000),
        ("gi_mark", "A", 3800),
        ("gi_mark", "B", 3350),
        ("gi_mark", "C", 0),
    ],
)
def test_pledge_rate_falls_with_the_grade_and_never_exceeds_the_cap(
    kind: str, grade: str, rate_bp: int
) -> None:
    assert pledge_rate_bp(kind, grade) == rate_bp


def test_maximum_loan_is_the_pledge_rate_times_p50_and_the_report_says_so() -> None:
    r = v.value_asset(invention(), as_of=AS_OF)
    assert r.grade == "A" and r.pledge_rate_bp == 2000  # 0.8 x 25%
    assert r.max_loan == r.value_p50 * 2000 // 10_000  # one haircut, on P50 (not P10)
    assert r.pledge_rule.text.startswith("Maximum loan = pledge rate x appraised value (P50)")
    assert "25%" in r.pledge_rule.text and "Bank of Communications" in r.pledge_rule.text
    assert f"{r.max_loan / 100:,.0f} CNY" in r.loan_note
    mark = v.value_asset(trademark(), as_of=AS_OF)
    assert "50%" in mark.pledge_rule.text


def test_without_revenue_the_cost_approach_sets_value_and_loan() -> None:
    facts = invention(
        filing_date=date(2015, 6, 1),
        grant_date=date(2017, 1, 1),
        development_cost=2_000_000 * CNY,
        annual_revenue=None,
    )
    r = v.value_asset(facts, as_of=AS_OF)
    # cost floor = (2,000,000 + 15,000 official fees) CNY x 3652 / 7305 days of term left
    #            = 201,500,000 fen x 0.4999316 = 100,736,208.08 -> 100,736,208 fen
    assert r.value_method == "cost" and r.income is None
    assert (r.value_p10, r.value_p50, r.value_p90) == (100_736_208,) * 3
    # grade BB: 0.5 x 25% = 12.5%; 100,736,208 x 0.125 = 12,592,026 fen
    assert (r.grade, r.pledge_rate_bp, r.max_loan) == ("BB", 1250, 12_592_026)
    assert r.loan_note_code == "eligible_cost" and r.pledgeable


def test_without_revenue_or_cost_no_loan_value_is_given_and_the_report_says_why() -> None:
    r = v.value_asset(invention(annual_revenue=None, development_cost=None), as_of=AS_OF)
    assert (r.value_method, r.value_p50, r.max_loan, r.pledgeable) == ("none", 0, 0, False)
    assert r.loan_note_code == "no_value_evidence"
    assert r.loan_note.startswith("No loan value can be given")
    assert [n.code for n in r.value_notes] == ["no_evidence"]


def test_licence_income_alone_is_revenue_evidence() -> None:
    r = v.value_asset(
        invention(annual_revenue=None, development_cost=None, licence_income=1_000_000 * CNY),
        as_of=AS_OF,
    )
    assert r.value_method == "relief_from_royalty" and r.pledgeable
    assert r.income is not None
    assert (r.income.revenue_base, r.income.licence_income) == (0, 1_000_000 * CNY)


def test_cost_value_is_the_floor_under_a_small_income_value() -> None:
    r = v.value_asset(invention(annual_revenue=10_000 * CNY), as_of=AS_OF)
    assert r.income is not None and r.income.central_value < r.cost_floor  # type: ignore[operator]
    assert r.value_p10 == r.value_p50 == r.cost_floor
    assert "cost_floor_applied" in [n.code for n in r.value_notes]


def _with_comparables(monkeypatch: pytest.MonkeyPatch, extra: tuple[Comparable, ...]) -> None:
    tables = dataclasses.replace(load_tables(), comparables=load_tables().comparables + extra)
    monkeypatch.setattr(comparables_module, "load_tables", lambda: tables)


def test_sourced_comparables_replace_the_illustrative_ones_but_never_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = v.value_asset(invention(), as_of=AS_OF)
    real = Comparable(
        id="REAL-1",
        kind="invention_patent",
        industry="electronics",
        year=2024,
        price_fen=10_000_000 * CNY,
        annual_revenue_fen=100_000_000 * CNY,
        score=before.score,
        note="transfer recorded in the registry",
        source="CNIPA patent transfer register, 2024 (test record)",
        illustrative=False,
    )
    _with_comparables(monkeypatch, (real,))
    after = v.value_asset(invention(), as_of=AS_OF)
    m = after.market_comparables
    assert m is not None and not m.illustrative and m.comparables == (real,)
    # multiple 10m / 100m = 0.1 x subject revenue 50m CNY x score factor 1 = 5,000,000 CNY
    assert m.estimate == m.low == m.high == 5_000_000 * CNY
    assert "market_sourced" in [n.code for n in after.value_notes]
    assert (after.value_p50, after.max_loan) == (before.value_p50, before.max_loan)
    assert after.confidence > before.confidence  # only sourced comparables earn confidence


OLD_INPUTS = {  # as the site stored them under model 1.0.0 (GI valued on regional output)
    "facts": {
        "kind": "gi_mark",
        "industry": "agriculture",
        "legal_status": "valid",
        "filing_date": "2010-03-01",
        "grant_date": "2011-05-20",
        "expiry_date": None,
        "annual_revenue": None,
        "revenue_growth": 0.04,
        "licences": 0,
        "litigation_won": 0,
        "litigation_lost": 0,
        "development_cost": None,
        "gi_type": "certification",
        "regional_output_value": 1_200_000_000_000,
        "authorised_users": 3800,
        "quality_standard": "national",
        "demonstration_zone": True,
        "nice_classes": [30],
    },
    "seed": 20250601,
    "as_of": "2025-06-01",
    "model_version": "1.0.0+data.2025.1.057e380c",
}


def test_old_stored_inputs_load_but_are_not_rerun_under_rules_no_longer_shipped() -> None:
    facts = v.facts_from_inputs(OLD_INPUTS)
    assert isinstance(facts, v.GIMarkFacts) and facts.holder_fee_income is None
    with pytest.raises(v.ModelVersionError, match="not shipped") as caught:
        v.reproduce(OLD_INPUTS)
    assert "1.0.0+data.2025.1.057e380c" in str(caught.value)
    # Re-valued under the current rules: 12bn CNY of regional output is no revenue base.
    again = v.value_asset(facts, as_of=AS_OF)
    assert (again.value_method, again.max_loan, again.loan_note_code) == (
        "none",
        0,
        "no_value_evidence",
    )
