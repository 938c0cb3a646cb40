"""Forms for the administrator's pages."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from market.domain.bounds import latest_business_date
from market.domain.kinds import CompanySize, Industry, OrgKind, Role
from market.text.reference import (
    INDUSTRY_LABELS,
    ORG_KIND_LABELS,
    REGIONS,
    ROLE_LABELS,
    SIZE_LABELS,
)
from market.views.formtools import DateField, IntegerField, date_not_after, opts


class OrganisationForm(FlaskForm):  # type: ignore[misc]
    kind = SelectField(
        _l("Kind"),
        validators=[DataRequired()],
        choices=opts([(k.value, ORG_KIND_LABELS[k]) for k in OrgKind]),
    )
    name = StringField(_l("Registered name"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(
        _l("Unified social credit code"), validators=[DataRequired(), Length(min=18, max=24)]
    )
    industry = SelectField(
        _l("Industry (SMEs)"),
        choices=opts([("", "—")] + [(i.value, INDUSTRY_LABELS[i]) for i in Industry]),
    )
    size = SelectField(
        _l("Size (SMEs)"),
        choices=opts([("", "—")] + [(s.value, SIZE_LABELS[s]) for s in CompanySize]),
    )
    region = SelectField(_l("Region"), choices=opts([("", "—"), *REGIONS]))
    high_tech = BooleanField(
        _l("Certified high and new technology enterprise (income tax 15 percent)")
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=32)])
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
    )
    submit = SubmitField(_l("Create organisation"))


class UserForm(FlaskForm):  # type: ignore[misc]
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    role = SelectField(
        _l("Role"),
        validators=[DataRequired()],
        choices=opts([(r.value, ROLE_LABELS[r]) for r in Role]),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    submit = SubmitField(_l("Create user"))


class BusinessDateForm(FlaskForm):  # type: ignore[misc]
    day = DateField(
        _l("Business date"),
        validators=[InputRequired(), date_not_after(lambda: latest_business_date(date.today()))],
        description=_l("At most five years after today."),
    )
    submit = SubmitField(_l("Set business date"))


def _days(label: object, low: int = 1) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=low, max=9999)])


class ThresholdsForm(FlaskForm):  # type: ignore[misc]
    """The 2023 five-tier rule's thresholds: a loan is in a class once MORE than this many days
    past due (a technical grace of 0-7 days before special mention)."""

    special_mention = _days(_l("Technical grace before special mention (0-7 days)"), low=0)
    substandard = _days(_l("Substandard after more than (days, at most 90)"))
    doubtful = _days(_l("Doubtful after more than (days, at most 270)"))
    loss = _days(_l("Loss after more than (days, at most 360)"))
    save_thresholds = SubmitField(_l("Set the thresholds"))

    def as_text(self) -> str:
        """The thresholds as the service takes them, e.g. '0/90/270/360'."""
        days = (self.special_mention, self.substandard, self.doubtful, self.loss)
        return "/".join(str(f.data) for f in days)


class HolidayYearForm(FlaskForm):  # type: ignore[misc]
    """A year's public holidays and make-up working days, copied from the State Council's
    notice (国务院办公厅关于某年部分节假日安排的通知)."""

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    holidays = TextAreaField(
        _l("Public holidays"),
        validators=[InputRequired(), Length(max=4000)],
        description=_l("Every day off, as YYYY-MM-DD, separated by spaces, commas or lines."),
    )
    makeup_workdays = TextAreaField(
        _l("Make-up working days (调休上班)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Weekend days that are working days, as YYYY-MM-DD."),
    )
    source = StringField(
        _l("Notice"), validators=[InputRequired(), Length(max=500)],
        description=_l("The notice's title and number, or its date of publication."),
    )
    submit = SubmitField(_l("Save the calendar"))
