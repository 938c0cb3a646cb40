"""Every text field of every form states its length limit, and every number its range
(issue 11): the limit is rendered as `maxlength`, and longer text gets a field message
instead of a database error or a silent cut."""

from __future__ import annotations

from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy import create_engine
from wtforms import Field, IntegerField, StringField
from wtforms.validators import Length, NumberRange

from market.domain.kinds import AssetKind
from market.views.assets.forms import form_class
from tests.market.conftest import make_test_app

# Fields whose own parser bounds the text (an amount, a rate, a percentage).
PARSED = {"MoneyField", "RateField", "PercentField"}


def _all_forms() -> list[type[FlaskForm]]:
    seen: list[type[FlaskForm]] = []
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("market.") and cls not in seen:
            seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen + [form_class(kind) for kind in AssetKind]


def _problems(field: Field) -> str | None:
    validators = list(field.validators)
    if (
        isinstance(field, StringField)
        and type(field).__name__ not in PARSED
        and not any(isinstance(v, Length) and v.max > 0 for v in validators)
    ):
        return "text without Length(max=...)"
    if isinstance(field, IntegerField) and not any(
        isinstance(v, NumberRange) and v.min is not None and v.max is not None for v in validators
    ):
        return "whole number without NumberRange(min, max)"
    return None


def test_every_field_states_its_bounds() -> None:
    app: Flask = make_test_app(create_engine("sqlite://"))
    problems = []
    with app.test_request_context():
        forms = _all_forms()
        assert len(forms) > 15  # the walk found the site's forms
        for cls in forms:
            form = cls(formdata=None, meta={"csrf": False})
            for field in form:
                if field.type in ("SubmitField", "HiddenField", "CSRFTokenField"):
                    continue
                if (problem := _problems(field)) is not None:
                    problems.append(f"{cls.__name__}.{field.name}: {problem}")
    assert problems == []


def test_the_limit_is_rendered_as_maxlength() -> None:
    app = make_test_app(create_engine("sqlite://"))
    with app.test_request_context():
        from market.views.auth.forms import LoginForm

        html = str(LoginForm(formdata=None, meta={"csrf": False}).email())
    assert 'maxlength="254"' in html
