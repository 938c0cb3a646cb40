"""Several years: amortising exposures, maturities, growth cohorts, one default per loan.

Schedules worked by hand: equal principal repayments leave P (1 - k / T) outstanding after k
years; an annuity of n monthly instalments at monthly rate i leaves
P ((1 + i)^n - (1 + i)^m) / ((1 + i)^n - 1) after m instalments (the standard loan balance
formula, e.g. Brealey, Myers & Allen, Principles of Corporate Finance, ch. 2 annuities).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from riskpool import Portfolio, PortfolioError, Scheme, simulate
from riskpool.book import build_book

ZHONGSHAN = Scheme.preset("zhongshan-2021")
N_SE = 4.0


def test_exposure_follows_each_schedule() -> None:
    book = build_book(
        Portfolio(
            principal=[300_000, 300_000, 1_000_000, 500_000],
            pd=0.02,
            lgd=[1.0, 0.5, 1.0, 1.0],
            term=[3, 3, 2, 1.5],
            amortisation=["bullet", "linear", "annuity", "linear"],
            rate_bp=[0, 0, 1200, 0],
        ),
        ZHONGSHAN,
        years=4,
        growth=0.0,
    )
    # bullet: all 300,000 until maturity, gone in year 4
    assert book.exposure[:, 0].tolist() == [300_000, 300_000, 300_000, 0]
    # linear over 3 years: 300,000, 200,000, 100,000
    assert book.exposure[:, 1].tolist() == [300_000, 200_000, 100_000, 0]
    # annuity, 12% a year, 24 monthly instalments: after 12 of them
    # 1,000,000 x (1.01^24 - 1.01^12) / (1.01^24 - 1) = 1,000,000 x 0.1429096 / 0.2697346
    # = 529,816 fen (1.01^12 = 1.1268250, 1.01^24 = 1.2697346)
    assert book.exposure[:, 2].tolist() == [1_000_000, 529_816, 0, 0]
    # linear over 1.5 years: 500,000, then 500,000 x (1 - 1 / 1.5) = 166,667 (rounded)
    assert book.exposure[:, 3].tolist() == [500_000, 166_667, 0, 0]
    assert book.end.tolist() == [3, 3, 2, 2]
    # the loss in a year is that year's exposure x LGD, split between the parties
    assert book.rows[:, 1].sum(axis=1).tolist() == [150_000, 100_000, 50_000, 0]
    assert book.rows[:, 2].sum(axis=1).tolist() == [1_000_000, 529_816, 0, 0]


def test_the_year_of_default_sets_the_loss() -> None:
    # one loan, 3 years, linear, pd 50% a year, independent years: it defaults in year 1, 2 or
    # 3 with probability 1/2, 1/4, 1/8 (losing 300k, 200k, 100k) and survives with 1/8
    loan = Portfolio(principal=[30_000_000], pd=0.5, rho=0.0, term=3, amortisation="linear")
    result = simulate(loan, ZHONGSHAN, scenarios=40_000, years=3, seed=61)
    counts = np.array(
        [np.sum(result.gross_loss == x) for x in (30_000_000, 20_000_000, 10_000_000, 0)]
    )
    assert counts.sum() == result.scenarios  # nothing else happens
    expected = np.array([0.5, 0.25, 0.125, 0.125]) * result.scenarios
    assert stats.chisquare(counts, expected).pvalue > 1e-4
    assert result.defaults.max() == 1


def test_a_loan_defaults_at_most_once_and_matured_loans_leave() -> None:
    # pd 90% a year for 3 years: a loan that could default again would give ~2.7 defaults
    # per loan; at most once gives 1 - 0.1^3 = 0.999
    n = 50
    book = Portfolio(principal=np.full(n, 1_000_000), pd=0.9, rho=0.1, term=3)
    result = simulate(book, ZHONGSHAN, scenarios=5_000, years=3, seed=62)
    assert result.defaults.max() <= n
    assert result.defaults.mean() == pytest.approx(0.999 * n, abs=0.05)
    # one-year loans leave after year 1: nothing defaults later, whatever the pd
    short = Portfolio(principal=np.full(n, 1_000_000), pd=0.9, rho=0.1, term=1)
    once = simulate(short, ZHONGSHAN, scenarios=5_000, years=3, seed=63, pool_balance=10**12)
    spent = 10**12 - once.pool_balance
    assert np.array_equal(spent[:, 1], spent[:, 0]) and np.array_equal(spent[:, 2], spent[:, 0])


def test_growth_cohorts_join_and_default_in_their_own_years() -> None:
    n, growth = 1_000, 0.1
    book = Portfolio(principal=np.full(n, 1_000_000), pd=0.05, rho=0.0, term=5)
    result = simulate(book, ZHONGSHAN, scenarios=4_000, years=3, seed=64, growth=growth)
    # 100 new loans in year 2 and 110 in year 3, like the old ones
    assert result.new_principal.tolist() == [n * 1_000_000, 100 * 1_000_000, 110 * 1_000_000]
    # expected defaults: each cohort's loans default at most once over its years at risk
    expected = n * (1 - 0.95**3) + 100 * (1 - 0.95**2) + 110 * 0.05
    se = math.sqrt(expected) / math.sqrt(result.scenarios)
    assert result.defaults.mean() == pytest.approx(expected, abs=N_SE * se * 1.2)


def test_pool_dry_by_year_is_cumulative() -> None:
    book = Portfolio(principal=np.full(200, 10_000_000), pd=0.05, rho=0.3, term=3)
    result = simulate(
        book,
        ZHONGSHAN,
        scenarios=20_000,
        years=3,
        seed=65,
        pool_balance=80_000_000,
        top_ups=[0, 20_000_000, 20_000_000],
    )
    by_year = result.dry_by_year()
    assert by_year.shape == (3,)
    assert np.all(np.diff(by_year) >= 0) and 0 < by_year[0] < by_year[-1]
    assert by_year[-1] == pytest.approx(result.depletion_probability)
    # the pool cannot pay in full in a year only when its balance is used up in it
    first = result.dry_year
    ran = first >= 0
    assert np.all(result.pool_shortfall[ran] > 0) and np.all(result.pool_shortfall[~ran] == 0)


def test_schedule_errors_name_row_and_column() -> None:
    with pytest.raises(PortfolioError) as info:
        Portfolio(principal=[1, 2], pd=0.1, amortisation=["linear", "balloon"])
    assert (info.value.row, info.value.column) == (2, "amortisation")
    with pytest.raises(PortfolioError) as info:
        Portfolio(principal=[1, 2], pd=0.1, rate_bp=[0, -5])
    assert info.value.column == "rate_bp"
    rows = [
        {
            "principal": 100,
            "pd": 0.1,
            "lgd": 1,
            "term": 2,
            "bank": "b",
            "borrower": "x",
            "amortisation": "annuity",
            "rate_bp": "450",
        }
    ]
    loan = Portfolio.from_rows(rows)
    assert loan.amortisation.tolist() == ["annuity"] and loan.rate_bp.tolist() == [450]
    with pytest.raises(PortfolioError, match="basis points"):
        Portfolio.from_rows([{**rows[0], "rate_bp": "4.5%"}])


def test_recoveries_arrive_after_the_lag_and_refill_the_pool() -> None:
    # one-year loans default only in year 1; 30% of what each party paid comes back in year 2
    book = Portfolio(principal=np.full(100, 10_000_000), pd=0.05, rho=0.2, term=1)
    kwargs = {"scenarios": 3_000, "years": 2, "seed": 66, "pool_balance": 10**12}
    plain = simulate(book, ZHONGSHAN, **kwargs)  # type: ignore[arg-type]
    back = simulate(book, ZHONGSHAN, recovery_rate=0.3, recovery_lag=1, **kwargs)  # type: ignore[arg-type]
    paid = plain.party_loss
    returned = np.floor(paid * 0.3).astype(np.int64)
    assert np.array_equal(back.party_loss, paid - returned)
    assert np.array_equal(back.recovered, returned.sum(axis=1))
    pool = ZHONGSHAN.parties.index("pool")
    # the pool's year-2 balance: what it had after year 1 plus its share of the recovery
    assert np.array_equal(back.pool_balance[:, 0], plain.pool_balance[:, 0])
    assert np.array_equal(back.pool_balance[:, 1], plain.pool_balance[:, 1] + returned[:, pool])
