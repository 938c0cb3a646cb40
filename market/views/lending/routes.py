"""Lending pages: financing requests, offers, loans and what insurers and valuers owe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlmodel import Session, col, select

from market.domain.errors import NotFound, PermissionDenied, ValidationFailed
from market.domain.kinds import DisposalKind, RepaymentKind, Role
from market.domain.messages import N_
from market.domain.states import Enrolment, LoanStatus, OfferStatus, RequestStatus
from market.frame.db import get_session
from market.models.assets import IPAsset
from market.models.audit import AuditEvent
from market.models.lending import FinancingRequest, Loan, Offer, RequestDecline
from market.models.orgs import Organisation, User
from market.models.pool import Claim, SchemeVersion
from market.models.servicing import Instalment
from market.services import acceptance as acceptance_svc
from market.services import claims as claims_svc
from market.services import offers as offer_svc
from market.services import pool as pool_svc
from market.services import requests as request_svc
from market.services import servicing
from market.services import valuations as valuation_svc
from market.services.clock import business_date
from market.services.timeline import request_timeline
from market.text.labels import LABELS
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS, REGIONS, SIZE_LABELS
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors, opts
from market.views.lending.forms import (
    ClaimForm,
    DecisionForm,
    DeclineForm,
    OfferForm,
    RecoveryForm,
    RepaymentForm,
    RequestForm,
)

bp = Blueprint("lending", __name__)

BANKERS = (Role.BANK_OFFICER, Role.BANK_APPROVER)
VIEWERS = (Role.SME, *BANKERS, Role.BUREAU, Role.ADMIN)
RECEIVABLE_VIEWERS = (Role.INSURER, Role.GUARANTOR, Role.VALUER, Role.BUREAU, Role.ADMIN)
LIVE_OFFER = (OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED)


@bp.app_template_filter("rate_bp")
def rate_bp(value: int | None) -> str:
    """435 basis points -> '4.35%' (exact: no float)."""
    if value is None:
        return "—"
    whole, frac = divmod(int(value), 100)
    return f"{whole}.{frac:02d}%"


@bp.app_template_filter("tr")
def translate_text(value: object) -> str:
    """A stored English message in the page's language (safe with '%' in the text)."""
    return str(_(str(value))) if value else ""


# --- small helpers ---------------------------------------------------------------------------


def _orgs(session: Session, ids: Iterable[int | None]) -> dict[int, Organisation]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(wanted))).all()
    return {o.id: o for o in rows if o.id is not None}


