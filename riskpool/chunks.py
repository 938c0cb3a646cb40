"""One chunk of scenarios as a self-contained, picklable task: the same task and chunk index
give the same numbers on any thread, process or machine.

Chunk k draws from numpy's SeedSequence(entropy, spawn_key=(k,)) (the k-th child of the run's
seed): its factors, its copula scales, then the engine's own draws. So the results depend on
the seed and the chunk size, never on how many workers run the chunks or in which order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from riskpool.book import LoanBook
from riskpool.buckets import BucketPlan
from riskpool.factors import FactorModel
from riskpool.ledger import PoolRules, settle
from riskpool.plain import draw_reference


@dataclass(frozen=True, eq=False)
class ChunkTask:
    """Everything a worker needs to draw and settle any chunk of one run."""

    engine: str
    plan: BucketPlan | None
    book: LoanBook | None
    model: FactorModel
    mean: NDArray[np.float64]
    rules: PoolRules
    years: int
    scenarios: int
    chunk: int
    entropy: int

    @property
    def chunks(self) -> int:
        """Number of chunks of the run."""
        return -(-self.scenarios // self.chunk)

    def bounds(self, k: int) -> tuple[int, int]:
        """Scenario range [lo, hi) of chunk k."""
        return k * self.chunk, min(self.scenarios, (k + 1) * self.chunk)


@dataclass(frozen=True, eq=False)
class ChunkResult:
    """Per-scenario outcomes of chunk `index` (int64 fen; weights None without shift)."""

    index: int
    gross_loss: NDArray[np.int64]
    party_loss: NDArray[np.int64]
    recovered: NDArray[np.int64]
    pool_balance: NDArray[np.int64]
    pool_shortfall: NDArray[np.int64]
    budget_shortfall: NDArray[np.int64]
    dry_year: NDArray[np.int64]
    defaults: NDArray[np.int64]
    weights: NDArray[np.float64] | None


def draw_fast(
    plan: BucketPlan,
    rng: np.random.Generator,
    y: NDArray[np.float64],
    scale: NDArray[np.float64],
    parties: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The fast engine on one chunk: dues (C, Y, parties) and default counts (C,)."""
    from riskpool import _kernel as kernel  # numba: imported on first use, it is slow to load

    chunk, years, _ = y.shape
    state = np.asarray(rng.bit_generator.random_raw(4), dtype=np.uint64)
    if not state.any():
        state[0] = 1  # xoshiro256** must not start from the all-zero state
    due = np.zeros((chunk, years, parties), dtype=np.int64)
    defaults = np.zeros(chunk, dtype=np.int64)
    kernel.draw_buckets(state, rng, y, scale, plan, plan.order.copy(), due, defaults)
    return due, defaults


def run_chunk(task: ChunkTask, k: int) -> ChunkResult:
    """Draw and settle chunk k of `task` (memory: a few arrays of the chunk's size)."""
    lo, hi = task.bounds(k)
    rng = np.random.default_rng(np.random.SeedSequence(task.entropy, spawn_key=(k,)))
    y, scale, weights = task.model.draw(rng, hi - lo, task.years, task.mean)
    parties = len(task.rules.parties)
    if task.engine == "reference":
        assert task.book is not None
        due, defaults = draw_reference(task.book, task.model, rng, y, scale)
    else:
        assert task.plan is not None
        due, defaults = draw_fast(task.plan, rng, y, scale, parties)
    outcome = settle(due, task.rules)
    return ChunkResult(
        index=k,
        gross_loss=outcome.gross_loss,
        party_loss=outcome.party_loss,
        recovered=outcome.recovered,
        pool_balance=outcome.pool_balance,
        pool_shortfall=outcome.pool_shortfall,
        budget_shortfall=outcome.budget_shortfall,
        dry_year=outcome.dry_year,
        defaults=defaults,
        weights=weights if task.mean.any() else None,
    )
