"""Fast exact Monte Carlo of portfolio losses under a scheme (one-factor Gaussian copula).

Per scenario and year the systematic factor Z is drawn once; conditional on Z, each bucket
of exchangeable loans (same pd, rho, years at risk) gets Binomial(alive, p(Z)) defaults,
p(Z) = N((N^-1(pd) - sqrt(rho) Z) / sqrt(1 - rho)). Which loans default is a uniformly random
ordered subset of the bucket (so loan-level exposures and per-loan caps stay exact): the
first d_1 picks default in year 1, the next d_2 in year 2, and so on.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.special import ndtr, ndtri

from riskpool.book import LoanBook, build_book
from riskpool.ledger import PoolRules, settle
from riskpool.portfolio import Portfolio
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme

Progress = Callable[[int, int], None]
#: Draws one chunk: (book, rng, scenarios, years, factor draws) -> (dues (C, Y, P), defaults (C,))
ChunkDrawer = Callable[
    [LoanBook, np.random.Generator, NDArray[np.float64]],
    tuple[NDArray[np.int64], NDArray[np.int64]],
]


@dataclass(frozen=True)
class _Run:
    book: LoanBook
    rules: PoolRules
    scenarios: int
    years: int
    chunk: int
    shift: float
    seeds: list[np.random.SeedSequence]


def conditional_pd(
    pd: NDArray[np.float64], rho: NDArray[np.float64], z: NDArray[np.float64]
) -> NDArray[np.float64]:
    """p(Z) = N((N^-1(pd) - sqrt(rho) Z) / sqrt(1 - rho)), broadcasting z (..., 1) over loans."""
    out: NDArray[np.float64] = ndtr((ndtri(pd) - np.sqrt(rho) * z) / np.sqrt(1.0 - rho))
    return out


def _default_counts(
    book: LoanBook, rng: np.random.Generator, z: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Binomial default counts per scenario, year and bucket, (C, Y, B); survivors carry on."""
    chunk, years = z.shape
    counts = np.zeros((chunk, years, book.buckets), dtype=np.int64)
    alive = np.broadcast_to(book.bucket_size, (chunk, book.buckets)).copy()
    for t in range(years):
        active = (book.bucket_start <= t) & (t < book.bucket_end)
        if not active.any():
            continue
        cols = np.flatnonzero(active)
        p = conditional_pd(book.bucket_pd[cols], book.bucket_rho[cols], z[:, t : t + 1])
        d = rng.binomial(alive[:, cols], p)
        counts[:, t, cols] = d
        alive[:, cols] -= d
    return counts


_local = threading.local()


def _scratch(cells: int) -> NDArray[np.int32]:
    """A per-thread int32 table of at least `cells` cells (old contents are never trusted)."""
    table: NDArray[np.int32] | None = getattr(_local, "table", None)
    if table is None or table.size < cells:
        table = np.full(cells, -1, dtype=np.int32)
        _local.table = table
    return table


def _distinct_picks(
    rng: np.random.Generator,
    gid: NDArray[np.int64],
    g_scen: NDArray[np.int64],
    g_offset: NDArray[np.int64],
    g_size: NDArray[np.int64],
    n_loans: int,
) -> NDArray[np.int64]:
    """Uniform picks without replacement within each group, by rejecting repeats.

    Slot j belongs to group gid[j] and draws a loan uniformly from its group's bucket
    (g_offset, g_size); a slot whose loan is already taken in its group draws again. The
    rules only look at which picks are equal and at slot positions, never at loan labels, so
    the ordered picks are uniform over all ordered distinct subsets of the bucket. Used for
    groups taking at most
    half of their bucket, so redraws are rare.
    """
    count = gid.size
    local = (rng.random(count) * g_size.take(gid)).astype(np.int64)
    loans = g_offset.take(gid) + local
    key = (g_scen * n_loans + g_offset).take(gid) + local
    # write each slot's position into its (scenario, loan) cell and read it back; a slot
    # reading another position repeats an earlier pick. Cells are never cleared: a cell is
    # taken iff the position it holds is a kept slot of this chunk with that very cell.
    table = _scratch(int(g_scen[-1] + 1) * n_loans)
    pos = np.arange(count, dtype=np.int32)
    table[key] = pos
    kept = table.take(key) == pos
    losers = np.flatnonzero(~kept)
    while losers.size:
        g = gid[losers]
        loans[losers] = g_offset[g] + (rng.random(losers.size) * g_size[g]).astype(np.int64)
        key[losers] = (g_scen[g] * n_loans) + loans[losers]
        cells = key[losers]
        held = table.take(cells)
        valid = (held >= 0) & (held < count)
        holder = np.where(valid, held, 0)
        taken = valid & kept[holder] & (key[holder] == cells)
        candidates = losers[~taken]
        table[key[candidates]] = pos[candidates]
        won = table.take(key[candidates]) == pos[candidates]
        kept[candidates[won]] = True
        losers = np.concatenate((losers[taken], candidates[~won]))
    return loans


