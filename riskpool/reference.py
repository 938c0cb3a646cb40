"""Plain reference engine: one normal draw per loan per scenario and year (for tests/benches)."""

from __future__ import annotations

from collections.abc import Sequence

from riskpool.factors import FactorModel
from riskpool.portfolio import Portfolio
from riskpool.result import SimulationResult
from riskpool.scheme import Scheme
from riskpool.simulate import Progress, Shift, run


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
    importance_shift: Shift | None = None,
    chunk: int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    factors: FactorModel | None = None,
    executor: object | None = None,
) -> SimulationResult:
    """Same model, arguments and result as `riskpool.simulate`, drawn the slow, obvious way."""
    return run(
        portfolio,
        scheme,
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
        factors=factors,
        chunk=chunk,
        progress=progress,
        workers=workers,
        executor=executor,
    )
