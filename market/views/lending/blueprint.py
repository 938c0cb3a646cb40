"""The lending blueprint, its template filters and the helpers its pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import Role
from market.domain.states import OfferStatus
from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User

bp = Blueprint("lending", __name__)


BANKERS = (Role.BANK_OFFICER, Role.BANK_APPROVER)


VIEWERS = (Role.SME, *BANKERS, Role.BUREAU, Role.ADMIN)


RECEIVABLE_VIEWERS = (Role.INSURER, Role.GUARANTOR, Role.VALUER, Role.BUREAU, Role.ADMIN)


LIVE_OFFER = (OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED)


@bp.app_template_filter("rate_bp")
def rate_bp(value: int | None) -> str:
    """435 basis points -> '4.35%' (exact: no float)."""
    if value is None:
        return "—"
    whole, frac = divmod(int(value), 100)
    return f"{whole}.{frac:02d}%"


@bp.app_template_filter("tr")
def translate_text(value: object) -> str:
    """A stored English message in the page's language (safe with '%' in the text)."""
    return str(_(str(value))) if value else ""


def orgs_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Organisation]:
    """The organisations with these ids, by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(wanted))).all()
    return {o.id: o for o in rows if o.id is not None}


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """The users with these ids, by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {u.id: u for u in rows if u.id is not None}


def flash_form_errors(form: FlaskForm) -> None:
    """Flash each field error of a form that is shown on another page."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def flash_failure(exc: ValidationFailed) -> None:
    """A service's refusal of a form shown on another page (its message says what to fix)."""
    flash(_(exc.message), "error")


def is_banker(user: User) -> bool:
    """True if the user works at a bank (officer or approver)."""
    return user.role in BANKERS


def timeline_context(session: Session, events: list[AuditEvent]) -> dict[str, Any]:
    """Template values that name the people and organisations of a timeline."""
    users = users_by_id(session, (e.actor_id for e in events))
    return {
        "timeline_events": events,
        "timeline_users": users,
        "timeline_orgs": orgs_by_id(session, (u.organisation_id for u in users.values())),
    }
