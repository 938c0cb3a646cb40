"""Year-by-year settlement of simulated claims against the pool (vectorised over scenarios)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from riskpool.scheme import Scheme


@dataclass(frozen=True)
class PoolRules:
    """The aggregate rules applied per scenario after the loan-level splits."""

    parties: tuple[str, ...]
    result_parties: tuple[str, ...]
    pool_index: int | None
    fallback_index: int
    initial_balance: int | None
    top_ups: tuple[int, ...]
    annual_budget_cap: int | None
    recovery_rate: float
    recovery_lag: int
    treasury_rule: bool

    @classmethod
    def make(
        cls,
        scheme: Scheme,
        *,
        years: int,
        pool_balance: int | None,
        top_ups: int | tuple[int, ...],
        recovery_rate: float,
        recovery_lag: int,
    ) -> PoolRules:
        """Check and collect the aggregate rules of one simulation run."""
        parties = scheme.parties
        if isinstance(top_ups, bool | float):
            raise TypeError("top_ups must be integer fen")
        ups = (
            (int(top_ups),) * years if isinstance(top_ups, int) else tuple(int(x) for x in top_ups)
        )
        if len(ups) != years or any(u < 0 for u in ups):
            raise ValueError(f"top_ups must be one non-negative fen amount or {years} of them")
        if pool_balance is not None and (isinstance(pool_balance, bool) or pool_balance < 0):
            raise ValueError("pool_balance must be a non-negative integer number of fen")
        if not 0.0 <= recovery_rate <= 1.0:
            raise ValueError("recovery_rate must lie in [0, 1]")
        if recovery_lag < 0:
            raise ValueError("recovery_lag must be >= 0 years")
        treasury = scheme.recovery_rule == "treasury" and "pool" in parties and recovery_rate > 0
        return cls(
            parties=parties,
            result_parties=(*parties, "treasury") if treasury else parties,
            pool_index=parties.index("pool") if "pool" in parties else None,
            fallback_index=parties.index(scheme.fallback_party),
            initial_balance=None if pool_balance is None else int(pool_balance),
            top_ups=ups,
            annual_budget_cap=scheme.annual_budget_cap,
            recovery_rate=float(recovery_rate),
            recovery_lag=int(recovery_lag),
            treasury_rule=treasury,
        )


@dataclass(frozen=True, eq=False)
class ChunkOutcome:
    """Per-scenario outcomes of one chunk (int64 fen)."""

    gross_loss: NDArray[np.int64]
    party_loss: NDArray[np.int64]
    recovered: NDArray[np.int64]
    pool_balance: NDArray[np.int64]
    pool_shortfall: NDArray[np.int64]
    budget_shortfall: NDArray[np.int64]
    dry_year: NDArray[np.int64]


def settle(due: NDArray[np.int64], rules: PoolRules) -> ChunkOutcome:
    """Apply budget, balance, top-ups and lagged recoveries to per-year dues (C, Y, P).

    Each year: the top-up arrives; the pool pays its due cut to what is left of the annual
    budget, then to its balance (None = unlimited); every cut goes to the fallback party.
    Recoveries: each payer gets floor(recovery_rate x what it paid for year t's defaults) in
    year t + lag (if within the horizon); under the treasury rule the pool's part goes to
    "treasury" (a negative loss in `party_loss`), otherwise it refills the pool. `dry_year`:
    the first year (from 0) in which the pool could not pay in full for lack of balance, -1
    if none.
    """
    chunk, years, n_parties = due.shape
    pool = rules.pool_index
    fb = rules.fallback_index
    width = len(rules.result_parties)
    paid_total = np.zeros((chunk, width), dtype=np.int64)
    received = np.zeros((chunk, width), dtype=np.int64)
    pending = np.zeros((chunk, years, n_parties), dtype=np.int64)
    balance = np.full(chunk, rules.initial_balance or 0, dtype=np.int64)
    path = np.zeros((chunk, years), dtype=np.int64)
    pool_short = np.zeros(chunk, dtype=np.int64)
    budget_short = np.zeros(chunk, dtype=np.int64)
    dry_year = np.full(chunk, -1, dtype=np.int64)
    for t in range(years):
        balance += rules.top_ups[t]
        paid = due[:, t, :].copy()
        if pool is not None:
            owed = paid[:, pool]
            pay = owed
            if rules.annual_budget_cap is not None:
                capped = np.minimum(pay, rules.annual_budget_cap)
                budget_short += pay - capped
                pay = capped
            if rules.initial_balance is not None:
                limited = np.minimum(pay, np.maximum(balance, 0))
                pool_short += pay - limited
                dry_year[(dry_year < 0) & (limited < pay)] = t
                pay = limited
            paid[:, fb] += owed - pay
            paid[:, pool] = pay
            balance -= pay
        paid_total[:, :n_parties] += paid
        if rules.recovery_rate > 0 and t + rules.recovery_lag < years:
            back = np.floor(paid * rules.recovery_rate).astype(np.int64)
            pending[:, t + rules.recovery_lag, :] += back
        arriving = pending[:, t, :]
        if rules.recovery_rate > 0 and arriving.any():
            received[:, :n_parties] += arriving
            if pool is not None:
                if rules.treasury_rule:
                    received[:, pool] -= arriving[:, pool]
                    received[:, -1] += arriving[:, pool]
                else:
                    balance += arriving[:, pool]
        path[:, t] = balance
    recovered = received.sum(axis=1)
    return ChunkOutcome(
        gross_loss=due.sum(axis=(1, 2)),
        party_loss=paid_total - received,
        recovered=recovered,
        pool_balance=path,
        pool_shortfall=pool_short,
        budget_shortfall=budget_short,
        dry_year=dry_year,
    )
