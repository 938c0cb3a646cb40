"""Lending pages of loans: list, detail, disbursement, repayments, claims, recoveries and the
receivables of insurers, guarantors and valuers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, func, select

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.interest import DayCount, PrepayMode
from market.domain.kinds import DocumentKind, RepaymentKind
from market.domain.messages import N_
from market.domain.states import Enrolment, LoanStatus
from market.frame.db import get_session
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Loan, Offer
from market.models.pool import Claim, Receivable, SchemeVersion
from market.services import claim_decision, listings, servicing
from market.services import claims as claims_svc
from market.services import documents as documents_svc
from market.services import pool as pool_svc
from market.services import recoveries as recoveries_svc
from market.services import repayment as repayment_svc
from market.services import requests as request_svc
from market.services import subsidies as subsidies_svc
from market.services.claim_context import claim_deadline
from market.services.clock import business_date
from market.services.holiday_calendar import CalendarMissing
from market.services.payout_plan import PayoutPlan, plan_payout
from market.services.previews import StalePreview
from market.services.timeline import request_timeline
from market.text.labels import LABELS
from market.text.loan_labels import LOAN_RULE_LABELS
from market.text.reference import KIND_LABELS
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors
from market.views.lending import lists
from market.views.lending.blueprint import (
    BANKERS,
    RECEIVABLE_VIEWERS,
    VIEWERS,
    bp,
    flash_form_errors,
    is_banker,
    orgs_by_id,
    timeline_context,
)
from market.views.lending.forms import (
    ClaimForm,
    RecoveryForm,
    RepaymentForm,
)
from market.views.lending.loan_forms import DisburseForm, ReverseRecoveryForm
from market.views.lending.money_previews import (
    payout_preview,
)
from market.views.once import once
from market.views.paging import empty_page, paginate, with_choices
from market.views.preview import render_preview, sent_digest


@bp.route("/loans/")
@roles_required(*VIEWERS)
def loans() -> ResponseReturnValue:
    """The loans the user may see."""
    session = get_session()
    user = actor()
    query = listings.loans_query(user, borrower=listings.needs_borrower(request.args))
    if query is None:
        page = empty_page(lists.LOANS)
    else:
        banks = [] if is_banker(user) else request_svc.participating_banks(session)
        spec = with_choices(lists.LOANS, "bank", [(b.id, b.name) for b in banks])
        page = paginate(session, query, spec, tiebreak=col(Loan.id))
    rows = page.items
    return render_template(
        "lending/loans.html",
        rows=rows,
        page=page,
        orgs=orgs_by_id(session, [r.borrower_id for r in rows] + [r.bank_id for r in rows]),
        **LABELS,
    )


def loan_page(
    loan_id: int,
    *,
    repayment_form: RepaymentForm | None = None,
    recovery_form: RecoveryForm | None = None,
    disburse_form: DisburseForm | None = None,
    claim_form: ClaimForm | None = None,
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
    deadline_problem = ""
    if version is not None and position is not None and position.classification.is_npl:
        try:
            deadline = claim_deadline(
                session, pool_svc.scheme_of(version), npl_since=position.npl_since,
                loss_confirmed_on=None,
            )
        except CalendarMissing as exc:
            deadline_problem = exc.message
    lender = is_banker(user) and user.organisation_id == loan.bank_id
    can_claim = (
        lender
        and loan.status is LoanStatus.ACTIVE
        and loan.enrolment is Enrolment.ENROLLED
        and position is not None
        and position.classification.is_npl
    )
    events = request_timeline(session, actor=user, request=req, loan=loan)
    recoveries = claims_svc.recoveries_for_loan(session, loan.id)
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
        recoveries=recoveries,
        DocumentKind=DocumentKind,
        document_counts=documents_svc.counts_on_loan(
            session,
            claim_ids=[c.id for c in claims if c.id is not None],
            recovery_ids=[r.id for r in recoveries if r.id is not None],
        ),
        reversals=recoveries_svc.reversals_for_loan(session, loan.id),
        still_owed=recoveries_svc.still_owed(session, loan),
        subsidy_paid=subsidies_svc.paid_for_loan(session, loan.id),
        premium_years=subsidies_svc.premium_subsidies(session, loan),
        disburse_form=disburse_form or DisburseForm(formdata=None),
        reverse_form=ReverseRecoveryForm(formdata=None),
        deadline=deadline,
        deadline_problem=deadline_problem,
        scheme=pool_svc.scheme_of(version) if version is not None else None,
        lender=lender,
        can_claim=can_claim,
        repayment_form=repayment_form or RepaymentForm(formdata=None),
        recovery_form=recovery_form or RecoveryForm(formdata=None),
        claim_form=claim_form or ClaimForm(formdata=None),
        orgs=orgs_by_id(session, [loan.borrower_id, loan.bank_id]),
        partners=orgs_by_id(
            session, [int(v) for v in (version.partners.values() if version else []) if v]
        ),
        suspension=pool_svc.live_suspension(session, loan.bank_id) if lender else None,
        kind_labels=KIND_LABELS,
        **timeline_context(session, events),
        **LABELS,
        **LOAN_RULE_LABELS,
    ), status


@bp.route("/loans/<int:loan_id>")
@roles_required(*VIEWERS)
def loan_detail(loan_id: int) -> ResponseReturnValue:
    """One loan: terms, class, pledges, schedule, repayments, claims, recoveries, timeline."""
    return loan_page(loan_id)


def lender_loan(loan_id: int) -> Loan:
    """The loan, if the user works at the lending bank (404 / 403 otherwise)."""
    user = actor()
    loan = servicing.get_loan_for(get_session(), actor=user, loan_id=loan_id)
    servicing.require_lender(user, loan)
    return loan


@bp.route("/loans/<int:loan_id>/disburse", methods=["POST"])
@roles_required(*BANKERS)
@once("loan.disburse")
def disburse(loan_id: int) -> ResponseReturnValue:
    """The lending bank pays the loan out today, under the day count and penalty chosen."""
    lender_loan(loan_id)
    form = DisburseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return loan_page(loan_id, disburse_form=form, status=422)
    session = get_session()
    day_count = DayCount(form.day_count.data or DayCount.ACTUAL_360.value)
    markup = int(form.penalty_markup.data or 50) * 100

    def plan() -> PayoutPlan:
        return plan_payout(
            session, actor=actor(), loan_id=loan_id, day_count=day_count, penalty_markup_bp=markup
        )[1]

    expected = sent_digest()
    try:
        if expected is None:
            return render_preview(payout_preview(plan()))
        repayment_svc.disburse(
            session,
            actor=actor(),
            loan_id=loan_id,
            day_count=day_count,
            penalty_markup_bp=markup,
            expected=expected,
        )
    except StalePreview:
        session.rollback()
        return render_preview(payout_preview(plan()), stale=True)
    flash(_("The loan is paid out; its schedule starts today."), "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan_id))


@bp.route("/loans/<int:loan_id>/repayments", methods=["POST"])
@roles_required(*BANKERS)
@once("loan.repayment")
def record_repayment(loan_id: int) -> ResponseReturnValue:
    """The lending bank records money the borrower paid."""
    lender_loan(loan_id)
    form = RepaymentForm()
    if form.validate_on_submit():
        try:
            repayment_svc.record_repayment(
                get_session(),
                actor=actor(),
                loan_id=loan_id,
                amount=form.amount.data or 0,
                kind=RepaymentKind(form.kind.data),
                reference=form.reference.data or "",
                prepay_mode=PrepayMode(form.prepay_mode.data or PrepayMode.KEEP_TERM.value),
            )
        except ValidationFailed as exc:
            flash(_(exc.message), "error")
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            flash(_("The repayment is recorded."), "success")
            return redirect(url_for("lending.loan_detail", loan_id=loan_id))
    return loan_page(loan_id, repayment_form=form, status=422)


@bp.route("/loans/<int:loan_id>/claim", methods=["POST"])
@roles_required(*BANKERS)
@once("claim.file")
def file_claim(loan_id: int) -> ResponseReturnValue:
    """The lending bank claims compensation on a non-performing enrolled loan."""
    lender_loan(loan_id)
    form = ClaimForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return loan_page(loan_id, claim_form=form, status=422)
    try:
        claim_decision.file_claim(
            get_session(),
            actor=actor(),
            loan_id=loan_id,
            note=form.note.data or "",
            loss_confirmed_on=form.loss_confirmed_on.data,
        )
    except (ValidationFailed, Conflict) as exc:
        # Refused on the loan page itself, keeping the note the officer typed.
        get_session().rollback()
        flash(_(exc.message), "error")
        return loan_page(loan_id, claim_form=form, status=exc.status)
    flash(_("The claim is filed; the bureau will decide on it."), "success")
    return redirect(url_for("lending.loan_detail", loan_id=loan_id))


@bp.route("/receivables")
@roles_required(*RECEIVABLE_VIEWERS)
def receivables() -> ResponseReturnValue:
    """What the user's organisation owes on approved claims (everything, for supervisors)."""
    session = get_session()
    query = listings.receivables_query(actor())
    if query is None:
        raise PermissionDenied(N_("Only insurers, guarantors, valuers and the bureau see this."))
    page = paginate(session, query, lists.RECEIVABLES, tiebreak=col(Receivable.id))
    rows = page.items
    owed = query.with_only_columns(
        func.coalesce(func.sum(Receivable.amount - Receivable.settled), 0)
    ).order_by(None)
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
        orgs=orgs_by_id(session, [r.organisation_id for r in rows]),
        total=int(session.exec(owed).one()),
        page=page,
        **LABELS,
    )
