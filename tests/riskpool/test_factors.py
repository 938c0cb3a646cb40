"""Sector factors with a correlation matrix, the Student-t copula, and importance sampling
with them, against exact pairwise default probabilities (scipy's bivariate normal and t CDFs)
and the exact default-count law of a small book.

Model (riskpool.factors): loan i of sector s defaults when S (sqrt(rho) Y_s + sqrt(1 - rho) e_i)
< F^-1(pd). Two loans of sectors s, u then default together with probability
F2(F^-1(pd_i), F^-1(pd_j); sqrt(rho_i rho_j) corr[s, u]), F2 the bivariate normal (Gaussian
copula) or bivariate t with the same dof (t copula): Demarta & McNeil, "The t copula and
related copulas" (2005), sections 2-3.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from riskpool import Portfolio, PortfolioError, Scheme, simulate
from riskpool.analytic import default_count_distribution
from riskpool.factors import FactorModel
from riskpool.reference import simulate_reference

ZHONGSHAN = Scheme.preset("zhongshan-2021")
N_SE = 4.0
PD, RHO, BETWEEN, PER_SECTOR = 0.05, 0.3, 0.5, 20


def two_sector_book() -> Portfolio:
    return Portfolio(
        principal=np.full(2 * PER_SECTOR, 1_000_000),
        pd=PD,
        lgd=1.0,
        rho=RHO,
        sector=["agri"] * PER_SECTOR + ["tech"] * PER_SECTOR,
    )


def sector_counts(result_gross: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Default counts per sector, read from the gross loss (agri loans lose 1m fen, tech
    loans are made to lose 1,000m fen below)."""
    return result_gross % 1_000_000_000 // 1_000_000, result_gross // 1_000_000_000


def coded_book() -> Portfolio:
    book = two_sector_book()
    principal = np.where(np.arange(2 * PER_SECTOR) < PER_SECTOR, 1_000_000, 1_000_000_000)
    return Portfolio(principal=principal, pd=PD, lgd=1.0, rho=RHO, sector=book.sector)


def joint_pd(correlation: float, dof: float | None) -> float:
    cov = [[1.0, correlation], [correlation, 1.0]]
    if dof is None:
        c = stats.norm.ppf(PD)
        return float(stats.multivariate_normal(mean=[0, 0], cov=cov).cdf([c, c]))
    c = stats.t.ppf(PD, dof)
    dist = stats.multivariate_t(loc=[0, 0], shape=cov, df=dof, seed=1)
    return float(dist.cdf([c, c], maxpts=2_000_000))


@pytest.mark.parametrize("dof", [None, 4.0])
def test_pairwise_defaults_follow_the_copula(dof: float | None) -> None:
    model = FactorModel.make(sectors=["agri", "tech"], correlation=BETWEEN, dof=dof)
    result = simulate(coded_book(), ZHONGSHAN, scenarios=100_000, seed=71, factors=model)
    a, b = sector_counts(result.gross_loss)
    assert np.array_equal(a + b, result.defaults)
    n = result.scenarios
    # marginal: every loan defaults with its pd whatever the copula
    assert a.mean() == pytest.approx(PER_SECTOR * PD, abs=N_SE * a.std() / math.sqrt(n))
    # across sectors: E[D_a D_b] = 20 x 20 x P(two loans of different sectors both default)
    cross = a * b
    expected = PER_SECTOR**2 * joint_pd(RHO * BETWEEN, dof)
    assert cross.mean() == pytest.approx(expected, abs=N_SE * cross.std() / math.sqrt(n))
    # within a sector: E[D (D - 1)] = 20 x 19 x P(two loans of one sector both default)
    within = a * (a - 1)
    expected = PER_SECTOR * (PER_SECTOR - 1) * joint_pd(RHO, dof)
    assert within.mean() == pytest.approx(expected, abs=N_SE * within.std() / math.sqrt(n))


