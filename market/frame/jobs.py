"""Forecast jobs on RQ: the function a worker runs and the `ipmarket worker` command."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, Engine

from market.frame.config import load_config
from market.frame.db import get_bind, make_engine
from market.services import forecast_worker

_bind: Engine | Connection | None = None


def use_bind(bind: Engine | Connection | None) -> None:
    """The database the jobs of this process use (set by `ipmarket worker` and by tests)."""
    global _bind
    _bind = bind


def run_forecast_job(job_id: int) -> str:
    """The RQ task: run one stored forecast job; returns its final state."""
    bind = _bind
    if bind is None:
        bind = make_engine(load_config(".", require_secret=False)["DATABASE_URL"])
        use_bind(bind)
    state = forecast_worker.execute(bind, job_id, worker=forecast_worker.worker_name("rq"))
    return state.value if state is not None else "skipped"


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Serve the forecast queue (needs REDIS_URL); run as many as you like, on any host."""
    from redis import Redis
    from rq import SimpleWorker

    url = current_app.config.get("REDIS_URL") or ""
    if not url:
        raise click.UsageError("REDIS_URL is not set: forecasts run inside the site instead.")
    use_bind(get_bind())
    connection = Redis.from_url(url)
    SimpleWorker([forecast_worker.QUEUE_NAME], connection=connection).work(burst=burst)
