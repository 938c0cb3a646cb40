"""The preview pages of the lending bank's money actions: paying a loan out (amount, the
borrower paid, the first instalment) and recording or reversing a recovery (the split by
party, any surplus and who receives it)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from market.domain.money import format_fen
from market.frame.db import get_session
from market.models.orgs import Organisation
from market.models.pool import Recovery
from market.services.payout_plan import PayoutPlan
from market.services.previews import ReversalPlan
from market.services.recoveries import RecoveryPlan
from market.text.loan_labels import DAY_COUNT_LABELS
from market.text.pool_labels import party_label
from market.views.preview import Preview, PreviewTable, reversal_preview

SCHEDULE_SHOWN = 3  # instalments listed on the payout preview (the rest on the loan page)


def payout_preview(plan: PayoutPlan) -> Preview:
    """The figures of a payout, in the reader's language."""
    borrower = get_session().get(Organisation, plan.borrower_id)
    paid_to = f"{borrower.name} ({borrower.uscc})" if borrower else str(plan.borrower_id)
    facts = [
        (_("Amount paid out"), format_fen(plan.principal)),
        (_("Paid to the borrower"), paid_to),
        (_("Value date"), format_date(plan.day)),
        (
            _("First instalment"),
            _(
                "%(amount)s on %(day)s",
                amount=format_fen(plan.first.total),
                day=format_date(plan.first.due_on),
            ),
        ),
        (_("Maturity"), format_date(plan.maturity)),
        (_("Interest over the term"), format_fen(plan.total_interest)),
        (_("Day count"), str(DAY_COUNT_LABELS[plan.day_count])),
        (_("Penalty interest: contract rate plus (%)"), f"{plan.penalty_markup_bp / 100:g}%"),
    ]
    if plan.premium is not None:
        facts.append((_("Guarantee-insurance premium"), format_fen(plan.premium)))
    return Preview(
        title=_("Pay out loan %(id)s?", id=plan.loan_id),
        intro=_(
            "Paying out starts the loan's schedule today; it cannot be undone. The borrower's "
            "account is the one on the loan contract held by the bank."
        ),
        facts=facts,
        tables=[
            PreviewTable(
                caption=_("The first instalments"),
                head=[_("No."), _("Due on"), _("Principal"), _("Interest"), _("Total")],
                rows=[
                    [
                        str(r.number),
                        format_date(r.due_on),
                        format_fen(r.principal),
                        format_fen(r.interest),
                        format_fen(r.total),
                    ]
                    for r in plan.schedule[:SCHEDULE_SHOWN]
                ],
                numeric=[2, 3, 4],
            )
        ],
        digest=plan.digest,
        confirm_label=_("Pay out %(amount)s", amount=format_fen(plan.principal)),
        back=url_for("lending.loan_detail", loan_id=plan.loan_id),
    )


def recovery_preview(plan: RecoveryPlan) -> Preview:
    """The figures of a recovery: its split by party, any surplus and who receives it."""
    borrower = get_session().get(Organisation, plan.borrower_id)
    warnings = []
    if plan.surplus:
        warnings.append(
            _(
                "%(surplus)s is more than the claim still has outstanding: it goes to the "
                "borrower, %(borrower)s.",
                surplus=format_fen(plan.surplus),
                borrower=borrower.name if borrower else plan.borrower_id,
            )
        )
    if plan.closes:
        warnings.append(_("The disposal closes: the pledges are released and the loan closes."))
    return Preview(
        title=_("Record a recovery of %(amount)s?", amount=format_fen(plan.proceeds)),
        intro=_("The proceeds go back to the payers of the claim by the scheme's recovery rule."),
        facts=[
            (_("Proceeds"), format_fen(plan.proceeds)),
            (_("Still outstanding on the claim"), format_fen(plan.outstanding)),
            (_("Surplus to the borrower"), format_fen(plan.surplus)),
        ],
        tables=[split_table(plan.parts, _("How the proceeds are split"))],
        warnings=warnings,
        digest=plan.digest,
        confirm_label=_("Record the recovery"),
        back=url_for("lending.loan_detail", loan_id=plan.loan_id, _anchor="recoveries"),
    )


def recovery_reversal_preview(plan: ReversalPlan, recovery: Recovery) -> Preview:
    """The figures of reversing a recovery: the split undone and the pool's mirror posting."""
    return reversal_preview(
        plan,
        title=_("Reverse the recovery of %(amount)s?", amount=format_fen(recovery.proceeds)),
        intro=_(
            "The recovery is marked reversed and the pool's part is posted back; the original "
            "entries stay in the ledger. It cannot be reversed twice."
        ),
        back=url_for("lending.loan_detail", loan_id=recovery.loan_id, _anchor="recoveries"),
        extra=[split_table(recovery.distribution, _("The split that is undone"))],
    )


def split_table(parts: Mapping[str, int], caption: str) -> PreviewTable:
    """Amounts by party."""
    return PreviewTable(
        caption=caption,
        head=[_("Party"), _("Amount")],
        rows=[[party_label(p), format_fen(int(v))] for p, v in parts.items()],
        numeric=[1],
    )
