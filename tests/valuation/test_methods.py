"""The money methods against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuation.methods import (
    present_value,
    real_option_value,
    relief_from_royalty,
    relief_from_royalty_many,
)


def test_present_value_of_100_for_three_years_at_ten_percent() -> None:
    expected = 100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3  # = 248.685...
    assert present_value([100, 100, 100], 0.10) == pytest.approx(expected, rel=1e-12)
    assert present_value([100, 100, 100], 0.10) == pytest.approx(248.6851991, abs=1e-6)


def test_present_value_discounts_year_end_flows_in_order() -> None:
    # 0 in year 1, 121 in year 2 at 10% -> 121 / 1.21 = 100
    assert present_value([0, 121], 0.10) == pytest.approx(100.0)
    assert present_value([], 0.10) == 0.0


@given(
    flow=st.floats(0, 1e9, allow_nan=False),
    rate=st.floats(0.001, 0.5),
    years=st.integers(1, 40),
)
def test_present_value_of_level_flows_equals_the_annuity_formula(
    flow: float, rate: float, years: int
) -> None:
    annuity = flow * (1 - (1 + rate) ** -years) / rate
    assert present_value([flow] * years, rate) == pytest.approx(annuity, rel=1e-9, abs=1e-6)


def test_present_value_rejects_rates_at_or_below_minus_one() -> None:
    with pytest.raises(ValueError, match="rate"):
        present_value([1.0], -1.0)


def test_relief_from_royalty_hand_computed() -> None:
    # royalties saved after tax: 1000*5%*75% = 37.5 in year 1, 1100*5%*75% = 41.25 in year 2
    expected = 37.5 / 1.1 + 41.25 / 1.1**2  # = 68.1818...
    value = relief_from_royalty([1000, 1100], royalty_rate=0.05, tax_rate=0.25, discount_rate=0.10)
    assert value == pytest.approx(expected, rel=1e-12)
    assert value == pytest.approx(68.181818, abs=1e-5)


def test_relief_from_royalty_rejects_bad_rates() -> None:
    with pytest.raises(ValueError, match="tax_rate"):
        relief_from_royalty([100], 0.05, 1.0, 0.1)
    with pytest.raises(ValueError, match="royalty_rate"):
        relief_from_royalty([100], -0.05, 0.25, 0.1)
    with pytest.raises(ValueError, match="revenues"):
        relief_from_royalty([math.nan], 0.05, 0.25, 0.1)


def test_scenario_relief_from_royalty_counts_a_fractional_last_year_pro_rata() -> None:
    # life 2.5 years, revenue 1000 growing 10%: years 1 and 2 in full, half of year 3
    revs = [1000 * 1.1, 1000 * 1.1**2, 1000 * 1.1**3 * 0.5]
    expected = relief_from_royalty(revs, 0.04, 0.25, 0.15)
    got = relief_from_royalty_many(
        1000.0, np.array([0.1]), np.array([0.04]), np.array([0.15]), 0.25, 2.5
    )
    assert got[0] == pytest.approx(expected, rel=1e-12)
    zero = relief_from_royalty_many(
        1000.0, np.array([0.1]), np.array([0.04]), np.array([0.15]), 0.25, 0.0
    )
    assert zero[0] == 0.0


def test_black_scholes_textbook_call() -> None:
    # Hull: S=K=100, sigma 20%, T=1, r=5%, no dividends -> 10.4506
    assert real_option_value(100, 100, 0.2, 1, 0.05, 0.0) == pytest.approx(10.4506, abs=1e-4)


def test_black_scholes_merton_with_dividend_yield() -> None:
    # q=2%: d1 = (ln(100/100) + (0.05 - 0.02 + 0.2**2/2) * 1) / 0.2 = 0.25, d2 = 0.05
    # C = 100 e^-0.02 N(0.25) - 100 e^-0.05 N(0.05)
    #   = 98.01987 * 0.5987063 - 95.12294 * 0.5199388 = 9.2270
    expected = 100 * math.exp(-0.02) * 0.5987063 - 100 * math.exp(-0.05) * 0.5199388
    assert real_option_value(100, 100, 0.2, 1, 0.05, 0.02) == pytest.approx(expected, abs=1e-5)
    # a dividend yield lowers a call's value
    assert real_option_value(100, 100, 0.2, 1, 0.05, 0.02) < real_option_value(
        100, 100, 0.2, 1, 0.05, 0.0
    )


def test_black_scholes_degenerate_cases_give_discounted_intrinsic_value() -> None:
    assert real_option_value(120, 100, 0.3, 0, 0.05, 0.1) == pytest.approx(20.0)
    # zero volatility: max(S e^-qT - K e^-rT, 0)
    assert real_option_value(120, 100, 0.0, 2, 0.05, 0.01) == pytest.approx(
        120 * math.exp(-0.02) - 100 * math.exp(-0.10)
    )
    assert real_option_value(80, 100, 0.0, 1, 0.05, 0.0) == 0.0
    with pytest.raises(ValueError, match="volatility"):
        real_option_value(100, 100, -0.2, 1, 0.05, 0.0)


@given(
    spot=st.floats(1, 1e6),
    strike=st.floats(1, 1e6),
    vol=st.floats(0.01, 1.0),
    years=st.floats(0.1, 20),
    rate=st.floats(0.0, 0.1),
)
def test_black_scholes_respects_no_arbitrage_bounds(
    spot: float, strike: float, vol: float, years: float, rate: float
) -> None:
    q = 1 / years  # the dividend yield DOMAIN.md suggests for patents: 1/T
    value = real_option_value(spot, strike, vol, years, rate, q)
    lower = max(spot * math.exp(-q * years) - strike * math.exp(-rate * years), 0.0)
    assert lower - 1e-6 * spot <= value <= spot * math.exp(-q * years) + 1e-6 * spot