def _users(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {u.id: u for u in rows if u.id is not None}


def _flash_form_errors(form: FlaskForm) -> None:
    """Flash each field error of a form that is shown on another page."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def _flash_failure(exc: ValidationFailed) -> None:
    """A service's refusal of a form shown on another page (its message says what to fix)."""
    flash(_(exc.message), "error")


def _is_banker(user: User) -> bool:
    return user.role in BANKERS


def _outstanding(session: Session, loan_ids: list[int]) -> dict[int, int]:
    """Outstanding principal of each loan, from its schedule (one query)."""
    if not loan_ids:
        return {}
    query = (
        select(
            Instalment.loan_id,
            func.sum(Instalment.principal_due - Instalment.principal_paid),
        )
        .where(col(Instalment.loan_id).in_(loan_ids))
        .group_by(col(Instalment.loan_id))
    )
    return {int(i): int(v or 0) for i, v in session.exec(query).all()}


def _timeline_context(session: Session, events: list[AuditEvent]) -> dict[str, Any]:
    users = _users(session, (e.actor_id for e in events))
    return {
        "timeline_events": events,
        "timeline_users": users,
        "timeline_orgs": _orgs(session, (u.organisation_id for u in users.values())),
    }


def _load_offer(session: Session, user: User, offer_id: int) -> Offer:
    """An offer of the user's bank (404 / 403), for checks before the form is read."""
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(N_("No such offer."))
    if not _is_banker(user) or offer.bank_id != user.organisation_id:
        raise PermissionDenied(N_("This offer belongs to another bank."))
    return offer


# --- requests --------------------------------------------------------------------------------


@bp.route("/financing/")
@roles_required(*VIEWERS)
def requests() -> ResponseReturnValue:
    """The financing requests the user may see."""
    session = get_session()
    user = actor()
    rows = request_svc.list_requests_for(session, actor=user)
    ids = [r.id for r in rows if r.id is not None]
    offers: list[Offer] = []
    if ids:
        query = select(Offer).where(col(Offer.request_id).in_(ids)).order_by(col(Offer.id))
        if _is_banker(user):
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
    if _is_banker(user) and ids:
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
        orgs=_orgs(session, [r.borrower_id for r in rows] + [r.bank_id for r in rows]),
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
    elif form.is_submitted():
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
    banker = _is_banker(user)
    if banker:
        declines = [d for d in declines if d.bank_id == user.organisation_id]
    loan = session.exec(select(Loan).where(Loan.request_id == request_id)).first()
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
    people = _users(
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
        orgs=_orgs(
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
        **_timeline_context(session, events),
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
    request_svc.get_request_for(session, actor=user, request_id=request_id)
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
        _flash_form_errors(form)
        return back
    try:
        request_svc.decline_request(
            session, actor=user, request_id=request_id, reason=form.reason.data or ""
        )
    except ValidationFailed as exc:
        _flash_failure(exc)
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
        _flash_form_errors(form)
        return back
    approve = form.decision.data == "approve"
    try:
        offer_svc.decide_offer(
            session, actor=user, offer_id=offer_id, approve=approve, reason=form.reason.data or ""
        )
    except ValidationFailed as exc:
        _flash_failure(exc)
    else:
        if approve:
            flash(_("The offer is approved: the company can now see and accept it."), "success")
        else:
            flash(_("The offer is sent back to the officer."), "info")
    return back


@bp.route("/offers/<int:offer_id>/accept", methods=["POST"])
@roles_required(Role.SME)
def accept_offer(offer_id: int) -> ResponseReturnValue:
    """The SME accepts an approved offer: the loan is made and the assets pledged."""
    loan = acceptance_svc.accept_offer(get_session(), actor=actor(), offer_id=offer_id)
    flash(_("You accepted the offer. The assets are pledged; the bank will pay the loan out."),
          "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan.id))


# --- loans -----------------------------------------------------------------------------------


@bp.route("/loans/")
@roles_required(*VIEWERS)
def loans() -> ResponseReturnValue:
    """The loans the user may see."""
    session = get_session()
    rows = servicing.list_loans_for(session, actor=actor())
    return render_template(
        "lending/loans.html",
        rows=rows,
        orgs=_orgs(session, [r.borrower_id for r in rows] + [r.bank_id for r in rows]),
        outstanding=_outstanding(session, [r.id for r in rows if r.id is not None]),
        **LABELS,
    )


def _loan_page(
    loan_id: int,
    *,
    repayment_form: RepaymentForm | None = None,
    recovery_form: RecoveryForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The loan's page for the borrower, the lending bank and supervisors."""
    session = get_session()
    user = actor()
    loan = servicing.get_loan_for(session, actor=user, loan_id=loan_id)
    assert loan.id is not None
    req = session.get(FinancingRequest, loan.request_id)
    offer = session.get(Offer, loan.offer_id)
    assert req is not None and offer is not None
    rows = servicing.instalments(session, loan.id)
    live = loan.status in (LoanStatus.ACTIVE, LoanStatus.IN_CLAIM)
    position = servicing.loan_position(session, loan) if rows else None
    version = (
        session.get(SchemeVersion, loan.scheme_version_id) if loan.scheme_version_id else None
    )
    pledges = servicing.pledges(session, loan.id)
    assets = {
        a.id: a
        for a in session.exec(
            select(IPAsset).where(col(IPAsset.id).in_([p.asset_id for p in pledges]))
        ).all()
    }
    claims = claims_svc.claims_for_loan(session, loan.id)
    deadline = None
    if version is not None and position is not None and position.classification.is_npl:
        deadline = claims_svc.claim_deadline(loan, version, position.npl_since)
    lender = _is_banker(user) and user.organisation_id == loan.bank_id
    can_claim = (
        lender
        and loan.status is LoanStatus.ACTIVE
        and loan.enrolment is Enrolment.ENROLLED
        and position is not None
        and position.classification.is_npl
    )
    events = request_timeline(session, actor=user, request=req, loan=loan)
    return render_template(
        "lending/loan_detail.html",
        loan=loan,
        req=req,
        offer=offer,
        rows=rows,
        live=live,
        position=position,
        today=business_date(session),
        version=version,
        pledges=pledges,
        assets=assets,
        repayments=servicing.repayments(session, loan.id),
        claims=claims,
        recoveries=claims_svc.recoveries_for_loan(session, loan.id),
        deadline=deadline,
        lender=lender,
        can_claim=can_claim,
        repayment_form=repayment_form or RepaymentForm(formdata=None),
        recovery_form=recovery_form or RecoveryForm(formdata=None),
        claim_form=ClaimForm(formdata=None),
        orgs=_orgs(session, [loan.borrower_id, loan.bank_id]),
        suspension=pool_svc.live_suspension(session, loan.bank_id) if lender else None,
        kind_labels=KIND_LABELS,
        **_timeline_context(session, events),
        **LABELS,
    ), status


@bp.route("/loans/<int:loan_id>")
@roles_required(*VIEWERS)
def loan_detail(loan_id: int) -> ResponseReturnValue:
    """One loan: terms, class, pledges, schedule, repayments, claims, recoveries, timeline."""
    return _loan_page(loan_id)


def _lender_loan(loan_id: int) -> Loan:
    """The loan, if the user works at the lending bank (404 / 403 otherwise)."""
    user = actor()
    loan = servicing.get_loan_for(get_session(), actor=user, loan_id=loan_id)
    servicing.require_lender(user, loan)
    return loan


@bp.route("/loans/<int:loan_id>/disburse", methods=["POST"])
@roles_required(*BANKERS)
def disburse(loan_id: int) -> ResponseReturnValue:
    """The lending bank pays the loan out today."""
    servicing.disburse(get_session(), actor=actor(), loan_id=loan_id)
    flash(_("The loan is paid out; its schedule starts today."), "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan_id))


@bp.route("/loans/<int:loan_id>/repayments", methods=["POST"])
@roles_required(*BANKERS)
def record_repayment(loan_id: int) -> ResponseReturnValue:
    """The lending bank records money the borrower paid."""
    _lender_loan(loan_id)
    form = RepaymentForm()
    if form.validate_on_submit():
        try:
            servicing.record_repayment(
                get_session(),
                actor=actor(),
                loan_id=loan_id,
                amount=form.amount.data or 0,
                kind=RepaymentKind(form.kind.data),
                reference=form.reference.data or "",
            )
        except ValidationFailed as exc:
            flash(_(exc.message), "error")
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("The repayment is recorded."), "success")
            return redirect(url_for("lending.loan_detail", loan_id=loan_id))
    return _loan_page(loan_id, repayment_form=form, status=422)


@bp.route("/loans/<int:loan_id>/claim", methods=["POST"])
@roles_required(*BANKERS)
def file_claim(loan_id: int) -> ResponseReturnValue:
    """The lending bank claims compensation on a non-performing enrolled loan."""
    _lender_loan(loan_id)
    form = ClaimForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        try:
            claims_svc.file_claim(
                get_session(), actor=actor(), loan_id=loan_id, note=form.note.data or ""
            )
        except ValidationFailed as exc:
            _flash_failure(exc)
        else:
            flash(_("The claim is filed; the bureau will decide on it."), "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan_id))


@bp.route("/loans/<int:loan_id>/recoveries", methods=["POST"])
@roles_required(*BANKERS)
def record_recovery(loan_id: int) -> ResponseReturnValue:
    """The lending bank records proceeds from disposing of the pledged IP."""
    _lender_loan(loan_id)
    form = RecoveryForm()
    if form.validate_on_submit():
        try:
            claims_svc.record_recovery(
                get_session(),
                actor=actor(),
                loan_id=loan_id,
                disposal=DisposalKind(form.disposal.data),
                proceeds=form.proceeds.data or 0,
                counterparty=form.counterparty.data or "",
                closes=bool(form.closes.data),
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("The recovery is recorded and shared out by the scheme's rule."), "success")
            return redirect(url_for("lending.loan_detail", loan_id=loan_id))
    return _loan_page(loan_id, recovery_form=form, status=422)


# --- receivables -----------------------------------------------------------------------------


@bp.route("/receivables")
@roles_required(*RECEIVABLE_VIEWERS)
def receivables() -> ResponseReturnValue:
    """What the user's organisation owes on approved claims (everything, for supervisors)."""
    session = get_session()
    rows = claims_svc.receivables_for(session, actor=actor())
    claim_rows = {}
    if rows:
        ids = {r.claim_id for r in rows}
        claim_rows = {
            c.id: c for c in session.exec(select(Claim).where(col(Claim.id).in_(ids))).all()
        }
    return render_template(
        "lending/receivables.html",
        rows=rows,
        claims=claim_rows,
        orgs=_orgs(session, [r.organisation_id for r in rows]),
        total=sum(r.amount - r.settled for r in rows),
        **LABELS,
    )