def test_t_copula_has_fatter_tails_than_gaussian() -> None:
    book = two_sector_book()
    gauss = simulate(book, ZHONGSHAN, scenarios=50_000, seed=72)
    fat = simulate(book, ZHONGSHAN, scenarios=50_000, seed=72, factors=FactorModel.make(dof=3.0))
    assert fat.mean_loss() == pytest.approx(gauss.mean_loss(), rel=0.05)
    assert fat.loss_quantile(0.999) > gauss.loss_quantile(0.999)


def test_importance_sampling_with_sectors_and_t_matches_exact_tail() -> None:
    model = FactorModel.make(sectors=["agri", "tech"], correlation=[[1, 0.4], [0.4, 1]], dof=6)
    book = two_sector_book()
    exact = default_count_distribution(
        book.pd,
        book.rho,
        factor=np.repeat([0, 1], PER_SECTOR),
        correlation=model.correlation,
        dof=6,
        nodes=40,
    )
    k = 30  # three quarters of the book default: about 1 in 5,000
    p = float(exact[k:].sum())
    assert 1e-4 < p < 3e-4
    scenarios = 40_000
    shifted = simulate(
        book, ZHONGSHAN, scenarios=scenarios, seed=73, factors=model, importance_shift=-2.5
    )
    assert shifted.weights is not None
    tail = shifted.weights * (shifted.defaults >= k)
    se = tail.std() / math.sqrt(scenarios)
    assert tail.mean() == pytest.approx(p, abs=N_SE * se)
    assert se < math.sqrt(p * (1 - p) / scenarios) / 3  # lower variance than plain sampling
    # the weights keep every other figure unbiased too
    mean = shifted.weights * shifted.defaults
    assert mean.mean() == pytest.approx(
        2 * PER_SECTOR * PD, abs=N_SE * mean.std() / math.sqrt(scenarios)
    )


def test_full_count_law_and_reference_with_sectors() -> None:
    model = FactorModel.make(sectors=["agri", "tech"], correlation=[[1, -0.2], [-0.2, 1]])
    book = two_sector_book()
    fast = simulate(book, ZHONGSHAN, scenarios=60_000, seed=74, factors=model)
    exact = default_count_distribution(
        book.pd, book.rho, factor=np.repeat([0, 1], PER_SECTOR), correlation=model.correlation
    )
    counts = np.bincount(fast.defaults, minlength=exact.size)
    keep = exact * fast.scenarios >= 20
    expected = np.append(exact[keep], exact[~keep].sum()) * fast.scenarios
    observed = np.append(counts[: exact.size][keep], counts[: exact.size][~keep].sum())
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert stats.chi2.sf(chi2, observed.size - 1) > 1e-4
    ref = simulate_reference(book, ZHONGSHAN, scenarios=20_000, seed=75, factors=model)
    assert stats.ks_2samp(fast.defaults, ref.defaults).pvalue > 1e-4


def test_bad_factor_models_are_refused() -> None:
    with pytest.raises(ValueError, match="positive semi-definite"):
        FactorModel.make(
            sectors=["a", "b", "c"], correlation=[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
        )
    with pytest.raises(ValueError, match="2 x 2"):
        FactorModel.make(sectors=["a", "b"], correlation=np.eye(3))
    with pytest.raises(ValueError, match="symmetric"):
        FactorModel.make(sectors=["a", "b"], correlation=[[1, 0.2], [0.3, 1]])
    with pytest.raises(ValueError, match="dof"):
        FactorModel.make(dof=2.0)
    with pytest.raises(ValueError, match="unknown"):
        FactorModel.from_mapping({"sectors": ["a"], "colour": "red"})
    model = FactorModel.make(sectors=["agri"])
    with pytest.raises(PortfolioError, match="tech") as info:
        simulate(two_sector_book(), ZHONGSHAN, scenarios=10, factors=model)
    assert info.value.column == "sector"
    with pytest.raises(ValueError, match="importance_shift"):
        simulate(two_sector_book(), ZHONGSHAN, scenarios=10, importance_shift=[1.0, 2.0])