def _permutation_picks(
    rng: np.random.Generator,
    group_scen: NDArray[np.int64],
    group_offset: NDArray[np.int64],
    group_size: NDArray[np.int64],
    group_take: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """For groups taking more than half their bucket: a full random order, first `take`."""
    total = int(group_size.sum())
    gid = np.repeat(np.arange(group_size.size), group_size)
    start = np.cumsum(group_size) - group_size
    local = np.arange(total) - np.repeat(start, group_size)
    order = np.lexsort((rng.random(total), gid))
    # sorted by (group, random key): the position within the group is a uniform rank
    rank = np.empty(total, dtype=np.int64)
    rank[order] = local
    keep = rank < np.repeat(group_take, group_size)
    loans = (np.repeat(group_offset, group_size) + local)[keep]
    return loans, np.repeat(group_scen, group_size)[keep], rank[keep]


def _row_sums(
    rows: NDArray[np.float64], loans: NDArray[np.int64], per_scen: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Sums of rows[loans] per scenario, (C, P); loans are scenario-sorted, per_scen[c] of
    them belonging to scenario c."""
    indptr = np.zeros(per_scen.size + 1, dtype=np.int32)
    np.cumsum(per_scen, out=indptr[1:])
    matrix = csr_matrix(
        (np.ones(loans.size), loans.astype(np.int32), indptr), shape=(per_scen.size, rows.shape[0])
    )
    # float64 sums of integer fen are exact below 2**53 fen (9e13 CNY)
    sums: NDArray[np.float64] = matrix @ rows
    return np.rint(sums).astype(np.int64)


def draw_fast(
    book: LoanBook, rng: np.random.Generator, z: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per-scenario, per-year, per-party dues (C, Y, P) and default counts (C,) for factors z."""
    chunk, years = z.shape
    counts = _default_counts(book, rng, z)
    total = counts.sum(axis=1)  # (C, B) picks per scenario and bucket
    rows = book.rows_float
    due = np.zeros((chunk, years, rows.shape[1]), dtype=np.int64)
    defaults = total.sum(axis=1)
    flat = total.ravel()
    groups = np.flatnonzero(flat)
    if groups.size == 0:
        return due, defaults
    take = flat[groups]
    g_scen = groups // book.buckets
    g_bucket = groups % book.buckets
    g_size = book.bucket_size[g_bucket]
    small = 2 * take <= g_size
    batches = []

    # small groups: rejection sampling; a pick's rank is its slot within its group
    s_take = take[small]
    s_scen = g_scen[small]
    s_start = np.cumsum(s_take) - s_take
    per_scen = np.bincount(s_scen, weights=s_take, minlength=chunk).astype(np.int64)
    gid = np.repeat(np.arange(s_take.size), s_take)
    loans = _distinct_picks(
        rng,
        gid,
        s_scen,
        book.bucket_offset[g_bucket[small]],
        g_size[small],
        book.size,
    )
    if years == 1:
        due[:, 0, :] = _row_sums(rows, loans, per_scen)
    else:
        rank = np.arange(loans.size) - s_start.take(gid)
        batches.append((loans, s_scen.take(gid), rank, groups[small], s_take))
    if not small.all():
        big = ~small
        b_loans, b_scen, b_rank = _permutation_picks(
            rng, g_scen[big], book.bucket_offset[g_bucket[big]], g_size[big], take[big]
        )
        batches.append((b_loans, b_scen, b_rank, groups[big], take[big]))

    for loans, scen, rank, grp, reps in batches:
        # year of a pick: how many yearly cumulative counts its rank has passed
        year = np.zeros(loans.size, dtype=np.int64)
        if years > 1:
            cum = np.cumsum(counts, axis=1).transpose(0, 2, 1).reshape(-1, years)[grp]
            for t in range(years - 1):
                year += rank >= np.repeat(cum[:, t], reps)
        for t in range(years):
            mask = year == t
            due[:, t, :] += _row_sums(rows, loans[mask], np.bincount(scen[mask], minlength=chunk))
    return due, defaults


def run(
    portfolio: Portfolio,
    scheme: Scheme,
    *,
    drawer: ChunkDrawer,
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

    def work(k: int) -> int:
        lo, hi = k * size, min(scenarios, (k + 1) * size)
        rng = np.random.default_rng(seeds[k])
        z = rng.standard_normal((hi - lo, years)) + shift
        due, n_def = drawer(book, rng, z)
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
    n_loans = round(len(portfolio) * (1 + growth) ** (years - 1))
    return run(
        portfolio,
        scheme,
        drawer=draw_fast,
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
        default_chunk=max(256, min(8192, (1 << 23) // max(1, n_loans))),
        progress=progress,
        workers=workers,
    )
