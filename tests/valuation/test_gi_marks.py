"""GI marks: valued on the holder's fees or the borrower's own sales, never the regional total.

Sources: DOMAIN.md "GI marks and copyright" (the holder is an association or public body;
real GI pledge loans are usually <= 2m CNY) and "From valuation to loan" (GI cases 30-40%).
"""

from __future__ import annotations

import pytest

import valuation as v

from .factories import AS_OF, CNY, gi_mark


def test_holder_fees_are_valued_as_received_royalties_worked_by_closed_form() -> None:
    r = v.value_asset(gi_mark(revenue_growth=0.0), as_of=AS_OF)
    a = r.income
    assert a is not None and a.life_years == 20  # agriculture GI economic life (income.json)
    # discount = 12% base + 2% GI premium + 8% x (1 - score/100)
    k = 0.12 + 0.02 + 0.08 * (1 - r.score / 100)
    assert a.discount_rate == pytest.approx(k)
    # level annuity: 600,000 CNY x (1 - 25% tax) x (1 - (1 + k)^-20) / k
    expected = 600_000 * CNY * 0.75 * (1 - (1 + k) ** -20) / k
    assert a.central_value == pytest.approx(expected, abs=1)
    assert [n.code for n in r.value_notes][:3] == ["income", "gi_holder_fees", "tax"]


def test_own_sales_under_the_mark_take_the_cited_gi_royalty_rate() -> None:
    r = v.value_asset(
        gi_mark(holder_fee_income=None, own_sales_under_mark=30_000_000 * CNY), as_of=AS_OF
    )
    a = r.income
    assert a is not None and (a.revenue_base, a.licence_income) == (30_000_000 * CNY, 0)
    # agriculture GI rate 1.5% x (0.5 + score/100), the score multiplier of income.json
    assert a.royalty_rate == pytest.approx(0.015 * (0.5 + r.score / 100))


def test_the_regional_output_value_is_never_the_revenue_base() -> None:
    huge = v.value_asset(
        gi_mark(holder_fee_income=None, regional_output_value=80_000_000_000 * CNY), as_of=AS_OF
    )
    assert huge.income is None and huge.max_loan == 0 and not huge.pledgeable


def test_realistic_gi_pledges_land_in_the_range_of_real_gi_loans() -> None:
    # An Anxi-like tea mark: region 12bn CNY, 3,800 users, national standard; the association
    # collects 500,000 CNY of fees a year. Real GI pledge loans: usually <= 2m CNY.
    r = v.value_asset(
        gi_mark(
            regional_output_value=12_000_000_000 * CNY,
            authorised_users=3800,
            quality_standard="national",
            holder_fee_income=500_000 * CNY,
            revenue_growth=0.04,
        ),
        as_of=AS_OF,
    )
    assert 3000 <= r.pledge_rate_bp <= 4000
    assert 300_000 * CNY <= r.max_loan <= 2_000_000 * CNY


@pytest.mark.parametrize("field", ["holder_fee_income", "own_sales_under_mark"])
def test_income_larger_than_the_regions_output_is_refused(field: str) -> None:
    with pytest.raises(v.FactsError) as caught:
        gi_mark(regional_output_value=1_000_000 * CNY, **{field: 1_000_001 * CNY})
    assert caught.value.field == field
    with pytest.raises(v.FactsError):
        gi_mark(**{field: -1})
    with pytest.raises(v.FactsError):
        v.facts_from_dict({**gi_mark().to_dict(), field: 12.5})
