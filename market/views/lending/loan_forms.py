"""Forms of a loan's servicing added with daily interest: paying out (day count, penalty
markup) and reversing a mistaken recovery."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from market.domain.interest import DayCount
from market.text.loan_labels import DAY_COUNT_LABELS
from market.views.formtools import IntegerField, not_blank, opts


class DisburseForm(FlaskForm):  # type: ignore[misc]
    """The contract's interest convention and penalty markup, fixed at payout."""

    day_count = SelectField(
        _l("Day count"),
        validators=[Optional()],
        choices=opts((k.value, DAY_COUNT_LABELS[k]) for k in DayCount),
        default=DayCount.ACTUAL_360.value,
    )
    penalty_markup = IntegerField(
        _l("Penalty interest: contract rate plus (%)"),
        validators=[Optional(), NumberRange(min=30, max=50)],
        default=50,
        description=_l("30% to 50% (PBoC 银发〔2003〕251号); default 50%."),
    )
    submit = SubmitField(_l("Pay the loan out"))


class ReverseRecoveryForm(FlaskForm):  # type: ignore[misc]
    """Why a recovery was recorded by mistake."""

    reason = StringField(
        _l("Reason for the reversal"),
        validators=[InputRequired(), not_blank, Length(min=5, max=500)],
    )
    submit = SubmitField(_l("Reverse this recovery"))
