"""Forms of the desk: alert levels, targets, forecast parameters, comparison and design."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from market.services.forecast_engine import (
    DEFAULT_OTHER_PD_BP,
    DEFAULT_PD_BP,
    OTHER_GRADE,
    ForecastParams,
)
from market.views.formtools import DecimalField, IntegerField, MoneyField, opts

GRADES = (*DEFAULT_PD_BP, OTHER_GRADE)
PERCENT = {"places": 2, "validators": [InputRequired(), NumberRange(min=-1000, max=1000)]}


def bp_of(value: Decimal | None) -> int:
    """A percentage typed by the user as basis points (2.5 -> 250)."""
    return int((value or Decimal(0)) * 100)


class AlertLevelsForm(FlaskForm):  # type: ignore[misc]
    floor = MoneyField(
        _l("Warn when the pool is below (CNY)"),
        validators=[Optional()],
        description=_l("0 or empty: no floor."),
    )
    headroom = DecimalField(
        _l("Warn when the leverage headroom is below (per cent of the limit)"),
        places=1,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )


class TargetForm(FlaskForm):  # type: ignore[misc]
    amount = MoneyField(_l("Target amount (CNY)"), validators=[Optional()])
    multiple = DecimalField(
        _l("Target leverage (x)"), places=2, validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    growth = DecimalField(
        _l("Growth on last year (%)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    source = TextAreaField(_l("Source"), validators=[InputRequired(), Length(max=500)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    row_version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])


class ForecastForm(FlaskForm):  # type: ignore[misc]
    """The forecast's parameters; one PD field per rating grade is added below the class."""

    rho = DecimalField(_l("Asset correlation (%)"), default=Decimal(20), **PERCENT)
    recovery = DecimalField(_l("Recovery rate (%)"), default=Decimal(20), **PERCENT)
    recovery_lag = IntegerField(
        _l("Recovery lag (years)"),
        default=1,
        validators=[InputRequired(), NumberRange(min=0, max=10)],
    )
    growth = DecimalField(_l("Loan growth (% a year)"), default=Decimal(0), **PERCENT)
    top_up = MoneyField(_l("Top-up each year (CNY)"), validators=[Optional()])
    years = IntegerField(
        _l("Horizon (years)"), default=3, validators=[InputRequired(), NumberRange(min=1, max=10)]
    )
    scenarios = IntegerField(
        _l("Scenarios"),
        default=20_000,
        validators=[InputRequired(), NumberRange(min=100, max=200_000)],
    )
    seed = StringField(
        _l("Seed"),
        validators=[
            Optional(),
            Length(max=19, message=_l("Enter a seed between 0 and 2^63 - 1, or leave it empty.")),
            Regexp(r"^\d{1,19}$", message=_l("Enter a whole number.")),
        ],
        description=_l("Leave empty for a new random seed; the seed used is stored."),
    )

    def pd_fields(self) -> list[tuple[str, Any]]:
        """(grade, field) for every PD field, in grade order."""
        return [(g, getattr(self, f"pd_{g}")) for g in GRADES]

    def params(self) -> ForecastParams:
        """The parameters the form holds (valid form)."""
        pd_bp = {g: bp_of(getattr(self, f"pd_{g}").data) for g in DEFAULT_PD_BP}
        return ForecastParams(
            pd_bp=pd_bp,
            other_pd_bp=bp_of(getattr(self, f"pd_{OTHER_GRADE}").data),
            rho_bp=bp_of(self.rho.data),
            recovery_bp=bp_of(self.recovery.data),
            recovery_lag=self.recovery_lag.data or 0,
            growth_bp=bp_of(self.growth.data),
            top_up=self.top_up.data or 0,
            years=self.years.data or 1,
            scenarios=self.scenarios.data or 0,
        )

    def seed_value(self) -> int | None:
        """The typed seed, or None for a random one."""
        return int(self.seed.data) if self.seed.data else None


for _grade in GRADES:
    _default = DEFAULT_PD_BP.get(_grade, DEFAULT_OTHER_PD_BP)
    setattr(
        ForecastForm,
        f"pd_{_grade}",
        DecimalField(
            _grade if _grade != OTHER_GRADE else _l("Other grades"),
            default=Decimal(_default) / 100,
            **PERCENT,
        ),
    )


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CompareForm(ForecastForm):
    schemes = MultiCheckboxField(_l("Schemes to compare"), choices=[], validate_choice=True)
    draft_label = StringField(_l("Name of the draft"), validators=[Optional(), Length(max=60)])
    draft = TextAreaField(
        _l("Draft scheme (JSON)"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Optional: a scheme document, e.g. a preset's JSON with changes."),
    )


class DesignForm(ForecastForm):
    base = SelectField(_l("Start from"), choices=[])
    what = SelectField(
        _l("Find"),
        choices=opts(
            [
                ("leverage", _l("the largest leverage (x)")),
                ("pool", _l("the smallest pool (CNY)")),
                ("share", _l("the largest pool share (%)")),
            ]
        ),
    )
    target = DecimalField(
        _l("Keep P(pool runs dry) at most (%)"),
        places=2,
        default=Decimal(5),
        validators=[InputRequired(), NumberRange(min=0, max=50)],
    )
    within_years = IntegerField(
        _l("Within (years)"), default=3, validators=[InputRequired(), NumberRange(min=1, max=10)]
    )
    lo = DecimalField(_l("Search from"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    hi = DecimalField(_l("Search to"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    step = DecimalField(
        _l("In steps of"), places=2, validators=[InputRequired(), NumberRange(min=0)]
    )
