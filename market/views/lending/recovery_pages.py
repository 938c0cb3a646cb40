"""Lending pages of a compensated loan's recoveries: recording proceeds from disposing of the
pledged IP and reversing a mistaken recovery, each after a preview of its figures."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.domain.errors import ValidationFailed
from market.domain.kinds import DisposalKind
from market.frame.db import get_session
from market.services import recoveries as recoveries_svc
from market.services.clock import business_date
from market.services.previews import StalePreview
from market.services.recoveries import RecoveryPlan
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors
from market.views.lending.blueprint import BANKERS, bp, flash_failure, flash_form_errors
from market.views.lending.forms import RecoveryForm
from market.views.lending.loan_forms import ReverseRecoveryForm
from market.views.lending.loan_pages import lender_loan, loan_page
from market.views.lending.money_previews import recovery_preview, recovery_reversal_preview
from market.views.once import once
from market.views.preview import render_preview, sent_digest


@bp.route("/loans/<int:loan_id>/recoveries", methods=["POST"])
@roles_required(*BANKERS)
@once("loan.recovery")
def record_recovery(loan_id: int) -> ResponseReturnValue:
    """The lending bank records proceeds from disposing of the pledged IP."""
    lender_loan(loan_id)
    form = RecoveryForm()
    if form.validate_on_submit():
        session = get_session()
        proceeds, closes = form.proceeds.data or 0, bool(form.closes.data)
        surplus_ok = bool(form.confirm_surplus.data)

        def plan() -> RecoveryPlan:
            return recoveries_svc.plan_recovery(
                session,
                actor=actor(),
                loan_id=loan_id,
                proceeds=proceeds,
                closes=closes,
                confirm_surplus=surplus_ok,
            )[2]

        expected = sent_digest()
        try:
            if expected is None:
                return render_preview(recovery_preview(plan()))
            recoveries_svc.record_recovery(
                session,
                actor=actor(),
                disposal=DisposalKind(form.disposal.data),
                counterparty=form.counterparty.data or "",
                loan_id=loan_id,
                proceeds=proceeds,
                closes=closes,
                confirm_surplus=surplus_ok,
                expected=expected,
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
            if "confirm_surplus" in exc.errors:
                form.ask_surplus = True
        except StalePreview:
            return render_preview(recovery_preview(plan()), stale=True)
        else:
            flash(_("The recovery is recorded and shared out by the scheme's rule."), "success")
            return redirect(url_for("lending.loan_detail", loan_id=loan_id))
    return loan_page(loan_id, recovery_form=form, status=422)


@bp.route("/loans/<int:loan_id>/recoveries/<int:recovery_id>/reverse", methods=["POST"])
@roles_required(*BANKERS)
@once("loan.recovery_reversal")
def reverse_recovery(loan_id: int, recovery_id: int) -> ResponseReturnValue:
    """The lending bank reverses a mistaken recovery, with a reason."""
    lender_loan(loan_id)
    form = ReverseRecoveryForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("lending.loan_detail", loan_id=loan_id) + "#recoveries")
    session = get_session()

    def preview(stale: bool = False) -> ResponseReturnValue:
        row = recoveries_svc.reversible_recovery(session, actor=actor(), recovery_id=recovery_id)[0]
        plan = recoveries_svc.recovery_reversal_plan(
            session, recovery=row, day=business_date(session)
        )
        return render_preview(recovery_reversal_preview(plan, row), stale=stale)

    expected = sent_digest()
    try:
        if expected is None:
            return preview()
        recoveries_svc.reverse_recovery(
            session,
            actor=actor(),
            recovery_id=recovery_id,
            reason=form.reason.data or "",
            expected=expected,
        )
    except ValidationFailed as exc:
        flash_failure(exc)
    except StalePreview:
        return preview(stale=True)
    else:
        flash(_("The recovery is reversed; the original entry stays in the ledger."), "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan_id) + "#recoveries")
