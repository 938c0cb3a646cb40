"""Rows of the permission matrix for the desk: (endpoint, method) -> who may use it, and the
objects its URLs need (a stored forecast, a target)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session

from market.domain.jobs import JobKind, JobStatus
from market.domain.timeutil import utcnow
from market.frame.config import ROOT
from market.frame.db import transaction
from market.models.forecasts import ForecastJob, PortfolioSnapshot
from market.services import targets
from market.services.forecast_engine import ForecastParams
from tests.market.conftest import World

BUREAU = frozenset({"bureau"})
BANKS = frozenset({"bank_officer", "bank_approver"})
DESK_ARGS = {"job_id", "target_id", "dimension"}

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("desk.index", "GET"): BUREAU,
    ("desk.alert_levels", "POST"): BUREAU,
    ("desk.months_csv", "GET"): BUREAU,
    ("desk.npl_csv", "GET"): BUREAU,
    ("desk.target_list", "GET"): BUREAU,
    ("desk.target_edit", "POST"): BUREAU,
    ("desk.forecast_list", "GET"): BUREAU,
    ("desk.forecast_new", "POST"): BUREAU,
    ("desk.forecast_detail", "GET"): BUREAU,
    ("desk.forecast_status", "GET"): BUREAU,
    ("desk.forecast_rerun", "POST"): BUREAU,
    ("desk.forecast_csv", "GET"): BUREAU,
    ("desk.compare", "GET"): BUREAU,
    ("desk.compare", "POST"): BUREAU,
    ("desk.design", "GET"): BUREAU,
    ("desk.design", "POST"): BUREAU,
    ("desk.bank", "GET"): BANKS,
    ("desk.loans_csv", "GET"): BUREAU | BANKS,
    ("desk.claims_csv", "GET"): BUREAU | BANKS,
}


def desk_args(session: Session, world: World) -> dict[str, object]:
    """A finished (failed) forecast job on a one-loan snapshot and the plans' targets."""
    bureau = world.users["bureau"]
    assert bureau.id is not None
    with transaction(session):
        snap = PortfolioSnapshot(
            digest=uuid.uuid4().hex, taken_on=date(2026, 1, 5), loans=1, principal=100,
            rows=[[1, 100, "BBB", 12, 1, 1, ""]],
        )  # fmt: skip
        session.add(snap)
        session.flush()
        assert snap.id is not None
        job = ForecastJob(
            kind=JobKind.FORECAST, status=JobStatus.FAILED, params=ForecastParams().to_dict(),
            seed=1, schemes=[], snapshot_id=snap.id, pool_balance=0, created_by_id=bureau.id,
            finished_at=utcnow(),
        )  # fmt: skip
        session.add(job)
    targets.seed_targets(session, ROOT / "seeds" / "targets.json")
    target = targets.list_targets(session)[0]
    return {"job_id": job.id, "target_id": target.id, "dimension": "bank"}
