"""value_asset: value range, loan terms, reproducibility, reasons, missing facts."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import valuation as v
from valuation.methods import relief_from_royalty
from valuation.tables import load_tables

from .factories import AS_OF, CNY, any_facts, gi_mark, invention, trademark, valued_invention

PLEDGE_CAPS_BP = {  # DOMAIN.md, Bank of Communications: the cap each kind must respect
    "invention_patent": 2500,
    "utility_model": 1500,
    "design_patent": 1500,
    "trademark": 5000,
    "gi_mark": 4000,
}


@settings(max_examples=120, deadline=None)
@given(facts=any_facts(), seed=st.integers(0, 2**32))
def test_value_range_and_loan_invariants(facts: v.Facts, seed: int) -> None:
    r = v.value_asset(facts, seed=seed, as_of=AS_OF)
    assert 0 <= r.value_p10 <= r.value_p50 <= r.value_p90
    assert all(
        isinstance(x, int)
        for x in (
            r.value_p10,
            r.value_p50,
            r.value_p90,
            r.liquidation_value,
            r.max_loan,
            r.pledge_rate_bp,
        )
    )
    assert 0 <= r.liquidation_value <= r.value_p10
    assert 0 <= r.pledge_rate_bp <= PLEDGE_CAPS_BP[facts.kind] == r.pledge_cap_bp
    # the one rule: maximum loan = pledge rate x appraised value P50, rounded down
    assert r.max_loan == r.pledge_rate_bp * r.value_p50 // 10_000
    assert r.max_loan <= r.pledge_rate * r.value_p50
    assert 0.0 < r.confidence <= 1.0
    if facts.legal_status != "valid" or r.value_method == "none":
        assert r.max_loan == 0 and not r.pledgeable
    if not r.pledgeable:
        assert r.pledge_rate_bp == r.max_loan == 0


@settings(max_examples=60, deadline=None)
@given(facts=any_facts(), seed=st.integers(0, 2**32))
def test_same_seed_same_valuation_and_inputs_reproduce_it(facts: v.Facts, seed: int) -> None:
    first = v.value_asset(facts, seed=seed, as_of=AS_OF)
    assert v.value_asset(facts, seed=seed, as_of=AS_OF) == first
    stored = json.loads(json.dumps(first.to_dict()))  # as the website would keep it
    inputs = stored["inputs"]
    again = v.value_asset(
        v.facts_from_inputs(inputs), seed=inputs["seed"], as_of=date.fromisoformat(inputs["as_of"])
    )
    assert again == first
    assert v.reproduce(inputs) == first


def test_default_seed_and_date_are_recorded() -> None:
    r = v.value_asset(invention())
    assert r.inputs["as_of"] == date.today().isoformat()
    assert r.inputs["seed"] == load_tables().income["default_seed"]
    assert r.inputs["model_version"] == v.MODEL_VERSION == r.model_version
    assert v.value_asset(invention()) == r  # no seed still means the same answer


def test_reproduce_refuses_a_different_model_version() -> None:
    inputs = dict(v.value_asset(invention(), as_of=AS_OF).inputs, model_version="0.0.1+data.old")
    with pytest.raises(ValueError, match="model"):
        v.reproduce(inputs)


def test_to_dict_is_json_safe() -> None:
    d = v.value_asset(invention(), as_of=AS_OF).to_dict()
    text = json.dumps(d)
    assert d["pledge_rate"] == "0.2"
    assert d["breakdown"][0]["reason"].startswith("The patent is granted")
    assert isinstance(d["market_comparables"]["comparables"], list)
    assert d["market_comparables"]["illustrative"] is True
    assert d["pledge_rule"]["code"] == "invention_patent"
    assert [n["code"] for n in d["value_notes"]] == ["income", "tax", "market_illustrative"]
    assert json.loads(text)["value_p50"] == d["value_p50"]


@settings(max_examples=50, deadline=None)
@given(facts=valued_invention(), extra=st.integers(1, 10**10), seed=st.integers(0, 1000))
def test_more_revenue_never_lowers_value_or_loan(
    facts: v.InventionPatentFacts, extra: int, seed: int
) -> None:
    assert facts.annual_revenue is not None
    base = v.value_asset(facts, seed=seed, as_of=AS_OF)
    more = v.value_asset(
        replace(facts, annual_revenue=facts.annual_revenue + extra), seed=seed, as_of=AS_OF
    )
    _assert_not_lower(base, more)


@settings(max_examples=50, deadline=None)
@given(facts=valued_invention(), days=st.integers(1, 3000), seed=st.integers(0, 1000))
def test_more_remaining_term_never_lowers_value_or_score(
    facts: v.InventionPatentFacts, days: int, seed: int
) -> None:
    assert facts.expiry_date is not None
    base = v.value_asset(facts, seed=seed, as_of=AS_OF)
    longer = v.value_asset(
        replace(facts, expiry_date=facts.expiry_date + timedelta(days=days)), seed=seed, as_of=AS_OF
    )
    _assert_not_lower(base, longer)


@settings(max_examples=50, deadline=None)
@given(facts=valued_invention(), extra=st.integers(1, 200), seed=st.integers(0, 1000))
def test_more_citations_never_lower_value(
    facts: v.InventionPatentFacts, extra: int, seed: int
) -> None:
    base = v.value_asset(facts, seed=seed, as_of=AS_OF)
    cited = v.value_asset(
        replace(facts, forward_citations=facts.forward_citations + extra), seed=seed, as_of=AS_OF
    )
    _assert_not_lower(base, cited)


def _assert_not_lower(base: v.Valuation, better: v.Valuation) -> None:
    assert better.score >= base.score
    assert better.value_p10 >= base.value_p10
    assert better.value_p50 >= base.value_p50
    assert better.value_p90 >= base.value_p90
    assert better.max_loan >= base.max_loan


def test_income_assumptions_follow_the_published_rules() -> None:
    r = v.value_asset(invention(), as_of=AS_OF)
    a = r.income
    assert a is not None and r.value_method == "relief_from_royalty"
    s = r.score
    # electronics technology royalty 4% x invention multiplier 1.0 x (0.5 + score/100)
    assert a.royalty_rate == pytest.approx(0.04 * 1.0 * (0.5 + s / 100))
    # discount = 12% base + 3% invention premium + 8% x (1 - score/100)
    assert a.discount_rate == pytest.approx(0.12 + 0.03 + 0.08 * (1 - s / 100))
    assert a.tax_rate == 0.25
    # life = min(economic life 7 years for electronics, ~12.7 years of legal term left)
    assert a.life_years == 7.0
    revenues = [50_000_000 * CNY * 1.08**t for t in range(1, 8)]
    central = relief_from_royalty(revenues, a.royalty_rate, a.tax_rate, a.discount_rate)
    assert a.central_value == math.floor(central + 0.5)
    assert r.value_p10 < a.central_value < r.value_p90


def test_patent_life_is_cut_by_the_remaining_legal_term() -> None:
    r = v.value_asset(invention(industry="pharma", expiry_date=date(2030, 6, 1)), as_of=AS_OF)
    assert r.income is not None
    # pharma economic life is 14 years, but only 2030-06-01 - 2025-06-01 = 1826 days remain
    assert r.income.life_years == pytest.approx(1826 / 365.25)


def test_trademark_life_is_the_economic_life_because_marks_renew() -> None:
    r = v.value_asset(trademark(expiry_date=date(2026, 1, 1)), as_of=AS_OF)
    assert r.income is not None
    assert r.income.life_years == 12  # consumer_goods brand economic life in income.json


def test_gi_mark_is_valued_on_holder_fees_and_pledged_at_30_to_40_percent() -> None:
    r = v.value_asset(gi_mark(), as_of=AS_OF)
    assert r.income is not None
    assert r.income.licence_income == 600_000 * CNY
    assert r.income.revenue_base == 0  # never the region's 2bn CNY output
    assert 3000 <= r.pledge_rate_bp <= 4000
    assert 0 < r.max_loan <= 2_000_000 * CNY  # DOMAIN.md: GI loans are usually <= 2m CNY


def test_liquidation_value_is_p10_less_the_forced_sale_discount() -> None:
    r = v.value_asset(invention(), as_of=AS_OF)
    assert r.liquidation_value == r.value_p10 * 8000 // 10_000  # invention: 20% discount
    t = v.value_asset(trademark(), as_of=AS_OF)
    assert t.liquidation_value == t.value_p10 * 8500 // 10_000  # trademark: 15% discount


def test_pledge_rate_is_the_kind_cap_times_the_grade_factor() -> None:
    r = v.value_asset(invention(), as_of=AS_OF)
    assert r.grade == "A"
    assert r.pledge_rate_bp == 2000  # A earns 80% of the 25% cap: 0.8 x 2500 bp
    assert r.pledge_rate == Decimal("0.2")
    assert r.loan_note_code == "eligible" and r.pledgeable


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (invention(legal_status="pending", grant_date=None), "pending"),
        (invention(legal_status="lapsed"), "not_in_force"),
        (invention(legal_status="invalidated"), "not_in_force"),
        (trademark(legal_status="expired"), "not_in_force"),
        (invention(invalidation_pending=True), "invalidation_pending"),
        (invention(expiry_date=date(2027, 6, 1)), "term_too_short"),
        (
            v.UtilityModelFacts(
                industry="textiles",
                legal_status="valid",
                filing_date=date(2021, 1, 1),
                revenue_growth=-0.1,
                development_cost=100_000 * CNY,
            ),
            "score_too_low",
        ),
        (invention(annual_revenue=None, development_cost=None), "no_value_evidence"),
        (gi_mark(holder_fee_income=None), "no_value_evidence"),
    ],
)
def test_assets_that_cannot_be_pledged_get_no_loan_and_a_reason(facts: v.Facts, code: str) -> None:
    r = v.value_asset(facts, as_of=AS_OF)
    assert (r.loan_note_code, r.pledge_rate_bp, r.max_loan, r.pledgeable) == (code, 0, 0, False)
    assert (
        r.loan_note
        == r.loan_note_template.format(**r.loan_note_params)[:1].upper()
        + (r.loan_note_template.format(**r.loan_note_params)[1:])
    )


def test_pending_application_is_valued_but_weighted_by_grant_probability() -> None:
    r = v.value_asset(invention(legal_status="pending", grant_date=None), as_of=AS_OF)
    assert r.income is not None and r.income.grant_probability == 0.55
    assert r.value_p50 > 0


def test_lapsed_asset_has_no_value() -> None:
    r = v.value_asset(invention(legal_status="lapsed", development_cost=10**8), as_of=AS_OF)
    assert (r.value_p10, r.value_p50, r.value_p90, r.cost_floor) == (0, 0, 0, 0)
    assert r.value_method == "none" and r.market_comparables is None


def test_cost_floor_is_cost_plus_fees_less_the_used_up_term() -> None:
    facts = invention(
        filing_date=date(2015, 6, 1), grant_date=date(2017, 1, 1), development_cost=2_000_000 * CNY
    )
    r = v.value_asset(facts, as_of=AS_OF)
    # statutory expiry 2035-06-01: 10 x 365 + 2 leap days = 3652 days left of 20 years;
    # official fees 15,000 CNY
    expected = math.floor((2_000_000 * CNY + 15_000 * CNY) * (3652 / 365.25) / 20)
    assert r.cost_floor == expected
    assert v.value_asset(invention(development_cost=None), as_of=AS_OF).cost_floor is None


def test_market_comparables_are_of_the_same_kind_and_industry_when_available() -> None:
    r = v.value_asset(invention(), as_of=AS_OF)
    m = r.market_comparables
    assert m is not None
    assert {(c.kind, c.industry) for c in m.comparables} == {("invention_patent", "electronics")}
    assert m.low <= m.estimate <= m.high
    assert "same industry" in m.basis
    textiles = v.value_asset(invention(industry="textiles"), as_of=AS_OF).market_comparables
    assert textiles is not None and "all industries" in textiles.basis
    assert {c.kind for c in textiles.comparables} == {"invention_patent"}


def test_without_revenue_the_cost_approach_gives_the_value_at_lower_confidence() -> None:
    full = v.value_asset(invention(), as_of=AS_OF)
    no_revenue = v.value_asset(invention(annual_revenue=None), as_of=AS_OF)
    assert no_revenue.value_method == "cost" and no_revenue.income is None
    assert no_revenue.market_comparables is None  # no revenue, no price-to-revenue multiple
    cost = no_revenue.cost_floor
    assert (no_revenue.value_p10, no_revenue.value_p50, no_revenue.value_p90) == (cost,) * 3
    assert no_revenue.confidence < full.confidence
    assert "annual_revenue" in no_revenue.missing_facts
    assert [n.code for n in no_revenue.value_notes] == ["cost_fallback"]
    assert no_revenue.loan_note_code == "eligible_cost"


def test_fictional_comparables_never_move_the_range_or_the_loan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = v.value_asset(invention(), as_of=AS_OF)
    monkeypatch.setattr("valuation.appraisal.market_estimate", lambda *a, **k: None)
    after = v.value_asset(invention(), as_of=AS_OF)
    assert (after.value_p10, after.value_p50, after.value_p90, after.max_loan) == (
        before.value_p10,
        before.value_p50,
        before.value_p90,
        before.max_loan,
    )


def test_missing_optional_facts_lower_confidence_without_crashing() -> None:
    full = v.value_asset(invention(), as_of=AS_OF)
    sparse = v.value_asset(
        invention(
            maturity=None,
            claims=None,
            independent_claims=None,
            revenue_growth=None,
            backward_citations=None,
            development_cost=None,
        ),
        as_of=AS_OF,
    )
    assert full.missing_facts == ("expiry_date",)
    assert set(sparse.missing_facts) == {
        "expiry_date",
        "revenue_growth",
        "development_cost",
        "claims",
        "independent_claims",
        "backward_citations",
        "maturity",
    }
    assert sparse.confidence < full.confidence
    assert sparse.score < full.score


def test_design_patents_are_not_penalised_for_having_no_claims() -> None:
    design = v.DesignPatentFacts(
        industry="consumer_goods",
        legal_status="valid",
        filing_date=date(2022, 1, 1),
        grant_date=date(2022, 6, 1),
        annual_revenue=10**9,
        revenue_growth=0.03,
        maturity="pilot",
        development_cost=10**7,
        expiry_date=date(2037, 1, 1),
        backward_citations=3,
    )
    r = v.value_asset(design, as_of=AS_OF)
    # only the lack of sourced comparables costs confidence (the shipped ones are fictional)
    penalty = load_tables().scoring["confidence"]["no_comparables_penalty"]
    assert r.missing_facts == () and r.confidence == pytest.approx(1.0 - penalty)
    assert "claims" not in {i.code for i in r.breakdown}


def test_every_reason_is_its_template_filled_with_its_params() -> None:
    for facts in (invention(), trademark(), gi_mark(), invention(legal_status="lapsed")):
        for item in v.value_asset(facts, as_of=AS_OF).breakdown:
            filled = item.reason_template.format(**item.reason_params)
            assert item.reason == filled[:1].upper() + filled[1:]
            assert item.reason.endswith(".") and "{" not in item.reason
            json.dumps(item.reason_params)


def test_reasons_name_the_fact_and_its_value() -> None:
    by_code = {i.code: i for i in v.value_asset(invention(), as_of=AS_OF).breakdown}
    assert by_code["claims"].fact == "claims" and by_code["claims"].fact_value == 15
    assert "15 claims" in by_code["claims"].reason
    assert "50,000,000 CNY" in by_code["revenue"].reason
    assert by_code["remaining_term"].fact_value is None  # derived from the filing date
    assert "2038-03-01" in by_code["remaining_term"].reason
    tm = {i.code: i for i in v.value_asset(trademark(well_known=True), as_of=AS_OF).breakdown}
    assert tm["well_known"].points == tm["well_known"].max_points
    assert "well-known" in tm["well_known"].reason
    assert "2009-06-01" in tm["mark_age"].reason  # age counted from first use


def test_seed_must_be_a_non_negative_int() -> None:
    with pytest.raises(v.FactsError) as caught:
        v.value_asset(invention(), seed=-1, as_of=AS_OF)
    assert caught.value.field == "seed"


def test_expected_absences_do_not_count_as_missing_facts() -> None:
    pending = v.value_asset(invention(legal_status="pending", grant_date=None), as_of=AS_OF)
    assert "grant_date" not in pending.missing_facts
    assert "expiry_date" not in v.value_asset(trademark(), as_of=AS_OF).missing_facts
    assert "annual_revenue" not in v.value_asset(gi_mark(), as_of=AS_OF).missing_facts
    assert "licence_income" not in v.value_asset(invention(), as_of=AS_OF).missing_facts


def test_marks_are_registered_and_patents_granted_in_the_reasons() -> None:
    mark = v.value_asset(trademark(), as_of=AS_OF).breakdown[0]
    patent = v.value_asset(invention(), as_of=AS_OF).breakdown[0]
    assert mark.reason.startswith("The trademark is registered and in force")
    assert patent.reason.startswith("The patent is granted and in force")
    assert mark.reason_params["granted"] == "registered"
