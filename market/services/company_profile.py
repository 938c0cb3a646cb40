"""A company's profile: the high-tech flag that sets the income-tax rate of its valuations
(Enterprise Income Tax Law art. 4: 25%; art. 28: 15% for a certified high and new technology
enterprise), changed by the company's own users or the platform administrator, audited; and
which of its valuations were made under the other rate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from market.domain.errors import NotFound, PermissionDenied
from market.domain.kinds import OrgKind, Role
from market.domain.messages import N_
from market.domain.states import AssetStatus
from market.frame.db import transaction
from market.models.assets import IPAsset
from market.models.orgs import Organisation, User
from market.models.valuations import AssetValuation
from market.services import audit
from market.services.appraisal import tax_rate_bp


def get_company_for(session: Session, *, actor: User, organisation_id: int) -> Organisation:
    """The SME company the actor may manage: its own, or any for the administrator."""
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind is not OrgKind.SME:
        raise NotFound(N_("No such company."))
    if actor.role is Role.ADMIN or (
        actor.role is Role.SME and actor.organisation_id == organisation_id
    ):
        return org
    raise PermissionDenied(N_("Only the company's own users or the administrator can do this."))


def set_high_tech(
    session: Session, *, actor: User, organisation_id: int, high_tech: bool
) -> bool:
    """Record whether the company is a certified high-tech enterprise; True if it changed
    (setting the same value again changes and records nothing)."""
    with transaction(session):
        org = get_company_for(session, actor=actor, organisation_id=organisation_id)
        if org.high_tech is high_tech:
            return False
        before = {"high_tech": org.high_tech}
        org.high_tech = high_tech
        session.add(org)
        audit.record(session, actor=actor, action="organisation.high_tech", obj=org,
                     before=before, after={"high_tech": high_tech}, organisation_id=org.id)
    return True


def valued_at_other_rate(valuation: AssetValuation, owner: Organisation | None) -> bool:
    """True when the valuation used another income-tax rate than the owner's rate now."""
    used = valuation.inputs.get("tax_rate_bp")
    return used is not None and int(used) != tax_rate_bp(owner)


@dataclass(frozen=True)
class TaxChange:
    """The income-tax rate a valuation used and the owner's rate now (basis points)."""

    used: int
    now: int


def tax_change(valuation: AssetValuation | None, owner: Organisation | None) -> TaxChange | None:
    """The rates when the valuation used another rate than the owner's now, else None."""
    if valuation is None or not valued_at_other_rate(valuation, owner):
        return None
    return TaxChange(int(valuation.inputs["tax_rate_bp"]), tax_rate_bp(owner))


def out_of_date_assets(session: Session, owner: Organisation) -> list[IPAsset]:
    """The owner's live assets whose latest valuation used another income-tax rate."""
    newest = (
        select(func.max(AssetValuation.id))
        .join(IPAsset, col(IPAsset.id) == AssetValuation.asset_id)
        .where(IPAsset.owner_id == owner.id, IPAsset.status == AssetStatus.ACTIVE)
        .group_by(col(AssetValuation.asset_id))
    )
    latest = [int(i) for i in session.exec(newest).all() if i is not None]
    if not latest:
        return []
    rows = session.exec(
        select(AssetValuation, IPAsset)
        .join(IPAsset, col(IPAsset.id) == AssetValuation.asset_id)
        .where(col(AssetValuation.id).in_(latest))
        .order_by(col(IPAsset.id))
    ).all()
    return [asset for valuation, asset in rows if valued_at_other_rate(valuation, owner)]
