"""The preview page of moving the business date: the loans the day-end will reclassify, by
their new class, and the approved offers it will expire."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlmodel import col, select

from market.frame.db import get_session
from market.models.orgs import Organisation
from market.services.dayend_preview import DayEndPlan
from market.text.labels import CLASSIFICATION_LABELS
from market.views.preview import Preview, PreviewTable


def day_end_preview(plan: DayEndPlan) -> Preview:
    """The figures of the move, in the reader's language."""
    session = get_session()
    bank_ids = {o.bank_id for o in plan.offers}
    banks = {
        b.id: b.name
        for b in session.exec(select(Organisation).where(col(Organisation.id).in_(bank_ids)))
    }
    tables = [
        PreviewTable(
            caption=_("Loans moving to another class"),
            head=[_("New class"), _("Loans")],
            rows=[[str(CLASSIFICATION_LABELS[c]), str(n)] for c, n in plan.reclassified.items()],
            numeric=[1],
        )
    ]
    if plan.offers:
        tables.append(
            PreviewTable(
                caption=_("Offers that expire (the first %(n)s by expiry)", n=len(plan.offers)),
                head=[_("Offer"), _("Bank"), _("Financing request"), _("Expires on")],
                rows=[
                    [
                        _("Offer %(id)s", id=o.offer_id),
                        banks.get(o.bank_id, str(o.bank_id)),
                        str(o.request_id),
                        format_date(o.expires_on),
                    ]
                    for o in plan.offers
                ],
            )
        )
    return Preview(
        title=_("Move the business date to %(day)s?", day=format_date(plan.day)),
        intro=_(
            "The day-end runs at once: live loans are reclassified by their days past due at "
            "the new date and approved offers past their expiry lapse. The date never goes "
            "back."
        ),
        facts=[
            (_("Business date now"), format_date(plan.today)),
            (_("New business date"), format_date(plan.day)),
            (_("Loans reclassified"), str(plan.loans_reclassified)),
            (_("Offers expired"), str(plan.offers_expiring)),
        ],
        tables=tables,
        digest=plan.digest,
        confirm_label=_("Move the date and run the day-end"),
        back=url_for("admin.clock"),
        danger=True,
    )
