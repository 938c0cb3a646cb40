"""Money actions show a preview before the final POST: tests send the first form, read the
digest of the previewed figures from the page, and send the form again with it, as the
preview page's confirmation button does."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from market.services.idempotency import FIELD as KEY_FIELD
from market.services.previews import FIELD
from tests.market.formkeys import keyed

DIGEST = re.compile(r'name="' + FIELD + r'" value="([0-9a-f]+)"')


def digest_of(response: TestResponse) -> str:
    """The digest a preview page carries (the page must be a preview)."""
    found = DIGEST.search(response.get_data(as_text=True))
    assert found is not None, response.get_data(as_text=True)[:2000]
    return found.group(1)


def preview(client: FlaskClient, url: str, data: dict[str, Any]) -> tuple[TestResponse, str]:
    """POST the first form: the preview page (nothing changed) and its digest."""
    response = client.post(url, data=data)
    assert response.status_code == 200, (url, response.status_code)
    return response, digest_of(response)


def confirmed(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> TestResponse:
    """The whole action: the first form (a fresh key unless `data` has one), its preview, and
    the confirmation with the previewed digest. Returns the confirmation's response."""
    form = data if data is not None and KEY_FIELD in data else keyed(data)
    _, digest = preview(client, url, form)
    return client.post(url, data={**form, FIELD: digest})
