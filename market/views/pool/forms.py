"""Forms of the pool pages: contributions, reversals, claim decisions, lifting a suspension
and new scheme versions."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from market.domain.bounds import MAX_JSON_CHARS, latest_business_date
from market.views.formtools import (
    DateField,
    MoneyField,
    date_not_after,
    not_blank,
    today_on_the_clock,
)

PARTNER_PARTIES = ("insurer", "guarantor", "re_guarantor", "valuer")
MIN_REJECT_REASON = 5  # what the claims service asks for


def unique_ids(form: FlaskForm, suffix: object) -> FlaskForm:
    """Give the form's fields (and their labels) ids ending in `suffix`, so one page can hold
    the same form many times; the posted names do not change."""
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        field.id = f"{field.name}-{suffix}"
        field.label.field_id = field.id
    return form


class ContributionForm(FlaskForm):  # type: ignore[misc]
    amount = MoneyField(
        _l("Amount (CNY)"),
        validators=[InputRequired()],
        description=_l("Government money paid into the pool today."),
    )
    memo = StringField(
        _l("Memo"),
        validators=[Optional(), Length(max=200)],
        description=_l("E.g. the budget line or the transfer's reference."),
    )
    submit = SubmitField(_l("Record the contribution"))


class ReverseForm(FlaskForm):  # type: ignore[misc]
    reason = StringField(
        _l("Why reverse it"), validators=[InputRequired(), not_blank, Length(max=400)]
    )
    submit = SubmitField(_l("Reverse"))


class LiftForm(FlaskForm):  # type: ignore[misc]
    reason = StringField(
        _l("Why lift it"), validators=[InputRequired(), not_blank, Length(max=400)]
    )
    submit = SubmitField(_l("Lift the suspension"))


class SecondApprovalForm(FlaskForm):  # type: ignore[misc]
    """The pool share above which a claim needs a second bureau user (empty: never)."""

    amount = MoneyField(
        _l("Second approval above (CNY)"),
        validators=[Optional()],
        description=_l(
            "A claim whose pool share is above this amount is recommended by one bureau user "
            "and approved by another. Leave empty for one approver."
        ),
    )
    submit = SubmitField(_l("Save the threshold"))


class DecideForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(
        _l("Reason or note"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Required to reject: the bank reads it."),
        render_kw={"rows": 2},
    )
    approve = SubmitField(_l("Approve and pay"))
    reject = SubmitField(_l("Reject"))

    def validate(self, extra_validators: Any = None) -> bool:
        """Exactly one decision; a rejection carries a reason the bank can read."""
        ok = bool(super().validate(extra_validators))
        if not self.approve.data and not self.reject.data:
            self.reason.errors = [
                *list(self.reason.errors),
                gettext("Choose to approve or to reject."),
            ]
            return False
        reason = (self.reason.data or "").strip()
        if self.reject.data and len(reason) < MIN_REJECT_REASON:
            self.reason.errors = [
                *list(self.reason.errors),
                gettext(
                    "Write the reason the bank will read (at least %(n)s characters).",
                    n=MIN_REJECT_REASON,
                ),
            ]
            return False
        return ok

    @property
    def approving(self) -> bool:
        return bool(self.approve.data) and not self.reject.data


def _partner(label: Any) -> SelectField:
    return SelectField(label, choices=[], validate_choice=False, default="")


class SchemeForm(FlaskForm):  # type: ignore[misc]
    document = TextAreaField(
        _l("Scheme (JSON)"),
        validators=[InputRequired(), not_blank, Length(max=MAX_JSON_CHARS)],
        description=_l(
            "Money in fen, shares and rates in basis points (10000 = 100%). "
            "The version number is given when the version is saved."
        ),
        render_kw={"rows": 22, "spellcheck": "false", "class": "mono"},
    )
    effective_from = DateField(
        _l("In force from"),
        validators=[
            InputRequired(),
            date_not_after(lambda: latest_business_date(today_on_the_clock())),
        ],
        description=_l("Today's business date or later."),
    )
    partner_insurer = _partner(_l("Insurer"))
    partner_guarantor = _partner(_l("Guarantor"))
    partner_re_guarantor = _partner(_l("Re-guarantor"))
    partner_valuer = _partner(_l("Valuation firm"))
    submit = SubmitField(_l("Save as a new version"))

    def partner_field(self, party: str) -> SelectField:
        """The select of the organisation standing behind `party`."""
        field: SelectField = getattr(self, f"partner_{party}")
        return field

    def partners(self) -> dict[str, int]:
        """The chosen organisations by party (unchosen or malformed ones left out)."""
        chosen: dict[str, int] = {}
        for party in PARTNER_PARTIES:
            value = self.partner_field(party).data
            if value and str(value).isascii() and str(value).isdigit() and len(str(value)) < 10:
                chosen[party] = int(value)
        return chosen
