"""The bureau's decision on a claim: the preview of the approval (the split by party as it
will be posted, the pool balance before and after), the approval or recommendation (four
eyes above the bureau's threshold), the rejection, and the threshold itself."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.domain.errors import ValidationFailed
from market.domain.kinds import Role
from market.domain.money import format_fen
from market.domain.states import ClaimStatus
from market.frame.db import get_session
from market.models.lending import Loan
from market.models.orgs import Organisation, User
from market.models.pool import Claim
from market.services import claim_decision, four_eyes
from market.services.claim_plan import ApprovalPlan, CompensationSuspended, preview_approval
from market.services.previews import StalePreview
from market.text.pool_labels import party_label
from market.text.split_text import localise_split_note
from market.views.authz import actor, roles_required
from market.views.formtools import apply_errors
from market.views.once import once
from market.views.pool.blueprint import INVALID, bp, flash_leftovers
from market.views.pool.claim_scheme_pages import render_claims
from market.views.pool.forms import DecideForm, SecondApprovalForm
from market.views.preview import Preview, PreviewTable, render_preview, sent_digest


def approval_preview(plan: ApprovalPlan, claim: Claim) -> Preview:
    """The preview page's figures of an approval, in the reader's language."""
    session = get_session()
    user = actor()
    bank = session.get(Organisation, claim.bank_id)
    loan = session.get(Loan, claim.loan_id)
    second = four_eyes.needs_second(session, plan.pool_share)
    recommender = session.get(User, claim.recommended_by_id) if claim.recommended_by_id else None
    warnings = [localise_split_note(n) for n in plan.notes]
    can_confirm = True
    label = _("Approve and pay %(amount)s from the pool", amount=format_fen(plan.pool_share))
    if second and recommender is None:
        label = _("Recommend for approval")
        warnings.append(
            _(
                "The pool's share is above the second-approval threshold (%(limit)s): your "
                "approval is a recommendation; a second, different bureau user approves and "
                "the money moves then.",
                limit=format_fen(four_eyes.threshold(session)),
            )
        )
    elif second and recommender is not None:
        if recommender.id == user.id:
            warnings.append(_(four_eyes.SAME_USER))
            can_confirm = False
        else:
            warnings.append(
                _(
                    "Recommended by %(name)s on %(day)s: your approval is the second one.",
                    name=recommender.name,
                    day=claim.recommended_on.isoformat() if claim.recommended_on else "",
                )
            )
    return Preview(
        title=_("Approve claim %(id)s?", id=claim.id),
        intro=_(
            "Approving posts this split of the loss, by the scheme version the loan was "
            "enrolled under, with the pool's balance today."
        ),
        facts=[
            (_("Bank"), bank.name if bank else str(claim.bank_id)),
            (_("Loan"), _("Loan %(id)s", id=claim.loan_id)),
            (_("Loan principal"), format_fen(loan.principal if loan else None)),
            (_("Loss claimed"), format_fen(plan.loss)),
            (_("Pool balance before"), format_fen(plan.balance_before)),
            (_("The pool pays now"), format_fen(plan.pool_share)),
            (_("Pool balance after"), format_fen(plan.balance_after)),
        ],
        tables=[
            PreviewTable(
                caption=_("How the loss will be split"),
                head=[_("Party"), _("Share of the loss")],
                rows=[[party_label(p), format_fen(v)] for p, v in plan.split.items()],
                numeric=[1],
            )
        ],
        warnings=warnings,
        digest=plan.digest,
        confirm_label=label,
        back=url_for("pool.claim_detail", claim_id=claim.id),
        can_confirm=can_confirm,
    )


@bp.route("/claims/<int:claim_id>/decide", methods=["POST"])
@roles_required(Role.BUREAU)
@once("claim.decide")
def decide_claim(claim_id: int) -> ResponseReturnValue:
    """Approve a claim after its preview (the pool pays its share; above the threshold the
    first approver recommends it) or reject it."""
    session = get_session()
    target = session.get(Claim, claim_id)
    if target is None:
        abort(404)
    form = DecideForm()
    if not form.validate_on_submit():
        return render_claims(decide_forms={claim_id: form}, status=INVALID)
    expected = sent_digest() if form.approving else None
    try:
        if form.approving and expected is None:
            return render_preview(approval_preview(_plan(claim_id), target))
        claim = claim_decision.decide_claim(
            session,
            actor=actor(),
            claim_id=claim_id,
            approve=form.approving,
            reason=form.reason.data or "",
            expected=expected,
        )
    except ValidationFailed as exc:
        flash_leftovers(apply_errors(form, exc.errors))
        return render_claims(decide_forms={claim_id: form}, status=INVALID)
    except StalePreview:
        session.rollback()
        return render_preview(approval_preview(_plan(claim_id), target), stale=True)
    except CompensationSuspended as exc:
        # The bank's compensation is suspended: the claim waits, nothing changed.
        flash(str(exc.message), "warning")
        return redirect(url_for("pool.claim_detail", claim_id=claim_id))
    if claim.status is ClaimStatus.APPROVED:
        flash(
            _(
                "Claim %(id)s is approved: the pool paid %(paid)s.",
                id=claim.id,
                paid=format_fen(int(claim.split.get("pool", 0))),
            ),
            "success",
        )
    elif claim.status is ClaimStatus.FILED:
        flash(
            _(
                "Claim %(id)s is recommended for approval: a second bureau user must approve it.",
                id=claim.id,
            ),
            "info",
        )
    else:
        flash(_("Claim %(id)s is rejected.", id=claim.id), "info")
    return redirect(url_for("pool.claim_detail", claim_id=claim_id))


def _plan(claim_id: int) -> ApprovalPlan:
    return preview_approval(get_session(), actor=actor(), claim_id=claim_id)


@bp.route("/claims/second-approval", methods=["POST"])
@roles_required(Role.BUREAU)
def second_approval() -> ResponseReturnValue:
    """The bureau sets the pool share above which a claim needs a second approver."""
    form = SecondApprovalForm()
    if not form.validate_on_submit():
        return render_claims(threshold_form=form, status=INVALID)
    try:
        amount = four_eyes.set_threshold(get_session(), actor=actor(), amount=form.amount.data)
    except ValidationFailed as exc:
        flash_leftovers(apply_errors(form, exc.errors))
        return render_claims(threshold_form=form, status=INVALID)
    if amount is None:
        flash(_("One bureau user now decides every claim."), "success")
    else:
        flash(
            _(
                "A claim whose pool share is above %(amount)s now needs a second bureau user.",
                amount=format_fen(amount),
            ),
            "success",
        )
    return redirect(url_for("pool.claims"))
