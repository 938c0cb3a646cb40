"""Every field's error is shown after the first submit: the main forms (registration, adding
an asset, a financing request, an offer) are submitted once in Chromium with every field
wrong, and every field must show its message then, not only after a second submit (when the
form's own checks pass and the service's checks run)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import slug
from tests.browser.pages import Tab

# The fields inside an error container (".has-error" holding a message) of the page.
FIELDS_IN_ERROR_JS = """
() => [...document.querySelectorAll('main .has-error')]
  .filter((c) => c.querySelector('.error'))
  .flatMap((c) => [...c.querySelectorAll('input[name], select[name], textarea[name]')])
  .filter((e) => e.type !== 'hidden')
  .map((e) => e.name)
"""

# What each form gets: field -> typed value ("" empties it), or for a select "=" + option value.
# Each value breaks one rule of the field (the form's or the service's), worked from the form
# definitions (views/*/forms.py) and the services' checks.
REGISTER = {
    "company_name": "",
    "uscc": "91350200MA2XY8KQ9A",  # 18 characters with a wrong check character (GB 32100)
    "industry": "=",
    "size": "=",
    "region": "=",
    "contact_name": "",
    "contact_phone": "",
    "name": "",
    "email": "not-an-address",
    "password": "short",
    "confirm": "different",
}
ASSET = {
    "registry_number": "",
    "title": "",
    "industry": "=",
    "filing_date": "",
    "annual_revenue": "lots",
    "revenue_growth": "fast",
    "development_cost": "-",
}
REQUEST = {
    "amount": "0",  # a number, but none to borrow (the service's check)
    "term_months": "0",
    "purpose": "   ",
    "other_collateral": "some",
}
OFFER = {
    "amount": "999999999",  # above the maximum loan with no override reason: the service asks
    "override_reason": "",  # for the reason (the service's check)
    "rate": "4.3x",
    "term_months": "0",
    "rating_grade": "",
}


def fill(page: Any, scope: str, values: dict[str, str]) -> None:
    """Type (or choose) each value into the field of that name inside `scope`."""
    for name, value in values.items():
        field = page.locator(f"{scope} [name={name}]").first
        if value.startswith("="):
            field.select_option(value[1:])
        else:
            field.fill(value)


def first_submit_errors(page: Any, scope: str, values: dict[str, str]) -> set[str]:
    """Fill the form, submit it once; the names of the fields showing an error."""
    fill(page, scope, values)
    with page.expect_navigation():
        page.locator(f"{scope} [type=submit]").first.click()
    return set(page.evaluate(FIELDS_IN_ERROR_JS))


def open_offer_form(page: Any, site: str) -> None:
    """The first request the officer can make an offer on."""
    page.goto(f"{site}/financing/")
    paths = {
        re.sub(r"^https?://[^/]+", "", h)
        for h in page.eval_on_selector_all("main a[href]", "els => els.map((a) => a.href)")
    }
    for path in sorted(p for p in paths if re.fullmatch(r"/financing/\d+", p)):
        page.goto(f"{site}{path}")
        if page.locator("#offer-form form").count():
            return
    raise AssertionError("no request the officer can make an offer on")


FORMS = {
    "register": (None, "/register", "main form", REGISTER),
    "asset": ("owner@lumina.demo", "/assets/new/invention_patent", "main form", ASSET),
    "request": ("owner@lumina.demo", "/financing/new", "main form", REQUEST),
    "offer": ("officer@pearlbank.demo", None, "#offer-form form", OFFER),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_every_wrong_field_shows_its_error_after_the_first_submit(
    browser: Any, site_url: str, shots_dir: Path, form: str
) -> None:
    who, path, scope, values = FORMS[form]
    tab = Tab(browser, site_url, "en", (1366, 900))
    try:
        if who:
            tab.sign_in(who)
        if path:
            tab.page.goto(f"{site_url}{path}")
        else:
            open_offer_form(tab.page, site_url)
        shown = first_submit_errors(tab.page, scope, values)
        if form == "request":  # no asset chosen: the assets' fieldset shows the message
            values = {**values, "asset_ids": ""}
        tab.page.screenshot(
            path=str(shots_dir / f"form-errors-{slug(form)}.jpg"), full_page=True, type="jpeg"
        )
    finally:
        tab.close()
    if form == "offer":  # an amount above the maximum is allowed, with a reason
        values = {k: v for k, v in values.items() if k != "amount"}
    missing = set(values) - shown
    assert not missing, f"{form}: no error shown after the first submit on {sorted(missing)}"
