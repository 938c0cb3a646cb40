"""A bank's list of its compensation claims."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from market.domain.kinds import Role
from market.domain.states import CLAIM_STATUS_LABELS
from market.frame.db import get_session
from market.services.bank_claims import claims_of_bank
from market.views.authz import actor, roles_required
from market.views.lending.blueprint import bp


@bp.route("/claims/")
@roles_required(Role.BANK_OFFICER, Role.BANK_APPROVER)
def bank_claims() -> ResponseReturnValue:
    """The claims the user's bank filed, with their state and decision."""
    rows = claims_of_bank(get_session(), actor=actor())
    return render_template(
        "lending/bank_claims.html", rows=rows, claim_status_labels=CLAIM_STATUS_LABELS
    )
