"""The fast engine's parts: its Binomial sampler, its uniform picks and its cell plan.

Tolerances as in test_simulate: 4 standard errors, or a p-value above 1e-4; seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from riskpool import Portfolio, Scheme, simulate
from riskpool._kernel import WIDTH, binomial_sample
from riskpool.book import build_book
from riskpool.reference import simulate_reference
from riskpool.simulate import plan_cells

ZHONGSHAN = Scheme.preset("zhongshan-2021")
N_SE = 4.0


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (500, 0.0005),  # mostly the 1 - n p shortcut
        (500, 0.02),  # inversion
        (10_000, 0.002),  # inversion, large n
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


def mixed_rows_portfolio() -> Portfolio:
    """Two grades; in each, many loans with the same principal and LGD (identical rows)
    beside loans of other sizes, and cohorts of 1- to 3-year terms."""
    rng = np.random.default_rng(5)
    n = 600
    standard = rng.random(n) < 0.6
    principal = np.where(standard, 100_000_000, rng.integers(1, 60, n) * 5_000_000)
    return Portfolio(
        principal=principal,
        pd=np.where(np.arange(n) % 2 == 0, 0.04, 0.12),
        lgd=np.where(standard, 1.0, rng.choice([0.5, 0.8], n)),
        rho=0.2,
        term=np.where(standard, 2, rng.choice([1, 2, 3], n)),
        ip_pledge=True,
    )


def test_cell_plan_is_a_partition_into_exchangeable_cells() -> None:
    book = build_book(mixed_rows_portfolio(), ZHONGSHAN, years=3, growth=0.2)
    plan = plan_cells(book, width=WIDTH)
    assert np.array_equal(np.sort(plan.order), np.arange(book.size))
    assert plan.cell_uniform.any() and (~plan.cell_uniform).any()
    assert plan.group_cells[0] == 0 and plan.group_cells[-1] == plan.cells
    assert np.array_equal(plan.rows[:, : len(book.parties)], book.rows)
    assert not plan.rows[:, len(book.parties) :].any()
    for g in range(plan.threshold.size):
        lo, mid, hi = plan.group_cells[g], plan.group_uniform[g], plan.group_cells[g + 1]
        assert not plan.cell_uniform[lo:mid].any() and plan.cell_uniform[mid:hi].all()
        for cell in range(lo, hi):
            start = plan.cell_offset[cell]
            loans = plan.order[start : start + plan.cell_size[cell]]
            assert np.unique(book.pd[loans]).size == 1 and np.unique(book.rho[loans]).size == 1
            assert np.all(book.start[loans] == plan.cell_start[cell])
            assert np.all(book.end[loans] == plan.cell_end[cell])
            assert book.pd[loans[0]] == pytest.approx(stats.norm.cdf(plan.threshold[g]))
            if plan.cell_uniform[cell]:
                assert (book.rows[loans] == book.rows[loans[0]]).all()


def test_uniform_and_picked_cells_agree_with_the_reference() -> None:
    portfolio = mixed_rows_portfolio()
    kwargs = {
        "scenarios": 20_000,
        "years": 3,
        "growth": 0.2,
        "recovery_rate": 0.2,
        "pool_balance": 3_000_000_000,
    }
    fast = simulate(portfolio, ZHONGSHAN, seed=31, **kwargs)  # type: ignore[arg-type]
    ref = simulate_reference(portfolio, ZHONGSHAN, seed=32, **kwargs)  # type: ignore[arg-type]
    for values in (
        (fast.total_loss, ref.total_loss),
        (fast.losses("pool"), ref.losses("pool")),
        (fast.defaults, ref.defaults),
        (fast.pool_balance[:, 1], ref.pool_balance[:, 1]),
    ):
        assert stats.ks_2samp(*values).pvalue > 1e-4
    se = math.hypot(fast.mean_loss_se(), ref.mean_loss_se())
    assert fast.mean_loss() == pytest.approx(ref.mean_loss(), abs=N_SE * se)
    assert np.array_equal(fast.party_loss.sum(axis=1), fast.total_loss)
