"""Valuing listed assets with the valuation library and keeping every result."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session, col, select

import valuation
from market import audit
from market.clock import business_date
from market.db import transaction
from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.i18n import N_
from market.models.assets import AssetStatus, IPAsset
from market.models.orgs import Role, User
from market.models.valuations import AssetValuation, BankValuation
from market.services.assets import get_asset_for, require_sme


def facts_for(asset: IPAsset) -> dict[str, Any]:
    """The valuation library's facts (JSON form) for a stored asset."""
    cls = valuation.facts_class(asset.kind.value)
    known = {f.name for f in dataclasses.fields(cls)}
    facts: dict[str, Any] = {
        "kind": asset.kind.value,
        "industry": asset.industry.value,
        "legal_status": asset.legal_status.value,
        "filing_date": asset.filing_date.isoformat(),
        "grant_date": asset.grant_date.isoformat() if asset.grant_date else None,
        "expiry_date": asset.expiry_date.isoformat() if asset.expiry_date else None,
        "annual_revenue": asset.annual_revenue,
        "revenue_growth": None
        if asset.revenue_growth_bp is None
        else asset.revenue_growth_bp / 10_000,
        "development_cost": asset.development_cost,
    }
    facts.update({k: v for k, v in asset.facts.items() if k in known})
    return {k: v for k, v in facts.items() if k == "kind" or k in known}


def value_and_store(session: Session, *, actor: User | None, asset: IPAsset) -> AssetValuation:
    """Run the model on the asset as it is now (business date) and store the result.

    Runs inside the caller's transaction; a fact the model rejects is a ValidationFailed.
    """
    session.flush()
    assert asset.id is not None
    try:
        facts = valuation.facts_from_dict(facts_for(asset))
        result = valuation.value_asset(facts, as_of=business_date(session))
    except valuation.FactsError as exc:
        name = exc.field if exc.field in IPAsset.model_fields else f"facts.{exc.field}"
        raise ValidationFailed(
            N_("The valuation model cannot use these facts."), errors={name: str(exc)}
        ) from exc
    row = AssetValuation(
        asset_id=asset.id,
        asset_row_version=asset.row_version,
        created_by_id=actor.id if actor else None,
        model_version=result.model_version,
        as_of=business_date(session),
        seed=int(result.inputs["seed"]),
        score_centi=round(result.score * 100),
        grade=result.grade,
        value_p10=result.value_p10,
        value_p50=result.value_p50,
        value_p90=result.value_p90,
        liquidation_value=result.liquidation_value,
        pledge_rate_bp=result.pledge_rate_bp,
        max_loan=result.max_loan,
        inputs=result.inputs,
        result=result.to_dict(),
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="valuation.create",
        obj=row,
        after={
            "asset_id": asset.id,
            "grade": row.grade,
            "value_p50": row.value_p50,
            "max_loan": row.max_loan,
            "model_version": row.model_version,
        },
        organisation_id=asset.owner_id,
    )
    return row


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
