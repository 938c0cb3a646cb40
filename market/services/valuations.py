"""Valuations of IP assets: revaluing, the latest and past valuations, banks' own values."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.kinds import Role
from market.domain.messages import N_
from market.domain.states import AssetStatus
from market.frame.db import transaction
from market.models.audit import AuditEvent
from market.models.orgs import User
from market.models.valuations import AssetValuation, BankValuation
from market.services import audit
from market.services.appraisal import value_and_store
from market.services.assets import get_asset_for, require_sme


def revalue(session: Session, *, actor: User, asset_id: int) -> AssetValuation:
    """The owner asks for a fresh valuation (new business date or model version)."""
    require_sme(actor)
    with transaction(session):
        asset = get_asset_for(session, actor=actor, asset_id=asset_id, write=True)
        if asset.status is not AssetStatus.ACTIVE:
            raise Conflict(N_("A withdrawn asset is not valued."))
        return value_and_store(session, actor=actor, asset=asset)


def latest(session: Session, asset_id: int) -> AssetValuation | None:
    """The newest valuation of an asset."""
    query = (
        select(AssetValuation)
        .where(AssetValuation.asset_id == asset_id)
        .order_by(col(AssetValuation.id).desc())
    )
    return session.exec(query).first()


def history(session: Session, asset_id: int) -> list[AssetValuation]:
    """Every valuation of an asset, newest first."""
    query = (
        select(AssetValuation)
        .where(AssetValuation.asset_id == asset_id)
        .order_by(col(AssetValuation.id).desc())
    )
    return list(session.exec(query).all())


def latest_for_assets(session: Session, asset_ids: list[int]) -> dict[int, AssetValuation]:
    """The newest valuation of each asset in `asset_ids`."""
    if not asset_ids:
        return {}
    rows = session.exec(
        select(AssetValuation)
        .where(col(AssetValuation.asset_id).in_(asset_ids))
        .order_by(col(AssetValuation.id))
    )
    return {row.asset_id: row for row in rows}


def record_bank_value(
    session: Session, *, actor: User, asset_id: int, adjusted_value: int, reason: str
) -> BankValuation:
    """A bank user records the bank's own value of an asset offered to it, with a reason.

    It is kept beside the model's latest valuation, which never changes.
    """
    if actor.role not in (Role.BANK_OFFICER, Role.BANK_APPROVER):
        raise PermissionDenied(N_("Only a bank user can record the bank's own value."))
    with transaction(session):
        asset = get_asset_for(session, actor=actor, asset_id=asset_id)
        model = latest(session, asset_id)
        if model is None or model.id is None:
            raise Conflict(N_("This asset has no valuation to adjust."))
        errors: dict[str, str] = {}
        if adjusted_value < 0:
            errors["adjusted_value"] = N_("Cannot be negative.")
        if len(reason.strip()) < 10:
            errors["reason"] = N_("Write the reason for the bank's value (a sentence or more).")
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        row = BankValuation(
            asset_id=asset_id,
            valuation_id=model.id,
            bank_id=actor.organisation_id,
            created_by_id=actor.id or 0,
            adjusted_value=adjusted_value,
            reason=reason.strip(),
        )
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="valuation.bank_adjust",
            obj=row,
            after={
                "asset_id": asset.id,
                "valuation_id": model.id,
                "model_value_p50": model.value_p50,
                "adjusted_value": adjusted_value,
                "reason": row.reason,
            },
        )
    return row


def bank_values(session: Session, *, asset_id: int, bank_id: int | None) -> list[BankValuation]:
    """Banks' own values of an asset, newest first (one bank's, or all for supervisors)."""
    query = select(BankValuation).where(BankValuation.asset_id == asset_id)
    if bank_id is not None:
        query = query.where(BankValuation.bank_id == bank_id)
    return list(session.exec(query.order_by(col(BankValuation.id).desc())).all())


def bank_value_days(session: Session, rows: list[BankValuation]) -> dict[int, date]:
    """The business date on which each bank value was recorded (from its audit event)."""
    ids = [r.id for r in rows if r.id is not None]
    if not ids:
        return {}
    query = select(AuditEvent).where(
        AuditEvent.action == "valuation.bank_adjust", col(AuditEvent.object_id).in_(ids)
    )
    return {
        e.object_id: e.business_on
        for e in session.exec(query).all()
        if e.object_id is not None and e.business_on is not None
    }
