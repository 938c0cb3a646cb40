"""Valuing a saved asset with the valuation library and storing the result (used when an
asset is saved and when it is revalued)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session

import valuation
from market.domain.errors import ValidationFailed
from market.domain.messages import N_
from market.models.assets import IPAsset
from market.models.orgs import Organisation, User
from market.models.valuations import AssetValuation
from market.services import audit
from market.services.clock import business_date


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


# Enterprise Income Tax Law of the PRC: Art. 4, 25%; Art. 28, 15% for a certified high and new
# technology enterprise. Relief-from-royalty deducts the owner's rate from the royalties.
STANDARD_TAX_BP = 2500
HIGH_TECH_TAX_BP = 1500


def tax_rate_bp(owner: Organisation | None) -> int:
    """The owner's income-tax rate in basis points: 1500 if high-tech, else 2500."""
    return HIGH_TECH_TAX_BP if owner is not None and owner.high_tech else STANDARD_TAX_BP


def value_and_store(session: Session, *, actor: User | None, asset: IPAsset) -> AssetValuation:
    """Run the model on the asset as it is now (business date) and store the result.

    Runs inside the caller's transaction; a fact the model rejects is a ValidationFailed.
    """
    session.flush()
    assert asset.id is not None
    try:
        facts = valuation.facts_from_dict(facts_for(asset))
        result = valuation.value_asset(
            facts,
            as_of=business_date(session),
            tax_rate_bp=tax_rate_bp(session.get(Organisation, asset.owner_id)),
        )
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
