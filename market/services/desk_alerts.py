"""The desk's alerts: banks near or past the suspension trigger, leverage headroom low, the
pool below the floor the bureau sets (a stored, audited setting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from market.domain.errors import ValidationFailed
from market.domain.messages import N_
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.orgs import User
from market.models.settings import Setting
from market.services import audit
from market.services.desk_history import BankTrigger
from market.services.pool import require_bureau

FLOOR_KEY = "desk.pool_floor"
HEADROOM_KEY = "desk.headroom_alert_bp"
DEFAULT_HEADROOM_BP = 2000  # warn when less than 20% of the leverage limit is left
TRIGGER_REACH_BP = 8000  # a bank is "near" its trigger at 80% of it
MAX_FLOOR = 10**15


def _int_setting(session: Session, key: str, default: int) -> int:
    row = session.get(Setting, key)
    return int(row.value) if row is not None else default


def pool_floor(session: Session) -> int:
    """The balance (fen) below which the desk warns; 0 = no floor set."""
    return _int_setting(session, FLOOR_KEY, 0)


def headroom_alert_bp(session: Session) -> int:
    """Warn when the leverage headroom falls below this share of the limit (bp)."""
    return _int_setting(session, HEADROOM_KEY, DEFAULT_HEADROOM_BP)


def set_thresholds(session: Session, *, actor: User, floor: int, headroom_bp: int) -> None:
    """Store the pool floor (fen) and the headroom alert level (bp); bureau only, audited."""
    require_bureau(actor)
    errors: dict[str, str] = {}
    if not 0 <= floor <= MAX_FLOOR:
        errors["floor"] = N_("Enter an amount between 0 and 10 trillion.")
    if not 0 <= headroom_bp <= 10_000:
        errors["headroom"] = N_("Enter a percentage between 0 and 100.")
    if errors:
        raise ValidationFailed(N_("The alert levels were not changed."), errors=errors)
    with transaction(session):
        before = {"floor": pool_floor(session), "headroom_bp": headroom_alert_bp(session)}
        for key, value in ((FLOOR_KEY, floor), (HEADROOM_KEY, headroom_bp)):
            row = session.get(Setting, key) or Setting(key=key, value="0")
            row.value = str(value)
            row.updated_at = utcnow()
            session.add(row)
        audit.record(
            session,
            actor=actor,
            action="desk.alert_levels",
            obj=row,
            before=before,
            after={"floor": floor, "headroom_bp": headroom_bp},
        )


@dataclass(frozen=True)
class DeskAlert:
    """Something the bureau should look at; the page words it by `kind`."""

    kind: str
    level: str  # "warning" or "error"
    params: dict[str, Any] = field(default_factory=dict)


def desk_alerts(
    *,
    balance: int,
    floor: int,
    live_principal: int,
    limit: int | None,
    headroom_bp: int,
    trigger_bp: int | None,
    banks: list[BankTrigger],
) -> list[DeskAlert]:
    """The desk's alerts, most serious first."""
    found: list[DeskAlert] = []
    if floor > 0 and balance < floor:
        found.append(DeskAlert("pool_below_floor", "error", {"balance": balance, "floor": floor}))
    if limit is not None:
        headroom = limit - live_principal
        if headroom < 0:
            found.append(DeskAlert("leverage_over", "error", {"over": -headroom}))
        elif headroom * 10_000 < headroom_bp * limit or limit == 0:
            found.append(DeskAlert("headroom_low", "warning", {"headroom": headroom}))
    if trigger_bp is not None:
        for bank in banks:
            if bank.enrolled_principal <= 0 or bank.losses_this_year <= 0:
                continue
            scaled = bank.losses_this_year * 10_000
            params = {"bank": bank.name, "ratio_bp": bank.ratio_bp(), "trigger_bp": trigger_bp}
            if scaled > trigger_bp * bank.enrolled_principal:
                found.append(DeskAlert("bank_over_trigger", "error", params))
            elif scaled * 10_000 >= TRIGGER_REACH_BP * trigger_bp * bank.enrolled_principal:
                found.append(DeskAlert("bank_near_trigger", "warning", params))
    order = {"error": 0, "warning": 1}
    return sorted(found, key=lambda a: order[a.level])
