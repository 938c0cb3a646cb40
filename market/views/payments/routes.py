"""Payment pages: the quote, the card page (Stripe.js Elements, or the simulation), the return
from Stripe, refunds, Stripe's webhook, the bureau's fee table and monthly report."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, select

from market.domain.errors import DomainError, ValidationFailed
from market.domain.kinds import Role
from market.domain.payments import (
    PAYMENT_STATUS_LABELS,
    PURPOSE_LABELS,
    PaymentPurpose,
    loan_year_of_key,
)
from market.frame.db import get_session
from market.frame.extensions import csrf
from market.models.lending import Loan
from market.models.payments import Payment
from market.services import payment_fees, payment_reports, payment_webhooks, payments
from market.services.clock import business_date
from market.services.payment_dues import dues
from market.services.payment_gateway import Gateway, GatewayError, gateway_from_config
from market.views.authz import actor, roles_required, signed_in
from market.views.formtools import apply_errors
from market.views.payments.forms import FeeForm, RefundForm, RetryForm, SimulateForm, StartForm

bp = Blueprint("payments", __name__, url_prefix="/payments")
INVALID = 422
LIST_LIMIT = 200


def gateway() -> Gateway:
    """The configured provider (Stripe, or the simulation without keys)."""
    return gateway_from_config(current_app.config)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"purpose_labels": PURPOSE_LABELS, "payment_status_labels": PAYMENT_STATUS_LABELS,
            "loan_year_of": loan_year_of_key}


def _purpose(value: str) -> PaymentPurpose:
    try:
        return PaymentPurpose(value)
    except ValueError:
        abort(404)


@bp.route("/")
@roles_required(Role.SME, Role.BANK_OFFICER, Role.BANK_APPROVER, Role.BUREAU, Role.ADMIN)
def index() -> ResponseReturnValue:
    """Payments the user may see, newest first; an SME also sees what it can pay."""
    session = get_session()
    user = actor()
    query = select(Payment).order_by(col(Payment.id).desc()).limit(LIST_LIMIT)
    if user.role in (Role.BANK_OFFICER, Role.BANK_APPROVER):
        query = query.join(Loan, col(Loan.id) == Payment.loan_id).where(
            Loan.bank_id == user.organisation_id
        )
    elif user.role not in (Role.BUREAU, Role.ADMIN):
        query = query.where(Payment.company_id == user.organisation_id)
    rows = list(session.exec(query).all())
    owed = dues(session, company_id=user.organisation_id) if user.role is Role.SME else []
    return render_template(
        "payments/index.html", payments=rows, dues=owed, simulated=gateway().simulated
    )


@bp.route("/new/<purpose>/<int:subject_id>", methods=["GET", "POST"])
@bp.route("/new/<purpose>/<int:subject_id>/year/<int:loan_year>", methods=["GET", "POST"])
@roles_required(Role.SME)
def start(purpose: str, subject_id: int, loan_year: int = 1) -> ResponseReturnValue:
    """The quote (fee, subsidy, what the company pays), then the payment record."""
    session = get_session()
    what = _purpose(purpose)
    subject = payment_fees.subject_for(session, what, subject_id, loan_year)
    if subject.company_id != actor().organisation_id:
        abort(403)
    form = StartForm()
    if form.validate_on_submit():
        try:
            payment = payments.start_payment(
                session, actor=actor(), gateway=gateway(), purpose=what, subject_id=subject_id,
                loan_year=loan_year,
            )
        except GatewayError as exc:
            flash(_(exc.message), "error")
            held = payments.live_payment(session, what, subject.key)
            if held is None:
                return redirect(url_for("payments.index"))
            return redirect(url_for("payments.detail", payment_id=held.id))
        return redirect(url_for("payments.detail", payment_id=payment.id))
    offer = payment_fees.quote(session, subject)
    held = payments.live_payment(session, what, subject.key)
    return render_template(
        "payments/quote.html", purpose=what, quote=offer, form=form, held=held,
        loan_year=subject.loan_year,
        cap=payment_fees.current_fees(session).yearly_cap, year=business_date(session).year,
        simulated=gateway().simulated,
    )


@bp.route("/<int:payment_id>")
@signed_in
def detail(payment_id: int) -> ResponseReturnValue:
    """The payment page: the card form (or the simulation), status, refunds."""
    session = get_session()
    payment = payments.get_payment(session, actor=actor(), payment_id=payment_id)
    provider = gateway()
    secret = None
    payer = actor().organisation_id == payment.company_id
    if payer and not payment.simulated and payment.status.value == "pending":
        try:
            secret = payments.client_secret(payment, provider)
        except GatewayError as exc:
            flash(_(exc.message), "error")
    return render_template(
        "payments/detail.html",
        payment=payment,
        payer=payer,
        client_secret=secret,
        publishable_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY", ""),
        stripe_js_url=current_app.config.get("STRIPE_JS_URL", ""),
        retry_form=RetryForm(),
        simulate_form=SimulateForm(),
        refund_form=RefundForm(),
        may_refund=actor().role in payments.REFUNDERS,
    )


@bp.route("/<int:payment_id>/return")
@signed_in
def returned(payment_id: int) -> ResponseReturnValue:
    """Back from Stripe.js: retrieve the PaymentIntent and reconcile the record."""
    session = get_session()
    payment = payments.get_payment(session, actor=actor(), payment_id=payment_id)
    try:
        payments.reconcile(session, payment=payment, gateway=gateway())
    except GatewayError as exc:
        flash(_(exc.message), "error")
        return redirect(url_for("payments.detail", payment_id=payment_id))
    _flash_outcome(payment)
    return redirect(url_for("payments.detail", payment_id=payment_id))


def _flash_outcome(payment: Payment) -> None:
    if payment.status.value == "succeeded":
        flash(_("Payment received. Thank you."), "success")
    elif payment.status.value == "failed":
        flash(_("The payment did not go through: %(error)s You can try again.",
                error=_(payment.last_error) if payment.last_error else ""), "error")


@bp.route("/<int:payment_id>/retry", methods=["POST"])
@roles_required(Role.SME)
def retry(payment_id: int) -> ResponseReturnValue:
    """Make a failed payment payable again."""
    session = get_session()
    payment = payments.get_payment(session, actor=actor(), payment_id=payment_id)
    if RetryForm().validate_on_submit():
        try:
            payments.retry(session, actor=actor(), payment=payment, gateway=gateway())
        except GatewayError as exc:
            flash(_(exc.message), "error")
    return redirect(url_for("payments.detail", payment_id=payment_id))


@bp.route("/<int:payment_id>/simulate", methods=["POST"])
@roles_required(Role.SME)
def simulate(payment_id: int) -> ResponseReturnValue:
    """Simulated mode: settle the payment as paid or declined."""
    session = get_session()
    payment = payments.get_payment(session, actor=actor(), payment_id=payment_id)
    form = SimulateForm()
    if form.validate_on_submit():
        payments.settle_simulated(
            session, actor=actor(), payment=payment, succeed=form.outcome.data != "decline"
        )
        _flash_outcome(payment)
    return redirect(url_for("payments.detail", payment_id=payment_id))


@bp.route("/<int:payment_id>/refund", methods=["POST"])
@roles_required(*payments.REFUNDERS)
def refund(payment_id: int) -> ResponseReturnValue:
    """Refund a paid payment in full."""
    session = get_session()
    payment = payments.get_payment(session, actor=actor(), payment_id=payment_id)
    form = RefundForm()
    if not form.validate_on_submit():
        flash(_("Say why the payment is refunded."), "error")
        return redirect(url_for("payments.detail", payment_id=payment_id))
    try:
        payments.refund(session, actor=actor(), payment=payment, reason=form.reason.data,
                        gateway=gateway())
    except GatewayError as exc:
        flash(_(exc.message), "error")
    else:
        flash(_("The payment was refunded."), "success")
    return redirect(url_for("payments.detail", payment_id=payment_id))


@bp.route("/webhook", methods=["POST"])
@csrf.exempt  # type: ignore[untyped-decorator]
def webhook() -> ResponseReturnValue:
    """Stripe's events: signature checked, each event applied once."""
    try:
        event = payment_webhooks.verify(
            request.get_data(),
            request.headers.get("Stripe-Signature"),
            current_app.config.get("STRIPE_WEBHOOK_SECRET", ""),
        )
    except payment_webhooks.WebhookRejected as exc:
        return {"error": exc.message}, 400
    try:
        outcome = payment_webhooks.process(get_session(), event)
    except DomainError as exc:
        return {"error": exc.message}, 409  # Stripe retries later
    return {"result": outcome}, 200


