"""The bureau's pool pages of decisions: compensation claims and scheme versions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlmodel import col, func, select

from market.domain.bounds import BoundsError, load_json, scheme_number_problems
from market.domain.errors import ValidationFailed
from market.domain.states import ClaimStatus
from market.frame.db import get_session
from market.models.lending import Loan
from market.models.orgs import Organisation, User
from market.models.pool import Claim, Receivable, Recovery, SchemeVersion
from market.services import four_eyes, listings
from market.services import pool as pool_svc
from market.services import requests as request_svc
from market.services.clock import business_date
from market.text.pool_labels import (
    CLASSIFICATION_LABELS,
    RECOVERY_RULE_LABELS,
)
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors, opts
from market.views.paging import paginate, with_choices
from market.views.pool import lists
from market.views.pool.blueprint import INVALID, READERS, bp, flash_leftovers, is_bureau
from market.views.pool.forms import (
    PARTNER_PARTIES,
    DecideForm,
    SchemeForm,
    SecondApprovalForm,
    unique_ids,
)
from riskpool import Scheme, SchemeError, list_presets
from riskpool.presets import preset_data


@dataclass
class ClaimRow:
    claim: Claim
    bank: Organisation | None
    loan: Loan | None
    filed_by: User | None
    decided_by: User | None
    recommended_by: User | None = None
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
    """The page's claims with what they show, in a fixed number of queries."""
    session = get_session()
    ids = [c.id for c in listed if c.id is not None]
    owed: dict[int, dict[str, Receivable]] = {}
    recoveries: dict[int, list[Recovery]] = {}
    if ids:
        for receivable in session.exec(
            select(Receivable).where(col(Receivable.claim_id).in_(ids))
        ).all():
            owed.setdefault(receivable.claim_id, {})[receivable.party] = receivable
        for recovery in session.exec(
            select(Recovery).where(col(Recovery.claim_id).in_(ids)).order_by(col(Recovery.id))
        ).all():
            recoveries.setdefault(recovery.claim_id, []).append(recovery)
    org_ids = {c.bank_id for c in listed} | {
        r.organisation_id for rows in owed.values() for r in rows.values() if r.organisation_id
    }
    orgs = _by_id(session, Organisation, org_ids)
    loans = _by_id(session, Loan, {c.loan_id for c in listed})
    users = _by_id(
        session,
        User,
        {c.filed_by_id for c in listed}
        | {c.decided_by_id or 0 for c in listed}
        | {c.recommended_by_id or 0 for c in listed},
    )
    rows = []
    for claim in listed:
        assert claim.id is not None
        mine = owed.get(claim.id, {})
        rows.append(
            ClaimRow(
                claim=claim,
                bank=orgs.get(claim.bank_id),
                loan=loans.get(claim.loan_id),
                filed_by=users.get(claim.filed_by_id),
                decided_by=users.get(claim.decided_by_id or 0),
                recommended_by=users.get(claim.recommended_by_id or 0),
                receivables=mine,
                partners={
                    r.organisation_id: orgs[r.organisation_id]
                    for r in mine.values()
                    if r.organisation_id in orgs
                },
                recoveries=recoveries.get(claim.id, []),
            )
        )
    return rows


def _by_id(session: Any, model: Any, ids: set[int]) -> dict[int, Any]:
    """Rows of `model` by id, in one query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {r.id: r for r in session.exec(select(model).where(col(model.id).in_(wanted))).all()}


def _status_filter() -> ClaimStatus | None:
    value = request.args.get("status", "")
    try:
        return ClaimStatus(value) if value else None
    except ValueError:
        return None


def render_claims(
    *,
    decide_forms: dict[int, DecideForm] | None = None,
    threshold_form: SecondApprovalForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The claims queue: one table row per claim; a decision sent back with errors shows
    its claim's page with the form."""
    if decide_forms:
        claim_id, form = next(iter(decide_forms.items()))
        return _render_claim(claim_id, form=form, status=status)
    session = get_session()
    wanted = _status_filter()
    query = listings.claims_query(borrower=listings.needs_borrower(request.args))
    if wanted is not None:
        query = query.where(Claim.status == wanted)
    banks = [(b.id, b.name) for b in request_svc.participating_banks(session)]
    spec = with_choices(lists.CLAIMS, "bank", banks)
    page = paginate(session, query, spec, tiebreak=col(Claim.id))
    listed = list(page.items)
    if wanted is not None:
        page.args["status"] = wanted.value
    second_above = {"amount": four_eyes.threshold(session)}
    counts = {s: 0 for s in ClaimStatus}
    for state, number in session.exec(
        select(Claim.status, func.count()).group_by(Claim.status)
    ).all():
        counts[ClaimStatus(state)] = int(number)
    return render_template(
        "pool/claims.html",
        claims=listed,
        banks=_by_id(session, Organisation, {c.bank_id for c in listed}),
        loans=_by_id(session, Loan, {c.loan_id for c in listed}),
        page=page,
        wanted=wanted,
        counts=counts,
        statuses=list(ClaimStatus),
        today=business_date(session),
        classification_labels=CLASSIFICATION_LABELS,
        second_above=second_above["amount"],
        threshold_form=threshold_form or SecondApprovalForm(formdata=None, data=second_above),
    ), status


def _render_claim(
    claim_id: int, *, form: DecideForm | None = None, status: int = 200
) -> ResponseReturnValue:
    """One claim: the loan, the decision form (bureau, filed claims) or the split."""
    session = get_session()
    claim = session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    forms = {}
    if claim.status is ClaimStatus.FILED and (form is not None or is_bureau()):
        forms[claim_id] = form or DecideForm(formdata=None)
        unique_ids(forms[claim_id], claim_id)
    return render_template(
        "pool/claim.html",
        r=_claim_rows([claim])[0],
        forms=forms,
        today=business_date(session),
        classification_labels=CLASSIFICATION_LABELS,
    ), status


@bp.route("/claims")
@roles_required(*READERS)
def claims() -> ResponseReturnValue:
    """The banks' compensation claims, paged, sortable and filterable by status."""
    return render_claims()


@bp.route("/claims/<int:claim_id>")
@roles_required(*READERS)
def claim_detail(claim_id: int) -> ResponseReturnValue:
    """One claim with its split, recoveries and, while filed, the bureau's decision."""
    return _render_claim(claim_id)


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
            document = load_json(form.document.data)
        except BoundsError as exc:
            form.document.errors = [_(str(exc))]
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
            elif problems := scheme_number_problems(document):
                form.document.errors = list(problems.values())[:5]
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
                flash_leftovers(apply_errors(form, exc.errors))
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
        preset_superseded={p: preset_data(p).get("superseded_by", "") for p in list_presets()},
        chosen_preset=chosen_preset,
        parties=_parties_of(form.document.data),
        partner_orgs=partner_orgs,
        recovery_rule_labels=RECOVERY_RULE_LABELS,
        can_act=is_bureau(),
    ), status
