"""IP assets: an SME adds, edits and withdraws its listings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from market.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.domain.identifiers import (
    IdentifierError,
    normalise_patent_number,
    normalise_trademark_number,
)
from market.domain.ipterms import derived_expiry
from market.domain.kinds import AssetKind, Industry, LegalStatus, Role
from market.domain.messages import N_, msg
from market.domain.states import AssetStatus, PledgeStatus
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, RequestAsset
from market.models.orgs import User
from market.models.pledges import Pledge
from market.services import audit
from market.services.appraisal import value_and_store
from market.services.clock import business_date
from market.text.asset_facts import clean_facts

# Roles that may read every listing (supervision); banks see assets through requests.
READ_ALL_ROLES = frozenset({Role.BUREAU, Role.ADMIN})
BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})


@dataclass(frozen=True, kw_only=True)
class AssetInput:
    kind: AssetKind
    registry_number: str
    title: str
    holder_name: str = ""
    industry: Industry
    legal_status: LegalStatus
    filing_date: date
    grant_date: date | None = None
    expiry_date: date | None = None
    annual_revenue: int | None = None
    development_cost: int | None = None
    revenue_growth_bp: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def normalise_registry_number(kind: AssetKind, raw: str) -> str:
    """The canonical registry number for a kind, or IdentifierError."""
    if kind.is_patent:
        return normalise_patent_number(raw, kind.value)
    return normalise_trademark_number(raw)


def _validate(session: Session, data: AssetInput, *, exclude_id: int | None) -> dict[str, Any]:
    """Check an asset's input; return the column values to store, or raise ValidationFailed."""
    errors: dict[str, str] = {}
    today = business_date(session)
    number = ""
    try:
        number = normalise_registry_number(data.kind, data.registry_number)
    except IdentifierError as exc:
        errors["registry_number"] = str(exc)
    if number:
        clash = select(IPAsset).where(
            IPAsset.registry_number == number, IPAsset.status == AssetStatus.ACTIVE
        )
        if exclude_id is not None:
            clash = clash.where(col(IPAsset.id) != exclude_id)
        if session.exec(clash).first():
            errors["registry_number"] = N_("This registry number is already listed by its owner.")
    title = data.title.strip()
    if not title:
        errors["title"] = N_("Enter the title or the mark as registered.")
    if data.filing_date > today:
        errors["filing_date"] = N_("The filing date cannot be in the future.")
    if data.grant_date is not None:
        if data.grant_date < data.filing_date:
            errors["grant_date"] = N_("Grant or registration cannot come before filing.")
        elif data.grant_date > today:
            errors["grant_date"] = N_("The grant date cannot be in the future.")
    elif data.legal_status is not LegalStatus.PENDING:
        errors["grant_date"] = N_("A granted or registered right needs its grant date.")
    if data.legal_status is LegalStatus.PENDING and data.grant_date is not None:
        errors["legal_status"] = N_("A right with a grant date is no longer pending.")
    for name in ("annual_revenue", "development_cost"):
        value = getattr(data, name)
        if value is not None and value < 0:
            errors[name] = N_("Cannot be negative.")
    if data.revenue_growth_bp is not None and not -5000 <= data.revenue_growth_bp <= 10000:
        errors["revenue_growth_bp"] = N_("Expected growth must lie between -50% and +100% a year.")
    facts, fact_errors = clean_facts(data.kind, data.facts)
    errors.update({f"facts.{k}": v for k, v in fact_errors.items()})
    expiry = derived_expiry(
        data.kind,
        filing_date=data.filing_date,
        grant_date=data.grant_date,
        renewals=int(facts.get("renewals", 0) or 0),
    )
    if expiry is None:
        expiry = data.expiry_date
    if expiry is not None and expiry <= data.filing_date:
        errors["expiry_date"] = N_("Expiry must come after filing.")
    if (
        expiry is not None
        and expiry < today
        and data.legal_status is LegalStatus.VALID
        and not errors
    ):
        errors["legal_status"] = msg(
            "Protection ended on %(day)s: the status cannot be "
            "valid (renewed marks: add the renewal).",
            day=expiry.isoformat(),
        )
    if errors:
        raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
    return {
        "kind": data.kind,
        "registry_number": number,
        "title": title,
        "holder_name": data.holder_name.strip(),
        "industry": data.industry,
        "legal_status": data.legal_status,
        "filing_date": data.filing_date,
        "grant_date": data.grant_date,
        "expiry_date": expiry,
        "annual_revenue": data.annual_revenue,
        "development_cost": data.development_cost,
        "revenue_growth_bp": data.revenue_growth_bp,
        "facts": facts,
    }


def require_sme(actor: User) -> None:
    if actor.role is not Role.SME:
        raise PermissionDenied(N_("Only an SME can list and edit its own IP assets."))


def create_asset(session: Session, *, actor: User, data: AssetInput) -> IPAsset:
    """List a new IP asset owned by the actor's company."""
    require_sme(actor)
    with transaction(session):
        values = _validate(session, data, exclude_id=None)
        asset = IPAsset(owner_id=actor.organisation_id, **values)
        session.add(asset)
        _flush_unique(session)
        _value(session, actor=actor, asset=asset)
        audit.record(
            session, actor=actor, action="asset.create", obj=asset, after=audit.snapshot(asset)
        )
    return asset


