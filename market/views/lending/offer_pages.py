"""An officer withdraws a pending offer of their bank."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.domain.errors import Conflict
from market.domain.kinds import Role
from market.frame.db import get_session
from market.models.lending import Offer
from market.services.offer_withdrawal import withdraw_offer
from market.views.authz import actor, roles_required
from market.views.lending.blueprint import bp


@bp.route("/offers/<int:offer_id>/withdraw", methods=["POST"])
@roles_required(Role.BANK_OFFICER)
def withdraw_offer_page(offer_id: int) -> ResponseReturnValue:
    """Withdraw the offer, then back to its request (a refusal is explained there)."""
    session = get_session()
    try:
        offer: Offer = withdraw_offer(session, actor=actor(), offer_id=offer_id)
    except Conflict as exc:
        flash(_(exc.message), "error")
        found = session.get(Offer, offer_id)
        if found is None:
            raise
        return redirect(url_for("lending.request_detail", request_id=found.request_id))
    flash(_("The offer is withdrawn: the company no longer sees it."), "info")
    return redirect(url_for("lending.request_detail", request_id=offer.request_id))
