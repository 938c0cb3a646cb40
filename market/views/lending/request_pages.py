"""Lending pages of requests and offers: list, new request, detail, withdraw, propose, decline,
decide and accept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from market.domain.errors import NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import Role
from market.domain.messages import N_
from market.domain.states import OfferStatus, RequestStatus
from market.frame.db import get_session
from market.models.lending import FinancingRequest, Loan, Offer, RequestDecline
from market.models.orgs import User
from market.services import acceptance as acceptance_svc
from market.services import listings
from market.services import offers as offer_svc
from market.services import pool as pool_svc
from market.services import requests as request_svc
from market.services import valuations as valuation_svc
from market.services.clock import business_date
from market.services.timeline import request_timeline
from market.text.labels import LABELS
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS, REGIONS, SIZE_LABELS
from market.views.authz import actor, roles_required
from market.views.formtools import add_check_errors, apply_errors, opts
from market.views.lending import lists
from market.views.lending.blueprint import (
    BANKERS,
    LIVE_OFFER,
    VIEWERS,
    bp,
    flash_failure,
    flash_form_errors,
    is_banker,
    orgs_by_id,
    timeline_context,
    users_by_id,
)
from market.views.lending.forms import (
    DecisionForm,
    DeclineForm,
    OfferForm,
    RequestForm,
)
from market.views.once import once
from market.views.paging import empty_page, paginate


def _load_offer(session: Session, user: User, offer_id: int) -> Offer:
    """An offer of the user's bank (404 / 403), for checks before the form is read."""
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(N_("No such offer."))
    if not is_banker(user) or offer.bank_id != user.organisation_id:
        raise PermissionDenied(N_("This offer belongs to another bank."))
    return offer


@bp.route("/financing/")
@roles_required(*VIEWERS)
def requests() -> ResponseReturnValue:
    """The financing requests the user may see."""
    session = get_session()
    user = actor()
    query = listings.requests_query(user, borrower=listings.needs_borrower(request.args))
    page = paginate(session, query, lists.REQUESTS, tiebreak=col(FinancingRequest.id)) if (
        query is not None
    ) else empty_page(lists.REQUESTS)
    rows = page.items
    ids = [r.id for r in rows if r.id is not None]
    offers: list[Offer] = []
    if ids:
        query = select(Offer).where(col(Offer.request_id).in_(ids)).order_by(col(Offer.id))
        if is_banker(user):
            query = query.where(Offer.bank_id == user.organisation_id)
        offers = list(session.exec(query).all())
    today = business_date(session)
    waiting: dict[int, int] = {}  # SME: approved offers it can still accept
    own_offer: dict[int, Offer] = {}  # bank: its newest offer on each request
    for o in offers:
        own_offer[o.request_id] = o
        if o.status is OfferStatus.APPROVED and (o.expires_on is None or o.expires_on >= today):
            waiting[o.request_id] = waiting.get(o.request_id, 0) + 1
    declined: set[int] = set()
    if is_banker(user) and ids:
        query_declines = select(RequestDecline.request_id).where(
            col(RequestDecline.request_id).in_(ids),
            RequestDecline.bank_id == user.organisation_id,
        )
        declined = set(session.exec(query_declines).all())
    loans = {}
    if ids:
        loans = {
            loan.request_id: loan.id
            for loan in session.exec(select(Loan).where(col(Loan.request_id).in_(ids))).all()
        }
    return render_template(
        "lending/requests.html",
        rows=rows,
        page=page,
        orgs=orgs_by_id(session, [r.borrower_id for r in rows] + [r.bank_id for r in rows]),
        waiting=waiting,
        own_offer=own_offer,
        declined=declined,
        loans=loans,
        **LABELS,
    )


