"""Long lists count no further than a cap (paging.COUNT_CAP, 10,000 in production) and say
"more than N"; they still page on to the last row (issue 12: counting a 500,000-row audit log on
every view cost more than the page)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from market.models.audit import AuditEvent
from market.views import paging
from tests.market.conftest import World, sign_in


def test_a_list_past_the_cap_says_more_than_and_pages_to_the_end(
    client: FlaskClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(12):
        session.add(AuditEvent(action=f"test.event{n}", object_type="Test", object_id=n))
    session.commit()
    total = session.exec(select(func.count()).select_from(AuditEvent)).one()
    assert total >= 12
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    sign_in(client, world.admin)
    html = client.get("/admin/audit?per_page=20").get_data(as_text=True)
    # 20 a page but only 5 counted: the first page shows its 20 rows (or all there are).
    shown = min(total, 20)
    assert f"1–{shown} of more than 5" in html
    assert ("rel=\"next\"" in html) == (total > 20)
    # One a page: the last page is reached by "Next" and has no further link.
    last = client.get(f"/admin/audit?per_page=1&page={total}").get_data(as_text=True)
    assert f"{total}–{total} of more than 5" in last and 'rel="next"' not in last
    assert 'rel="prev"' in last
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    exact = client.get("/admin/audit?per_page=1").get_data(as_text=True)
    assert f"1–1 of {total}" in exact and f"Page 1 of {total}" in exact
