"""Lending forms: the SME's request, the bank's offer and decisions, servicing a loan."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from market.domain.bounds import BoundsError, parse_rate_bp
from market.domain.interest import PrepayMode
from market.domain.kinds import DisposalKind, RepaymentKind
from market.domain.schedule import RepaymentType
from market.services.offers import OfferInput
from market.services.requests import MAX_TERM_MONTHS, RequestInput
from market.text.labels import DISPOSAL_LABELS, REPAYMENT_KIND_LABELS, REPAYMENT_TYPE_LABELS
from market.text.loan_labels import PREPAY_MODE_LABELS
from market.views.formtools import DateField, IntegerField, MoneyField, not_blank, opts


class RateField(StringField):  # type: ignore[misc]
    """An annual rate typed as a percentage ('4.35'), held as basis points (435), exactly."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if self.raw_text:
            try:
                self.data = parse_rate_bp(self.raw_text)
            except BoundsError as exc:
                raise ValueError(gettext(str(exc))) from exc

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        if self.data is None:
            return ""
        whole, frac = divmod(int(self.data), 100)
        return f"{whole}.{frac:02d}"


def _term_field(label: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TERM_MONTHS)],
        description=_l("1 to %(months)s months.", months=MAX_TERM_MONTHS),
    )


class RequestForm(FlaskForm):  # type: ignore[misc]
    """An SME's request for a pledge loan; asset and bank choices are set by the view."""

    asset_ids = SelectMultipleField(
        _l("Assets to pledge"),
        coerce=int,
        validate_choice=False,  # the service says which assets may be pledged
        validators=[InputRequired(message=_l("Choose at least one asset to pledge."))],
    )
    amount = MoneyField(_l("Amount to borrow (CNY)"), validators=[InputRequired()])
    term_months = _term_field(_l("Term (months)"))
    purpose = TextAreaField(
        _l("What the money is for"),
        validators=[DataRequired(), not_blank, Length(max=500)],
        description=_l("Banks read this first: the project, the order or the working capital."),
    )
    wants_insurance = BooleanField(
        _l("I want guarantee insurance"),
        description=_l("The insurer shares the loss if the loan defaults; it costs a premium."),
    )
    other_collateral = MoneyField(
        _l("Part secured by other collateral (CNY)"),
        validators=[Optional()],
        description=_l(
            "Only if property or other non-IP collateral secures part of the loan; some schemes "
            "compensate only the IP-backed part."
        ),
    )
    bank_id = SelectField(_l("Send to"), default="")
    submit = SubmitField(_l("Send the request"))

    def to_input(self) -> RequestInput:
        """The service input from the cleaned data (empty where a field did not parse)."""
        return RequestInput(
            asset_ids=list(self.asset_ids.data or []),
            amount=self.amount.data or 0,
            term_months=self.term_months.data or 0,
            purpose=self.purpose.data or "",
            wants_insurance=bool(self.wants_insurance.data),
            bank_id=int(bank) if (bank := str(self.bank_id.data or "")).isdigit() else None,
            other_collateral=self.other_collateral.data or 0,
        )


