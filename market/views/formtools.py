"""Small helpers shared by the forms of every blueprint."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import Field, StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from market.domain.money import MoneyError, parse_cny


class MoneyField(StringField):  # type: ignore[misc]
    """An amount typed in CNY, held as integer fen in `.data`."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if self.raw_text:
            try:
                self.data = parse_cny(self.raw_text)
            except MoneyError as exc:
                self.data = None
                raise ValueError(gettext(str(exc))) from exc

    def _value(self) -> str:
        if getattr(self, "raw_text", None):
            return str(self.raw_text)
        if self.data is None:
            return ""
        yuan, cents = divmod(int(self.data), 100)
        return f"{yuan}.{cents:02d}" if cents else str(yuan)


def apply_errors(form: FlaskForm, errors: dict[str, str]) -> list[str]:
    """Put a service's field errors next to the fields; return those without a field.

    Services raise English messages (see market.i18n); they are translated here, for display.
    """
    leftovers = []
    for name, english in errors.items():
        message = gettext(english)
        field: Field | None = getattr(form, name.replace("facts.", "fact_"), None)
        if field is None:
            leftovers.append(message)
        else:
            field.errors = [*list(field.errors or []), message]
    return leftovers


def not_blank(form: FlaskForm, field: Field) -> None:
    """Reject whitespace-only text."""
    if field.data is not None and not str(field.data).strip():
        raise ValidationError(gettext("This field is required."))


def opts(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]