@bp.route("/fees", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def fees() -> ResponseReturnValue:
    """The fee table (the bureau edits it; the administrator reads it)."""
    session = get_session()
    current = payment_fees.current_fees(session)
    form = FeeForm(data=payment_fees.fee_values(current))
    status = 200
    if request.method == "POST" and actor().role is not Role.BUREAU:
        abort(403)
    if request.method == "POST":
        if form.validate_on_submit():
            values = {name: getattr(form, name).data for name in payment_fees.FEE_FIELDS}
            try:
                payment_fees.edit_fees(session, actor=actor(), values=values)
            except ValidationFailed as exc:
                for message in apply_errors(form, exc.errors):
                    flash(message, "error")
                status = INVALID
            else:
                flash(_("The fee table was saved."), "success")
                return redirect(url_for("payments.fees"))
        else:
            status = INVALID
    return render_template("payments/fees.html", form=form, fees=current,
                           editable=actor().role is Role.BUREAU), status


@bp.route("/report")
@roles_required(Role.BUREAU, Role.ADMIN)
def report() -> ResponseReturnValue:
    """Payments and subsidies by month; `?format=csv` downloads every paid payment."""
    session = get_session()
    if request.args.get("format") == "csv":
        lines = payment_reports.csv_lines(session)
        return Response(
            stream_with_context(lines),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=payments.csv"},
        )
    return render_template("payments/report.html", rows=payment_reports.by_month(session))
