"""SME pages for IP assets: list, add, see, edit, withdraw."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, select

from market.domain.errors import Conflict, ValidationFailed
from market.domain.kinds import AssetKind, Role
from market.frame.db import get_session
from market.frame.i18n import select_locale
from market.models.assets import IPAsset
from market.models.lending import Loan
from market.models.orgs import Organisation, User
from market.services import assets as svc
from market.services import company_profile, listings
from market.services import valuations as valuation_svc
from market.text.asset_facts import FACTS_BY_KIND
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS, STATUS_LABELS
from market.text.valuation_text import localise
from market.views.assets import lists
from market.views.assets.forms import BankValueForm, form_class, form_data
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors
from market.views.paging import empty_page, paginate

bp = Blueprint("assets", __name__, url_prefix="/assets")
VIEWERS = (Role.SME, Role.BUREAU, Role.ADMIN)
BANKERS = (Role.BANK_OFFICER, Role.BANK_APPROVER)
# Banks open an asset only when it is collateral in a request addressed to them (the service
# checks that; others get 403).
REPORT_VIEWERS = (*VIEWERS, *BANKERS)


def _labels() -> dict[str, object]:
    return {
        "kind_labels": KIND_LABELS,
        "industry_labels": INDUSTRY_LABELS,
        "status_labels": STATUS_LABELS,
    }


def _kind(value: str) -> AssetKind:
    try:
        return AssetKind(value)
    except ValueError:
        abort(404)


@bp.route("/")
@roles_required(*VIEWERS)
def index() -> ResponseReturnValue:
    """The assets the user may see."""
    show_withdrawn = request.args.get("withdrawn") == "1"
    session = get_session()
    user = actor()
    query = listings.assets_query(user, include_withdrawn=show_withdrawn)
    if query is None:
        page = empty_page(lists.ASSETS)
    else:
        page = paginate(session, query, lists.ASSETS, tiebreak=col(IPAsset.id))
    if show_withdrawn:
        page.args["withdrawn"] = "1"
    items = page.items
    owners = {}
    if user.role is not Role.SME:
        ids = {a.owner_id for a in items}
        found = session.exec(select(Organisation).where(col(Organisation.id).in_(ids))).all()
        owners = {o.id: o for o in found}
    values = valuation_svc.latest_for_assets(session, [a.id for a in items if a.id])
    return render_template(
        "assets/index.html",
        assets=items,
        page=page,
        owners=owners,
        values=values,
        show_withdrawn=show_withdrawn,
        **_labels(),
    )


@bp.route("/new")
@roles_required(Role.SME)
def choose_kind() -> ResponseReturnValue:
    """Pick which kind of asset to add."""
    return render_template("assets/choose_kind.html", kinds=list(AssetKind), **_labels())


@bp.route("/new/<kind>", methods=["GET", "POST"])
@roles_required(Role.SME)
def create(kind: str) -> ResponseReturnValue:
    """Add an asset of one kind."""
    asset_kind = _kind(kind)
    form = form_class(asset_kind)()
    if form.validate_on_submit():
        try:
            asset = svc.create_asset(get_session(), actor=actor(), data=form.to_input())
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("%(title)s is listed.", title=asset.title), "success")
            return redirect(url_for("assets.detail", asset_id=asset.id))
    return render_template("assets/form.html", form=form, kind=asset_kind, asset=None, **_labels())


@bp.route("/<int:asset_id>")
@roles_required(*REPORT_VIEWERS)
def detail(asset_id: int) -> ResponseReturnValue:
    """One asset and its facts."""
    asset = svc.get_asset_for(get_session(), actor=actor(), asset_id=asset_id)
    owner = get_session().get(Organisation, asset.owner_id)
    latest = valuation_svc.latest(get_session(), asset_id)
    pledge = svc.active_pledge(get_session(), asset_id)
    loan = get_session().get(Loan, pledge.loan_id) if pledge else None
    return render_template(
        "assets/detail.html",
        asset=asset,
        owner=owner,
        pledge=pledge,
        pledge_loan=loan,
        pledge_bank=get_session().get(Organisation, loan.bank_id) if loan else None,
        valuation=latest,
        stale_tax=company_profile.tax_change(latest, owner),
        loan_note=localise(latest.result, select_locale())["loan_note"] if latest else None,
        specs=FACTS_BY_KIND[asset.kind],
        **_labels(),
    )


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@roles_required(Role.SME)
def edit(asset_id: int) -> ResponseReturnValue:
    """Edit an asset's facts."""
    asset = svc.get_asset_for(get_session(), actor=actor(), asset_id=asset_id, write=True)
    cls = form_class(asset.kind)
    form = cls() if request.method == "POST" else cls(data=form_data(asset))
    if form.validate_on_submit():
        try:
            version = int(form.row_version.data or 0)
            svc.update_asset(
                get_session(),
                actor=actor(),
                asset_id=asset_id,
                data=form.to_input(),
                row_version=version,
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        except Conflict as exc:
            # Refused (pledged, withdrawn, changed meanwhile): stay on the form, keep the input.
            flash(_(exc.message), "error")
            return render_template(
                "assets/form.html", form=form, kind=asset.kind, asset=asset, **_labels()
            ), 409
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("assets.detail", asset_id=asset_id))
    return render_template("assets/form.html", form=form, kind=asset.kind, asset=asset, **_labels())


