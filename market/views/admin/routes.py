"""Administrator pages: organisations, users, the business date, the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import CompanySize, OrgKind, Role
from market.domain.schedule import CLASSIFICATION_SOURCE
from market.frame.db import get_session, transaction
from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User
from market.services import accounts, holiday_calendar, servicing
from market.services.clock import business_date
from market.services.dayend_preview import move_after_preview, plan_day_end
from market.services.previews import StalePreview
from market.text.labels import ACTION_LABELS
from market.text.reference import ORG_KIND_LABELS, REGIONS, ROLE_LABELS
from market.views.admin import lists
from market.views.admin.clock_preview import day_end_preview
from market.views.admin.forms import (
    BusinessDateForm,
    HolidayYearForm,
    OrganisationForm,
    ThresholdsForm,
    UserForm,
)
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors, opts
from market.views.paging import paginate
from market.views.preview import render_preview, sent_digest

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/organisations", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def organisations() -> ResponseReturnValue:
    """All organisations, and a form to add one."""
    session = get_session()
    form = OrganisationForm()
    if form.validate_on_submit():
        data = accounts.OrganisationInput(
            kind=OrgKind(form.kind.data),
            name=form.name.data,
            uscc=form.uscc.data,
            industry=form.industry.data or None,
            size=CompanySize(form.size.data) if form.size.data else None,
            region=form.region.data or "",
            high_tech=bool(form.high_tech.data),
            contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "",
            contact_email=form.contact_email.data or "",
        )
        try:
            org = accounts.create_organisation(session, actor=actor(), data=data)
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("%(name)s is created.", name=org.name), "success")
            return redirect(url_for("admin.organisations"))
    page = paginate(session, select(Organisation), lists.ORGANISATIONS,
                    tiebreak=col(Organisation.id))
    return render_template(
        "admin/organisations.html",
        orgs=page.items,
        page=page,
        form=form,
        org_kind_labels=ORG_KIND_LABELS,
        region_labels=dict(REGIONS),
    )


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """All users, and a form to add one."""
    session = get_session()
    orgs = session.exec(select(Organisation).order_by(Organisation.name)).all()
    form = UserForm()
    form.organisation_id.choices = opts((o.id, o.name) for o in orgs)
    if form.validate_on_submit():
        data = accounts.UserInput(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            role=Role(form.role.data),
        )
        try:
            user = accounts.create_user(
                session, actor=actor(), organisation_id=form.organisation_id.data, data=data
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("%(email)s can now sign in.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    page = paginate(session, select(User), lists.USERS, tiebreak=col(User.id))
    org_names = {o.id: o.name for o in orgs}
    return render_template(
        "admin/users.html",
        users=page.items,
        page=page,
        form=form,
        org_names=org_names,
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(user_id: int) -> ResponseReturnValue:
    """Enable or disable a user."""
    active = request.form.get("active") == "1"
    user = accounts.set_user_active(get_session(), actor=actor(), user_id=user_id, active=active)
    flash(
        _("%(email)s is enabled.", email=user.email)
        if active
        else _("%(email)s is disabled.", email=user.email),
        "info",
    )
    return redirect(url_for("admin.users"))


def _render_clock(
    *,
    form: BusinessDateForm | None = None,
    thresholds_form: ThresholdsForm | None = None,
    thresholds_errors: list[str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    current = servicing.thresholds(session)
    if thresholds_form is None:
        names = ("special_mention", "substandard", "doubtful", "loss")
        thresholds_form = ThresholdsForm(formdata=None, data=dict(zip(names, current, strict=True)))
    return render_template(
        "admin/clock.html",
        form=form or BusinessDateForm(formdata=None),
        today=business_date(session),
        thresholds=current,
        thresholds_form=thresholds_form,
        thresholds_errors=thresholds_errors or [],
        classification_source=CLASSIFICATION_SOURCE,
    ), status


@bp.route("/clock", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def clock() -> ResponseReturnValue:
    """See and move the business date (after a preview of what the day-end will change);
    see the classification thresholds."""
    session = get_session()
    form = BusinessDateForm()
    if form.validate_on_submit():
        expected = sent_digest()
        try:
            if expected is None:
                return render_preview(day_end_preview(plan_day_end(session, day=form.day.data)))
            with transaction(session):
                move_after_preview(session, actor=actor(), day=form.day.data, expected=expected)
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
        except StalePreview:
            plan = plan_day_end(session, day=form.day.data)
            return render_preview(day_end_preview(plan), stale=True)
        else:
            flash(_("The business date is now %(day)s.", day=form.day.data.isoformat()), "success")
            return redirect(url_for("admin.clock"))
    return _render_clock(form=form)


@bp.route("/thresholds", methods=["POST"])
@roles_required(Role.ADMIN)
def thresholds() -> ResponseReturnValue:
    """Change the days past due that classify loans, and reclassify every live loan."""
    form = ThresholdsForm()
    leftovers: list[str] = []
    if form.validate_on_submit():
        try:
            values = servicing.set_thresholds(get_session(), actor=actor(), text=form.as_text())
        except ValidationFailed as exc:
            leftovers = apply_errors(form, exc.errors)
        else:
            flash(
                _(
                    "Loans are now classified after more than %(days)s days past due; every "
                    "live loan is reclassified.",
                    days="/".join(map(str, values)),
                ),
                "success",
            )
            return redirect(url_for("admin.clock"))
    return _render_clock(thresholds_form=form, thresholds_errors=leftovers, status=422)


@bp.route("/holidays", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def holidays() -> ResponseReturnValue:
    """The working-day calendar by year; the administrator enters a year from its notice."""
    session = get_session()
    form = HolidayYearForm()
    status = 200
    if form.validate_on_submit():
        try:
            saved = holiday_calendar.save_year(
                session, actor=actor(), year=form.year.data, holidays_text=form.holidays.data,
                makeup_text=form.makeup_workdays.data or "", source=form.source.data,
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
            status = 422
        else:
            flash(_("The calendar of %(year)s is saved.", year=form.year.data) if saved
                  else _("Nothing changed."), "success")
            return redirect(url_for("admin.holidays"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "admin/holidays.html", form=form, years=holiday_calendar.calendars(session)
    ), status


@bp.route("/audit")
@roles_required(Role.ADMIN, Role.BUREAU)
def audit_log() -> ResponseReturnValue:
    """The audit log, newest first, filterable by action prefix and object."""
    session = get_session()
    action = (request.args.get("action") or "").strip()[:64]
    query = select(AuditEvent)
    if action:
        query = query.where(col(AuditEvent.action).startswith(action))
    page = paginate(session, query, lists.AUDIT, tiebreak=col(AuditEvent.id))
    if action:
        page.args["action"] = action
    actor_ids = {e.actor_id for e in page.items if e.actor_id}
    actors = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(actor_ids)))}
    return render_template(
        "admin/audit.html",
        events=page.items,
        actors=actors,
        page=page,
        action=action,
        action_labels=ACTION_LABELS,
    )
