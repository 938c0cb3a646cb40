"""Forms of the general pages: the company profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class HighTechForm(FlaskForm):  # type: ignore[misc]
    high_tech = BooleanField(
        _l("Certified high and new technology enterprise (income tax 15 percent)"),
        description=_l(
            "The valuation deducts your income tax rate: 15 percent if certified, else 25 percent."
        ),
    )
    submit = SubmitField(_l("Save"))
