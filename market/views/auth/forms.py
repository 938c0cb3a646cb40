"""Forms for registration and sign-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from market.domain.kinds import CompanySize, Industry
from market.text.reference import INDUSTRY_LABELS, REGIONS, SIZE_LABELS
from market.views.formtools import opts


def _repeat(label: object, other: str) -> PasswordField:
    """A second password field that must equal the field named `other`."""
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(max=200),
            EqualTo(other, message=_l("Passwords differ.")),
        ],
    )


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):  # type: ignore[misc]
    company_name = StringField(
        _l("Registered company name"), validators=[DataRequired(), Length(max=200)]
    )
    uscc = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(min=18, max=24)],
        description=_l("18 characters, as printed on the business licence."),
    )
    industry = SelectField(
        _l("Industry"),
        validators=[DataRequired()],
        choices=opts([("", _l("Choose…"))] + [(i.value, INDUSTRY_LABELS[i]) for i in Industry]),
    )
    size = SelectField(
        _l("Company size"),
        validators=[DataRequired()],
        choices=opts(
            [("", _l("Choose…"))]
            + [(s.value, SIZE_LABELS[s]) for s in CompanySize if s.value != "large"]
        ),
    )
    region = SelectField(
        _l("Region"), validators=[DataRequired()], choices=opts([("", _l("Choose…")), *REGIONS])
    )
    high_tech = BooleanField(
        _l("Certified high and new technology enterprise (income tax 15 percent)"),
        description=_l(
            "The valuation deducts your income tax rate: 15 percent if certified, else 25 percent."
        ),
    )
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(
        _l("Your e-mail (used to sign in)"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters, letters and digits."),
    )
    confirm = _repeat(_l("Repeat password"), "password")
    submit = SubmitField(_l("Register company"))


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = _repeat(_l("Repeat new password"), "new_password")
    submit = SubmitField(_l("Change password"))


class ForgotForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetForm(FlaskForm):  # type: ignore[misc]
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters, letters and digits; not a common password."),
    )
    confirm = _repeat(_l("Repeat new password"), "new_password")
    submit = SubmitField(_l("Set the new password"))

