"""A bank's own compensation claims, as a query the list pages, sorts and filters."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from market.domain.errors import PermissionDenied
from market.domain.messages import N_
from market.models.lending import Loan
from market.models.orgs import Organisation, User
from market.models.pool import Claim
from market.services.requests import BANK_ROLES


def claims_of_bank(actor: User, *, borrower: bool = False) -> Any:
    """The claims the actor's bank filed (officers and approvers only), the borrower joined
    when the list is searched or sorted by name."""
    if actor.role not in BANK_ROLES:
        raise PermissionDenied(N_("Only a bank sees its list of claims."))
    query = select(Claim).where(Claim.bank_id == actor.organisation_id)
    if borrower:
        query = query.join(Loan, col(Loan.id) == Claim.loan_id).join(
            Organisation, col(Organisation.id) == Loan.borrower_id
        )
    return query
