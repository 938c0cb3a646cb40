"""Running a run's chunks: in threads here, on any concurrent.futures-style executor, or across
a Dask distributed cluster.

Every path runs the same `riskpool.chunks.run_chunk(task, k)`, so the results are identical
bit for bit. At most `in_flight` chunks are submitted at a time: each worker holds the task
(the book) and one chunk's arrays, and finished chunks are copied into the result and let go,
so memory is bounded by the chunk size on every worker and the driver holds only the result.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

from riskpool.chunks import ChunkResult, ChunkTask, run_chunk

#: Chunks submitted ahead per worker (keeps workers busy while results travel back).
AHEAD = 4


def is_dask_client(executor: object) -> bool:
    """True for a dask.distributed Client (checked without importing distributed)."""
    return type(executor).__name__ == "Client" and type(executor).__module__.startswith(
        "distributed"
    )


def _dask_workers(client: Any) -> int:
    info = client.scheduler_info()
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))


def _on_dask(client: Any, task: ChunkTask) -> Iterator[ChunkResult]:
    from distributed import as_completed

    remote = client.scatter(task, broadcast=True, hash=False)
    chunks = iter(range(task.chunks))
    window = AHEAD * _dask_workers(client)

    def submit(k: int) -> Any:
        return client.submit(run_chunk, remote, k, pure=False)

    pending = as_completed(  # type: ignore[no-untyped-call]
        [submit(k) for k in islice(chunks, window)], loop=client.loop
    )
    try:
        for future in pending:
            result: ChunkResult = future.result()
            future.release()
            yield result  # stored before the next chunk goes out
            nxt = next(chunks, None)
            if nxt is not None:
                pending.add(submit(nxt))  # type: ignore[no-untyped-call]
    finally:
        remote.release()


def _on_executor(executor: cf.Executor, task: ChunkTask, window: int) -> Iterator[ChunkResult]:
    chunks = iter(range(task.chunks))
    pending = {executor.submit(run_chunk, task, k) for k in islice(chunks, window)}
    while pending:
        done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in done:
            yield future.result()  # stored before the next chunk goes out
            nxt = next(chunks, None)
            if nxt is not None:
                pending.add(executor.submit(run_chunk, task, nxt))


def run_chunks(
    task: ChunkTask,
    *,
    executor: object | None = None,
    workers: int | None = None,
    on_result: Callable[[ChunkResult], None],
) -> None:
    """Run every chunk of `task` and hand each result to `on_result` (in completion order).

    executor: None (threads in this process: `workers`, default min(2, cores)), a
    concurrent.futures.Executor (threads, processes, or anything with submit), or a
    dask.distributed Client (the task is scattered once to every worker).
    """
    if executor is None:
        n = workers if workers is not None else min(2, os.cpu_count() or 1)
        if n <= 1 or task.chunks == 1:
            for k in range(task.chunks):
                on_result(run_chunk(task, k))
            return
        with ThreadPoolExecutor(max_workers=n) as pool:
            for result in _on_executor(pool, task, AHEAD * n):
                on_result(result)
        return
    if is_dask_client(executor):
        for result in _on_dask(executor, task):
            on_result(result)
        return
    if not callable(getattr(executor, "submit", None)):
        raise TypeError("executor must be a concurrent.futures.Executor or a dask Client")
    window = AHEAD * (workers or getattr(executor, "_max_workers", None) or os.cpu_count() or 2)
    for result in _on_executor(executor, task, window):  # type: ignore[arg-type]
        on_result(result)
