"""Forecasts of the live portfolio as jobs: stored requests reproducible by seed, the thread
path, the RQ path on a real Redis, dead workers, the page flow and the results CSV."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlmodel import Session, select

from market.domain.jobs import JobKind, JobStatus
from market.domain.timeutil import utcnow
from market.frame import jobs as rq_jobs
from market.models.forecasts import ForecastJob
from market.services import forecast_worker, forecasts
from market.services.forecast_engine import ForecastParams
from market.services.forecasts import scheme_in_force_entry
from tests.market.conftest import World, make_test_app, sign_in
from tests.market.lending_fixtures import POOL_FUNDS, make_loan, setup_pool

PARAMS = ForecastParams(scenarios=3000, years=3, pd_bp={"BBB": 800})
REDIS = "redis://127.0.0.1:6379/15"
FORM = {
    "pd_AAA": "0.3", "pd_AA": "0.6", "pd_A": "1", "pd_BBB": "8", "pd_BB": "4", "pd_B": "7",
    "pd_CCC": "15", "pd_other": "3", "rho": "20", "recovery": "20", "recovery_lag": "1",
    "growth": "0", "top_up": "", "years": "3", "scenarios": "2000", "seed": "42",
}  # fmt: skip


def _book(session: Session, world: World) -> None:
    setup_pool(session, world)
    for _ in range(3):
        make_loan(session, world)


def _request(session: Session, world: World, seed: int | None = 7) -> ForecastJob:
    from market.services.clock import business_date

    entry = scheme_in_force_entry(session, business_date(session))
    return forecasts.request_job(
        session,
        actor=world.users["bureau"],
        kind=JobKind.FORECAST,
        params=PARAMS,
        schemes=[entry],
        seed=seed,
    )


def _run(connection: Connection, session: Session, job: ForecastJob) -> ForecastJob:
    assert job.id is not None
    assert forecast_worker.execute(connection, job.id, worker="test") is JobStatus.DONE
    session.expire_all()
    done = session.get(ForecastJob, job.id)
    assert done is not None
    return done


def test_a_forecast_is_reproduced_exactly_from_its_record(
    connection: Connection, session: Session, world: World
) -> None:
    _book(session, world)
    first = _run(connection, session, _request(session, world))
    assert first.result["scenarios"] == 3000 and len(first.result["dry_by_year"]) == 3
    assert first.progress_done == first.progress_total == 3000
    # the book changes after the request; a re-run still uses the stored snapshot
    make_loan(session, world)
    assert first.id is not None
    again = _run(
        connection, session, forecasts.rerun(session, actor=world.users["bureau"], job_id=first.id)
    )
    assert again.snapshot_id == first.snapshot_id and again.seed == first.seed
    assert again.result == first.result
    # a new request sees the new loan (a new snapshot) and another seed gives other draws
    other = _run(connection, session, _request(session, world, seed=8))
    assert other.snapshot_id != first.snapshot_id
    assert other.result["loss"]["histogram"] != first.result["loss"]["histogram"]


def test_the_thread_path_runs_a_job_off_the_request(
    connection: Connection, session: Session, world: World
) -> None:
    _book(session, world)
    job = _request(session, world)
    assert job.id is not None
    thread = forecast_worker.start_thread(connection, job.id)
    thread.join(timeout=120)
    session.expire_all()
    done = session.get(ForecastJob, job.id)
    assert done is not None and done.status is JobStatus.DONE
    assert done.worker.startswith("thread:")


@pytest.fixture()
def redis_server() -> Iterator[str]:
    """The Redis at 127.0.0.1:6379 (started if it is down), database 15 emptied."""
    from redis import Redis

    client = Redis.from_url(REDIS)
    try:
        client.ping()
    except Exception:
        subprocess.run(["redis-server", "--daemonize", "yes"], check=True)
        for _ in range(50):
            try:
                client.ping()
                break
            except Exception:
                time.sleep(0.1)
    client.flushdb()
    yield REDIS
    client.flushdb()


def test_the_rq_path_with_a_real_redis(
    connection: Connection, session: Session, world: World, redis_server: str
) -> None:
    from redis import Redis
    from rq import Queue, SimpleWorker

    _book(session, world)
    app = make_test_app(connection, REDIS_URL=redis_server)
    client = app.test_client()
    sign_in(client, world.users["bureau"])
    posted = client.post("/desk/forecasts", data=FORM)
    assert posted.status_code == 302
    job = session.exec(select(ForecastJob).order_by(ForecastJob.id.desc())).first()  # type: ignore[union-attr]
    assert job is not None and job.status is JobStatus.QUEUED
    queue = Queue(forecast_worker.QUEUE_NAME, connection=Redis.from_url(redis_server))
    assert queue.count == 1
    rq_jobs.use_bind(connection)
    try:
        worker = SimpleWorker(
            [queue], connection=queue.connection, name=f"t-{uuid.uuid4().hex[:8]}"
        )
        assert worker.work(burst=True)
    finally:
        rq_jobs.use_bind(None)
    session.expire_all()
    done = session.get(ForecastJob, job.id)
    assert done is not None and done.status is JobStatus.DONE and done.worker.startswith("rq:")
    status = client.get(f"/desk/forecasts/{job.id}/status.json").get_json()
    assert status["finished"] and status["percent"] == 100


def test_a_job_whose_worker_died_is_failed_and_can_be_rerun(
    connection: Connection, session: Session, world: World
) -> None:
    _book(session, world)
    job = _request(session, world)
    job.status = JobStatus.RUNNING
    job.heartbeat_at = utcnow() - forecasts.STALE_RUNNING - timedelta(seconds=1)
    session.add(job)
    session.commit()
    assert forecasts.reap(session) == 1
    session.refresh(job)
    assert job.status is JobStatus.FAILED and "worker stopped" in job.error
    assert job.id is not None
    retry = _run(
        connection, session, forecasts.rerun(session, actor=world.users["bureau"], job_id=job.id)
    )
    assert retry.status is JobStatus.DONE and retry.rerun_of_id == job.id


def test_the_page_flow_progress_results_and_csv(
    connection: Connection, session: Session, world: World
) -> None:
    _book(session, world)
    app: Flask = make_test_app(connection, FORECAST_INLINE=True)
    client: FlaskClient = app.test_client()
    sign_in(client, world.users["bureau"])
    bad = client.post("/desk/forecasts", data={**FORM, "scenarios": "50"})
    assert bad.status_code == 422
    assert session.exec(select(ForecastJob)).first() is None  # nothing stored
    posted = client.post("/desk/forecasts", data=FORM)
    assert posted.status_code == 302
    page = client.get(posted.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<svg") == 3 and 'id="party-losses"' in html
    job = session.exec(select(ForecastJob)).one()
    assert job.seed == 42 and job.params["pd_bp"]["BBB"] == 800
    data = client.get(f"/desk/forecasts/{job.id}.csv").get_data(as_text=True)
    assert "p_runs_dry_within_horizon" in data and "pool_loss_var99_fen" in data
    # the fan starts at year 0 with the balance when requested (setup_pool's 40m CNY), every band
    assert job.pool_balance == POOL_FUNDS
    for q in (5, 25, 50, 75, 95):
        assert f",balance_p{q}_fen,year 0,{POOL_FUNDS}\r\n" in data
    assert ",balance_p50_fen,year 3," in data and ",year 4," not in data
    fan = html.split("<svg", 2)[1]
    assert ">Year 0<" in fan and ">Year 3<" in fan
    sign_in(client, world.users["bank_officer"])
    assert client.get(f"/desk/forecasts/{job.id}").status_code == 403
    assert client.get(f"/desk/forecasts/{job.id}.csv").status_code == 403


def test_the_worker_command_needs_redis(runner: object) -> None:
    from flask.testing import FlaskCliRunner

    assert isinstance(runner, FlaskCliRunner)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 2 and "REDIS_URL" in result.output