@bp.route("/financing/new", methods=["GET", "POST"])
@roles_required(Role.SME)
def new_request() -> ResponseReturnValue:
    """An SME asks for a pledge loan against some of its valued assets."""
    session = get_session()
    user = actor()
    eligible = request_svc.eligible_assets(session, actor=user)
    banks = request_svc.participating_banks(session)
    form = RequestForm()
    form.asset_ids.choices = opts((a.id, a.title) for a, _v in eligible)
    form.bank_id.choices = opts(
        [("", _("All participating banks"))] + [(b.id, b.name) for b in banks]
    )
    status = 200
    if form.validate_on_submit():
        try:
            row = request_svc.create_request(session, actor=user, data=form.to_input())
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
            status = 422
        else:
            flash(_("Your request is sent to the banks."), "success")
            return redirect(url_for("lending.request_detail", request_id=row.id))
    elif form.is_submitted():  # the service's checks too, so every field shows its error now
        checks = request_svc.request_errors(session, actor=user, data=form.to_input())
        add_check_errors(form, checks)
        status = 422
    elif request.args.get("asset", type=int):
        form.asset_ids.data = [request.args.get("asset", type=int)]
    chosen = set(form.asset_ids.data or [])
    total = sum(v.max_loan for a, v in eligible if a.id in chosen)
    return render_template(
        "lending/new_request.html",
        form=form,
        eligible=eligible,
        chosen=chosen,
        total_max_loan=total,
        kind_labels=KIND_LABELS,
    ), status


def _request_page(
    request_id: int, *, offer_form: OfferForm | None = None, status: int = 200
) -> ResponseReturnValue:
    """The request's page, for the SME, the banks it is addressed to and supervisors."""
    session = get_session()
    user = actor()
    req = request_svc.get_request_for(session, actor=user, request_id=request_id)
    collateral = request_svc.request_assets(session, request_id)
    offers = offer_svc.offers_for(session, actor=user, request=req)
    figures = {
        o.id: offer_svc.offer_figures(session, o, insured=req.wants_insurance) for o in offers
    }
    declines = request_svc.declines_for(session, request_id)
    banker = is_banker(user)
    if banker:
        declines = [d for d in declines if d.bank_id == user.organisation_id]
    loan = session.exec(select(Loan).where(Loan.request_id == request_id)).first()
    if loan is not None and banker and loan.bank_id != user.organisation_id:
        loan = None  # another bank won the request: its loan is none of this bank's business
    is_open = req.status is RequestStatus.OPEN
    declined = banker and bool(declines)
    live_offer = banker and any(o.status in LIVE_OFFER for o in offers)
    bank_values = {}
    if banker:
        for _ra, asset, _v in collateral:
            assert asset.id is not None
            own = valuation_svc.bank_values(
                session, asset_id=asset.id, bank_id=user.organisation_id
            )
            if own:
                bank_values[asset.id] = own[0]
    if offer_form is None:
        offer_form = OfferForm(
            formdata=None, data={"amount": req.amount, "term_months": req.term_months}
        )
    events = request_timeline(session, actor=user, request=req, loan=loan)
    people = users_by_id(
        session,
        [o.proposed_by_id for o in offers] + [o.approved_by_id for o in offers],
    )
    return render_template(
        "lending/request_detail.html",
        req=req,
        collateral=collateral,
        offers=offers,
        figures=figures,
        declines=declines,
        loan=loan,
        is_open=is_open,
        can_propose=user.role is Role.BANK_OFFICER and is_open and not declined and not live_offer,
        can_decline=banker and is_open and not declined,
        declined=declined,
        live_offer=live_offer,
        bank_values=bank_values,
        offer_form=offer_form,
        decline_form=DeclineForm(formdata=None),
        orgs=orgs_by_id(
            session,
            [req.borrower_id, req.bank_id]
            + [o.bank_id for o in offers]
            + [d.bank_id for d in declines],
        ),
        people=people,
        profile=request_svc.borrower_profile(session, req.borrower_id),
        size_labels=SIZE_LABELS,
        region_labels=dict(REGIONS),
        industry_labels=INDUSTRY_LABELS,
        suspension=pool_svc.live_suspension(session, user.organisation_id) if banker else None,
        kind_labels=KIND_LABELS,
        **timeline_context(session, events),
        **LABELS,
    ), status


