"""Small helpers shared by the forms of every blueprint."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import DateField as _DateField
from wtforms import DecimalField as _DecimalField
from wtforms import Field, StringField, ValidationError
from wtforms import IntegerField as _IntegerField
from wtforms.fields.choices import SelectChoice

from market.domain.bounds import BoundsError, check_date
from market.domain.money import MoneyError, parse_cny
from market.frame.db import get_session
from market.services.clock import business_date

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)  # far enough for any term; date arithmetic never overflows
_INT = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_DEC = re.compile(r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,10})?", re.ASCII)


class IntegerField(_IntegerField):  # type: ignore[misc]
    """WTForms' IntegerField that takes ASCII digits only, at most 18 of them, so a range
    validator never meets a number too large to compare (NumberRange gives the bounds)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        self.data = None
        if not raw:
            return
        if not _INT.fullmatch(raw):
            raise ValueError(gettext("Enter a whole number."))
        self.data = int(raw)


class DecimalField(_DecimalField):  # type: ignore[misc]
    """WTForms' DecimalField that takes plain ASCII decimals only (no NaN, infinity or
    exponent), so a range validator never meets a value it cannot compare."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        self.data = None
        if not raw:
            return
        if not _DEC.fullmatch(raw):
            raise ValueError(gettext("Enter a number, e.g. 12.5."))
        self.data = Decimal(raw)


class DateField(_DateField):  # type: ignore[misc]
    """WTForms' DateField, refusing dates before 1900 or after 2199 (a field's own validator
    narrows that, e.g. `not_after_business_date`)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, date):
            day = self.data
            try:
                check_date(day, earliest=EARLIEST_DATE, latest=LATEST_DATE)
            except BoundsError as exc:
                self.data = None
                raise ValueError(gettext(str(exc))) from exc


def date_not_after(latest: Callable[[], date]) -> Callable[[FlaskForm, Field], None]:
    """A validator: the date is not after `latest()` (e.g. the business date)."""

    def check(form: FlaskForm, field: Field) -> None:
        if isinstance(field.data, date):
            try:
                check_date(field.data, latest=latest())
            except BoundsError as exc:
                raise ValidationError(gettext(str(exc))) from exc

    return check


def today_on_the_clock() -> date:
    """The business date (what "today" means for filing dates and deadlines)."""
    return business_date(get_session())


not_after_business_date = date_not_after(today_on_the_clock)


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


def add_check_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put a service's check errors on the fields whose own checks passed, so a form the
    form's checks refused still shows every wrong field after the first submit."""
    quiet = {
        name: message
        for name, message in errors.items()
        if (field := getattr(form, name.replace("facts.", "fact_"), None)) is not None
        and not field.errors
    }
    apply_errors(form, quiet)


def not_blank(form: FlaskForm, field: Field) -> None:
    """Reject whitespace-only text."""
    if field.data is not None and not str(field.data).strip():
        raise ValidationError(gettext("This field is required."))


def opts(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]
