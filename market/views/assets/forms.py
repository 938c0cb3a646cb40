"""Asset forms: common fields plus the kind's facts, generated from asset_facts specs."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from market.domain.bounds import BoundsError, parse_percent_bp
from market.domain.kinds import AssetKind, Industry, LegalStatus
from market.models.assets import IPAsset
from market.services.assets import AssetInput
from market.text.asset_facts import FACTS_BY_KIND, FactSpec
from market.text.reference import INDUSTRY_LABELS, STATUS_LABELS
from market.views.formtools import (
    DateField,
    IntegerField,
    MoneyField,
    not_after_business_date,
    not_blank,
    opts,
)


class PercentField(StringField):  # type: ignore[misc]
    """A percentage typed like '5' or '-2.5', held as basis points."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if self.raw_text:
            try:
                self.data = parse_percent_bp(self.raw_text)
            except BoundsError as exc:
                raise ValueError(gettext(str(exc))) from exc

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        return "" if self.data is None else str(Decimal(self.data) / 100)


class AssetBaseForm(FlaskForm):  # type: ignore[misc]
    registry_number = StringField(
        _l("Registry number"), validators=[DataRequired(), Length(max=40)]
    )
    title = StringField(
        _l("Title or mark as registered"), validators=[DataRequired(), Length(max=200)]
    )
    holder_name = StringField(
        _l("Registered holder"),
        validators=[Optional(), Length(max=200)],
        description=_l("As on the certificate; leave empty if it is your company."),
    )
    industry = SelectField(
        _l("Industry of the products"),
        validators=[DataRequired()],
        choices=opts([("", _l("Choose…"))] + [(i.value, INDUSTRY_LABELS[i]) for i in Industry]),
    )
    legal_status = SelectField(
        _l("Legal status"),
        validators=[DataRequired()],
        choices=opts([(s.value, STATUS_LABELS[s]) for s in LegalStatus]),
    )
    filing_date = DateField(_l("Filing date"), validators=[InputRequired()])
    grant_date = DateField(
        _l("Grant or registration date"), validators=[Optional(), not_after_business_date]
    )
    annual_revenue = MoneyField(
        _l("Annual revenue from products using it (CNY)"),
        validators=[Optional()],
        description=_l("Last full year; drives the income valuation."),
    )
    revenue_growth = PercentField(_l("Expected revenue growth (% a year)"), validators=[Optional()])
    development_cost = MoneyField(
        _l("Development and registration cost (CNY)"),
        validators=[Optional()],
        description=_l("Used as the cost-approach floor."),
    )
    row_version = HiddenField()
    submit = SubmitField(_l("Save asset"))

    kind: AssetKind
    fact_specs: tuple[FactSpec, ...]

    def to_input(self) -> AssetInput:
        """The service input from the form's cleaned data."""
        facts: dict[str, Any] = {}
        for spec in self.fact_specs:
            value = getattr(self, f"fact_{spec.name}").data
            if spec.type == "classes":
                value = value or ""
            facts[spec.name] = value
        return AssetInput(
            kind=self.kind,
            registry_number=self.registry_number.data,
            title=self.title.data,
            holder_name=self.holder_name.data or "",
            industry=Industry(self.industry.data),
            legal_status=LegalStatus(self.legal_status.data),
            filing_date=self.filing_date.data,
            grant_date=self.grant_date.data,
            annual_revenue=self.annual_revenue.data,
            development_cost=self.development_cost.data,
            revenue_growth_bp=self.revenue_growth.data,
            facts=facts,
        )

    def fact_fields(self) -> list[Field]:
        """The kind-specific fields, in spec order."""
        return [getattr(self, f"fact_{spec.name}") for spec in self.fact_specs]


def _fact_field(spec: FactSpec) -> Field:
    kw: dict[str, Any] = {"description": spec.help}
    if spec.type == "bool":
        return BooleanField(spec.label, **kw)
    required = [InputRequired()] if spec.required else [Optional()]
    if spec.type == "int":
        return IntegerField(
            spec.label,
            validators=[*required, NumberRange(min=spec.minimum, max=spec.maximum)],
            **kw,
        )
    if spec.type == "money":
        return MoneyField(spec.label, validators=required, **kw)
    if spec.type == "date":
        return DateField(spec.label, validators=required, **kw)
    if spec.type == "choice":
        choices = list(spec.choices) if spec.required else [("", _l("Not known")), *spec.choices]
        return SelectField(spec.label, validators=required, choices=opts(choices), **kw)
    return StringField(spec.label, validators=[*required, Length(max=200)], **kw)


@cache
def form_class(kind: AssetKind) -> type[AssetBaseForm]:
    """The form class of one asset kind."""
    specs = FACTS_BY_KIND[kind]
    attrs: dict[str, Any] = {"kind": kind, "fact_specs": specs}
    for spec in specs:
        attrs[f"fact_{spec.name}"] = _fact_field(spec)
    return type(f"{kind.name.title().replace('_', '')}Form", (AssetBaseForm,), attrs)


def form_data(asset: IPAsset) -> dict[str, Any]:
    """Initial form values from a stored asset."""
    data: dict[str, Any] = {
        "registry_number": asset.registry_number,
        "title": asset.title,
        "holder_name": asset.holder_name,
        "industry": asset.industry.value,
        "legal_status": asset.legal_status.value,
        "filing_date": asset.filing_date,
        "grant_date": asset.grant_date,
        "annual_revenue": asset.annual_revenue,
        "development_cost": asset.development_cost,
        "revenue_growth": asset.revenue_growth_bp,
        "row_version": asset.row_version,
    }
    for spec in FACTS_BY_KIND[asset.kind]:
        value = asset.facts.get(spec.name)
        if spec.type == "classes" and value:
            value = ", ".join(str(v) for v in value)
        elif spec.type == "date" and value:
            from datetime import date

            value = date.fromisoformat(value)
        data[f"fact_{spec.name}"] = value
    return data


class BankValueForm(FlaskForm):  # type: ignore[misc]
    """A bank's own adjusted value of an asset, with the reason for it."""

    adjusted_value = MoneyField(
        _l("Your bank's value (CNY)"),
        validators=[InputRequired()],
        description=_l("Kept beside the model's value; the model's valuation never changes."),
    )
    reason = TextAreaField(
        _l("Why the bank values it so"),
        validators=[DataRequired(), not_blank, Length(max=2000)],
        description=_l("A sentence or more: e.g. a narrower market, a pending invalidation."),
    )
    submit = SubmitField(_l("Record the bank's value"))
