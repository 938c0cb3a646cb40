"""The preview pages of the bureau's ledger actions: a contribution (the pool's balance
before and after) and the reversal of a posting (its mirror lines)."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from market.domain.money import format_fen
from market.services.previews import ContributionPlan, ReversalPlan
from market.views.preview import Preview, reversal_preview


def contribution_preview(plan: ContributionPlan) -> Preview:
    """The figures of a contribution, in the reader's language."""
    return Preview(
        title=_("Record a contribution of %(amount)s?", amount=format_fen(plan.amount)),
        intro=_(
            "The money is posted to the pool's cash today. A mistaken posting can only be "
            "corrected by a reversal, which stays in the ledger."
        ),
        facts=[
            (_("Amount"), format_fen(plan.amount)),
            (_("Memo"), _(plan.memo)),
            (_("Posted on"), format_date(plan.day)),
            (_("Pool balance before"), format_fen(plan.balance_before)),
            (_("Pool balance after"), format_fen(plan.balance_after)),
        ],
        digest=plan.digest,
        confirm_label=_("Record the contribution"),
        back=url_for("pool.index"),
    )


def ledger_reversal_preview(plan: ReversalPlan) -> Preview:
    """The figures of a ledger reversal, in the reader's language."""
    return reversal_preview(
        plan,
        title=_("Reverse transaction %(txn)s?", txn=plan.subject),
        intro=_(
            "A new transaction mirrors this one; the original stays in the ledger. A reversal "
            "cannot itself be reversed."
        ),
        back=url_for("pool.ledger"),
    )
