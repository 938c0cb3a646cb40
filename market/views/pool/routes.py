"""The bureau's pool pages."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import (
    Blueprint,
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
from sqlmodel import col, select

from market.domain.errors import ValidationFailed
from market.domain.kinds import LedgerAccount, Role
from market.domain.money import format_fen
from market.domain.states import ClaimStatus
from market.frame.db import get_session
from market.models.lending import Loan
from market.models.orgs import Organisation, User
from market.models.pool import BankSuspension, Claim, Receivable, Recovery, SchemeVersion
from market.services import claims as claim_svc
from market.services import pool as pool_svc
from market.services.clock import business_date
from market.text.pool_labels import (
    ACCOUNT_LABELS,
    CLAIM_STATUS_LABELS,
    CLASSIFICATION_LABELS,
    RECOVERY_RULE_LABELS,
    party_label,
)
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors, opts
from market.views.pool import figures
from market.views.pool.forms import (
    PARTNER_PARTIES,
    ContributionForm,
    DecideForm,
    LiftForm,
    ReverseForm,
    SchemeForm,
    unique_ids,
)
from riskpool import Scheme, SchemeError, list_presets
from riskpool.presets import preset_data

bp = Blueprint("pool", __name__, url_prefix="/pool")
READERS = (Role.BUREAU, Role.ADMIN)
LATEST_LINES = 8
INVALID = 422  # a form sent back with its errors
CSV_FORMULA_START = ("=", "+", "-", "@")


def pct(bp: int | None) -> str:
    """Basis points as a percentage: 5400 -> '54%', 250 -> '2.5%'."""
    if bp is None:
        return "—"
    return f"{bp / 100:g}%"


def loan_url(loan_id: int) -> str:
    """The loan's page on the lending side."""
    return url_for("lending.loan_detail", loan_id=loan_id)


def is_bureau() -> bool:
    """True if the signed-in user runs the pool (the administrator only looks)."""
    return actor().role is Role.BUREAU


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """Formatting helpers and labels for the pool's templates."""
    return {
        "pct": pct,
        "loan_url": loan_url,
        "party_label": party_label,
        "account_labels": ACCOUNT_LABELS,
        "claim_status_labels": CLAIM_STATUS_LABELS,
        "accounts": LedgerAccount,
    }


def _flash_leftovers(messages: list[str]) -> None:
    for message in messages:
        flash(message, "error")


# --- the pool's page -------------------------------------------------------------------------


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
    leverage = figures.leverage_used(session, scheme, balance)
    book = figures.npl_book(session, today=today, scheme=scheme)
    waiting = claim_svc.list_claims(session, status=ClaimStatus.FILED)
    live = [s for s in pool_svc.suspensions(session) if s.lifted_on is None]
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
        waiting_loss=sum(c.loss for c in waiting),
        suspensions=live,
        lift_forms=forms,
        banks=banks,
        totals=figures.account_totals(session),
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
def contribute() -> ResponseReturnValue:
    """Record government money paid into the pool."""
    form = ContributionForm()
    if form.validate_on_submit():
        try:
            pool_svc.contribute(
                get_session(),
                actor=actor(),
                amount=form.amount.data or 0,
                memo=form.memo.data or "",
            )
        except ValidationFailed as exc:
            _flash_leftovers(apply_errors(form, exc.errors))
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
            _flash_leftovers(apply_errors(form, exc.errors))
        else:
            bank = session.get(Organisation, row.bank_id)
            flash(
                _("%(bank)s may enrol new loans again.", bank=bank.name if bank else row.bank_id),
                "success",
            )
            return redirect(url_for("pool.index"))
    return _render_index(lift_forms={suspension_id: form}, status=INVALID)


# --- the ledger ------------------------------------------------------------------------------


def _ledger_csv(txns: list[figures.LedgerTxn], today: date) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "txn",
            "posted_on",
            "account",
            "debit_cny",
            "credit_cny",
            "memo",
            "loan_id",
            "claim_id",
            "recovery_id",
            "reverses_txn",
            "pool_cash_after_cny",
        ]
    )

    def cny(fen: int) -> str:
        sign = "-" if fen < 0 else ""
        yuan, cents = divmod(abs(fen), 100)
        return f"{sign}{yuan}.{cents:02d}"

    def text(value: str) -> str:
        # A spreadsheet must not take a memo for a formula.
        return f"'{value}" if value.startswith(CSV_FORMULA_START) else value

    for txn in txns:
        for line in txn.lines:
            writer.writerow(
                [
                    txn.txn,
                    txn.posted_on.isoformat(),
                    line.account.value,
                    cny(line.debit),
                    cny(line.credit),
                    text(line.memo),
                    line.loan_id or "",
                    line.claim_id or "",
                    line.recovery_id or "",
                    line.reverses_txn or "",
                    cny(txn.balance_after),
                ]
            )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pool-ledger-{today}.csv"'},
    )