class OfferForm(FlaskForm):  # type: ignore[misc]
    """A bank officer's offer on a request."""

    amount = MoneyField(_l("Amount offered (CNY)"), validators=[InputRequired()])
    rate = RateField(
        _l("Annual interest rate (%)"),
        validators=[InputRequired()],
        description=_l("Up to two decimals, e.g. 4.35."),
    )
    term_months = _term_field(_l("Term (months)"))
    repayment_type = SelectField(
        _l("Repayment"),
        validators=[DataRequired()],
        choices=opts((t.value, REPAYMENT_TYPE_LABELS[t]) for t in RepaymentType),
    )
    rating_grade = StringField(
        _l("Internal rating grade"),
        validators=[DataRequired(), not_blank, Length(max=8)],
        description=_l("The bank's own grade of the borrower, e.g. BBB."),
    )
    override_reason = TextAreaField(
        _l("Override reason"), validators=[Optional(), Length(max=1000)]
    )
    conditions = TextAreaField(
        _l("Conditions"),
        validators=[Optional(), Length(max=1000)],
        description=_l("E.g. the account the sales must flow through, covenants."),
    )
    relending = BooleanField(
        _l("Funded by PBoC relending or another monetary-policy tool"),
        description=_l("Some schemes raise the pool's share for such loans."),
    )
    submit = SubmitField(_l("Propose the offer"))

    def to_input(self) -> OfferInput:
        """The service input from the cleaned data (empty where a field did not parse)."""
        return OfferInput(
            amount=self.amount.data or 0,
            rate_bp=self.rate.data or 0,
            term_months=self.term_months.data or 0,
            repayment_type=RepaymentType(kind)
            if (kind := self.repayment_type.data) in set(RepaymentType)
            else RepaymentType.EQUAL_INSTALMENT,  # only when the form is refused anyway
            rating_grade=self.rating_grade.data or "",
            override_reason=self.override_reason.data or "",
            conditions=self.conditions.data or "",
            relending=bool(self.relending.data),
        )


class DeclineForm(FlaskForm):  # type: ignore[misc]
    """A bank's refusal, with the reason the SME reads."""

    reason = TextAreaField(
        _l("Reason the company will read"),
        validators=[DataRequired(), not_blank, Length(min=5, max=1000)],
    )
    submit = SubmitField(_l("Decline the request"))


class DecisionForm(FlaskForm):  # type: ignore[misc]
    """An approver's decision on a pending offer; sending back needs a reason."""

    decision = SelectField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=opts([("approve", _l("Approve")), ("reject", _l("Send back"))]),
    )
    reason = TextAreaField(_l("Reason (needed to send back)"), validators=[Length(max=1000)])


class RepaymentForm(FlaskForm):  # type: ignore[misc]
    """Money the borrower paid, as the bank records it."""

    amount = MoneyField(_l("Amount received (CNY)"), validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"),
        validators=[DataRequired()],
        choices=opts((k.value, REPAYMENT_KIND_LABELS[k]) for k in RepaymentKind),
    )
    reference = StringField(
        _l("Bank reference"), validators=[Optional(), Length(max=100)]
    )
    prepay_mode = SelectField(
        _l("An early repayment keeps"),
        validators=[Optional()],
        choices=opts((k.value, PREPAY_MODE_LABELS[k]) for k in PrepayMode),
        default=PrepayMode.KEEP_TERM.value,
    )
    submit = SubmitField(_l("Record the repayment"))


class ClaimForm(FlaskForm):  # type: ignore[misc]
    """The lending bank's compensation claim on a non-performing loan."""

    note = TextAreaField(
        _l("Note to the bureau"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Collection steps taken, the state of the pledged IP."),
    )
    loss_confirmed_on = DateField(
        _l("Day the provincial bureau confirmed the loss"),
        validators=[Optional()],
        description=_l("Needed when the scheme counts the claim deadline from it."),
    )
    submit = SubmitField(_l("File the claim"))


class RecoveryForm(FlaskForm):  # type: ignore[misc]
    """Proceeds of disposing of the pledged IP."""

    disposal = SelectField(
        _l("Disposal"),
        validators=[DataRequired()],
        choices=opts((k.value, DISPOSAL_LABELS[k]) for k in DisposalKind),
    )
    proceeds = MoneyField(_l("Proceeds received (CNY)"), validators=[InputRequired()])
    counterparty = StringField(
        _l("Buyer or licensee"), validators=[Optional(), Length(max=200)]
    )
    closes = BooleanField(
        _l("This closes the disposal"),
        description=_l("Releases the pledges and closes the loan."),
    )
    confirm_surplus = BooleanField(
        _l("Yes, record it: the surplus goes to the borrower"),
    )
    submit = SubmitField(_l("Record the recovery"))
