"""Comparing schemes side by side and the scheme designer; both run as forecast jobs."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import Session
from wtforms.fields.choices import SelectChoice

from market.domain.errors import ValidationFailed
from market.domain.jobs import JobKind
from market.domain.messages import N_
from market.frame.db import get_session
from market.services import forecasts
from market.services.clock import business_date
from market.services.scheme_design import DesignGoal
from market.views.authz import actor, roles_required
from market.views.desk.blueprint import DESK, INVALID, bp
from market.views.desk.forecast_pages import dispatch, flash_errors
from market.views.desk.forms import CompareForm, DesignForm
from market.views.formtools import opts
from riskpool import Scheme, list_presets

IN_FORCE = "in-force"


def _choices() -> list[SelectChoice]:
    return opts([(IN_FORCE, _("The scheme in force")), *[(p, p) for p in list_presets()]])


def _entry(session: Session, key: str) -> dict[str, Any]:
    if key == IN_FORCE:
        return forecasts.scheme_in_force_entry(session, business_date(session))
    return forecasts.scheme_entry(key, Scheme.preset(key), None)


@bp.route("/compare", methods=["GET", "POST"])
@roles_required(*DESK)
def compare() -> ResponseReturnValue:
    """Two or more schemes on the live portfolio with common random numbers."""
    form = CompareForm()
    form.schemes.choices = _choices()
    if form.validate_on_submit():
        session = get_session()
        try:
            entries = [_entry(session, key) for key in form.schemes.data or []]
            if (form.draft.data or "").strip():
                try:
                    document = json.loads(form.draft.data)
                except ValueError as exc:
                    raise ValidationFailed(
                        N_("The draft is not valid JSON."), errors={"draft": str(exc)}
                    ) from exc
                scheme = forecasts.check_scheme(document)
                label = (form.draft_label.data or "").strip() or _("Draft")
                entries.append(forecasts.scheme_entry(label, scheme, None))
            if len(entries) < 2:
                raise ValidationFailed(N_("Choose at least two schemes (or one and a draft)."))
            job = forecasts.request_job(
                session,
                actor=actor(),
                kind=JobKind.COMPARE,
                params=form.params(),
                schemes=entries,
                seed=form.seed_value(),
            )
        except ValidationFailed as exc:
            flash_errors(
                form, {"draft" if k == "document" else k: v for k, v in exc.errors.items()}
            )
            flash(_(exc.message), "error")
        else:
            dispatch(job)
            return redirect(url_for("desk.forecast_detail", job_id=job.id))
        return render_template("desk/compare.html", form=form), INVALID
    if not form.is_submitted():
        form.schemes.data = [IN_FORCE]
    status = INVALID if form.is_submitted() else 200
    return render_template("desk/compare.html", form=form), status


@bp.route("/design", methods=["GET", "POST"])
@roles_required(*DESK)
def design() -> ResponseReturnValue:
    """The largest leverage, smallest pool or largest pool share under a run-dry target."""
    form = DesignForm()
    form.base.choices = _choices()
    if not form.is_submitted():
        form.lo.data, form.hi.data, form.step.data = 1, 30, 1
    if form.validate_on_submit():
        session = get_session()
        goal = DesignGoal(
            what=form.what.data,
            target_bp=int((form.target.data or 0) * 100),
            within_years=form.within_years.data or 1,
            lo=int((form.lo.data or 0) * 100),
            hi=int((form.hi.data or 0) * 100),
            step=int((form.step.data or 0) * 100),
        )
        params = form.params()
        try:
            errors = goal.errors(10)
            if errors:
                raise ValidationFailed(N_("The search was not started."), errors=errors)
            job = forecasts.request_job(
                session,
                actor=actor(),
                kind=JobKind.DESIGN,
                params=params,
                schemes=[_entry(session, form.base.data)],
                seed=form.seed_value(),
                extra={"design": goal.to_dict()},
            )
        except ValidationFailed as exc:
            flash_errors(form, exc.errors)
            flash(_(exc.message), "error")
        else:
            dispatch(job)
            return redirect(url_for("desk.forecast_detail", job_id=job.id))
        return render_template("desk/design.html", form=form), INVALID
    status = INVALID if form.is_submitted() else 200
    return render_template("desk/design.html", form=form), status
