"""Chunks seeded by their index: the same numbers on threads, any executor and a Dask cluster."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from riskpool import Portfolio, Scheme, simulate
from riskpool.executors import AHEAD
from riskpool.factors import FactorModel
from riskpool.result import SimulationResult

ZHONGSHAN = Scheme.preset("zhongshan-2021")
FIELDS = (
    "gross_loss",
    "party_loss",
    "recovered",
    "pool_balance",
    "pool_shortfall",
    "budget_shortfall",
    "dry_year",
    "defaults",
    "weights",
)


def book() -> Portfolio:
    rng = np.random.default_rng(2)
    n = 300
    return Portfolio(
        principal=rng.integers(1, 100, n) * 1_000_000,
        pd=rng.uniform(0.005, 0.05, n),
        lgd=rng.uniform(0.3, 0.7, n),
        rho=0.2,
        term=rng.choice([1, 2, 3], n),
        amortisation=rng.choice(["bullet", "linear"], n),
        sector=rng.choice(["agri", "tech"], n),
    )


KWARGS: dict[str, Any] = {
    "scenarios": 3_000,
    "years": 3,
    "seed": 81,
    "growth": 0.1,
    "chunk": 256,
    "recovery_rate": 0.2,
    "pool_balance": 200_000_000,
    "top_ups": 50_000_000,
    "importance_shift": -1.0,
    "factors": FactorModel.make(sectors=["agri", "tech"], correlation=0.3, dof=5),
}


def assert_identical(a: SimulationResult, b: SimulationResult) -> None:
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_threads_and_executors_give_identical_results() -> None:
    alone = simulate(book(), ZHONGSHAN, workers=1, **KWARGS)
    assert_identical(alone, simulate(book(), ZHONGSHAN, workers=2, **KWARGS))
    with cf.ThreadPoolExecutor(max_workers=3) as pool:
        assert_identical(alone, simulate(book(), ZHONGSHAN, executor=pool, **KWARGS))
    other = simulate(book(), ZHONGSHAN, workers=1, **{**KWARGS, "seed": 82})
    assert not np.array_equal(alone.total_loss, other.total_loss)


def test_only_a_window_of_chunks_is_in_flight() -> None:
    # memory on the workers and in flight is bounded by the chunk size: of 12 chunks, at most
    # AHEAD x workers are submitted before the first results are taken back
    submitted: list[int] = []
    taken: list[int] = []

    class Recording(cf.ThreadPoolExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            submitted.append(len(taken))
            return super().submit(fn, *args, **kwargs)

    with Recording(max_workers=2) as pool:
        simulate(
            book(),
            ZHONGSHAN,
            scenarios=12 * 64,
            chunk=64,
            seed=3,
            executor=pool,
            progress=lambda done, total: taken.append(done),
        )
    assert len(submitted) == 12
    # the k-th submission happens only after k - window chunks have come back
    window = AHEAD * 2
    assert all(k - before <= window for k, before in enumerate(submitted, start=1))


@pytest.fixture(scope="module")
def dask_client() -> Any:
    import distributed
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_cluster_gives_identical_results(dask_client: Any) -> None:
    assert len(dask_client.scheduler_info()["workers"]) == 2
    alone = simulate(book(), ZHONGSHAN, workers=1, **KWARGS)
    from distributed import get_task_stream

    done: list[int] = []
    with get_task_stream(dask_client) as stream:
        spread = simulate(
            book(), ZHONGSHAN, executor=dask_client, progress=lambda d, t: done.append(d), **KWARGS
        )
    assert_identical(alone, spread)
    assert done[-1] == KWARGS["scenarios"]
    # the chunks really ran on both workers
    workers = {t["worker"] for t in stream.data if "run_chunk" in t["key"]}
    assert len(workers) == 2
