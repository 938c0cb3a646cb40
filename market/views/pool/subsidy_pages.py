"""The pool's subsidy page: interest subsidies (贴息) earned on interest paid, what the bureau
has paid out, and the action that pays what is owed."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, func, select

from market.domain.errors import Conflict
from market.domain.kinds import LedgerAccount, Role
from market.domain.money import format_fen
from market.frame.db import get_session
from market.models.lending import Loan
from market.models.pool import LedgerEntry
from market.services import subsidies as subsidies_svc
from market.services.clock import business_date
from market.views.authz import actor, roles_required
from market.views.once import once
from market.views.pool.blueprint import READERS, bp, is_bureau


@bp.route("/subsidies")
@roles_required(*READERS)
def subsidies() -> ResponseReturnValue:
    """Interest subsidies by loan: earned, paid, owed."""
    session = get_session()
    query = (
        select(
            LedgerEntry.loan_id,
            func.sum(LedgerEntry.credit),
            func.sum(LedgerEntry.debit),
        )
        .where(LedgerEntry.account == LedgerAccount.SUBSIDY_PAYABLE)
        .group_by(col(LedgerEntry.loan_id))
        .order_by(col(LedgerEntry.loan_id))
    )
    rows = [(int(k), int(e), int(p)) for k, e, p in session.exec(query).all() if k is not None]
    loans = {
        loan.id: loan
        for loan in session.exec(select(Loan).where(col(Loan.id).in_([r[0] for r in rows])))
    }
    return render_template(
        "pool/subsidies.html",
        rows=rows,
        loans=loans,
        earned=sum(r[1] for r in rows),
        paid=sum(r[2] for r in rows),
        owed=sum(r[1] - r[2] for r in rows),
        today=business_date(session),
        can_act=is_bureau(),
    )


@bp.route("/subsidies/pay", methods=["POST"])
@roles_required(Role.BUREAU)
@once("pool.subsidies")
def pay_subsidies() -> ResponseReturnValue:
    """The bureau pays every interest subsidy earned and not yet paid, from the pool."""
    try:
        total = subsidies_svc.pay_accrued(get_session(), actor=actor())
    except Conflict as exc:
        flash(_(exc.message), "error")
    else:
        flash(
            _("%(amount)s of interest subsidies is paid from the pool.", amount=format_fen(total)),
            "success",
        )
    return redirect(url_for("pool.subsidies"))
