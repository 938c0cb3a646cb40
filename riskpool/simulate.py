"""Fast exact Monte Carlo of portfolio losses under a scheme.

Per scenario and year the sector factors (and, for the Student-t copula, a common scale) are
drawn once; given them the loans default independently with their own conditional pd p_i (see
`riskpool.factors`). The fast engine draws, per bucket of similar loans, a Binomial count of
candidates with the bucket's highest conditional pd, picks them as a uniform subset of the
bucket's live loans and keeps each with probability p_i / p_hi (exact thinning, see
`riskpool.buckets`): the work per scenario grows with the defaults, not with the loans, and
every loan keeps its own pd, exposure path and loan-level split.

Scenarios run in chunks seeded by their index (`riskpool.chunks`), here in threads or on any
executor or Dask cluster (`riskpool.executors`), with identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from riskpool.book import build_book
from riskpool.buckets import plan_buckets
from riskpool.chunks import ChunkResult, ChunkTask
from riskpool.executors import run_chunks
from riskpool.factors import ONE_FACTOR, FactorModel
from riskpool.ledger import PoolRules
from riskpool.portfolio import Portfolio
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme

Progress = Callable[[int, int], None]
Shift = float | Sequence[float]

#: Scenarios per chunk of the fast engine (its memory per chunk does not depend on the loans).
FAST_CHUNK = 4096
#: Loan-scenario cells per chunk of the reference engine.
REFERENCE_CELLS = 1 << 21


def run(
    portfolio: Portfolio,
    scheme: Scheme,
    *,
    engine: str,
    scenarios: int,
    years: int,
    seed: int | None,
    growth: float,
    pool_balance: int | None,
    top_ups: int | Sequence[int],
    recovery_rate: float,
    recovery_lag: int,
    importance_shift: Shift | None,
    factors: FactorModel | None,
    chunk: int | None,
    progress: Progress | None,
    workers: int | None,
    executor: object | None,
) -> SimulationResult:
    """Shared driver: build the book, run the chunks, collect the result."""
    if isinstance(scenarios, bool) or not isinstance(scenarios, int) or scenarios < 2:
        raise ValueError("scenarios must be an integer >= 2")
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError("years must be an integer >= 1")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError("chunk must be a positive integer")
    if engine not in ("fast", "reference"):
        raise ValueError(f"unknown engine {engine!r}")
    model = factors if factors is not None else ONE_FACTOR
    mean = model.shift_vector(importance_shift)
    balance = scheme.pool_size if pool_balance is None else pool_balance
    rules = PoolRules.make(
        scheme,
        years=years,
        pool_balance=balance,
        top_ups=top_ups if isinstance(top_ups, int) else tuple(top_ups),
        recovery_rate=recovery_rate,
        recovery_lag=recovery_lag,
    )
    book = build_book(portfolio, scheme, years=years, growth=growth)
    if engine == "fast":
        from riskpool._kernel import WIDTH

        plan = plan_buckets(book, model, width=WIDTH)
        default_chunk = FAST_CHUNK
    else:
        model.factor_of(book.sector)  # an unknown sector is an error before any work
        plan = None
        default_chunk = max(16, REFERENCE_CELLS // max(1, book.size * years))
    size = max(1, min(scenarios, chunk or default_chunk))
    task = ChunkTask(
        engine=engine,
        plan=plan,
        book=book if engine == "reference" else None,
        model=model,
        mean=mean,
        rules=rules,
        years=years,
        scenarios=scenarios,
        chunk=size,
        entropy=int(np.random.SeedSequence(seed).entropy),  # type: ignore[arg-type]
    )
    width = len(rules.result_parties)
    gross = np.zeros(scenarios, dtype=np.int64)
    party = np.zeros((scenarios, width), dtype=np.int64)
    recovered = np.zeros(scenarios, dtype=np.int64)
    path = np.zeros((scenarios, years), dtype=np.int64)
    pool_short = np.zeros(scenarios, dtype=np.int64)
    budget_short = np.zeros(scenarios, dtype=np.int64)
    dry_year = np.zeros(scenarios, dtype=np.int64)
    defaults = np.zeros(scenarios, dtype=np.int64)
    weights = np.ones(scenarios) if mean.any() else None
    done = 0

    def store(out: ChunkResult) -> None:
        nonlocal done
        lo, hi = task.bounds(out.index)
        gross[lo:hi] = out.gross_loss
        party[lo:hi] = out.party_loss
        recovered[lo:hi] = out.recovered
        path[lo:hi] = out.pool_balance
        pool_short[lo:hi] = out.pool_shortfall
        budget_short[lo:hi] = out.budget_shortfall
        dry_year[lo:hi] = out.dry_year
        defaults[lo:hi] = out.defaults
        if weights is not None and out.weights is not None:
            weights[lo:hi] = out.weights
        done += hi - lo
        if progress is not None:
            progress(done, scenarios)

    run_chunks(task, executor=executor, workers=workers, on_result=store)
    if done != scenarios:
        raise RuntimeError(f"only {done} of {scenarios} scenarios came back from the workers")
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
        dry_year=dry_year,
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
    importance_shift: Shift | None = None,
    chunk: int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    factors: FactorModel | None = None,
    executor: object | None = None,
) -> SimulationResult:
    """Simulate `scenarios` paths of `years` years of portfolio losses split by `scheme`.

    pool_balance: the pool's starting balance in fen (default `scheme.pool_size`; None there
    too means an unlimited pool whose balance path may go negative). top_ups: fen added at the
    start of each year (one amount or one per year). growth: the yearly growth of the number
    of loans, new loans being like the existing ones; loans amortise on their schedules and
    leave at maturity (see `riskpool.book.build_book`). recovery_rate of each paid amount
    comes back recovery_lag years later (see `riskpool.ledger.settle`). Loans above the
    scheme's max_loan_size are not enrolled (the bank keeps their loss); splits use no claim
    context (`riskpool.splits`); leverage, per-borrower limits and bank suspension are not
    simulated.
    factors: sectors, their correlation and the copula (`riskpool.factors.FactorModel`;
    default one Gaussian factor). importance_shift: the mean of the factors' normal draws (a
    number moves the normalised sum of the sector factors, negative = more bad years; -N^-1(q)
    suits a q tail; or one number per factor); the likelihood ratios become `weights`.
    Chunks of `chunk` scenarios (default FAST_CHUNK) each draw from the child of
    SeedSequence(seed) with their index, so a run is reproducible for a given seed and chunk
    size, whatever runs it: `workers` threads here, or `executor`, a concurrent.futures
    Executor or a dask.distributed Client.
    """
    return run(
        portfolio,
        scheme,
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
        factors=factors,
        chunk=chunk,
        progress=progress,
        workers=workers,
        executor=executor,
    )
