"""Forecast jobs, the worker side: run one stored job off the request thread (an RQ worker or a
thread of the site), with progress and heartbeat written to its row, then its result."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, update
from sqlmodel import Session, col

from market.domain.jobs import JobKind, JobStatus
from market.domain.timeutil import utcnow
from market.models.forecasts import ForecastJob
from market.services import forecast_engine, scheme_design
from market.services.forecasts import reproduce_inputs
from riskpool import Scheme

Bind = Engine | Connection
PROGRESS_EVERY = 0.5  # seconds between progress writes
QUEUE_NAME = "forecasts"


def open_session(bind: Bind) -> Session:
    """A session of its own on `bind` (a test's connection joins its outer transaction)."""
    if isinstance(bind, Connection):
        return Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
    return Session(bind=bind, expire_on_commit=False)


def worker_name(prefix: str) -> str:
    """host:pid of this process, for the job's record."""
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}"


def _claim(bind: Bind, job_id: int, worker: str) -> ForecastJob | None:
    with open_session(bind) as session:
        now = utcnow()
        claimed = session.execute(
            update(ForecastJob)
            .where(col(ForecastJob.id) == job_id, col(ForecastJob.status) == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker)
        )
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None  # gone, or already taken by another worker
        return session.get(ForecastJob, job_id)


def _progress_writer(bind: Bind, job_id: int, total: int) -> forecast_engine.Progress:
    last = [0.0]

    def write(done: int, _of: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY and done < total:
            return
        last[0] = now
        with open_session(bind) as session:
            session.execute(
                update(ForecastJob)
                .where(col(ForecastJob.id) == job_id)
                .values(progress_done=min(done, total), heartbeat_at=utcnow())
            )
            session.commit()

    return write


def compute(
    job: ForecastJob, rows: list[forecast_engine.Row], progress: forecast_engine.Progress | None
) -> dict[str, Any]:
    """The result of a job from its stored record (pure: same record, same numbers)."""
    params = forecast_engine.ForecastParams.from_dict(
        {
            k: v
            for k, v in job.params.items()
            if k in forecast_engine.ForecastParams.__dataclass_fields__
        }
    )
    book = forecast_engine.portfolio(rows, params)
    schemes = [Scheme.from_dict(entry["document"]) for entry in job.schemes]
    if job.kind is JobKind.FORECAST:
        result = forecast_engine.run(
            book, schemes[0], params, seed=job.seed, pool_balance=job.pool_balance,
            progress=progress,
        )  # fmt: skip
        return forecast_engine.summary(result)
    if job.kind is JobKind.COMPARE:
        return scheme_design.compare(
            book, schemes, [e["label"] for e in job.schemes], params,
            seed=job.seed, pool_balance=job.pool_balance, progress=progress,
        )  # fmt: skip
    return scheme_design.design(
        book, schemes[0], params, scheme_design.DesignGoal.from_dict(job.params["design"]),
        seed=job.seed, pool_balance=job.pool_balance, progress=progress,
    )  # fmt: skip


def _finish(bind: Bind, job_id: int, **values: Any) -> None:
    with open_session(bind) as session:
        session.execute(
            update(ForecastJob)
            .where(col(ForecastJob.id) == job_id)
            .values(finished_at=utcnow(), heartbeat_at=utcnow(), **values)
        )
        session.commit()


def execute(bind: Bind, job_id: int, *, worker: str) -> JobStatus | None:
    """Run the queued job `job_id` to its end; None if it was not queued (taken or gone)."""
    job = _claim(bind, job_id, worker)
    if job is None:
        return None
    try:
        with open_session(bind) as session:
            rows, _params = reproduce_inputs(session, job)
        result = compute(job, rows, _progress_writer(bind, job_id, job.progress_total))
    except Exception as exc:  # a failed job records why; the worker goes on
        _finish(bind, job_id, status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000])
        return JobStatus.FAILED
    _finish(bind, job_id, status=JobStatus.DONE, result=result, progress_done=job.progress_total)
    return JobStatus.DONE


def start_thread(bind: Bind, job_id: int) -> threading.Thread:
    """Run the job in a background thread of this process (the embedded site)."""
    thread = threading.Thread(
        target=execute,
        args=(bind, job_id),
        kwargs={"worker": worker_name("thread")},
        name=f"forecast-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def enqueue_rq(redis_url: str, job_id: int) -> str:
    """Put the job on the RQ queue served by `ipmarket worker`; returns the RQ job id."""
    from redis import Redis
    from rq import Queue

    queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
    rq_job = queue.enqueue(
        "market.frame.jobs.run_forecast_job", job_id, job_timeout=6 * 3600, result_ttl=3600
    )
    return str(rq_job.id)


def fail_unqueued(bind: Bind, job_id: int, reason: str) -> None:
    """Mark a job that could not be queued as failed (it can be re-run later)."""
    _finish(bind, job_id, status=JobStatus.FAILED, error=f"Not queued: {reason}"[:1000])
