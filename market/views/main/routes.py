"""Landing page, dashboards by role, language switch, the company profile."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from market.domain.kinds import AssetKind, OrgKind, Role
from market.domain.states import AssetStatus
from market.frame import i18n
from market.frame.db import get_session
from market.models.assets import IPAsset
from market.models.orgs import Organisation
from market.services import accounts, company_profile
from market.services.clock import business_date
from market.text.reference import KIND_LABELS, ORG_KIND_LABELS
from market.views.auth.routes import _safe_next
from market.views.authz import actor, roles_required, signed_in
from market.views.lending.overview import dashboard_data
from market.views.main.forms import HighTechForm
from market.views.once import once

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    """The public landing page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("index.html")


@bp.route("/dashboard")
@signed_in
def dashboard() -> ResponseReturnValue:
    """What the signed-in user should look at first."""
    session = get_session()
    user = actor()
    live = IPAsset.status == AssetStatus.ACTIVE
    counts: dict[AssetKind, int] = {}
    query = select(IPAsset.kind, func.count()).where(live).group_by(IPAsset.kind)
    if user.role is Role.SME:
        query = query.where(IPAsset.owner_id == user.organisation_id)
    if user.role in (Role.SME, Role.BUREAU, Role.ADMIN):
        counts = {AssetKind(k): int(n) for k, n in session.exec(query).all()}
    org_counts: dict[OrgKind, int] = {}
    if user.role in (Role.BUREAU, Role.ADMIN):
        rows = session.exec(select(Organisation.kind, func.count()).group_by(Organisation.kind))
        org_counts = {OrgKind(k): int(n) for k, n in rows.all()}
    return render_template(
        "dashboard.html",
        asset_counts=counts,
        total_assets=sum(counts.values()),
        org_counts=org_counts,
        kind_labels=KIND_LABELS,
        org_kind_labels=ORG_KIND_LABELS,
        today=business_date(session),
        **dashboard_data(session, user),
    )


@bp.route("/language", methods=["POST"])
def set_language() -> ResponseReturnValue:
    """Switch the site's language (remembered in a cookie and on the account)."""
    code = request.form.get("lang", "")
    target = _safe_next(request.form.get("next"))
    response = make_response(redirect(target))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            i18n.LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        if current_user.is_authenticated:
            accounts.set_locale(
                get_session(), actor=actor(), locale=code, available=current_app.config["LANGUAGES"]
            )
    return response


@bp.route("/company")
@bp.route("/company/<int:org_id>")
@roles_required(Role.SME, Role.ADMIN)
def company(org_id: int | None = None) -> ResponseReturnValue:
    """The company profile: the high-tech flag and the valuations it makes out of date."""
    session = get_session()
    user = actor()
    if org_id is None and user.role is Role.ADMIN:
        return redirect(url_for("admin.organisations"))  # the administrator picks a company
    wanted = org_id if org_id is not None else user.organisation_id
    org = company_profile.get_company_for(session, actor=user, organisation_id=wanted)
    return render_template(
        "company.html",
        org=org,
        form=HighTechForm(formdata=None, data={"high_tech": org.high_tech}),
        stale=company_profile.out_of_date_assets(session, org),
    )


@bp.route("/company/<int:org_id>/high-tech", methods=["POST"])
@roles_required(Role.SME, Role.ADMIN)
@once("company.high_tech")
def company_high_tech(org_id: int) -> ResponseReturnValue:
    """Change the high-tech flag (audited; the same value again changes nothing)."""
    form = HighTechForm()
    if not form.validate_on_submit():
        abort(400)
    changed = company_profile.set_high_tech(
        get_session(), actor=actor(), organisation_id=org_id, high_tech=bool(form.high_tech.data)
    )
    flash(_("Saved. Valuations made under the other tax rate are out of date: value them again.")
          if changed else _("Nothing changed."), "success")
    return redirect(url_for("main.company", org_id=org_id))


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness probe: the database answers."""
    get_session().exec(select(1)).one()
    return {"status": "ok"}
