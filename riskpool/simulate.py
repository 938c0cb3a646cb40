"""Fast exact Monte Carlo of portfolio losses under a scheme (one-factor Gaussian copula).

Per scenario and year the systematic factor Z is drawn once; conditional on Z the loans default
independently, in year t with p(Z_t) = N((N^-1(pd) - sqrt(rho) Z_t) / sqrt(1 - rho)). So in a
bucket of exchangeable loans (same pd, rho and years at risk) the number of defaults among its
alive loans is Binomial(alive, p(Z_t)), and which of them default is a uniformly random subset
of them: no draw per loan, and loan-level exposures and per-loan caps stay exact. Loans of a
bucket with identical per-party rows may form a "uniform" cell of their own: conditional on Z
its count is an independent Binomial, times the common row, with no picks at all.

The inner loop is compiled with numba (`riskpool._kernel`); work and memory per chunk grow with
the scenarios and the defaults drawn, never with scenarios x loans.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from riskpool.book import LoanBook, build_book
from riskpool.ledger import PoolRules, settle
from riskpool.portfolio import Portfolio
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme

Progress = Callable[[int, int], None]
#: Draws one chunk: (rng, factor draws z (C, Y)) -> (dues (C, Y, P), defaults (C,)).
ChunkDrawer = Callable[
    [np.random.Generator, NDArray[np.float64]],
    tuple[NDArray[np.int64], NDArray[np.int64]],
]
#: Prepares an engine's ChunkDrawer for one loan book (once per run, before the chunks).
Engine = Callable[[LoanBook], ChunkDrawer]

#: Scenarios per chunk of the fast engine (its memory per chunk does not depend on the loans).
FAST_CHUNK = 8192
#: Loans with identical rows in a bucket form a uniform cell if they are the whole bucket or
#: expect at least this many defaults over the horizon (a Binomial draw costs about as much
#: as a few picks).
UNIFORM_MIN_DEFAULTS = 4.0


def conditional_pd(
    pd: NDArray[np.float64], rho: NDArray[np.float64], z: NDArray[np.float64]
) -> NDArray[np.float64]:
    """p(Z) = N((N^-1(pd) - sqrt(rho) Z) / sqrt(1 - rho)), broadcasting z (..., 1) over loans."""
    out: NDArray[np.float64] = ndtr((ndtri(pd) - np.sqrt(rho) * z) / np.sqrt(1.0 - rho))
    return out


@dataclass(frozen=True, eq=False)
class CellPlan:
    """A loan book cut into the fast engine's groups and cells (see
    `riskpool._kernel.draw_cells`).

    Groups are the distinct (pd, rho) pairs. Group g owns cells group_cells[g] ..
    group_cells[g + 1] - 1: first one cell of loans to pick per bucket (if any), then (from
    group_uniform[g] on) its uniform cells. Cell k holds the loans order[offset_k : offset_k +
    size_k], at risk in years [start_k, end_k); `rows` are the book's rows padded with zero
    columns to `riskpool._kernel.WIDTH`.
    """

    threshold: NDArray[np.float64]
    loading: NDArray[np.float64]
    idio: NDArray[np.float64]
    group_cells: NDArray[np.int64]
    group_uniform: NDArray[np.int64]
    cell_start: NDArray[np.int64]
    cell_end: NDArray[np.int64]
    cell_offset: NDArray[np.int64]
    cell_size: NDArray[np.int64]
    cell_uniform: NDArray[np.bool_]
    order: NDArray[np.int64]
    rows: NDArray[np.int64]

    @property
    def cells(self) -> int:
        """Number of cells."""
        return int(self.cell_size.size)


def plan_cells(
    book: LoanBook, *, width: int, uniform_min_defaults: float = UNIFORM_MIN_DEFAULTS
) -> CellPlan:
    """Cut `book` into groups of equal (pd, rho) and cells: per bucket, uniform cells of
    loans with identical rows (see UNIFORM_MIN_DEFAULTS) and one cell of its other loans."""
    n, parties = book.rows.shape
    if parties > width:
        raise ValueError(f"at most {width} parties are supported, got {parties}")
    # groups: distinct (pd, rho); buckets are sorted by pd, then rho
    new_group = np.ones(book.buckets, dtype=bool)
    new_group[1:] = (book.bucket_pd[1:] != book.bucket_pd[:-1]) | (
        book.bucket_rho[1:] != book.bucket_rho[:-1]
    )
    bucket_group = np.cumsum(new_group) - 1
    first = np.flatnonzero(new_group)
    groups = first.size
    bucket = np.repeat(np.arange(book.buckets), book.bucket_size)
    # by bucket, then by row: loans with identical rows in a bucket form runs
    keys = [book.rows[:, q] for q in reversed(range(parties))]
    by_row = np.lexsort((*keys, bucket))
    sorted_rows = book.rows[by_row]
    sorted_bucket = bucket[by_row]
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (sorted_bucket[1:] != sorted_bucket[:-1]) | (
        sorted_rows[1:] != sorted_rows[:-1]
    ).any(axis=1)
    run_id = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_size = np.diff(np.append(run_start, n))
    run_bucket = sorted_bucket[run_start]
    horizon = (book.bucket_end - book.bucket_start)[run_bucket]
    expected = run_size * book.bucket_pd[run_bucket] * horizon
    uniform_run = (run_size == book.bucket_size[run_bucket]) | (
        (run_size >= 2) & (expected >= uniform_min_defaults)
    )
    uniform = uniform_run[run_id]
    # loans by group, picked before uniform, then bucket; each uniform run is a cell, the
    # other loans of a bucket one cell (lexsort is stable: runs stay together)
    final = np.lexsort((sorted_bucket, uniform, bucket_group[sorted_bucket]))
    order = by_row[final]
    cell_key = np.where(uniform, run_id, -1 - sorted_bucket)[final]
    change = np.ones(n, dtype=bool)
    change[1:] = cell_key[1:] != cell_key[:-1]
    offset = np.flatnonzero(change).astype(np.int64)
    size = np.diff(np.append(offset, n)).astype(np.int64)
    cell_bucket = sorted_bucket[final][offset]
    cell_group = bucket_group[cell_bucket]
    cell_uniform = uniform[final][offset]
    group_cells = np.searchsorted(cell_group, np.arange(groups + 1)).astype(np.int64)
    picked = np.bincount(cell_group[~cell_uniform], minlength=groups)
    group_uniform = (group_cells[:-1] + picked).astype(np.int64)
    rho = book.bucket_rho[first]
    rows = np.zeros((n, width), dtype=np.int64)
    rows[:, :parties] = book.rows
    return CellPlan(
        threshold=ndtri(book.bucket_pd[first]),
        loading=np.sqrt(rho),
        idio=np.sqrt(1.0 - rho),
        group_cells=group_cells,
        group_uniform=group_uniform,
        cell_start=book.bucket_start[cell_bucket].astype(np.int64),
        cell_end=book.bucket_end[cell_bucket].astype(np.int64),
        cell_offset=offset,
        cell_size=size,
        cell_uniform=cell_uniform,
        order=np.ascontiguousarray(order, dtype=np.int64),
        rows=rows,
    )


def fast_engine(book: LoanBook) -> ChunkDrawer:
    """The fast engine's ChunkDrawer for `book`: Binomial counts per cell and year, uniform
    picks of the defaulted loans."""
    from riskpool import _kernel as kernel  # numba: imported on first use, it is slow to load

    plan = plan_cells(book, width=kernel.WIDTH)
    parties = book.rows.shape[1]

    def draw(
        rng: np.random.Generator, z: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        chunk, years = z.shape
        state = np.asarray(rng.bit_generator.random_raw(4), dtype=np.uint64)
        if not state.any():
            state[0] = 1  # xoshiro256** must not start from the all-zero state
        due = np.zeros((chunk, years, kernel.WIDTH), dtype=np.int64)
        defaults = np.zeros(chunk, dtype=np.int64)
        kernel.draw_cells(
            state,
            rng,
            np.ascontiguousarray(z, dtype=np.float64),
            plan.threshold,
            plan.loading,
            plan.idio,
            plan.group_cells,
            plan.group_uniform,
            plan.cell_start,
            plan.cell_end,
            plan.cell_offset,
            plan.cell_size,
            plan.order.copy(),
            plan.rows,
            due,
            defaults,
        )
        return due[:, :, :parties], defaults

    return draw


def run(
    portfolio: Portfolio,
    scheme: Scheme,
    *,
    drawer: Engine,
    engine: str,
    scenarios: int,
    years: int,
    seed: int | None,
    growth: float,
    pool_balance: int | None,
    top_ups: int | Sequence[int],
    recovery_rate: float,
    recovery_lag: int,
    importance_shift: float | None,
    chunk: int | None,
    default_chunk: int,
    progress: Progress | None,
    workers: int | None,
) -> SimulationResult:
    """Shared driver: build the book, draw chunks (in threads), settle, collect the result."""
    if isinstance(scenarios, bool) or not isinstance(scenarios, int) or scenarios < 2:
        raise ValueError("scenarios must be an integer >= 2")
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError("years must be an integer >= 1")
    shift = 0.0 if importance_shift is None else float(importance_shift)
    if not math.isfinite(shift):
        raise ValueError("importance_shift must be finite")
    book = build_book(portfolio, scheme, years=years, growth=growth)
    balance = scheme.pool_size if pool_balance is None else pool_balance
    rules = PoolRules.make(
        scheme,
        years=years,
        pool_balance=balance,
        top_ups=top_ups if isinstance(top_ups, int) else tuple(top_ups),
        recovery_rate=recovery_rate,
        recovery_lag=recovery_lag,
    )
    size = max(1, min(scenarios, chunk or default_chunk))
    n_chunks = -(-scenarios // size)
    seeds = np.random.SeedSequence(seed).spawn(n_chunks)
    width = len(rules.result_parties)
    gross = np.zeros(scenarios, dtype=np.int64)
    party = np.zeros((scenarios, width), dtype=np.int64)
    recovered = np.zeros(scenarios, dtype=np.int64)
    path = np.zeros((scenarios, years), dtype=np.int64)
    pool_short = np.zeros(scenarios, dtype=np.int64)
    budget_short = np.zeros(scenarios, dtype=np.int64)
    defaults = np.zeros(scenarios, dtype=np.int64)
    weights = np.ones(scenarios) if importance_shift is not None else None
    draw = drawer(book)

    def work(k: int) -> int:
        lo, hi = k * size, min(scenarios, (k + 1) * size)
        rng = np.random.default_rng(seeds[k])
        z = rng.standard_normal((hi - lo, years)) + shift
        due, n_def = draw(rng, z)
        outcome = settle(due, rules)
        gross[lo:hi] = outcome.gross_loss
        party[lo:hi] = outcome.party_loss
        recovered[lo:hi] = outcome.recovered
        path[lo:hi] = outcome.pool_balance
        pool_short[lo:hi] = outcome.pool_shortfall
        budget_short[lo:hi] = outcome.budget_shortfall
        defaults[lo:hi] = n_def
        if weights is not None:
            # likelihood ratio of N(0,1) to N(shift,1) over the years' factors
            weights[lo:hi] = np.exp(-shift * z.sum(axis=1) + years * shift * shift / 2)
        return hi - lo

    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    done = 0
    if n_workers <= 1 or n_chunks == 1:
        for k in range(n_chunks):
            done += work(k)
            if progress is not None:
                progress(done, scenarios)
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for finished in pool.map(work, range(n_chunks)):
                done += finished
                if progress is not None:
                    progress(done, scenarios)
    return SimulationResult(
        parties=rules.result_parties,
        years=years,
        gross_loss=gross,
        total_loss=gross - recovered,
        party_loss=party,
        recovered=recovered,
        pool_balance=path,
        pool_shortfall=pool_short,
        budget_shortfall=budget_short,
        defaults=defaults,
        weights=weights,
        new_principal=book.new_principal,
        top_ups=rules.top_ups,
        engine=engine,
        seed=seed,
    )


def simulate(
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
    """Simulate `scenarios` paths of `years` years of portfolio losses split by `scheme`.

    pool_balance: the pool's starting balance in fen (default `scheme.pool_size`; None there
    too means an unlimited pool whose balance path may go negative). top_ups: fen added at the
    start of each year (one amount or one per year). growth: the yearly growth of the number
    of loans, new loans being like the existing ones (see `riskpool.book.build_book`).
    recovery_rate of each paid amount comes back recovery_lag years later (see
    `riskpool.ledger.settle`). Loans above the scheme's max_loan_size are not enrolled (the
    bank keeps their loss); leverage, per-borrower caps and bank suspension are enrolment
    rules, not simulated. importance_shift: mean of the sampled factor (negative = more bad years;
    -N^-1(q) suits a q tail); the likelihood ratios become `weights`. Chunks of `chunk`
    scenarios run on `workers` threads, each chunk with its own child of SeedSequence(seed),
    so a run is reproducible for a given seed and chunk size, whatever the number of workers.
    """
    return run(
        portfolio,
        scheme,
        drawer=fast_engine,
        engine="fast",
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
        default_chunk=FAST_CHUNK,
        progress=progress,
        workers=workers,
    )
