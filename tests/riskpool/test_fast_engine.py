"""The fast engine's parts: its Binomial sampler, its uniform picks, its buckets and its exact
thinning of loans with their own pds (against the exact Poisson-binomial law).

Tolerances as in test_simulate: 4 standard errors, or a p-value above 1e-4; seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from riskpool import Portfolio, Scheme, simulate
from riskpool._kernel import WIDTH, binomial_sample
from riskpool.analytic import default_count_distribution, poisson_binomial_pmf
from riskpool.book import build_book
from riskpool.buckets import plan_buckets
from riskpool.factors import ONE_FACTOR, FactorModel
from riskpool.reference import simulate_reference

ZHONGSHAN = Scheme.preset("zhongshan-2021")
N_SE = 4.0


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (500, 0.0005),  # mostly the 1 - n p shortcut
        (500, 0.02),  # inversion
        (10_000, 0.002),  # inversion, large n
        (1_000, 0.05),  # inversion near its largest mean
        (40, 0.9),  # flipped: n - Binomial(n, 0.1)
        (7, 0.5),
        (500, 0.3),  # mean 150: numpy's BTPE
        (2_000, 0.7),  # flipped BTPE
    ],
)
def test_binomial_sampler_matches_the_binomial_law(n: int, p: float) -> None:
    size = 200_000
    rng = np.random.default_rng(17)
    state = np.asarray(rng.bit_generator.random_raw(4), dtype=np.uint64)
    draws = binomial_sample(n, p, size, rng, state)
    assert draws.min() >= 0 and draws.max() <= n
    # chi-square over the values, pooling the tails until each bin expects >= 20 draws
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    counts = np.bincount(draws, minlength=n + 1)
    lo = int(np.searchsorted(np.cumsum(pmf), 20 / size))
    hi = n - int(np.searchsorted(np.cumsum(pmf[::-1]), 20 / size))
    expected = np.concatenate(([pmf[: lo + 1].sum()], pmf[lo + 1 : hi], [pmf[hi:].sum()]))
    observed = np.concatenate(([counts[: lo + 1].sum()], counts[lo + 1 : hi], [counts[hi:].sum()]))
    expected = expected / expected.sum() * size
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert stats.chi2.sf(chi2, expected.size - 1) > 1e-4
    assert draws.mean() == pytest.approx(n * p, abs=N_SE * math.sqrt(n * p * (1 - p) / size))


def test_binomial_sampler_is_reproducible() -> None:
    def sample(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        state = np.asarray(rng.bit_generator.random_raw(4), dtype=np.uint64)
        return binomial_sample(300, 0.05, 1_000, rng, state)

    assert np.array_equal(sample(3), sample(3))
    assert not np.array_equal(sample(3), sample(4))


@pytest.mark.parametrize("years", [1, 2])
def test_every_loan_is_equally_likely_to_default(years: int) -> None:
    # principal 2^i x 100 fen: the gross loss names exactly which loans defaulted
    n, pd = 40, 0.05
    portfolio = Portfolio(
        principal=(2 ** np.arange(n, dtype=np.int64)) * 100, pd=pd, lgd=1.0, rho=0.2, term=years
    )
    scenarios = 40_000
    result = simulate(portfolio, ZHONGSHAN, scenarios=scenarios, years=years, seed=21)
    bits = (result.gross_loss // 100)[:, None] >> np.arange(n) & 1
    assert np.array_equal(bits.sum(axis=1), result.defaults)
    # each loan's default probability over the horizon (independent yearly factors)
    p = 1.0 - (1.0 - pd) ** years
    freq = bits.mean(axis=0)
    se = math.sqrt(p * (1 - p) / scenarios)
    assert np.all(np.abs(freq - p) < N_SE * se * 1.5)  # 40 loans: a little extra room
    # and no loan more likely than another: chi-square of the default counts by loan
    counts = bits.sum(axis=0)
    chi2 = float(((counts - counts.mean()) ** 2 / counts.mean()).sum())
    assert stats.chi2.sf(chi2, n - 1) > 1e-4


def chi_square_pvalue(counts: np.ndarray, pmf: np.ndarray, min_expected: float = 20.0) -> float:
    """Chi-square goodness of fit of observed `counts` to `pmf`, pooling the upper tail (and
    any thin bins) until each bin expects at least `min_expected`."""
    size = counts.sum()
    expected = pmf * size
    obs_bins, exp_bins = [], []
    o = e = 0.0
    for k in range(pmf.size):
        o += counts[k] if k < counts.size else 0
        e += expected[k]
        if e >= min_expected and expected[k + 1 :].sum() >= min_expected:
            obs_bins.append(o)
            exp_bins.append(e)
            o = e = 0.0
    obs_bins.append(o + counts[pmf.size :].sum())
    exp_bins.append(e)
    obs, exp = np.array(obs_bins), np.array(exp_bins)
    chi2 = float(((obs - exp) ** 2 / exp).sum())
    return float(stats.chi2.sf(chi2, obs.size - 1))


def own_pd_book(n: int, rho: float | np.ndarray, seed: int = 3) -> Portfolio:
    """n loans, each with its own pd in 0.5%..30% and principal 2^i x 100 fen (LGD 1), so the
    gross loss names exactly which loans defaulted."""
    pd = np.random.default_rng(seed).uniform(0.005, 0.30, n)
    return Portfolio(principal=(2 ** np.arange(n, dtype=np.int64)) * 100, pd=pd, lgd=1.0, rho=rho)


N_OWN = 24


@pytest.mark.parametrize(
    ("rho", "dof"),
    [
        (0.0, None),  # independent loans: the count is Poisson-binomial(pd_1..pd_n) exactly
        (0.25, None),  # one factor: that law given the factor, integrated over it
        (np.linspace(0.05, 0.35, N_OWN), None),  # a rho per loan: buckets mix correlations
        (0.25, 5.0),  # Student-t copula
    ],
)
def test_own_pds_follow_the_exact_poisson_binomial_law(
    rho: float | np.ndarray, dof: float | None
) -> None:
    n, scenarios = N_OWN, 100_000
    book = own_pd_book(n, rho)
    model = FactorModel.make(dof=dof)
    plan = plan_buckets(build_book(book, ZHONGSHAN, years=1, growth=0.0), model, width=WIDTH)
    assert not plan.pure.all()  # candidates are thinned, not all kept
    if np.ndim(rho):
        assert (plan.a_lo < plan.a_hi).any()  # some bucket holds loans of several rhos
    result = simulate(book, ZHONGSHAN, scenarios=scenarios, seed=41, factors=model)
    if np.ndim(rho) == 0 and rho == 0.0:
        exact = poisson_binomial_pmf(book.pd)
    else:
        exact = default_count_distribution(book.pd, book.rho, dof=dof)
    counts = np.bincount(result.defaults, minlength=n + 1)
    assert chi_square_pvalue(counts, exact) > 1e-4
    # and each loan defaults with its own pd
    bits = (result.gross_loss // 100)[:, None] >> np.arange(n) & 1
    assert np.array_equal(bits.sum(axis=1), result.defaults)
    freq = bits.mean(axis=0)
    se = np.sqrt(book.pd * (1 - book.pd) / scenarios)
    assert np.all(np.abs(freq - book.pd) < N_SE * se)


def test_chi_square_check_rejects_a_slightly_wrong_law() -> None:
    # the check above has teeth: pds 10% too high are rejected at the same sample size
    book = own_pd_book(N_OWN, 0.0)
    result = simulate(book, ZHONGSHAN, scenarios=100_000, seed=41)
    counts = np.bincount(result.defaults, minlength=N_OWN + 1)
    assert chi_square_pvalue(counts, poisson_binomial_pmf(book.pd * 1.1)) < 1e-6


def test_thinning_agrees_with_the_reference_on_a_spread_book() -> None:
    rng = np.random.default_rng(8)
    n = 400
    book = Portfolio(
        principal=rng.integers(1, 200, n) * 1_000_000,
        pd=rng.uniform(0.005, 0.08, n),
        lgd=rng.uniform(0.3, 0.7, n),
        rho=rng.choice([0.1, 0.2], n),
        term=rng.choice([1, 2, 3], n),
        amortisation=rng.choice(["bullet", "linear", "annuity"], n),
        rate_bp=600,
    )
    kwargs = {"scenarios": 20_000, "years": 3, "growth": 0.1, "recovery_rate": 0.2}
    fast = simulate(book, ZHONGSHAN, seed=51, **kwargs)  # type: ignore[arg-type]
    ref = simulate_reference(book, ZHONGSHAN, seed=52, **kwargs)  # type: ignore[arg-type]
    for values in (
        (fast.total_loss, ref.total_loss),
        (fast.losses("pool"), ref.losses("pool")),
        (fast.defaults, ref.defaults),
    ):
        assert stats.ks_2samp(*values).pvalue > 1e-4
    se = math.hypot(fast.mean_loss_se(), ref.mean_loss_se())
    assert fast.mean_loss() == pytest.approx(ref.mean_loss(), abs=N_SE * se)


def test_buckets_partition_the_book_and_bound_every_loan() -> None:
    rng = np.random.default_rng(9)
    n = 3_000
    portfolio = Portfolio(
        principal=rng.integers(1, 100, n) * 1_000_000,
        pd=np.concatenate([rng.uniform(0.005, 0.05, n - 500), np.full(500, 0.02)]),
        rho=rng.choice([0.12, 0.2], n),
        term=rng.choice([1, 2], n),
    )
    book = build_book(portfolio, ZHONGSHAN, years=2, growth=0.1)
    plan = plan_buckets(book, ONE_FACTOR, width=WIDTH)
    assert np.array_equal(np.sort(plan.loan), np.arange(book.size))
    assert np.array_equal(plan.order, np.arange(book.size))
    assert np.array_equal(plan.rows[:, :, : len(book.parties)], book.rows[:, plan.loan])
    assert 1 < plan.buckets < 200  # far fewer buckets than distinct pds
    for b in range(plan.buckets):
        slots = plan.order[plan.offset[b] : plan.offset[b] + plan.size[b]]
        loans = plan.loan[slots]
        assert np.all(book.start[loans] == plan.start[b]) and np.all(book.end[loans] == plan.end[b])
        assert np.all((plan.cb[slots] >= plan.c_lo[b]) & (plan.cb[slots] <= plan.c_hi[b]))
        assert np.all((plan.ab[slots] >= plan.a_lo[b]) & (plan.ab[slots] <= plan.a_hi[b]))
        assert plan.pure[b] == (
            np.unique(book.pd[loans]).size == 1 and np.unique(book.rho[loans]).size == 1
        )
    # thresholds are the exact pds: no rounding to a grid
    rho = book.rho[plan.loan]
    assert np.allclose(stats.norm.cdf(plan.cb * np.sqrt(1 - rho)), book.pd[plan.loan], rtol=1e-12)
    # loans with pd 0 never default and are left out
    zero = Portfolio(principal=[100, 200], pd=[0.0, 0.1])
    assert plan_buckets(
        build_book(zero, ZHONGSHAN, years=1, growth=0.0), ONE_FACTOR, width=WIDTH
    ).loan.tolist() == [1]
