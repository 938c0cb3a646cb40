"""Analytic references: Basel IRB, Vasicek, exact finite-pool, CreditRisk+."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from riskpool.analytic import (
    basel_irb_capital,
    creditriskplus,
    finite_pool_default_distribution,
    grade_loss_distribution,
    risk_weight,
    vasicek_quantile,
)


def test_basel_irb_published_value() -> None:
    # BCBS IRB illustrative risk weights (2005), corporate PD 1%, LGD 45%, M 2.5:
    # K = 7.39%, risk weight 92.32%
    assert float(basel_irb_capital(0.01, 0.45)) == pytest.approx(0.0739, abs=5e-5)
    assert float(risk_weight(0.01, 0.45)) == pytest.approx(0.9232, abs=5e-4)
    # same table, PD 0.10%: RW 29.65%; PD 20%: RW 238.23%
    assert float(risk_weight(0.001, 0.45)) == pytest.approx(0.2965, abs=5e-4)
    assert float(risk_weight(0.20, 0.45)) == pytest.approx(2.3823, abs=5e-4)


def test_basel_sme_adjustment_and_maturity() -> None:
    plain = float(basel_irb_capital(0.01, 0.45))
    small = float(basel_irb_capital(0.01, 0.45, sales_eur_m=5))
    assert small < plain
    # S is clamped to [5, 50]: 1m EUR counts as 5m, 80m as 50m (no adjustment)
    assert float(basel_irb_capital(0.01, 0.45, sales_eur_m=1)) == pytest.approx(small)
    assert float(basel_irb_capital(0.01, 0.45, sales_eur_m=80)) == pytest.approx(plain)
    assert float(basel_irb_capital(0.01, 0.45, maturity=5)) > plain
    with pytest.raises(ValueError):
        basel_irb_capital(0.0, 0.45)


def test_vasicek_quantile_limits() -> None:
    assert float(vasicek_quantile(0.02, 1e-12, 0.999)) == pytest.approx(0.02, rel=1e-4)
    assert float(vasicek_quantile(0.02, 0.2, 0.5)) < 0.02  # the median is below the mean
    q = float(vasicek_quantile(0.01, 0.12, 0.999))
    assert q == pytest.approx(
        stats.norm.cdf(
            (stats.norm.ppf(0.01) + math.sqrt(0.12) * stats.norm.ppf(0.999)) / math.sqrt(0.88)
        )
    )


@pytest.mark.parametrize(("n", "pd", "rho"), [(5, 0.1, 0.3), (12, 0.02, 0.05), (3, 0.5, 0.9)])
def test_finite_pool_matches_adaptive_quadrature(n: int, pd: float, rho: float) -> None:
    dist = finite_pool_default_distribution(n, pd, rho)
    c = stats.norm.ppf(pd)

    def integrand(z: float, k: int) -> float:
        p = stats.norm.cdf((c - math.sqrt(rho) * z) / math.sqrt(1 - rho))
        return float(stats.binom.pmf(k, n, p) * stats.norm.pdf(z))

    for k in range(n + 1):
        exact, _ = integrate.quad(integrand, -12, 12, args=(k,), epsabs=1e-14, limit=200)
        assert dist[k] == pytest.approx(exact, rel=1e-6, abs=1e-13)


def test_finite_pool_large_sums_to_one() -> None:
    dist = finite_pool_default_distribution(20_000, 0.02, 0.15)
    assert dist.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.arange(dist.size) @ dist == pytest.approx(400.0, rel=1e-8)
    assert finite_pool_default_distribution(10, 0.1, 0.0) == pytest.approx(
        stats.binom.pmf(np.arange(11), 10, 0.1)
    )


def test_grade_loss_distribution_reduces_to_finite_pool() -> None:
    one = grade_loss_distribution([40], [0.05], [3], 0.2)
    pool = finite_pool_default_distribution(40, 0.05, 0.2)
    assert one[::3] == pytest.approx(pool, abs=1e-12)
    two = grade_loss_distribution([30, 20], [0.02, 0.08], [1, 2], 0.25)
    assert two.sum() == pytest.approx(1.0)
    assert np.arange(two.size) @ two == pytest.approx(30 * 0.02 + 20 * 0.08 * 2, rel=1e-8)


def _crp_brute_force(nu: list[int], pd: list[float], s2: float, top: int) -> np.ndarray:
    """P(L = u | G) by convolving Poisson losses, integrated over the gamma factor."""

    def conditional(g: float) -> np.ndarray:
        dist = np.zeros(top)
        dist[0] = 1.0
        for size, p in zip(nu, pd, strict=True):
            term = np.zeros(top)
            k = np.arange((top - 1) // size + 1)
            term[k * size] = stats.poisson.pmf(k, p * g)
            dist = np.convolve(dist, term)[:top]
        return dist * stats.gamma.pdf(g, a=1 / s2, scale=s2)

    out, _ = integrate.quad_vec(conditional, 0, 80, epsabs=1e-15)
    return out


def test_creditriskplus_small_brute_force() -> None:
    nu, pd, s2 = [1, 2, 3, 2], [0.1, 0.05, 0.2, 0.15], 0.7
    fast = creditriskplus(np.array(nu), np.array(pd), s2)
    brute = _crp_brute_force(nu, pd, s2, 25)
    assert fast[:25] == pytest.approx(brute, abs=1e-10)
    assert fast.sum() == pytest.approx(1.0, abs=1e-10)


def test_creditriskplus_large_portfolio_is_stable() -> None:
    rng = np.random.default_rng(7)
    nu = rng.integers(1, 100, size=50_000)
    dist = creditriskplus(nu, 0.02, 0.5)
    assert np.all(dist >= 0) and dist.sum() == pytest.approx(1.0, abs=1e-9)
    mean = 0.02 * nu.sum()
    assert np.arange(dist.size) @ dist == pytest.approx(mean, rel=1e-6)
    var = 0.02 * (nu.astype(float) ** 2).sum() + 0.5 * mean**2
    got = (np.arange(dist.size) ** 2) @ dist - mean**2
    assert got == pytest.approx(var, rel=1e-4)
    poisson = creditriskplus(np.array([1] * 10), 0.1, 0.0)
    assert poisson[:5] == pytest.approx(stats.poisson.pmf(np.arange(5), 1.0))
