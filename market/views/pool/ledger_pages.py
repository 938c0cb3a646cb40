"""The bureau's pool pages of money: balance and overview, contributions, suspensions, the ledger
(with CSV export) and reversals."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import Session, col, func, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import Role
from market.domain.states import ClaimStatus
from market.frame.db import get_session
from market.models.orgs import Organisation
from market.models.pool import BankSuspension, Claim
from market.services import pool as pool_svc
from market.services.clock import business_date
from market.services.previews import StalePreview
from market.views.authz import actor, roles_required
from market.views.csvexport import csv_response
from market.views.formtools import apply_errors
from market.views.once import once
from market.views.pool import figures, ledger_list
from market.views.pool.blueprint import (
    INVALID,
    LATEST_LINES,
    READERS,
    bp,
    flash_leftovers,
    is_bureau,
)
from market.views.pool.forms import (
    ContributionForm,
    LiftForm,
    ReverseForm,
    unique_ids,
)
from market.views.pool.pool_previews import contribution_preview, ledger_reversal_preview
from market.views.preview import render_preview, sent_digest


def _render_index(
    *,
    contribution: ContributionForm | None = None,
    lift_forms: dict[int, LiftForm] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    today = business_date(session)
    balance = pool_svc.pool_balance(session, today)
    version = pool_svc.scheme_in_force(session, today)
    scheme = pool_svc.scheme_of(version) if version is not None else None
    book = figures.npl_book(session, today=today, scheme=scheme)
    leverage = figures.leverage_used(scheme, balance, book.live_principal)
    waiting_count, waiting_loss = session.exec(
        select(func.count(), func.coalesce(func.sum(Claim.loss), 0)).where(
            Claim.status == ClaimStatus.FILED
        )
    ).one()
    waiting = session.exec(
        select(Claim).where(Claim.status == ClaimStatus.FILED).order_by(col(Claim.id)).limit(5)
    ).all()
    live = [s for s in book.suspensions if s.lifted_on is None]
    forms = dict(lift_forms or {})
    for suspension in live:
        assert suspension.id is not None
        forms.setdefault(suspension.id, LiftForm(formdata=None))
        unique_ids(forms[suspension.id], suspension.id)
    banks = {r.bank.id: r.bank for r in book.banks}
    return render_template(
        "pool/index.html",
        today=today,
        balance=balance,
        version=version,
        scheme=scheme,
        leverage=leverage,
        book=book,
        alerts=figures.alerts(version=version, balance=balance, leverage=leverage, book=book),
        waiting=waiting,
        waiting_count=int(waiting_count),
        waiting_loss=int(waiting_loss),
        suspensions=live,
        lift_forms=forms,
        banks=banks,
        lines=pool_svc.ledger(session, limit=LATEST_LINES),
        contribution=contribution or ContributionForm(formdata=None),
        can_act=is_bureau(),
    ), status


@bp.route("/")
@roles_required(*READERS)
def index() -> ResponseReturnValue:
    """The pool: balance, scheme in force, leverage, claims, NPL by bank, alerts, ledger."""
    return _render_index()


@bp.route("/contributions", methods=["POST"])
@roles_required(Role.BUREAU)
@once("pool.contribution")
def contribute() -> ResponseReturnValue:
    """Record government money paid into the pool."""
    form = ContributionForm()
    if form.validate_on_submit():
        session = get_session()
        amount, memo, expected = form.amount.data or 0, form.memo.data or "", sent_digest()
        try:
            if expected is None:
                plan = pool_svc.contribution_plan(session, amount=amount, memo=memo)
                return render_preview(contribution_preview(plan))
            pool_svc.contribute(
                session, actor=actor(), amount=amount, memo=memo, expected=expected
            )
        except ValidationFailed as exc:
            flash_leftovers(apply_errors(form, exc.errors))
        except StalePreview:
            plan = pool_svc.contribution_plan(session, amount=amount, memo=memo)
            return render_preview(contribution_preview(plan), stale=True)
        else:
            flash(_("The contribution is recorded."), "success")
            return redirect(url_for("pool.index"))
    return _render_index(contribution=form, status=INVALID)


@bp.route("/suspensions/<int:suspension_id>/lift", methods=["POST"])
@roles_required(Role.BUREAU)
def lift_suspension(suspension_id: int) -> ResponseReturnValue:
    """Let a suspended bank enrol new loans again."""
    session = get_session()
    if session.get(BankSuspension, suspension_id) is None:
        abort(404)
    form = LiftForm()
    if form.validate_on_submit():
        try:
            row = pool_svc.lift_suspension(
                session, actor=actor(), suspension_id=suspension_id, reason=form.reason.data
            )
        except ValidationFailed as exc:
            flash_leftovers(apply_errors(form, exc.errors))
        else:
            bank = session.get(Organisation, row.bank_id)
            flash(
                _("%(bank)s may enrol new loans again.", bank=bank.name if bank else row.bank_id),
                "success",
            )
            return redirect(url_for("pool.index"))
    return _render_index(lift_forms={suspension_id: form}, status=INVALID)


def _ledger_csv(session: Session, today: date) -> Response:
    """The whole ledger as CSV, streamed (constant memory whatever its length), BOM first."""
    return csv_response(ledger_list.ledger_csv_rows(session), ledger_list.csv_filename(today))


def _render_ledger(
    *, reverse_forms: dict[str, ReverseForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    page = ledger_list.ledger_page(session, request.args)
    txns = page.items
    forms = dict(reverse_forms or {})
    if is_bureau():
        for n, txn in enumerate(txns):
            if txn.reversible:
                forms.setdefault(txn.txn, ReverseForm(formdata=None))
                unique_ids(forms[txn.txn], n)
    return render_template(
        "pool/ledger.html",
        txns=txns,
        page=page,
        forms=forms,
        balance=pool_svc.pool_balance(session),
        balanced=pool_svc.ledger_is_balanced(session),
        totals=figures.account_totals(session),
        today=business_date(session),
    ), status


@bp.route("/ledger")
@roles_required(*READERS)
def ledger() -> ResponseReturnValue:
    """The whole ledger by transaction, newest first, with the running pool balance."""
    if request.args.get("format") == "csv":
        session = get_session()
        return _ledger_csv(session, business_date(session))
    return _render_ledger()


@bp.route("/ledger/<txn>/reverse", methods=["POST"])
@roles_required(Role.BUREAU)
@once("pool.reversal")
def reverse(txn: str) -> ResponseReturnValue:
    """Correct a posting with a new transaction that mirrors it."""
    form = ReverseForm()
    if form.validate_on_submit():
        session = get_session()
        expected = sent_digest()
        try:
            if expected is None:
                plan = pool_svc.reversal_plan(session, txn=txn, day=business_date(session))
                return render_preview(ledger_reversal_preview(plan))
            pool_svc.reverse(
                session, actor=actor(), txn=txn, reason=form.reason.data, expected=expected
            )
        except ValidationFailed as exc:
            flash_leftovers(apply_errors(form, exc.errors))
        except StalePreview:
            plan = pool_svc.reversal_plan(session, txn=txn, day=business_date(session))
            return render_preview(ledger_reversal_preview(plan), stale=True)
        else:
            flash(_("The posting is reversed by a new transaction."), "success")
            return redirect(url_for("pool.ledger"))
    return _render_ledger(reverse_forms={txn: form}, status=INVALID)
