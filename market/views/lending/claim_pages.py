"""A bank's list of its compensation claims: paged, sortable and filterable."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from market.domain.kinds import Role
from market.domain.states import CLAIM_STATUS_LABELS
from market.frame.db import get_session
from market.models.lending import Loan
from market.models.pool import Claim
from market.services import listings
from market.services.bank_claims import claims_of_bank
from market.views.authz import actor, roles_required
from market.views.lending import lists
from market.views.lending.blueprint import bp, orgs_by_id
from market.views.paging import paginate


@bp.route("/claims/")
@roles_required(Role.BANK_OFFICER, Role.BANK_APPROVER)
def bank_claims() -> ResponseReturnValue:
    """The claims the user's bank filed, with their state and decision."""
    session = get_session()
    query = claims_of_bank(actor(), borrower=listings.needs_borrower(request.args))
    page = paginate(session, query, lists.BANK_CLAIMS, tiebreak=col(Claim.id))
    loan_ids = {c.loan_id for c in page.items}
    borrowers = dict(
        session.exec(
            select(Loan.id, Loan.borrower_id).where(col(Loan.id).in_(loan_ids))
        ).all()
    ) if loan_ids else {}
    return render_template(
        "lending/bank_claims.html",
        rows=page.items,
        page=page,
        borrowers=borrowers,
        orgs=orgs_by_id(session, borrowers.values()),
        claim_status_labels=CLAIM_STATUS_LABELS,
    )
