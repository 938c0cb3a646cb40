"""Generated papers a bank files, as PDF: the loan contract summary, the pledge registration
sheet, the repayment schedule and the valuation report. Each is shown to exactly those who may
see the page it summarises (the loan page, the valuation report)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask.typing import ResponseReturnValue
from sqlmodel import col, select

from market.frame.db import get_session
from market.frame.i18n import select_locale
from market.models.assets import IPAsset
from market.models.lending import FinancingRequest, Offer
from market.models.orgs import Organisation
from market.models.valuations import AssetValuation
from market.services import assets as asset_svc
from market.services import servicing
from market.services import valuations as valuation_svc
from market.services.clock import business_date
from market.text.labels import LABELS
from market.text.loan_labels import LOAN_RULE_LABELS
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS
from market.text.valuation_text import localise
from market.views.authz import actor, roles_required
from market.views.documents.blueprint import READERS, bp
from market.views.documents.pdf import pdf_response


def _loan_context(loan_id: int) -> dict[str, Any]:
    """Everything the loan papers show, for a reader of the loan page (403/404 otherwise)."""
    session = get_session()
    loan = servicing.get_loan_for(session, actor=actor(), loan_id=loan_id)
    assert loan.id is not None
    pledges = servicing.pledges(session, loan.id)
    asset_ids = [p.asset_id for p in pledges]
    valuation_ids = [p.valuation_id for p in pledges]
    assets = {a.id: a for a in session.exec(select(IPAsset).where(col(IPAsset.id).in_(asset_ids)))}
    valuations = {
        v.id: v
        for v in session.exec(
            select(AssetValuation).where(col(AssetValuation.id).in_(valuation_ids))
        )
    }
    orgs = {
        o.id: o
        for o in session.exec(
            select(Organisation).where(col(Organisation.id).in_([loan.borrower_id, loan.bank_id]))
        )
    }
    return {
        "loan": loan,
        "req": session.get(FinancingRequest, loan.request_id),
        "offer": session.get(Offer, loan.offer_id),
        "borrower": orgs[loan.borrower_id],
        "bank": orgs[loan.bank_id],
        "pledges": pledges,
        "assets": assets,
        "valuations": valuations,
        "rows": servicing.instalments(session, loan.id),
        "today": business_date(session),
        "kind_labels": KIND_LABELS,
        **LABELS,
        **LOAN_RULE_LABELS,
    }


@bp.route("/loans/<int:loan_id>/contract.pdf")
@roles_required(*READERS)
def loan_contract(loan_id: int) -> ResponseReturnValue:
    """The loan contract summary: parties, terms, collateral, enrolment."""
    context = _loan_context(loan_id)
    return pdf_response("papers/contract.html", f"loan-{loan_id}-contract.pdf", **context)


@bp.route("/loans/<int:loan_id>/pledges.pdf")
@roles_required(*READERS)
def pledge_sheet(loan_id: int) -> ResponseReturnValue:
    """The pledge registration sheet: pledgor, pledgee, each pledged right and the debt."""
    context = _loan_context(loan_id)
    return pdf_response("papers/pledges.html", f"loan-{loan_id}-pledges.pdf", **context)


@bp.route("/loans/<int:loan_id>/schedule.pdf")
@roles_required(*READERS)
def repayment_schedule(loan_id: int) -> ResponseReturnValue:
    """The repayment schedule with what has been paid."""
    context = _loan_context(loan_id)
    rows = context["rows"]
    totals = {
        name: sum(getattr(r, name) for r in rows)
        for name in ("principal_due", "interest_due", "principal_paid", "interest_paid")
    }
    return pdf_response(
        "papers/schedule.html", f"loan-{loan_id}-schedule.pdf", totals=totals, **context
    )


@bp.route("/assets/<int:asset_id>/valuation.pdf")
@roles_required(*READERS)
def valuation_report(asset_id: int) -> ResponseReturnValue:
    """The valuation report (the latest, or ?v=<id>), for a reader of the report page."""
    session = get_session()
    asset = asset_svc.get_asset_for(session, actor=actor(), asset_id=asset_id)
    rows = valuation_svc.history(session, asset_id)
    wanted = request.args.get("v", type=int)
    chosen = rows[0] if rows and wanted is None else next((r for r in rows if r.id == wanted), None)
    if chosen is None:
        abort(404)
    return pdf_response(
        "papers/valuation.html",
        f"asset-{asset_id}-valuation-{chosen.id}.pdf",
        asset=asset,
        owner=session.get(Organisation, asset.owner_id),
        v=chosen,
        r=localise(chosen.result, select_locale()),
        today=business_date(session),
        kind_labels=KIND_LABELS,
        industry_labels=INDUSTRY_LABELS,
    )


