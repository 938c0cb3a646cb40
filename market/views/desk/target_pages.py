"""The plans' targets: achieved against target with a projection, and the bureau's edits."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.domain.errors import ValidationFailed
from market.domain.jobs import TargetMetric
from market.frame.db import get_session
from market.models.forecasts import PlanTarget
from market.services import targets
from market.services.clock import business_date
from market.text.desk_labels import METRIC_LABELS
from market.views.authz import actor, roles_required
from market.views.desk.blueprint import DESK, INVALID, bp
from market.views.desk.forecast_pages import flash_errors
from market.views.desk.forms import TargetForm


def _render(edit: dict[int, TargetForm] | None = None, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    today = business_date(session)
    progress = targets.achievements(session, today)
    forms = edit or {}
    for item in progress:
        target = item.target
        assert target.id is not None
        if target.id not in forms:
            forms[target.id] = TargetForm(
                formdata=None,
                amount=target.target_value,
                multiple=Decimal(target.target_value) / 100,
                growth=Decimal(target.growth_bp) / 100,
                year=target.year,
                source=target.source,
                note=target.note,
                row_version=str(target.row_version),
            )
    return (
        render_template(
            "desk/targets.html",
            progress=progress,
            forms=forms,
            metric_labels=METRIC_LABELS,
            metrics=TargetMetric,
            today=today,
        ),
        status,
    )


@bp.route("/targets")
@roles_required(*DESK)
def target_list() -> ResponseReturnValue:
    """Every target: goal, achieved, projection to the year's end."""
    return _render()


@bp.route("/targets/<int:target_id>", methods=["POST"])
@roles_required(*DESK)
def target_edit(target_id: int) -> ResponseReturnValue:
    """Change a target's value, year or source (audited)."""
    session = get_session()
    target = session.get(PlanTarget, target_id)
    if target is None:
        abort(404)
    form = TargetForm()
    if form.validate_on_submit():
        if target.metric is TargetMetric.FINANCING_AMOUNT:
            value = form.amount.data or 0
        elif target.metric is TargetMetric.POOL_LEVERAGE:
            value = int((form.multiple.data or 0) * 100)
        else:
            value = 0
        try:
            targets.update_target(
                session,
                actor=actor(),
                target_id=target_id,
                data=targets.TargetInput(
                    target_value=value,
                    growth_bp=int((form.growth.data or 0) * 100),
                    year=form.year.data or 0,
                    source=form.source.data or "",
                    note=form.note.data or "",
                    row_version=int(form.row_version.data),
                ),
            )
        except ValidationFailed as exc:
            flash_errors(form, exc.errors)
            flash(_(exc.message), "error")
        else:
            flash(_("The target is saved."), "success")
            return redirect(url_for("desk.target_list"))
    return _render({target_id: form}, INVALID)
