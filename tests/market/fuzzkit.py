"""Tools of the form fuzz test: hostile values, the forms found on the site's pages, and a
snapshot of every table.

Forms are discovered, not listed: every GET page is rendered as every principal and each
`<form method="post">` is read (action, fields, options, pre-filled values). A test asserts
that the forms found cover every POST route of the url_map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import Connection, select
from sqlmodel import SQLModel

HOSTILE_NUMBERS = [
    "1e999999",
    "-1e999999",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "sNaN",
    "1e-999999",
    "9" * 400,
    "99999999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "-1",
    "0",
    "0.001",
    "1_000",
    "١٢٣",  # Arabic-Indic digits (Decimal and int accept them)
    "1e3",
    "0x10",
    "",
    " ",
]
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "x" * 10_000,
    "\u202eevil",
    "<script>alert(1)</script>",
    "'; DROP TABLE loan; --",
    "\r\n\t",
    "%s%(x)s{0}",
    "\ufeff",
]
HOSTILE_DATES = [
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "99999-01-01",
    "1900-01-01",
    "2100-01-01",
    "2026-13-01",
    "today",
]
HOSTILE_JSON = [
    "[" * 100_000,
    "{" * 50_000,
    '{"a":' * 2000 + "1" + "}" * 2000,
    "[" + "1," * 200_000 + "1]",
    '{"name": "x", "claim_deadline_days": 1e30}',
    '{"claim_deadline_days": 1000000000000000000000000000000}',
    '{"name": NaN}',
    '{"name": Infinity}',
    "null",
    '"just a string"',
]
HOSTILE_IDS = ["0", "-1", "2147483648", "9223372036854775808", "1" * 40, "abc", "1.5"]
HOSTILE = HOSTILE_NUMBERS + HOSTILE_TEXT + HOSTILE_DATES + HOSTILE_IDS


@dataclass
class FormField:
    """One named control of a form."""

    name: str
    kind: str  # input type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # pre-filled value(s) or select options


@dataclass
class FoundForm:
    """A POST form found on a page."""

    action: str
    fields: dict[str, FormField] = field(default_factory=dict)
    method: str = "post"


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FoundForm] = []
        self._form: FoundForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            self._form = FoundForm(action=a.get("action") or self.page_url, method=method)
            return
        if self._form is None or (tag not in ("input", "select", "textarea", "option")):
            return
        if tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
            return
        name = a.get("name")
        if not name:
            return
        kind = tag if tag != "input" else a.get("type", "text").lower()
        spec = self._form.fields.setdefault(name, FormField(name, kind))
        if tag == "input" and a.get("value"):
            spec.values.append(a["value"])
        if tag == "select":
            self._select = spec
        if tag == "textarea":
            self._textarea = spec

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and data.strip():
            self._textarea.values.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(page_url: str, html: str) -> list[FoundForm]:
    """The forms of a page (POST and GET)."""
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


KINDS = {
    "SelectField": "select",
    "SelectMultipleField": "select",
    "BooleanField": "checkbox",
    "IntegerField": "number",
    "DateField": "date",
    "TextAreaField": "textarea",
    "PasswordField": "password",
    "EmailField": "email",
    "SubmitField": "submit",
}


def fields_of(form_class: type[FlaskForm] | None) -> dict[str, FormField]:
    """The fields of a WTForms class (inside a request context), as a page would show them."""
    if form_class is None:
        return {}
    form = form_class(formdata=None, meta={"csrf": False})
    out = {}
    for f in form:
        kind = KINDS.get(f.type, "text")
        values = [str(v) for v, *_rest in f.iter_choices()] if kind == "select" else []
        out[f.name] = FormField(f.name, kind, values)
    return out


def plausible(spec: FormField) -> list[str]:
    """Values that a careful user might send in this field."""
    name = spec.name
    if spec.kind == "select":
        return [v for v in spec.values if v] or [""]
    if spec.kind == "checkbox":
        return ["y", ""]
    found = [v for v in spec.values if v]
    if found:
        return found
    if spec.kind == "date" or name in ("day", "effective_from"):
        return ["2026-01-10", "2026-06-30"]
    if spec.kind == "email" or "email" in name:
        return ["fuzz@example.com"]
    if spec.kind == "password" or "password" in name or name == "confirm":
        return ["Sturdy-Pass-2026!"]
    if name in ("amount", "proceeds") or spec.kind == "number":
        return ["1000", "250000.50", "12"]
    if "rate" in name:
        return ["4.35"]
    if "term" in name or name.startswith("days_") or name.endswith("_days"):
        return ["12", "90"]
    return ["A careful note", "BBB"]


def json_mutations(text: str) -> list[str]:
    """A valid JSON document with one number at a time made hostile (days, money, shares)."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    out = []
    for key, value in sorted(document.items()):
        if isinstance(value, int | float) and not isinstance(value, bool):
            for bad in (10**17, 10**30, -1, 0, 1e308):
                out.append(json.dumps({**document, key: bad}))
    for key in ("claim_deadline_days", "claim_deadline_working_days"):
        out.append(json.dumps({**document, key: 10**30}))
        out.append(json.dumps({**document, key: 10**17}))
    return out


def table_snapshot(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a rejected submission changed nothing."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = conn.execute(select(table)).all()
        out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out