def _render_ledger(
    *, reverse_forms: dict[str, ReverseForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    txns = figures.ledger_txns(session)
    forms = dict(reverse_forms or {})
    if is_bureau():
        for n, txn in enumerate(txns):
            if txn.reversible:
                forms.setdefault(txn.txn, ReverseForm(formdata=None))
                unique_ids(forms[txn.txn], n)
    return render_template(
        "pool/ledger.html",
        txns=list(reversed(txns)),
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
        return _ledger_csv(figures.ledger_txns(session), business_date(session))
    return _render_ledger()


@bp.route("/ledger/<txn>/reverse", methods=["POST"])
@roles_required(Role.BUREAU)
def reverse(txn: str) -> ResponseReturnValue:
    """Correct a posting with a new transaction that mirrors it."""
    form = ReverseForm()
    if form.validate_on_submit():
        try:
            pool_svc.reverse(get_session(), actor=actor(), txn=txn, reason=form.reason.data)
        except ValidationFailed as exc:
            _flash_leftovers(apply_errors(form, exc.errors))
        else:
            flash(_("The posting is reversed by a new transaction."), "success")
            return redirect(url_for("pool.ledger"))
    return _render_ledger(reverse_forms={txn: form}, status=INVALID)


# --- claims ----------------------------------------------------------------------------------


@dataclass
class ClaimRow:
    claim: Claim
    bank: Organisation | None
    loan: Loan | None
    filed_by: User | None
    decided_by: User | None
    receivables: dict[str, Receivable] = field(default_factory=dict)
    partners: dict[int, Organisation] = field(default_factory=dict)
    recoveries: list[Recovery] = field(default_factory=list)

    @property
    def recovered(self) -> int:
        return sum(r.proceeds for r in self.recoveries)

    @property
    def recovered_to_pool(self) -> int:
        return sum(int(r.distribution.get("pool", 0)) for r in self.recoveries)


def _claim_rows(listed: list[Claim]) -> list[ClaimRow]:
    session = get_session()
    rows = []
    for claim in listed:
        assert claim.id is not None
        receivables = session.exec(select(Receivable).where(Receivable.claim_id == claim.id))
        owed = {r.party: r for r in receivables.all()}
        partners = {}
        for receivable in owed.values():
            if receivable.organisation_id is not None:
                org = session.get(Organisation, receivable.organisation_id)
                if org is not None:
                    partners[receivable.organisation_id] = org
        rows.append(
            ClaimRow(
                claim=claim,
                bank=session.get(Organisation, claim.bank_id),
                loan=session.get(Loan, claim.loan_id),
                filed_by=session.get(User, claim.filed_by_id),
                decided_by=session.get(User, claim.decided_by_id) if claim.decided_by_id else None,
                receivables=owed,
                partners=partners,
                recoveries=[
                    r
                    for r in claim_svc.recoveries_for_loan(session, claim.loan_id)
                    if r.claim_id == claim.id
                ],
            )
        )
    return rows


def _status_filter() -> ClaimStatus | None:
    value = request.args.get("status", "")
    try:
        return ClaimStatus(value) if value else None
    except ValueError:
        return None


def _render_claims(
    *, decide_forms: dict[int, DecideForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    session = get_session()
    wanted = _status_filter()
    listed = claim_svc.list_claims(session, status=wanted)
    forms = dict(decide_forms or {})
    if decide_forms:
        # A decision sent back with errors: make sure its claim is on the page.
        shown = {c.id for c in listed}
        for claim_id in decide_forms:
            if claim_id not in shown:
                extra = session.get(Claim, claim_id)
                if extra is not None:
                    listed.insert(0, extra)
    if is_bureau():
        for claim in listed:
            if claim.status is ClaimStatus.FILED:
                assert claim.id is not None
                forms.setdefault(claim.id, DecideForm(formdata=None))
                unique_ids(forms[claim.id], claim.id)
    counts = {s: len(claim_svc.list_claims(session, status=s)) for s in ClaimStatus}
    return render_template(
        "pool/claims.html",
        rows=_claim_rows(listed),
        forms=forms,
        wanted=wanted,
        counts=counts,
        statuses=list(ClaimStatus),
        today=business_date(session),
        classification_labels=CLASSIFICATION_LABELS,
    ), status


@bp.route("/claims")
@roles_required(*READERS)
def claims() -> ResponseReturnValue:
    """The banks' compensation claims, filterable by status."""
    return _render_claims()


@bp.route("/claims/<int:claim_id>/decide", methods=["POST"])
@roles_required(Role.BUREAU)
def decide_claim(claim_id: int) -> ResponseReturnValue:
    """Approve a claim (the loss is split and the pool pays its share) or reject it."""
    session = get_session()
    if session.get(Claim, claim_id) is None:
        abort(404)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            claim = claim_svc.decide_claim(
                session,
                actor=actor(),
                claim_id=claim_id,
                approve=form.approving,
                reason=form.reason.data or "",
            )
        except ValidationFailed as exc:
            _flash_leftovers(apply_errors(form, exc.errors))
        else:
            if claim.status is ClaimStatus.APPROVED:
                flash(
                    _(
                        "Claim %(id)s is approved: the pool paid %(paid)s.",
                        id=claim.id,
                        paid=format_fen(int(claim.split.get("pool", 0))),
                    ),
                    "success",
                )
            else:
                flash(_("Claim %(id)s is rejected.", id=claim.id), "info")
            return redirect(url_for("pool.claims", _anchor=f"claim-{claim.id}"))
    return _render_claims(decide_forms={claim_id: form}, status=INVALID)


# --- scheme versions -------------------------------------------------------------------------


def _document_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _parties_of(text: str | None) -> tuple[str, ...]:
    """The partner parties of the scheme typed in the form (all of them if it does not parse)."""
    try:
        scheme = Scheme.from_dict(json.loads(text or ""))
    except (ValueError, TypeError, SchemeError):
        return PARTNER_PARTIES
    return tuple(p for p in PARTNER_PARTIES if p in scheme.parties)


def _partner_choices(form: SchemeForm) -> None:
    session = get_session()
    for party in PARTNER_PARTIES:
        kind = pool_svc.PARTY_KINDS[party]
        orgs = session.exec(
            select(Organisation)
            .where(Organisation.kind == kind, col(Organisation.is_active).is_(True))
            .order_by(col(Organisation.name))
        ).all()
        form.partner_field(party).choices = opts([("", "—"), *((o.id, o.name) for o in orgs)])


def _starting_document(version: SchemeVersion | None) -> tuple[str, str]:
    """The JSON to start from (a chosen preset, else the version in force) and its origin."""
    preset = request.args.get("preset", "")
    if preset in list_presets():
        return _document_text(preset_data(preset)), preset
    if version is not None:
        return _document_text(version.document), ""
    first = list_presets()[0]
    return _document_text(preset_data(first)), first


@bp.route("/schemes", methods=["GET", "POST"])
@roles_required(*READERS)
def schemes() -> ResponseReturnValue:
    """The scheme's versions, and (for the bureau) a form to add one."""
    session = get_session()
    today = business_date(session)
    in_force = pool_svc.scheme_in_force(session, today)
    if request.method == "POST" and not is_bureau():
        abort(403)
    form = SchemeForm()
    _partner_choices(form)
    status = 200
    chosen_preset = ""
    if request.method == "GET":
        form.document.data, chosen_preset = _starting_document(in_force)
        form.effective_from.data = today
        if in_force is not None:
            for party, org_id in in_force.partners.items():
                if party in PARTNER_PARTIES:
                    form.partner_field(party).data = str(org_id)
    elif form.validate_on_submit():
        document: Any = None
        try:
            document = json.loads(form.document.data)
        except json.JSONDecodeError as exc:
            form.document.errors = [
                _(
                    "This is not valid JSON: %(error)s (line %(line)s, column %(col)s).",
                    error=exc.msg,
                    line=exc.lineno,
                    col=exc.colno,
                )
            ]
        else:
            if not isinstance(document, dict):
                form.document.errors = [_("The scheme must be a JSON object: { ... }.")]
        if not form.document.errors:
            try:
                row = pool_svc.add_scheme_version(
                    session,
                    actor=actor(),
                    document=document,
                    effective_from=form.effective_from.data,
                    partners=form.partners(),
                )
            except ValidationFailed as exc:
                _flash_leftovers(apply_errors(form, exc.errors))
            else:
                flash(
                    _(
                        "Version %(version)s of %(name)s is saved, in force from %(day)s.",
                        version=row.version,
                        name=row.name,
                        day=row.effective_from.isoformat(),
                    ),
                    "success",
                )
                return redirect(url_for("pool.schemes", _anchor=f"v{row.id}"))
        status = INVALID
    else:
        status = INVALID
    versions = pool_svc.list_scheme_versions(session)
    partner_ids = {int(i) for v in versions for i in v.partners.values() if str(i).isdigit()}
    partner_orgs = {
        o.id: o
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(partner_ids)))
    }
    return render_template(
        "pool/schemes.html",
        versions=[(v, pool_svc.scheme_of(v)) for v in versions],
        in_force=in_force,
        today=today,
        form=form,
        presets=list_presets(),
        chosen_preset=chosen_preset,
        parties=_parties_of(form.document.data),
        partner_orgs=partner_orgs,
        recovery_rule_labels=RECOVERY_RULE_LABELS,
        can_act=is_bureau(),
    ), status
