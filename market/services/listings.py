"""The queries behind the lists (not yet paged): what each role may see of assets, requests,
loans, claims and receivables, as SQL the list pages narrow, sort and page. The rules are those
of the `list_*_for` functions of each service, kept as selects so nothing is loaded whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from market.domain.kinds import Role
from market.domain.states import AssetStatus
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Loan
from market.models.orgs import Organisation, User
from market.models.pool import Claim, Receivable
from market.services.claims import RECEIVABLE_ROLES

BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_APPROVER})
READ_ALL_ROLES = frozenset({Role.BUREAU, Role.ADMIN})


def assets_query(actor: User, *, include_withdrawn: bool = False) -> Any | None:
    """The assets the actor may list: its own (SME) or all (bureau, admin)."""
    query = select(IPAsset)
    if actor.role is Role.SME:
        query = query.where(IPAsset.owner_id == actor.organisation_id)
    elif actor.role not in READ_ALL_ROLES:
        return None
    if not include_withdrawn:
        query = query.where(IPAsset.status == AssetStatus.ACTIVE)
    return query


def needs_borrower(args: Mapping[str, str]) -> bool:
    """True when a list must join the borrower: searched or sorted by name."""
    return bool((args.get("q") or "").strip()) or args.get("sort") == "borrower"


def requests_query(actor: User, *, borrower: bool = True) -> Any | None:
    """Requests the actor may see (the borrower joined, for searching by name)."""
    query = select(FinancingRequest)
    if borrower:
        query = query.join(Organisation, col(Organisation.id) == FinancingRequest.borrower_id)
    if actor.role is Role.SME:
        return query.where(FinancingRequest.borrower_id == actor.organisation_id)
    if actor.role in BANK_ROLES:
        return query.where(
            or_(
                col(FinancingRequest.bank_id).is_(None),
                col(FinancingRequest.bank_id) == actor.organisation_id,
            )
        )
    return query if actor.role in READ_ALL_ROLES else None


def loans_query(actor: User, *, borrower: bool = True) -> Any | None:
    """Loans the actor may see (the borrower joined, for searching by name)."""
    query = select(Loan)
    if borrower:
        query = query.join(Organisation, col(Organisation.id) == Loan.borrower_id)
    if actor.role is Role.SME:
        return query.where(Loan.borrower_id == actor.organisation_id)
    if actor.role in BANK_ROLES:
        return query.where(Loan.bank_id == actor.organisation_id)
    return query if actor.role in READ_ALL_ROLES else None


def claims_query(*, borrower: bool = True) -> Any:
    """The bureau's claim queue (the borrower joined, for searching by name)."""
    if not borrower:
        return select(Claim)
    return (
        select(Claim)
        .join(Loan, col(Loan.id) == Claim.loan_id)
        .join(Organisation, col(Organisation.id) == Loan.borrower_id)
    )


def receivables_query(actor: User) -> Any | None:
    """What the actor's organisation owes on approved claims (all of them for the bureau)."""
    query = select(Receivable)
    if actor.role in READ_ALL_ROLES:
        return query
    if actor.role not in RECEIVABLE_ROLES:
        return None
    return query.where(Receivable.organisation_id == actor.organisation_id)
