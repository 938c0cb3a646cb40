"""The plans' targets: loaded from seeds/targets.json, edited by the bureau (audited), and
measured against the platform's lending with a linear projection to the year's end."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from market.domain.errors import Conflict, NotFound, ValidationFailed
from market.domain.jobs import TargetMetric
from market.domain.messages import N_
from market.domain.states import Enrolment
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.forecasts import PlanTarget
from market.models.lending import Loan
from market.models.orgs import User
from market.services import audit
from market.services.pool import pool_balance, require_bureau
from market.services.requests import LIVE_LOAN_STATUSES

MAX_AMOUNT = 10**15  # fen: ten trillion CNY, far above any city's plan


def list_targets(session: Session) -> list[PlanTarget]:
    """Every target, by city."""
    return list(session.exec(select(PlanTarget).order_by(col(PlanTarget.city))).all())


def seed_targets(session: Session, path: Path) -> int:
    """Add the targets of `path` whose key is not stored yet; returns how many were added."""
    data = json.loads(path.read_text(encoding="utf-8"))
    added = 0
    with transaction(session):
        for row in data["targets"]:
            if session.exec(select(PlanTarget).where(PlanTarget.key == row["key"])).first():
                continue
            session.add(
                PlanTarget(
                    key=row["key"],
                    city=row["city"],
                    metric=TargetMetric(row["metric"]),
                    target_value=int(row["target_value"]),
                    growth_bp=int(row["growth_bp"]),
                    year=int(row["year"]),
                    source=row["source"],
                )
            )
            added += 1
    return added


@dataclass(frozen=True, kw_only=True)
class TargetInput:
    """What the bureau may change on a target."""

    target_value: int
    growth_bp: int
    year: int
    source: str
    note: str
    row_version: int


def update_target(
    session: Session, *, actor: User, target_id: int, data: TargetInput
) -> PlanTarget:
    """Change a target (bureau only); the old and new values go to the audit log."""
    require_bureau(actor)
    errors: dict[str, str] = {}
    if not 0 <= data.target_value <= MAX_AMOUNT:
        errors["target_value"] = N_("Enter a value between 0 and 10 trillion.")
    if not 0 <= data.growth_bp <= 100_000:
        errors["growth_bp"] = N_("Enter a growth between 0 and 1000 per cent.")
    if not 2000 <= data.year <= 2100:
        errors["year"] = N_("Enter a year between 2000 and 2100.")
    if not data.source.strip():
        errors["source"] = N_("Say where the target comes from.")
    if errors:
        raise ValidationFailed(N_("The target was not changed."), errors=errors)
    with transaction(session):
        target = session.get(PlanTarget, target_id, with_for_update=True)
        if target is None:
            raise NotFound(N_("No such target."))
        if target.row_version != data.row_version:
            raise Conflict(N_("Someone changed this target meanwhile: reload and try again."))
        fields = ("target_value", "growth_bp", "year", "source", "note")
        before = {f: getattr(target, f) for f in fields}
        target.target_value = data.target_value
        target.growth_bp = data.growth_bp
        target.year = data.year
        target.source = data.source.strip()
        target.note = data.note.strip()
        target.row_version += 1
        target.updated_by_id = actor.id
        target.updated_at = utcnow()
        session.add(target)
        audit.record(
            session,
            actor=actor,
            action="target.update",
            obj=target,
            before=before,
            after={f: getattr(target, f) for f in fields},
        )
    return target


@dataclass(frozen=True)
class Achievement:
    """A target for the year: goal, what is achieved so far and the year-end projection.

    Units by metric: fen (amounts), loans (counts), hundredths (leverage: 1000 = 10x)."""

    target: PlanTarget
    year: int
    goal: int
    achieved: int
    projected: int
    baseline: int | None  # last year's figure, for growth targets

    @property
    def on_track(self) -> bool:
        """The projection reaches the goal (a 'keep growing' goal needs more than last year)."""
        if self.target.metric is TargetMetric.FINANCING_GROWTH and self.target.growth_bp == 0:
            return self.projected > (self.baseline or 0)
        return self.projected >= self.goal

    @property
    def percent(self) -> int | None:
        """Achieved as a whole percentage of the goal."""
        return self.achieved * 100 // self.goal if self.goal > 0 else None


def _lent(session: Session, start: date, end: date) -> tuple[int, int]:
    """Number and principal of the loans disbursed from `start` to `end` inclusive."""
    query = select(func.count(), func.coalesce(func.sum(Loan.principal), 0)).where(
        col(Loan.disbursed_on) >= start, col(Loan.disbursed_on) <= end
    )
    n, total = session.exec(query).one()
    return int(n), int(total)


def project(achieved: int, today: date) -> int:
    """Linear projection of a flow to the year's end: achieved x days in year / days so far."""
    elapsed = today.timetuple().tm_yday
    days = (date(today.year, 12, 31) - date(today.year, 1, 1)).days + 1
    return achieved * days // elapsed


def _grown(baseline: int, growth_bp: int) -> int:
    return -(-baseline * (10_000 + growth_bp) // 10_000)  # rounded up


def achievement(session: Session, target: PlanTarget, today: date) -> Achievement:
    """Where `target` stands on `today` for today's year."""
    year = today.year
    count, amount = _lent(session, date(year, 1, 1), today)
    last_count, last_amount = _lent(session, date(year - 1, 1, 1), date(year - 1, 12, 31))
    metric = target.metric
    if metric is TargetMetric.FINANCING_AMOUNT:
        return Achievement(target, year, target.target_value, amount, project(amount, today), None)
    if metric is TargetMetric.LOAN_COUNT_GROWTH:
        goal = _grown(last_count, target.growth_bp)
        return Achievement(target, year, goal, count, project(count, today), last_count)
    if metric is TargetMetric.FINANCING_GROWTH:
        goal = _grown(last_amount, target.growth_bp)
        return Achievement(target, year, goal, amount, project(amount, today), last_amount)
    # pool leverage is a stock, not a flow: today's figure is the projection
    live = session.exec(
        select(func.coalesce(func.sum(Loan.principal), 0)).where(
            Loan.enrolment == Enrolment.ENROLLED, col(Loan.status).in_(LIVE_LOAN_STATUSES)
        )
    ).one()
    balance = pool_balance(session, today)
    lev = int(live) * 100 // balance if balance > 0 else 0
    return Achievement(target, year, target.target_value, lev, lev, None)


def achievements(session: Session, today: date) -> list[Achievement]:
    """Every target's standing on `today`."""
    return [achievement(session, t, today) for t in list_targets(session)]


def target_fields(target: PlanTarget) -> dict[str, Any]:
    """The editable fields of a target, for a form."""
    return {
        "target_value": target.target_value,
        "growth_bp": target.growth_bp,
        "year": target.year,
        "source": target.source,
        "note": target.note,
        "row_version": target.row_version,
    }
