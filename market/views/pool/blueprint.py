"""The pool blueprint, its template helpers and what its pages share."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    url_for,
)

from market.domain.kinds import LedgerAccount, Role
from market.text.pool_labels import (
    ACCOUNT_LABELS,
    CLAIM_STATUS_LABELS,
    party_label,
)
from market.views.authz import actor

bp = Blueprint("pool", __name__, url_prefix="/pool")


READERS = (Role.BUREAU, Role.ADMIN)


LATEST_LINES = 8


INVALID = 422  # a form sent back with its errors


CSV_FORMULA_START = ("=", "+", "-", "@")


def pct(bp: int | None) -> str:
    """Basis points as a percentage: 5400 -> '54%', 250 -> '2.5%'."""
    if bp is None:
        return "—"
    return f"{bp / 100:g}%"


def loan_url(loan_id: int) -> str:
    """The loan's page on the lending side."""
    return url_for("lending.loan_detail", loan_id=loan_id)


def is_bureau() -> bool:
    """True if the signed-in user runs the pool (the administrator only looks)."""
    return actor().role is Role.BUREAU


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """Formatting helpers and labels for the pool's templates."""
    return {
        "pct": pct,
        "loan_url": loan_url,
        "party_label": party_label,
        "account_labels": ACCOUNT_LABELS,
        "claim_status_labels": CLAIM_STATUS_LABELS,
        "accounts": LedgerAccount,
    }


def flash_leftovers(messages: list[str]) -> None:
    """Flash messages that have no form field to sit next to."""
    for message in messages:
        flash(message, "error")
