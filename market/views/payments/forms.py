"""Forms of the payment pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from market.domain.kinds import AssetKind
from market.text.reference import KIND_LABELS
from market.views.formtools import IntegerField, MoneyField, not_blank


class StartForm(FlaskForm):  # type: ignore[misc]
    """Confirm the quote and go to the payment page."""

    submit = SubmitField(_l("Continue to payment"))


class RetryForm(FlaskForm):  # type: ignore[misc]
    """Try a failed payment again."""

    submit = SubmitField(_l("Try again"))


class SimulateForm(FlaskForm):  # type: ignore[misc]
    """Simulated mode: choose the card's outcome."""

    outcome = HiddenField(default="succeed")


class RefundForm(FlaskForm):  # type: ignore[misc]
    """Refund a paid payment, with the reason."""

    reason = TextAreaField(
        _l("Reason for the refund"), validators=[DataRequired(), not_blank, Length(max=500)]
    )
    submit = SubmitField(_l("Refund in full"))


def _bp_field(label: object) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=0, max=10_000)])


class FeeForm(FlaskForm):  # type: ignore[misc]
    """The bureau's fee table; rates and shares in basis points (100 = 1%)."""

    valuation_fee_invention_patent = MoneyField(KIND_LABELS[AssetKind.INVENTION_PATENT],
                                                validators=[InputRequired()])
    valuation_fee_utility_model = MoneyField(KIND_LABELS[AssetKind.UTILITY_MODEL],
                                             validators=[InputRequired()])
    valuation_fee_design_patent = MoneyField(KIND_LABELS[AssetKind.DESIGN_PATENT],
                                             validators=[InputRequired()])
    valuation_fee_trademark = MoneyField(KIND_LABELS[AssetKind.TRADEMARK],
                                         validators=[InputRequired()])
    valuation_fee_gi_mark = MoneyField(KIND_LABELS[AssetKind.GI_MARK],
                                       validators=[InputRequired()])
    guarantee_fee_bp = _bp_field(_l("Guarantee fee a year (bp of the principal)"))
    premium_bp = _bp_field(_l("Insurance premium a year (bp of the principal)"))
    valuation_subsidy_bp = _bp_field(_l("Subsidy of the valuation fee (bp)"))
    guarantee_subsidy_bp = _bp_field(_l("Subsidy of the guarantee fee (bp)"))
    premium_subsidy_bp = _bp_field(_l("Subsidy of the first year's premium (bp)"))
    yearly_cap = MoneyField(_l("Subsidies per company and year at most (CNY)"),
                            validators=[InputRequired()])
    submit = SubmitField(_l("Save the fee table"))