@bp.route("/<int:asset_id>/withdraw", methods=["POST"])
@roles_required(Role.SME)
def withdraw(asset_id: int) -> ResponseReturnValue:
    """Withdraw a listing."""
    asset = svc.withdraw_asset(get_session(), actor=actor(), asset_id=asset_id)
    flash(_("%(title)s is withdrawn.", title=asset.title), "info")
    return redirect(url_for("assets.index"))


def _report_page(
    asset_id: int, *, bank_form: BankValueForm | None = None, status: int = 200
) -> ResponseReturnValue:
    """The valuation report, with the banks' own values beside the model's."""
    session = get_session()
    user = actor()
    asset = svc.get_asset_for(session, actor=user, asset_id=asset_id)
    rows = valuation_svc.history(session, asset_id)
    chosen = rows[0] if rows else None
    wanted = request.args.get("v", type=int)
    if wanted is not None:
        chosen = next((r for r in rows if r.id == wanted), None)
        if chosen is None:
            abort(404)
    owner = session.get(Organisation, asset.owner_id)
    banker = user.role in BANKERS
    # A bank sees its own values; the owner and supervisors see every bank's.
    adjusted = valuation_svc.bank_values(
        session, asset_id=asset_id, bank_id=user.organisation_id if banker else None
    )
    bank_ids = {b.bank_id for b in adjusted}
    banks = {
        o.id: o
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(bank_ids)))
    } if bank_ids else {}
    people_ids = {b.created_by_id for b in adjusted}
    people = {
        u.id: u for u in session.exec(select(User).where(col(User.id).in_(people_ids)))
    } if people_ids else {}
    return render_template(
        "assets/valuation.html", asset=asset, owner=owner, v=chosen,
        stale_tax=company_profile.tax_change(chosen, owner),
        r=localise(chosen.result, select_locale()) if chosen else None, history=rows,
        bank_values=adjusted, banks=banks, people=people,
        recorded_on=valuation_svc.bank_value_days(session, adjusted),
        model_values={row.id: row for row in rows},
        bank_form=(bank_form or BankValueForm(formdata=None)) if banker and rows else None,
        **_labels(),
    ), status


@bp.route("/<int:asset_id>/valuation")
@roles_required(*REPORT_VIEWERS)
def valuation_report(asset_id: int) -> ResponseReturnValue:
    """The full valuation report (printable): score, reasons, value range, loan terms."""
    return _report_page(asset_id)


@bp.route("/<int:asset_id>/bank-value", methods=["POST"])
@roles_required(*BANKERS)
def bank_value(asset_id: int) -> ResponseReturnValue:
    """A bank records its own adjusted value of the asset, with a written reason."""
    session = get_session()
    svc.get_asset_for(session, actor=actor(), asset_id=asset_id)
    form = BankValueForm()
    if form.validate_on_submit():
        try:
            valuation_svc.record_bank_value(
                session,
                actor=actor(),
                asset_id=asset_id,
                adjusted_value=form.adjusted_value.data or 0,
                reason=form.reason.data or "",
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("Your bank's value is recorded beside the model's."), "success")
            return redirect(url_for("assets.valuation_report", asset_id=asset_id))
    return _report_page(asset_id, bank_form=form, status=422)


@bp.route("/<int:asset_id>/revalue", methods=["POST"])
@roles_required(Role.SME)
def revalue(asset_id: int) -> ResponseReturnValue:
    """Value the asset again as of today's business date."""
    valuation_svc.revalue(get_session(), actor=actor(), asset_id=asset_id)
    flash(_("The asset is valued again."), "success")
    return redirect(url_for("assets.valuation_report", asset_id=asset_id))