def update_asset(
    session: Session, *, actor: User, asset_id: int, data: AssetInput, row_version: int
) -> IPAsset:
    """Edit a live asset; `row_version` must match (someone else may have edited it)."""
    require_sme(actor)
    with transaction(session):
        asset = get_asset_for(session, actor=actor, asset_id=asset_id, write=True)
        if asset.status is not AssetStatus.ACTIVE:
            raise Conflict(N_("A withdrawn asset cannot be edited."))
        _require_unpledged(session, asset)
        if data.kind is not asset.kind:
            raise ValidationFailed(
                N_("The kind of an asset cannot change; withdraw it and add a new one."),
                errors={"kind": N_("The kind cannot change.")},
            )
        if asset.row_version != row_version:
            raise Conflict(
                N_(
                    "This asset was changed in another window since you opened it. "
                    "Reload the page and make your changes again."
                )
            )
        values = _validate(session, data, exclude_id=asset.id)
        before = audit.snapshot(asset)
        for key, value in values.items():
            setattr(asset, key, value)
        asset.row_version += 1
        asset.updated_at = utcnow()
        session.add(asset)
        _flush_unique(session)
        _value(session, actor=actor, asset=asset)
        audit.record(
            session,
            actor=actor,
            action="asset.update",
            obj=asset,
            before=before,
            after=audit.snapshot(asset),
        )
    return asset


def withdraw_asset(session: Session, *, actor: User, asset_id: int) -> IPAsset:
    """Take a listing off the market; its registry number becomes free again."""
    require_sme(actor)
    with transaction(session):
        asset = get_asset_for(session, actor=actor, asset_id=asset_id, write=True)
        if asset.status is AssetStatus.WITHDRAWN:
            raise Conflict(N_("This asset is already withdrawn."))
        _require_unpledged(session, asset)
        before = audit.snapshot(asset)
        asset.status = AssetStatus.WITHDRAWN
        asset.withdrawn_at = utcnow()
        asset.row_version += 1
        session.add(asset)
        _flush_unique(session)
        audit.record(
            session,
            actor=actor,
            action="asset.withdraw",
            obj=asset,
            before=before,
            after=audit.snapshot(asset),
        )
    return asset


def get_asset_for(session: Session, *, actor: User, asset_id: int, write: bool = False) -> IPAsset:
    """Load an asset the actor may see (404 if missing, 403 if someone else's)."""
    asset = session.get(IPAsset, asset_id)
    if asset is None:
        raise NotFound(N_("No such IP asset."))
    if asset.owner_id == actor.organisation_id and actor.role is Role.SME:
        return asset
    if not write and actor.role in READ_ALL_ROLES:
        return asset
    if not write and actor.role in BANK_ROLES and _offered_to_bank(session, asset_id, actor):
        return asset
    raise PermissionDenied(N_("This IP asset belongs to another company."))


def _offered_to_bank(session: Session, asset_id: int, actor: User) -> bool:
    """True if the asset is collateral in a financing request addressed to the actor's bank."""
    query = (
        select(RequestAsset.id)
        .join(FinancingRequest, col(FinancingRequest.id) == RequestAsset.request_id)
        .where(
            RequestAsset.asset_id == asset_id,
            or_(
                col(FinancingRequest.bank_id).is_(None),
                FinancingRequest.bank_id == actor.organisation_id,
            ),
        )
    )
    return session.exec(query).first() is not None


def list_assets_for(
    session: Session, *, actor: User, include_withdrawn: bool = False
) -> list[IPAsset]:
    """The assets the actor may list: its own (SME) or all (bureau, admin)."""
    query = select(IPAsset).order_by(col(IPAsset.created_at).desc(), col(IPAsset.id).desc())
    if actor.role is Role.SME:
        query = query.where(IPAsset.owner_id == actor.organisation_id)
    elif actor.role not in READ_ALL_ROLES:
        return []
    if not include_withdrawn:
        query = query.where(IPAsset.status == AssetStatus.ACTIVE)
    return list(session.exec(query).all())


def active_pledge(session: Session, asset_id: int) -> Pledge | None:
    """The asset's active pledge, if it has one."""
    query = select(Pledge).where(Pledge.asset_id == asset_id, Pledge.status == PledgeStatus.ACTIVE)
    return session.exec(query).first()


def _require_unpledged(session: Session, asset: IPAsset) -> None:
    """A pledged asset cannot be withdrawn or edited (the database refuses it too)."""
    assert asset.id is not None
    pledge = active_pledge(session, asset.id)
    if pledge is not None:
        raise Conflict(
            msg(
                "This asset is under an active pledge (%(number)s) and cannot be changed "
                "until the pledge is released.",
                number=pledge.registration_number,
            )
        )


def _value(session: Session, *, actor: User, asset: IPAsset) -> None:
    """Every saved version of an asset is valued in the same transaction."""
    value_and_store(session, actor=actor, asset=asset)


def _flush_unique(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        if "active pledge" in str(exc.orig):
            # The database's pledge guard: a pledge was registered in the meantime.
            raise Conflict(
                N_("This asset was just pledged; it cannot change until the pledge is released.")
            ) from exc
        # Two listings raced for one registry number: the partial unique index decides.
        raise Conflict(N_("This registry number was just listed by someone else.")) from exc


__all__ = ["AssetInput", "create_asset", "list_assets_for", "update_asset", "withdraw_asset"]
