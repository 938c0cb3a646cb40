"""The simulator against analytic references, the reference engine and its own invariants.

Tolerances: Monte Carlo estimates must lie within 4 standard errors of the exact value (a
false alarm about 1 in 16,000 per comparison); seeds are fixed, so the tests are repeatable.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from riskpool import Portfolio, Scheme, simulate
from riskpool.analytic import finite_pool_default_distribution, vasicek_quantile
from riskpool.reference import simulate_reference

ZHONGSHAN = Scheme.preset("zhongshan-2021")
UNIT = 10_000_000  # 100k CNY per loan
N_SE = 4.0


def homogeneous(n: int, pd: float, rho: float) -> Portfolio:
    return Portfolio(principal=np.full(n, UNIT), pd=pd, lgd=1.0, rho=rho)


def mixed_portfolio() -> Portfolio:
    rng = np.random.default_rng(11)
    n = 120
    return Portfolio(
        principal=rng.integers(1, 40, n) * 50_000_000,  # 0.5m .. 20m CNY
        pd=np.array([0.01, 0.03, 0.08])[np.arange(n) % 3],
        lgd=rng.choice([0.4, 0.7, 1.0], n),
        rho=np.where(np.arange(n) % 2 == 0, 0.12, 0.25),
        term=rng.choice([1, 2, 3], n),
        ip_pledge=np.arange(n) % 5 != 0,
    )


def test_default_counts_match_exact_finite_pool() -> None:
    n, pd, rho = 200, 0.03, 0.2
    exact = finite_pool_default_distribution(n, pd, rho)
    result = simulate(homogeneous(n, pd, rho), ZHONGSHAN, scenarios=100_000, seed=1)
    assert result.mean_loss() == pytest.approx(n * pd * UNIT, abs=N_SE * result.mean_loss_se())
    tail = 1.0 - np.cumsum(exact)
    for k in (5, 10, 20, 40):
        p = float(tail[k])
        se = math.sqrt(p * (1 - p) / result.scenarios)
        assert result.tail_probability(k * UNIT) == pytest.approx(p, abs=N_SE * se)
    # the 99% quantile in defaults equals the exact one (or a neighbour, for MC noise)
    k99 = int(np.searchsorted(np.cumsum(exact), 0.99))
    assert abs(result.loss_quantile(0.99) / UNIT - k99) <= 1


def test_large_pool_quantile_close_to_vasicek() -> None:
    n, pd, rho = 10_000, 0.02, 0.15
    result = simulate(homogeneous(n, pd, rho), ZHONGSHAN, scenarios=40_000, seed=2)
    rate = result.loss_quantile(0.99) / (n * UNIT)
    # finite-pool granularity and MC noise at 40k scenarios: within 3% of the large-pool value
    assert rate == pytest.approx(float(vasicek_quantile(pd, rho, 0.99)), rel=0.03)


def test_importance_sampling_far_tail_matches_exact() -> None:
    n, pd, rho = 300, 0.01, 0.2
    exact = finite_pool_default_distribution(n, pd, rho)
    k = int(np.searchsorted(np.cumsum(exact), 0.9999))  # a 1-in-10,000 loss
    p = float(1.0 - np.cumsum(exact)[k])
    portfolio = homogeneous(n, pd, rho)
    shifted = simulate(
        portfolio, ZHONGSHAN, scenarios=40_000, seed=3, importance_shift=-stats.norm.ppf(0.9999)
    )
    got = shifted.tail_probability(k * UNIT)
    se = shifted.tail_probability_se(k * UNIT)
    assert got == pytest.approx(p, abs=N_SE * se)
    plain_se = math.sqrt(p * (1 - p) / 40_000)
    assert se < plain_se / 5  # far lower variance than plain Monte Carlo
    # weights are honoured everywhere: mean and quantile agree with the exact distribution
    assert shifted.mean_loss() == pytest.approx(n * pd * UNIT, abs=N_SE * shifted.mean_loss_se())
    assert abs(shifted.loss_quantile(0.9999) / UNIT - (k + 0)) <= 1
    assert shifted.weights is not None and shifted.engine == "fast"


def test_seeded_runs_are_reproducible() -> None:
    portfolio = mixed_portfolio()
    kwargs = {
        "scenarios": 5_000,
        "years": 3,
        "seed": 42,
        "growth": 0.1,
        "chunk": 1000,
        "recovery_rate": 0.2,
    }
    a = simulate(portfolio, ZHONGSHAN, workers=1, **kwargs)  # type: ignore[arg-type]
    b = simulate(portfolio, ZHONGSHAN, workers=2, **kwargs)  # type: ignore[arg-type]
    assert np.array_equal(a.party_loss, b.party_loss)
    assert np.array_equal(a.pool_balance, b.pool_balance)
    c = simulate(portfolio, ZHONGSHAN, **{**kwargs, "seed": 43})  # type: ignore[arg-type]
    assert not np.array_equal(a.total_loss, c.total_loss)


@pytest.mark.parametrize("preset", ["guangzhou-2023", "weihai", "guangzhou-2025"])
def test_fast_and_reference_engines_agree(preset: str) -> None:
    scheme = Scheme.preset(preset)
    portfolio = mixed_portfolio()
    kwargs = {
        "scenarios": 20_000,
        "years": 3,
        "growth": 0.1,
        "recovery_rate": 0.25,
        "pool_balance": 2_000_000_000,
        "top_ups": 300_000_000,
    }
    fast = simulate(portfolio, scheme, seed=5, **kwargs)  # type: ignore[arg-type]
    ref = simulate_reference(portfolio, scheme, seed=6, **kwargs)  # type: ignore[arg-type]
    assert fast.parties == ref.parties
    # two-sample KS test on the total and the pool's loss (same model => p-value not tiny)
    for party in (None, "pool"):
        ks = stats.ks_2samp(fast.losses(party), ref.losses(party))
        assert ks.pvalue > 1e-4, (party, ks)
        se = math.hypot(fast.mean_loss_se(party), ref.mean_loss_se(party))
        assert fast.mean_loss(party) == pytest.approx(ref.mean_loss(party), abs=N_SE * se)
    p_fast, p_ref = fast.depletion_probability, ref.depletion_probability
    se = math.sqrt((p_fast * (1 - p_fast) + p_ref * (1 - p_ref)) / 20_000) + 1e-9
    assert abs(p_fast - p_ref) <= N_SE * se


def test_money_is_conserved_in_every_scenario() -> None:
    scheme = Scheme.preset("guangzhou-2023")  # eligible cap, budget cap, treasury recoveries
    result = simulate(
        mixed_portfolio(),
        scheme,
        scenarios=3_000,
        years=3,
        seed=7,
        growth=0.2,
        recovery_rate=0.3,
        recovery_lag=1,
        pool_balance=10**9,
    )
    assert result.party_loss.dtype == np.int64
    assert np.array_equal(result.party_loss.sum(axis=1), result.total_loss)
    assert np.array_equal(result.gross_loss - result.recovered, result.total_loss)
    assert "treasury" in result.parties
    assert (result.losses("treasury") <= 0).all()
    assert result.pool_balance.shape == (3_000, 3)
    assert (result.pool_balance >= 0).all()
    assert result.new_principal[1] == pytest.approx(0.2 * result.new_principal[0], rel=0.15)


def test_pool_balance_limits_and_depletion() -> None:
    portfolio = homogeneous(500, 0.03, 0.2)
    open_scheme = ZHONGSHAN.new_version(pool_size=None)
    unlimited = simulate(portfolio, open_scheme, scenarios=20_000, seed=9)
    balance = 10 * UNIT
    limited = simulate(portfolio, open_scheme, scenarios=20_000, seed=9, pool_balance=balance)
    due = unlimited.losses("pool")
    assert np.array_equal(limited.losses("pool"), np.minimum(due, balance))
    assert np.array_equal(limited.pool_shortfall, due - np.minimum(due, balance))
    shifted = limited.losses("bank") - unlimited.losses("bank")
    assert np.array_equal(shifted, limited.pool_shortfall)
    assert limited.depletion_probability == pytest.approx(float(np.mean(due > balance)))
    assert np.array_equal(limited.pool_balance[:, 0], balance - limited.losses("pool"))
    assert unlimited.depletion_probability == 0.0


def test_top_ups_budget_and_recoveries() -> None:
    portfolio = homogeneous(400, 0.05, 0.2)
    scheme = Scheme.preset("guangzhou-2023").new_version(annual_budget_cap=5 * UNIT)
    result = simulate(
        portfolio,
        scheme,
        scenarios=5_000,
        years=2,
        seed=10,
        pool_balance=0,
        top_ups=[100 * UNIT, 50 * UNIT],
    )
    paid_pool = result.losses("pool")
    assert (paid_pool <= 2 * 5 * UNIT).all()
    assert np.array_equal(result.pool_balance[:, 1], 150 * UNIT - paid_pool)
    assert result.budget_shortfall.max() > 0
    # pro-rata recoveries with no lag: each party gets floor(30%) of what it paid back
    plain = simulate(portfolio, ZHONGSHAN, scenarios=5_000, seed=11)
    back = simulate(
        portfolio, ZHONGSHAN, scenarios=5_000, seed=11, recovery_rate=0.3, recovery_lag=0
    )
    paid = plain.party_loss
    assert np.array_equal(back.party_loss, paid - np.floor(paid * 0.3).astype(np.int64))
    late = simulate(portfolio, ZHONGSHAN, scenarios=5_000, seed=11, recovery_rate=0.3)
    assert late.recovered.sum() == 0  # a one-year lag falls beyond a one-year horizon


def test_loans_above_the_size_limit_stay_with_the_bank() -> None:
    scheme = Scheme.preset("shenzhen-2018")  # loans <= 5m CNY
    big = Portfolio(principal=np.full(50, 600_000_000), pd=0.2, rho=0.1)
    result = simulate(big, scheme, scenarios=2_000, seed=12)
    assert result.losses("pool").sum() == 0
    assert np.array_equal(result.losses("bank"), result.total_loss)


def test_statistics_and_validation() -> None:
    result = simulate(homogeneous(100, 0.05, 0.2), ZHONGSHAN, scenarios=10_000, seed=13)
    losses = np.sort(result.total_loss)
    assert result.loss_quantile(0.99) == losses[int(np.ceil(0.99 * losses.size)) - 1]
    q = result.loss_quantile(0.99)
    assert result.expected_shortfall(0.99) >= q
    assert result.expected_shortfall(0.5) >= result.mean_loss()
    assert sum(result.party_means().values()) == pytest.approx(result.mean_loss())
    assert result.balance_quantiles((0.5,)).shape == (1, 1)
    progress: list[tuple[int, int]] = []
    simulate(
        homogeneous(10, 0.05, 0.2),
        ZHONGSHAN,
        scenarios=1000,
        chunk=300,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert progress[-1] == (1000, 1000) and len(progress) == 4
    with pytest.raises(ValueError):
        simulate(homogeneous(10, 0.05, 0.2), ZHONGSHAN, scenarios=1)
    with pytest.raises(ValueError):
        simulate(homogeneous(10, 0.05, 0.2), ZHONGSHAN, scenarios=10, growth=-0.1)
    with pytest.raises(ValueError):
        simulate(homogeneous(10, 0.05, 0.2), ZHONGSHAN, scenarios=10, top_ups=[1, 2], years=3)
    with pytest.raises(KeyError):
        result.losses("mayor")


def test_heavy_stress_takes_most_of_a_bucket() -> None:
    # pd 60%: most scenarios take more than half of the bucket (permutation path)
    portfolio = Portfolio(principal=np.arange(1, 41) * UNIT, pd=0.6, rho=0.3, term=2)
    fast = simulate(portfolio, ZHONGSHAN, scenarios=20_000, years=2, seed=14)
    ref = simulate_reference(portfolio, ZHONGSHAN, scenarios=20_000, years=2, seed=15)
    assert stats.ks_2samp(fast.total_loss, ref.total_loss).pvalue > 1e-4
    assert fast.defaults.max() <= 40
