"""Forecast jobs, the request side: store a request (parameters, seed, schemes, portfolio
snapshot), list and open them, re-run one, and mark as failed the jobs whose worker died."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from market.domain.errors import NotFound, ValidationFailed
from market.domain.jobs import JobKind, JobStatus
from market.domain.messages import N_
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.forecasts import ForecastJob, PortfolioSnapshot
from market.models.orgs import User
from market.services import audit, forecast_engine
from market.services.clock import business_date
from market.services.forecast_engine import ForecastParams
from market.services.pool import pool_balance, require_bureau, scheme_in_force
from riskpool import Scheme, SchemeError

MAX_SEED = 2**63 - 1
#: A running job with no sign of life for this long has lost its worker.
STALE_RUNNING = timedelta(minutes=3)
#: A queued job nobody picked up for this long is given up (e.g. the site restarted).
STALE_QUEUED = timedelta(hours=1)


def snapshot(session: Session, today: date) -> PortfolioSnapshot:
    """The live enrolled loans as a stored snapshot (reused when the loans are unchanged)."""
    rows = forecast_engine.live_rows(session, today)
    if not rows:
        raise ValidationFailed(N_("There are no live enrolled loans to forecast."))
    key = forecast_engine.digest(rows)
    found = session.exec(select(PortfolioSnapshot).where(PortfolioSnapshot.digest == key)).first()
    if found is not None:
        return found
    row = PortfolioSnapshot(
        digest=key,
        taken_on=today,
        loans=len(rows),
        principal=sum(r[1] for r in rows),
        rows=rows,
    )
    session.add(row)
    session.flush()
    return row


def scheme_entry(label: str, scheme: Scheme, version_id: int | None) -> dict[str, Any]:
    """How a job stores one scheme it runs: its label, stored version (if any) and document."""
    return {"label": label, "version_id": version_id, "document": scheme.to_dict()}


def scheme_in_force_entry(session: Session, today: date) -> dict[str, Any]:
    """The scheme version in force as a job entry (an error if there is none)."""
    version = scheme_in_force(session, today)
    if version is None:
        raise ValidationFailed(N_("No scheme version is in force."))
    scheme = Scheme.from_dict(version.document)
    return scheme_entry(f"{version.name} v{version.version}", scheme, version.id)


def check_scheme(document: Any) -> Scheme:
    """A scheme document as a Scheme, or a clear error."""
    try:
        if not isinstance(document, dict):
            raise TypeError("a scheme is a JSON object")
        return Scheme.from_dict(document)
    except (SchemeError, TypeError, ValueError) as exc:
        raise ValidationFailed(
            N_("The scheme is not valid."), errors={"document": str(exc)}
        ) from exc


def request_job(
    session: Session,
    *,
    actor: User,
    kind: JobKind,
    params: ForecastParams,
    schemes: list[dict[str, Any]],
    seed: int | None,
    extra: dict[str, Any] | None = None,
) -> ForecastJob:
    """Store a job request on today's portfolio and pool balance; it runs elsewhere."""
    require_bureau(actor)
    errors = params.errors()
    if seed is not None and not 0 <= seed <= MAX_SEED:
        errors["seed"] = N_("Enter a seed between 0 and 2^63 - 1, or leave it empty.")
    if errors:
        raise ValidationFailed(N_("The forecast was not started."), errors=errors)
    if not schemes:
        raise ValidationFailed(N_("Choose at least one scheme."))
    with transaction(session):
        today = business_date(session)
        snap = snapshot(session, today)
        assert snap.id is not None and actor.id is not None
        data = params.to_dict()
        data.update(extra or {})
        job = ForecastJob(
            kind=kind,
            params=data,
            seed=secrets.randbelow(2**62) if seed is None else seed,
            schemes=schemes,
            snapshot_id=snap.id,
            pool_balance=pool_balance(session, today),
            progress_total=params.scenarios,
            created_by_id=actor.id,
        )
        session.add(job)
        audit.record(
            session,
            actor=actor,
            action=f"forecast.{kind.value}",
            obj=job,
            after={"seed": job.seed, "snapshot": snap.digest, "schemes": len(schemes)},
        )
    return job


def rerun(session: Session, *, actor: User, job_id: int) -> ForecastJob:
    """A new job with the stored record of `job_id`: same parameters, seed, schemes, snapshot
    and pool balance, hence the same numbers."""
    require_bureau(actor)
    with transaction(session):
        old = get_job(session, job_id)
        assert actor.id is not None
        job = ForecastJob(
            kind=old.kind,
            params=old.params,
            seed=old.seed,
            schemes=old.schemes,
            snapshot_id=old.snapshot_id,
            pool_balance=old.pool_balance,
            progress_total=old.progress_total,
            rerun_of_id=old.id,
            created_by_id=actor.id,
        )
        session.add(job)
        audit.record(session, actor=actor, action="forecast.rerun", obj=job, after={"of": old.id})
    return job


def get_job(session: Session, job_id: int) -> ForecastJob:
    """A stored job (404 if missing)."""
    job = session.get(ForecastJob, job_id)
    if job is None:
        raise NotFound(N_("No such forecast."))
    return job


def list_jobs(session: Session, *, limit: int = 50) -> list[ForecastJob]:
    """The latest jobs, newest first."""
    query = select(ForecastJob).order_by(col(ForecastJob.id).desc()).limit(limit)
    return list(session.exec(query).all())


def reap(session: Session, *, now: datetime | None = None) -> int:
    """Mark as failed the running jobs whose worker stopped giving signs of life and the queued
    jobs nobody picked up; returns how many. They can be re-run."""
    now = now or utcnow()
    dead = 0
    with transaction(session):
        query = select(ForecastJob).where(
            col(ForecastJob.status).in_((JobStatus.QUEUED, JobStatus.RUNNING))
        )
        for job in session.exec(query).all():
            if job.status is JobStatus.RUNNING:
                seen = job.heartbeat_at or job.started_at or job.created_at
                if now - seen <= STALE_RUNNING:
                    continue
                since = seen.isoformat(timespec="seconds")
                job.error = f"The worker stopped: no progress since {since}."
            else:
                if now - job.created_at <= STALE_QUEUED:
                    continue
                job.error = "No worker picked the job up."
            job.status = JobStatus.FAILED
            job.finished_at = now
            session.add(job)
            dead += 1
    return dead


def reproduce_inputs(
    session: Session, job: ForecastJob
) -> tuple[list[forecast_engine.Row], ForecastParams]:
    """The stored snapshot rows and parameters of a job."""
    snap = session.get(PortfolioSnapshot, job.snapshot_id)
    assert snap is not None
    return snap.rows, ForecastParams.from_dict(job.params)
