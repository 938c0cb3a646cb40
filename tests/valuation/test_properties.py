"""Properties of the loan rule for every kind (hypothesis).

Adding revenue evidence never lowers the maximum loan; without revenue evidence the maximum
loan never exceeds the cost-approach floor times the kind's cap (DOMAIN.md caps).
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import valuation as v
from valuation.vocab import KINDS

from .factories import AS_OF, random_facts

CAPS_BP = {
    "invention_patent": 2500,
    "utility_model": 1500,
    "design_patent": 1500,
    "trademark": 5000,
    "gi_mark": 4000,
}


def _without_evidence(facts: v.Facts) -> v.Facts:
    if isinstance(facts, v.GIMarkFacts):
        return replace(facts, holder_fee_income=None, own_sales_under_mark=None)
    return replace(facts, annual_revenue=None, licence_income=None)


def _evidence(facts: v.Facts, which: int, amount: int) -> dict[str, Any]:
    if isinstance(facts, v.GIMarkFacts):
        names = ("holder_fee_income", "own_sales_under_mark")
    else:
        names = ("annual_revenue", "licence_income")
    return (
        {names[0]: amount}
        if which == 0
        else {names[1]: amount}
        if which == 1
        else {
            names[0]: amount,
            names[1]: amount,
        }
    )


@st.composite
def bare_facts(draw: st.DrawFn) -> v.Facts:
    """Facts of any kind without revenue evidence, mostly valid (so a loan is possible)."""
    facts = random_facts(draw(st.sampled_from(KINDS)), random.Random(draw(st.integers(0, 2**32))))
    if draw(st.integers(0, 3)) > 0:
        facts = replace(facts, legal_status="valid")
    return _without_evidence(facts)


@settings(max_examples=150, deadline=None)
@given(facts=bare_facts(), which=st.integers(0, 2), amount=st.integers(1, 10**11))
def test_adding_revenue_evidence_never_lowers_the_maximum_loan(
    facts: v.Facts, which: int, amount: int
) -> None:
    if isinstance(facts, v.GIMarkFacts):
        assume(facts.regional_output_value >= 1)
        amount = min(amount, facts.regional_output_value)
    richer = replace(facts, **_evidence(facts, which, amount))
    before = v.value_asset(facts, as_of=AS_OF)
    after = v.value_asset(richer, as_of=AS_OF)
    assert after.max_loan >= before.max_loan


@settings(max_examples=150, deadline=None)
@given(facts=bare_facts())
def test_without_revenue_evidence_the_loan_stays_under_cost_floor_times_cap(
    facts: v.Facts,
) -> None:
    r = v.value_asset(facts, as_of=AS_OF)
    assert r.income is None
    assert r.max_loan <= (r.cost_floor or 0) * CAPS_BP[facts.kind] // 10_000
    if r.cost_floor is None:
        assert r.max_loan == 0 and not r.pledgeable