@bp.route("/financing/<int:request_id>")
@roles_required(*VIEWERS)
def request_detail(request_id: int) -> ResponseReturnValue:
    """One request: collateral, offers side by side, declines, the forms of each party."""
    return _request_page(request_id)


@bp.route("/financing/<int:request_id>/withdraw", methods=["POST"])
@roles_required(Role.SME)
def withdraw_request(request_id: int) -> ResponseReturnValue:
    """The SME takes back an open request."""
    request_svc.withdraw_request(get_session(), actor=actor(), request_id=request_id)
    flash(_("The request is withdrawn; offers on it have lapsed."), "info")
    return redirect(url_for("lending.request_detail", request_id=request_id))


@bp.route("/financing/<int:request_id>/offers", methods=["POST"])
@roles_required(Role.BANK_OFFICER)
def propose_offer(request_id: int) -> ResponseReturnValue:
    """A bank officer proposes an offer (an approver must approve it)."""
    session = get_session()
    user = actor()
    req = request_svc.get_request_for(session, actor=user, request_id=request_id)
    form = OfferForm()
    if form.validate_on_submit():
        try:
            offer_svc.propose_offer(
                session, actor=user, request_id=request_id, data=form.to_input()
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(
                _("The offer is proposed. Another user of your bank must approve it "
                  "before the company sees it."),
                "success",
            )
            return redirect(url_for("lending.request_detail", request_id=request_id))
    elif form.is_submitted():  # the service's checks too, so every field shows its error now
        add_check_errors(form, offer_svc.offer_errors(form.to_input(), req.max_loan))
    return _request_page(request_id, offer_form=form, status=422)


@bp.route("/financing/<int:request_id>/decline", methods=["POST"])
@roles_required(*BANKERS)
def decline_request(request_id: int) -> ResponseReturnValue:
    """A bank declines a request with a reason."""
    session = get_session()
    user = actor()
    request_svc.get_request_for(session, actor=user, request_id=request_id)
    form = DeclineForm()
    back = redirect(url_for("lending.request_detail", request_id=request_id))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    try:
        request_svc.decline_request(
            session, actor=user, request_id=request_id, reason=form.reason.data or ""
        )
    except ValidationFailed as exc:
        flash_failure(exc)
    else:
        flash(_("Your bank has declined the request; the company reads your reason."), "info")
    return back


@bp.route("/offers/<int:offer_id>/decide", methods=["POST"])
@roles_required(Role.BANK_APPROVER)
def decide_offer(offer_id: int) -> ResponseReturnValue:
    """A bank approver approves an offer or sends it back with a reason."""
    session = get_session()
    user = actor()
    offer = _load_offer(session, user, offer_id)
    back = redirect(url_for("lending.request_detail", request_id=offer.request_id))
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    approve = form.decision.data == "approve"
    try:
        offer_svc.decide_offer(
            session, actor=user, offer_id=offer_id, approve=approve, reason=form.reason.data or ""
        )
    except ValidationFailed as exc:
        flash_failure(exc)
    else:
        if approve:
            flash(_("The offer is approved: the company can now see and accept it."), "success")
        else:
            flash(_("The offer is sent back to the officer."), "info")
    return back


@bp.route("/offers/<int:offer_id>/accept", methods=["POST"])
@roles_required(Role.SME)
@once("offer.accept")
def accept_offer(offer_id: int) -> ResponseReturnValue:
    """The SME accepts an approved offer: the loan is made and the assets pledged."""
    loan = acceptance_svc.accept_offer(get_session(), actor=actor(), offer_id=offer_id)
    flash(_("You accepted the offer. The assets are pledged; the bank will pay the loan out."),
          "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan.id))
