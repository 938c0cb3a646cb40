"""Plain reference engine: one normal draw per loan per scenario and year (for tests/benches)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from riskpool.book import LoanBook
from riskpool.portfolio import Portfolio
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme
from riskpool.simulate import ChunkDrawer, Progress, run

_CELLS = 1 << 21


def draw_reference(
    book: LoanBook, rng: np.random.Generator, z: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Dues (C, Y, P) and default counts (C,): loan i defaults in year t when
    sqrt(rho) Z_t + sqrt(1 - rho) eps_it < N^-1(pd), eps_it ~ N(0, 1) independent."""
    chunk, years = z.shape
    threshold = ndtri(book.pd)
    a = np.sqrt(book.rho)
    b = np.sqrt(1.0 - book.rho)
    alive = np.ones((chunk, book.size), dtype=bool)
    rows = book.rows.astype(np.float64)
    due = np.zeros((chunk, years, book.rows.shape[1]), dtype=np.int64)
    defaults = np.zeros(chunk, dtype=np.int64)
    for t in range(years):
        at_risk = (book.start <= t) & (t < book.end)
        eps = rng.standard_normal((chunk, book.size))
        hit = alive & at_risk & (a * z[:, t : t + 1] + b * eps < threshold)
        alive &= ~hit
        # float64 BLAS product of integer fen: exact while sums stay below 2**53
        due[:, t, :] = np.rint(hit.astype(np.float64) @ rows).astype(np.int64)
        defaults += hit.sum(axis=1)
    return due, defaults


def reference_engine(book: LoanBook) -> ChunkDrawer:
    """The reference engine's ChunkDrawer for `book` (`draw_reference` on it)."""
    return partial(draw_reference, book)


def simulate_reference(
    portfolio: Portfolio,
    scheme: Scheme,
    *,
    scenarios: int,
    years: int = 1,
    seed: int | None = None,
    growth: float = 0.0,
    pool_balance: int | None = None,
    top_ups: int | Sequence[int] = 0,
    recovery_rate: float = 0.0,
    recovery_lag: int = 1,
    importance_shift: float | None = None,
    chunk: int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> SimulationResult:
    """Same model, arguments and result as `riskpool.simulate`, drawn the slow, obvious way."""
    n_loans = round(len(portfolio) * (1 + growth) ** (years - 1))
    return run(
        portfolio,
        scheme,
        drawer=reference_engine,
        engine="reference",
        scenarios=scenarios,
        years=years,
        seed=seed,
        growth=growth,
        pool_balance=pool_balance,
        top_ups=top_ups,
        recovery_rate=recovery_rate,
        recovery_lag=recovery_lag,
        importance_shift=importance_shift,
        chunk=chunk,
        default_chunk=max(16, _CELLS // max(1, n_loans)),
        progress=progress,
        workers=workers,
    )
